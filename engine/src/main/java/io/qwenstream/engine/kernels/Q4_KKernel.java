package io.qwenstream.engine.kernels;

import static io.qwenstream.engine.kernels.VectorInfo.B_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.F_SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml Q4_K: super-blocks of 256 weights in 144 bytes: half d, half dmin, 12 bytes holding a 6-bit
 * scale and a 6-bit min for each of 8 sub-blocks of 32, then 128 bytes of nibbles. Byte
 * {@code 32*p + l} of the nibbles holds weight {@code 64*p + l} (low nibble, sub-block 2p) and
 * weight {@code 64*p + 32 + l} (high nibble, sub-block 2p+1). weight = d*scale*q - dmin*min.
 */
public final class Q4_KKernel {

    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 144;
    private static final int SCALES = 4;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int QS = 16;

    private Q4_KKernel() {}

    /** The 6-bit scale of sub-block j (0..7): j < 4 in the low bits of byte j, else split over bytes j+4 and j-4. */
    static int scale(MemorySegment w, long block, int j) {
        long s = block + SCALES;
        if (j < 4) return unsigned(w, s + j) & 63;
        return (unsigned(w, s + j + 4) & 0xF) | (unsigned(w, s + j - 4) >>> 6) << 4;
    }

    /** The 6-bit min of sub-block j (0..7). */
    static int min(MemorySegment w, long block, int j) {
        long s = block + SCALES;
        if (j < 4) return unsigned(w, s + j + 4) & 63;
        return (unsigned(w, s + j + 4) >>> 4) | (unsigned(w, s + j) >>> 6) << 4;
    }

    private static int unsigned(MemorySegment w, long offset) {
        return w.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    public static void dequantize(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            float dmin = F16Kernel.read(w, block + 2);
            for (int p = 0; p < 4; p++) {
                float d1 = d * scale(w, block, 2 * p), m1 = dmin * min(w, block, 2 * p);
                float d2 = d * scale(w, block, 2 * p + 1), m2 = dmin * min(w, block, 2 * p + 1);
                int o = outOff + b * BLOCK + 64 * p;
                for (int l = 0; l < 32; l++) {
                    int packed = unsigned(w, block + QS + 32 * p + l);
                    out[o + l] = d1 * (packed & 0xF) - m1;
                    out[o + 32 + l] = d2 * (packed >>> 4) - m2;
                }
            }
        }
    }

