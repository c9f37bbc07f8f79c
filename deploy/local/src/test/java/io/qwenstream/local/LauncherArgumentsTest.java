package io.qwenstream.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.local.client.AskOptions;
import io.qwenstream.local.client.CommandLine.UsageException;
import io.qwenstream.local.client.PipelineClient;
import io.qwenstream.local.client.SendOptions;
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
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The launcher's argument parsing and the InferenceRequests that ask builds (no broker). */
class LauncherArgumentsTest {

    private final ObjectMapper json = new ObjectMapper();

    private final MessageValidator validator = new MessageValidator();

    /** The request ask builds, checked against InferenceRequest.schema.json, as a JSON tree. */
    private JsonNode request(String... args) throws Exception {
        byte[] request = Messages.toJson(AskOptions.parse(List.of(args)).toRequest("req-1"));
        Validation<InferenceRequest> validation = validator.validateRequest(request);
        assertInstanceOf(Validation.Valid.class, validation, () -> validation.toString());
        return json.readTree(request);
    }

    @Test
    void plainAskIsAStreamingChatWithOneUserMessageAndServiceDefaults() throws Exception {
        assertEquals(json.readTree("""
                {"schema_version":1,"request_id":"req-1","task":"chat",
                 "messages":[{"role":"user","content":"What is Kafka?"}],"stream":true}"""), request("What is Kafka?"));
        AskOptions options = AskOptions.parse(List.of("What is Kafka?"));
        assertFalse(options.json());
        assertEquals(Duration.ofSeconds(120), options.timeout());
        assertNull(options.bootstrapServer());
    }

    @Test
    void wordsAfterTheOptionsFormTheText() throws Exception {
        assertEquals(
                "hello there world",
                request("hello", "there", "--json", "world")
                        .path("messages")
                        .get(0)
                        .path("content")
                        .asText());
        assertEquals(
                "--not-an-option",
                request("--", "--not-an-option")
                        .path("messages")
                        .get(0)
                        .path("content")
                        .asText());
    }

    @Test
    void thinkingSwitchBudgetMaxTokensAndConversation() throws Exception {
        assertEquals(
                json.readTree("{\"enabled\":false}"),
                request("--no-think", "hi").path("thinking"));
        assertEquals(
                json.readTree("{\"enabled\":true,\"budget_tokens\":16}"),
                request("--thinking-budget", "16", "hi").path("thinking"));
        assertEquals(
                json.readTree("{\"max_tokens\":64}"),
                request("--max-tokens=64", "hi").path("sampling"));
        JsonNode withConversation = request("--conversation", "conv-7", "hi");
        assertEquals("conv-7", withConversation.path("conversation_id").asText());
        assertTrue(request("hi").path("thinking").isMissingNode());
        assertTrue(request("hi").path("sampling").isMissingNode());
        assertTrue(request("hi").path("conversation_id").isMissingNode());
    }

    @Test
    void softSwitchTravelsInsideTheText() throws Exception {
        // /no_think is the ingest service's business: the launcher sends the text as typed.
        JsonNode request = request("Tell me a joke /no_think");
        assertEquals(
                "Tell me a joke /no_think",
                request.path("messages").get(0).path("content").asText());
        assertTrue(request.path("thinking").isMissingNode());
    }

    @Test
    void translateAndSummarizeSendTheirTextAndOptions() throws Exception {
        assertEquals(json.readTree("""
                {"schema_version":1,"request_id":"req-1","task":"translate","text":"Good morning",
                 "translate":{"target_language":"French"},"stream":true}"""), request("--task", "translate", "--to", "French", "Good morning"));
        assertEquals(json.readTree("""
                {"schema_version":1,"request_id":"req-1","task":"summarize","text":"A long text.",
                 "summarize":{"style":"issue_resolution"},"stream":true}"""), request("--task", "summarize", "--style", "issue_resolution", "A long text."));
        JsonNode defaultStyle = request("--task", "summarize", "A long text.");
        assertTrue(defaultStyle.path("summarize").isMissingNode(), "no --style: the service's default");
    }

    @Test
    void theDemosRequestsAreValid() throws Exception {
        for (List<String> ask : Launcher.DEMO_ASKS) {
            request(ask.toArray(String[]::new));
        }
    }

    @Test
    void badAskArgumentsAreUsageErrors() {
        List<List<String>> bad = List.of(
                List.of(),
                List.of("  "),
                List.of("--task", "poem", "x"),
                List.of("--task", "translate", "x"),
                List.of("--to", "French", "x"),
                List.of("--style", "bullets", "x"),
                List.of("--task", "summarize", "--style", "haiku", "x"),
                List.of("--max-tokens", "0", "x"),
                List.of("--max-tokens", "many", "x"),
                List.of("--thinking-budget", "-1", "x"),
                List.of("--no-think", "--thinking-budget", "5", "x"),
                List.of("--timeout", "0", "x"),
                List.of("--json=yes", "x"),
                List.of("--max-tokens"),
                List.of("--max-tokens", "5", "--max-tokens", "6", "x"),
                List.of("--temperature", "0.5", "x"));
        for (List<String> args : bad) {
            assertThrows(UsageException.class, () -> AskOptions.parse(args), args.toString());
        }
    }

