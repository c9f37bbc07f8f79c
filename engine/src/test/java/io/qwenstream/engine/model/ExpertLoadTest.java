package io.qwenstream.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.load.LoadedModel;
import org.junit.jupiter.api.Test;

/** Every token is counted once per chosen expert of every MoE layer, whether it ran alone or in a batch. */
class ExpertLoadTest {

    private static final int[] PROMPT = {9707, 11, 1879, 0, 576, 374, 264, 1273, 13, 151645};

    @Test
    void eachTokenCountsTopKExpertsPerMoeLayerAloneOrBatched() {
        long[][] batched = routed(true);
        long[][] oneByOne = routed(false);
        try (LoadedModel engine = LoadedModel.load(Fixtures.model("tiny-qwen3-moe"), null)) {
            ModelConfig config = engine.config();
            ExpertLoad load = engine.model().expertLoad();
            assertFalse(load.moeLayers().isEmpty(), "the MoE fixture has MoE layers");
            assertEquals(config.expertCount(), load.experts());
            for (int layer : load.moeLayers()) {
                long sum = 0;
                for (long tokens : batched[layer]) sum += tokens;
                assertEquals((long) PROMPT.length * config.expertsPerToken(), sum, "layer " + layer);
                // Routing is per token: a batched prefill routes each token as a forward of it alone does.
                for (int e = 0; e < config.expertCount(); e++) {
                    assertEquals(oneByOne[layer][e], batched[layer][e], "layer " + layer + " expert " + e);
                }
            }
        }
    }

    @Test
    void aDenseModelHasNoMoeLayers() {
        try (LoadedModel engine = LoadedModel.load(Fixtures.model("tiny-qwen3"), null)) {
            assertTrue(engine.model().expertLoad().moeLayers().isEmpty());
        }
    }

    /** Per layer and expert, the tokens routed while running PROMPT on a freshly loaded fixture MoE. */
    private static long[][] routed(boolean batched) {
        try (LoadedModel engine = LoadedModel.load(Fixtures.model("tiny-qwen3-moe"), null)) {
            Qwen3Model model = engine.model();
            Qwen3Model.State state = model.newState(PROMPT.length, KvPrecision.F32);
            if (batched) {
                model.prefill(state, PROMPT);
            } else {
                for (int p = 0; p < PROMPT.length; p++) model.forward(state, PROMPT[p], p, p == PROMPT.length - 1);
            }
            ExpertLoad load = model.expertLoad();
            long[][] tokens = new long[model.config().layerCount()][load.experts()];
            for (int layer : load.moeLayers()) {
                for (int e = 0; e < load.experts(); e++) tokens[layer][e] = load.tokens(layer, e);
            }
            return tokens;
        }
    }
}
