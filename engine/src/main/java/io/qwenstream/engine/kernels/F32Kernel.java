package io.qwenstream.engine.kernels;

import static io.qwenstream.engine.kernels.VectorInfo.F_SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/** float32 weights, little-endian, 4 bytes each. */
public final class F32Kernel {

    private static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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

    /** {@link #dequantize} as one bulk copy. */
    public static void decode(MemorySegment w, long offset, float[] out, int outOff, int n) {
        MemorySegment.copy(w, FLOAT, offset, out, outOff, n);
    }

    /**
     * out[4 * r + k] = sum over i < n of rows[r][i] * xk[i], for r, k < 4: four rows of (decoded)
     * weights times four vectors. Every weight vector and every activation vector loaded serves four
     * multiply-adds, which keeps the loads (from L2 once a batch outgrows L1) off the critical path;
     * the sixteen accumulators fill half of the 32 AVX-512 registers.
     */
    public static void dot4x4(float[][] rows, float[] x0, float[] x1, float[] x2, float[] x3, int n, float[] out) {
        float[] w0 = rows[0], w1 = rows[1], w2 = rows[2], w3 = rows[3];
        // a<r><k>: row r times vector k.
        FloatVector a00 = FloatVector.zero(F_SPECIES),
                a01 = a00,
                a02 = a00,
                a03 = a00,
                a10 = a00,
                a11 = a00,
                a12 = a00,
                a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int i = 0;
        for (int bound = n - n % F_SPECIES.length(); i < bound; i += F_SPECIES.length()) {
            FloatVector v0 = FloatVector.fromArray(F_SPECIES, x0, i), v1 = FloatVector.fromArray(F_SPECIES, x1, i);
            FloatVector v2 = FloatVector.fromArray(F_SPECIES, x2, i), v3 = FloatVector.fromArray(F_SPECIES, x3, i);
            FloatVector r0 = FloatVector.fromArray(F_SPECIES, w0, i);
            a00 = r0.fma(v0, a00);
            a01 = r0.fma(v1, a01);
            a02 = r0.fma(v2, a02);
            a03 = r0.fma(v3, a03);
            FloatVector r1 = FloatVector.fromArray(F_SPECIES, w1, i);
            a10 = r1.fma(v0, a10);
            a11 = r1.fma(v1, a11);
            a12 = r1.fma(v2, a12);
            a13 = r1.fma(v3, a13);
            FloatVector r2 = FloatVector.fromArray(F_SPECIES, w2, i);
            a20 = r2.fma(v0, a20);
            a21 = r2.fma(v1, a21);
            a22 = r2.fma(v2, a22);
            a23 = r2.fma(v3, a23);
            FloatVector r3 = FloatVector.fromArray(F_SPECIES, w3, i);
            a30 = r3.fma(v0, a30);
            a31 = r3.fma(v1, a31);
            a32 = r3.fma(v2, a32);
            a33 = r3.fma(v3, a33);
        }
        out[0] = tail(VectorInfo.sum(a00), w0, x0, i, n);
        out[1] = tail(VectorInfo.sum(a01), w0, x1, i, n);
        out[2] = tail(VectorInfo.sum(a02), w0, x2, i, n);
        out[3] = tail(VectorInfo.sum(a03), w0, x3, i, n);
        out[4] = tail(VectorInfo.sum(a10), w1, x0, i, n);
        out[5] = tail(VectorInfo.sum(a11), w1, x1, i, n);
        out[6] = tail(VectorInfo.sum(a12), w1, x2, i, n);
        out[7] = tail(VectorInfo.sum(a13), w1, x3, i, n);
        out[8] = tail(VectorInfo.sum(a20), w2, x0, i, n);
        out[9] = tail(VectorInfo.sum(a21), w2, x1, i, n);
        out[10] = tail(VectorInfo.sum(a22), w2, x2, i, n);
        out[11] = tail(VectorInfo.sum(a23), w2, x3, i, n);
        out[12] = tail(VectorInfo.sum(a30), w3, x0, i, n);
        out[13] = tail(VectorInfo.sum(a31), w3, x1, i, n);
        out[14] = tail(VectorInfo.sum(a32), w3, x2, i, n);
        out[15] = tail(VectorInfo.sum(a33), w3, x3, i, n);
    }

    /** out[r] = sum over i < n of rows[r][i] * x[i], for r < 4: four rows times one vector, for a batch's last one or two. */
    public static void dot4x1(float[][] rows, float[] x, int n, float[] out) {
        float[] w0 = rows[0], w1 = rows[1], w2 = rows[2], w3 = rows[3];
        FloatVector a0 = FloatVector.zero(F_SPECIES), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int bound = n - n % F_SPECIES.length(); i < bound; i += F_SPECIES.length()) {
            FloatVector v = FloatVector.fromArray(F_SPECIES, x, i);
            a0 = FloatVector.fromArray(F_SPECIES, w0, i).fma(v, a0);
            a1 = FloatVector.fromArray(F_SPECIES, w1, i).fma(v, a1);
            a2 = FloatVector.fromArray(F_SPECIES, w2, i).fma(v, a2);
            a3 = FloatVector.fromArray(F_SPECIES, w3, i).fma(v, a3);
        }
        out[0] = tail(VectorInfo.sum(a0), w0, x, i, n);
        out[1] = tail(VectorInfo.sum(a1), w1, x, i, n);
        out[2] = tail(VectorInfo.sum(a2), w2, x, i, n);
        out[3] = tail(VectorInfo.sum(a3), w3, x, i, n);
    }

    /** The scalar reference of {@link #dot4x1}. */
    public static void dot4x1Scalar(float[][] rows, float[] x, int n, float[] out) {
        for (int r = 0; r < 4; r++) out[r] = tail(0f, rows[r], x, 0, n);
    }

    /** The scalar reference of {@link #dot4x4}. */
    public static void dot4x4Scalar(
            float[][] rows, float[] x0, float[] x1, float[] x2, float[] x3, int n, float[] out) {
        for (int r = 0; r < 4; r++) {
            out[4 * r] = tail(0f, rows[r], x0, 0, n);
            out[4 * r + 1] = tail(0f, rows[r], x1, 0, n);
            out[4 * r + 2] = tail(0f, rows[r], x2, 0, n);
            out[4 * r + 3] = tail(0f, rows[r], x3, 0, n);
        }
    }

    /** sum + w[i] * x[i] + ... + w[n-1] * x[n-1], in order. */
    private static float tail(float sum, float[] w, float[] x, int i, int n) {
        for (; i < n; i++) {
            sum += w[i] * x[i];
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
