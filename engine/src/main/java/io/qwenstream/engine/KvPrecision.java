package io.qwenstream.engine;

/**
 * How a sequence's KV cache stores keys and values: {@code F16} (IEEE half, half the memory per
 * token) where the engine serves, {@code F32} (float32, bit for bit what the forward pass computed)
 * to match a float32 reference.
 */
public enum KvPrecision {
    F16,
    F32
}
