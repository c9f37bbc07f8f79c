package io.qwenstream.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Talks to the pipeline the way any producer would: one record to the requests topic, then
 * the answer from the response topics. The consumer is positioned at the end of both response
 * topics before the request is produced, so nothing about it can be missed; it has no group.
 */
final class PipelineClient implements AutoCloseable {

    /** The final InferenceResponse: its bytes as the service wrote them and the parsed tree. */
    record Response(byte[] raw, JsonNode json) {
        boolean ok() {
            return "ok".equals(json.path("status").asText());
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectMapper json;
    private final Topics topics;
    private final String bootstrapServers;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;

    PipelineClient(String bootstrapServers, Topics topics, ObjectMapper json) {
        this(bootstrapServers, topics, json, Map.of());
    }

    /** @param security the broker's client security settings ({@link ClusterState#clientSecurity()}) */
    PipelineClient(String bootstrapServers, Topics topics, ObjectMapper json, Map<String, Object> security) {
        this.json = json;
        this.topics = topics;
        this.bootstrapServers = bootstrapServers;
        Map<String, Object> common = new HashMap<>(security);
        common.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        common.put(ProducerConfig.CLIENT_ID_CONFIG, "qwenstream-cli");

        Map<String, Object> producerConfig = new HashMap<>(common);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES);
        producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());

        Map<String, Object> consumerConfig = new HashMap<>(common);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The post-processor may write transactionally (Kafka Streams exactly-once): read only what it committed.
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // A fresh JVM's first TLS handshake and SCRAM exchange take seconds on a loaded machine.
        consumerConfig.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, security.isEmpty() ? 10_000 : 30_000);
        consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Produces {@code payload} to the requests topic and waits for the InferenceResponse whose
     * request_id is one of {@code requestIds}; ResponseDeltas for those ids go to {@code onDelta}
     * meanwhile, in seq order, each once.
     */
    Response exchange(
            byte[] key, byte[] payload, Set<String> requestIds, Consumer<JsonNode> onDelta, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        seekToEndOf(List.of(topics.responses(), topics.responsesStream()));
        produce(key, payload);
        Map<String, Long> lastSeq = new HashMap<>();
        Response response = null;
        while (response == null && System.nanoTime() < deadline) {
            response = handle(consumer.poll(Duration.ofMillis(100)), requestIds, lastSeq, onDelta);
        }
        if (response == null) {
            throw new LauncherException("no response for request " + String.join(" / ", requestIds) + " within "
                    + timeout.toSeconds() + " s (is every service up? their logs are in .qwenstream/logs)");
        }
        // The final response travels on another topic than the deltas and can overtake the last of them:
        // read the stream up to its current end so that they are shown in order before the answer ends.
        Map<TopicPartition, Long> streamEnd = consumer.endOffsets(consumer.assignment().stream()
                .filter(partition -> partition.topic().equals(topics.responsesStream()))
                .toList());
        long drainDeadline = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
        while (streamEnd.entrySet().stream().anyMatch(end -> consumer.position(end.getKey()) < end.getValue())
                && System.nanoTime() < drainDeadline) {
            handle(consumer.poll(Duration.ofMillis(50)), requestIds, lastSeq, onDelta);
        }
        return response;
    }

    /** Passes the batch's deltas for {@code requestIds} to {@code onDelta}; returns the final response if the batch has it. */
    private Response handle(
            Iterable<ConsumerRecord<byte[], byte[]>> records,
            Set<String> requestIds,
            Map<String, Long> lastSeq,
            Consumer<JsonNode> onDelta) {
        Response response = null;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            JsonNode message = parseObject(json, record.value());
            if (message == null
                    || !requestIds.contains(message.path("request_id").asText(null))) continue;
            if (record.topic().equals(topics.responses())) {
                if (response == null) response = new Response(record.value(), message);
                continue;
            }
            String requestId = message.path("request_id").asText();
            long seq = message.path("seq").asLong(-1);
            Long last = lastSeq.get(requestId);
            if (last != null && seq <= last) continue; // a redelivered delta
            lastSeq.put(requestId, seq);
            onDelta.accept(message);
        }
        return response;
    }

    private void seekToEndOf(List<String> topicNames) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topicNames) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new LauncherException(
                        "cannot reach Kafka at " + bootstrapServers + " (is ./qwenstream up running?)", e);
            }
            if (infos == null || infos.isEmpty()) {
                throw new LauncherException("topic " + topic + " does not exist on " + bootstrapServers);
            }
            infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end offsets now, before the request exists
    }

    private void produce(byte[] key, byte[] payload) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topics.requests(), key, payload);
        record.headers().add(new RecordHeader("traceparent", newTraceparent().getBytes(StandardCharsets.US_ASCII)));
        try {
            producer.send(record).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RecordTooLargeException) {
                throw new LauncherException(
                        "the request (" + payload.length + " bytes) is larger than the " + Topics.MAX_MESSAGE_BYTES
                                + "-byte record limit of " + topics.requests(),
                        e.getCause());
            }
            throw new LauncherException(
                    "cannot produce to " + topics.requests() + " on " + bootstrapServers + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (KafkaException e) {
            throw new LauncherException(
                    "cannot produce to " + topics.requests() + " on " + bootstrapServers + ": " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw new LauncherException(
                    "producing to " + topics.requests() + " on " + bootstrapServers + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted");
        }
    }

    /** A new W3C trace context: version 00, random trace and span ids, sampled. */
    static String newTraceparent() {
        byte[] traceId = new byte[16];
        byte[] spanId = new byte[8];
        RANDOM.nextBytes(traceId);
        RANDOM.nextBytes(spanId);
        traceId[0] |= 1; // all-zero ids are invalid
        spanId[0] |= 1;
        HexFormat hex = HexFormat.of();
        return "00-" + hex.formatHex(traceId) + "-" + hex.formatHex(spanId) + "-01";
    }

    /**
     * The record value as a JSON object, or null when it is absent or not one: the pipeline's topics
     * may carry other writers' records, which are not ours to judge.
     */
    static JsonNode parseObject(ObjectMapper json, byte[] value) {
        if (value == null) return null;
        try {
            JsonNode node = json.readTree(value);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
    }
}
