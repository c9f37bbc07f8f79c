package io.qwenstream.engine.kernels;

import java.lang.foreign.MemorySegment;

/**
 * One entry point per operation for every weight type: picks the format's kernel, and the vector
 * or scalar variant by {@link VectorInfo#ENABLED}. {@code n} is a count of weights (a multiple of
 * the type's block size) and {@code offset} the byte offset of the first block.
 */
public final class Quants {

    private Quants() {}

    /** sum over i < n of w[i] * x[xOff + i], accumulated in float32. */
    public static float dot(GGMLType type, MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (!VectorInfo.ENABLED) return dotScalar(type, w, offset, x, xOff, n);
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

    public static float dotScalar(GGMLType type, MemorySegment w, long offset, float[] x, int xOff, int n) {
        return switch (type) {
            case F32 -> F32Kernel.dotScalar(w, offset, x, xOff, n);
            case F16 -> F16Kernel.dotScalar(w, offset, x, xOff, n);
            case BF16 -> BF16Kernel.dotScalar(w, offset, x, xOff, n);
            case Q8_0 -> Q8_0Kernel.dotScalar(w, offset, x, xOff, n);
            case Q4_0 -> Q4_0Kernel.dotScalar(w, offset, x, xOff, n);
            case Q4_K -> Q4_KKernel.dotScalar(w, offset, x, xOff, n);
            case Q6_K -> Q6_KKernel.dotScalar(w, offset, x, xOff, n);
        };
    }

    /** Writes the n weights as float32 into out[outOff ..): the meaning of each format. */
    public static void dequantize(GGMLType type, MemorySegment w, long offset, float[] out, int outOff, int n) {
        switch (type) {
            case F32 -> F32Kernel.dequantize(w, offset, out, outOff, n);
            case F16 -> F16Kernel.dequantize(w, offset, out, outOff, n);
            case BF16 -> BF16Kernel.dequantize(w, offset, out, outOff, n);
            case Q8_0 -> Q8_0Kernel.dequantize(w, offset, out, outOff, n);
            case Q4_0 -> Q4_0Kernel.dequantize(w, offset, out, outOff, n);
            case Q4_K -> Q4_KKernel.dequantize(w, offset, out, outOff, n);
            case Q6_K -> Q6_KKernel.dequantize(w, offset, out, outOff, n);
        }
    }

    /** {@link #dequantize} with vectors where they are on: the same values, bit for bit. */
    public static void decode(GGMLType type, MemorySegment w, long offset, float[] out, int outOff, int n) {
        if (!VectorInfo.ENABLED) {
            dequantize(type, w, offset, out, outOff, n);
            return;
        }
        switch (type) {
            case F32 -> F32Kernel.decode(w, offset, out, outOff, n);
            case F16 -> F16Kernel.decode(w, offset, out, outOff, n);
            case BF16 -> BF16Kernel.decode(w, offset, out, outOff, n);
            case Q8_0 -> Q8_0Kernel.decode(w, offset, out, outOff, n);
            case Q4_0 -> Q4_0Kernel.decode(w, offset, out, outOff, n);
            case Q4_K -> Q4_KKernel.decode(w, offset, out, outOff, n);
            case Q6_K -> Q6_KKernel.decode(w, offset, out, outOff, n);
        }
    }

    /**
     * out[4 * r + k] = sum over i < n of rows[r][i] * xk[i] for r, k < 4, in float32: four decoded rows
     * times four vectors (vector or scalar kernel by {@link VectorInfo#ENABLED}).
     */
    public static void dot4x4(float[][] rows, float[] x0, float[] x1, float[] x2, float[] x3, int n, float[] out) {
        if (VectorInfo.ENABLED) F32Kernel.dot4x4(rows, x0, x1, x2, x3, n, out);
        else F32Kernel.dot4x4Scalar(rows, x0, x1, x2, x3, n, out);
    }

    /** out[r] = sum over i < n of rows[r][i] * x[i] for r < 4, in float32 (vector or scalar kernel). */
    public static void dot4x1(float[][] rows, float[] x, int n, float[] out) {
        if (VectorInfo.ENABLED) F32Kernel.dot4x1(rows, x, n, out);
        else F32Kernel.dot4x1Scalar(rows, x, n, out);
    }

    /**
     * Encodes x[xOff .. xOff + n) into {@code type.bytesFor(n)} bytes at out[outOffset ..). F32,
     * F16, BF16, Q8_0 and Q4_0 are bit-exact with ggml's reference quantizers; Q4_K and Q6_K use a
     * simpler scale choice than ggml's search (valid blocks, error at most half a level).
     */
    public static void quantize(GGMLType type, float[] x, int xOff, int n, MemorySegment out, long outOffset) {
        if (n % type.blockSize != 0) {
            throw new IllegalArgumentException(
                    type + " quantizes whole blocks of " + type.blockSize + " values, got " + n);
        }
        switch (type) {
            case F32 -> F32Kernel.quantize(x, xOff, n, out, outOffset);
            case F16 -> F16Kernel.quantize(x, xOff, n, out, outOffset);
            case BF16 -> BF16Kernel.quantize(x, xOff, n, out, outOffset);
            case Q8_0 -> Q8_0Kernel.quantize(x, xOff, n, out, outOffset);
            case Q4_0 -> Q4_0Kernel.quantize(x, xOff, n, out, outOffset);
            case Q4_K -> Q4_KKernel.quantize(x, xOff, n, out, outOffset);
            case Q6_K -> Q6_KKernel.quantize(x, xOff, n, out, outOffset);
        }
    }
}
