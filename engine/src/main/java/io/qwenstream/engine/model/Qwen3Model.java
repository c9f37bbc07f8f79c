package io.qwenstream.engine.model;

import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.kernels.Matrix;
import io.qwenstream.engine.kernels.Parallel;
import java.util.Arrays;

/**
 * The Qwen3 / Qwen3-MoE forward pass in float32, step for step as transformers' modeling_qwen3(_moe)
 * computes it: RMSNorm, GQA attention with per-head QK-norm before NEOX RoPE, then a dense SwiGLU or
 * a top-k mixture of experts. Each sequence's KV cache stores float32 (exact) or half precision
 * (half the memory; see {@link KVCache}).
 *
 * <p>It runs a batch of tokens at once — the prompt of one sequence, or the next token of several
 * sequences — so every weight matrix streams from memory once per batch, and each routed expert
 * runs once over all the tokens routed to it.
 */
public final class Qwen3Model {

    private final ModelConfig config;
    private final Weights weights;
    private final RotaryEmbedding rope;
    private final ExpertLoad expertLoad;

    public Qwen3Model(ModelConfig config, Weights weights) {
        this.config = config;
        this.weights = weights;
        this.rope = new RotaryEmbedding(config.rope(), config.headDim(), config.contextLength());
        this.expertLoad = new ExpertLoad(weights, config.expertCount());
    }

    public ModelConfig config() {
        return config;
    }

    public RotaryEmbedding rope() {
        return rope;
    }

    /** Tokens routed to each expert of each MoE layer by every forward pass so far. */
    public ExpertLoad expertLoad() {
        return expertLoad;
    }

    /** One sequence: its KV cache and the logits of its last token that asked for them. */
    public final class State {
        final KVCache cache;
        final float[] logits = new float[config.vocabSize()];
        // A one-token batch of this sequence, reused by forward(State, …): decoding allocates nothing.
        private Batch single;
        private final State[] self = {this};
        private final int[] oneToken = new int[1];
        private final int[] onePosition = new int[1];
        private final boolean[] oneWant = new boolean[1];

        State(int capacity, KvPrecision precision) {
            cache = new KVCache(config, capacity, precision);
        }

        public int capacity() {
            return cache.capacity();
        }

        /** Bytes of this sequence's KV cache, allocated at capacity. */
        public long kvBytes() {
            return cache.bytes();
        }

        public float[] logits() {
            return logits;
        }
    }

    /**
     * A sequence of up to {@code capacity} positions whose KV cache stores keys and values at
     * {@code precision}: F32 computes exactly what transformers does in float32, F16 halves the memory.
     */
    public State newState(int capacity, KvPrecision precision) {
        return new State(capacity, precision);
    }

    /** Scratch space for up to {@code maxTokens} tokens per {@link #forward(Batch, State[], int[], int[], boolean[], int)} call. */
    public final class Batch {
        final int maxTokens;
        final float[][] x, xb, q, k, v, attn, proj, ffnOut;
        final float[][] denseGate, denseUp;
        final float[][] expertIn, expertGate, expertUp, expertOut;
        final float[][] scores;
        final float[][] routerLogits;
        final int[][] chosen;
        final float[][] chosenWeight;
        final int[] expertTokens;
        final float[] cos, sin;
        final float[][] logitsOut;
        final State[] prefillStates;
        final int[] prefillTokens, prefillPositions;
        final boolean[] prefillWant;

        Batch(int maxTokens) {
            this.maxTokens = maxTokens;
            int h = config.hiddenSize();
            x = new float[maxTokens][h];
            xb = new float[maxTokens][h];
            q = new float[maxTokens][config.queryDim()];
            k = new float[maxTokens][config.kvDim()];
            v = new float[maxTokens][config.kvDim()];
            attn = new float[maxTokens][config.queryDim()];
            proj = new float[maxTokens][h];
            ffnOut = new float[maxTokens][h];
            denseGate = new float[maxTokens][config.denseFeedForward()];
            denseUp = new float[maxTokens][config.denseFeedForward()];
            expertIn = new float[maxTokens][h];
            expertGate = new float[maxTokens][config.expertFeedForward()];
            expertUp = new float[maxTokens][config.expertFeedForward()];
            expertOut = new float[maxTokens][h];
            scores = new float[maxTokens * config.headCount()][];
            routerLogits = new float[maxTokens][config.expertCount()];
            chosen = new int[maxTokens][config.expertsPerToken()];
            chosenWeight = new float[maxTokens][config.expertsPerToken()];
            expertTokens = new int[maxTokens];
            cos = new float[maxTokens * (config.headDim() / 2)];
            sin = new float[maxTokens * (config.headDim() / 2)];
            logitsOut = new float[maxTokens][];
            prefillStates = new State[maxTokens];
            prefillTokens = new int[maxTokens];
            prefillPositions = new int[maxTokens];
            prefillWant = new boolean[maxTokens];
        }

        public int maxTokens() {
            return maxTokens;
        }
    }

    /** Tokens per prefill batch: large enough to stream each weight once for many tokens, small enough for cache-friendly scratch. */
    public static final int PREFILL_CHUNK = 64;

