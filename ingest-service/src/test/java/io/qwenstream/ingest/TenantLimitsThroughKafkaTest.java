package io.qwenstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.qwenstream.local.Topics;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.ResponseStatus;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-tenant limits through a real broker, with the test profile's tenants: {@code test-rate} and
 * {@code test-rate-http} may send one request per 1,000 s, {@code test-busy} may run one generation at once.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaBroker.class, restrictToAnnotatedClass = true)
class TenantLimitsThroughKafkaTest {

    private static KafkaProducer<byte[], byte[]> producer;
    private static TopicReader inference;
    private static TopicReader responses;
    private static TopicReader deadLetters;

    @Inject
    TenantLimits limits;

    @TestHTTPResource("/")
    URI http;

    @BeforeAll
    static void clients() {
        String bootstrap = KafkaBroker.kafka.bootstrapServers();
        producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        inference = new TopicReader(bootstrap, Topics.INFERENCE);
        responses = new TopicReader(bootstrap, Topics.RESPONSES);
        deadLetters = new TopicReader(bootstrap, Topics.REQUESTS_DLQ);
    }

    @AfterAll
    static void close() {
        producer.close(Duration.ofSeconds(2));
        inference.close();
        responses.close();
        deadLetters.close();
    }

    @Test
    void aTenantOverItsRateGetsRateLimitedAndItsRecordIsDeadLettered() {
        send("rate-1", "test-rate");
        accepted("rate-1");
        send("rate-2", "test-rate");
        InferenceResponse refused = response("rate-2");
        assertEquals(ResponseStatus.ERROR, refused.status());
        assertEquals(ErrorCode.RATE_LIMITED, refused.error().code());
        assertEquals("/tenant", refused.error().field());
        var deadLetter = deadLetters.await("rate-2 on the DLQ", r -> "rate-2".equals(TopicReader.key(r)));
        assertEquals("rate_limited", TopicReader.header(deadLetter, RequestFlow.DLQ_REASON));
        send("rate-3", "another-tenant"); // other tenants are not held back
        accepted("rate-3");
    }

    @Test
    void aTenantAtItsConcurrentGenerationsWaitsForAnAnswer() throws InterruptedException {
        send("busy-1", "test-busy");
        accepted("busy-1");
        send("busy-2", "test-busy");
        InferenceResponse refused = response("busy-2");
        assertEquals(ErrorCode.TOO_MANY_CONCURRENT, refused.error().code());
        // busy-1's final response, as the post-processor writes it, frees its place once ingest has read it.
        producer.send(new ProducerRecord<>(
                Topics.RESPONSES,
                utf8("busy-1"),
                Messages.toJson(InferenceResponse.error(
                        "busy-1", new ErrorDetail(ErrorCode.CANCELLED, "cancelled by the test", null)))));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (limits.running("test-busy") > 0) {
            if (System.nanoTime() > deadline) throw new AssertionError("busy-1's response never freed its place");
            Thread.sleep(20);
        }
        send("busy-3", "test-busy");
        accepted("busy-3");
    }

    @Test
    void theOpenAiApiAnswers429InOpenAisShape() throws Exception {
        send("http-1", "test-rate-http");
        accepted("http-1");
        HttpResponse<String> answer = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(http.resolve("/v1/chat/completions"))
                                .header("Content-Type", "application/json")
                                .header("X-Tenant", "test-rate-http")
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                "{\"model\":\"qwenstream\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(429, answer.statusCode(), answer.body());
        JsonNode error = Messages.mapper().readTree(answer.body()).path("error");
        assertEquals("rate_limited", error.path("code").asText(), answer.body());
        assertEquals("requests", error.path("type").asText(), answer.body());
        assertEquals("tenant", error.path("param").asText(), answer.body());
    }

    private static void send(String requestId, String tenant) {
        String request = "{\"schema_version\":1,\"request_id\":\"" + requestId + "\",\"tenant\":\"" + tenant
                + "\",\"task\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
        try {
            producer.send(new ProducerRecord<>(Topics.REQUESTS, utf8(requestId), utf8(request)))
                    .get();
        } catch (Exception e) {
            throw new AssertionError("cannot produce: " + e, e);
        }
    }

    private static void accepted(String requestId) {
        inference.await(
                "PreparedRequest " + requestId,
                r -> Messages.fromJson(r.value(), PreparedRequest.class)
                        .requestId()
                        .equals(requestId));
    }

    private static InferenceResponse response(String requestId) {
        var record = responses.await("response " + requestId, r -> requestId.equals(TopicReader.key(r)));
        return Messages.fromJson(record.value(), InferenceResponse.class);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
