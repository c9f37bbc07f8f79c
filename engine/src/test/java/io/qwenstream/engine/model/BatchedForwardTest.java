package io.qwenstream.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.ReferenceCheck;
import io.qwenstream.engine.load.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A batch of tokens (a whole prompt, or tokens of several sequences mixed) computes what one token at a time does. */
class BatchedForwardTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen3-moe", "tiny-qwen3"})
    void wholePromptsAndMixedSequencesMatchTheReference(String entry) {
        JsonNode sequences = Fixtures.reference().path("models").path(entry).get("sequences");
        try (LoadedModel engine = LoadedModel.load(Fixtures.model(entry), null)) {
            Qwen3Model model = engine.model();
            List<int[]> prompts = new ArrayList<>();
            for (JsonNode seq : sequences) prompts.add(Fixtures.ints(Fixtures.field(seq, "ids")));

            // Every prompt's tokens in ONE batch, interleaved across sequences, in position order within each.
            int total = prompts.stream().mapToInt(p -> p.length).sum();
            Qwen3Model.Batch batch = model.newBatch(total);
            Qwen3Model.State[] states = new Qwen3Model.State[prompts.size()];
            for (int s = 0; s < states.length; s++)
                states[s] = model.newState(prompts.get(s).length + 16, KvPrecision.F32);
            Qwen3Model.State[] who = new Qwen3Model.State[total];
            int[] tokens = new int[total], positions = new int[total];
            boolean[] want = new boolean[total];
            int n = 0;
            for (int p = 0; n < total; p++) {
                for (int s = 0; s < prompts.size(); s++) {
                    int[] ids = prompts.get(s);
                    if (p >= ids.length) continue;
                    who[n] = states[s];
                    tokens[n] = ids[p];
                    positions[n] = p;
                    want[n++] = p == ids.length - 1;
                }
            }
            model.forward(batch, who, tokens, positions, want, n);

            for (int s = 0; s < states.length; s++) {
                float[] expected = Fixtures.base64Floats(
                        sequences.get(s).get("last_logits_f32_b64").asText());
                float[] actual = states[s].logits();
                double worst = 0;
                for (int v = 0; v < expected.length; v++) worst = Math.max(worst, Math.abs(expected[v] - actual[v]));
                assertTrue(
                        worst <= ReferenceCheck.FLOAT32_TOLERANCE,
                        entry + " sequence " + s + ": last logits off by " + worst);
            }

            // Then decode all sequences together, one token each per step: the greedy continuations.
            int[][] generated = new int[states.length][];
            int steps = 8;
            for (int s = 0; s < states.length; s++) generated[s] = new int[steps];
            int[] next = new int[states.length], pos = new int[states.length];
            boolean[] all = new boolean[states.length];
            Arrays.fill(all, true);
            for (int s = 0; s < states.length; s++) pos[s] = prompts.get(s).length;
            for (int step = 0; step < steps; step++) {
                for (int s = 0; s < states.length; s++) {
                    next[s] = argMax(states[s].logits());
                    generated[s][step] = next[s];
                }
                model.forward(batch, states, next, pos, all, states.length);
                for (int s = 0; s < states.length; s++) pos[s]++;
            }
            for (int s = 0; s < states.length; s++) {
                int[] greedy = Arrays.copyOf(Fixtures.ints(Fixtures.field(sequences.get(s), "greedy_ids")), steps);
                assertArrayEquals(greedy, generated[s], entry + " sequence " + s + " decoded in a batch");
            }
        }
    }

    private static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
