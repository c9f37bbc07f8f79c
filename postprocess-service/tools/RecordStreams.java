import io.qwenstream.engine.ChatFormat;
import io.qwenstream.engine.Engine;
import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.Phase;
import io.qwenstream.engine.Qwen3;
import io.qwenstream.engine.SamplingParams;
import java.nio.file.*;
import java.util.*;

/**
 * Records the token streams of src/test/resources/streams: (phase, text) per token, labelled the way the
 * engine's Generator labels them. Realistic texts go through the real Qwen3 tokenizer; three streams are
 * real generations of the tiny random-weight model. Run from the repository root after an install:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ~/.m2/repository/io/qwenstream/engine/0.1.0-SNAPSHOT/engine-0.1.0-SNAPSHOT.jar:JACKSON_JARS \
 *     postprocess-service/tools/RecordStreams.java postprocess-service/src/test/resources/streams .
 * </pre>
 */
public class RecordStreams {

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    record Tok(String phase, String text) {}

    static void write(Path dir, String name, String how, List<Tok> toks) throws Exception {
        StringBuilder b = new StringBuilder(
                "{\n  \"name\": " + json(name) + ",\n  \"recorded_with\": " + json(how) + ",\n  \"tokens\": [\n");
        for (int i = 0; i < toks.size(); i++) {
            b.append("    [")
                    .append(json(toks.get(i).phase()))
                    .append(", ")
                    .append(json(toks.get(i).text()))
                    .append("]");
            b.append(i + 1 < toks.size() ? ",\n" : "\n");
        }
        b.append("  ]\n}\n");
        Files.writeString(dir.resolve(name + ".json"), b.toString());
    }

    public static void main(String[] a) throws Exception {
        Path out = Path.of(a[0]);
        Path root = Path.of(a[1]);
        Path model = root.resolve("fixtures/models/tiny-qwen3-moe");
        Path tokenizer = root.resolve("engine/src/main/resources/io/qwenstream/engine/tokenizer/qwen3");
        ChatFormat tok = ChatFormat.load(tokenizer);
        // Realistic texts, tokenized by the real Qwen3 tokenizer and labelled as the Generator labels them.
        Map<String, Object[]> texts = new LinkedHashMap<>();
        String closing = Qwen3.BUDGET_CLOSING;
        texts.put("thinking-answer", new Object[] {
            true,
            "<think>\nThe user asks for the capital of France. That is Paris, a city on the Seine.\n</think>\n\nThe capital of France is **Paris**."
        });
        texts.put("forced-off", new Object[] {
            false, "The capital of France is Paris.\n\nIt has been the capital since the 10th century."
        });
        texts.put("budget", new Object[] {
            true,
            "<think>\nLet me count the primes below 30: 2, 3, 5, 7, 11, 13" + closing + "There are 10 primes below 30."
        });
        texts.put("cut-by-length", new Object[] {
            true, "<think>\nOkay, the user wants an essay about the history of Rome. First, I should outline the"
        });
        texts.put("tool-call", new Object[] {
            true,
            "<think>\nI need the weather tool for Zürich.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\", \"unit\": \"celsius\"}}\n</tool_call>"
        });
        texts.put("two-tool-calls-with-text", new Object[] {
            false,
            "Let me look both up.\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"q\": \"<b>tags</b> in HTML\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>"
        });
        texts.put("multibyte", new Object[] {
            true, "<think>\n用户想知道问候语……让我想想 🤔\n</think>\n\nこんにちは世界！👋🏽 Привет, мир. Grüße aus Köln."
        });
        for (var e : texts.entrySet()) {
            boolean thinking = (Boolean) e.getValue()[0];
            int[] ids = tok.encode((String) e.getValue()[1]);
            List<String> pieces = tok.pieces(ids);
            List<Tok> toks = new ArrayList<>();
            String phase = "answer";
            for (int i = 0; i < pieces.size(); i++) {
                int id = i < ids.length ? ids[i] : -1; // a last piece past the ids: what the decoder flushed
                if (id == Qwen3.THINK_START) phase = "thinking";
                String p = phase;
                if (id == Qwen3.THINK_END) phase = "answer";
                toks.add(new Tok(p, pieces.get(i)));
            }
            StringBuilder check = new StringBuilder();
            toks.forEach(t -> check.append(t.text()));
            if (!check.toString().equals(e.getValue()[1])) throw new IllegalStateException("round trip " + e.getKey());
            write(
                    out,
                    e.getKey(),
                    "real Qwen3 tokenizer, phases as engine Generator labels them (thinking mode: " + thinking + ")",
                    toks);
        }
        // Real generations of the tiny random-weight model (noise text, real thinking rules).
        try (Engine engine = Engine.load(model, tokenizer)) {
            record G(String name, boolean thinking, Integer budget, int max, long seed) {}
            for (G g : List.of(
                    new G("engine-thinking-cut", true, null, 48, 7),
                    new G("engine-budget", true, 12, 64, 11),
                    new G("engine-forced-off", false, null, 40, 3))) {
                var built = engine.chat()
                        .render(
                                List.of(Map.of("role", "user", "content", "Say hello in three languages.")),
                                null,
                                g.thinking());
                List<Tok> toks = new ArrayList<>();
                var sp = SamplingParams.defaults(g.thinking(), g.seed());
                var r = engine.generate(
                        built.ids(),
                        new GenerationOptions(g.max(), sp, true, List.of(), g.thinking(), g.budget()),
                        KvPrecision.F32,
                        (id, text, ph) -> toks.add(new Tok(ph == Phase.THINKING ? "thinking" : "answer", text)));
                write(
                        out,
                        g.name(),
                        "engine Generator on tiny-qwen3-moe, thinking=" + g.thinking() + " budget=" + g.budget()
                                + " max_tokens=" + g.max() + " seed=" + g.seed() + " finish=" + r.finishReason(),
                        toks);
            }
        }
    }
}
