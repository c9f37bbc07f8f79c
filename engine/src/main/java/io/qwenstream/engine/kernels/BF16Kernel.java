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

    /** {@link #dequantize} with vectors: the same float32 values, bit for bit. */
    public static void decode(MemorySegment w, long offset, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = n - n % F_SPECIES.length(); i < bound; i += F_SPECIES.length()) {
            load(w, offset, i).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
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
