package io.qwenstream.engine.model;

/**
 * NEOX-style rotary position embedding with the inverse frequencies and attention scaling that
 * transformers computes ({@code modeling_rope_utils}): default, linear and YaRN. Frequencies are
 * float32 like torch's, and each angle is the float32 product position * inv_freq.
 */
public final class RotaryEmbedding {

    private final float[] invFreq;
    private final float attentionScaling;

    public RotaryEmbedding(ModelConfig.Rope rope, int headDim, int maxPositionEmbeddings) {
        int half = headDim / 2;
        float[] base = new float[half];
        for (int i = 0; i < half; i++) {
            base[i] = (float) (1.0 / Math.pow(rope.theta(), (2.0 * i) / headDim));
        }
        switch (rope.type()) {
            case "default" -> {
                invFreq = base;
                attentionScaling = 1f;
            }
            case "linear" -> {
                invFreq = new float[half];
                for (int i = 0; i < half; i++)
                    invFreq[i] = base[i] / rope.factor().floatValue();
                attentionScaling = 1f;
            }
            case "yarn" -> {
                Yarn yarn = Yarn.compute(rope, headDim, maxPositionEmbeddings);
                invFreq = yarn.invFreq;
                attentionScaling = (float) yarn.attentionFactor;
            }
            default ->
                throw new IllegalArgumentException("model config: rope type '" + rope.type()
                        + "' is not supported (supported: default, linear, yarn)");
        }
    }

    public float[] invFreq() {
        return invFreq.clone();
    }

    public float attentionScaling() {
        return attentionScaling;
    }

    /** cos/sin of every frequency at {@code position} into cos/sin[offset..], already multiplied by the attention scaling. */
    public void angles(int position, float[] cos, float[] sin, int offset) {
        for (int i = 0; i < invFreq.length; i++) {
            float angle = invFreq[i] * (float) position;
            cos[offset + i] = (float) Math.cos(angle) * attentionScaling;
            sin[offset + i] = (float) Math.sin(angle) * attentionScaling;
        }
    }

    /** Rotates one head in place: pairs (i, i + half), as transformers' rotate_half does; angles from cos/sin[anglesOffset..]. */
    public static void rotate(float[] v, int offset, int headDim, float[] cos, float[] sin, int anglesOffset) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float x0 = v[offset + i];
            float x1 = v[offset + i + half];
            float c = cos[anglesOffset + i];
            float s = sin[anglesOffset + i];
            v[offset + i] = x0 * c - x1 * s;
            v[offset + i + half] = x1 * c + x0 * s;
        }
    }

    /** transformers' _compute_yarn_parameters, step for step. */
    private record Yarn(float[] invFreq, double attentionFactor) {

        static Yarn compute(ModelConfig.Rope rope, int dim, int maxPositionEmbeddings) {
            double base = rope.theta();
            int original = rope.originalContextLength() != null ? rope.originalContextLength() : maxPositionEmbeddings;
            double factor = rope.factor() != null ? rope.factor() : (double) maxPositionEmbeddings / original;
            double attentionFactor;
            if (rope.attentionFactor() != null) {
                attentionFactor = rope.attentionFactor();
            } else if (nonZero(rope.mscale()) && nonZero(rope.mscaleAllDim())) {
                attentionFactor = mscale(factor, rope.mscale()) / mscale(factor, rope.mscaleAllDim());
            } else {
                attentionFactor = mscale(factor, 1);
            }
            double betaFast = nonZero(rope.betaFast()) ? rope.betaFast() : 32;
            double betaSlow = nonZero(rope.betaSlow()) ? rope.betaSlow() : 1;

            double low = correctionDim(betaFast, dim, base, original);
            double high = correctionDim(betaSlow, dim, base, original);
            if (rope.truncate()) {
                low = Math.floor(low);
                high = Math.ceil(high);
            }
            low = Math.max(low, 0);
            high = Math.min(high, dim - 1);
            if (low == high) high += 0.001;

            int half = dim / 2;
            float[] inv = new float[half];
            for (int i = 0; i < half; i++) {
                float posFreq = (float) Math.pow(base, (float) (2 * i) / dim);
                float extrapolation = 1f / posFreq;
                float interpolation = (float) (1.0 / (factor * posFreq));
                float ramp = (float) Math.min(1, Math.max(0, (i - low) / (high - low)));
                float extrapolationFactor = 1f - ramp;
                inv[i] = interpolation * (1f - extrapolationFactor) + extrapolation * extrapolationFactor;
            }
            return new Yarn(inv, attentionFactor);
        }

        private static boolean nonZero(Double d) {
            return d != null && d != 0.0;
        }

        private static double mscale(double scale, double mscale) {
            return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
        }

        private static double correctionDim(double rotations, int dim, double base, int maxPositions) {
            return (dim * Math.log(maxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
        }
    }
}
