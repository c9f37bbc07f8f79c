package io.qwenstream.engine.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A row-major weight matrix of {@code rows} x {@code cols} elements of {@code type}, over bytes it
 * does not own (usually a memory-mapped file). Row {@code r} starts at byte {@code r * rowBytes()}.
 * Activations are float32 and every dot product accumulates in float32.
 */
public record Matrix(String name, GGMLType type, int rows, int cols, MemorySegment data) {

    public Matrix {
        long expected = (long) rows * type.bytesFor(cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(name + ": " + type + " [" + rows + " x " + cols + "] needs "
                    + expected + " bytes, found " + data.byteSize());
        }
    }

    public long rowBytes() {
        return type.bytesFor(cols);
    }

    /** sum over j of W[row, j] * x[xOffset + j]. */
    public float dot(int row, float[] x, int xOffset) {
        throw new UnsupportedOperationException("TODO kernels");
    }

    /** out[r] = dot(r, x, 0) for every row, spread over the engine's worker threads. */
    public void matvec(float[] x, float[] out) {
        throw new UnsupportedOperationException("TODO kernels");
    }

    /** Writes row {@code row} as float32 into out[outOffset .. outOffset + cols). */
    public void dequantizeRow(int row, float[] out, int outOffset) {
        throw new UnsupportedOperationException("TODO kernels");
    }
}
