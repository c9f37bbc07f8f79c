package io.qwenstream.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Known answers for hand-built blocks, written from the format definitions (not from our code),
 * and dequantize(quantize(x)) round trips.
 */
class QuantFormatsTest {

    private static final short HALF_ONE = 0x3C00, HALF_0_5 = 0x3800, HALF_0_25 = 0x3400;

    private static float[] dequantize(GGMLType type, byte[] bytes) {
        int n = (int) (bytes.length / type.blockBytes * type.blockSize);
        float[] out = new float[n];
        Quants.dequantize(type, MemorySegment.ofArray(bytes), 0, out, 0, n);
        return out;
    }

    private static void putHalf(byte[] b, int at, short half) {
        b[at] = (byte) half;
        b[at + 1] = (byte) (half >> 8);
    }

    /** Dequantization must agree with the vector and scalar dot on a one-hot input, weight by weight. */
    private static void assertDotsSeeEachWeight(GGMLType type, byte[] bytes, float[] expected) {
        MemorySegment w = MemorySegment.ofArray(bytes);
        float[] x = new float[expected.length];
        for (int e = 0; e < expected.length; e++) {
            x[e] = 1f;
            assertEquals(
                    expected[e], Quants.dotScalar(type, w, 0, x, 0, x.length), 0f, type + " scalar dot, weight " + e);
            if (VectorInfo.ENABLED)
                assertEquals(expected[e], Quants.dot(type, w, 0, x, 0, x.length), 0f, type + " dot, weight " + e);
            x[e] = 0f;
        }
    }

    @Test
    void q8_0KnownBlock() {
        byte[] b = new byte[34];
        putHalf(b, 0, HALF_0_5);
        float[] expected = new float[32];
        for (int j = 0; j < 32; j++) {
            int q = j * 8 - 128; // -128 .. 120
            b[2 + j] = (byte) q;
            expected[j] = 0.5f * q;
        }
        assertArrayEquals(expected, dequantize(GGMLType.Q8_0, b));
        assertDotsSeeEachWeight(GGMLType.Q8_0, b, expected);
    }

