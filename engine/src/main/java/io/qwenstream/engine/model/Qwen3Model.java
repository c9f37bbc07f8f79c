package io.qwenstream.engine.model;

/**
 * The Qwen3 / Qwen3-MoE forward pass for one token at a time, in float32, step for step as
 * transformers' modeling_qwen3(_moe) computes it: RMSNorm, GQA attention with per-head QK-norm
 * before NEOX RoPE, then a dense SwiGLU or a top-k mixture of experts.
 */
public final class Qwen3Model {

    private final ModelConfig config;
    private final Weights weights;
    private final RotaryEmbedding rope;

    public Qwen3Model(ModelConfig config, Weights weights) {
        this.config = config;
        this.weights = weights;
        this.rope = new RotaryEmbedding(config.rope(), config.headDim(), config.contextLength());
    }

    public ModelConfig config() {
        return config;
    }

    public RotaryEmbedding rope() {
        return rope;
    }

    /** Scratch space of one sequence: reused for every token, so decoding allocates nothing. */
    public final class State {
        final KVCache cache;
        final float[] x = new float[config.hiddenSize()];
        final float[] xb = new float[config.hiddenSize()];
        final float[] q = new float[config.queryDim()];
        final float[] k = new float[config.kvDim()];
        final float[] v = new float[config.kvDim()];
        final float[] attn = new float[config.queryDim()];
        final float[] proj = new float[config.hiddenSize()];
        final float[] ffnOut = new float[config.hiddenSize()];
        final float[] denseGate = new float[config.denseFeedForward()];
        final float[] denseUp = new float[config.denseFeedForward()];
        final float[] expertGate = new float[config.expertFeedForward()];
        final float[] expertUp = new float[config.expertFeedForward()];
        final float[] routerLogits = new float[config.expertCount()];
        final int[] chosen = new int[config.expertsPerToken()];
        final float[] chosenWeight = new float[config.expertsPerToken()];
        final float[] scores;
        final float[] cos = new float[config.headDim() / 2];
        final float[] sin = new float[config.headDim() / 2];
        final float[] logits = new float[config.vocabSize()];

        State(int capacity) {
            cache = new KVCache(config, capacity);
            scores = new float[capacity];
        }

        public int capacity() {
            return cache.capacity();
        }

        /** Logits of the last {@link #forward} call that asked for them. */
        public float[] logits() {
            return logits;
        }
    }

    public State newState(int capacity) {
        return new State(capacity);
    }