    /** Runs a whole prompt through the model in batches; the last token's logits land in {@code s.logits()}. */
    public void prefill(State s, int[] tokens) {
        Batch b = newBatch(Math.min(tokens.length, PREFILL_CHUNK));
        for (int from = 0; from < tokens.length; ) from = prefillChunk(b, s, tokens, from);
    }

    /**
     * Runs the next chunk of a prompt, tokens[from ..] up to the batch's size, and returns where the
     * next chunk starts; the prompt's last token leaves its logits in {@code s.logits()}.
     */
    public int prefillChunk(Batch b, State s, int[] tokens, int from) {
        int n = Math.min(b.maxTokens, tokens.length - from);
        for (int i = 0; i < n; i++) {
            b.prefillStates[i] = s;
            b.prefillTokens[i] = tokens[from + i];
            b.prefillPositions[i] = from + i;
            b.prefillWant[i] = from + i == tokens.length - 1;
        }
        forward(b, b.prefillStates, b.prefillTokens, b.prefillPositions, b.prefillWant, n);
        return from + n;
    }

    public Batch newBatch(int maxTokens) {
        if (maxTokens <= 0) throw new IllegalArgumentException("a batch holds at least one token, got " + maxTokens);
        return new Batch(maxTokens);
    }

    /** Runs one token of one sequence; its logits land in {@code s.logits()} when asked for. */
    public void forward(State s, int token, int position, boolean wantLogits) {
        if (s.single == null) s.single = new Batch(1);
        s.oneToken[0] = token;
        s.onePosition[0] = position;
        s.oneWant[0] = wantLogits;
        forward(s.single, s.self, s.oneToken, s.onePosition, s.oneWant, 1);
    }

