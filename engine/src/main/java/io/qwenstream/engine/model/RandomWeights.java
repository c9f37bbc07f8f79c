package io.qwenstream.engine.model;

import java.util.SplittableRandom;

/**
 * Random weights for {@code engine forge}, named and shaped as llama.cpp's converter names them.
 * Each tensor draws from its own generator (seed and tensor name), so a seed gives the same file;
 * matrices are uniform with standard deviation 0.02 (the usual initialiser range), norms are 1.
 */
public final class RandomWeights {

    private static final float HALF_WIDTH = (float) (0.02 * Math.sqrt(3));

    private RandomWeights() {}

    public static void add(GgufModelWriter w, ModelConfig c, long seed) {
        int hidden = c.hiddenSize();
        w.matrix("token_embd.weight", c.vocabSize(), hidden, uniform(seed, "token_embd.weight", hidden));
        for (int i = 0; i < c.layerCount(); i++) {
            String p = "blk." + i + ".";
            w.f32(p + "attn_norm.weight", 1, hidden, ones());
            w.matrix(p + "attn_q.weight", c.queryDim(), hidden, uniform(seed, p + "attn_q", hidden));
            w.matrix(p + "attn_k.weight", c.kvDim(), hidden, uniform(seed, p + "attn_k", hidden));
            w.matrix(p + "attn_v.weight", c.kvDim(), hidden, uniform(seed, p + "attn_v", hidden));
            w.matrix(p + "attn_output.weight", hidden, c.queryDim(), uniform(seed, p + "attn_output", c.queryDim()));
            w.f32(p + "attn_q_norm.weight", 1, c.headDim(), ones());
            w.f32(p + "attn_k_norm.weight", 1, c.headDim(), ones());
            w.f32(p + "ffn_norm.weight", 1, hidden, ones());
            if (c.isMoeLayer(i)) {
                int ff = c.expertFeedForward();
                int e = c.expertCount();
                w.f32(p + "ffn_gate_inp.weight", e, hidden, uniform(seed, p + "ffn_gate_inp", hidden));
                w.stacked(p + "ffn_gate_exps.weight", e, ff, hidden, uniform(seed, p + "ffn_gate_exps", hidden));
                w.stacked(p + "ffn_up_exps.weight", e, ff, hidden, uniform(seed, p + "ffn_up_exps", hidden));
                w.stacked(p + "ffn_down_exps.weight", e, hidden, ff, uniform(seed, p + "ffn_down_exps", ff));
            } else {
                int ff = c.denseFeedForward();
                w.matrix(p + "ffn_gate.weight", ff, hidden, uniform(seed, p + "ffn_gate", hidden));
                w.matrix(p + "ffn_up.weight", ff, hidden, uniform(seed, p + "ffn_up", hidden));
                w.matrix(p + "ffn_down.weight", hidden, ff, uniform(seed, p + "ffn_down", ff));
            }
        }
        w.f32("output_norm.weight", 1, hidden, ones());
        if (!c.tiedEmbeddings())
            w.matrix("output.weight", c.vocabSize(), hidden, uniform(seed, "output.weight", hidden));
    }

    private static GgufModelWriter.Rows ones() {
        return (row, out) -> java.util.Arrays.fill(out, 1f);
    }

    /** Row r of the tensor comes from a generator seeded by (seed, name, r): rows need not be read in order. */
    private static GgufModelWriter.Rows uniform(long seed, String name, int cols) {
        long base = seed * 0x9E3779B97F4A7C15L ^ name.hashCode();
        return (row, out) -> {
            SplittableRandom random = new SplittableRandom(base + row * 0xBF58476D1CE4E5B9L);
            for (int j = 0; j < cols; j++) out[j] = (float) (random.nextDouble() * 2 - 1) * HALF_WIDTH;
        };
    }
}
