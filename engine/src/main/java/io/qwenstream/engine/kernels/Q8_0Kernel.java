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
 * ggml Q8_0: blocks of 32 weights, each a half-precision scale d followed by 32 signed bytes q;
 * weight = d * q.
 */
public final class Q8_0Kernel {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    private Q8_0Kernel() {}

    public static void dequantize(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            for (int j = 0; j < BLOCK; j++) {
                out[outOff + b * BLOCK + j] = w.get(ValueLayout.JAVA_BYTE, block + 2 + j) * d;
            }
        }
    }

    /** {@link #dequantize} with vectors: the same float32 values, bit for bit. */
    public static void decode(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            for (int j = 0; j < BLOCK; j += F_SPECIES.length()) {
                VectorInfo.widen(ByteVector.fromMemorySegment(B_SPECIES, w, block + 2 + j, ByteOrder.LITTLE_ENDIAN))
                        .mul(d)
                        .intoArray(out, outOff + b * BLOCK + j);
            }
        }
    }

    public static float dotScalar(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float blockSum = 0f;
            for (int j = 0; j < BLOCK; j++) {
                blockSum += w.get(ValueLayout.JAVA_BYTE, block + 2 + j) * x[xOff + b * BLOCK + j];
            }
            sum += blockSum * F16Kernel.read(w, block);
        }
        return sum;
    }

    public static float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        // Four accumulators, one per block modulo 4: a single chain of dependent FMAs would cap a
        // row at one block per FMA latency, below the rate memory delivers it.
        FloatVector a0 = FloatVector.zero(F_SPECIES), a1 = a0, a2 = a0, a3 = a0;
        int blocks = n / BLOCK;
        int b = 0;
        for (; b + 3 < blocks; b += 4) {
            long at = offset + (long) b * BLOCK_BYTES;
            int xb = xOff + b * BLOCK;
            a0 = blockSum(w, at, x, xb, a0);
            a1 = blockSum(w, at + BLOCK_BYTES, x, xb + BLOCK, a1);
            a2 = blockSum(w, at + 2 * BLOCK_BYTES, x, xb + 2 * BLOCK, a2);
            a3 = blockSum(w, at + 3 * BLOCK_BYTES, x, xb + 3 * BLOCK, a3);
        }
        for (; b < blocks; b++) a0 = blockSum(w, offset + (long) b * BLOCK_BYTES, x, xOff + b * BLOCK, a0);
        return VectorInfo.sum(a0.add(a1).add(a2.add(a3)));
    }

    /** acc + d * (q · x) for one block, with d its fp16 scale. */
    private static FloatVector blockSum(MemorySegment w, long block, float[] x, int xb, FloatVector acc) {
        int lanes = F_SPECIES.length();
        FloatVector sum = FloatVector.zero(F_SPECIES);
        for (int j = 0; j < BLOCK; j += lanes) {
            FloatVector q =
                    (FloatVector) ByteVector.fromMemorySegment(B_SPECIES, w, block + 2 + j, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, F_SPECIES, 0);
            sum = q.fma(FloatVector.fromArray(F_SPECIES, x, xb + j), sum);
        }
        return sum.fma(FloatVector.broadcast(F_SPECIES, F16Kernel.read(w, block)), acc);
    }

    /** ggml's quantize_row_q8_0_ref: d = max|x| / 127, q = round-half-away(x / d) with 1/d computed from the unrounded d. */
    public static void quantize(float[] x, int xOff, int n, MemorySegment out, long outOffset) {
        for (int b = 0; b < n / BLOCK; b++) {
            int xb = xOff + b * BLOCK;
            long block = outOffset + (long) b * BLOCK_BYTES;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(x[xb + j]));
            }
            float d = amax / 127;
            float id = d != 0f ? 1.0f / d : 0f;
            out.set(F16Kernel.SHORT, block, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) {
                out.set(ValueLayout.JAVA_BYTE, block + 2 + j, (byte) roundHalfAway(x[xb + j] * id));
            }
        }
    }

    /** C's roundf: halves round away from zero (Math.round would send -2.5 to -2). */
    static int roundHalfAway(float v) {
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }
}
