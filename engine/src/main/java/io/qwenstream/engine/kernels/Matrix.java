package io.qwenstream.engine.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A row-major weight matrix of {@code rows} x {@code cols} elements of {@code type}, over bytes it
 * does not own (usually a memory-mapped file). Row {@code r} starts at byte {@code r * rowBytes()}.
 * Activations are float32 and every dot product accumulates in float32.
 */
public record Matrix(String name, GGMLType type, int rows, int cols, MemorySegment data) {

    /** Below this many weights a product is not worth waking the worker threads for. */
    private static final long PARALLEL_MIN_WEIGHTS = 1 << 15;

    public Matrix {
        long expected = (long) rows * type.bytesFor(cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(name + ": " + type + " [" + rows + " x " + cols + "] needs " + expected
                    + " bytes, found " + data.byteSize());
        }
    }

    public long rowBytes() {
        return type.bytesFor(cols);
    }

    private long rowOffset(int row) {
        return (long) row * (cols / type.blockSize) * type.blockBytes;
    }

    /** sum over j of W[row, j] * x[xOffset + j]. */
    public float dot(int row, float[] x, int xOffset) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException(name + ": row " + row + " outside [0, " + rows + ")");
        }
        if (xOffset < 0 || xOffset > x.length - cols) {
            throw new IllegalArgumentException(
                    name + ": needs " + cols + " inputs from offset " + xOffset + ", vector has " + x.length);
        }
        return Quants.dot(type, data, rowOffset(row), x, xOffset, cols);
    }

    /** out[r] = dot(r, x, 0) for every row, spread over the engine's worker threads. */
    public void matvec(float[] x, float[] out) {
        checkVectors(x, out);
        if (type == GGMLType.Q4_K && VectorInfo.ENABLED) {
            // The activations laid out once for all rows (and the sums its min terms need).
            float[] xp = Q4_KKernel.preparedByThisThread(x, 0, cols);
            forRows(1, (start, end) -> q4_KRows(xp, out, start, end));
        } else if ((long) rows * cols < PARALLEL_MIN_WEIGHTS) {
            rowsTimesVector(x, out, 0, rows);
        } else {
            Parallel.parallelForRange(rows, (start, end) -> rowsTimesVector(x, out, start, end));
        }
    }

    private void q4_KRows(float[] xp, float[] out, int start, int end) {
        float[] scratch = Q4_KKernel.scratchOfThisThread(cols);
        for (int r = start; r < end; r++) out[r] = Q4_KKernel.dotPrepared(data, rowOffset(r), xp, cols, scratch);
    }

    private void rowsTimesVector(float[] x, float[] out, int start, int end) {
        for (int r = start; r < end; r++) {
            out[r] = Quants.dot(type, data, rowOffset(r), x, 0, cols);
        }
    }

    /**
     * outs[b] = this * xs[b] for b < count. Each thread takes a range of rows; it decodes four rows at a
     * time to float32 and multiplies them with the vectors, four at a time. The weights stream from
     * memory once per batch and are decoded once per batch, so a batch costs little more than one
     * vector until the multiply-adds themselves dominate. An entry equals {@code dot(r, xs[b], 0)} up
     * to the rounding of a different summation order (a block's scale multiplies each weight here,
     * the block's sum in dot). A batch of one is {@link #matvec}; a batch of two, except in the
     * K-quants, is {@link #dot} per vector.
     */
    public void matmul(float[][] xs, float[][] outs, int count) {
        if (count > xs.length || count > outs.length) {
            throw new IllegalArgumentException(
                    name + ": batch of " + count + " but " + xs.length + " inputs and " + outs.length + " outputs");
        }
        for (int b = 0; b < count; b++) checkVectors(xs[b], outs[b]);
        if (count == 1) {
            matvec(xs[0], outs[0]);
        } else if (count == 2 && type != GGMLType.Q4_K && type != GGMLType.Q6_K) {
            // Measured: only the K-quants decode slowly enough that two vectors repay a row's round trip through
            // float32.
            forRows(count, (start, end) -> rowsTimesEachVector(xs, outs, count, start, end));
        } else {
            forRows(count, (start, end) -> rowsTimesBatch(xs, outs, count, start, end));
        }
    }

    private void forRows(int count, Parallel.Range body) {
        if ((long) rows * cols * count < PARALLEL_MIN_WEIGHTS) {
            body.run(0, rows);
        } else {
            Parallel.parallelForRange(rows, body);
        }
    }

    private void rowsTimesEachVector(float[][] xs, float[][] outs, int count, int start, int end) {
        for (int r = start; r < end; r++) {
            long offset = rowOffset(r);
            for (int b = 0; b < count; b++) outs[b][r] = Quants.dot(type, data, offset, xs[b], 0, cols);
        }
    }

    private void rowsTimesBatch(float[][] xs, float[][] outs, int count, int start, int end) {
        float[][] decoded = new float[4][cols];
        float[] dots = new float[16];
        int last = count - 1;
        for (int r = start; r < end; r += 4) {
            // Past the range's end the row slots keep older rows: their products are computed and dropped.
            int rowsHere = Math.min(4, end - r);
            for (int k = 0; k < rowsHere; k++) Quants.decode(type, data, rowOffset(r + k), decoded[k], 0, cols);
            int b = 0;
            // Tiles of four vectors; a last tile of three repeats its last vector (its products dropped).
            for (; count - b >= 3; b += 4) {
                Quants.dot4x4(decoded, xs[b], xs[b + 1], xs[b + 2], xs[Math.min(b + 3, last)], cols, dots);
                for (int k = 0; k < rowsHere; k++) {
                    for (int v = 0; v < 4 && b + v <= last; v++) outs[b + v][r + k] = dots[4 * k + v];
                }
            }
            // The last one or two vectors one at a time: a padded tile would waste half or more of its work.
            for (; b < count; b++) {
                Quants.dot4x1(decoded, xs[b], cols, dots);
                for (int k = 0; k < rowsHere; k++) outs[b][r + k] = dots[k];
            }
        }
    }

    /** Writes row {@code row} as float32 into out[outOffset .. outOffset + cols). */
    public void dequantizeRow(int row, float[] out, int outOffset) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException(name + ": row " + row + " outside [0, " + rows + ")");
        }
        if (outOffset < 0 || outOffset > out.length - cols) {
            throw new IllegalArgumentException(
                    name + ": row of " + cols + " does not fit at offset " + outOffset + " of " + out.length);
        }
        Quants.decode(type, data, rowOffset(row), out, outOffset, cols);
    }

    private void checkVectors(float[] x, float[] out) {
        if (x.length < cols || out.length < rows) {
            throw new IllegalArgumentException(name + ": [" + rows + " x " + cols + "] times a vector of " + x.length
                    + " into " + out.length + " outputs");
        }
    }
}
