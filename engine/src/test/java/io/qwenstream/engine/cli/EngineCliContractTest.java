package io.qwenstream.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.engine.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine CLI contract of docs/design.md, driven like the outside checks drive it. */
class EngineCliContractTest {

    @TempDir
    Path temp;

    private static JsonNode ok(String... argv) throws Exception {
        EngineCliRunner.Result r = EngineCliRunner.run(argv);
        assertEquals(0, r.status(), "exit status of " + String.join(" ", argv) + "; stderr: " + r.stderr());
        return Fixtures.JSON.readTree(r.stdout());
    }

    @Test
    void tokenizeMatchesHuggingFaceFromTokenizerDirModelGgufAndConvertedGguf() throws Exception {
        Path gguf = Fixtures.root().resolve("gguf/tiny-qwen3-moe.Q8_0.gguf");
        for (Map.Entry<String, JsonNode> e :
                Fixtures.reference().get("tokenizer").properties()) {
            String text = e.getValue().get("text").asText();
            int[] expected = Fixtures.ints(e.getValue().get("ids"));
            for (Path model : List.of(Fixtures.tokenizerDir(), gguf)) {
                assertArrayEquals(
                        expected,
                        Fixtures.ints(ok("tokenize", "--model", model.toString(), "--text", text)
                                .get("ids")),
                        "tokenize via " + model.getFileName() + " of " + text);
            }
        }
    }

    @Test
    void templateRendersEveryReferenceConversation() throws Exception {
        for (JsonNode c : Fixtures.reference().get("chat_template")) {
            ObjectNode conversation = Fixtures.JSON.createObjectNode();
            conversation.set("messages", c.get("messages"));
            for (String key : List.of("tools", "enable_thinking", "add_generation_prompt")) {
                if (c.hasNonNull(key)) conversation.set(key, c.get(key));
            }
            Path file = temp.resolve(c.get("name").asText() + ".json");
            Files.writeString(file, conversation.toString());
            for (Path model :
                    List.of(Fixtures.tokenizerDir(), Fixtures.root().resolve("gguf/tiny-qwen3-moe.Q8_0.gguf"))) {
                JsonNode out = ok("template", "--model", model.toString(), "--conversation", file.toString());
                assertEquals(
                        c.get("rendered").asText(),
                        out.get("text").asText(),
                        c.get("name").asText());
                assertArrayEquals(
                        Fixtures.ints(c.get("ids")),
                        Fixtures.ints(out.get("ids")),
                        c.get("name").asText());
            }
        }
    }

    @Test
    void logitsGivesOnePositionPerIdWithTheReferenceTopLogits() throws Exception {
        JsonNode seq = Fixtures.reference()
                .path("models")
                .path("tiny-qwen3-moe")
                .get("sequences")
                .get(0);
        int[] ids = Fixtures.ints(Fixtures.field(seq, "ids"));
        JsonNode out =
                ok("logits", "--model", Fixtures.model("tiny-qwen3-moe").toString(), "--ids", join(ids), "--top", "10");
        JsonNode positions = out.get("positions");
        assertEquals(ids.length, positions.size());
        for (int p = 0; p < ids.length; p++) {
            JsonNode pos = positions.get(p);
            assertEquals(10, pos.get("top_ids").size());
            assertEquals(
                    Fixtures.field(seq, "top10_ids").get(p).get(0).asInt(),
                    pos.get("top_ids").get(0).asInt(),
                    "top-1 at " + p);
            assertEquals(
                    Fixtures.field(seq, "top10_logits").get(p).get(0).asDouble(),
                    pos.get("top_logits").get(0).asDouble(),
                    2e-3);
            assertEquals(
                    Fixtures.field(seq, "logsumexp").get(p).asDouble(),
                    pos.get("logsumexp").asDouble(),
                    2e-3);
        }
    }

