package io.qwenstream.postprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.qwenstream.engine.Phase;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.ConversationHistory;
import io.qwenstream.schemas.DeltaKind;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.ResponseDelta;
import io.qwenstream.schemas.ResponseStatus;
import io.qwenstream.schemas.Task;
import io.qwenstream.schemas.Thinking;
import io.qwenstream.schemas.TokenChunk;
import io.qwenstream.schemas.TranslateOptions;
import io.qwenstream.schemas.Usage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The service on a real broker: PreparedRequests and TokenChunks in, deltas, responses and history out. */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
class PostprocessServiceTest {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final Usage USAGE = new Usage(25, 6, 3, false);
    private static final MessageValidator VALIDATOR = new MessageValidator();

    @ConfigProperty(name = "quarkus.http.test-port", defaultValue = "8081")
    int httpPort;

    private static PreparedRequest prepared(
            String id,
            Task task,
            String conversationId,
            List<ChatMessage> messages,
            TranslateOptions translate,
            long receivedAt) {
        return new PreparedRequest(
                1,
                id,
                conversationId,
                null,
                task,
                "<|im_start|>user\n…<|im_end|>\n<|im_start|>assistant\n",
                25,
                null,
                new Thinking(true, null),
                new PreparedRequest.ResolvedSampling(0.6, 0.95, 20, 0, 0, 1, 64, List.of(), false),
                translate,
                null,
                messages,
                true,
                null,
                receivedAt,
                null);
    }

    @Test
    void outOfOrderChunksWithADuplicateGiveGapFreeDeltasTheResponseAndTheHistory() {
        String id = "it-chat-1";
        long now = System.currentTimeMillis();
        List<ChatMessage> messages =
                List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!"), ChatMessage.user("How are you?"));
        // The close tag split across two chunks, as a worker flushing on a timer could cut it.
        List<TokenChunk> chunks = List.of(
                TokenChunk.of(id, 0, Phase.THINKING, "<think>\nThe user", 3),
                TokenChunk.of(id, 1, Phase.THINKING, " asks how I am.\n</thi", 5),
                TokenChunk.of(id, 2, Phase.THINKING, "nk>\n\nFine,", 3),
                TokenChunk.last(id, 3, Phase.ANSWER, " thanks!", 2, FinishReason.STOP, USAGE));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(
                    producer,
                    "qwen.inference",
                    "conv-it-1",
                    prepared(id, Task.CHAT, "conv-it-1", messages, null, now - 50));
            for (int seq : new int[] {2, 0, 3, 0, 1}) send(producer, "qwen.tokens", id, chunks.get(seq));
        }

        List<ConsumerRecord<String, byte[]>> responses = await("qwen.responses", id, records -> !records.isEmpty());
        InferenceResponse response = read(responses.getFirst(), InferenceResponse.class);
        assertEquals(ResponseStatus.OK, response.status());
        assertEquals("The user asks how I am.", response.thinking());
        assertEquals("Fine, thanks!", response.content());
        assertEquals(FinishReason.STOP, response.finishReason());
        assertEquals(USAGE, response.usage());
        assertTrue(response.timings().totalMs() >= 50, response.timings().toString());
        assertNotNull(response.timings().ttftMs());
        assertEquals(TRACEPARENT, traceparent(responses.getFirst()));

        List<ConsumerRecord<String, byte[]>> deltaRecords =
                await("qwen.responses.stream", id, records -> !records.isEmpty());
        List<ResponseDelta> deltas =
                deltaRecords.stream().map(r -> read(r, ResponseDelta.class)).toList();
        for (int i = 0; i < deltas.size(); i++) assertEquals(i, deltas.get(i).seq(), "delta seq gap-free: " + deltas);
        assertEquals(response.thinking(), joined(deltas, DeltaKind.THINKING));
        assertEquals(response.content(), joined(deltas, DeltaKind.CONTENT));
        deltaRecords.forEach(r -> assertEquals(TRACEPARENT, traceparent(r)));

