package io.qwenstream.engine.kernels;

import static io.qwenstream.engine.kernels.VectorInfo.F_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.I_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.S_SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** IEEE 754 half precision weights, little-endian, 2 bytes each. */
public final class F16Kernel {

    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private F16Kernel() {}

    /** The half at {@code offset}, as float (also the scales of the quantized formats). */
    static float read(MemorySegment w, long offset) {
        return Float.float16ToFloat(w.get(SHORT, offset));
    }

    public static void dequantize(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = read(w, offset + 2L * i);
        }
    }

    public static float dotScalar(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += read(w, offset + 2L * i) * x[xOff + i];
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
            sum += read(w, offset + 2L * i) * x[xOff + i];
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
            sum += read(w, offset + 2L * i) * x[i];
        }
        return sum;
    }

    /**
     * Widens {@code lanes} halves to floats. The Vector API has no half-to-float conversion, so
     * the bits move into float position and a multiply by 2^112 rebiases the exponent; this is
     * exact for normal and subnormal halves alike. Infinities and NaNs keep an all-ones exponent.
     */
    private static FloatVector load(MemorySegment w, long offset, int i) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S_SPECIES, w, offset + 2L * i, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, I_SPECIES, 0);
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector bits = finite.blend(shifted.or(0x7F800000), magnitude.compare(VectorOperators.GE, 0x7C00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** Round to nearest even, like ggml's conversion (and the F16C instruction it uses). */
    public static void quantize(float[] x, int xOff, int n, MemorySegment out, long outOffset) {
        for (int i = 0; i < n; i++) {
            out.set(SHORT, outOffset + 2L * i, Float.floatToFloat16(x[xOff + i]));
        }
    }
}
