package io.qwenstream.engine.model;

import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.kernels.FloatArrays;

/**
 * Keys and values of one sequence for every layer, preallocated up to {@code capacity} positions.
 * Position {@code p} of layer {@code l} holds {@code kvDim} elements at {@code p * kvDim}.
 *
 * <p>{@link KvPrecision#F32} keeps what the forward pass computed, bit for bit: the path the reference
 * comparisons (transformers in float32) run. {@link KvPrecision#F16} rounds each key and value to an
 * IEEE half on write, as torch's {@code .half()} does, for half the memory; attention widens them
 * back exactly. Halves live in heap {@code short[]}s like the floats do: a cache lives as long as
 * its State, which is dropped (sequence ended, prefix evicted) with no close, so the garbage
 * collector is the right owner; an off-heap arena would need a close at every such drop, or
 * (an automatic arena) be freed only when a collection happens to notice.
 */
public final class KVCache {

    private final KvPrecision precision;
    private final int capacity;
    private final int kvDim;
    private final long bytesPerPosition;
    // One pair is used, the other null: F32 keeps floats, F16 the bits of halves.
    private final float[][] keys;
    private final float[][] values;
    private final short[][] halfKeys;
    private final short[][] halfValues;

    public KVCache(ModelConfig config, int capacity, KvPrecision precision) {
        if (capacity <= 0) throw new IllegalArgumentException("KV cache capacity must be positive, got " + capacity);
        if (precision == null) throw new IllegalArgumentException("KV cache precision is missing (F16 or F32)");
        this.precision = precision;
        this.capacity = capacity;
        this.kvDim = config.kvDim();
        this.bytesPerPosition = bytesPerPosition(config, precision);
        int layers = config.layerCount();
        int elements = Math.multiplyExact(capacity, kvDim);
        boolean half = precision == KvPrecision.F16;
        keys = half ? null : new float[layers][elements];
        values = half ? null : new float[layers][elements];
        halfKeys = half ? new short[layers][elements] : null;
        halfValues = half ? new short[layers][elements] : null;
    }

    /** Bytes one position takes in every layer, keys and values: {@code 2 * layers * kvDim * precision.bytes()}. */
    public static long bytesPerPosition(ModelConfig config, KvPrecision precision) {
        return 2L * config.layerCount() * config.kvDim() * precision.bytes();
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes the arrays hold, allocated at capacity. */
    public long bytes() {
        return capacity * bytesPerPosition;
    }

    private int layers() {
        return keys != null ? keys.length : halfKeys.length;
    }

    /** Stores one position's keys and values (kvDim each) of one layer. */
    void store(int layer, int position, float[] k, float[] v) {
        int at = position * kvDim;
        if (keys != null) {
            System.arraycopy(k, 0, keys[layer], at, kvDim);
            System.arraycopy(v, 0, values[layer], at, kvDim);
        } else {
            FloatArrays.toHalves(k, 0, halfKeys[layer], at, kvDim);
            FloatArrays.toHalves(v, 0, halfValues[layer], at, kvDim);
        }
    }

    /** q[qOff ..] · the {@code n} key elements of {@code position} from {@code offset} within it. */
    float dotKey(float[] q, int qOff, int layer, int position, int offset, int n) {
        int at = position * kvDim + offset;
        return keys != null
                ? FloatArrays.dot(q, qOff, keys[layer], at, n)
                : FloatArrays.dot(q, qOff, halfKeys[layer], at, n);
    }

    /** out[outOff ..] += weight * the {@code n} value elements of {@code position} from {@code offset} within it. */
    void addValue(float weight, int layer, int position, int offset, float[] out, int outOff, int n) {
        int at = position * kvDim + offset;
        if (values != null) FloatArrays.addScaled(weight, values[layer], at, out, outOff, n);
        else FloatArrays.addScaled(weight, halfValues[layer], at, out, outOff, n);
    }

    /**
     * Copies the first {@code positions} positions of every layer of {@code source}'s cache into
     * {@code target}'s: a new turn of a conversation starts from the keys and values of the prefix it
     * shares with the turn before. Both must be of one model and one precision. (A static method on
     * States because State keeps its cache to this package.)
     */
    public static void copyPrefix(Qwen3Model.State source, Qwen3Model.State target, int positions) {
        KVCache from = source.cache, to = target.cache;
        if (to.layers() != from.layers() || to.kvDim != from.kvDim) {
            throw new IllegalArgumentException("cannot copy KV positions between caches of different models");
        }
        if (to.precision != from.precision) {
            throw new IllegalArgumentException(
                    "cannot copy KV positions from a " + from.precision + " cache into a " + to.precision + " one");
        }
        if (positions < 0 || positions > from.capacity || positions > to.capacity) {
            throw new IllegalArgumentException("cannot copy " + positions + " KV positions from a cache of "
                    + from.capacity + " into one of " + to.capacity);
        }
        int elements = positions * from.kvDim;
        for (int layer = 0; layer < from.layers(); layer++) {
            if (from.keys != null) {
                System.arraycopy(from.keys[layer], 0, to.keys[layer], 0, elements);
                System.arraycopy(from.values[layer], 0, to.values[layer], 0, elements);
            } else {
                System.arraycopy(from.halfKeys[layer], 0, to.halfKeys[layer], 0, elements);
                System.arraycopy(from.halfValues[layer], 0, to.halfValues[layer], 0, elements);
            }
        }
    }
}
