package io.qwenstream.engine.generation;

import io.qwenstream.engine.LoopDetection;

/**
 * Sees a token stream end in one block repeated back to back ({@link LoopDetection}'s repeat sign).
 * For each period p up to {@code maxPeriod} it counts how many tokens in a row equalled the token p
 * before them: a run of r such tokens makes the last r + p tokens p-periodic, that is (r + p) / p copies
 * of one block. O(maxPeriod) integer compares per token, nothing next to a forward pass.
 */
final class RepetitionDetector {

    private final int maxPeriod;
    private final int minRepeats;
    private final int minSpan;
    /** The last maxPeriod tokens, token i at i % maxPeriod. */
    private final int[] recent;
    /** run[p]: the tokens in a row, up to the last one, that equal the token p before them. */
    private final int[] run;

    private long count;

    RepetitionDetector(LoopDetection settings) {
        this.maxPeriod = settings.maxPeriod();
        this.minRepeats = settings.minRepeats();
        this.minSpan = settings.minSpan();
        this.recent = new int[maxPeriod];
        this.run = new int[maxPeriod + 1];
    }

    /** Takes the next token; true when the stream now ends in a repeat long enough to be a loop. */
    boolean accept(int token) {
        boolean loop = false;
        long periods = Math.min(maxPeriod, count);
        for (int p = 1; p <= periods; p++) {
            run[p] = recent[(int) ((count - p) % maxPeriod)] == token ? run[p] + 1 : 0;
            long span = (long) run[p] + p;
            if (run[p] > 0 && span >= minSpan && span >= (long) minRepeats * p) loop = true;
        }
        recent[(int) (count % maxPeriod)] = token;
        count++;
        return loop;
    }
}
