package io.qwenstream.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.engine.ChatFormat;
import io.qwenstream.engine.Engine;
import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.GenerationResult;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.LoopDetection;
import io.qwenstream.engine.SamplingParams;
import io.qwenstream.engine.TokenListener;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code generate} → {@code {"ids":[…],"text":"…","finish_reason":"…","usage":{…}}}. With
 * {@code --prompt} the text is one user message under the chat template and Qwen3's thinking rules;
 * with {@code --ids} the tokens are used as they are. The KV cache is float32 unless {@code --kv-cache
 * f16} asks for half precision: greedy continuations are compared with transformers in float32.
 */
final class GenerateCommand {

    private GenerateCommand() {}

    static void run(String[] argv, PrintStream out) {
        Args args = new Args(
                argv,
                0,
                Set.of(
                        "model",
                        "tokenizer",
                        "ids",
                        "prompt",
                        "max-tokens",
                        "temperature",
                        "top-p",
                        "top-k",
                        "min-p",
                        "presence-penalty",
                        "seed",
                        "thinking-budget",
                        "stop",
                        "kv-cache"),
                Set.of("greedy", "allow-greedy", "ignore-eos", "think", "no-think", "no-loop-detection"));
        if (args.has("ids") == args.has("prompt")) throw new UsageException("give exactly one of --ids and --prompt");
        if (args.flag("think") && args.flag("no-think"))
            throw new UsageException("--think and --no-think exclude each other");
        if (!args.has("max-tokens")) throw new UsageException("missing required option --max-tokens");
        int maxTokens = args.integer("max-tokens", 0);
        if (maxTokens <= 0) throw new UsageException("--max-tokens must be positive, got " + maxTokens);
        Integer budget = args.optionalInt("thinking-budget");
        if (budget != null && budget < 0) throw new UsageException("--thinking-budget must be >= 0, got " + budget);
        long seed = args.longValue("seed", 0L);
        KvPrecision kvCache = args.kvCache(KvPrecision.F32);

        try (Engine engine = Engine.load(args.path("model"), args.optionalPath("tokenizer"))) {
            int[] prompt;
            Boolean thinking;
            if (args.has("prompt")) {
                ChatFormat.Prompt chat = engine.chat()
                        .render(
                                List.of(java.util.Map.of("role", "user", "content", args.string("prompt"))),
                                null,
                                !args.flag("no-think"));
                prompt = chat.ids();
                thinking = chat.thinking();
                if (thinking && args.flag("greedy") && !args.flag("allow-greedy")) {
                    throw new UsageException(
                            "greedy decoding in thinking mode is refused (Qwen3 model card: it loops); "
                                    + "sample, use --no-think, or insist with --allow-greedy");
                }
            } else {
                prompt = args.ids("ids"); // ids outside the vocabulary: the engine refuses them
                thinking = null;
                if (budget != null)
                    throw new UsageException("--thinking-budget needs --prompt (raw --ids follow no thinking rules)");
            }
            SamplingParams sampling = sampling(args, thinking, seed);
            List<String> stop = args.has("stop") ? List.of(args.string("stop")) : List.of();
            GenerationOptions options = new GenerationOptions(
                    maxTokens,
                    sampling,
                    args.flag("ignore-eos"),
                    stop,
                    thinking,
                    thinking != null && thinking ? budget : null,
                    null,
                    args.flag("no-loop-detection") ? LoopDetection.OFF : LoopDetection.DEFAULT);
            GenerationResult result = engine.generate(prompt, options, kvCache, TokenListener.NONE);
            Json.print(out, toJson(result));
        }
    }

    private static SamplingParams sampling(Args args, Boolean thinking, long seed) {
        if (args.flag("greedy")) return SamplingParams.greedyDecoding();
        SamplingParams d = SamplingParams.defaults(!Boolean.FALSE.equals(thinking), seed);
        Float t = args.optionalFloat("temperature");
        Float topP = args.optionalFloat("top-p");
        Float minP = args.optionalFloat("min-p");
        Float penalty = args.optionalFloat("presence-penalty");
        return new SamplingParams(
                t != null ? t : d.temperature(),
                topP != null ? topP : d.topP(),
                args.integer("top-k", d.topK()),
                minP != null ? minP : d.minP(),
                penalty != null ? penalty : d.presencePenalty(),
                seed,
                false);
    }

    static ObjectNode toJson(GenerationResult r) {
        ObjectNode json = Json.object();
        json.set("ids", Json.MAPPER.valueToTree(r.ids()));
        json.put("text", r.text());
        json.put("finish_reason", r.finishReason().wireName());
        ObjectNode usage = json.putObject("usage");
        usage.put("prompt_tokens", r.usage().promptTokens());
        usage.put("thinking_tokens", r.usage().thinkingTokens());
        usage.put("answer_tokens", r.usage().answerTokens());
        usage.put("thinking_budget_reached", r.usage().thinkingBudgetReached());
        usage.put("thinking_loop_ended", r.usage().thinkingLoopEnded());
        return json;
    }
}
