package io.qwenstream.engine.generation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ThinkingSwitchTest {

    private static Map<String, Object> msg(String role, String content) {
        return Map.of("role", role, "content", content);
    }

    @Test
    void thinkingIsOnByDefault() {
        assertTrue(ThinkingSwitch.resolve(List.of(msg("user", "hello")), true));
    }

    @Test
    void hardSwitchOffIgnoresSoftSwitches() {
        assertFalse(ThinkingSwitch.resolve(List.of(msg("user", "solve this /think")), false));
    }

    @Test
    void latestSoftSwitchWinsAcrossTurns() {
        var conversation = List.of(
                msg("user", "Who are you /no_think"),
                msg("assistant", "I am Qwen."),
                msg("user", "How many r's in strawberries? /think"),
                msg("assistant", "Three."),
                msg("user", "And in blueberries?"));
        assertTrue(ThinkingSwitch.resolve(conversation, true), "a turn without a switch keeps the earlier /think");
        var later = new java.util.ArrayList<>(conversation);
        later.add(msg("assistant", "Two."));
        later.add(msg("user", "thanks /no_think"));
        assertFalse(ThinkingSwitch.resolve(later, true));
    }

    @Test
    void lastSwitchInsideOneMessageWins() {
        assertTrue(ThinkingSwitch.resolve(List.of(msg("user", "/no_think actually /think")), true));
        assertFalse(ThinkingSwitch.resolve(List.of(msg("system", "/think"), msg("user", "quick /no_think")), true));
    }

    @Test
    void assistantAndToolMessagesDoNotSwitch() {
        assertTrue(ThinkingSwitch.resolve(
                List.of(msg("user", "hi"), msg("assistant", "/no_think"), msg("tool", "/no_think")), true));
    }

    @Test
    void wordsThatOnlyStartLikeASwitchAreNotSwitches() {
        assertTrue(ThinkingSwitch.resolve(List.of(msg("user", "see /no_thinking_here")), true));
    }
}
