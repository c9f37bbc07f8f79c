package io.qwenstream.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine's public API, as a service uses it: load, render, generate, schedule. */
class EngineTest {

    private static Engine engine;

    @BeforeAll
    static void load() {
        engine = Engine.load(Fixtures.model("tiny-qwen3-moe"), Fixtures.tokenizerDir());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static Map<String, Object> user(String content) {
        return Map.of("role", "user", "content", content);
    }

    private static GenerationOptions greedy(int tokens) {
        return new GenerationOptions(tokens, SamplingParams.greedyDecoding(), true, List.of(), null, null);
    }

    @Test
    void theContextLengthFromTheConfigAloneIsTheLoadedModels() {
        assertEquals(40960, engine.contextLength()); // tiny-qwen3-moe/config.json: max_position_embeddings
        assertEquals(engine.contextLength(), Engine.contextLength(Fixtures.model("tiny-qwen3-moe")));
        assertEquals(40960, Engine.contextLength(Fixtures.root().resolve("gguf/tiny-qwen3-moe.Q8_0.gguf")));
        assertThrows(ModelFormatException.class, () -> Engine.contextLength(Fixtures.root()));
    }

    @Test
    void generateGivesTheReferenceGreedyContinuation() {
        JsonNode seq = Fixtures.reference()
                .path("models")
                .path("tiny-qwen3-moe")
                .get("sequences")
                .get(0);
        int[] expected = Fixtures.ints(Fixtures.field(seq, "greedy_ids"));
        List<Integer> streamed = new ArrayList<>();
        GenerationResult r = engine.generate(
                Fixtures.ints(Fixtures.field(seq, "ids")),
                greedy(expected.length),
                KvPrecision.F32,
                (id, text, phase) -> streamed.add(id));
        assertArrayEquals(expected, r.ids());
        assertEquals(List.of(java.util.Arrays.stream(expected).boxed().toArray()), streamed);
    }

    @Test
    void theSchedulerGeneratesWhatGenerateDoes() throws Exception {
        int[] prompt = engine.chat().render(List.of(user("Hello")), null, false).ids();
        int[] alone = engine.generate(prompt, greedy(6), KvPrecision.F32, TokenListener.NONE)
                .ids();
        try (Scheduler scheduler = engine.scheduler(2, 0, KvPrecision.F32)) {
            GenerationResult batched = scheduler
                    .submit(null, prompt, greedy(6), TokenListener.NONE, () -> null)
                    .get(30, TimeUnit.SECONDS);
            assertArrayEquals(alone, batched.ids());
        }
    }

    @Test
    void anIdOutsideTheVocabularyIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> engine.generate(new int[] {1, 10_000_000}, greedy(2), KvPrecision.F32, TokenListener.NONE));
        assertTrue(e.getMessage().contains("token id 10000000 is outside the vocabulary"), e.getMessage());
    }

    @Test
    void theHardSwitchOffRendersTheTemplatesEmptyThinkBlock() {
        ChatFormat.Prompt p = engine.chat().render(List.of(user("Hi")), null, false);
        assertFalse(p.thinking());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", p.text());
        assertArrayEquals(engine.chat().encode(p.text()), p.ids());
    }

    @Test
    void aSoftNoThinkAppendsTheEmptyThinkBlockTheTemplateLeavesOut() {
        ChatFormat.Prompt soft = engine.chat().render(List.of(user("Hi /no_think")), null, true);
        assertFalse(soft.thinking());
        assertEquals(
                "<|im_start|>user\nHi /no_think<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                soft.text());
        ChatFormat.Prompt thinking = engine.chat().render(List.of(user("Hi")), null, true);
        assertTrue(thinking.thinking());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", thinking.text());
    }

    @Test
    void toolsAreRenderedIntoTheSystemPrompt() {
        Map<String, Object> tool = Map.of(
                "type", "function", "function", Map.of("name", "get_weather", "parameters", Map.of("type", "object")));
        String text = engine.chat()
                .render(List.of(user("Weather?")), List.of(tool), true)
                .text();
        assertTrue(text.startsWith("<|im_start|>system\n# Tools"), text);
        assertTrue(text.contains("\"name\": \"get_weather\""), text);
    }

    /** Qwen3's template reads {@code '</think>' in message.content}, which fails on a null content. */
    @Test
    void aConversationTheTemplateRefusesIsRefusedWithTheTemplatesWords() {
        Map<String, Object> noContent = new java.util.HashMap<>();
        noContent.put("role", "assistant");
        noContent.put("content", null);
        ChatFormat.Refused e = assertThrows(
                ChatFormat.Refused.class, () -> engine.chat().render(List.of(user("hi"), noContent), null, true));
        assertFalse(e.reason().isBlank());
        assertTrue(e.getMessage().startsWith(e.reason()), e.getMessage());
    }

    @Test
    void piecesAreTheTextEachTokenCompletes() {
        ChatFormat chat = ChatFormat.load(Fixtures.tokenizerDir());
        String text = "<think>\n让我想想 🤔\n</think>\n\nok";
        List<String> pieces = chat.pieces(chat.encode(text));
        assertEquals(text, String.join("", pieces));
        assertEquals("<think>", pieces.getFirst());
        assertTrue(pieces.contains(""), "a token inside a UTF-8 sequence completes no text: " + pieces);
    }
}
