import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.engine.ChatFormat;
import io.qwenstream.engine.Engine;
import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.GenerationResult;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.Qwen3;
import io.qwenstream.engine.SamplingParams;
import io.qwenstream.engine.TokenListener;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the engine writes for gen_data examples, as evaluate.py reads it: the CPU counterpart of
 * reference.py's evaluation, for a machine without torch. Each prompt is rendered by the engine's
 * chat template and sampled with the pipeline's per-mode defaults (seed = the example's index); a
 * prompt whose switches turn thinking off gets the empty think block, as the pipeline enforces it.
 *
 *   java --add-modules jdk.incubator.vector -cp 'engine/target/engine.jar:engine/target/lib/*' \
 *     tools/demo-model/EngineEval.java MODEL.gguf EXAMPLES.jsonl OUTPUTS.jsonl [MAX_NEW_TOKENS]
 */
public final class EngineEval {

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        int maxTokens = args.length > 3 ? Integer.parseInt(args[3]) : 320;
        try (Engine engine = Engine.load(Path.of(args[0]), null);
                BufferedWriter out = Files.newBufferedWriter(Path.of(args[2]))) {
            ChatFormat chat = engine.chat();
            List<String> lines = Files.readAllLines(Path.of(args[1]));
            for (int i = 0; i < lines.size(); i++) {
                JsonNode example = json.readTree(lines.get(i));
                List<Map<String, Object>> messages = new ArrayList<>();
                for (JsonNode m : example.get("messages")) {
                    Map<String, Object> message = new LinkedHashMap<>();
                    message.put("role", m.get("role").asText());
                    message.put("content", m.get("content").asText());
                    messages.add(message);
                }
                boolean hard = example.get("enable_thinking").asBoolean();
                ChatFormat.Prompt prompt = chat.render(messages, null, hard);
                GenerationOptions options = new GenerationOptions(
                        maxTokens, SamplingParams.defaults(prompt.thinking(), i), false, null, prompt.thinking(), null);
                GenerationResult result = engine.generate(prompt.ids(), options, KvPrecision.F16, TokenListener.NONE);
                String text = (hard && !prompt.thinking() ? Qwen3.EMPTY_THINK_BLOCK : "") + result.text();
                boolean finished = result.finishReason() == GenerationResult.FinishReason.STOP;
                out.write(json.writeValueAsString(Map.of("text", text, "finished", finished)));
                out.newLine();
                if ((i + 1) % 50 == 0) System.err.println("engine-eval: " + (i + 1) + " of " + lines.size());
            }
        }
    }
}
