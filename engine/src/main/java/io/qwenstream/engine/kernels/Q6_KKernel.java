package io.qwenstream.engine.kernels;

import static io.qwenstream.engine.kernels.VectorInfo.B_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.F_SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q6_K: blocks of 256 weights in 210 bytes: 128 bytes ql (low 4 bits), 64 bytes qh (high 2
 * bits), 16 signed 8-bit scales (one per 16 weights), half d. weight = d * scale * (q - 32).
 * Each half of 128 weights uses 64 ql and 32 qh bytes: for l in 0..31, weight l and l+64 take
 * the low and high nibble of ql[l], weights l+32 and l+96 those of ql[l+32], and qh[l] gives
 * their high bits at shifts 0, 4, 2, 6 respectively.
 */
public final class Q6_KKernel {

    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 210;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    private Q6_KKernel() {}

    private static int unsigned(MemorySegment w, long offset) {
        return w.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    /** The 6-bit value q (0..63) of weight e (0..255) of the block. */
    private static int q(MemorySegment w, long block, int e) {
        int half = e / 128, r = e % 128, l = r % 32, quarter = r / 32;
        int ql = unsigned(w, block + 64 * half + l + (quarter % 2) * 32);
        int low = quarter < 2 ? ql & 0xF : ql >>> 4;
        int high = (unsigned(w, block + QH + 32 * half + l) >>> (2 * quarter)) & 3;
        return low | high << 4;
    }

    public static void dequantize(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block + D);
            for (int e = 0; e < BLOCK; e++) {
                out[outOff + b * BLOCK + e] =
                        d * w.get(ValueLayout.JAVA_BYTE, block + SCALES + e / 16) * (q(w, block, e) - 32);
            }
        }
    }

    /** {@link #dequantize} with vectors: the same float32 values, bit for bit. */
    public static void decode(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block + D);
            for (int half = 0; half < 2; half++) {
                long qh = block + QH + 32 * half, scales = block + SCALES + 8 * half;
                for (int quarter = 0; quarter < 4; quarter++) {
                    long ql = block + 64 * half + 32 * (quarter & 1);
                    int lowShift = 4 * (quarter >> 1), highShift = 2 * quarter;
                    int o = outOff + b * BLOCK + 128 * half + 32 * quarter;
                    for (int l = 0; l < 32; l += F_SPECIES.length()) {
                        float scale = d * w.get(ValueLayout.JAVA_BYTE, scales + 2 * quarter + l / 16);
                        weights(w, ql + l, qh + l, lowShift, highShift, scale).intoArray(out, o + l);
                    }
                }
            }
        }
    }

    public static float dotScalar(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block + D);
            for (int e = 0; e < BLOCK; e++) {
                sum += d
                        * w.get(ValueLayout.JAVA_BYTE, block + SCALES + e / 16)
                        * (q(w, block, e) - 32)
                        * x[xOff + b * BLOCK + e];
            }
        }
        return sum;
    }

    public static float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        int lanes = F_SPECIES.length(); // 8 or 16: a vector never straddles two 16-weight scale groups
        // Two accumulators keep two independent chains of fused multiply-adds in flight.
        FloatVector acc0 = FloatVector.zero(F_SPECIES), acc1 = acc0;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block + D);
            for (int half = 0; half < 2; half++) {
                long qh = block + QH + 32 * half, scales = block + SCALES + 8 * half;
                // One pass per quarter keeps the loop body small enough for C2 to inline every vector op.
                for (int quarter = 0; quarter < 4; quarter++) {
                    long ql = block + 64 * half + 32 * (quarter & 1);
                    int lowShift = 4 * (quarter >> 1), highShift = 2 * quarter;
                    int xb = xOff + b * BLOCK + 128 * half + 32 * quarter;
                    for (int l = 0; l < 32; l += 2 * lanes) {
                        acc0 = term(
                                w,
                                ql + l,
                                qh + l,
                                lowShift,
                                highShift,
                                d * w.get(ValueLayout.JAVA_BYTE, scales + 2 * quarter + l / 16),
                                x,
                                xb + l,
                                acc0);
                        int l1 = l + lanes;
                        acc1 = term(
                                w,
                                ql + l1,
                                qh + l1,
                                lowShift,
                                highShift,
                                d * w.get(ValueLayout.JAVA_BYTE, scales + 2 * quarter + l1 / 16),
                                x,
                                xb + l1,
                                acc1);
                    }
                }
            }
        }
        return VectorInfo.sum(acc0.add(acc1));
    }

    /** acc + scale * (q - 32) . x for one vector of weights. */
    private static FloatVector term(
            MemorySegment w,
            long ql,
            long qh,
            int lowShift,
            int highShift,
            float scale,
            float[] x,
            int xi,
            FloatVector acc) {
        return weights(w, ql, qh, lowShift, highShift, scale).fma(FloatVector.fromArray(F_SPECIES, x, xi), acc);
    }

    /** scale * (q - 32) for one vector of weights: q = (ql >> lowShift) & 15 | ((qh >> highShift) & 3) << 4. */
    private static FloatVector weights(MemorySegment w, long ql, long qh, int lowShift, int highShift, float scale) {
        // Shifts on 32-bit lanes (x86 has no byte shift; a byte-lane shift compiles to five instructions), then a
        // mask that keeps only bits that stayed in their own byte: the two high bits, moved to 4..5.
        ByteVector low = VectorInfo.shiftRightAndMask(
                ByteVector.fromMemorySegment(B_SPECIES, w, ql, ByteOrder.LITTLE_ENDIAN), lowShift, 0xF);
        ByteVector high = ByteVector.fromMemorySegment(B_SPECIES, w, qh, ByteOrder.LITTLE_ENDIAN)
                .reinterpretAsInts()
                .lanewise(VectorOperators.LSHR, highShift)
                .lanewise(VectorOperators.LSHL, 4)
                .reinterpretAsBytes()
                .and((byte) 0x30);
        return VectorInfo.widen(low.or(high).sub((byte) 32)).mul(scale);
    }

    /**
     * A simple quantizer (not ggml's search): each group of 16 gets the scale that maps its
     * largest magnitude to 31.5, rounded up to the 8-bit grid of d = max scale / 127 so that
     * nothing is clipped; each weight then rounds to the nearest level: error at most half a step.
     */
    public static void quantize(float[] x, int xOff, int n, MemorySegment out, long outOffset) {
        float[] need = new float[16];
        int[] levels = new int[BLOCK];
        for (int b = 0; b < n / BLOCK; b++) {
            int xb = xOff + b * BLOCK;
            long block = outOffset + (long) b * BLOCK_BYTES;
            float maxNeed = 0f;
            for (int g = 0; g < 16; g++) {
                float amax = 0f;
                for (int l = 0; l < 16; l++) amax = Math.max(amax, Math.abs(x[xb + 16 * g + l]));
                need[g] = amax / 31.5f;
                maxNeed = Math.max(maxNeed, need[g]);
            }
            float d = Q4_KKernel.halfAtLeast(maxNeed / 127);
            out.set(F16Kernel.SHORT, block + D, Float.floatToFloat16(d));
            for (int g = 0; g < 16; g++) {
                int scale = d == 0f ? 0 : Math.min(127, (int) Math.ceil(need[g] / d));
                out.set(ValueLayout.JAVA_BYTE, block + SCALES + g, (byte) scale);
                float step = d * scale;
                for (int l = 0; l < 16; l++) {
                    int e = 16 * g + l;
                    levels[e] = step == 0f ? 32 : Math.clamp(Math.round(x[xb + e] / step), -32, 31) + 32;
                }
            }
            for (int half = 0; half < 2; half++) {
                for (int l = 0; l < 32; l++) {
                    int e = 128 * half + l;
                    int q1 = levels[e], q2 = levels[e + 32], q3 = levels[e + 64], q4 = levels[e + 96];
                    out.set(ValueLayout.JAVA_BYTE, block + 64 * half + l, (byte) ((q1 & 0xF) | (q3 & 0xF) << 4));
                    out.set(ValueLayout.JAVA_BYTE, block + 64 * half + 32 + l, (byte) ((q2 & 0xF) | (q4 & 0xF) << 4));
                    out.set(ValueLayout.JAVA_BYTE, block + QH + 32 * half + l, (byte)
                            (q1 >>> 4 | (q2 >>> 4) << 2 | (q3 >>> 4) << 4 | (q4 >>> 4) << 6));
                }
            }
        }
    }
}
