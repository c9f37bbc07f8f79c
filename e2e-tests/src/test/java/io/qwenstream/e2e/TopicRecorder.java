package io.qwenstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the pipeline's topics from the beginning, in the background, as one more consumer group
 * (its own id), and keeps every record so that tests can wait for the ones of their request.
 * Reads only committed records: the post-processor writes in Kafka Streams transactions.
 */
final class TopicRecorder implements AutoCloseable {

    /** One record as it was on the topic: key and value bytes, headers (last value per name), value as JSON. */
    record Recorded(
            String topic,
            int partition,
            long offset,
            String key,
            byte[] value,
            Map<String, String> headers,
            JsonNode json) {

        String requestId() {
            return json == null ? null : json.path("request_id").asText(null);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, List<Recorded>> byTopic = new LinkedHashMap<>();
    private final Thread poller;
    private volatile RuntimeException failure;

    TopicRecorder(String bootstrapServers, List<String> topics) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                "e2e-recorder-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                100,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                2 * 1024 * 1024);
        consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        topics.forEach(topic -> byTopic.put(topic, new ArrayList<>()));
        consumer.subscribe(topics);
        poller = Thread.ofPlatform().name("e2e-topic-recorder").daemon().start(this::pollUntilClosed);
    }

    private void pollUntilClosed() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Recorded recorded = recorded(record);
                    synchronized (byTopic) {
                        byTopic.get(record.topic()).add(recorded);
                        byTopic.notifyAll();
                    }
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            failure = e;
            synchronized (byTopic) {
                byTopic.notifyAll();
            }
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private static Recorded recorded(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(
                    header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
        }
        JsonNode json = null;
        if (record.value() != null) {
            try {
                json = JSON.readTree(record.value());
            } catch (IOException e) {
                // raw input on the DLQ: not JSON by design
            }
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        return new Recorded(record.topic(), record.partition(), record.offset(), key, record.value(), headers, json);
    }

    /** Every record of {@code topic} so far that matches. */
    List<Recorded> records(String topic, Predicate<Recorded> matching) {
        synchronized (byTopic) {
            return byTopic.get(topic).stream().filter(matching).toList();
        }
    }

    /** The records of {@code topic} with this request_id in their value, so far. */
    List<Recorded> ofRequest(String topic, String requestId) {
        return records(topic, record -> requestId.equals(record.requestId()));
    }

    /**
     * Waits until {@code topic} holds at least {@code count} matching records; returns them all.
     * Fails with what the topic holds when the time runs out.
     */
    List<Recorded> await(String topic, Predicate<Recorded> matching, int count, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (byTopic) {
            while (true) {
                if (failure != null) throw new IllegalStateException("the topic recorder failed", failure);
                List<Recorded> found =
                        byTopic.get(topic).stream().filter(matching).toList();
                if (found.size() >= count) return found;
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(
                            "waited " + timeout.toSeconds() + " s for " + what + " on " + topic + "; it holds "
                                    + byTopic.get(topic).size() + " records, " + found.size() + " of them matching");
                }
                try {
                    byTopic.wait(Math.max(1, Math.min(left / 1_000_000, 500)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for " + what);
                }
            }
        }
    }

    /** Waits for the first record of {@code topic} with this request_id. */
    Recorded awaitRequest(String topic, String requestId, Duration timeout) {
        return await(topic, record -> requestId.equals(record.requestId()), 1, timeout, "request " + requestId)
                .getFirst();
    }

    @Override
    public void close() {
        consumer.wakeup();
        try {
            poller.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
