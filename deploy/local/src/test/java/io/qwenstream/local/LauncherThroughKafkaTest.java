package io.qwenstream.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.local.kafka.LocalKafka;
import io.qwenstream.local.kafka.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ask and send against a real broker. The services are not part of this module: a small
 * stand-in answers on the response topics the way the pipeline does (deltas, then the final
 * InferenceResponse; an error with the key as request_id for unreadable input).
 */
class LauncherThroughKafkaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalKafka kafka;
    private static Thread responder;
    private static volatile boolean running = true;
    private static final ConcurrentLinkedQueue<ConsumerRecord<byte[], byte[]>> REQUESTS = new ConcurrentLinkedQueue<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBrokerAndStandIn() {
        kafka = LocalKafka.start(null);
        kafka.createTopics(Topics.defaults());
        responder = Thread.ofPlatform().name("stand-in-pipeline").start(LauncherThroughKafkaTest::respond);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        running = false;
        responder.join(10_000);
        kafka.close();
    }

    /** Answers every request: "fail" in the text gives an error response; unreadable JSON an invalid_json error. */
    private static void respond() {
        Map<String, Object> consumerConfig = kafka.clientConfig();
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "stand-in");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer =
                        new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                var producer = new KafkaProducer<>(
                        kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            consumer.subscribe(List.of(Topics.REQUESTS));
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    REQUESTS.add(record);
                    for (ProducerRecord<byte[], byte[]> answer : answers(record)) producer.send(answer);
                }
                producer.flush();
            }
        }
    }

    private static List<ProducerRecord<byte[], byte[]>> answers(ConsumerRecord<byte[], byte[]> record) {
        List<ProducerRecord<byte[], byte[]>> answers = new ArrayList<>();
        ObjectNode response = JSON.createObjectNode().put("schema_version", 1);
        JsonNode request;
        try {
            request = JSON.readTree(record.value());
        } catch (IOException e) {
            request = null;
        }
        if (request == null || !request.path("request_id").isTextual()) {
            response.put(
                    "request_id", record.key() == null ? "unknown" : new String(record.key(), StandardCharsets.UTF_8));
            response.put("status", "error").put("finish_reason", "error");
            response.putObject("error").put("code", "invalid_json").put("message", "the record is not JSON");
        } else {
            String id = request.path("request_id").asText();
            response.put("request_id", id);
            String text = request.path("messages")
                    .path(0)
                    .path("content")
                    .asText(request.path("text").asText());
            if (text.contains("fail")) {
                response.put("status", "error").put("finish_reason", "error");
                response.putObject("error")
                        .put("code", "out_of_range")
                        .put("message", "max_tokens too large")
                        .put("field", "/sampling/max_tokens");
            } else {
                answers.add(delta(id, 0, "thinking", "Let me "));
                answers.add(delta(id, 1, "thinking", "think."));
                answers.add(delta(id, 1, "thinking", "think.")); // a redelivery: printed once
                answers.add(delta(id, 2, "content", "Paris"));
                response.put("status", "ok")
                        .put("finish_reason", "stop")
                        .put("thinking", "Let me think.")
                        .put("content", "Paris.");
            }
        }
        answers.add(new ProducerRecord<>(
                Topics.RESPONSES,
                response.path("request_id").asText().getBytes(StandardCharsets.UTF_8),
                response.toString().getBytes(StandardCharsets.UTF_8)));
        return answers;
    }

    private static ProducerRecord<byte[], byte[]> delta(String id, int seq, String kind, String text) {
        ObjectNode delta = JSON.createObjectNode()
                .put("schema_version", 1)
                .put("request_id", id)
                .put("seq", seq)
                .put("kind", kind)
                .put("text", text);
        return new ProducerRecord<>(
                Topics.RESPONSES_STREAM,
                id.getBytes(StandardCharsets.UTF_8),
                delta.toString().getBytes(StandardCharsets.UTF_8));
    }

    private record Run(int status, String out, String err) {}

    private Run launch(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = new Launcher(
                        tmp,
                        tmp.resolve(".qwenstream"),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(List.of(args));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private ConsumerRecord<byte[], byte[]> lastRequest() {
        ConsumerRecord<byte[], byte[]> last = null;
        for (var record : REQUESTS) last = record;
        return last;
    }

    /** Its output is no terminal (as with {@code ./qwenstream ask … > file}): plain text, no escape codes. */
    @Test
    void askStreamsThinkingThenTheAnswerWithNoEscapeCodesOffATerminal() throws Exception {
        Run run = launch(
                "ask",
                "--bootstrap-server",
                kafka.bootstrapServers(),
                "--max-tokens",
                "8",
                "What is the capital of France?");
        assertEquals(0, run.status(), run.err());
        assertEquals("Let me think.\nParis.\n", run.out());

        ConsumerRecord<byte[], byte[]> request = lastRequest();
        JsonNode sent = JSON.readTree(request.value());
        assertEquals(sent.path("request_id").asText(), new String(request.key(), StandardCharsets.UTF_8));
        assertEquals(8, sent.path("sampling").path("max_tokens").asInt());
        assertTrue(sent.path("stream").asBoolean());
        String traceparent =
                new String(request.headers().lastHeader("traceparent").value(), StandardCharsets.US_ASCII);
        assertTrue(traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), traceparent);
    }

    @Test
    void askJsonPrintsTheFinalResponseAndAnErrorExitsNonZero() throws Exception {
        Run ok = launch("ask", "--json", "--bootstrap-server", kafka.bootstrapServers(), "hello");
        assertEquals(0, ok.status(), ok.err());
        JsonNode response = JSON.readTree(ok.out());
        assertEquals("ok", response.path("status").asText());
        assertEquals("Paris.", response.path("content").asText());

        Run failed = launch("ask", "--json", "--bootstrap-server", kafka.bootstrapServers(), "please fail");
        assertEquals(Launcher.ERROR_RESPONSE, failed.status());
        assertEquals(
                "out_of_range",
                JSON.readTree(failed.out()).path("error").path("code").asText());
        assertEquals("error: out_of_range: max_tokens too large (field /sampling/max_tokens)\n", failed.err());
    }

    @Test
    void sendProducesTheFileUnchangedAndPrintsTheResponseForItsKey() throws Exception {
        byte[] malformed = "{\"request_id\": \"half".getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(tmp.resolve("bad.json"), malformed);
        Run run = launch(
                "send", "--bootstrap-server", kafka.bootstrapServers(), "--file", file.toString(), "--key", "raw-1");
        assertEquals(0, run.status(), run.err());
        JsonNode response = JSON.readTree(run.out());
        assertEquals("raw-1", response.path("request_id").asText());
        assertEquals("invalid_json", response.path("error").path("code").asText());

        ConsumerRecord<byte[], byte[]> request = lastRequest();
        assertEquals("raw-1", new String(request.key(), StandardCharsets.UTF_8));
        assertEquals(
                new String(malformed, StandardCharsets.UTF_8), new String(request.value(), StandardCharsets.UTF_8));
        assertNotNull(request.headers().lastHeader("traceparent"));
    }

    @Test
    void sendOfAReadableRequestMatchesItsRequestId() throws Exception {
        Path file = Files.writeString(tmp.resolve("ok.json"), """
                {"schema_version":1,"request_id":"file-42","task":"chat","messages":[{"role":"user","content":"hi"}]}""");
        Run run = launch("send", "--bootstrap-server", kafka.bootstrapServers(), "--file", file.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals("file-42", JSON.readTree(run.out()).path("request_id").asText());
        assertEquals(null, lastRequest().key());
    }

    @Test
    void aRecordOverOneMebibyteIsRefusedWithAClearMessage() throws Exception {
        Path file = Files.write(tmp.resolve("huge.json"), new byte[Topics.MAX_MESSAGE_BYTES + 10]);
        Run run = launch(
                "send", "--bootstrap-server", kafka.bootstrapServers(), "--file", file.toString(), "--timeout", "5");
        assertEquals(Launcher.FAILED, run.status());
        assertTrue(run.err().contains("larger than the 1048576-byte record limit"), run.err());
    }
}
