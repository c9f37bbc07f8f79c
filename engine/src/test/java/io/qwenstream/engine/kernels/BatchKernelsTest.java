package io.qwenstream.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The four-vector kernels against the one-vector vector kernel (bit for bit) and the scalar reference (to rounding). */
class BatchKernelsTest {

    private static int[] sizes(GGMLType type) {
        return type.blockSize == 1 ? new int[] {1, 7, 15, 17, 33, 47, 64, 100, 1000} : new int[] {type.blockSize, 3 * type.blockSize, 5 * type.blockSize};
    }

    @ParameterizedTest
    @EnumSource(GGMLType.class)
    void dot4IsDotPerVectorAndTheScalarSum(GGMLType type) {
        Random random = new Random(7 + type.ordinal());
        for (int n : sizes(type)) {
            for (int trial = 0; trial < 10; trial++) {
                MemorySegment w = VectorKernelsTest.randomWeights(type, 2 * n, random);
                long offset = type.bytesFor(n) * (trial % 2);
                float[][] xs = new float[4][];
                for (int k = 0; k < 4; k++) xs[k] = VectorKernelsTest.randomVector(n + random.nextInt(3), random);
                float[] out = new float[6], reference = new float[4];
                vectorDot4(type, w, offset, xs, n, out, 2);
                Quants.dot4Scalar(type, w, offset, xs[0], xs[1], xs[2], xs[3], n, reference, 0);
                float[] weights = new float[n];
                Quants.dequantize(type, w, offset, weights, 0, n);
                for (int k = 0; k < 4; k++) {
                    String where = type + " n=" + n + " trial " + trial + " vector " + k;
                    assertEquals(vectorDot(type, w, offset, xs[k], n), out[2 + k], 0f, where);
                    double magnitude = 0;
                    for (int i = 0; i < n; i++) magnitude += Math.abs((double) weights[i] * xs[k][i]);
                    assertEquals(reference[k], out[2 + k], 1e-5 * magnitude + 1e-30, "scalar " + where);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GGMLType.class)
    void matmulOfEveryBatchSizeIsDotPerVector(GGMLType type) {
        Random random = new Random(11 + type.ordinal());
        int rows = 37, cols = type.blockSize == 1 ? 300 : 3 * type.blockSize;
        Matrix m = new Matrix("batch." + type, type, rows, cols, VectorKernelsTest.randomWeights(type, rows * cols, random));
        for (int count = 1; count <= 9; count++) {
            float[][] xs = new float[count][], outs = new float[count][rows];
            for (int b = 0; b < count; b++) xs[b] = VectorKernelsTest.randomVector(cols, random);
            m.matmul(xs, outs, count);
            for (int b = 0; b < count; b++) {
                for (int r = 0; r < rows; r++) {
                    assertEquals(m.dot(r, xs[b], 0), outs[b][r], 0f, type + " batch " + count + " vector " + b + " row " + r);
                }
            }
        }
    }

    /** The one-vector vector kernel itself, also when {@link VectorInfo#ENABLED} would pick the scalar one. */
    private static float vectorDot(GGMLType type, MemorySegment w, long offset, float[] x, int n) {
        return switch (type) {
            case F32 -> F32Kernel.dot(w, offset, x, 0, n);
            case F16 -> F16Kernel.dot(w, offset, x, 0, n);
            case BF16 -> BF16Kernel.dot(w, offset, x, 0, n);
            case Q8_0 -> Q8_0Kernel.dot(w, offset, x, 0, n);
            case Q4_0 -> Q4_0Kernel.dot(w, offset, x, 0, n);
            case Q4_K -> Q4_KKernel.dot(w, offset, x, 0, n);
            case Q6_K -> Q6_KKernel.dot(w, offset, x, 0, n);
        };
    }

    private static void vectorDot4(GGMLType type, MemorySegment w, long offset, float[][] xs, int n, float[] out, int outOff) {
        switch (type) {
            case F32 -> F32Kernel.dot4(w, offset, xs[0], xs[1], xs[2], xs[3], n, out, outOff);
            case F16 -> F16Kernel.dot4(w, offset, xs[0], xs[1], xs[2], xs[3], n, out, outOff);
            case BF16 -> BF16Kernel.dot4(w, offset, xs[0], xs[1], xs[2], xs[3], n, out, outOff);
            case Q8_0 -> Q8_0Kernel.dot4(w, offset, xs[0], xs[1], xs[2], xs[3], n, out, outOff);
            case Q4_0 -> Q4_0Kernel.dot4(w, offset, xs[0], xs[1], xs[2], xs[3], n, out, outOff);
            case Q4_K -> Q4_KKernel.dot4(w, offset, xs[0], xs[1], xs[2], xs[3], n, out, outOff);
            case Q6_K -> Q6_KKernel.dot4(w, offset, xs[0], xs[1], xs[2], xs[3], n, out, outOff);
        }
    }
}
