package io.qwenstream.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every vector kernel against its scalar reference and against the dequantized weights. */
class VectorKernelsTest {

    /** Random weight bytes of {@code n} values; every half-precision scale is a finite value of either sign. */
    static MemorySegment randomWeights(GGMLType type, int n, Random random) {
        byte[] bytes = new byte[(int) type.bytesFor(n)];
        random.nextBytes(bytes);
        MemorySegment w = MemorySegment.ofArray(bytes);
        for (int b = 0; b < n / type.blockSize; b++) {
            long block = (long) b * type.blockBytes;
            switch (type) {
                case F32 -> w.set(ValueLayout.JAVA_FLOAT_UNALIGNED, block, (float) random.nextGaussian());
                case F16, BF16 -> {
                    float v = (float) random.nextGaussian()
                            * (random.nextInt(8) == 0 ? 1e-6f : 1f); // some halves subnormal
                    Quants.quantize(type, new float[] {v}, 0, 1, w, block);
                }
                case Q8_0, Q4_0 -> setHalf(w, block, randomScale(random));
                case Q4_K -> {
                    setHalf(w, block, randomScale(random));
                    setHalf(w, block + 2, randomScale(random));
                }
                case Q6_K -> setHalf(w, block + 208, randomScale(random));
            }
        }
        return w;
    }

    private static float randomScale(Random random) {
        return (float) ((random.nextBoolean() ? 1 : -1) * Math.exp(random.nextDouble() * 8 - 7));
    }

    private static void setHalf(MemorySegment w, long offset, float v) {
        w.set(F16Kernel.SHORT, offset, Float.floatToFloat16(v));
    }

    static float[] randomVector(int n, Random random) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) random.nextGaussian();
        return x;
    }

    private static int[] sizes(GGMLType type) {
        return type.blockSize == 1
                ? new int[] {1, 7, 15, 16, 33, 47, 64, 1000, 1024}
                : new int[] {type.blockSize, 3 * type.blockSize, 7 * type.blockSize};
    }

    @ParameterizedTest
    @EnumSource(GGMLType.class)
    void vectorDotEqualsScalarDotAndTheDequantizedSum(GGMLType type) {
        Random random = new Random(42 + type.ordinal());
        for (int n : sizes(type)) {
            for (int trial = 0; trial < 20; trial++) {
                MemorySegment w = randomWeights(type, 2 * n, random);
                int xOff = random.nextInt(5);
                float[] x = randomVector(n + xOff + 3, random);
                long offset = type.bytesFor(n) * (trial % 2); // the first or the second row
                float[] weights = new float[n];
                Quants.dequantize(type, w, offset, weights, 0, n);
                double exact = 0, magnitude = 0;
                for (int i = 0; i < n; i++) {
                    exact += (double) weights[i] * x[xOff + i];
                    magnitude += Math.abs((double) weights[i] * x[xOff + i]);
                }
                double tolerance = 1e-5 * magnitude + 1e-30;
                String where = type + " n=" + n + " trial " + trial;
                assertEquals(exact, Quants.dotScalar(type, w, offset, x, xOff, n), tolerance, "scalar " + where);
                assertEquals(exact, vectorDot(type, w, offset, x, xOff, n), tolerance, "vector " + where);
            }
        }
    }

    /** The vector kernel itself, also when {@link VectorInfo#ENABLED} would pick the scalar one. */
    private static float vectorDot(GGMLType type, MemorySegment w, long offset, float[] x, int xOff, int n) {
        return switch (type) {
            case F32 -> F32Kernel.dot(w, offset, x, xOff, n);
            case F16 -> F16Kernel.dot(w, offset, x, xOff, n);
            case BF16 -> BF16Kernel.dot(w, offset, x, xOff, n);
            case Q8_0 -> Q8_0Kernel.dot(w, offset, x, xOff, n);
            case Q4_0 -> Q4_0Kernel.dot(w, offset, x, xOff, n);
            case Q4_K -> Q4_KKernel.dot(w, offset, x, xOff, n);
            case Q6_K -> Q6_KKernel.dot(w, offset, x, xOff, n);
        };
    }

    @Test
    void vectorHalfConversionIsExactForEveryBitPattern() {
        int lanes = VectorInfo.F_SPECIES.length();
        MemorySegment w = MemorySegment.ofArray(new short[lanes]);
        float[] x = new float[lanes];
        x[0] = 1f;
        for (int bits = 0; bits < 1 << 16; bits++) {
            w.set(F16Kernel.SHORT, 0, (short) bits);
            float expected = Float.float16ToFloat((short) bits);
            float actual = F16Kernel.dot(w, 0, x, 0, lanes);
            if (Float.isNaN(expected)) {
                assertTrue(Float.isNaN(actual), "half 0x" + Integer.toHexString(bits));
            } else {
                assertEquals(expected, actual, 0f, "half 0x" + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void infinitiesAndNaNsInWeightsReachTheResult() {
        float[] x = new float[64];
        java.util.Arrays.fill(x, 1f);
        for (GGMLType type : new GGMLType[] {GGMLType.F32, GGMLType.F16, GGMLType.BF16}) {
            float[] values = new float[64];
            values[37] = Float.POSITIVE_INFINITY;
            MemorySegment w = MemorySegment.ofArray(new byte[(int) type.bytesFor(64)]);
            Quants.quantize(type, values, 0, 64, w, 0);
            assertEquals(Float.POSITIVE_INFINITY, vectorDot(type, w, 0, x, 0, 64), type.toString());
            values[3] = Float.NaN;
            Quants.quantize(type, values, 0, 64, w, 0);
            assertTrue(Float.isNaN(vectorDot(type, w, 0, x, 0, 64)), type.toString());
        }
    }
}
