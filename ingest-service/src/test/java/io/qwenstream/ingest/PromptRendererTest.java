package io.qwenstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.engine.ChatFormat;
import io.qwenstream.engine.Engine;
import io.qwenstream.schemas.ErrorCode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PromptRendererTest {

    private static PromptRenderer renderer;

    @BeforeAll
    static void load() {
        renderer = PromptRenderer.load(Fixtures.model(), Fixtures.tokenizer(), null);
    }

    private static Map<String, Object> user(String content) {
        return Map.of("role", "user", "content", content);
    }

    /** Qwen3's template reads {@code '</think>' in message.content}, which fails on a null content. */
    private static Map<String, Object> assistantWithoutContent() {
        Map<String, Object> message = new java.util.HashMap<>();
        message.put("role", "assistant");
        message.put("content", null);
        return message;
    }

    @Test
    void contextLengthIsReadFromTheModelConfig() {
        assertEquals(40960, renderer.contextLength());
        assertEquals(40960, Engine.contextLength(Fixtures.root().resolve("gguf/tiny-qwen3-moe.Q8_0.gguf")));
    }

    /** The worker encodes the prompt text with the model's own tokenizer: ingest's count must be that. */
    @Test
    void countsExactlyAsTheWorkersEngineAndResolvesTheMode() {
        List<List<Map<String, Object>>> conversations = List.of(
                List.of(user("Hello")),
                List.of(user("Hello /no_think")),
                List.of(
                        Map.of("role", "system", "content", "Be brief."), user("What is 2+2? /no_think"),
                        Map.of("role", "assistant", "content", "4"), user("And 3+3? /think")));
        boolean[] thinkingWithHardSwitchOn = {true, false, true};
        try (Engine engine = Engine.load(Fixtures.model(), Fixtures.tokenizer())) {
            for (int i = 0; i < conversations.size(); i++) {
                for (boolean hard : new boolean[] {true, false}) {
                    PromptRenderer.Rendered actual = renderer.render(conversations.get(i), null, hard);
                    assertEquals(engine.chat().encode(actual.text()).length, actual.tokens());
                    assertEquals(hard && thinkingWithHardSwitchOn[i], actual.thinking(), i + " hard=" + hard);
                }
            }
        }
    }

    @Test
    void hardSwitchOffEndsWithTheTemplatesEmptyThinkBlockAndIgnoresSoftSwitches() {
        PromptRenderer.Rendered r = renderer.render(List.of(user("Think hard /think")), null, false);
        assertFalse(r.thinking());
        assertTrue(r.text().endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), r.text());
    }

    @Test
    void softNoThinkAppendsTheEmptyThinkBlockOnce() {
        PromptRenderer.Rendered r = renderer.render(List.of(user("Quick one /no_think")), null, true);
        assertFalse(r.thinking());
        assertTrue(r.text().endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), r.text());
    }

    @Test
    void softSwitchHoldsAcrossTurnsUntilTheNextOne() {
        List<Map<String, Object>> off =
                List.of(user("hi /no_think"), Map.of("role", "assistant", "content", "hello"), user("and now?"));
        assertFalse(renderer.render(off, null, true).thinking());
        List<Map<String, Object>> backOn =
                List.of(user("hi /no_think"), Map.of("role", "assistant", "content", "hello"), user("and now? /think"));
        PromptRenderer.Rendered r = renderer.render(backOn, null, true);
        assertTrue(r.thinking());
        assertTrue(r.text().endsWith("<|im_start|>assistant\n"), r.text());
    }

    @Test
    void aPromptThatFillsTheContextIsRefused() {
        PromptRenderer small = new PromptRenderer(ChatFormat.load(Fixtures.tokenizer()), 12);
        var r = assertThrows(
                        RefusedException.class,
                        () -> small.render(
                                List.of(user("one two three four five six seven eight nine ten")), null, true))
                .error();
        assertEquals(ErrorCode.PROMPT_TOO_LONG, r.code());
        assertTrue(r.message().contains("context holds 12 tokens"), r.message());
    }

    @Test
    void aConversationTheTemplateRefusesIsASchemaViolationOfMessages() {
        var r = assertThrows(
                        RefusedException.class,
                        () -> renderer.render(List.of(user("hi"), assistantWithoutContent()), null, true))
                .error();
        assertEquals(ErrorCode.SCHEMA_VIOLATION, r.code());
        assertEquals("/messages", r.field());
        assertTrue(r.message().startsWith("the model's chat template refuses these messages: "), r.message());
    }
}
