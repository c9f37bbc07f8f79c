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
        int lanes = F_SPECIES.length();
        FloatVector acc = FloatVector.zero(F_SPECIES);
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int xb = xOff + b * BLOCK;
            FloatVector blockSum = FloatVector.zero(F_SPECIES);
            for (int j = 0; j < 16; j += lanes) {
                ByteVector packed = ByteVector.fromMemorySegment(B_SPECIES, w, block + 2 + j, ByteOrder.LITTLE_ENDIAN);
                FloatVector lo = VectorInfo.widen(packed.and((byte) 0xF).sub((byte) 8));
                FloatVector hi = VectorInfo.widen(packed.lanewise(VectorOperators.LSHR, 4).sub((byte) 8));
                blockSum = lo.fma(FloatVector.fromArray(F_SPECIES, x, xb + j), blockSum);
                blockSum = hi.fma(FloatVector.fromArray(F_SPECIES, x, xb + 16 + j), blockSum);
            }
            acc = blockSum.fma(FloatVector.broadcast(F_SPECIES, F16Kernel.read(w, block)), acc);
        }
        return VectorInfo.sum(acc);
    }

    /**
     * out[outOff + k] = dot(w, offset, xk, 0, n) for k < 4, bit for bit: the same operations per
     * vector as {@link #dot}, but every block is unpacked to floats once for all four.
     */
    public static void dot4(MemorySegment w, long offset, float[] x0, float[] x1, float[] x2, float[] x3, int n, float[] out, int outOff) {
        int lanes = F_SPECIES.length();
        FloatVector acc0 = FloatVector.zero(F_SPECIES), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int xb = b * BLOCK;
            FloatVector sum0 = FloatVector.zero(F_SPECIES), sum1 = sum0, sum2 = sum0, sum3 = sum0;
            for (int j = 0; j < 16; j += lanes) {
                ByteVector packed = ByteVector.fromMemorySegment(B_SPECIES, w, block + 2 + j, ByteOrder.LITTLE_ENDIAN);
                FloatVector lo = VectorInfo.widen(packed.and((byte) 0xF).sub((byte) 8));
                FloatVector hi = VectorInfo.widen(packed.lanewise(VectorOperators.LSHR, 4).sub((byte) 8));
                sum0 = VectorInfo.fma(hi, x0, xb + 16 + j, VectorInfo.fma(lo, x0, xb + j, sum0));
                sum1 = VectorInfo.fma(hi, x1, xb + 16 + j, VectorInfo.fma(lo, x1, xb + j, sum1));
                sum2 = VectorInfo.fma(hi, x2, xb + 16 + j, VectorInfo.fma(lo, x2, xb + j, sum2));
                sum3 = VectorInfo.fma(hi, x3, xb + 16 + j, VectorInfo.fma(lo, x3, xb + j, sum3));
            }
            FloatVector d = FloatVector.broadcast(F_SPECIES, F16Kernel.read(w, block));
            acc0 = sum0.fma(d, acc0);
            acc1 = sum1.fma(d, acc1);
            acc2 = sum2.fma(d, acc2);
            acc3 = sum3.fma(d, acc3);
        }
        out[outOff] = VectorInfo.sum(acc0);
        out[outOff + 1] = VectorInfo.sum(acc1);
        out[outOff + 2] = VectorInfo.sum(acc2);
        out[outOff + 3] = VectorInfo.sum(acc3);
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
