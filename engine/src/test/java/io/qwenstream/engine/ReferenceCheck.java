package io.qwenstream.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.generation.Generator;
import io.qwenstream.engine.load.LoadedModel;
import io.qwenstream.engine.model.Qwen3Model;
import io.qwenstream.engine.sampling.TopK;
import java.util.List;

/**
 * Compares an engine with a reference model entry (per-position top-10 logits and logsumexp, the
 * full last-position logits, greedy continuation) through the engine's public code paths.
 */
public final class ReferenceCheck {

    /** The fixtures README's float32 tolerance for logits and logsumexp. */
    public static final double FLOAT32_TOLERANCE = 2e-3;

    private ReferenceCheck() {}

    /** Float32 exactness: top-10 ids equal (ties aside), logits and logsumexp within 2e-3, greedy ids equal. */
    public static void assertExact(LoadedModel engine, JsonNode modelRef, String label) {
        for (JsonNode seq : modelRef.get("sequences")) {
            int[] ids = Fixtures.ints(Fixtures.field(seq, "ids"));
            JsonNode topIds = Fixtures.field(seq, "top10_ids");
            JsonNode topLogits = Fixtures.field(seq, "top10_logits");
            JsonNode lse = Fixtures.field(seq, "logsumexp");
            Qwen3Model model = engine.model();
            Qwen3Model.State state = model.newState(ids.length, KvPrecision.F32);
            for (int p = 0; p < ids.length; p++) {
                model.forward(state, ids[p], p, true);
                float[] logits = state.logits();
                String where = label + " (" + ids.length + " ids) position " + p;
                int[] ours = TopK.indices(logits, 10);
                for (int i = 0; i < 10; i++) {
                    int refId = topIds.get(p).get(i).asInt();
                    double refLogit = topLogits.get(p).get(i).asDouble();
                    assertEquals(refLogit, logits[refId], FLOAT32_TOLERANCE, where + ": logit of token " + refId);
                    if (ours[i] != refId) {
                        // Only a tie may reorder the top 10: our pick must score like the reference's.
                        assertEquals(
                                refLogit,
                                logits[ours[i]],
                                2 * FLOAT32_TOLERANCE,
                                where + ": top-" + (i + 1) + " is " + ours[i] + ", reference " + refId);
                    }
                }
                assertEquals(lse.get(p).asDouble(), logSumExp(logits), FLOAT32_TOLERANCE, where + ": logsumexp");
            }
            float[] last = Fixtures.base64Floats(seq.get("last_logits_f32_b64").asText());
            assertEquals(last.length, state.logits().length, label + ": vocabulary size");
            double worst = 0;
            for (int i = 0; i < last.length; i++) worst = Math.max(worst, Math.abs(last[i] - state.logits()[i]));
            assertTrue(worst <= FLOAT32_TOLERANCE, label + ": last-position logits differ by up to " + worst);

            int[] greedy = Fixtures.ints(Fixtures.field(seq, "greedy_ids"));
            assertArrayEquals(
                    greedy,
                    greedy(engine, ids, greedy.length),
                    label + ": greedy continuation of " + ids.length + " ids");
        }
    }

    /**
     * Quantized weights: top-1 equal at ≥ 90 % of positions, and every reference top-10 logit within
     * {@code logitBound}. Returns the worst logit difference seen, for the test to report.
     */
    public static double assertClose(LoadedModel engine, JsonNode modelRef, String label, double logitBound) {
        int positions = 0;
        int top1Equal = 0;
        double worst = 0;
        for (JsonNode seq : modelRef.get("sequences")) {
            int[] ids = Fixtures.ints(Fixtures.field(seq, "ids"));
            JsonNode topIds = Fixtures.field(seq, "top10_ids");
            JsonNode topLogits = Fixtures.field(seq, "top10_logits");
            Qwen3Model model = engine.model();
            Qwen3Model.State state = model.newState(ids.length, KvPrecision.F32);
            for (int p = 0; p < ids.length; p++) {
                model.forward(state, ids[p], p, true);
                float[] logits = state.logits();
                positions++;
                if (TopK.indices(logits, 1)[0] == topIds.get(p).get(0).asInt()) top1Equal++;
                for (int i = 0; i < 10; i++) {
                    worst = Math.max(
                            worst,
                            Math.abs(topLogits.get(p).get(i).asDouble()
                                    - logits[topIds.get(p).get(i).asInt()]));
                }
            }
        }
        assertTrue(
                top1Equal >= 0.9 * positions,
                label + ": top-1 equal at only " + top1Equal + " of " + positions + " positions");
        assertTrue(
                worst <= logitBound,
                label + ": top-10 logits differ by up to " + worst + " (bound " + logitBound + ")");
        return worst;
    }

    public static int[] greedy(LoadedModel engine, int[] prompt, int count) {
        GenerationOptions options =
                new GenerationOptions(count, SamplingParams.greedyDecoding(), true, List.of(), null, null);
        GenerationResult result = new Generator(engine, KvPrecision.F32).generate(prompt, options, TokenListener.NONE);
        return result.ids();
    }

    static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        for (float v : logits) sum += Math.exp(v - max);
        return max + Math.log(sum);
    }
}
