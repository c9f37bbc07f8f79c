package io.qwenstream.engine;

/**
 * How a sequence's KV cache stores keys and values: {@code F16} (IEEE half, half the memory per
 * token) where the engine serves, {@code F32} (float32, bit for bit what the forward pass computed)
 * to match a float32 reference.
 */
public enum KvPrecision {
    F16(2),
    F32(4);

    private final int bytes;

    KvPrecision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes of one stored key or value element. */
    public int bytes() {
        return bytes;
    }

    /** {@code "f16"} or {@code "f32"}, as options and JSON spell it. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
