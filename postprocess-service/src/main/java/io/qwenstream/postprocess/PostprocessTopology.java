package io.qwenstream.postprocess;

import io.qwenstream.postprocess.assemble.ResponseAssembly;
import io.qwenstream.postprocess.format.LanguageDetection;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.Validation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The flow:
 * <pre>
 * qwen.inference (key conversation_id | request_id) ─ validate, re-key by request_id ─► prepared-by-request ─┐
 * qwen.tokens (key request_id) ─────────────────────────────────────────────────────────────────────────────┤
 *                                 ResponseProcessor (stores: prepared-requests, request-progress, response-deltas)
 *     ├─► qwen.responses.stream  ResponseDelta, live, seq gap-free per request: at once, through
 *     │                          DeltaPublisher, outside the transaction (at least once)
 *     ├─► qwen.responses         InferenceResponse, once every chunk through the last is in (exactly once)
 *     └─► qwen.conversations     history (answers only), key conversation_id, for chat with a conversation_id
 * </pre>
 * The repartition topic gets as many partitions as qwen.tokens, so a request's chunks and its
 * PreparedRequest meet in the same task. Headers (traceparent) go through to every output.
 */
@ApplicationScoped
public class PostprocessTopology {

    private static final Logger LOG = Logger.getLogger(PostprocessTopology.class);

    @ConfigProperty(name = "qwenstream.topics.inference", defaultValue = "qwen.inference")
    String inferenceTopic;

    @ConfigProperty(name = "qwenstream.topics.tokens", defaultValue = "qwen.tokens")
    String tokensTopic;

    @ConfigProperty(name = "qwenstream.topics.responses", defaultValue = "qwen.responses")
    String responsesTopic;

    @ConfigProperty(name = "qwenstream.topics.responses-stream", defaultValue = "qwen.responses.stream")
    String responsesStreamTopic;

    @ConfigProperty(name = "qwenstream.topics.conversations", defaultValue = "qwen.conversations")
    String conversationsTopic;

    @ConfigProperty(name = "quarkus.kafka-streams.bootstrap-servers")
    String bootstrapServers;

    @Produces
    Topology topology(PostprocessConfig config, PostprocessMetrics metrics, DeltaPublisher deltaPublisher) {
        MessageValidator validator = new MessageValidator(config.maxRecordBytes());
        LanguageDetection languages = new LanguageDetection(
                config.languageDetection().languages(),
                config.languageDetection().lowAccuracy());
        Thread.ofVirtual().name("language-models-warm-up").start(languages::warmUp);
        ResponseAssembly assembly = new ResponseAssembly(languages);
        StreamsBuilder builder = new StreamsBuilder();

        KStream<String, Inbound> prepared = builder.stream(
                        inferenceTopic,
                        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("prepared-requests-in"))
                .flatMap(
                        (key, raw) -> {
                            // The worker answers bad requests on this topic; here they are only counted and logged.
                            Validation<PreparedRequest> parsed = validator.validate(PreparedRequest.class, raw);
                            if (parsed.isValid())
                                return List.of(KeyValue.pair(parsed.value().requestId(), raw));
                            metrics.invalidRecord(
                                    inferenceTopic, parsed.error().code().wire());
                            LOG.errorf(
                                    "unreadable PreparedRequest (key %s) on %s: %s",
                                    key, inferenceTopic, parsed.error().message());
                            return List.<KeyValue<String, byte[]>>of();
                        },
                        Named.as("validate-and-key-by-request-id"))
                .repartition(Repartitioned.<String, byte[]>as("prepared-by-request")
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.ByteArray())
                        .withNumberOfPartitions(partitionsOf(tokensTopic, config.topicsWait())))
                .mapValues(Inbound.Prepared::new, Named.as("as-prepared"));
        KStream<String, Inbound> chunks = builder.stream(
                        tokensTopic,
                        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("token-chunks-in"))
                .mapValues(Inbound.Chunk::new, Named.as("as-chunk"));

        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ResponseProcessor.REQUESTS), Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ResponseProcessor.PROGRESS), Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ResponseProcessor.DELTAS), Serdes.String(), Serdes.ByteArray()));

        Produced<String, byte[]> json = Produced.with(Serdes.String(), Serdes.ByteArray());
        chunks.merge(prepared, Named.as("chunks-and-requests"))
                .process(
                        () -> new ResponseProcessor(config, validator, assembly, metrics, deltaPublisher, tokensTopic),
                        Named.as("responses"),
                        ResponseProcessor.REQUESTS,
                        ResponseProcessor.PROGRESS,
                        ResponseProcessor.DELTAS)
                .split(Named.as("out-"))
                .branch(
                        (key, out) -> out instanceof Outbound.Response,
                        Branched.withConsumer(
                                responses -> responses
                                        .mapValues(out -> Messages.toJson(out.message()))
                                        .to(responsesTopic, json),
                                "responses"))
                .branch(
                        (key, out) -> out instanceof Outbound.Conversation,
                        Branched.withConsumer(
                                conversations -> conversations
                                        .mapValues(out -> Messages.toJson(out.message()))
                                        .to(conversationsTopic, json),
                                "conversations"));
        return builder.build();
    }

    /** Kafka Streams' client security settings ({@code kafka-streams.security.protocol}, {@code .sasl.*}, {@code .ssl.*}). */
    static Map<String, Object> securitySettings() {
        Config config = ConfigProvider.getConfig();
        Map<String, Object> settings = new HashMap<>();
        String prefix = "kafka-streams.";
        for (String name : config.getPropertyNames()) {
            if (!name.startsWith(prefix)) continue;
            String key = name.substring(prefix.length());
            if (key.equals("security.protocol") || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                config.getOptionalValue(name, String.class).ifPresent(value -> settings.put(key, value));
            }
        }
        return settings;
    }

    /**
     * Partition count of a topic. The topology is built before Quarkus waits for the topics, so this
     * waits itself (up to {@code postprocess.topics-wait}) for a launcher that is still creating them.
     */
    private int partitionsOf(String topic, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        Map<String, Object> adminConfig = new HashMap<>(securitySettings());
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(adminConfig)) {
            while (true) {
                try {
                    return admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get(10, TimeUnit.SECONDS)
                            .get(topic)
                            .partitions()
                            .size();
                } catch (ExecutionException | TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                "cannot read the partition count of " + topic + " at " + bootstrapServers, e);
                    }
                    LOG.infof("waiting for topic %s: %s", topic, e.getMessage());
                    Thread.sleep(1000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the partition count of " + topic, e);
        }
    }
}
