package io.qwenstream.worker;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.qwenstream.engine.Engine;
import io.qwenstream.engine.Phase;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.Usage;
import io.qwenstream.schemas.Validation;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * The worker's intake and admission: a PreparedRequest from qwen.inference takes a place, is validated and
 * tokenized, and goes to the {@link Generation} loop, whose tokens reach qwen.tokens as seq-numbered chunks
 * ({@link ChunkStream}) keyed by request_id; the record's offset is acknowledged only once the broker has every
 * chunk of it ({@link Settlement}). Cancels come from qwen.control ({@link ControlListener}).
 *
 * <p>Up to {@code max-concurrent} sequences run at once in the engine's continuous-batching scheduler; up to
 * {@code queue-capacity} more wait. When both are full the inference channel stops asking for records and
 * SmallRye pauses the consumer, so generation never blocks the polling thread and nothing is dropped.
 */
@ApplicationScoped
public class InferenceWorker {

    private static final Logger LOG = Logger.getLogger(InferenceWorker.class);

    @Inject
    Engine engine;

    @Inject
    WorkerConfig config;

    @Inject
    Cancellations cancellations;

    @Inject
    WorkerMetrics metrics;

    @Inject
    Tracer tracer;
    // Chunks wait here until the Kafka sink takes them; generation outpacing the broker shows up as this buffer
    // filling.
    @Inject
    @Channel("tokens")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
    Emitter<String> tokens;

    private Generation generation;
    private MessageValidator validator;
    private Admission places;
    private ExecutorService preparing;

    @PostConstruct
    void start() {
        generation = new Generation(engine, config, cancellations, metrics, tracer, tokens);
        validator = new MessageValidator(config.maxRecordBytes());
        places = new Admission(config.maxConcurrent() + config.queueCapacity());
        // Validation and tokenization run here, off the event loop and off the scheduler's thread.
        preparing = Executors.newSingleThreadExecutor(task -> new Thread(task, "qwenstream-prepare"));
        metrics.places(places::taken, config.maxConcurrent() + config.queueCapacity());
        metrics.expertLoad(engine);
    }

    @PreDestroy
    void stop() throws InterruptedException {
        generation.stopping();
        preparing.shutdown();
        preparing.awaitTermination(10, TimeUnit.SECONDS);
        generation.close();
    }

    /** Takes a record once a place is free; it is prepared on the preparing thread. */
    @Incoming("inference")
    public CompletionStage<Void> accept(Message<byte[]> record) {
        return places.acquire().thenRun(() -> {
            long acceptedAtMs = System.currentTimeMillis();
            try {
                preparing.execute(() -> prepare(record, acceptedAtMs));
            } catch (RejectedExecutionException e) {
                places.release();
                throw e;
            }
        });
    }

    /** Validates; a valid request is tokenized and then waits for one of the scheduler's sequence slots. */
    private void prepare(Message<byte[]> record, long acceptedAtMs) {
        Context parent = TracingMetadata.fromMessage(record)
                .map(TracingMetadata::getCurrentContext)
                .orElse(Context.current());
        try {
            switch (validator.validate(PreparedRequest.class, record.getPayload())) {
                case Validation.Valid<PreparedRequest>(PreparedRequest request) ->
                    generation.run(record, request, parent, acceptedAtMs, places::release);
                case Validation.Invalid<PreparedRequest>(ErrorDetail error) -> {
                    CompletableFuture<Void> delivered = refuse(record, error, parent, acceptedAtMs);
                    places.release();
                    Settlement.whenDelivered(record, delivered);
                }
            }
        } catch (RuntimeException e) {
            places.release();
            LOG.error("a record could not be processed", e);
            record.nack(e);
        }
    }

    /** A record that is no PreparedRequest: one error chunk, under the best request id there is. */
    private CompletableFuture<Void> refuse(
            Message<byte[]> record, ErrorDetail error, Context parent, long acceptedAtMs) {
        String key = record.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> m.getKey() instanceof String s && !s.isEmpty() ? s : null)
                .orElse(null);
        String requestId =
                MessageValidator.readableRequestId(record.getPayload()).orElse(key != null ? key : "unknown");
        String topic = record.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(IncomingKafkaRecordMetadata::getTopic)
                .orElse("?");
        metrics.invalidRecord(topic, error.code().wire());
        LOG.warnf(
                "request %s refused: %s %s%s",
                requestId, error.code().wire(), error.message(), error.field() != null ? " at " + error.field() : "");
        ChunkStream stream = new ChunkStream(tokens, requestId, parent);
        stream.send(new TokenChunker.Chunk<>(
                0,
                Phase.ANSWER,
                "",
                0,
                new Ending(
                        FinishReason.ERROR,
                        new Usage(0, 0, 0, false),
                        error,
                        acceptedAtMs,
                        null,
                        System.currentTimeMillis())));
        return stream.allAcknowledged();
    }
}
