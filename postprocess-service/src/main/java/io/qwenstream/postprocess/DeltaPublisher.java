package io.qwenstream.postprocess;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ResponseDelta;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Writes the live deltas to qwen.responses.stream at once, with a plain idempotent producer, outside
 * Kafka Streams' exactly-once transaction: inside it a delta became visible to read_committed readers
 * only at the next commit (61–147 ms of the first token). At-least-once is enough for deltas: after a
 * crash the task replays from its last commit with the state of that commit, and so sends the same
 * deltas again under the same (generation_id, seq), which readers drop as repeats. The final response
 * and the history stay exactly-once; {@link #flush()} before a final response is forwarded keeps every
 * delta of a request written before its final response can become visible.
 */
@ApplicationScoped
public class DeltaPublisher {

    private static final Logger LOG = Logger.getLogger(DeltaPublisher.class);

    private final String topic;
    private final KafkaProducer<String, byte[]> producer;
    private final Counter failed;

    DeltaPublisher(
            @ConfigProperty(name = "qwenstream.topics.responses-stream", defaultValue = "qwen.responses.stream")
                    String topic,
            @ConfigProperty(name = "quarkus.kafka-streams.bootstrap-servers") String bootstrapServers,
            @ConfigProperty(name = "quarkus.kafka-streams.application-id") String applicationId,
            MeterRegistry registry) {
        this.topic = topic;
        Map<String, Object> config = new HashMap<>(PostprocessTopology.securitySettings());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, applicationId + "-deltas");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // A delta is on its way the moment it exists; the deltas of one poll still share a request.
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_576);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.failed = Counter.builder("qwen.postprocess.deltas.failed")
                .description("Deltas the broker never took (after the producer's retries); the final response"
                        + " still carries the whole text")
                .register(registry);
    }

    /** Sends one delta, keyed by request_id, in the order of the calls; {@code timestamp} is its chunk's. */
    void send(String requestId, ResponseDelta delta, long timestamp, Headers headers) {
        ProducerRecord<String, byte[]> record =
                new ProducerRecord<>(topic, null, timestamp, requestId, Messages.toJson(delta), headers);
        producer.send(record, (metadata, error) -> {
            if (error == null) return;
            failed.increment();
            LOG.errorf(error, "delta %d of request %s was not written", delta.seq(), requestId);
        });
    }

    /** Waits until every delta sent so far is written (or has failed). */
    void flush() {
        producer.flush();
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