    /**
     * Runs {@code token} at {@code position} (all earlier positions must already be in the cache).
     * Computes the output head only when {@code wantLogits}: during prefill only the last token needs it.
     */
    public void forward(State s, int token, int position, boolean wantLogits) {
        if (token < 0 || token >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.." + (config.vocabSize() - 1) + ")");
        }
        if (position >= s.capacity()) {
            throw new IllegalStateException("position " + position + " is past the KV cache capacity " + s.capacity());
        }
        weights.tokenEmbedding().dequantizeRow(token, s.x, 0);
        rope.angles(position, s.cos, s.sin);
        for (int l = 0; l < config.layerCount(); l++) {
            Weights.Layer layer = weights.layers().get(l);
            rmsNorm(s.xb, s.x, layer.attnNorm(), config.rmsNormEps());
            attention(s, layer, l, position);
            add(s.x, s.proj);
            rmsNorm(s.xb, s.x, layer.ffnNorm(), config.rmsNormEps());
            switch (layer.ffn()) {
                case Weights.Dense d -> swiGlu(s, d, s.ffnOut, s.denseGate, s.denseUp);
                case Weights.Moe m -> moe(s, m);
            }
            add(s.x, s.ffnOut);
        }
        if (wantLogits) {
            rmsNorm(s.xb, s.x, weights.outputNorm(), config.rmsNormEps());
            weights.output().matvec(s.xb, s.logits);
        }
    }

    private void attention(State s, Weights.Layer layer, int l, int position) {
        int headDim = config.headDim();
        int kvDim = config.kvDim();
        layer.wq().matvec(s.xb, s.q);
        layer.wk().matvec(s.xb, s.k);
        layer.wv().matvec(s.xb, s.v);
        addBias(s.q, layer.qBias());
        addBias(s.k, layer.kBias());
        addBias(s.v, layer.vBias());
        for (int h = 0; h < config.headCount(); h++) {
            rmsNormInPlace(s.q, h * headDim, headDim, layer.qNorm(), config.rmsNormEps());
            RotaryEmbedding.rotate(s.q, h * headDim, headDim, s.cos, s.sin);
        }
        for (int h = 0; h < config.kvHeadCount(); h++) {
            rmsNormInPlace(s.k, h * headDim, headDim, layer.kNorm(), config.rmsNormEps());
            RotaryEmbedding.rotate(s.k, h * headDim, headDim, s.cos, s.sin);
        }
        float[] keys = s.cache.keys[l];
        float[] values = s.cache.values[l];
        System.arraycopy(s.k, 0, keys, position * kvDim, kvDim);
        System.arraycopy(s.v, 0, values, position * kvDim, kvDim);

        int group = config.headCount() / config.kvHeadCount();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int h = 0; h < config.headCount(); h++) {
            int qOff = h * headDim;
            int kvOff = (h / group) * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t <= position; t++) {
                float score = 0f;
                int base = t * kvDim + kvOff;
                for (int d = 0; d < headDim; d++) score += s.q[qOff + d] * keys[base + d];
                score *= scale;
                s.scores[t] = score;
                max = Math.max(max, score);
            }
            float sum = 0f;
            for (int t = 0; t <= position; t++) {
                float e = (float) Math.exp(s.scores[t] - max);
                s.scores[t] = e;
                sum += e;
            }
            for (int d = 0; d < headDim; d++) s.attn[qOff + d] = 0f;
            for (int t = 0; t <= position; t++) {
                float p = s.scores[t] / sum;
                int base = t * kvDim + kvOff;
                for (int d = 0; d < headDim; d++) s.attn[qOff + d] += p * values[base + d];
            }
        }
        layer.wo().matvec(s.attn, s.proj);
        addBias(s.proj, layer.oBias());
    }

    private static void swiGlu(State s, Weights.Dense d, float[] out, float[] gate, float[] up) {
        d.gate().matvec(s.xb, gate);
        d.up().matvec(s.xb, up);
        for (int i = 0; i < gate.length; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
        d.down().matvec(gate, out);
    }

    /** Softmax over all experts in float32, top-k, renormalised only when the config says so. */
    private void moe(State s, Weights.Moe m) {
        int experts = config.expertCount();
        int k = config.expertsPerToken();
        m.router().matvec(s.xb, s.routerLogits);
        softmax(s.routerLogits, experts);
        int[] chosen = s.chosen;
        float[] weight = s.chosenWeight;
        float chosenSum = 0f;
        for (int i = 0; i < k; i++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                if (contains(chosen, i, e)) continue;
                if (best < 0 || s.routerLogits[e] > s.routerLogits[best]) best = e;
            }
            chosen[i] = best;
            weight[i] = s.routerLogits[best];
            chosenSum += weight[i];
        }
        java.util.Arrays.fill(s.ffnOut, 0f);
        for (int i = 0; i < k; i++) {
            float w = config.normTopKProb() ? weight[i] / chosenSum : weight[i];
            swiGlu(s, m.experts()[chosen[i]], s.proj, s.expertGate, s.expertUp);
            for (int j = 0; j < s.ffnOut.length; j++) s.ffnOut[j] += w * s.proj[j];
        }
    }

    private static boolean contains(int[] a, int n, int value) {
        for (int i = 0; i < n; i++) if (a[i] == value) return true;
        return false;
    }

    static void rmsNorm(float[] out, float[] x, float[] weight, float eps) {
        float ss = 0f;
        for (float v : x) ss += v * v;
        float inv = (float) (1.0 / Math.sqrt(ss / x.length + eps));
        for (int i = 0; i < x.length; i++) out[i] = weight[i] * (x[i] * inv);
    }

    static void rmsNormInPlace(float[] x, int off, int n, float[] weight, float eps) {
        float ss = 0f;
        for (int i = 0; i < n; i++) ss += x[off + i] * x[off + i];
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) x[off + i] = weight[i] * (x[off + i] * inv);
    }

    static void softmax(float[] x, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < n; i++) x[i] /= sum;
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }

    private static void addBias(float[] x, float[] bias) {
        if (bias != null) add(x, bias);
    }
}
