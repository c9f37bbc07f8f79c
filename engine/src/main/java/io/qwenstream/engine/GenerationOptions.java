package io.qwenstream.engine;

import java.util.List;

/**
 * What one generation may do. {@code thinking}: {@code null} for raw token ids (no thinking rules),
 * true to open the reasoning with {@code <think>\n} (what Qwen3 emits in thinking mode), false when
 * the prompt already holds an empty think block. {@code thinkingBudget}: null for none.
 * {@code answerFormat}: what the answer must be (constrained decoding after the thinking), null for free text.
 * {@code loopDetection}: when a looping thinking is ended (thinking mode only), null for {@link LoopDetection#DEFAULT}.
 */
public record GenerationOptions(
        int maxTokens,
        SamplingParams sampling,
        boolean ignoreEos,
        List<String> stop,
        Boolean thinking,
        Integer thinkingBudget,
        AnswerFormat answerFormat,
        LoopDetection loopDetection) {

    /** The default loop detection. */
    public GenerationOptions(
            int maxTokens,
            SamplingParams sampling,
            boolean ignoreEos,
            List<String> stop,
            Boolean thinking,
            Integer thinkingBudget,
            AnswerFormat answerFormat) {
        this(maxTokens, sampling, ignoreEos, stop, thinking, thinkingBudget, answerFormat, null);
    }

    /** Free text: no answer format. */
    public GenerationOptions(
            int maxTokens,
            SamplingParams sampling,
            boolean ignoreEos,
            List<String> stop,
            Boolean thinking,
            Integer thinkingBudget) {
        this(maxTokens, sampling, ignoreEos, stop, thinking, thinkingBudget, null, null);
    }

    public GenerationOptions {
        if (maxTokens <= 0) throw new IllegalArgumentException("max tokens must be positive, got " + maxTokens);
        if (thinkingBudget != null && thinkingBudget < 0) {
            throw new IllegalArgumentException("thinking budget must be >= 0, got " + thinkingBudget);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (loopDetection == null) loopDetection = LoopDetection.DEFAULT;
    }
}