    /**
     * Runs {@code n} tokens: token i of sequence {@code states[i]} at {@code positions[i]}. Tokens of
     * one sequence must come in position order, and every earlier position of each sequence must be
     * in its cache or earlier in this batch. Token i's logits land in {@code states[i].logits()} when
     * {@code wantLogits[i]} (during prefill only the last token needs them).
     */
    public void forward(Batch b, State[] states, int[] tokens, int[] positions, boolean[] wantLogits, int n) {
        if (n > b.maxTokens)
            throw new IllegalArgumentException("batch of " + n + " tokens exceeds its scratch of " + b.maxTokens);
        int half = config.headDim() / 2;
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
                throw new IllegalArgumentException(
                        "token id " + tokens[i] + " is outside the vocabulary (0.." + (config.vocabSize() - 1) + ")");
            }
            if (positions[i] >= states[i].capacity()) {
                throw new IllegalStateException(
                        "position " + positions[i] + " is past the KV cache capacity " + states[i].capacity());
            }
            weights.tokenEmbedding().dequantizeRow(tokens[i], b.x[i], 0);
            rope.angles(positions[i], b.cos, b.sin, i * half);
        }
        for (int l = 0; l < config.layerCount(); l++) {
            Weights.Layer layer = weights.layers().get(l);
            for (int i = 0; i < n; i++) rmsNorm(b.xb[i], b.x[i], layer.attnNorm(), config.rmsNormEps());
            attention(b, states, positions, n, layer, l);
            for (int i = 0; i < n; i++) add(b.x[i], b.proj[i]);
            for (int i = 0; i < n; i++) rmsNorm(b.xb[i], b.x[i], layer.ffnNorm(), config.rmsNormEps());
            switch (layer.ffn()) {
                case Weights.Dense d -> swiGlu(d, b.xb, b.ffnOut, b.denseGate, b.denseUp, n);
                case Weights.Moe m -> moe(b, m, n, l);
            }
            for (int i = 0; i < n; i++) add(b.x[i], b.ffnOut[i]);
        }
        int wanted = 0;
        for (int i = 0; i < n; i++) {
            if (wantLogits[i]) rmsNorm(b.xb[wanted++], b.x[i], weights.outputNorm(), config.rmsNormEps());
        }
        if (wanted == 0) return;
        for (int i = 0, w = 0; i < n; i++) if (wantLogits[i]) b.logitsOut[w++] = states[i].logits;
        matmul(weights.output(), b.xb, b.logitsOut, wanted);
    }

    private void attention(Batch b, State[] states, int[] positions, int n, Weights.Layer layer, int l) {
        int headDim = config.headDim();
        int half = headDim / 2;
        matmul(layer.wq(), b.xb, b.q, n);
        matmul(layer.wk(), b.xb, b.k, n);
        matmul(layer.wv(), b.xb, b.v, n);
        for (int i = 0; i < n; i++) {
            addBias(b.q[i], layer.qBias());
            addBias(b.k[i], layer.kBias());
            addBias(b.v[i], layer.vBias());
            for (int h = 0; h < config.headCount(); h++) {
                rmsNormInPlace(b.q[i], h * headDim, headDim, layer.qNorm(), config.rmsNormEps());
                RotaryEmbedding.rotate(b.q[i], h * headDim, headDim, b.cos, b.sin, i * half);
            }
            for (int h = 0; h < config.kvHeadCount(); h++) {
                rmsNormInPlace(b.k[i], h * headDim, headDim, layer.kNorm(), config.rmsNormEps());
                RotaryEmbedding.rotate(b.k[i], h * headDim, headDim, b.cos, b.sin, i * half);
            }
            states[i].cache.store(l, positions[i], b.k[i], b.v[i]);
        }
        int heads = config.headCount();
        Parallel.parallelFor(
                n * heads,
                th -> attendOneHead(b, states[th / heads], positions[th / heads], th / heads, th % heads, l));
        matmul(layer.wo(), b.attn, b.proj, n);
        if (layer.oBias() != null) for (int i = 0; i < n; i++) add(b.proj[i], layer.oBias());
    }

    /** Softmax attention of token i's head h over its sequence's cached positions 0..position. */
    private void attendOneHead(Batch b, State s, int position, int i, int h, int l) {
        int headDim = config.headDim();
        int qOff = h * headDim;
        int kvOff = (h / (config.headCount() / config.kvHeadCount())) * headDim;
        float[] q = b.q[i];
        float[] out = b.attn[i];
        KVCache cache = s.cache;
        int slot = i * config.headCount() + h;
        float[] scores = b.scores[slot];
        if (scores == null || scores.length < position + 1) {
            // Doubling (up to the cache's capacity, which no position reaches) reallocates once per doubling of the
            // context, not every token.
            scores = b.scores[slot] = new float[Math.min(s.capacity(), Math.max(2 * (position + 1), 64))];
        }
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t <= position; t++) {
            float score = cache.dotKey(q, qOff, l, t, kvOff, headDim) * scale;
            scores[t] = score;
            max = Math.max(max, score);
        }
        float sum = 0f;
        for (int t = 0; t <= position; t++) {
            float e = (float) Math.exp(scores[t] - max);
            scores[t] = e;
            sum += e;
        }
        Arrays.fill(out, qOff, qOff + headDim, 0f);
        for (int t = 0; t <= position; t++) {
            cache.addValue(scores[t] / sum, l, t, kvOff, out, qOff, headDim);
        }
    }

    /** down(silu(gate x) * up x) for inputs[0..n). */
    private static void swiGlu(Weights.Dense d, float[][] in, float[][] out, float[][] gate, float[][] up, int n) {
        matmul(d.gate(), in, gate, n);
        matmul(d.up(), in, up, n);
        for (int i = 0; i < n; i++) {
            float[] g = gate[i];
            float[] u = up[i];
            for (int j = 0; j < g.length; j++) g[j] = g[j] / (1f + (float) Math.exp(-g[j])) * u[j];
        }
        matmul(d.down(), gate, out, n);
    }

    /**
     * Routes every token first (softmax over all experts in float32, top-k, renormalised only when
     * the config says so), then runs each chosen expert once over all the tokens routed to it.
     */
    private void moe(Batch b, Weights.Moe m, int n, int layer) {
        int experts = config.expertCount();
        int k = config.expertsPerToken();
        matmul(m.router(), b.xb, b.routerLogits, n);
        for (int i = 0; i < n; i++) {
            float[] p = b.routerLogits[i];
            softmax(p, experts);
            float chosenSum = 0f;
            for (int c = 0; c < k; c++) {
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (contains(b.chosen[i], c, e)) continue;
                    if (best < 0 || p[e] > p[best]) best = e;
                }
                b.chosen[i][c] = best;
                b.chosenWeight[i][c] = p[best];
                chosenSum += p[best];
            }
            if (config.normTopKProb()) for (int c = 0; c < k; c++) b.chosenWeight[i][c] /= chosenSum;
            Arrays.fill(b.ffnOut[i], 0f);
        }
        for (int e = 0; e < experts; e++) {
            int count = 0;
            for (int i = 0; i < n; i++) {
                if (contains(b.chosen[i], k, e)) {
                    b.expertTokens[count] = i;
                    System.arraycopy(b.xb[i], 0, b.expertIn[count++], 0, config.hiddenSize());
                }
            }
            if (count == 0) continue;
            expertLoad.add(layer, e, count);
            swiGlu(m.experts()[e], b.expertIn, b.expertOut, b.expertGate, b.expertUp, count);
            for (int t = 0; t < count; t++) {
                int i = b.expertTokens[t];
                float w = b.chosenWeight[i][indexOf(b.chosen[i], e)];
                float[] out = b.ffnOut[i];
                float[] y = b.expertOut[t];
                for (int j = 0; j < out.length; j++) out[j] += w * y[j];
            }
        }
    }

    private static void matmul(Matrix m, float[][] in, float[][] out, int n) {
        if (n == 1) m.matvec(in[0], out[0]);
        else m.matmul(in, out, n);
    }

    private static boolean contains(int[] a, int n, int value) {
        for (int i = 0; i < n; i++) if (a[i] == value) return true;
        return false;
    }

    private static int indexOf(int[] a, int value) {
        for (int i = 0; i < a.length; i++) if (a[i] == value) return i;
        throw new IllegalStateException("expert " + value + " not chosen");
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
