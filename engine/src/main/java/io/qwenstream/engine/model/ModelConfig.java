package io.qwenstream.engine.model;

import java.util.Set;

/**
 * Everything about a Qwen3 / Qwen3-MoE checkpoint that changes the computation. Built from a
 * Hugging Face {@code config.json} ({@link HfConfigReader}) or from GGUF metadata
 * ({@link GgufConfigReader}); never guessed from other fields (head_dim is not hidden/heads).
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int layerCount,
        int headCount,
        int kvHeadCount,
        int headDim,
        int vocabSize,
        float rmsNormEps,
        Rope rope,
        int contextLength,
        boolean attentionBias,
        int denseFeedForward,
        int expertCount,
        int expertsPerToken,
        int expertFeedForward,
        boolean normTopKProb,
        int decoderSparseStep,
        Set<Integer> mlpOnlyLayers,
        boolean tiedEmbeddings) {

    public enum Architecture {
        QWEN3,
        QWEN3_MOE
    }

    public ModelConfig {
        mlpOnlyLayers = Set.copyOf(mlpOnlyLayers);
        require(hiddenSize > 0, "hidden size must be positive");
        require(layerCount > 0, "layer count must be positive");
        require(headCount > 0 && kvHeadCount > 0, "head counts must be positive");
        require(
                headCount % kvHeadCount == 0,
                "attention heads (" + headCount + ") must be a multiple of KV heads (" + kvHeadCount + ")");
        require(headDim > 0 && headDim % 2 == 0, "head_dim must be positive and even, got " + headDim);
        if (architecture == Architecture.QWEN3_MOE) {
            require(expertCount > 0, "a MoE model needs num_experts > 0");
            require(
                    expertsPerToken > 0 && expertsPerToken <= expertCount,
                    "num_experts_per_tok must be in 1.." + expertCount + ", got " + expertsPerToken);
            require(decoderSparseStep > 0, "decoder_sparse_step must be positive");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException("model config: " + message);
    }

    /** Whether layer {@code layer} routes to experts (transformers' Qwen3MoeDecoderLayer rule). */
    public boolean isMoeLayer(int layer) {
        return architecture == Architecture.QWEN3_MOE
                && !mlpOnlyLayers.contains(layer)
                && (layer + 1) % decoderSparseStep == 0;
    }

    public int kvDim() {
        return kvHeadCount * headDim;
    }

    public int queryDim() {
        return headCount * headDim;
    }

    /**
     * Rotary embedding settings. {@code type} is "default", "linear" or "yarn"; YaRN fields follow
     * transformers' names, null where the config leaves them to their defaults.
     */
    public record Rope(
            String type,
            double theta,
            Double factor,
            Integer originalContextLength,
            Double attentionFactor,
            Double betaFast,
            Double betaSlow,
            Double mscale,
            Double mscaleAllDim,
            boolean truncate) {

        public static Rope plain(double theta) {
            return new Rope("default", theta, null, null, null, null, null, null, null, true);
        }
    }
}
