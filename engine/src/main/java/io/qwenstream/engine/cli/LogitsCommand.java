package io.qwenstream.engine.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.load.LoadedModel;
import io.qwenstream.engine.model.Qwen3Model;
import io.qwenstream.engine.sampling.TopK;
import java.io.PrintStream;
import java.util.Set;

/**
 * {@code logits --model PATH [--tokenizer DIR] --ids 1,2,3 --top 10 [--kv-cache f16|f32]} →
 * {@code {"positions":[{"top_ids":[…],"top_logits":[…],"logsumexp":x},…]}}, one per input position.
 * The KV cache is float32 unless asked: these logits are compared with transformers in float32.
 */
final class LogitsCommand {

    private LogitsCommand() {}

    static void run(String[] argv, PrintStream out) {
        Args args = new Args(argv, 0, Set.of("model", "tokenizer", "ids", "top", "kv-cache"), Set.of());
        int[] ids = args.ids("ids");
        int top = args.integer("top", 10);
        if (top <= 0) throw new UsageException("--top must be positive, got " + top);
        KvPrecision kvCache = args.kvCache(KvPrecision.F32);
        try (LoadedModel engine = LoadedModel.load(args.path("model"), args.optionalPath("tokenizer"))) {
            Qwen3Model model = engine.model();
            int vocab = model.config().vocabSize();
            for (int id : ids) {
                if (id < 0 || id >= vocab)
                    throw new UsageException("token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
            if (ids.length > model.config().contextLength()) {
                throw new UsageException(ids.length + " ids exceed the model's context of "
                        + model.config().contextLength());
            }
            Qwen3Model.State state = model.newState(ids.length, kvCache);
            ArrayNode positions = Json.MAPPER.createArrayNode();
            for (int p = 0; p < ids.length; p++) {
                model.forward(state, ids[p], p, true);
                positions.add(position(state.logits(), Math.min(top, vocab)));
            }
            ObjectNode json = Json.object();
            json.set("positions", positions);
            Json.print(out, json);
        }
    }

    static ObjectNode position(float[] logits, int top) {
        int[] best = TopK.indices(logits, top);
        ObjectNode node = Json.object();
        ArrayNode ids = node.putArray("top_ids");
        ArrayNode values = node.putArray("top_logits");
        for (int id : best) {
            ids.add(id);
            values.add(logits[id]);
        }
        node.put("logsumexp", logSumExp(logits));
        return node;
    }

    static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        for (float v : logits) sum += Math.exp(v - max);
        return max + Math.log(sum);
    }
}
