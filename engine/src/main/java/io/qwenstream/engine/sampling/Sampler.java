package io.qwenstream.engine.sampling;

import io.qwenstream.engine.SamplingParams;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks tokens from logits: presence penalty, then temperature, top-k, top-p and min-p, in the
 * order Hugging Face's logits processors apply them. Seeded, so a seed reproduces a generation.
 * Keeps its buffers between calls: one sampler per sequence.
 */
public final class Sampler {

    private final SamplingParams params;
    private final SplittableRandom random;
    private final boolean[] seen;
    private final int[] candidates;
    private final float[] probs;

    public Sampler(SamplingParams params, int vocabSize) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
        this.seen = new boolean[vocabSize];
        this.candidates = new int[vocabSize];
        this.probs = new float[vocabSize];
    }

    /** Marks a token as generated, for the presence penalty. */
    public void accept(int token) {
        seen[token] = true;
    }

    /** Chooses the next token; {@code logits} is modified (penalty and temperature applied in place). */
    public int sample(float[] logits) {
        int vocab = Math.min(logits.length, seen.length);
        if (params.presencePenalty() != 0f) {
            for (int i = 0; i < vocab; i++) if (seen[i]) logits[i] -= params.presencePenalty();
        }
        if (params.greedy() || params.temperature() == 0f) {
            return argMax(logits, vocab);
        }
        int n = topK(logits, vocab, params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab);
        // candidates[0..n) are sorted by descending logit; softmax at the temperature.
        float max = logits[candidates[0]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            probs[i] = (float) Math.exp((logits[candidates[i]] - max) / params.temperature());
            sum += probs[i];
        }
        for (int i = 0; i < n; i++) probs[i] = (float) (probs[i] / sum);
        if (params.topP() < 1f) {
            double cumulative = 0;
            int keep = 0;
            while (keep < n) {
                cumulative += probs[keep++];
                if (cumulative >= params.topP()) break;
            }
            n = keep;
        }
        if (params.minP() > 0f) {
            float threshold = params.minP() * probs[0];
            int keep = 1;
            while (keep < n && probs[keep] >= threshold) keep++;
            n = keep;
        }
        double total = 0;
        for (int i = 0; i < n; i++) total += probs[i];
        double r = random.nextDouble() * total;
        for (int i = 0; i < n; i++) {
            r -= probs[i];
            if (r < 0) return candidates[i];
        }
        return candidates[n - 1];
    }

    private static int argMax(float[] logits, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /** Puts the k highest-logit token ids, best first, into candidates[0..k); ties keep the lower id first. */
    private int topK(float[] logits, int vocab, int k) {
        if (k == vocab) {
            Integer[] order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
            for (int i = 0; i < vocab; i++) candidates[i] = order[i];
            return vocab;
        }
        return TopK.select(logits, vocab, k, candidates);
    }
}
