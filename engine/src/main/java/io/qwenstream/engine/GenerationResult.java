package io.qwenstream.engine;

/**
 * The outcome of one generation. {@code ids} are the generated tokens only (forced ones included,
 * the final eos too); {@code text} is their decoded text without the eos and cut at a stop string.
 */
public record GenerationResult(int[] ids, String text, FinishReason finishReason, Usage usage) {

    public enum FinishReason {
        STOP,
        LENGTH,
        CANCELLED,
        DEADLINE;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * {@code thinkingLoopEnded}: the engine closed a thinking that repeated itself or ran past its
     * ceiling ({@link LoopDetection}).
     */
    public record Usage(
            int promptTokens,
            int thinkingTokens,
            int answerTokens,
            boolean thinkingBudgetReached,
            boolean thinkingLoopEnded) {

        /** No loop ended. */
        public Usage(int promptTokens, int thinkingTokens, int answerTokens, boolean thinkingBudgetReached) {
            this(promptTokens, thinkingTokens, answerTokens, thinkingBudgetReached, false);
        }
    }
}
