package io.qwenstream.engine.kernels;

import static io.qwenstream.engine.kernels.F16Kernel.SHORT;
import static io.qwenstream.engine.kernels.VectorInfo.F_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.I_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.S_SPECIES;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** bfloat16 weights: the upper 16 bits of a float32, little-endian, 2 bytes each. */
public final class BF16Kernel {

    private BF16Kernel() {}

    public static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** ggml's conversion: round to nearest even; a NaN stays a NaN (made quiet), never rounds to infinity. */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    public static void dequantize(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = toFloat(w.get(SHORT, offset + 2L * i));
        }
    }

    public static float dotScalar(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += toFloat(w.get(SHORT, offset + 2L * i)) * x[xOff + i];
        }
        return sum;
    }

    public static float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        int lanes = F_SPECIES.length();
        FloatVector acc0 = FloatVector.zero(F_SPECIES), acc1 = acc0;
        int i = 0;
        for (int bound = n - n % (2 * lanes); i < bound; i += 2 * lanes) {
            acc0 = load(w, offset, i).fma(FloatVector.fromArray(F_SPECIES, x, xOff + i), acc0);
            acc1 = load(w, offset, i + lanes).fma(FloatVector.fromArray(F_SPECIES, x, xOff + i + lanes), acc1);
        }
        for (int bound = n - n % lanes; i < bound; i += lanes) {
            acc0 = load(w, offset, i).fma(FloatVector.fromArray(F_SPECIES, x, xOff + i), acc0);
        }
        float sum = VectorInfo.sum(acc0.add(acc1));
        for (; i < n; i++) {
            sum += toFloat(w.get(SHORT, offset + 2L * i)) * x[xOff + i];
        }
        return sum;
    }

    /**
     * out[outOff + k] = dot(w, offset, xk, 0, n) for k < 4, bit for bit: each vector keeps dot's two
     * accumulators, and every weight vector is widened once for all four.
     */
    public static void dot4(MemorySegment w, long offset, float[] x0, float[] x1, float[] x2, float[] x3, int n, float[] out, int outOff) {
        int lanes = F_SPECIES.length();
        // a<k><j>: vector k's accumulator j.
        FloatVector a00 = FloatVector.zero(F_SPECIES), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        int i = 0;
        for (int bound = n - n % (2 * lanes); i < bound; i += 2 * lanes) {
            FloatVector w0 = load(w, offset, i), w1 = load(w, offset, i + lanes);
            a00 = VectorInfo.fma(w0, x0, i, a00);
            a01 = VectorInfo.fma(w1, x0, i + lanes, a01);
            a10 = VectorInfo.fma(w0, x1, i, a10);
            a11 = VectorInfo.fma(w1, x1, i + lanes, a11);
            a20 = VectorInfo.fma(w0, x2, i, a20);
            a21 = VectorInfo.fma(w1, x2, i + lanes, a21);
            a30 = VectorInfo.fma(w0, x3, i, a30);
            a31 = VectorInfo.fma(w1, x3, i + lanes, a31);
        }
        for (int bound = n - n % lanes; i < bound; i += lanes) {
            FloatVector w0 = load(w, offset, i);
            a00 = VectorInfo.fma(w0, x0, i, a00);
            a10 = VectorInfo.fma(w0, x1, i, a10);
            a20 = VectorInfo.fma(w0, x2, i, a20);
            a30 = VectorInfo.fma(w0, x3, i, a30);
        }
        out[outOff] = tail(VectorInfo.sum(a00.add(a01)), w, offset, x0, i, n);
        out[outOff + 1] = tail(VectorInfo.sum(a10.add(a11)), w, offset, x1, i, n);
        out[outOff + 2] = tail(VectorInfo.sum(a20.add(a21)), w, offset, x2, i, n);
        out[outOff + 3] = tail(VectorInfo.sum(a30.add(a31)), w, offset, x3, i, n);
    }

    /** sum + the scalar products of elements i .. n, in order, as dot ends. */
    private static float tail(float sum, MemorySegment w, long offset, float[] x, int i, int n) {
        for (; i < n; i++) {
            sum += toFloat(w.get(SHORT, offset + 2L * i)) * x[i];
        }
        return sum;
    }

    private static FloatVector load(MemorySegment w, long offset, int i) {
        return ShortVector.fromMemorySegment(S_SPECIES, w, offset + 2L * i, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, I_SPECIES, 0)
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    public static void quantize(float[] x, int xOff, int n, MemorySegment out, long outOffset) {
        for (int i = 0; i < n; i++) {
            out.set(SHORT, outOffset + 2L * i, fromFloat(x[xOff + i]));
        }
    }
}