    @Test
    void sendNeedsAFileAndTakesAKey() {
        SendOptions options = SendOptions.parse(List.of("--file", "bad.json", "--key", "k1", "--timeout", "5"));
        assertEquals(Path.of("bad.json"), options.file());
        assertEquals("k1", options.key());
        assertEquals(Duration.ofSeconds(5), options.timeout());
        assertNull(SendOptions.parse(List.of("--file", "f")).key());
        assertThrows(UsageException.class, () -> SendOptions.parse(List.of()));
        assertThrows(UsageException.class, () -> SendOptions.parse(List.of("--file", "f", "extra")));
    }

    @Test
    void upTakesModelTokenizerDataAndTimeout() {
        UpOptions defaults = UpOptions.parse(List.of());
        assertNull(defaults.model());
        assertNull(defaults.dataDir());
        assertEquals(UpOptions.DEFAULT_TIMEOUT, defaults.timeout());
        UpOptions options =
                UpOptions.parse(List.of("--model", "m.gguf", "--tokenizer", "tok", "--data", "d", "--timeout", "30"));
        assertEquals(Path.of("m.gguf").toAbsolutePath(), options.model());
        assertEquals(Path.of("tok").toAbsolutePath(), options.tokenizer());
        assertEquals(Path.of("d").toAbsolutePath(), options.dataDir());
        assertEquals(Duration.ofSeconds(30), options.timeout());
        assertThrows(UsageException.class, () -> UpOptions.parse(List.of("now")));
    }

    @Test
    void sendMatchesThePayloadsRequestIdElseTheKeyElseUnknown() {
        byte[] readable = "{\"request_id\":\"r-9\",\"task\":42}".getBytes(StandardCharsets.UTF_8);
        assertEquals(Set.of("r-9", "unknown"), Launcher.responseIds(readable, null));
        assertEquals(Set.of("r-9", "k"), Launcher.responseIds(readable, "k"));
        byte[] malformed = "{\"request_id\":\"r-9\"".getBytes(StandardCharsets.UTF_8);
        assertEquals(Set.of("k"), Launcher.responseIds(malformed, "k"));
        assertEquals(Set.of("unknown"), Launcher.responseIds(malformed, null));
        assertEquals(
                Set.of("unknown"), Launcher.responseIds("{\"request_id\":7}".getBytes(StandardCharsets.UTF_8), null));
        assertEquals(Set.of("unknown"), Launcher.responseIds(new byte[] {(byte) 0xff, (byte) 0xfe}, null));
        // Bad UTF-8 in a text field does not hide a good id (the ingest service reads it the same way).
        byte[] badText = "{\"request_id\":\"r-1\",\"text\":\"\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(Set.of("r-1", "unknown"), Launcher.responseIds(badText, null));
    }

    @Test
    void errorsAreDescribedWithCodeMessageAndField() throws Exception {
        assertEquals(
                "out_of_range: temperature must be at most 2 (field /sampling/temperature)",
                PipelineClient.describeError(json.readTree("""
                {"status":"error","error":{"code":"out_of_range","message":"temperature must be at most 2","field":"/sampling/temperature"}}""")));
        assertEquals("invalid_json: not JSON", PipelineClient.describeError(json.readTree("""
                {"status":"error","error":{"code":"invalid_json","message":"not JSON"}}""")));
    }

    @Test
    void traceparentIsW3cVersion00Sampled() {
        String traceparent = PipelineClient.newTraceparent();
        assertTrue(traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), traceparent);
        assertFalse(traceparent.equals(PipelineClient.newTraceparent()));
    }

    @Test
    void everyVerbAnswersHelpAndUnknownVerbsAreUsageErrors() {
        for (String verb : List.of("up", "ask", "send", "down", "demo")) {
            var out = new ByteArrayOutputStream();
            int status = new Launcher(
                            Path.of("."),
                            Path.of("target/no-state"),
                            new PrintStream(out),
                            new PrintStream(new ByteArrayOutputStream()))
                    .run(List.of(verb, "--help"));
            assertEquals(Launcher.OK, status, verb);
            assertTrue(
                    out.toString().contains("./qwenstream ask")
                            || out.toString().contains("ask ["),
                    verb);
        }
        var err = new ByteArrayOutputStream();
        assertEquals(
                Launcher.USAGE,
                new Launcher(
                                Path.of("."),
                                Path.of("target/no-state"),
                                new PrintStream(new ByteArrayOutputStream()),
                                new PrintStream(err))
                        .run(List.of("launch")));
        assertTrue(err.toString().startsWith("error: unknown verb 'launch'"), err.toString());
    }

    @Test
    void askAndSendWithoutARunningClusterSayHowToStartOne() {
        var err = new ByteArrayOutputStream();
        Launcher launcher = new Launcher(
                Path.of("."),
                Path.of("target/no-state"),
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err));
        assertEquals(Launcher.FAILED, launcher.run(List.of("ask", "hello")));
        assertTrue(err.toString().contains("run ./qwenstream up first"), err.toString());
        assertEquals(Launcher.OK, launcher.run(List.of("down")), "down with nothing up is fine");
    }
}
