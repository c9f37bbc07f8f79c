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

    /**
     * Copies the first {@code positions} positions of every layer of {@code source}'s cache into
     * {@code target}'s: a new turn of a conversation starts from the keys and values of the prefix it
     * shares with the turn before. (A static method on States because State keeps its cache to this package.)
     */
    public static void copyPrefix(Qwen3Model.State source, Qwen3Model.State target, int positions) {
        KVCache from = source.cache, to = target.cache;
        int kvDim = from.keys[0].length / from.capacity;
        if (to.keys.length != from.keys.length || to.keys[0].length / to.capacity != kvDim) {
            throw new IllegalArgumentException("cannot copy KV positions between caches of different models");
        }
        if (positions < 0 || positions > from.capacity || positions > to.capacity) {
            throw new IllegalArgumentException("cannot copy " + positions + " KV positions from a cache of "
                    + from.capacity + " into one of " + to.capacity);
        }
        int floats = positions * kvDim;
        for (int layer = 0; layer < from.keys.length; layer++) {
            System.arraycopy(from.keys[layer], 0, to.keys[layer], 0, floats);
            System.arraycopy(from.values[layer], 0, to.values[layer], 0, floats);
        }
    }
}
