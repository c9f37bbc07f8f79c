package io.qwenstream.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.qwenstream.local.kafka.Topics;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.ControlMessage;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.Task;
import io.qwenstream.schemas.Thinking;
import io.qwenstream.schemas.TokenChunk;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A cancel on qwen.control, through a real broker, while the worker generates 8 sequences in one batch: it
 * reaches the worker, ends that sequence (finish_reason cancelled, its tokens counted), frees its place
 * while the other 7 go on generating. That the scheduler stops a cancelled sequence within one decode step is
 * BatchSchedulerTest's; this is the path from the topic to it.
 */
@QuarkusTest
@TestProfile(CancelUnderLoadTest.EightInFlight.class)
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
class CancelUnderLoadTest {

    /** 8 sequences in the batch, no queue. */
    public static final class EightInFlight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("qwenstream.max-concurrent", "8", "qwenstream.queue-capacity", "1");
        }
    }

    private static final String PROMPT =
            "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";

    @TestHTTPResource("/q/metrics")
    URL metrics;

    private final Map<String, List<ConsumerRecord<String, String>>> byRequest = new HashMap<>();

    @Test
    void aCancelAmongEightInFlightEndsThatOneAndFreesItsSlotWhileSevenGoOn() throws Exception {
        Map<String, Object> p = LocalKafkaResource.kafka.clientConfig();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        Map<String, Object> c = LocalKafkaResource.kafka.clientConfig();
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
                KafkaConsumer<String, String> tokens =
                        new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, 3)
                    .mapToObj(i -> new TopicPartition(Topics.TOKENS, i))
                    .toList();
            tokens.assign(partitions);
            tokens.seekToBeginning(partitions);

            List<String> ids = IntStream.range(0, 8)
                    .mapToObj(i -> "req-" + UUID.randomUUID())
                    .toList();
            for (int i = 0; i < ids.size(); i++) {
                producer.send(new ProducerRecord<>(
                                Topics.INFERENCE, ids.get(i), Messages.toJson(request(ids.get(i), i))))
                        .get();
            }
            await(tokens, () -> ids.stream().allMatch(id -> chunks(id).size() >= 2), "all 8 generating at once");
            assertEquals(8.0, placesTaken(), "8 sequences in the batch");

            String cancelled = ids.get(3);
            producer.send(new ProducerRecord<>(
                            Topics.CONTROL, cancelled, Messages.toJson(ControlMessage.cancel(cancelled))))
                    .get();
            await(tokens, () -> last(cancelled) != null, "the cancelled request's last chunk");
            TokenChunk end = last(cancelled);
            assertEquals(FinishReason.CANCELLED, end.finishReason());
            assertEquals(
                    chunks(cancelled).stream().mapToInt(TokenChunk::tokenCount).sum(),
                    end.usage().answerTokens(),
                    "every token generated before the cancel was streamed and counted");
            long endedAt = byRequest.get(cancelled).getLast().timestamp();

            List<String> others =
                    ids.stream().filter(id -> !id.equals(cancelled)).toList();
            await(
                    tokens,
                    () -> others.stream()
                            .allMatch(id -> byRequest.get(id).getLast().timestamp() > endedAt && last(id) == null),
                    "the 7 others still generating after the cancel");
            awaitPlaces(7.0, "the cancelled sequence's slot (and KV cache) freed");

            for (String id : others) {
                producer.send(new ProducerRecord<>(Topics.CONTROL, id, Messages.toJson(ControlMessage.cancel(id))))
                        .get();
            }
            await(tokens, () -> others.stream().allMatch(id -> last(id) != null), "the 7 others cancelled");
            for (String id : others) assertEquals(FinishReason.CANCELLED, last(id).finishReason(), id);
            awaitPlaces(0.0, "every slot freed");
        }
    }

    private static PreparedRequest request(String id, long seed) {
        return new PreparedRequest(
                Messages.SCHEMA_VERSION,
                id,
                null,
                null,
                Task.CHAT,
                PROMPT,
                9,
                null,
                new Thinking(false, null),
                new PreparedRequest.ResolvedSampling(0.7, 0.8, 20, 0, 0, seed, 1_000_000, List.of(), true),
                null,
                null,
                List.of(ChatMessage.user("Hello")),
                true,
                null,
                System.currentTimeMillis(),
                null);
    }

    private List<TokenChunk> chunks(String id) {
        return byRequest.getOrDefault(id, List.of()).stream()
                .map(r -> Messages.fromJson(r.value(), TokenChunk.class))
                .toList();
    }

    private TokenChunk last(String id) {
        return chunks(id).stream().filter(TokenChunk::isLast).findFirst().orElse(null);
    }

    /** Polls qwen.tokens until {@code condition} holds; fails after a minute. */
    private void await(KafkaConsumer<String, String> tokens, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("not within a minute: " + what);
            for (ConsumerRecord<String, String> r : tokens.poll(Duration.ofMillis(100))) {
                byRequest.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
            }
        }
    }

    private void awaitPlaces(double expected, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (placesTaken() != expected) {
            if (System.nanoTime() > deadline)
                fail("not within 30 s: " + what + " (places taken " + placesTaken() + ")");
            Thread.sleep(50); // a pause between scrapes, not a wait for time
        }
    }

    private double placesTaken() throws Exception {
        String exposition = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(metrics.toURI()).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        return exposition
                .lines()
                .filter(l -> l.startsWith("qwenstream_worker_places_taken{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElse(-1);
    }
}