        List<ConsumerRecord<String, byte[]>> history =
                await("qwen.conversations", "conv-it-1", records -> !records.isEmpty());
        ConversationHistory conversation = read(history.getLast(), ConversationHistory.class);
        assertEquals(
                List.of(
                        ChatMessage.user("Hi"),
                        ChatMessage.assistant("Hello!"),
                        ChatMessage.user("How are you?"),
                        ChatMessage.assistant("Fine, thanks!")),
                conversation.messages());
        assertEquals(TRACEPARENT, traceparent(history.getLast()));
    }

    @Test
    void translationIsCleanedAndItsSourceLanguageDetected() {
        String id = "it-translate-1";
        List<ChatMessage> messages =
                List.of(ChatMessage.user("Translate the following text into English:\n\nLe chat dort sur le canapé."));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(
                    producer,
                    "qwen.inference",
                    id,
                    prepared(
                            id,
                            Task.TRANSLATE,
                            null,
                            messages,
                            new TranslateOptions("English", null, null),
                            System.currentTimeMillis()));
            send(
                    producer,
                    "qwen.tokens",
                    id,
                    TokenChunk.of(id, 0, Phase.ANSWER, "Here is the translation:\n\"The cat", 6));
            send(
                    producer,
                    "qwen.tokens",
                    id,
                    TokenChunk.last(
                            id,
                            1,
                            Phase.ANSWER,
                            " sleeps on the couch.\"",
                            6,
                            FinishReason.STOP,
                            new Usage(30, 0, 12, false)));
        }
        InferenceResponse response =
                read(await("qwen.responses", id, r -> !r.isEmpty()).getFirst(), InferenceResponse.class);
        assertEquals(
                new InferenceResponse.Translation("The cat sleeps on the couch.", "French", "English"),
                response.translation());
        assertEquals("", response.thinking());
    }

    @Test
    void aRestartedGenerationReplacesTheOldOneAndALateChunkOfTheOldOneIsDropped() {
        String id = "it-generations-1";
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(
                    producer,
                    "qwen.inference",
                    id,
                    prepared(id, Task.CHAT, null, List.of(ChatMessage.user("x")), null, System.currentTimeMillis()));
            // Generation A: a worker that died (or was fenced) after two chunks.
            send(
                    producer,
                    "qwen.tokens",
                    id,
                    TokenChunk.of(id, 0, Phase.THINKING, "<think>\nold", 2).withGenerationId("gen-A"));
            send(
                    producer,
                    "qwen.tokens",
                    id,
                    TokenChunk.of(id, 1, Phase.ANSWER, "</think>\n\nOld answer", 3)
                            .withGenerationId("gen-A"));
            await("qwen.responses.stream", id, records -> records.size() >= 2);
            // Generation B starts again at seq 0; a late chunk of A lands between B's chunks.
            send(
                    producer,
                    "qwen.tokens",
                    id,
                    TokenChunk.of(id, 0, Phase.THINKING, "<think>\nnew", 2).withGenerationId("gen-B"));
            send(
                    producer,
                    "qwen.tokens",
                    id,
                    TokenChunk.of(id, 2, Phase.ANSWER, " more old", 2).withGenerationId("gen-A"));
            send(
                    producer,
                    "qwen.tokens",
                    id,
                    TokenChunk.of(id, 1, Phase.ANSWER, "</think>\n\nNew", 3).withGenerationId("gen-B"));
            send(
                    producer,
                    "qwen.tokens",
                    id,
                    TokenChunk.last(id, 2, Phase.ANSWER, " answer.", 2, FinishReason.STOP, USAGE)
                            .withGenerationId("gen-B"));
        }
        InferenceResponse response =
                read(await("qwen.responses", id, r -> !r.isEmpty()).getFirst(), InferenceResponse.class);
        assertEquals(ResponseStatus.OK, response.status());
        assertEquals("new", response.thinking());
        assertEquals("New answer.", response.content());

        List<ResponseDelta> deltas = await(
                        "qwen.responses.stream",
                        id,
                        records -> records.stream()
                                .anyMatch(
                                        r -> read(r, ResponseDelta.class).text().contains("answer.")))
                .stream()
                .map(r -> read(r, ResponseDelta.class))
                .toList();
        for (int i = 0; i < deltas.size(); i++) assertEquals(i, deltas.get(i).seq(), "delta seq gap-free: " + deltas);
        List<ResponseDelta> resets =
                deltas.stream().filter(d -> d.kind() == DeltaKind.RESET).toList();
        assertEquals(1, resets.size(), deltas.toString());
        assertEquals("gen-B", resets.getFirst().generationId());
        List<ResponseDelta> afterReset = deltas.subList(deltas.indexOf(resets.getFirst()) + 1, deltas.size());
        assertTrue(afterReset.stream().allMatch(d -> "gen-B".equals(d.generationId())), afterReset.toString());
        assertEquals(response.thinking(), joined(afterReset, DeltaKind.THINKING));
        assertEquals(response.content(), joined(afterReset, DeltaKind.CONTENT));
        // Every chunk was read before the transaction that wrote the last delta: it holds any response there is.
        assertEquals(1, await("qwen.responses", id, r -> !r.isEmpty()).size(), "exactly one final response");
    }

    @Test
    void anUnreadableChunkEndsItsRequestWithAnErrorResponse() {
        String id = "it-broken-1";
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(
                    producer,
                    "qwen.inference",
                    id,
                    prepared(id, Task.CHAT, null, List.of(ChatMessage.user("x")), null, System.currentTimeMillis()));
            send(producer, "qwen.tokens", id, TokenChunk.of(id, 0, Phase.ANSWER, "partial answer", 2));
            producer.send(new ProducerRecord<>(
                    "qwen.tokens", id, "{\"request_id\":\"it-broken-1\",\"seq\":".getBytes(StandardCharsets.UTF_8)));
        }
        InferenceResponse response =
                read(await("qwen.responses", id, r -> !r.isEmpty()).getFirst(), InferenceResponse.class);
        assertEquals(ResponseStatus.ERROR, response.status());
        assertEquals(FinishReason.ERROR, response.finishReason());
        assertEquals(ErrorCode.INTERNAL, response.error().code());
        assertTrue(
                response.error().message().contains("invalid_json"),
                response.error().message());
        assertEquals("partial answer", response.content());
    }

    @Test
    void metricsCountResponsesTokensAndDuplicates() throws Exception {
        String id = "it-metrics-1";
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(
                    producer,
                    "qwen.inference",
                    id,
                    prepared(id, Task.CHAT, null, List.of(ChatMessage.user("x")), null, System.currentTimeMillis()));
            TokenChunk first = TokenChunk.of(id, 0, Phase.THINKING, "<think>\nhm</think>", 3);
            send(producer, "qwen.tokens", id, first);
            send(producer, "qwen.tokens", id, first);
            send(
                    producer,
                    "qwen.tokens",
                    id,
                    TokenChunk.last(id, 1, Phase.ANSWER, "\n\nok", 2, FinishReason.STOP, USAGE));
        }
        await("qwen.responses", id, r -> !r.isEmpty());
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(
                metrics.lines()
                        .anyMatch(l -> l.startsWith("qwen_postprocess_responses_total")
                                && l.contains("finish_reason=\"stop\"")),
                metrics);
        assertTrue(metrics.lines()
                .anyMatch(l -> l.startsWith("qwen_postprocess_tokens_total") && l.contains("kind=\"thinking\"")));
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("qwen_postprocess_chunks_duplicate_total")));
    }

    private static String joined(List<ResponseDelta> deltas, DeltaKind kind) {
        return deltas.stream()
                .filter(d -> d.kind() == kind)
                .map(ResponseDelta::text)
                .collect(Collectors.joining());
    }

    /** Every output is valid against its schema before it is read as a record. */
    private static <T> T read(ConsumerRecord<String, byte[]> record, Class<T> type) {
        var validation = VALIDATOR.validate(type, record.value());
        assertTrue(validation.isValid(), () -> type.getSimpleName() + " invalid: " + validation.error());
        return validation.value();
    }

    private static String traceparent(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader("traceparent");
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        LocalKafkaResource.bootstrapServers(),
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, Object message) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, Messages.toJson(message));
        record.headers().add("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8));
        producer.send(record);
        producer.flush();
    }

    /** Reads a topic from the start (committed records only) until the records of {@code key} satisfy {@code done}. */
    private static List<ConsumerRecord<String, byte[]>> await(
            String topic, String key, Predicate<List<ConsumerRecord<String, byte[]>>> done) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        LocalKafkaResource.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(record.key())) found.add(record);
                }
                if (done.test(found)) {
                    // A little longer, to catch anything that should not be there (a second response, say).
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                        if (key.equals(r.key())) found.add(r);
                    });
                    if (topic.equals("qwen.responses")) assertEquals(1, found.size(), "one response per request");
                    return found;
                }
            }
            throw new AssertionError(
                    "no complete output for " + key + " on " + topic + " within 60 s; got " + found.size());
        }
    }
}
