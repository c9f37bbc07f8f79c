package io.qwenstream.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The attention kernels against their scalar references, at sizes that leave tails and offsets. */
class FloatArraysTest {

    private static final int[] SIZES = {1, 7, 15, 16, 17, 31, 33, 64, 100, 128, 257};

    @Test
    void dotMatchesScalar() {
        Random random = new Random(3);
        for (int n : SIZES) {
            float[] a = VectorKernelsTest.randomVector(n + 5, random);
            float[] b = VectorKernelsTest.randomVector(n + 9, random);
            float expected = FloatArrays.dotScalar(a, 5, b, 9, n);
            double magnitude = 0;
            for (int i = 0; i < n; i++) magnitude += Math.abs(a[5 + i] * b[9 + i]);
            // Only the summation order differs: the error is a few ulps of the sum of magnitudes.
            assertEquals(expected, FloatArrays.dot(a, 5, b, 9, n), 1e-6 * magnitude + 1e-7, "n = " + n);
        }
    }

    @Test
    void addScaledMatchesScalar() {
        Random random = new Random(4);
        for (int n : SIZES) {
            float[] x = VectorKernelsTest.randomVector(n + 3, random);
            float[] y = VectorKernelsTest.randomVector(n + 6, random);
            float[] expected = y.clone();
            FloatArrays.addScaledScalar(0.37f, x, 3, expected, 6, n);
            FloatArrays.addScaled(0.37f, x, 3, y, 6, n);
            for (int i = 0; i < y.length; i++) {
                // The vector path fuses the multiply-add (one rounding instead of two).
                assertEquals(expected[i], y[i], 1e-6f * (1 + Math.abs(expected[i])), "n = " + n + ", i = " + i);
            }
        }
    }
}