    @Test
    void kvCacheOptionSelectsThePrecisionOfLogitsAndGenerate() throws Exception {
        JsonNode seq = Fixtures.reference()
                .path("models")
                .path("tiny-qwen3")
                .get("sequences")
                .get(1);
        String model = Fixtures.model("tiny-qwen3").toString();
        String ids = join(Fixtures.ints(Fixtures.field(seq, "ids")));
        JsonNode byDefault = ok("logits", "--model", model, "--ids", ids);
        assertEquals(
                byDefault,
                ok("logits", "--model", model, "--ids", ids, "--kv-cache", "f32"),
                "logits keep a float32 KV cache by default");
        JsonNode half = ok("logits", "--model", model, "--ids", ids, "--kv-cache", "f16");
        assertNotEquals(byDefault, half, "--kv-cache f16 stores halves");
        for (int p = 0; p < byDefault.get("positions").size(); p++) {
            // The largest logit moves no more than any logit: KVCachePrecisionTest's bound of 16 half-ulps of it.
            double top32 =
                    byDefault.get("positions").get(p).get("top_logits").get(0).asDouble();
            double top16 = half.get("positions").get(p).get("top_logits").get(0).asDouble();
            assertEquals(top32, top16, 16 * 0x1p-11 * Math.abs(top32), "largest logit at position " + p);
        }

        int[] greedy = Fixtures.ints(Fixtures.field(seq, "greedy_ids"));
        JsonNode generated = ok(
                "generate",
                "--model",
                model,
                "--tokenizer",
                Fixtures.tokenizerDir().toString(),
                "--ids",
                ids,
                "--max-tokens",
                String.valueOf(greedy.length),
                "--greedy",
                "--ignore-eos",
                "--kv-cache",
                "f16");
        assertArrayEquals(
                greedy, Fixtures.ints(generated.get("ids")), "the reference's greedy tokens with an F16 KV cache too");
    }

    @Test
    void generateWithRawIdsIsTheReferenceGreedyContinuation() throws Exception {
        JsonNode seq = Fixtures.reference()
                .path("models")
                .path("tiny-qwen3")
                .get("sequences")
                .get(0);
        int[] greedy = Fixtures.ints(Fixtures.field(seq, "greedy_ids"));
        JsonNode out = ok(
                "generate",
                "--model",
                Fixtures.model("tiny-qwen3").toString(),
                "--tokenizer",
                Fixtures.tokenizerDir().toString(),
                "--ids",
                join(Fixtures.ints(Fixtures.field(seq, "ids"))),
                "--max-tokens",
                String.valueOf(greedy.length),
                "--greedy",
                "--ignore-eos");
        assertArrayEquals(greedy, Fixtures.ints(out.get("ids")));
        assertEquals("length", out.get("finish_reason").asText());
        assertTrue(out.get("text").isTextual());
        JsonNode usage = out.get("usage");
        assertEquals(
                Fixtures.ints(Fixtures.field(seq, "ids")).length,
                usage.get("prompt_tokens").asInt());
        assertEquals(
                greedy.length,
                usage.get("thinking_tokens").asInt()
                        + usage.get("answer_tokens").asInt());
        assertTrue(usage.has("thinking_budget_reached"));
        assertFalse(usage.get("thinking_loop_ended").asBoolean(), "raw ids follow no thinking rules");
    }

    @Test
    void generateWithPromptThinksThenSpendsTheBudgetWithQwensSentence() throws Exception {
        JsonNode out = ok(
                "generate",
                "--model",
                Fixtures.root().resolve("gguf/tiny-qwen3-moe.Q8_0.gguf").toString(),
                "--prompt",
                "How many r's are in strawberries?",
                "--max-tokens",
                "60",
                "--seed",
                "7",
                "--thinking-budget",
                "6",
                "--ignore-eos");
        String text = out.get("text").asText();
        assertTrue(text.startsWith("<think>\n"), text);
        assertTrue(
                text.contains(
                        "Considering the limited time by the user, I have to give the solution based on the thinking directly now.\n</think>\n\n"),
                text);
        JsonNode usage = out.get("usage");
        assertTrue(usage.get("thinking_budget_reached").asBoolean());
        assertFalse(usage.get("thinking_loop_ended").asBoolean());
        // 6 budgeted tokens, then the closing sentence (its tokens are thinking up to and including </think>).
        int sentenceTokens = ok(
                        "tokenize",
                        "--model",
                        Fixtures.tokenizerDir().toString(),
                        "--text",
                        "\n\nConsidering the limited time by the user, I have to give the solution based on the thinking directly now.\n</think>")
                .get("ids")
                .size();
        assertEquals(6 + sentenceTokens, usage.get("thinking_tokens").asInt());
        assertEquals(
                60,
                usage.get("thinking_tokens").asInt()
                        + usage.get("answer_tokens").asInt());
    }

