package io.qwenstream.engine.kernels;

import static io.qwenstream.engine.kernels.VectorInfo.B_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.F_SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml Q4_0: blocks of 32 weights, each a half-precision scale d followed by 16 bytes; the low
 * nibble of byte j is weight j, the high nibble weight j + 16; weight = d * (nibble - 8).
 */
public final class Q4_0Kernel {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;

    private Q4_0Kernel() {}

    public static void dequantize(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            int o = outOff + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int packed = w.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xFF;
                out[o + j] = ((packed & 0xF) - 8) * d;
                out[o + j + 16] = ((packed >>> 4) - 8) * d;
            }
        }
    }

    /** {@link #dequantize} with vectors: the same float32 values, bit for bit. */
    public static void decode(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            int o = outOff + b * BLOCK;
            for (int j = 0; j < 16; j += F_SPECIES.length()) {
                ByteVector packed = ByteVector.fromMemorySegment(B_SPECIES, w, block + 2 + j, ByteOrder.LITTLE_ENDIAN);
                VectorInfo.widen(packed.and((byte) 0xF).sub((byte) 8)).mul(d).intoArray(out, o + j);
                VectorInfo.widen(VectorInfo.shiftRightAndMask(packed, 4, 0xF).sub((byte) 8))
                        .mul(d)
                        .intoArray(out, o + 16 + j);
            }
        }
    }

    public static float dotScalar(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int xb = xOff + b * BLOCK;
            float blockSum = 0f;
            for (int j = 0; j < 16; j++) {
                int packed = w.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xFF;
                blockSum += ((packed & 0xF) - 8) * x[xb + j] + ((packed >>> 4) - 8) * x[xb + j + 16];
            }
            sum += blockSum * F16Kernel.read(w, block);
        }
        return sum;
    }

    public static float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        // Two accumulators taking turns block by block, so consecutive blocks do not wait on one FMA chain.
        FloatVector older = FloatVector.zero(F_SPECIES), newer = older;
        for (int b = 0; b < n / BLOCK; b++) {
            FloatVector next = blockSum(w, offset + (long) b * BLOCK_BYTES, x, xOff + b * BLOCK, older);
            older = newer;
            newer = next;
        }
        return VectorInfo.sum(older.add(newer));
    }

    /** acc + d * (q · x) for one block: low nibbles are elements 0..15, high nibbles 16..31. */
    private static FloatVector blockSum(MemorySegment w, long block, float[] x, int xb, FloatVector acc) {
        int lanes = F_SPECIES.length();
        // The first product starts the block's sum (no FMA into zero: one step less on its chain).
        ByteVector packed = ByteVector.fromMemorySegment(B_SPECIES, w, block + 2, ByteOrder.LITTLE_ENDIAN);
        FloatVector sum =
                VectorInfo.widen(packed.and((byte) 0xF).sub((byte) 8)).mul(FloatVector.fromArray(F_SPECIES, x, xb));
        sum = VectorInfo.widen(VectorInfo.shiftRightAndMask(packed, 4, 0xF).sub((byte) 8))
                .fma(FloatVector.fromArray(F_SPECIES, x, xb + 16), sum);
        for (int j = lanes; j < 16; j += lanes) {
            packed = ByteVector.fromMemorySegment(B_SPECIES, w, block + 2 + j, ByteOrder.LITTLE_ENDIAN);
            sum = VectorInfo.widen(packed.and((byte) 0xF).sub((byte) 8))
                    .fma(FloatVector.fromArray(F_SPECIES, x, xb + j), sum);
            sum = VectorInfo.widen(VectorInfo.shiftRightAndMask(packed, 4, 0xF).sub((byte) 8))
                    .fma(FloatVector.fromArray(F_SPECIES, x, xb + 16 + j), sum);
        }
        return sum.fma(FloatVector.broadcast(F_SPECIES, F16Kernel.read(w, block)), acc);
    }

    /**
     * ggml's quantize_row_q4_0_ref: the value of largest magnitude (sign kept) becomes -8, so
     * d = max / -8; q = min(15, truncate(x / d + 8.5)), with 1/d from the unrounded d.
     */
    public static void quantize(float[] x, int xOff, int n, MemorySegment out, long outOffset) {
        for (int b = 0; b < n / BLOCK; b++) {
            int xb = xOff + b * BLOCK;
            long block = outOffset + (long) b * BLOCK_BYTES;
            float amax = 0f, max = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = x[xb + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0f ? 1.0f / d : 0f;
            out.set(F16Kernel.SHORT, block, Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) (x[xb + j] * id + 8.5f));
                int hi = Math.min(15, (int) (x[xb + 16 + j] * id + 8.5f));
                out.set(ValueLayout.JAVA_BYTE, block + 2 + j, (byte) (lo | hi << 4));
            }
        }
    }
}
