package io.qwenstream.benchmarks.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.local.Launcher;
import io.qwenstream.local.client.CommandLine.UsageException;
import io.qwenstream.schemas.InferenceRequest;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.Validation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bench-pipeline's arguments and the requests it sends (no broker). */
class PipelineBenchOptionsTest {

    @Test
    void defaults() {
        PipelineBenchOptions o = PipelineBenchOptions.parse(List.of());
        assertEquals(
                new PipelineBenchOptions(
                        200, 1, 32, 10, 4, PipelineBenchOptions.DEFAULT_PROMPT, false, Duration.ofSeconds(120), false),
                o);
    }

    @Test
    void everyOption() {
        PipelineBenchOptions o = PipelineBenchOptions.parse(List.of(
                "--requests",
                "50",
                "--concurrency=8",
                "--max-tokens",
                "64",
                "--warmup",
                "0",
                "--rounds",
                "2",
                "--prompt",
                "Why is the sky blue?",
                "--think",
                "--timeout",
                "30",
                "--json"));
        assertEquals(
                new PipelineBenchOptions(50, 8, 64, 0, 2, "Why is the sky blue?", true, Duration.ofSeconds(30), true),
                o);
    }

    @Test
    void badArgumentsAreUsageErrors() {
        for (List<String> args : List.of(
                List.of("--requests", "0"),
                List.of("--concurrency", "0"),
                List.of("--concurrency", "x"),
                List.of("--max-tokens", "1"),
                List.of("--warmup", "-1"),
                List.of("--rounds", "0"),
                List.of("--prompt", " "),
                List.of("--prompt"),
                List.of("--fast"),
                List.of("extra"),
                List.of("--json=yes"),
                List.of("--requests", "5", "--requests", "6"))) {
            assertThrows(UsageException.class, () -> PipelineBenchOptions.parse(args), args::toString);
        }
    }

    @Test
    void roundsSplitTheRequestsNearlyEvenly() {
        assertEquals(List.of(50, 50, 50, 50), PipelineBench.roundSizes(200, 4));
        assertEquals(List.of(4, 3, 3), PipelineBench.roundSizes(10, 3));
        assertEquals(List.of(1, 1), PipelineBench.roundSizes(2, 4), "never an empty round");
        assertEquals(List.of(7), PipelineBench.roundSizes(7, 1));
    }

    @Test
    void requestsAreValidStreamingChatsWithAFixedSeedAndTheModeDefaults() throws Exception {
        MessageValidator validator = new MessageValidator();
        ObjectMapper json = new ObjectMapper();

        byte[] off = Messages.toJson(
                PipelineBench.request("bench-1", PipelineBenchOptions.parse(List.of("--max-tokens", "16"))));
        Validation<InferenceRequest> valid = validator.validateRequest(off);
        assertInstanceOf(Validation.Valid.class, valid, valid::toString);
        assertEquals(json.readTree("""
                {"schema_version":1,"request_id":"bench-1","task":"chat",
                 "messages":[{"role":"user","content":"%s"}],
                 "thinking":{"enabled":false},
                 "sampling":{"temperature":0.7,"top_p":0.8,"top_k":20,"min_p":0.0,"presence_penalty":0.0,"seed":42,"max_tokens":16},
                 "stream":true}""".formatted(PipelineBenchOptions.DEFAULT_PROMPT)), json.readTree(off));

        JsonNode on = json.readTree(
                Messages.toJson(PipelineBench.request("bench-2", PipelineBenchOptions.parse(List.of("--think")))));
        assertTrue(on.path("thinking").path("enabled").asBoolean());
        assertEquals(0.6, on.path("sampling").path("temperature").asDouble());
        assertEquals(0.95, on.path("sampling").path("top_p").asDouble());
        assertEquals(32, on.path("sampling").path("max_tokens").asInt());
    }

    @Test
    void theVerbRefusesBadOptionsAndAPipelineThatIsNotUp() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        Path root = Path.of(".");
        Path noState = Path.of("target/no-state");
        assertEquals(Launcher.USAGE, PipelineBench.run(root, noState, List.of("--concurrency", "0"), out, errors));
        assertEquals(Launcher.FAILED, PipelineBench.run(root, noState, List.of(), out, errors));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("qwenstream is not up"), err::toString);
        assertEquals(Launcher.OK, PipelineBench.run(root, noState, List.of("--help"), out, errors));
    }
}
