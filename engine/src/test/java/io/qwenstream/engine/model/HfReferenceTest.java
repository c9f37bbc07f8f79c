package io.qwenstream.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.ReferenceCheck;
import io.qwenstream.engine.load.LoadedModel;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every model entry of the transformers reference, loaded from its safetensors checkpoint. */
class HfReferenceTest {

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen3-moe", "tiny-qwen3-moe-yarn", "tiny-qwen3"})
    void matchesTransformers(String entry) {
        JsonNode ref = Fixtures.reference().path("models").path(entry);
        try (LoadedModel engine = LoadedModel.load(Fixtures.modelDirFor(entry, temp), Fixtures.tokenizerDir())) {
            assertRotaryTables(engine, ref, entry);
            ReferenceCheck.assertExact(engine, ref, entry);
        }
    }

    private static void assertRotaryTables(LoadedModel engine, JsonNode ref, String entry) {
        RotaryEmbedding rope = engine.model().rope();
        assertEquals(
                ref.get("attention_scaling").asDouble(), rope.attentionScaling(), 1e-6, entry + ": attention scaling");
        JsonNode invFreq = Fixtures.field(ref, "inv_freq");
        float[] ours = rope.invFreq();
        assertEquals(invFreq.size(), ours.length, entry + ": rotary frequencies");
        for (int i = 0; i < ours.length; i++) {
            double expected = invFreq.get(i).asDouble();
            assertEquals(expected, ours[i], Math.abs(expected) * 1e-6, entry + ": inv_freq[" + i + "]");
        }
    }
}
