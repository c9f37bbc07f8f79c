package io.qwenstream.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The pieces of a batched product: vector decoding of a row, four rows times four vectors, and Matrix.matmul as a whole. */
class BatchKernelsTest {

    @ParameterizedTest
    @EnumSource(GGMLType.class)
    void vectorDecodeIsDequantizeBitForBit(GGMLType type) {
        Random random = new Random(3 + type.ordinal());
        int[] sizes = type.blockSize == 1
                ? new int[] {1, 7, 16, 33, 47, 1000}
                : new int[] {type.blockSize, 3 * type.blockSize};
        for (int n : sizes) {
            MemorySegment w = VectorKernelsTest.randomWeights(type, 2 * n, random);
            for (int row = 0; row < 2; row++) {
                float[] expected = new float[n + 2], actual = new float[n + 2];
                Quants.dequantize(type, w, row * type.bytesFor(n), expected, 2, n);
                vectorDecode(type, w, row * type.bytesFor(n), actual, 2, n);
                assertArrayEquals(expected, actual, type + " n=" + n + " row " + row);
            }
        }
    }

    @Test
    void rowsTimesVectorsMatchTheScalarReferenceForOddSizes() {
        Random random = new Random(17);
        for (int n : new int[] {1, 5, 15, 16, 17, 63, 64, 65, 100, 257, 1000}) {
            float[][] rows = new float[4][];
            for (int r = 0; r < 4; r++)
                rows[r] = VectorKernelsTest.randomVector(n + r, random); // longer rows and vectors: only n used
            float[][] xs = new float[4][];
            for (int k = 0; k < 4; k++) xs[k] = VectorKernelsTest.randomVector(n + k, random);
            float[] vector = new float[16], scalar = new float[16], one = new float[4], oneScalar = new float[4];
            F32Kernel.dot4x4(rows, xs[0], xs[1], xs[2], xs[3], n, vector);
            F32Kernel.dot4x4Scalar(rows, xs[0], xs[1], xs[2], xs[3], n, scalar);
            for (int k = 0; k < 4; k++) {
                F32Kernel.dot4x1(rows, xs[k], n, one);
                F32Kernel.dot4x1Scalar(rows, xs[k], n, oneScalar);
                for (int r = 0; r < 4; r++) {
                    double magnitude = 0;
                    for (int i = 0; i < n; i++) magnitude += Math.abs((double) rows[r][i] * xs[k][i]);
                    String where = "n=" + n + " row " + r + " vector " + k;
                    assertEquals(scalar[4 * r + k], vector[4 * r + k], 1e-5 * magnitude, "dot4x4 " + where);
                    assertEquals(oneScalar[r], one[r], 1e-5 * magnitude, "dot4x1 " + where);
                    assertEquals(scalar[4 * r + k], oneScalar[r], 0f, "scalar references " + where);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GGMLType.class)
    void matmulOfEveryBatchSizeIsDotPerVector(GGMLType type) {
        Random random = new Random(11 + type.ordinal());
        int rows = 37, cols = type.blockSize == 1 ? 301 : 3 * type.blockSize;
        Matrix m = new Matrix(
                "batch." + type, type, rows, cols, VectorKernelsTest.randomWeights(type, rows * cols, random));
        for (int count = 1; count <= 9; count++) {
            float[][] xs = new float[count][], outs = new float[count][rows];
            for (int b = 0; b < count; b++) xs[b] = VectorKernelsTest.randomVector(cols, random);
            m.matmul(xs, outs, count);
            for (int b = 0; b < count; b++) assertCloseToDots(m, xs[b], outs[b], "batch of " + count + ", vector " + b);
        }
    }

    /** out[r] equals m.dot(r, x, 0) up to float rounding: 1e-5 of the sum of |w * x| over the row. */
    static void assertCloseToDots(Matrix m, float[] x, float[] out, String where) {
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.dequantizeRow(r, row, 0);
            double magnitude = 0;
            for (int j = 0; j < m.cols(); j++) magnitude += Math.abs((double) row[j] * x[j]);
            assertEquals(m.dot(r, x, 0), out[r], 1e-5 * magnitude + 1e-30, m.name() + " " + where + ", row " + r);
        }
    }

    /** The vector decoder itself, also when {@link VectorInfo#ENABLED} would pick the scalar one. */
    private static void vectorDecode(GGMLType type, MemorySegment w, long offset, float[] out, int outOff, int n) {
        switch (type) {
            case F32 -> F32Kernel.decode(w, offset, out, outOff, n);
            case F16 -> F16Kernel.decode(w, offset, out, outOff, n);
            case BF16 -> BF16Kernel.decode(w, offset, out, outOff, n);
            case Q8_0 -> Q8_0Kernel.decode(w, offset, out, outOff, n);
            case Q4_0 -> Q4_0Kernel.decode(w, offset, out, outOff, n);
            case Q4_K -> Q4_KKernel.decode(w, offset, out, outOff, n);
            case Q6_K -> Q6_KKernel.decode(w, offset, out, outOff, n);
        }
    }
}