    @Test
    void q4_0KnownBlock() {
        byte[] b = new byte[18];
        putHalf(b, 0, HALF_0_25);
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            int lo = j, hi = 15 - j;
            b[2 + j] = (byte) (lo | hi << 4);
            expected[j] = 0.25f * (lo - 8); // low nibbles: weights 0..15
            expected[16 + j] = 0.25f * (hi - 8); // high nibbles: weights 16..31
        }
        assertArrayEquals(expected, dequantize(GGMLType.Q4_0, b));
        assertDotsSeeEachWeight(GGMLType.Q4_0, b, expected);
    }

    @Test
    void q4_KKnownBlock() {
        int[] scale = {1, 2, 3, 63, 17, 33, 5, 48};
        int[] min = {0, 1, 62, 4, 16, 31, 63, 2};
        byte[] b = new byte[144];
        putHalf(b, 0, HALF_ONE); // d
        putHalf(b, 2, HALF_0_5); // dmin
        // Sub-blocks 0..3: 6-bit scale in byte j, 6-bit min in byte j+4. Sub-blocks 4..7: low 4 bits
        // of scale and min in byte j+4; their top 2 bits in the top bits of bytes j-4 and j.
        for (int j = 0; j < 4; j++) {
            b[4 + j] = (byte) (scale[j] | (scale[j + 4] >> 4) << 6);
            b[4 + j + 4] = (byte) (min[j] | (min[j + 4] >> 4) << 6);
            b[4 + j + 8] = (byte) ((scale[j + 4] & 0xF) | (min[j + 4] & 0xF) << 4);
        }
        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            int q = (e * 7 + 3) % 16;
            int chunk = e / 64, l = e % 64;
            int at = 16 + 32 * chunk + l % 32; // weights 64c+l and 64c+32+l share a byte
            b[at] |= (byte) (l < 32 ? q : q << 4);
            int sub = e / 32;
            expected[e] = 1f * scale[sub] * q - 0.5f * min[sub];
        }
        assertArrayEquals(expected, dequantize(GGMLType.Q4_K, b));
        assertDotsSeeEachWeight(GGMLType.Q4_K, b, expected);
    }

    @Test
    void q6_KKnownBlock() {
        byte[] b = new byte[210];
        int[] scale = new int[16];
        for (int g = 0; g < 16; g++) {
            scale[g] = g * 17 - 128; // -128 .. 127, one per 16 weights
            b[192 + g] = (byte) scale[g];
        }
        putHalf(b, 208, HALF_0_25);
        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            int q = (e * 5 + 3) % 64;
            int half = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
            // ql: quarters 0 and 2 use byte l, quarters 1 and 3 byte l+32; quarters 0, 1 the low nibble.
            int ql = 64 * half + l + (quarter % 2 == 1 ? 32 : 0);
            b[ql] |= (byte) (quarter < 2 ? q & 0xF : (q & 0xF) << 4);
            // qh: byte l of the half holds the top 2 bits of quarter k at bit 2k.
            b[128 + 32 * half + l] |= (byte) ((q >> 4) << (2 * quarter));
            expected[e] = 0.25f * scale[e / 16] * (q - 32);
        }
        assertArrayEquals(expected, dequantize(GGMLType.Q6_K, b));
        assertDotsSeeEachWeight(GGMLType.Q6_K, b, expected);
    }

    @Test
    void q8_0QuantizerRoundsHalvesAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f; // max |x| = 127, so d = 1 and x / d = x
        float[] ties = {-2.5f, 2.5f, -0.5f, 0.5f, 0.49f, -126.5f, 3.75f};
        int[] expected = {-3, 3, -1, 1, 0, -127, 4};
        System.arraycopy(ties, 0, x, 1, ties.length);
        byte[] b = new byte[34];
        Quants.quantize(GGMLType.Q8_0, x, 0, 32, MemorySegment.ofArray(b), 0);
        assertEquals(HALF_ONE, MemorySegment.ofArray(b).get(F16Kernel.SHORT, 0));
        assertEquals(127, b[2]);
        for (int i = 0; i < ties.length; i++) assertEquals(expected[i], b[3 + i], "x = " + ties[i]);
    }

    @Test
    void q4_0QuantizerMapsTheLargestMagnitudeToMinusEight() {
        float[] x = new float[32];
        x[0] = -8f; // d = -8 / -8 = 1
        float[] values = {7f, 7.6f, -0.5f, 0.49f, 3.5f, -7.9f};
        int[] expected = {15, 15, 8, 8, 12, 0}; // min(15, trunc(x + 8.5))
        System.arraycopy(values, 0, x, 1, values.length);
        x[20] = 2f; // a high nibble: weight 20 is in byte 4
        byte[] b = new byte[18];
        Quants.quantize(GGMLType.Q4_0, x, 0, 32, MemorySegment.ofArray(b), 0);
        assertEquals(HALF_ONE, MemorySegment.ofArray(b).get(F16Kernel.SHORT, 0));
        assertEquals(0, b[2] & 0xF);
        for (int i = 0; i < values.length; i++) assertEquals(expected[i], b[3 + i] & 0xF, "x = " + values[i]);
        assertEquals(10, (b[2 + 4] & 0xFF) >> 4);

        float[] positive = new float[32];
        positive[5] = 8f; // largest magnitude positive: d = -1, and 8 becomes nibble 0
        Quants.quantize(GGMLType.Q4_0, positive, 0, 32, MemorySegment.ofArray(b), 0);
        assertEquals(Float.floatToFloat16(-1f), MemorySegment.ofArray(b).get(F16Kernel.SHORT, 0));
        assertEquals(8f, dequantize(GGMLType.Q4_0, b)[5]);
    }

    @Test
    void q8_0AndQ4_0RoundTripsStayWithinHalfAStep() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            float[] x = VectorKernelsTest.randomVector(32, random);
            float spread = (float) Math.exp(random.nextDouble() * 10 - 5);
            for (int i = 0; i < 32; i++) x[i] *= spread;
            float amax = 0f, max = 0f;
            for (float v : x) {
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            // Q8_0: step d = max|x| / 127; storing d as a half moves level q by at most |q| * |d - half(d)|.
            byte[] b8 = new byte[34];
            Quants.quantize(GGMLType.Q8_0, x, 0, 32, MemorySegment.ofArray(b8), 0);
            float d8 = amax / 127, h8 = Float.float16ToFloat(Float.floatToFloat16(d8));
            float[] y8 = dequantize(GGMLType.Q8_0, b8);
            for (int i = 0; i < 32; i++) {
                assertTrue(
                        Math.abs(x[i] - y8[i]) <= 0.5f * d8 * 1.0001f + 127 * Math.abs(d8 - h8),
                        "Q8_0 " + x[i] + " -> " + y8[i]);
            }
            // Q4_0: step |d| = |max| / 8, levels -8..7; values the top level clips (x/d >= 7.5) are off by at most one
            // step.
            byte[] b4 = new byte[18];
            Quants.quantize(GGMLType.Q4_0, x, 0, 32, MemorySegment.ofArray(b4), 0);
            float d4 = Math.abs(max / -8), h4 = Math.abs(Float.float16ToFloat(Float.floatToFloat16(max / -8)));
            float[] y4 = dequantize(GGMLType.Q4_0, b4);
            for (int i = 0; i < 32; i++) {
                boolean clipped = x[i] / (max / -8) >= 7.5f;
                float bound = (clipped ? 1f : 0.5f) * d4 * 1.0001f + 8 * Math.abs(d4 - h4);
                assertTrue(Math.abs(x[i] - y4[i]) <= bound, "Q4_0 " + x[i] + " -> " + y4[i]);
            }
        }
    }

    @Test
    void kQuantRoundTripsStayWithinHalfALevel() {
        Random random = new Random(11);
        int n = 4 * 256;
        for (GGMLType type : new GGMLType[] {GGMLType.Q4_K, GGMLType.Q6_K}) {
            double squaredError = 0, squaredValue = 0;
            for (int trial = 0; trial < 20; trial++) {
                float[] x = VectorKernelsTest.randomVector(n, random);
                if (trial % 2 == 1) for (int i = 0; i < n; i++) x[i] = x[i] * 0.02f + 0.01f; // shifted, small
                byte[] bytes = new byte[(int) type.bytesFor(n)];
                MemorySegment w = MemorySegment.ofArray(bytes);
                Quants.quantize(type, x, 0, n, w, 0);
                float[] y = dequantize(type, bytes);
                for (int i = 0; i < n; i++) {
                    float step = levelStep(type, w, i);
                    assertTrue(
                            Math.abs(x[i] - y[i]) <= 0.5f * step * 1.001f + 1e-7f,
                            type + " weight " + i + ": " + x[i] + " -> " + y[i] + ", step " + step);
                    squaredError += (x[i] - y[i]) * (x[i] - y[i]);
                    squaredValue += x[i] * x[i];
                }
            }
            double relative = Math.sqrt(squaredError / squaredValue);
            assertTrue(relative < (type == GGMLType.Q4_K ? 0.12 : 0.03), type + " relative RMS error " + relative);
        }
    }

    /** The distance between neighbouring levels for weight i, read from the block by the format definition. */
    private static float levelStep(GGMLType type, MemorySegment w, int i) {
        long block = (long) (i / 256) * type.blockBytes;
        if (type == GGMLType.Q6_K) {
            return Float.float16ToFloat(w.get(F16Kernel.SHORT, block + 208))
                    * Math.abs(w.get(ValueLayout.JAVA_BYTE, block + 192 + (i % 256) / 16));
        }
        return Float.float16ToFloat(w.get(F16Kernel.SHORT, block)) * Q4_KKernel.scale(w, block, (i % 256) / 32);
    }

    @Test
    void bf16ConversionRoundsToNearestEvenAndKeepsNaNs() {
        assertEquals((short) 0x3F80, BF16Kernel.fromFloat(1f));
        assertEquals((short) 0x3F80, BF16Kernel.fromFloat(Float.intBitsToFloat(0x3F808000))); // tie, even stays
        assertEquals((short) 0x3F82, BF16Kernel.fromFloat(Float.intBitsToFloat(0x3F818000))); // tie, odd rounds up
        assertEquals((short) 0x3F81, BF16Kernel.fromFloat(Float.intBitsToFloat(0x3F808001))); // above the tie
        assertEquals((short) 0x7F80, BF16Kernel.fromFloat(Float.POSITIVE_INFINITY));
        assertEquals((short) 0x7F80, BF16Kernel.fromFloat(Float.MAX_VALUE)); // rounds up to infinity
        assertEquals(
                (short) 0x7FC1,
                BF16Kernel.fromFloat(Float.intBitsToFloat(0x7F810000))); // signalling NaN made quiet, not infinity
        assertEquals((short) 0xFFC0, BF16Kernel.fromFloat(Float.intBitsToFloat(0xFFC00000)));
        assertEquals((short) 0x0001, BF16Kernel.fromFloat(Float.intBitsToFloat(0x00010000))); // subnormals kept
        assertEquals(-2f, BF16Kernel.toFloat((short) 0xC000));
    }

    @Test
    void f16ConversionRoundsToNearestEven() {
        assertEquals((short) 0x3C00, Float.floatToFloat16(1f + 0x1p-11f)); // tie, even stays
        assertEquals((short) 0x3C02, Float.floatToFloat16(1f + 3 * 0x1p-11f)); // tie, odd rounds up
        byte[] b = new byte[4];
        Quants.quantize(GGMLType.F16, new float[] {1f + 3 * 0x1p-11f, 65520f}, 0, 2, MemorySegment.ofArray(b), 0);
        assertEquals((short) 0x3C02, MemorySegment.ofArray(b).get(F16Kernel.SHORT, 0));
        assertEquals((short) 0x7C00, MemorySegment.ofArray(b).get(F16Kernel.SHORT, 2)); // overflow to infinity
    }

    @Test
    void floatFormatsRoundTrip() {
        float[] x = VectorKernelsTest.randomVector(100, new Random(3));
        for (GGMLType type : new GGMLType[] {GGMLType.F32, GGMLType.F16, GGMLType.BF16}) {
            byte[] b = new byte[(int) type.bytesFor(100)];
            Quants.quantize(type, x, 0, 100, MemorySegment.ofArray(b), 0);
            float[] y = dequantize(type, b);
            float relative = switch (type) {
                case F32 -> 0f;
                case F16 -> 0x1p-11f;
                default -> 0x1p-8f;
            };
            for (int i = 0; i < 100; i++) assertEquals(x[i], y[i], Math.abs(x[i]) * relative, type + " " + i);
        }
    }
}
