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

    @Test
    void halvesRoundToNearestEvenAndWidenExactly() {
        // 1 + 2^-11 lies halfway between the halves 1 and 1 + 2^-10: nearest even is 1. 1 + 3 * 2^-11 rounds up to 1 +
        // 2^-9.
        float[] x = {1f + 0x1p-11f, 1f + 3 * 0x1p-11f, 65504f, 70000f, 0x1p-24f, -2.5f, 0f};
        short[] h = new short[x.length];
        FloatArrays.toHalves(x, 0, h, 0, x.length);
        assertEquals(1f, Float.float16ToFloat(h[0]));
        assertEquals(1f + 0x1p-9f, Float.float16ToFloat(h[1]));
        assertEquals(65504f, Float.float16ToFloat(h[2])); // the largest half
        assertEquals(Float.POSITIVE_INFINITY, Float.float16ToFloat(h[3]));
        assertEquals(0x1p-24f, Float.float16ToFloat(h[4])); // the smallest subnormal
        assertEquals(-2.5f, Float.float16ToFloat(h[5]));
        // The vector widening reads every one of them, infinity and subnormal included, as the scalar one does.
        short[] padded = java.util.Arrays.copyOf(h, 32);
        float[] y = new float[32];
        FloatArrays.addScaled(1f, padded, 0, y, 0, 32);
        for (int i = 0; i < 32; i++) assertEquals(Float.float16ToFloat(padded[i]), y[i], "half " + i);
    }

    @Test
    void halfDotMatchesScalar() {
        Random random = new Random(5);
        for (int n : SIZES) {
            float[] a = VectorKernelsTest.randomVector(n + 5, random);
            short[] h = randomHalves(n + 11, random);
            float expected = FloatArrays.dotScalar(a, 5, h, 11, n);
            double magnitude = 0;
            for (int i = 0; i < n; i++) magnitude += Math.abs(a[5 + i] * Float.float16ToFloat(h[11 + i]));
            // The halves widen exactly: as for floats, only the summation order differs.
            assertEquals(expected, FloatArrays.dot(a, 5, h, 11, n), 1e-6 * magnitude + 1e-7, "n = " + n);
        }
    }

    @Test
    void halfAddScaledMatchesScalar() {
        Random random = new Random(6);
        for (int n : SIZES) {
            short[] x = randomHalves(n + 3, random);
            float[] y = VectorKernelsTest.randomVector(n + 6, random);
            float[] expected = y.clone();
            FloatArrays.addScaledScalar(0.37f, x, 3, expected, 6, n);
            FloatArrays.addScaled(0.37f, x, 3, y, 6, n);
            for (int i = 0; i < y.length; i++) {
                assertEquals(expected[i], y[i], 1e-6f * (1 + Math.abs(expected[i])), "n = " + n + ", i = " + i);
            }
        }
    }

    /** Random floats rounded to halves, as the KV cache stores them. */
    private static short[] randomHalves(int n, Random random) {
        float[] f = VectorKernelsTest.randomVector(n, random);
        short[] h = new short[n];
        FloatArrays.toHalves(f, 0, h, 0, n);
        return h;
    }
}
