package io.qwenstream.engine;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Qwen3 family's rules, in one place for every module: its special token ids, the model card's
 * sampling defaults per mode, the thinking switches and the texts the engine forces.
 */
public final class Qwen3 {

    /** {@code <|endoftext|>}: padding, and an end of sequence. */
    public static final int END_OF_TEXT = 151643;
    /** {@code <|im_start|>}: opens a message. */
    public static final int IM_START = 151644;
    /** {@code <|im_end|>}: closes a message; the end of sequence. */
    public static final int IM_END = 151645;
    /** {@code <tool_call>}. */
    public static final int TOOL_CALL_START = 151657;
    /** {@code </tool_call>}. */
    public static final int TOOL_CALL_END = 151658;
    /** {@code <think>}: opens the reasoning. */
    public static final int THINK_START = 151667;
    /** {@code </think>}: closes the reasoning. */
    public static final int THINK_END = 151668;

    /** Forced after the generation prompt when thinking is off: what Qwen3 itself emits then. */
    public static final String EMPTY_THINK_BLOCK = "<think>\n\n</think>\n\n";

    /** Qwen's sentence that ends the reasoning when the thinking budget is spent. */
    public static final String BUDGET_CLOSING =
            "\n\nConsidering the limited time by the user, I have to give the solution based on the thinking directly now.\n</think>\n\n";

    /** The model card's sampling for one mode, as the exact decimals the card gives. */
    public record SamplingDefaults(double temperature, double topP, int topK, double minP) {}

    /** Thinking mode: T=0.6, top_p=0.95, top_k=20, min_p=0 (greedy decoding makes Qwen3 loop). */
    public static final SamplingDefaults THINKING_SAMPLING = new SamplingDefaults(0.6, 0.95, 20, 0.0);

    /** Non-thinking mode: T=0.7, top_p=0.8, top_k=20, min_p=0. */
    public static final SamplingDefaults NON_THINKING_SAMPLING = new SamplingDefaults(0.7, 0.8, 20, 0.0);

    private static final Pattern SOFT_SWITCH = Pattern.compile("/(no_think|think)\\b");

    private Qwen3() {}

    public static SamplingDefaults samplingDefaults(boolean thinking) {
        return thinking ? THINKING_SAMPLING : NON_THINKING_SAMPLING;
    }

    /**
     * Whether the model should think. The hard switch ({@code enable_thinking}) wins; while it is on,
     * the last {@code /think} or {@code /no_think} in the user and system messages decides, across
     * turns (a later message without a switch keeps the earlier one).
     */
    public static boolean thinking(List<Map<String, Object>> messages, boolean hardEnabled) {
        if (!hardEnabled) return false;
        boolean thinking = true;
        for (Map<String, Object> message : messages) {
            Object role = message.get("role");
            if (!"user".equals(role) && !"system".equals(role)) continue;
            if (!(message.get("content") instanceof String content)) continue;
            Matcher m = SOFT_SWITCH.matcher(content);
            while (m.find()) thinking = m.group(1).equals("think");
        }
        return thinking;
    }
}
