package io.qwenstream.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.local.client.PipelineClient;
import io.qwenstream.local.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the soak sees of its requests on the pipeline's topics, read from their ends as they were before the
 * first request: the partition of qwen.inference each request went to, every generation of it on qwen.tokens
 * (when its first chunk was written, whether its last chunk came), its live deltas on qwen.responses.stream and
 * its final responses on qwen.responses. Only the observer's thread writes a {@link Track} after it is created;
 * readers take a snapshot under the track's lock.
 */
final class SoakObserver implements AutoCloseable {

    /** One request as the soak saw it. */
    static final class Track {
        final String requestId;
        final long sentAtMs;
        int inferencePartition = -1;
        /** generation_id → the record time (ms) of its first chunk, in the order they appeared. */
        final Map<String, Long> generations = new LinkedHashMap<>();
        /** Generations whose last chunk (with a finish_reason) was seen. */
        final List<String> finishedGenerations = new ArrayList<>();
        /** generation_id → {started_at_ms, first_token_at_ms} of its last chunk (the worker's clock; -1 unknown). */
        final Map<String, long[]> workerTimes = new HashMap<>();

        int resets;
        /** Seq of the last delta taken: deltas are written at least once, and a repeat is dropped. */
        long lastDeltaSeq = -1;

        final StringBuilder streamThinking = new StringBuilder();
        final StringBuilder streamContent = new StringBuilder();
        final List<JsonNode> finals = new ArrayList<>();
        long firstFinalAtMs = -1;

        Track(String requestId, long sentAtMs) {
            this.requestId = requestId;
            this.sentAtMs = sentAtMs;
        }

        /** True when a generation has chunks but no last chunk yet: it is being generated. */
        synchronized boolean generating() {
            return !generations.isEmpty() && !finishedGenerations.contains(lastGeneration()) && finals.isEmpty();
        }

        synchronized String lastGeneration() {
            return generations.isEmpty()
                    ? null
                    : generations.keySet().stream().reduce((a, b) -> b).orElseThrow();
        }

        synchronized Set<String> generationIds() {
            return Set.copyOf(generations.keySet());
        }

        /**
         * The first generation not in {@code known}: when its first chunk was written, when the worker started it
         * (a slot free) and when its first token came; null when there is none, -1 for a time not known.
         */
        synchronized long[] anotherGeneration(Set<String> known) {
            return generations.entrySet().stream()
                    .filter(g -> !known.contains(g.getKey()))
                    .findFirst()
                    .map(g -> {
                        long[] times = workerTimes.getOrDefault(g.getKey(), new long[] {-1, -1});
                        return new long[] {g.getValue(), times[0], times[1]};
                    })
                    .orElse(null);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Topics topics;
    private final String prefix;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Track> tracks = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lastRecordAtMs = System.currentTimeMillis();

    /** Positions at the current ends of the watched topics, then reads on a thread of its own. */
    SoakObserver(String bootstrapServers, Topics topics, String prefix) {
        this.topics = topics;
        this.prefix = prefix;
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "qwenstream-soak-observer");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The postprocessor writes transactionally (exactly-once): count only what it committed.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * Topics.MAX_MESSAGE_BYTES);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic :
                List.of(topics.inference(), topics.tokens(), topics.responsesStream(), topics.responses())) {
            consumer.partitionsFor(topic).forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolved now, before the first request exists
        thread = Thread.ofPlatform().name("soak-observer").start(this::run);
    }

    /** Called by the sender just before a request is produced. */
    void sent(String requestId, long atMs) {
        tracks.put(requestId, new Track(requestId, atMs));
    }

    Map<String, Track> tracks() {
        return tracks;
    }

    long lastRecordAtMs() {
        return lastRecordAtMs;
    }

    private void run() {
        while (running) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                JsonNode message = PipelineClient.parseObject(JSON, record.value());
                if (message == null) continue;
                Track track = tracks.get(message.path("request_id").asText(""));
                if (track == null || !track.requestId.startsWith(prefix)) continue;
                lastRecordAtMs = System.currentTimeMillis();
                synchronized (track) {
                    observe(track, record, message);
                }
            }
        }
    }

    private void observe(Track track, ConsumerRecord<byte[], byte[]> record, JsonNode message) {
        String topic = record.topic();
        if (topic.equals(topics.inference())) {
            track.inferencePartition = record.partition();
        } else if (topic.equals(topics.tokens())) {
            String generation = message.path("generation_id").asText("");
            track.generations.putIfAbsent(generation, record.timestamp());
            if (!message.path("finish_reason").isMissingNode()
                    && !message.path("finish_reason").isNull()) {
                track.finishedGenerations.add(generation);
                track.workerTimes.put(generation, new long[] {
                    message.path("started_at_ms").asLong(-1),
                    message.path("first_token_at_ms").asLong(-1)
                });
            }
        } else if (topic.equals(topics.responsesStream())) {
            long seq = message.path("seq").asLong(-1);
            if (seq <= track.lastDeltaSeq) return;
            track.lastDeltaSeq = seq;
            String text = message.path("text").asText("");
            switch (message.path("kind").asText("")) {
                case "thinking" -> track.streamThinking.append(text);
                case "content" -> track.streamContent.append(text);
                case "reset" -> {
                    track.resets++;
                    track.streamThinking.setLength(0);
                    track.streamContent.setLength(0);
                }
                default -> {} // tool calls: not part of the texts compared
            }
        } else if (topic.equals(topics.responses())) {
            track.finals.add(message);
            if (track.firstFinalAtMs < 0) track.firstFinalAtMs = System.currentTimeMillis();
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
