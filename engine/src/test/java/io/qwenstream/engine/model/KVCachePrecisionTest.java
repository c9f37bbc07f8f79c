package io.qwenstream.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.SamplingParams;
import io.qwenstream.engine.TokenListener;
import io.qwenstream.engine.generation.Generator;
import io.qwenstream.engine.load.LoadedModel;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An F16 KV cache against the float32 one on the fixture models: logits close at every position, the
 * same greedy tokens (those of the transformers reference, which the float32 path matches exactly).
 *
 * <p>The bound: a half keeps 11 significant bits, so each stored key and value is off by at most 2^-11
 * of itself; attention averages values, so its output is off by about as much, and three layers of
 * random weights (and the MoE router) amplify that. Measured (2026-11, both fixture models, every
 * position of every reference sequence): at most 2.8e-3 of the position's largest |logit| (0.036 on
 * logits up to 15) for tiny-qwen3-moe, 1.2e-3 for tiny-qwen3, i.e. about 6 half-ulps. The bound of
 * 16 half-ulps (7.8e-3) leaves room for that amplification yet fails a cache that keeps fewer bits
 * (bfloat16's 8 would give about 8 times the measured error) or misreads any element.
 */
class KVCachePrecisionTest {

    private static final double BOUND = 16 * 0x1p-11;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen3-moe", "tiny-qwen3"})
    void halfPrecisionKeysAndValuesMoveTheLogitsLittle(String entry) {
        JsonNode sequences = Fixtures.reference().path("models").path(entry).get("sequences");
        try (LoadedModel engine = LoadedModel.load(Fixtures.model(entry), Fixtures.tokenizerDir())) {
            Qwen3Model model = engine.model();
            double worst = 0, worstRelative = 0;
            for (JsonNode seq : sequences) {
                int[] ids = Fixtures.ints(Fixtures.field(seq, "ids"));
                Qwen3Model.State f32 = model.newState(ids.length, KvPrecision.F32);
                Qwen3Model.State f16 = model.newState(ids.length, KvPrecision.F16);
                for (int p = 0; p < ids.length; p++) {
                    model.forward(f32, ids[p], p, true);
                    model.forward(f16, ids[p], p, true);
                    double scale = 0, diff = 0;
                    for (int v = 0; v < f32.logits().length; v++) {
                        scale = Math.max(scale, Math.abs(f32.logits()[v]));
                        diff = Math.max(diff, Math.abs(f32.logits()[v] - f16.logits()[v]));
                    }
                    worst = Math.max(worst, diff);
                    worstRelative = Math.max(worstRelative, diff / scale);
                }
                GenerationOptions greedy = new GenerationOptions(
                        Fixtures.field(seq, "greedy_ids").size(),
                        SamplingParams.greedyDecoding(),
                        true,
                        List.of(),
                        null,
                        null);
                int[] ids16 = new Generator(engine, KvPrecision.F16)
                        .generate(ids, greedy, TokenListener.NONE)
                        .ids();
                assertArrayEquals(
                        Fixtures.ints(Fixtures.field(seq, "greedy_ids")),
                        ids16,
                        entry + ": greedy continuation with an F16 KV cache");
            }
            assertTrue(
                    worstRelative <= BOUND,
                    entry + ": F16 vs F32 KV cache, logits differ by up to " + worst + ", " + worstRelative
                            + " of the position's largest logit (bound " + BOUND + ")");
        }
    }
}
