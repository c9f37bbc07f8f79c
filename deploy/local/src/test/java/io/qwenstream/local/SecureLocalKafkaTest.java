package io.qwenstream.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real broker started secure: only SASL_SSL with a known SCRAM user gets in, and each service user may touch only
 * its own topics and groups. Its secrets are owner-only and never in the broker's log.
 */
class SecureLocalKafkaTest {

    private static final Topics TOPICS = Topics.defaults();
    private static LocalKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = LocalKafka.startSecure(null);
        kafka.createTopics(TOPICS);
        try (var admin = kafka.admin()) {
            ServiceAcls.create(admin, TOPICS);
        }
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) kafka.close();
    }

    @Test
    void aPlaintextClientIsRefused() {
        Map<String, Object> plaintext = new HashMap<>();
        plaintext.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        ExecutionException failed = assertThrows(ExecutionException.class, () -> produce(plaintext, TOPICS.requests()));
        // The TLS listener never answers a plaintext request: the client never gets the topic's metadata.
        assertInstanceOf(TimeoutException.class, failed.getCause(), failed.toString());
    }

    @Test
    void tlsWithoutSaslIsRefused() {
        Map<String, Object> tlsOnly = new HashMap<>(kafka.security().clientConfig(ServiceAcls.INGEST));
        tlsOnly.keySet().removeIf(key -> key.startsWith("sasl."));
        tlsOnly.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        tlsOnly.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        ExecutionException failed = assertThrows(ExecutionException.class, () -> produce(tlsOnly, TOPICS.requests()));
        assertInstanceOf(TimeoutException.class, failed.getCause(), failed.toString());
    }

    @Test
    void aWrongPasswordIsRefused() {
        Map<String, Object> wrong =
                new HashMap<>(kafka.security().clientConfig(ServiceAcls.INGEST, "not-the-password"));
        wrong.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        ExecutionException failed = assertThrows(ExecutionException.class, () -> produce(wrong, TOPICS.requests()));
        assertInstanceOf(SaslAuthenticationException.class, failed.getCause(), failed.toString());
    }

    @Test
    void aServiceUserWritesAndReadsItsOwnTopicsAndGroups() throws Exception {
        produce(user(ServiceAcls.INGEST), TOPICS.inference());
        Map<String, Object> worker = user(ServiceAcls.WORKER);
        worker.put(ConsumerConfig.GROUP_ID_CONFIG, "qwenstream-inference-worker");
        worker.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(worker, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPICS.inference()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean seen = false;
            while (!seen && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(java.time.Duration.ofMillis(500))) {
                    seen |= new String(record.value(), StandardCharsets.UTF_8).equals("secure");
                }
            }
            assertTrue(seen, "the worker read what ingest wrote to " + TOPICS.inference());
            consumer.commitSync();
        }
    }

    @Test
    void aServiceUserMayNotTouchAnotherServicesTopics() {
        // The worker writes tokens, never prepared requests or responses.
        for (String topic : List.of(TOPICS.inference(), TOPICS.responses())) {
            ExecutionException failed =
                    assertThrows(ExecutionException.class, () -> produce(user(ServiceAcls.WORKER), topic));
            assertInstanceOf(TopicAuthorizationException.class, failed.getCause(), topic);
        }
    }

    @Test
    void aServiceUserMayNotUseAnotherServicesGroup() {
        Map<String, Object> worker = user(ServiceAcls.WORKER);
        worker.put(ConsumerConfig.GROUP_ID_CONFIG, "qwenstream-ingest");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(worker, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPICS.inference()));
            assertThrows(GroupAuthorizationException.class, () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline) consumer.poll(java.time.Duration.ofMillis(500));
            });
        }
    }

    @Test
    void secretsAreOwnerOnlyAndNeverInTheBrokersLog() throws Exception {
        BrokerSecurity security = kafka.security();
        Set<PosixFilePermission> ownerOnly = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        try (Stream<Path> files = Files.list(security.dir())) {
            for (Path file : files.toList()) {
                if (file.equals(security.caCertificate())) continue; // a public certificate
                assertEquals(ownerOnly, Files.getPosixFilePermissions(file), file.toString());
            }
        }
        assertEquals(
                Set.of(
                        PosixFilePermission.OWNER_READ,
                        PosixFilePermission.OWNER_WRITE,
                        PosixFilePermission.OWNER_EXECUTE),
                Files.getPosixFilePermissions(security.dir()));
        assertEquals(ownerOnly, Files.getPosixFilePermissions(kafka.dataDir().resolve("server.properties")));
        assertFalse(Files.exists(security.dir().resolve("scram-users.txt")), "the format-time user list outlived it");
        // A refused login was logged meanwhile (aWrongPasswordIsRefused may run later: provoke one here too).
        Map<String, Object> wrong =
                new HashMap<>(kafka.security().clientConfig(ServiceAcls.WORKER, "still-not-the-password"));
        wrong.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        assertThrows(ExecutionException.class, () -> produce(wrong, TOPICS.tokens()));
        String log = Files.readString(kafka.logFile());
        assertTrue(log.contains("Kafka Server started"), LocalKafka.logTail(kafka.logFile()));
        for (String secret : secrets(security)) {
            assertFalse(log.contains(secret), "a secret is in " + kafka.logFile());
        }
        assertFalse(log.contains("still-not-the-password"), "a tried password is in " + kafka.logFile());
    }

    /** Every password in the secrets directory (users and keystore). */
    static List<String> secrets(BrokerSecurity security) throws Exception {
        var passwords = new java.util.Properties();
        try (var in = Files.newInputStream(security.dir().resolve("passwords.properties"))) {
            passwords.load(in);
        }
        List<String> values = passwords.stringPropertyNames().stream()
                .map(passwords::getProperty)
                .toList();
        assertEquals(5, values.size(), "admin, three services and the keystore");
        return values;
    }

    private static Map<String, Object> user(String name) {
        Map<String, Object> config = new HashMap<>(kafka.security().clientConfig(name));
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return config;
    }

    private static void produce(Map<String, Object> client, String topic) throws Exception {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "secure".getBytes(StandardCharsets.UTF_8)))
                    .get(20, TimeUnit.SECONDS);
        }
    }
}
