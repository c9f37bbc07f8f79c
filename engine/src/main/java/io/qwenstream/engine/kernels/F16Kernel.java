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

    /** {@link #dequantize} with vectors: the same float32 values, bit for bit. */
    public static void decode(MemorySegment w, long offset, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = n - n % F_SPECIES.length(); i < bound; i += F_SPECIES.length()) {
            load(w, offset, i).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
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
