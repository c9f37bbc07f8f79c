package io.qwenstream.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.ReferenceCheck;
import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.load.LoadedModel;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checkpoints with config semantics the shared fixtures lack (tools/heldout/make_heldout.py made
 * them and ran transformers 5.17 on them): head_dim unrelated to hidden/heads, GQA 3:1 and 8:1,
 * tied embeddings, F32 and F16 safetensors, mlp_only_layers, decoder_sparse_step 2,
 * norm_topk_prob false, YaRN with other factors, beta_fast and attention_factor.
 */
class HeldOutModelsTest {

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"dense-gqa3-tied-f32-yarn2", "moe-mlponly-nonorm-bf16", "moe-sparsestep2-f16-yarn"})
    void safetensorsMatchTransformers(String name) throws Exception {
        JsonNode ref = reference(name);
        try (LoadedModel engine = LoadedModel.load(dir(name), Fixtures.tokenizerDir())) {
            assertEquals(
                    ref.get("attention_scaling").asDouble(),
                    engine.model().rope().attentionScaling(),
                    1e-6,
                    name + ": attention scaling");
            float[] inv = engine.model().rope().invFreq();
            for (int i = 0; i < inv.length; i++) {
                double expected = ref.get("inv_freq").get(i).asDouble();
                assertEquals(expected, inv[i], Math.abs(expected) * 1e-6, name + ": inv_freq[" + i + "]");
            }
            ReferenceCheck.assertExact(engine, ref, name);
        }
    }

    /**
     * The same semantics survive our GGUF: dense layers of a MoE, expert_weights_norm, YaRN keys.
     * Weights only: the 1,000-row vocabulary fits no real tokenizer (run with --tokenizer).
     */
    @ParameterizedTest
    @ValueSource(strings = {"dense-gqa3-tied-f32-yarn2", "moe-mlponly-nonorm-bf16", "moe-sparsestep2-f16-yarn"})
    void convertedToGgufStillMatchTransformers(String name) throws Exception {
        Path gguf = temp.resolve(name + ".gguf");
        try (LoadedModel source = LoadedModel.load(dir(name), null)) {
            GgufModelWriter writer = new GgufModelWriter(source.config(), GGMLType.F32);
            writer.addWeights(source.weights());
            writer.write(gguf, name, null, line -> {});
        }
        try (LoadedModel engine = LoadedModel.load(gguf, Fixtures.tokenizerDir())) {
            ReferenceCheck.assertExact(engine, reference(name), name + " as GGUF");
        }
    }

    static Path dir(String name) throws URISyntaxException {
        return Path.of(HeldOutModelsTest.class
                        .getResource("/heldout/" + name + "/config.json")
                        .toURI())
                .getParent();
    }

    private static JsonNode reference(String name) throws Exception {
        return Fixtures.JSON.readTree(Files.readString(dir(name).resolve("reference.json")));
    }
}
