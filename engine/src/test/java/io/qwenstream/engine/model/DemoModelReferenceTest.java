package io.qwenstream.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.ReferenceCheck;
import io.qwenstream.engine.load.LoadedModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped demo model (tools/demo-model/qwenstream-demo.Q8_0.gguf.gz, docs/demo-model.md)
 * against transformers 5.17 run in float32 on the very weights of that file (reference.py
 * dequantises its Q8_0 tensors as ggml does): the fixtures' float32 tolerances hold, as for the
 * other reference models. The sequences are chat prompts and the model's own greedy answers, so
 * the logits are those of a trained model (peaked, large), not of random weights.
 */
class DemoModelReferenceTest {

    @TempDir
    static Path temp;

    static Path gguf;

    @BeforeAll
    static void unpack() throws IOException {
        gguf = temp.resolve("qwenstream-demo.Q8_0.gguf");
        try (InputStream in =
                new GZIPInputStream(Files.newInputStream(dir().resolve("qwenstream-demo.Q8_0.gguf.gz")))) {
            Files.copy(in, gguf);
        }
    }

    static Path dir() {
        String configured = System.getProperty("qwenstream.demo-model");
        return configured != null
                ? Path.of(configured)
                : Fixtures.root().resolveSibling("tools").resolve("demo-model");
    }

    static JsonNode reference() throws IOException {
        return Fixtures.JSON.readTree(Files.readString(dir().resolve("results/reference.json")));
    }

    @Test
    void matchesTransformersOnTheSameWeights() throws IOException {
        JsonNode ref = reference();
        assertEquals("5.17.0", ref.path("transformers").asText(), "the reference's transformers");
        try (LoadedModel engine = LoadedModel.load(gguf, null)) {
            ReferenceCheck.assertExact(engine, ref.path("models").path("qwenstream-demo"), "qwenstream-demo.Q8_0.gguf");
        }
    }

    /**
     * The rows of the tokens the model never saw (all but the 3,235 of results/used_ids.json) are
     * exactly zero, which is what makes the file compress to a sixth: each gives logit exactly 0, as
     * the training loss counted them.
     */
    @Test
    void unusedTokensGiveLogitExactlyZero() throws IOException {
        JsonNode seq = reference()
                .path("models")
                .path("qwenstream-demo")
                .get("sequences")
                .get(0);
        int[] ids = Fixtures.ints(Fixtures.field(seq, "ids"));
        int[] used = Fixtures.ints(Fixtures.JSON.readTree(Files.readString(dir().resolve("results/used_ids.json"))));
        try (LoadedModel engine = LoadedModel.load(gguf, null)) {
            Qwen3Model model = engine.model();
            Qwen3Model.State state = model.newState(ids.length, KvPrecision.F32);
            for (int p = 0; p < ids.length; p++) model.forward(state, ids[p], p, true);
            float[] logits = state.logits();
            boolean[] trained = new boolean[logits.length];
            for (int id : used) trained[id] = true;
            int nonZeroUnused = 0;
            for (int t = 0; t < logits.length; t++) if (!trained[t] && logits[t] != 0f) nonZeroUnused++;
            assertEquals(0, nonZeroUnused, "unused tokens with a logit other than 0");
            assertEquals(3235, used.length, "trained tokens");
        }
    }
}
