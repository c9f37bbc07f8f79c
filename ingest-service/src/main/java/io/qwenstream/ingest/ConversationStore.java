package io.qwenstream.ingest;

import io.quarkus.runtime.StartupEvent;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.ConversationHistory;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.Messages;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The stored history of every conversation: the compacted topic qwen.conversations (written by the
 * postprocessor, final answers only, in its transactions), read from the beginning into memory by
 * every ingest instance.
 *
 * <p>Read your writes: {@link #history} first reads the topic up to its end as of that call. A
 * client that has the response to turn 1 sends turn 2 with turn 1 in the history, because the
 * postprocessor commits the response and the stored turn together. (A consumer in the background
 * would let turn 2 overtake a stored turn 1 that it had not applied yet.) No consumer group: every
 * instance reads every partition itself and commits nothing.
 */
@ApplicationScoped
public class ConversationStore {

    private static final Logger LOG = Logger.getLogger(ConversationStore.class);

    private final String topic;
    private final Duration catchUpTimeout;
    private final KafkaConsumer<String, byte[]> consumer; // used under this object's lock only
    private final Map<String, List<ChatMessage>> histories = new HashMap<>();
    private List<TopicPartition> partitions;

    ConversationStore(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "qwenstream.topics.conversations") String topic,
            @ConfigProperty(name = "qwenstream.conversations.catch-up-timeout", defaultValue = "10s")
                    Duration catchUpTimeout) {
        this.topic = topic;
        this.catchUpTimeout = catchUpTimeout;
        Map<String, Object> config = new HashMap<>(securitySettings("kafka."));
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "qwenstream-ingest-history");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Only turns the postprocessor committed: an aborted transaction's turn never becomes history.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) catchUpTimeout.toMillis());
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The client security settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) under {@code prefix} in
     * the configuration: what SmallRye's channels get from {@code kafka.*}, for a client of our own.
     */
    static Map<String, Object> securitySettings(String prefix) {
        Config config = ConfigProvider.getConfig();
        Map<String, Object> settings = new HashMap<>();
        for (String name : config.getPropertyNames()) {
            if (!name.startsWith(prefix)) continue;
            String key = name.substring(prefix.length());
            if (key.equals("security.protocol") || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                config.getOptionalValue(name, String.class).ifPresent(value -> settings.put(key, value));
            }
        }
        return settings;
    }

    /** Loads the stored histories at start-up, in the background, so that the first conversation need not wait for them. */
    void onStart(@Observes StartupEvent event) {
        Thread.ofVirtual().name("conversation-history-load").start(() -> {
            try {
                history("");
            } catch (RuntimeException e) {
                LOG.warnf(
                        "qwen.conversations could not be read at start-up (the first conversation will retry): %s",
                        e.getMessage());
            }
        });
    }

    /**
     * The stored turns of {@code conversationId}, oldest first; empty for a new conversation. Every
     * turn committed to the topic before this call is in it.
     *
     * @throws RefusedException ({@code internal}) when the topic cannot be read to its end in time:
     *                          better no answer than one that forgot the conversation
     */
    public synchronized List<ChatMessage> history(String conversationId) {
        try {
            catchUp();
        } catch (KafkaException e) {
            throw new RefusedException(
                    ErrorCode.INTERNAL,
                    "the conversation history (" + topic + ") could not be read: " + e.getMessage(),
                    null);
        }
        return histories.getOrDefault(conversationId, List.of());
    }

    /** Reads every partition up to the end offsets it has now (for read_committed: the last stable offsets). */
    private void catchUp() {
        if (partitions == null) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos == null || infos.isEmpty()) throw new KafkaException("topic " + topic + " does not exist");
            partitions = infos.stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long deadline = System.nanoTime() + catchUpTimeout.toNanos();
        while (end.entrySet().stream()
                .anyMatch(partition -> consumer.position(partition.getKey()) < partition.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new KafkaException("not read to its end within " + catchUpTimeout.toMillis() + " ms");
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) apply(record);
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            LOG.warnf(
                    "qwen.conversations record at %d/%d has no key (conversation_id): ignored",
                    record.partition(), record.offset());
            return;
        }
        if (record.value() == null) { // tombstone: the conversation was deleted
            histories.remove(record.key());
            return;
        }
        try {
            ConversationHistory history = Messages.fromJson(record.value(), ConversationHistory.class);
            histories.put(record.key(), history.messages() == null ? List.of() : List.copyOf(history.messages()));
        } catch (IllegalArgumentException e) {
            // Our own postprocessor writes this topic; a bad record here is a bug there, not a request to answer.
            LOG.errorf(
                    "qwen.conversations record at %d/%d (conversation %s) is not a ConversationHistory: %s",
                    record.partition(), record.offset(), record.key(), e.getMessage());
        }
    }

    @PreDestroy
    synchronized void close() {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
    }
}
