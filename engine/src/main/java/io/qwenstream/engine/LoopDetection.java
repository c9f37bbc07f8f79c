package io.qwenstream.engine;

/**
 * When the engine ends a thinking that loops, with the budget's closing sentence
 * ({@link Qwen3#BUDGET_CLOSING}). Two signs, checked in thinking mode only:
 *
 * <ul>
 *   <li>a repeat: the thinking's last tokens are one block of at most {@code maxPeriod} tokens repeated
 *       back to back, at least {@code minRepeats} times and over at least {@code minSpan} tokens (so a
 *       block of 1 token must come 256 times in a row by default, a 100-token paragraph 4 times);
 *   <li>no end: with no thinking budget, the thinking reaches {@code maxThinkingShare} of the tokens
 *       the generation may produce, provided the closing sentence still fits after it.
 * </ul>
 *
 * The defaults are far from what a normal reasoning writes: verbatim repeats of that length are what
 * greedy or low-temperature decoding falls into (the Qwen3 model card's warning), and they leave a tenth
 * of max_tokens for the answer.
 */
public record LoopDetection(boolean enabled, int maxPeriod, int minRepeats, int minSpan, double maxThinkingShare) {

    /** On: blocks up to 512 tokens, 4 repeats over 256 tokens or more, thinking capped at 90% of max_tokens. */
    public static final LoopDetection DEFAULT = new LoopDetection(true, 512, 4, 256, 0.9);

    /** Off: only the budget and max_tokens end the thinking. */
    public static final LoopDetection OFF = new LoopDetection(false, 1, 2, 1, 1.0);

    public LoopDetection {
        if (maxPeriod < 1) throw new IllegalArgumentException("maxPeriod must be >= 1, got " + maxPeriod);
        if (minRepeats < 2) throw new IllegalArgumentException("minRepeats must be >= 2, got " + minRepeats);
        if (minSpan < 1) throw new IllegalArgumentException("minSpan must be >= 1, got " + minSpan);
        if (!(maxThinkingShare > 0 && maxThinkingShare <= 1))
            throw new IllegalArgumentException("maxThinkingShare must be in (0, 1], got " + maxThinkingShare);
    }
}
