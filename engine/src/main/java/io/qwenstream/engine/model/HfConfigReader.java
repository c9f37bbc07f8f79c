package io.qwenstream.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.engine.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads a Hugging Face {@code config.json} of a Qwen3 or Qwen3-MoE model, with the defaults of
 * transformers' Qwen3Config / Qwen3MoeConfig where a field is absent. Accepts both the
 * {@code rope_scaling} field of older configs and transformers 5's {@code rope_parameters}.
 */
public final class HfConfigReader {

    private HfConfigReader() {}

    public static ModelConfig read(Path configJson) {
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(Files.readString(configJson));
        } catch (IOException e) {
            throw new ModelFormatException(configJson + ": cannot read config.json: " + e.getMessage());
        }
        if (c == null || !c.isObject()) throw new ModelFormatException(configJson + ": not a JSON object");
        try {
            return parse(c);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(configJson + ": " + e.getMessage());
        }
    }

    static ModelConfig parse(JsonNode c) {
        ModelConfig.Architecture arch = architecture(c);
        int hidden = required(c, "hidden_size");
        int heads = required(c, "num_attention_heads");
        boolean moe = arch == ModelConfig.Architecture.QWEN3_MOE;
        Set<Integer> mlpOnly = new HashSet<>();
        for (JsonNode n : c.path("mlp_only_layers")) mlpOnly.add(n.asInt());
        int experts = moe ? intOr(c, "num_experts", intOr(c, "num_local_experts", 0)) : 0;
        return new ModelConfig(
                arch,
                hidden,
                required(c, "num_hidden_layers"),
                heads,
                intOr(c, "num_key_value_heads", heads),
                intOr(c, "head_dim", 128),
                required(c, "vocab_size"),
                (float) c.path("rms_norm_eps").asDouble(1e-6),
                rope(c),
                intOr(c, "max_position_embeddings", 32768),
                c.path("attention_bias").asBoolean(false),
                intOr(c, "intermediate_size", 0),
                experts,
                moe ? required(c, "num_experts_per_tok") : 0,
                moe ? required(c, "moe_intermediate_size") : 0,
                moe && c.path("norm_topk_prob").asBoolean(false),
                moe ? intOr(c, "decoder_sparse_step", 1) : 1,
                mlpOnly,
                c.path("tie_word_embeddings").asBoolean(false));
    }

    private static ModelConfig.Architecture architecture(JsonNode c) {
        String type = c.path("model_type").asText("");
        String cls = c.path("architectures").path(0).asText("");
        if (type.equals("qwen3_moe") || cls.equals("Qwen3MoeForCausalLM")) return ModelConfig.Architecture.QWEN3_MOE;
        if (type.equals("qwen3") || cls.equals("Qwen3ForCausalLM")) return ModelConfig.Architecture.QWEN3;
        throw new IllegalArgumentException(
                "model_type '" + type + "' (" + cls + ") is not supported: expected qwen3 or qwen3_moe");
    }

    private static ModelConfig.Rope rope(JsonNode c) {
        JsonNode p = c.path("rope_parameters");
        if (!p.isObject()) p = c.path("rope_scaling");
        double theta = p.path("rope_theta").asDouble(c.path("rope_theta").asDouble(10000.0));
        if (!p.isObject()) return ModelConfig.Rope.plain(theta);
        String type = p.path("rope_type").asText(p.path("type").asText("default"));
        return new ModelConfig.Rope(
                type,
                theta,
                optDouble(p, "factor"),
                p.hasNonNull("original_max_position_embeddings")
                        ? p.get("original_max_position_embeddings").asInt()
                        : null,
                optDouble(p, "attention_factor"),
                optDouble(p, "beta_fast"),
                optDouble(p, "beta_slow"),
                optDouble(p, "mscale"),
                optDouble(p, "mscale_all_dim"),
                p.path("truncate").asBoolean(true));
    }

    private static Double optDouble(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asDouble() : null;
    }

    private static int required(JsonNode c, String field) {
        JsonNode n = c.get(field);
        if (n == null || !n.canConvertToInt())
            throw new IllegalArgumentException("missing or non-integer field '" + field + "'");
        return n.asInt();
    }

    private static int intOr(JsonNode c, String field, int fallback) {
        JsonNode n = c.get(field);
        return n == null || n.isNull() ? fallback : n.asInt();
    }
}
