package io.qwenstream.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MatrixTest {

    /** Big enough that the products go through the worker pool. */
    private static Matrix randomMatrix(GGMLType type, int rows, int cols, Random random) {
        MemorySegment w = VectorKernelsTest.randomWeights(type, rows * cols, random);
        return new Matrix("test." + type, type, rows, cols, w);
    }

    @ParameterizedTest
    @EnumSource(GGMLType.class)
    void matvecIsTheDotOfEveryRowAndMatmulIsDotPerVector(GGMLType type) {
        Random random = new Random(5 + type.ordinal());
        int rows = 301, cols = 512;
        Matrix m = randomMatrix(type, rows, cols, random);
        float[] x = VectorKernelsTest.randomVector(cols, random);
        float[] out = new float[rows];
        m.matvec(x, out);
        float[] row = new float[cols + 3];
        for (int r = 0; r < rows; r++) {
            assertEquals(m.dot(r, x, 0), out[r], 0f, "row " + r);
            m.dequantizeRow(r, row, 3);
            float[] expected = new float[cols];
            Quants.dequantize(type, m.data(), r * m.rowBytes(), expected, 0, cols);
            for (int j = 0; j < cols; j++) assertEquals(expected[j], row[3 + j], 0f);
        }

        int batch = 5;
        float[][] xs = new float[batch + 1][];
        float[][] outs = new float[batch + 1][rows];
        for (int b = 0; b <= batch; b++) xs[b] = VectorKernelsTest.randomVector(cols, random);
        outs[batch][0] = 42f; // beyond count: untouched
        m.matmul(xs, outs, batch);
        for (int b = 0; b < batch; b++) BatchKernelsTest.assertCloseToDots(m, xs[b], outs[b], "vector " + b);
        assertEquals(42f, outs[batch][0]);
    }

    @Test
    void dotAtAnOffsetReadsTheRightSlice() {
        Random random = new Random(9);
        Matrix m = randomMatrix(GGMLType.Q8_0, 4, 64, random);
        float[] x = VectorKernelsTest.randomVector(64, random);
        float[] shifted = new float[70];
        System.arraycopy(x, 0, shifted, 6, 64);
        assertEquals(m.dot(2, x, 0), m.dot(2, shifted, 6), 0f);
    }

    @Test
    void badShapesNameTheMatrix() {
        Matrix m = randomMatrix(GGMLType.F32, 4, 8, new Random(1));
        var e = assertThrows(IllegalArgumentException.class, () -> m.matvec(new float[7], new float[4]));
        assertTrue(e.getMessage().contains("test.F32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.dot(0, new float[8], 1));
        assertThrows(IndexOutOfBoundsException.class, () -> m.dot(4, new float[8], 0));
        assertThrows(IllegalArgumentException.class, () -> m.matmul(new float[1][8], new float[2][4], 2));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Matrix("short", GGMLType.Q8_0, 2, 32, MemorySegment.ofArray(new byte[67])));
    }
}
