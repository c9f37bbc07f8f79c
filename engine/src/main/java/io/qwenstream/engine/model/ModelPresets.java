package io.qwenstream.engine.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The published Qwen3 shapes (from each model's config.json), for {@code engine forge}: random
 * weights with the real layer shapes, e.g. to benchmark against llama.cpp on the same file.
 */
public final class ModelPresets {

    private ModelPresets() {}

    private static final Map<String, ModelConfig> PRESETS = new LinkedHashMap<>();

    static {
        dense("qwen3-0.6b", 1024, 28, 16, 8, 3072, true);
        dense("qwen3-1.7b", 2048, 28, 16, 8, 6144, true);
        dense("qwen3-4b", 2560, 36, 32, 8, 9728, true);
        dense("qwen3-8b", 4096, 36, 32, 8, 12288, false);
        dense("qwen3-14b", 5120, 40, 40, 8, 17408, false);
        dense("qwen3-32b", 5120, 64, 64, 8, 25600, false);
        moe("qwen3-30b-a3b", 2048, 48, 32, 4, 6144, 128, 8, 768);
        moe("qwen3-235b-a22b", 4096, 94, 64, 4, 12288, 128, 8, 1536);
    }

    private static void dense(String name, int hidden, int layers, int heads, int kvHeads, int ff, boolean tied) {
        PRESETS.put(
                name,
                new ModelConfig(
                        ModelConfig.Architecture.QWEN3,
                        hidden,
                        layers,
                        heads,
                        kvHeads,
                        128,
                        151936,
                        1e-6f,
                        ModelConfig.Rope.plain(1_000_000),
                        40960,
                        false,
                        ff,
                        0,
                        0,
                        0,
                        false,
                        1,
                        Set.of(),
                        tied));
    }

    private static void moe(
            String name, int hidden, int layers, int heads, int kvHeads, int ff, int experts, int used, int expertFf) {
        PRESETS.put(
                name,
                new ModelConfig(
                        ModelConfig.Architecture.QWEN3_MOE,
                        hidden,
                        layers,
                        heads,
                        kvHeads,
                        128,
                        151936,
                        1e-6f,
                        ModelConfig.Rope.plain(1_000_000),
                        40960,
                        false,
                        ff,
                        experts,
                        used,
                        expertFf,
                        true,
                        1,
                        Set.of(),
                        false));
    }

    public static Set<String> names() {
        return PRESETS.keySet();
    }

    public static ModelConfig get(String name) {
        ModelConfig c = PRESETS.get(name);
        if (c == null)
            throw new IllegalArgumentException(
                    "unknown preset '" + name + "' (presets: " + String.join(", ", names()) + ")");
        return c;
    }
}
