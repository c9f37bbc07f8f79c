package io.qwenstream.engine.kernels;

import static io.qwenstream.engine.kernels.VectorInfo.F_SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** float32 weights, little-endian, 4 bytes each. */
public final class F32Kernel {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private F32Kernel() {}

    public static void dequantize(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = w.get(FLOAT, offset + 4L * i);
        }
    }

    public static float dotScalar(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += w.get(FLOAT, offset + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    public static float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        int lanes = F_SPECIES.length();
        // Four independent accumulators hide the latency of the fused multiply-add chain.
        FloatVector acc0 = FloatVector.zero(F_SPECIES), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (int bound = n - n % (4 * lanes); i < bound; i += 4 * lanes) {
            acc0 = load(w, offset, i).fma(FloatVector.fromArray(F_SPECIES, x, xOff + i), acc0);
            acc1 = load(w, offset, i + lanes).fma(FloatVector.fromArray(F_SPECIES, x, xOff + i + lanes), acc1);
            acc2 = load(w, offset, i + 2 * lanes).fma(FloatVector.fromArray(F_SPECIES, x, xOff + i + 2 * lanes), acc2);
            acc3 = load(w, offset, i + 3 * lanes).fma(FloatVector.fromArray(F_SPECIES, x, xOff + i + 3 * lanes), acc3);
        }
        for (int bound = n - n % lanes; i < bound; i += lanes) {
            acc0 = load(w, offset, i).fma(FloatVector.fromArray(F_SPECIES, x, xOff + i), acc0);
        }
        float sum = VectorInfo.sum(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            sum += w.get(FLOAT, offset + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    private static FloatVector load(MemorySegment w, long offset, int i) {
        return FloatVector.fromMemorySegment(F_SPECIES, w, offset + 4L * i, ByteOrder.LITTLE_ENDIAN);
    }

    public static void quantize(float[] x, int xOff, int n, MemorySegment out, long outOffset) {
        for (int i = 0; i < n; i++) {
            out.set(FLOAT, outOffset + 4L * i, x[xOff + i]);
        }
    }
}
