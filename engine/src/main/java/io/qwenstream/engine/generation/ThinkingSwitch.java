package io.qwenstream.engine.generation;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Qwen3's thinking switches. The hard switch ({@code enable_thinking}) wins; while it is on, the
 * last {@code /think} or {@code /no_think} in the user and system messages decides, across turns
 * (a later message without a switch keeps the earlier one).
 */
public final class ThinkingSwitch {

    /** Forced after the generation prompt when thinking is off: what Qwen3 itself emits then. */
    public static final String EMPTY_THINK_BLOCK = "<think>\n\n</think>\n\n";

    private static final Pattern SOFT = Pattern.compile("/(no_think|think)\\b");

    private ThinkingSwitch() {}

    /** Whether the model should think, given the hard switch and the conversation's soft switches. */
    public static boolean resolve(List<Map<String, Object>> messages, boolean hardEnabled) {
        if (!hardEnabled) return false;
        boolean thinking = true;
        for (Map<String, Object> message : messages) {
            Object role = message.get("role");
            if (!"user".equals(role) && !"system".equals(role)) continue;
            if (!(message.get("content") instanceof String content)) continue;
            Matcher m = SOFT.matcher(content);
            while (m.find()) thinking = m.group(1).equals("think");
        }
        return thinking;
    }
}
