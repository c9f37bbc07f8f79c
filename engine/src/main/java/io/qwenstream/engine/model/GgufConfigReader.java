package io.qwenstream.engine.model;

import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.kernels.Tensor;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads the model hyper-parameters that llama.cpp's converter writes for {@code qwen3} and
 * {@code qwen3moe}. Which layers are MoE is read from the tensors present (a layer with a router
 * {@code ffn_gate_inp} routes), so files whose dense layers were kept also load.
 */
public final class GgufConfigReader {

    private GgufConfigReader() {}

    public static ModelConfig read(Path file, Map<String, Object> md, Map<String, Tensor> tensors) {
        String arch = string(file, md, "general.architecture");
        ModelConfig.Architecture architecture = switch (arch) {
            case "qwen3" -> ModelConfig.Architecture.QWEN3;
            case "qwen3moe" -> ModelConfig.Architecture.QWEN3_MOE;
            default ->
                throw new ModelFormatException(
                        file + ": architecture '" + arch + "' is not supported (expected qwen3 or qwen3moe)");
        };
        String p = arch + ".";
        int layers = num(file, md, p + "block_count").intValue();
        int heads = num(file, md, p + "attention.head_count").intValue();
        int hidden = num(file, md, p + "embedding_length").intValue();
        boolean moe = architecture == ModelConfig.Architecture.QWEN3_MOE;
        Set<Integer> denseLayers = new HashSet<>();
        if (moe) {
            for (int i = 0; i < layers; i++) {
                if (!tensors.containsKey("blk." + i + ".ffn_gate_inp.weight")) denseLayers.add(i);
            }
        }
        Tensor embedding = tensors.get("token_embd.weight");
        if (embedding == null) throw new ModelFormatException(file + ": missing tensor token_embd.weight");
        try {
            return new ModelConfig(
                    architecture,
                    hidden,
                    layers,
                    heads,
                    optNum(md, p + "attention.head_count_kv", heads).intValue(),
                    optNum(md, p + "attention.key_length", hidden / heads).intValue(),
                    Math.toIntExact(embedding.shape()[1]),
                    optNum(md, p + "attention.layer_norm_rms_epsilon", 1e-6).floatValue(),
                    rope(md, p),
                    optNum(md, p + "context_length", 32768).intValue(),
                    tensors.containsKey("blk.0.attn_q.bias"),
                    optNum(md, p + "feed_forward_length", 0).intValue(),
                    moe ? num(file, md, p + "expert_count").intValue() : 0,
                    moe ? num(file, md, p + "expert_used_count").intValue() : 0,
                    moe ? num(file, md, p + "expert_feed_forward_length").intValue() : 0,
                    // llama.cpp always renormalises the top-k weights of qwen3moe unless told otherwise.
                    moe && (!(md.get(p + "expert_weights_norm") instanceof Boolean b) || b),
                    1,
                    denseLayers,
                    !tensors.containsKey("output.weight"));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + e.getMessage());
        }
    }

    private static ModelConfig.Rope rope(Map<String, Object> md, String p) {
        double theta = optNum(md, p + "rope.freq_base", 10000.0).doubleValue();
        Object type = md.get(p + "rope.scaling.type");
        if (type == null || "none".equals(type)) return ModelConfig.Rope.plain(theta);
        Number original = (Number) md.get(p + "rope.scaling.original_context_length");
        return new ModelConfig.Rope(
                type.toString(),
                theta,
                asDouble(md.get(p + "rope.scaling.factor")),
                original == null ? null : original.intValue(),
                asDouble(md.get(p + "rope.scaling.attn_factor")),
                asDouble(md.get(p + "rope.scaling.yarn_beta_fast")),
                asDouble(md.get(p + "rope.scaling.yarn_beta_slow")),
                null,
                null,
                true);
    }

    private static Double asDouble(Object o) {
        return o instanceof Number n ? n.doubleValue() : null;
    }

    private static String string(Path file, Map<String, Object> md, String key) {
        if (md.get(key) instanceof String s) return s;
        throw new ModelFormatException(file + ": missing or non-string metadata key " + key);
    }

    private static Number num(Path file, Map<String, Object> md, String key) {
        if (md.get(key) instanceof Number n) return n;
        throw new ModelFormatException(file + ": missing or non-numeric metadata key " + key);
    }

    private static Number optNum(Map<String, Object> md, String key, Number fallback) {
        return md.get(key) instanceof Number n ? n : fallback;
    }
}