    @Test
    void noThinkAndSoftNoThinkStartTheAnswerAfterAnEmptyThinkBlock() throws Exception {
        for (String[] variant : new String[][] {{"--no-think", "--prompt", "hello"}, {"--prompt", "hello /no_think"}}) {
            List<String> argv = new ArrayList<>(List.of(
                    "generate",
                    "--model",
                    Fixtures.model("tiny-qwen3-moe").toString(),
                    "--tokenizer",
                    Fixtures.tokenizerDir().toString(),
                    "--max-tokens",
                    "8",
                    "--seed",
                    "3",
                    "--ignore-eos"));
            argv.addAll(List.of(variant));
            JsonNode out = ok(argv.toArray(String[]::new));
            assertEquals(0, out.get("usage").get("thinking_tokens").asInt(), String.join(" ", variant));
            assertEquals(8, out.get("usage").get("answer_tokens").asInt());
        }
    }

    @Test
    void greedyIsRefusedInThinkingModeButAllowedWithoutThinkingOrForRawIds() {
        String model = Fixtures.model("tiny-qwen3").toString();
        String tok = Fixtures.tokenizerDir().toString();
        EngineCliRunner.Result refused = EngineCliRunner.run(
                "generate", "--model", model, "--tokenizer", tok, "--prompt", "hi", "--max-tokens", "4", "--greedy");
        assertEquals(2, refused.status());
        assertTrue(refused.stderr().contains("greedy decoding in thinking mode is refused"), refused.stderr());
        assertEquals(
                0,
                EngineCliRunner.run(
                                "generate",
                                "--model",
                                model,
                                "--tokenizer",
                                tok,
                                "--prompt",
                                "hi",
                                "--max-tokens",
                                "4",
                                "--greedy",
                                "--no-think")
                        .status());
        assertEquals(
                0,
                EngineCliRunner.run(
                                "generate",
                                "--model",
                                model,
                                "--tokenizer",
                                tok,
                                "--prompt",
                                "hi",
                                "--max-tokens",
                                "4",
                                "--greedy",
                                "--allow-greedy")
                        .status());
        assertEquals(
                0,
                EngineCliRunner.run(
                                "generate",
                                "--model",
                                model,
                                "--tokenizer",
                                tok,
                                "--ids",
                                "1,2",
                                "--max-tokens",
                                "4",
                                "--greedy")
                        .status());
    }

    @Test
    void sameSeedSameTextOtherSeedOtherText() throws Exception {
        String[] base = {
            "generate",
            "--model",
            Fixtures.model("tiny-qwen3").toString(),
            "--tokenizer",
            Fixtures.tokenizerDir().toString(),
            "--prompt",
            "hi",
            "--max-tokens",
            "12",
            "--ignore-eos",
            "--seed"
        };
        JsonNode a = ok(append(base, "11"));
        JsonNode b = ok(append(base, "11"));
        JsonNode c = ok(append(base, "12"));
        assertEquals(a.get("ids").toString(), b.get("ids").toString());
        assertTrue(!a.get("ids").toString().equals(c.get("ids").toString()), "another seed should sample other tokens");
    }

    @Test
    void stopStringEndsTheTextBeforeIt() throws Exception {
        String model = Fixtures.model("tiny-qwen3").toString();
        String tok = Fixtures.tokenizerDir().toString();
        JsonNode full = ok(
                "generate",
                "--model",
                model,
                "--tokenizer",
                tok,
                "--ids",
                "9707,11",
                "--max-tokens",
                "10",
                "--greedy",
                "--ignore-eos");
        String text = full.get("text").asText();
        String stop = text.substring(text.length() / 2, text.length() / 2 + 2);
        JsonNode cut = ok(
                "generate",
                "--model",
                model,
                "--tokenizer",
                tok,
                "--ids",
                "9707,11",
                "--max-tokens",
                "10",
                "--greedy",
                "--ignore-eos",
                "--stop",
                stop);
        assertEquals("stop", cut.get("finish_reason").asText());
        assertEquals(text.substring(0, text.indexOf(stop)), cut.get("text").asText());
    }

    private static String[] append(String[] a, String last) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }

    static String join(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(sb.isEmpty() ? "" : ",").append(id);
        return sb.toString();
    }
}