    /** {@link #dequantize} with vectors: the same float32 values, bit for bit. */
    public static void decode(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            float dmin = F16Kernel.read(w, block + 2);
            long first8 = w.get(LONG, block + SCALES);
            int scaleBytes = (int) first8, minBytes = (int) (first8 >>> 32), nibbles = w.get(INT, block + SCALES + 8);
            for (int p = 0; p < 4; p++) {
                float d1 = d * sixBits(scaleBytes, nibbles, 2 * p), m1 = dmin * sixBits(minBytes, nibbles >>> 4, 2 * p);
                float d2 = d * sixBits(scaleBytes, nibbles, 2 * p + 1),
                        m2 = dmin * sixBits(minBytes, nibbles >>> 4, 2 * p + 1);
                int o = outOff + b * BLOCK + 64 * p;
                for (int l = 0; l < 32; l += F_SPECIES.length()) {
                    ByteVector q = ByteVector.fromMemorySegment(
                            B_SPECIES, w, block + QS + 32 * p + l, ByteOrder.LITTLE_ENDIAN);
                    // Multiply, then subtract (two roundings), as dequantize does; an fma would round once.
                    VectorInfo.widen(q.and((byte) 0xF)).mul(d1).sub(m1).intoArray(out, o + l);
                    VectorInfo.widen(VectorInfo.shiftRightAndMask(q, 4, 0xF))
                            .mul(d2)
                            .sub(m2)
                            .intoArray(out, o + 32 + l);
                }
            }
        }
    }

    public static float dotScalar(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            float dmin = F16Kernel.read(w, block + 2);
            for (int p = 0; p < 4; p++) {
                float d1 = d * scale(w, block, 2 * p), m1 = dmin * min(w, block, 2 * p);
                float d2 = d * scale(w, block, 2 * p + 1), m2 = dmin * min(w, block, 2 * p + 1);
                int xb = xOff + b * BLOCK + 64 * p;
                for (int l = 0; l < 32; l++) {
                    int packed = unsigned(w, block + QS + 32 * p + l);
                    sum += (d1 * (packed & 0xF) - m1) * x[xb + l] + (d2 * (packed >>> 4) - m2) * x[xb + 32 + l];
                }
            }
        }
        return sum;
    }

    public static float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        int lanes = F_SPECIES.length();
        // Four accumulators (two vectors of low nibbles, two of high) keep four independent chains
        // of fused multiply-adds in flight.
        FloatVector acc0 = FloatVector.zero(F_SPECIES), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            float dmin = F16Kernel.read(w, block + 2);
            // The 12 scale bytes in two loads: bytes 0..3 (low scale bits), 4..7 (low min bits), 8..11.
            long first8 = w.get(LONG, block + SCALES);
            int scaleBytes = (int) first8, minBytes = (int) (first8 >>> 32), nibbles = w.get(INT, block + SCALES + 8);
            for (int p = 0; p < 4; p++) {
                // Bytes 32p .. 32p+31 hold sub-block 2p in their low nibbles and 2p+1 in their high ones.
                FloatVector scaleLo = FloatVector.broadcast(F_SPECIES, d * sixBits(scaleBytes, nibbles, 2 * p));
                FloatVector shiftLo =
                        FloatVector.broadcast(F_SPECIES, -(dmin * sixBits(minBytes, nibbles >>> 4, 2 * p)));
                FloatVector scaleHi = FloatVector.broadcast(F_SPECIES, d * sixBits(scaleBytes, nibbles, 2 * p + 1));
                FloatVector shiftHi =
                        FloatVector.broadcast(F_SPECIES, -(dmin * sixBits(minBytes, nibbles >>> 4, 2 * p + 1)));
                long qs = block + QS + 32 * p;
                int xb = xOff + b * BLOCK + 64 * p;
                for (int l = 0; l < 32; l += 2 * lanes) {
                    ByteVector q0 = ByteVector.fromMemorySegment(B_SPECIES, w, qs + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector q1 = ByteVector.fromMemorySegment(B_SPECIES, w, qs + l + lanes, ByteOrder.LITTLE_ENDIAN);
                    acc0 = term(q0.and((byte) 0xF), scaleLo, shiftLo, x, xb + l, acc0);
                    acc1 = term(q1.and((byte) 0xF), scaleLo, shiftLo, x, xb + l + lanes, acc1);
                    acc2 = term(VectorInfo.shiftRightAndMask(q0, 4, 0xF), scaleHi, shiftHi, x, xb + 32 + l, acc2);
                    acc3 = term(
                            VectorInfo.shiftRightAndMask(q1, 4, 0xF), scaleHi, shiftHi, x, xb + 32 + l + lanes, acc3);
                }
            }
        }
        return VectorInfo.sum(acc0.add(acc1).add(acc2.add(acc3)));
    }

    /** acc + (scale * q + shift) . x */
    private static FloatVector term(
            ByteVector q, FloatVector scale, FloatVector shift, float[] x, int xi, FloatVector acc) {
        return VectorInfo.widen(q).fma(scale, shift).fma(FloatVector.fromArray(F_SPECIES, x, xi), acc);
    }

    /**
     * Sub-block j's 6-bit value from packed bytes, as {@link #scale}/{@link #min} decode it: for
     * j < 4 the low 6 bits of byte j of {@code sixBitBytes}; else 4 bits of byte j-4 of
     * {@code nibbles} and, above them, the top 2 bits of byte j-4 of {@code sixBitBytes}.
     */
    private static int sixBits(int sixBitBytes, int nibbles, int j) {
        if (j < 4) return (sixBitBytes >>> (8 * j)) & 63;
        int k = 8 * (j - 4);
        return ((nibbles >>> k) & 0xF) | ((sixBitBytes >>> (k + 6)) & 3) << 4;
    }

    /**
     * A simple quantizer (not ggml's search): per sub-block the range [min(0, lo), hi] is covered
     * exactly. Mins and scales are rounded up to their 6-bit grids so that no weight is clipped,
     * and each weight then rounds to the nearest of 16 levels: error at most half a level.
     */
    public static void quantize(float[] x, int xOff, int n, MemorySegment out, long outOffset) {
        float[] need = new float[8];
        int[] mins = new int[8];
        byte[] packed = new byte[12];
        for (int b = 0; b < n / BLOCK; b++) {
            int xb = xOff + b * BLOCK;
            long block = outOffset + (long) b * BLOCK_BYTES;
            float maxNeedMin = 0f;
            for (int j = 0; j < 8; j++) {
                float lo = 0f;
                for (int l = 0; l < 32; l++) lo = Math.min(lo, x[xb + 32 * j + l]);
                need[j] = -lo;
                maxNeedMin = Math.max(maxNeedMin, -lo);
            }
            float dmin = halfAtLeast(maxNeedMin / 63);
            float maxNeedScale = 0f;
            for (int j = 0; j < 8; j++) {
                mins[j] = dmin == 0f ? 0 : Math.min(63, (int) Math.ceil(need[j] / dmin));
                float hi = 0f;
                for (int l = 0; l < 32; l++) hi = Math.max(hi, x[xb + 32 * j + l]);
                need[j] = (hi + dmin * mins[j]) / 15;
                maxNeedScale = Math.max(maxNeedScale, need[j]);
            }
            float d = halfAtLeast(maxNeedScale / 63);
            Arrays.fill(packed, (byte) 0);
            for (int j = 0; j < 8; j++) {
                int sc = d == 0f ? 0 : Math.min(63, (int) Math.ceil(need[j] / d));
                int m = mins[j];
                if (j < 4) {
                    packed[j] = (byte) sc;
                    packed[j + 4] = (byte) m;
                } else {
                    packed[j + 4] = (byte) ((sc & 0xF) | (m & 0xF) << 4);
                    packed[j - 4] |= (byte) ((sc >>> 4) << 6);
                    packed[j] |= (byte) ((m >>> 4) << 6);
                }
            }
            out.set(F16Kernel.SHORT, block, Float.floatToFloat16(d));
            out.set(F16Kernel.SHORT, block + 2, Float.floatToFloat16(dmin));
            MemorySegment.copy(packed, 0, out, ValueLayout.JAVA_BYTE, block + SCALES, 12);
            for (int p = 0; p < 4; p++) {
                for (int l = 0; l < 32; l++) {
                    int lo = level(x[xb + 64 * p + l], out, block, 2 * p);
                    int hi = level(x[xb + 64 * p + 32 + l], out, block, 2 * p + 1);
                    out.set(ValueLayout.JAVA_BYTE, block + QS + 32 * p + l, (byte) (lo | hi << 4));
                }
            }
        }
    }

    /** The nearest level 0..15 of {@code v} in sub-block j of the (already written) block. */
    private static int level(float v, MemorySegment block, long offset, int j) {
        float step = F16Kernel.read(block, offset) * scale(block, offset, j);
        float shift = F16Kernel.read(block, offset + 2) * min(block, offset, j);
        if (step == 0f) return 0;
        return Math.clamp(Math.round((v + shift) / step), 0, 15);
    }

    /** The smallest half-precision value not below {@code v} (v >= 0), so a grid built on it covers v. */
    static float halfAtLeast(float v) {
        short h = Float.floatToFloat16(v);
        float f = Float.float16ToFloat(h);
        return f >= v ? f : Float.float16ToFloat((short) (h + 1));
    }
}
