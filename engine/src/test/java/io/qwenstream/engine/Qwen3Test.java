package io.qwenstream.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Qwen3Test {

    private static Map<String, Object> msg(String role, String content) {
        return Map.of("role", role, "content", content);
    }

    /** The ids as the shipped tokenizer's own data (tokenizer.json) assigns them. */
    @Test
    void specialTokenIdsAreTheTokenizers() {
        ChatFormat chat = ChatFormat.load(Fixtures.tokenizerDir());
        Map<String, Integer> ids = Map.of(
                "<|endoftext|>", Qwen3.END_OF_TEXT,
                "<|im_start|>", Qwen3.IM_START,
                "<|im_end|>", Qwen3.IM_END,
                "<tool_call>", Qwen3.TOOL_CALL_START,
                "</tool_call>", Qwen3.TOOL_CALL_END,
                "<think>", Qwen3.THINK_START,
                "</think>", Qwen3.THINK_END);
        ids.forEach((text, id) -> assertArrayEquals(new int[] {id}, chat.encode(text), text));
        assertArrayEquals(new int[] {151667, 151668, 151644, 151645, 151643, 151657, 151658}, new int[] {
            Qwen3.THINK_START,
            Qwen3.THINK_END,
            Qwen3.IM_START,
            Qwen3.IM_END,
            Qwen3.END_OF_TEXT,
            Qwen3.TOOL_CALL_START,
            Qwen3.TOOL_CALL_END
        });
    }

    /** The model card's decimals reach the sampler as the nearest floats. */
    @Test
    void samplingDefaultsPerModeAreTheModelCards() {
        assertEquals(new Qwen3.SamplingDefaults(0.6, 0.95, 20, 0.0), Qwen3.samplingDefaults(true));
        assertEquals(new Qwen3.SamplingDefaults(0.7, 0.8, 20, 0.0), Qwen3.samplingDefaults(false));
        assertEquals(new SamplingParams(0.6f, 0.95f, 20, 0f, 0f, 7, false), SamplingParams.defaults(true, 7));
        assertEquals(new SamplingParams(0.7f, 0.8f, 20, 0f, 0f, 7, false), SamplingParams.defaults(false, 7));
    }

    @Test
    void thinkingIsOnByDefault() {
        assertTrue(Qwen3.thinking(List.of(msg("user", "hello")), true));
    }

    @Test
    void hardSwitchOffIgnoresSoftSwitches() {
        assertFalse(Qwen3.thinking(List.of(msg("user", "solve this /think")), false));
    }

    @Test
    void latestSoftSwitchWinsAcrossTurns() {
        var conversation = List.of(
                msg("user", "Who are you /no_think"),
                msg("assistant", "I am Qwen."),
                msg("user", "How many r's in strawberries? /think"),
                msg("assistant", "Three."),
                msg("user", "And in blueberries?"));
        assertTrue(Qwen3.thinking(conversation, true), "a turn without a switch keeps the earlier /think");
        var later = new java.util.ArrayList<>(conversation);
        later.add(msg("assistant", "Two."));
        later.add(msg("user", "thanks /no_think"));
        assertFalse(Qwen3.thinking(later, true));
    }

    @Test
    void lastSwitchInsideOneMessageWins() {
        assertTrue(Qwen3.thinking(List.of(msg("user", "/no_think actually /think")), true));
        assertFalse(Qwen3.thinking(List.of(msg("system", "/think"), msg("user", "quick /no_think")), true));
    }

    @Test
    void assistantAndToolMessagesDoNotSwitch() {
        assertTrue(Qwen3.thinking(
                List.of(msg("user", "hi"), msg("assistant", "/no_think"), msg("tool", "/no_think")), true));
    }

    @Test
    void wordsThatOnlyStartLikeASwitchAreNotSwitches() {
        assertTrue(Qwen3.thinking(List.of(msg("user", "see /no_thinking_here")), true));
    }
}
