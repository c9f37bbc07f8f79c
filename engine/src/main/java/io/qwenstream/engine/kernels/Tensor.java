package io.qwenstream.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named view of tensor bytes, wherever they came from (a GGUF file, a safetensors shard, memory).
 * {@code shape} is in ggml order: {@code shape[0]} is the innermost (contiguous) dimension, so a
 * PyTorch/safetensors weight of shape [out, in] has shape {in, out} here. No bytes are copied.
 */
public record Tensor(String name, GGMLType type, long[] shape, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** A 1-D or 2-D tensor as a matrix of {@code shape[1]} rows by {@code shape[0]} columns. */
    public Matrix asMatrix() {
        if (shape.length > 2) {
            throw new IllegalArgumentException(name + ": expected at most 2 dimensions, got " + Arrays.toString(shape));
        }
        long rows = shape.length == 2 ? shape[1] : 1;
        return new Matrix(name, type, Math.toIntExact(rows), Math.toIntExact(shape[0]), data);
    }

    /** Matrix {@code index} of a 3-D tensor (e.g. one expert of a stacked {@code ffn_*_exps}), without copying. */
    public Matrix slice(int index) {
        if (shape.length != 3) {
            throw new IllegalArgumentException(name + ": expected 3 dimensions, got " + Arrays.toString(shape));
        }
        int rows = Math.toIntExact(shape[1]);
        int cols = Math.toIntExact(shape[0]);
        long bytes = type.bytesFor((long) rows * cols);
        return new Matrix(name + "[" + index + "]", type, rows, cols, data.asSlice(bytes * index, bytes));
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
