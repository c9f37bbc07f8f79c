package io.qwenstream.engine.model;

import io.qwenstream.engine.kernels.Matrix;
import java.util.List;

/**
 * The weights of a Qwen3 / Qwen3-MoE model, as matrices over the mapped file (never copied) and
 * small norm vectors dequantised to float32. Built by {@link WeightsBinder}.
 */
public record Weights(Matrix tokenEmbedding, List<Layer> layers, float[] outputNorm, Matrix output) {

    /** One decoder layer; {@code ffn} is either dense or a mixture of experts. */
    public record Layer(
            float[] attnNorm,
            Matrix wq,
            Matrix wk,
            Matrix wv,
            Matrix wo,
            float[] qBias,
            float[] kBias,
            float[] vBias,
            float[] oBias,
            float[] qNorm,
            float[] kNorm,
            float[] ffnNorm,
            Ffn ffn) {}

    public sealed interface Ffn permits Dense, Moe {}

    /** SwiGLU: down(silu(gate x) * up x). */
    public record Dense(Matrix gate, Matrix up, Matrix down) implements Ffn {}

    /** Router {@code [experts x hidden]} and one dense SwiGLU per expert. */
    public record Moe(Matrix router, Dense[] experts) implements Ffn {}
}
