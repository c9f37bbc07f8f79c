package io.qwenstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.local.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./qwenstream soak} against a pipeline of its own (it kills processes): a few requests, a second worker
 * in the group, one worker SIGKILLed mid-generation and restarted; every request answered exactly once with the
 * text its stream showed, and the pipeline left as {@code up} made it.
 */
class SoakEndToEndTest {

    @TempDir
    static Path stateDir;

    @Test
    void aWorkerKilledMidGenerationLosesDuplicatesAndSplicesNothing() throws Exception {
        try (Pipeline pipeline = Pipeline.up(stateDir)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = new Launcher(
                            pipeline.root,
                            stateDir,
                            new PrintStream(out, true, StandardCharsets.UTF_8),
                            new PrintStream(err, true, StandardCharsets.UTF_8))
                    .run(List.of(
                            "soak",
                            "--requests",
                            "8",
                            "--rate",
                            "1",
                            "--kills",
                            "1",
                            "--broker-restarts",
                            "0",
                            "--max-tokens",
                            "300",
                            "--timeout",
                            "240",
                            "--json"));
            String run = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
            assertEquals(0, status, run);
            JsonNode report = Pipeline.json().readTree(out.toByteArray());
            assertEquals(8, report.path("final_responses").asInt(), run);
            assertEquals(0, report.path("lost").asInt(-1), run);
            assertEquals(0, report.path("duplicated").asInt(-1), run);
            assertEquals(0, report.path("spliced").asInt(-1), run);
            assertEquals(0, report.path("errors").asInt(-1), run);
            assertEquals(1, report.path("kills").size(), run);
            JsonNode kill = report.path("kills").get(0);
            assertTrue(kill.path("restarted_ready_ms").asLong(-1) > 0, run);
            if (kill.path("in_flight").asInt() > 0) {
                assertTrue(kill.path("all_resumed_ms").asLong(-1) > 0, () -> "each request it ran resumed: " + run);
            }
            String state = Files.readString(stateDir.resolve("state.json"));
            assertFalse(state.contains("inference-worker-2"), "the soak's extra worker is gone: " + state);
        }
    }
}
