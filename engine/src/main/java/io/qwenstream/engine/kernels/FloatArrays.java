package io.qwenstream.engine.kernels;

import static io.qwenstream.engine.kernels.VectorInfo.F_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.I_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.S_SPECIES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Dot product and scaled add over float32 arrays: attention's q·k and p·v, which read the KV cache
 * rather than a weight matrix. The cache holds float32 or IEEE half precision (the raw 16 bits in a
 * {@code short[]}); halves are widened to float exactly, so only the stored rounding differs. Each
 * vector kernel sits beside the scalar meaning it computes.
 */
public final class FloatArrays {

    private FloatArrays() {}

    /** sum over i < n of a[aOff + i] * b[bOff + i]. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        if (!VectorInfo.ENABLED) return dotScalar(a, aOff, b, bOff, n);
        int lanes = F_SPECIES.length();
        // Two accumulators: a head's 128 values are only eight vectors, one FMA chain would wait on itself.
        FloatVector acc0 = FloatVector.zero(F_SPECIES), acc1 = acc0;
        int i = 0;
        for (int bound = n - n % (2 * lanes); i < bound; i += 2 * lanes) {
            acc0 = FloatVector.fromArray(F_SPECIES, a, aOff + i)
                    .fma(FloatVector.fromArray(F_SPECIES, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F_SPECIES, a, aOff + i + lanes)
                    .fma(FloatVector.fromArray(F_SPECIES, b, bOff + i + lanes), acc1);
        }
        for (int bound = n - n % lanes; i < bound; i += lanes) {
            acc0 = FloatVector.fromArray(F_SPECIES, a, aOff + i)
                    .fma(FloatVector.fromArray(F_SPECIES, b, bOff + i), acc0);
        }
        float sum = VectorInfo.sum(acc0.add(acc1));
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    public static float dotScalar(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** y[yOff + i] += alpha * x[xOff + i] for i < n. */
    public static void addScaled(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        if (!VectorInfo.ENABLED) {
            addScaledScalar(alpha, x, xOff, y, yOff, n);
            return;
        }
        FloatVector a = FloatVector.broadcast(F_SPECIES, alpha);
        int i = 0;
        for (int bound = n - n % F_SPECIES.length(); i < bound; i += F_SPECIES.length()) {
            FloatVector.fromArray(F_SPECIES, x, xOff + i)
                    .fma(a, FloatVector.fromArray(F_SPECIES, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    public static void addScaledScalar(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    /**
     * sum over i < n of a[aOff + i] * halves[hOff + i], each half read as the float it denotes.
     *
     * <p>The widening is written out in the loop, not called: attention inlines this kernel into a
     * large method, where C2 may stop inlining ordinary calls (its node-count cutoff) and would then
     * box the vector a helper returns, allocating on every iteration; the Vector API's own methods
     * are always inlined. One accumulator: the widening between two FMAs hides their latency.
     */
    public static float dot(float[] a, int aOff, short[] halves, int hOff, int n) {
        if (!VectorInfo.ENABLED) return dotScalar(a, aOff, halves, hOff, n);
        FloatVector acc = FloatVector.zero(F_SPECIES);
        int i = 0;
        for (int bound = n - n % F_SPECIES.length(); i < bound; i += F_SPECIES.length()) {
            // F16Kernel.load's exact widening: bits into float position, exponent rebiased by 2^112, Inf/NaN kept.
            IntVector h = (IntVector)
                    ShortVector.fromArray(S_SPECIES, halves, hOff + i).convertShape(VectorOperators.S2I, I_SPECIES, 0);
            IntVector magnitude = h.and(0x7FFF);
            IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
            IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            IntVector bits = finite.blend(shifted.or(0x7F800000), magnitude.compare(VectorOperators.GE, 0x7C00));
            FloatVector k =
                    bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            acc = FloatVector.fromArray(F_SPECIES, a, aOff + i).fma(k, acc);
        }
        float sum = VectorInfo.sum(acc);
        for (; i < n; i++) sum += a[aOff + i] * Float.float16ToFloat(halves[hOff + i]);
        return sum;
    }

    public static float dotScalar(float[] a, int aOff, short[] halves, int hOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += a[aOff + i] * Float.float16ToFloat(halves[hOff + i]);
        return sum;
    }

    /** y[yOff + i] += alpha * halves[xOff + i] for i < n, each half read as the float it denotes (widened in the loop: see the half dot). */
    public static void addScaled(float alpha, short[] halves, int xOff, float[] y, int yOff, int n) {
        if (!VectorInfo.ENABLED) {
            addScaledScalar(alpha, halves, xOff, y, yOff, n);
            return;
        }
        FloatVector a = FloatVector.broadcast(F_SPECIES, alpha);
        int i = 0;
        for (int bound = n - n % F_SPECIES.length(); i < bound; i += F_SPECIES.length()) {
            IntVector h = (IntVector)
                    ShortVector.fromArray(S_SPECIES, halves, xOff + i).convertShape(VectorOperators.S2I, I_SPECIES, 0);
            IntVector magnitude = h.and(0x7FFF);
            IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
            IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            IntVector bits = finite.blend(shifted.or(0x7F800000), magnitude.compare(VectorOperators.GE, 0x7C00));
            FloatVector v =
                    bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            v.fma(a, FloatVector.fromArray(F_SPECIES, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * Float.float16ToFloat(halves[xOff + i]);
    }

    public static void addScaledScalar(float alpha, short[] halves, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += alpha * Float.float16ToFloat(halves[xOff + i]);
    }

    /**
     * out[outOff + i] = x[xOff + i] as a half, rounded to nearest even (what torch's {@code .half()} and
     * the F16C instruction do; C2 compiles {@code floatToFloat16} to that instruction where there is one).
     */
    public static void toHalves(float[] x, int xOff, short[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) out[outOff + i] = Float.floatToFloat16(x[xOff + i]);
    }
}
