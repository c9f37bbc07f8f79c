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

    /**
     * out[outOff + k] = dot(w, offset, xk, 0, n) for k < 4, bit for bit: each vector keeps dot's four
     * accumulators, and every weight vector is loaded once for all four.
     */
    public static void dot4(MemorySegment w, long offset, float[] x0, float[] x1, float[] x2, float[] x3, int n, float[] out, int outOff) {
        int lanes = F_SPECIES.length();
        // a<k><j>: vector k's accumulator j.
        FloatVector a00 = FloatVector.zero(F_SPECIES), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int i = 0;
        for (int bound = n - n % (4 * lanes); i < bound; i += 4 * lanes) {
            FloatVector w0 = load(w, offset, i), w1 = load(w, offset, i + lanes), w2 = load(w, offset, i + 2 * lanes), w3 = load(w, offset, i + 3 * lanes);
            a00 = VectorInfo.fma(w0, x0, i, a00);
            a01 = VectorInfo.fma(w1, x0, i + lanes, a01);
            a02 = VectorInfo.fma(w2, x0, i + 2 * lanes, a02);
            a03 = VectorInfo.fma(w3, x0, i + 3 * lanes, a03);
            a10 = VectorInfo.fma(w0, x1, i, a10);
            a11 = VectorInfo.fma(w1, x1, i + lanes, a11);
            a12 = VectorInfo.fma(w2, x1, i + 2 * lanes, a12);
            a13 = VectorInfo.fma(w3, x1, i + 3 * lanes, a13);
            a20 = VectorInfo.fma(w0, x2, i, a20);
            a21 = VectorInfo.fma(w1, x2, i + lanes, a21);
            a22 = VectorInfo.fma(w2, x2, i + 2 * lanes, a22);
            a23 = VectorInfo.fma(w3, x2, i + 3 * lanes, a23);
            a30 = VectorInfo.fma(w0, x3, i, a30);
            a31 = VectorInfo.fma(w1, x3, i + lanes, a31);
            a32 = VectorInfo.fma(w2, x3, i + 2 * lanes, a32);
            a33 = VectorInfo.fma(w3, x3, i + 3 * lanes, a33);
        }
        for (int bound = n - n % lanes; i < bound; i += lanes) {
            FloatVector w0 = load(w, offset, i);
            a00 = VectorInfo.fma(w0, x0, i, a00);
            a10 = VectorInfo.fma(w0, x1, i, a10);
            a20 = VectorInfo.fma(w0, x2, i, a20);
            a30 = VectorInfo.fma(w0, x3, i, a30);
        }
        out[outOff] = tail(VectorInfo.sum(a00.add(a01).add(a02.add(a03))), w, offset, x0, i, n);
        out[outOff + 1] = tail(VectorInfo.sum(a10.add(a11).add(a12.add(a13))), w, offset, x1, i, n);
        out[outOff + 2] = tail(VectorInfo.sum(a20.add(a21).add(a22.add(a23))), w, offset, x2, i, n);
        out[outOff + 3] = tail(VectorInfo.sum(a30.add(a31).add(a32.add(a33))), w, offset, x3, i, n);
    }

    /** sum + the scalar products of elements i .. n, in order, as dot ends. */
    private static float tail(float sum, MemorySegment w, long offset, float[] x, int i, int n) {
        for (; i < n; i++) {
            sum += w.get(FLOAT, offset + 4L * i) * x[i];
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
