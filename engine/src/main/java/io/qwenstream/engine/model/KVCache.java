package io.qwenstream.engine.model;

/**
 * Keys and values of one sequence for every layer, float32, preallocated up to {@code capacity}
 * positions. Position {@code p} of layer {@code l} holds {@code kvDim} floats at {@code p * kvDim}.
 */
public final class KVCache {

    final float[][] keys;
    final float[][] values;
    private final int capacity;

    public KVCache(ModelConfig config, int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("KV cache capacity must be positive, got " + capacity);
        this.capacity = capacity;
        keys = new float[config.layerCount()][Math.multiplyExact(capacity, config.kvDim())];
        values = new float[config.layerCount()][Math.multiplyExact(capacity, config.kvDim())];
    }

    public int capacity() {
        return capacity;
    }
}
