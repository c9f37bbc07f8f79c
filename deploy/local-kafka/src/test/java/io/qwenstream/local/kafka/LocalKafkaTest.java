package io.qwenstream.local.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One real broker in a temporary directory, shared by the tests; closing it must leave nothing behind. */
class LocalKafkaTest {

    private static LocalKafka kafka;
    private static final Topics TOPICS = Topics.defaults();

    @BeforeAll
    static void startBroker() {
        kafka = LocalKafka.start(null);
        kafka.createTopics(TOPICS);
    }

    @AfterAll
    static void closeLeavesNothingBehind() {
        long pid = kafka.pid();
        Path dataDir = kafka.dataDir();
        kafka.close();
        assertFalse(
                ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                "broker process " + pid + " still alive");
        assertFalse(Files.exists(dataDir), "temporary data dir left behind: " + dataDir);
        kafka.close(); // idempotent
    }

    @Test
    void brokerRunsAsAChildOnLoopbackWithItsLogInTheDataDir() throws Exception {
        assertTrue(kafka.isRunning());
        assertTrue(kafka.isTemporary());
        assertTrue(kafka.bootstrapServers().matches("127\\.0\\.0\\.1:\\d+"), kafka.bootstrapServers());
        assertTrue(
                ProcessHandle.current().children().anyMatch(child -> child.pid() == kafka.pid()),
                "the broker is a child of this JVM");
        assertTrue(Files.exists(kafka.logFile()));
        assertTrue(
                Files.readString(kafka.logFile()).contains("Kafka Server started"),
                LocalKafka.logTail(kafka.logFile()));
    }

    @Test
    void topicsHaveTheirPartitionCountsAndConfigs() throws Exception {
        try (Admin admin = kafka.admin()) {
            Set<String> names = TOPICS.specs().stream().map(Topics.Spec::name).collect(Collectors.toSet());
            assertTrue(admin.listTopics().names().get().containsAll(names));
            Map<String, TopicDescription> descriptions =
                    admin.describeTopics(names).allTopicNames().get();
            Map<String, Integer> expectedPartitions = Map.of(
                    "qwen.requests",
                    3,
                    "qwen.requests.dlq",
                    1,
                    "qwen.inference",
                    3,
                    "qwen.control",
                    1,
                    "qwen.tokens",
                    3,
                    "qwen.responses",
                    3,
                    "qwen.responses.stream",
                    3,
                    "qwen.conversations",
                    1);
            assertEquals(expectedPartitions.keySet(), names);
            expectedPartitions.forEach((name, partitions) ->
                    assertEquals(partitions, descriptions.get(name).partitions().size(), name));

            List<ConfigResource> resources = names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                    .toList();
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(resources).all().get();
            for (var entry : configs.entrySet()) {
                String name = entry.getKey().name();
                assertEquals(
                        "1048576", entry.getValue().get("max.message.bytes").value(), name);
                assertEquals(
                        name.equals("qwen.conversations") ? "compact" : "delete",
                        entry.getValue().get("cleanup.policy").value(),
                        name);
            }
        }
    }

    /** The same topics (their ids), with their partitions and records: nothing was deleted and made anew. */
    @Test
    void creatingTopicsAgainKeepsThem() throws Exception {
        Set<String> names = TOPICS.specs().stream().map(Topics.Spec::name).collect(Collectors.toSet());
        String topic = TOPICS.specs().getFirst().name();
        RecordMetadata written;
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            written = producer.send(new ProducerRecord<>(topic, "kept".getBytes(StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS);
        }
        try (Admin admin = kafka.admin()) {
            Map<String, TopicDescription> before =
                    admin.describeTopics(names).allTopicNames().get();
            kafka.createTopics(TOPICS);
            Map<String, TopicDescription> after =
                    admin.describeTopics(names).allTopicNames().get();
            for (String name : names) {
                assertEquals(before.get(name).topicId(), after.get(name).topicId(), name);
                assertEquals(
                        before.get(name).partitions().size(),
                        after.get(name).partitions().size(),
                        name);
            }
            TopicPartition partition = new TopicPartition(topic, written.partition());
            long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest()))
                    .partitionResult(partition)
                    .get()
                    .offset();
            assertTrue(end > written.offset(), "the record written before is still there");
        }
    }

    @Test
    void autoTopicCreationIsOff() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1500))) {
            var failure = assertThrows(
                    ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("no.such.topic", new byte[1]))
                            .get(5, TimeUnit.SECONDS));
            assertTrue(
                    failure.getCause().getMessage().contains("not present in metadata"),
                    failure.getCause().getMessage());
        }
        try (Admin admin = kafka.admin()) {
            assertFalse(admin.listTopics().names().get().contains("no.such.topic"));
        }
    }

    @Test
    void brokerAcceptsOneMebibyteRecordsAndRefusesLarger() throws Exception {
        // The producer's own limit is set far above 1 MiB so that any refusal comes from the broker.
        try (KafkaProducer<byte[], byte[]> producer =
                producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1_048_576))) {
            // 1 MiB minus the record batch header (61 bytes) and the record's own framing.
            byte[] fits = new byte[1_048_576 - 200];
            RecordMetadata accepted =
                    producer.send(new ProducerRecord<>(TOPICS.requests(), fits)).get(30, TimeUnit.SECONDS);
            assertTrue(accepted.offset() >= 0);

            byte[] tooLarge = new byte[1_048_576 + 1];
            var refused = assertThrows(
                    ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(TOPICS.requests(), tooLarge))
                            .get(30, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, refused.getCause());
            assertTrue(
                    refused.getCause()
                            .getMessage()
                            .contains(
                                    "request included a message larger than the max message size the server will accept"),
                    refused.getCause().getMessage());
        }
    }

    @Test
    void producedRecordsComeBackWithKeyValueAndHeaders() throws Exception {
        String topic = TOPICS.responses();
        byte[] key = "request-1".getBytes(StandardCharsets.UTF_8);
        byte[] value = "{\"request_id\":\"request-1\",\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
        byte[] traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8);
        RecordMetadata sent;
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            var record = new ProducerRecord<>(topic, key, value);
            record.headers().add(new RecordHeader("traceparent", traceparent));
            sent = producer.send(record).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "round-trip");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
            assertEquals(1, received.size());
            ConsumerRecord<byte[], byte[]> record = received.getFirst();
            assertEquals(sent.partition(), record.partition());
            assertArrayEquals(key, record.key());
            assertArrayEquals(value, record.value());
            assertArrayEquals(
                    traceparent, record.headers().lastHeader("traceparent").value());
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> overrides) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.putAll(overrides);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
