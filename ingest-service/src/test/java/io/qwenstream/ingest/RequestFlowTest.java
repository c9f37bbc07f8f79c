package io.qwenstream.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.qwenstream.local.kafka.Topics;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.ConversationHistory;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.ResponseStatus;
import io.qwenstream.schemas.Role;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ingest service against a real broker: raw records in on qwen.requests, and what comes out on
 * qwen.inference, qwen.responses and qwen.requests.dlq.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaBroker.class, restrictToAnnotatedClass = true)
class RequestFlowTest {

    private static KafkaProducer<byte[], byte[]> producer;
    private static TopicReader inference;
    private static TopicReader responses;
    private static TopicReader deadLetters;

    @Inject
    ConversationStore conversations;

    @TestHTTPResource("/")
    URI http;

    @BeforeAll
    static void clients() {
        String bootstrap = KafkaBroker.kafka.bootstrapServers();
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES);
        producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
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

    // ---------------------------------------------------------------- helpers

    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private static String chat(String requestId, String extra) {
        return json("{'schema_version':1,'request_id':'" + requestId + "','task':'chat',"
                + "'messages':[{'role':'user','content':'Hello there'}]" + extra + "}");
    }

    private static RecordMetadata send(String key, byte[] value, String... headers) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                Topics.REQUESTS, null, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
        for (int i = 0; i < headers.length; i += 2)
            record.headers().add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        try {
            return producer.send(record).get();
        } catch (Exception e) {
            throw new AssertionError("cannot produce: " + e, e);
        }
    }

    private static RecordMetadata send(String key, String value) {
        return send(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static PreparedRequest prepared(String requestId) {
        var record = inference.await(
                "PreparedRequest " + requestId,
                r -> Messages.fromJson(r.value(), PreparedRequest.class)
                        .requestId()
                        .equals(requestId));
        return Messages.fromJson(record.value(), PreparedRequest.class);
    }

    private static InferenceResponse response(String requestId) {
        var record = responses.await("response " + requestId, r -> requestId.equals(TopicReader.key(r)));
        InferenceResponse response = Messages.fromJson(record.value(), InferenceResponse.class);
        assertEquals(requestId, response.requestId());
        return response;
    }

    /** A bad record: its precise error response, and its unchanged copy on the DLQ with the dlq.* headers. */
    private record Bad(String name, String key, byte[] value, String expectedRequestId, String code, String field) {}

    // ---------------------------------------------------------------- tests

    @Test
    void everyKindOfBadInputGetsItsErrorAndADeadLetterWhileGoodTrafficFlows() {
        byte[] invalidUtf8 =
                json("{'schema_version':1,'request_id':'bad-utf8','task':'chat','messages':[{'role':'user','content':'caf\u00e9'}]}")
                        .getBytes(StandardCharsets.ISO_8859_1); // é as the single Latin-1 byte 0xE9: not UTF-8
        String longPrompt = "hello ".repeat(41_000); // the tiny model's context is 40,960 tokens
        byte[] tooLarge = chat("too-large", ",'metadata':{'pad':'" + "x".repeat(600 * 1024) + "'}")
                .getBytes(StandardCharsets.UTF_8);
        List<Bad> bad = List.of(
                new Bad(
                        "unparseable",
                        "key-of-broken",
                        "{\"request_id\": \"broken\", ".getBytes(StandardCharsets.UTF_8),
                        "key-of-broken",
                        "invalid_json",
                        null),
                new Bad("empty", "key-of-empty", new byte[0], "key-of-empty", "invalid_json", null),
                new Bad("tombstone", "key-of-null", null, "key-of-null", "invalid_json", null),
                new Bad(
                        "no key, no id",
                        null,
                        "[1,2".getBytes(StandardCharsets.UTF_8),
                        "unknown",
                        "invalid_json",
                        null),
                new Bad("invalid utf-8", "k", invalidUtf8, "bad-utf8", "invalid_utf8", null),
                new Bad(
                        "wrong type",
                        "k",
                        chat("wrong-type", ",'sampling':{'temperature':'hot'}").getBytes(StandardCharsets.UTF_8),
                        "wrong-type",
                        "schema_violation",
                        "/sampling/temperature"),
                new Bad(
                        "unknown task",
                        "k",
                        json("{'schema_version':1,'request_id':'poem','task':'poem','messages':[{'role':'user','content':'hi'}]}")
                                .getBytes(StandardCharsets.UTF_8),
                        "poem",
                        "unknown_task",
                        "/task"),
                new Bad(
                        "empty messages",
                        "k",
                        json("{'schema_version':1,'request_id':'no-messages','task':'chat','messages':[]}")
                                .getBytes(StandardCharsets.UTF_8),
                        "no-messages",
                        "empty_messages",
                        "/messages"),
                new Bad(
                        "out of range",
                        "k",
                        chat("top-p", ",'sampling':{'top_p':1.5}").getBytes(StandardCharsets.UTF_8),
                        "top-p",
                        "out_of_range",
                        "/sampling/top_p"),
                new Bad(
                        "greedy thinking",
                        "k",
                        chat("greedy", ",'sampling':{'temperature':0}").getBytes(StandardCharsets.UTF_8),
                        "greedy",
                        "greedy_in_thinking_mode",
                        "/sampling/temperature"),
                new Bad(
                        "prompt too long",
                        "k",
                        json("{'schema_version':1,'request_id':'long','task':'chat','messages':[{'role':'user','content':'"
                                        + longPrompt + "'}]}")
                                .getBytes(StandardCharsets.UTF_8),
                        "long",
                        "prompt_too_long",
                        null),
                new Bad("too large", "k", tooLarge, "too-large", "record_too_large", null));

        List<String> goodIds = new ArrayList<>();
        List<RecordMetadata> sent = new ArrayList<>();
        for (int i = 0; i < bad.size(); i++) {
            sent.add(send(bad.get(i).key(), bad.get(i).value()));
            String good = "good-" + i;
            goodIds.add(good);
            send(good, chat(good, ""));
        }

        for (String id : goodIds) {
            PreparedRequest p = prepared(id);
            assertTrue(p.prompt().endsWith("<|im_start|>assistant\n"), p.prompt());
        }
        for (int i = 0; i < bad.size(); i++) {
            Bad b = bad.get(i);
            RecordMetadata at = sent.get(i);
            InferenceResponse r = response(b.expectedRequestId());
            assertEquals(ResponseStatus.ERROR, r.status(), b.name());
            assertEquals(FinishReason.ERROR, r.finishReason(), b.name());
            assertEquals(b.code(), r.error().code().wire(), b.name() + ": " + r.error());
            assertEquals(b.field(), r.error().field(), b.name() + ": " + r.error());

            var dead = deadLetters.await(
                    "dead letter of " + b.name(),
                    d -> String.valueOf(at.offset()).equals(TopicReader.header(d, "dlq.offset"))
                            && String.valueOf(at.partition()).equals(TopicReader.header(d, "dlq.partition")));
            assertArrayEquals(b.value(), dead.value(), b.name());
            assertEquals(b.key(), TopicReader.key(dead), b.name());
            assertEquals(b.code(), TopicReader.header(dead, "dlq.reason"), b.name());
            assertEquals(r.error().message(), TopicReader.header(dead, "dlq.message"), b.name());
            assertEquals(b.field(), TopicReader.header(dead, "dlq.field"), b.name());
            assertEquals(Topics.REQUESTS, TopicReader.header(dead, "dlq.topic"), b.name());
        }
        assertTrue(
                inference
                        .all(r -> Arrays.stream(new String[] {
                                    "broken",
                                    "bad-utf8",
                                    "wrong-type",
                                    "poem",
                                    "no-messages",
                                    "top-p",
                                    "greedy",
                                    "long",
                                    "too-large"
                                })
                                .anyMatch(id -> id.equals(TopicReader.key(r))))
                        .isEmpty(),
                "no refused request reaches qwen.inference");
    }

    @Test
    void aDuplicateRequestIdYieldsOnePreparedRequest() {
        send("dup-1", chat("dup-1", ""));
        send("dup-1", chat("dup-1", ",'sampling':{'seed':2}"));
        // Same key, same partition, so processed after both copies: once it is out, the duplicate had its turn.
        send("dup-1", chat("dup-1-sentinel", ""));
        prepared("dup-1-sentinel");
        assertEquals(1, inference.all(r -> "dup-1".equals(TopicReader.key(r))).size());
        assertTrue(responses.all(r -> "dup-1".equals(TopicReader.key(r))).isEmpty(), "a duplicate is not an error");
        assertTrue(metrics().contains("qwenstream_ingest_duplicates_dropped_total 1.0"), "duplicates metric");
    }

    @Test
    void theTraceOfTheIncomingRecordContinuesOnEveryRecordSent() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String parent = "00-" + traceId + "-00f067aa0ba902b7-01";
        send("traced", chat("traced", "").getBytes(StandardCharsets.UTF_8), "traceparent", parent);
        var record = inference.await("traced", r -> "traced".equals(TopicReader.key(r)));
        String traceparent = TopicReader.header(record, "traceparent");
        assertTrue(traceparent != null && traceparent.startsWith("00-" + traceId + "-"), "traceparent " + traceparent);
        assertNotEquals(parent, traceparent, "a child span, not the producer's");
        assertEquals(1, countHeaders(record, "traceparent"));

        send("traced-bad", "{oops".getBytes(StandardCharsets.UTF_8), "traceparent", parent);
        var error = responses.await("traced-bad", r -> "traced-bad".equals(TopicReader.key(r)));
        assertTrue(TopicReader.header(error, "traceparent").startsWith("00-" + traceId + "-"));
        var dead = deadLetters.await("traced-bad", r -> "traced-bad".equals(TopicReader.key(r)));
        assertEquals(1, countHeaders(dead, "traceparent"));
        assertTrue(TopicReader.header(dead, "traceparent").startsWith("00-" + traceId + "-"));
    }

    private static int countHeaders(
            org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record, String name) {
        int n = 0;
        for (var h : record.headers().headers(name)) n++;
        return n;
    }

    /** A turn sent right after the previous one was stored has it in its history: no waiting for the store. */
    @Test
    void aConversationsStoredHistoryIsPrependedAndKeysTheRecord() throws Exception {
        ConversationHistory history = ConversationHistory.of(
                "conv-1",
                List.of(
                        ChatMessage.user("My name is Ada. /no_think"),
                        ChatMessage.assistant("Nice to meet you, Ada.")));
        producer.send(new ProducerRecord<>(
                        Topics.CONVERSATIONS, "conv-1".getBytes(StandardCharsets.UTF_8), Messages.toJson(history)))
                .get();
        send(
                "turn-2",
                json("{'schema_version':1,'request_id':'turn-2','conversation_id':'conv-1','task':'chat',"
                        + "'messages':[{'role':'user','content':'What is my name?'}]}"));
        var record = inference.await("turn-2", r -> "conv-1".equals(TopicReader.key(r)));
        PreparedRequest p = Messages.fromJson(record.value(), PreparedRequest.class);
        assertEquals("turn-2", p.requestId());
        assertEquals(
                List.of(Role.USER, Role.ASSISTANT, Role.USER),
                p.messages().stream().map(ChatMessage::role).toList());
        assertTrue(p.prompt().contains("Nice to meet you, Ada."), p.prompt());
        assertFalse(p.thinking().enabled(), "the /no_think of the first turn still holds");
    }

    /** Read your writes: every turn stored before the store is asked is in its answer. */
    @Test
    void theStoreHasEveryTurnStoredBeforeItIsAsked() throws Exception {
        for (int i = 0; i < 5; i++) {
            String conversation = "conv-stored-" + i;
            ConversationHistory history = ConversationHistory.of(
                    conversation, List.of(ChatMessage.user("Question " + i), ChatMessage.assistant("Answer " + i)));
            producer.send(new ProducerRecord<>(
                            Topics.CONVERSATIONS,
                            conversation.getBytes(StandardCharsets.UTF_8),
                            Messages.toJson(history)))
                    .get();
            assertEquals(history.messages(), conversations.history(conversation), conversation);
        }
    }

    @Test
    void readyOnceTheTokenizerIsLoadedAndCounting() throws Exception {
        send("metric-probe", "not json");
        response("metric-probe");
        HttpResponse<String> ready = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(http.resolve("/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("\"tokenizer\""), ready.body());
        String metrics = metrics();
        assertTrue(metrics.contains("qwenstream_ingest_requests_refused_total{code=\"invalid_json\""), metrics);
        assertTrue(metrics.contains("qwenstream_ingest_prompt_tokens"), metrics);
    }

    private String metrics() {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(http.resolve("/q/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
