package io.qwenstream.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.qwenstream.engine.Engine;
import io.qwenstream.engine.generation.GenerationOptions;
import io.qwenstream.engine.generation.GenerationResult;
import io.qwenstream.engine.generation.Generator;
import io.qwenstream.engine.sampling.SamplingParams;
import io.qwenstream.schemas.ControlAction;
import io.qwenstream.schemas.ControlMessage;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.Phase;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.TokenChunk;
import io.qwenstream.schemas.Usage;
import io.qwenstream.schemas.Validation;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The worker's flow: a PreparedRequest from qwen.inference runs through the engine, its tokens go to
 * qwen.tokens as seq-numbered chunks keyed by request_id, and the record's offset is acknowledged only once
 * the broker has every chunk of it (acks=all). Cancels come from qwen.control.
 *
 * <p>Up to {@code max-concurrent} sequences run at once, each on its own thread; up to {@code queue-capacity}
 * more wait. When both are full the inference channel stops asking for records and SmallRye pauses the
 * consumer, so generation never blocks the polling thread and nothing is dropped.
 */
@ApplicationScoped
public class InferenceWorker {

    private static final Logger LOG = Logger.getLogger(InferenceWorker.class);

    /** What the last chunk of a request carries besides its text. */
    record Ending(FinishReason reason, Usage usage, ErrorDetail error, Long startedAtMs, Long firstTokenAtMs, long finishedAtMs) {}

    /** Thrown through the engine when the worker shuts down: the request is left unacknowledged, to run again. */
    private static final class ShuttingDown extends RuntimeException {
        ShuttingDown() {
            super("the worker is shutting down", null, false, false);
        }
    }

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
    // Chunks wait here until the Kafka sink takes them; generation outpacing the broker shows up as this buffer filling.
    @Inject
    @Channel("tokens")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
    Emitter<String> tokens;

    private Generator generator;
    private MessageValidator validator;
    private Admission admission;
    private ExecutorService sequences;
    private ScheduledExecutorService flushTimer;
    private String modelName;
    private volatile boolean shuttingDown;

    @PostConstruct
    void start() {
        generator = new Generator(engine);
        validator = new MessageValidator(config.maxRecordBytes());
        admission = new Admission(config.maxConcurrent() + config.queueCapacity());
        AtomicInteger threadNumber = new AtomicInteger();
        sequences = Executors.newFixedThreadPool(config.maxConcurrent(),
                task -> new Thread(task, "qwenstream-sequence-" + threadNumber.incrementAndGet()));
        flushTimer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "qwenstream-chunk-flush");
            thread.setDaemon(true);
            return thread;
        });
        modelName = config.model().getFileName().toString();
        metrics.places(admission::taken, config.maxConcurrent() + config.queueCapacity());
    }

    @PreDestroy
    void stop() throws InterruptedException {
        shuttingDown = true;
        sequences.shutdown();
        if (!sequences.awaitTermination(10, TimeUnit.SECONDS)) LOG.warn("generations still running at shutdown");
        flushTimer.shutdownNow();
    }

    /** Takes a record once a place is free; its generation runs on a sequence thread. */
    @Incoming("inference")
    public CompletionStage<Void> accept(Message<byte[]> record) {
        return admission.acquire().thenRun(() -> {
            long acceptedAtMs = System.currentTimeMillis();
            try {
                sequences.execute(() -> process(record, acceptedAtMs));
            } catch (RejectedExecutionException e) {
                admission.release();
                throw e;
            }
        });
    }

    /** Cancels; every worker reads all of qwen.control (its own consumer group) since any may run the request. */
    @Incoming("control")
    public void control(ConsumerRecord<String, byte[]> record) {
        switch (validator.validate(ControlMessage.class, record.value())) {
            case Validation.Valid<ControlMessage>(ControlMessage message) when message.action() == ControlAction.CANCEL -> {
                if (cancellations.cancel(message.requestId(), record.timestamp(), System.currentTimeMillis())) {
                    LOG.debugf("request %s: cancel received", message.requestId());
                }
            }
            case Validation.Valid<ControlMessage>(ControlMessage message) ->
                    LOG.warnf("qwen.control offset %d: action %s is not handled here", record.offset(), message.action());
            case Validation.Invalid<ControlMessage>(ErrorDetail error) -> {
                metrics.invalidRecord(record.topic(), error.code().wire());
                LOG.warnf("qwen.control partition %d offset %d refused: %s %s", record.partition(), record.offset(),
                        error.code().wire(), error.message());
            }
        }
    }

    private void process(Message<byte[]> record, long acceptedAtMs) {
        Context parent = TracingMetadata.fromMessage(record).map(TracingMetadata::getCurrentContext).orElse(Context.current());
        try {
            CompletableFuture<Void> delivered = switch (validator.validate(PreparedRequest.class, record.getPayload())) {
                case Validation.Valid<PreparedRequest>(PreparedRequest request) -> generate(request, parent, acceptedAtMs);
                case Validation.Invalid<PreparedRequest>(ErrorDetail error) -> refuse(record, error, parent, acceptedAtMs);
            };
            delivered.whenComplete((ok, failure) -> {
                if (failure == null) {
                    record.ack();
                } else {
                    LOG.errorf(failure, "chunks of a request were not delivered; its record stays uncommitted");
                    record.nack(failure);
                }
            });
        } catch (ShuttingDown e) {
            LOG.infof("a request was abandoned at shutdown; its record stays uncommitted and runs again");
        } catch (RuntimeException e) {
            LOG.error("a record could not be processed", e);
            record.nack(e);
        } finally {
            admission.release();
        }
    }

    /** A record that is no PreparedRequest: one error chunk, under the best request id there is. */
    private CompletableFuture<Void> refuse(Message<byte[]> record, ErrorDetail error, Context parent, long acceptedAtMs) {
        String key = record.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> m.getKey() instanceof String s && !s.isEmpty() ? s : null).orElse(null);
        String requestId = MessageValidator.readableRequestId(record.getPayload()).orElse(key != null ? key : "unknown");
        String topic = record.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getTopic).orElse("?");
        metrics.invalidRecord(topic, error.code().wire());
        LOG.warnf("request %s refused: %s %s%s", requestId, error.code().wire(), error.message(),
                error.field() != null ? " at " + error.field() : "");
        ChunkStream stream = new ChunkStream(requestId, parent);
        long now = System.currentTimeMillis();
        stream.send(new TokenChunker.Chunk<>(0, io.qwenstream.engine.generation.Phase.ANSWER, "", 0,
                new Ending(FinishReason.ERROR, new Usage(0, 0, 0, false), error, acceptedAtMs, null, now)));
        return stream.allAcknowledged();
    }

    private CompletableFuture<Void> generate(PreparedRequest request, Context parent, long acceptedAtMs) {
        String requestId = request.requestId();
        long startedAtMs = System.currentTimeMillis();
        metrics.queued(startedAtMs - acceptedAtMs);
        Span span = tracer.spanBuilder("chat " + modelName).setParent(parent).setSpanKind(SpanKind.INTERNAL)
                .setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.request.model", modelName)
                .setAttribute("gen_ai.request.max_tokens", request.sampling().maxTokens())
                .setAttribute("qwenstream.request_id", requestId)
                .startSpan();
        ChunkStream stream = new ChunkStream(requestId, parent.with(span));
        TokenChunker<Ending> chunker = new TokenChunker<>(config.chunk().maxTokens(), config.chunk().maxDelay().toMillis(),
                System::currentTimeMillis, request.sampling().stop(), stream::send);
        long tick = Math.max(1, config.chunk().maxDelay().toMillis() / 4);
        ScheduledFuture<?> ticker = flushTimer.scheduleAtFixedRate(chunker::flushIfDue, tick, tick, TimeUnit.MILLISECONDS);
        AtomicLong firstTokenAtMs = new AtomicLong(-1);
        Long deadline = request.deadlineAtMs();
        Supplier<GenerationResult.FinishReason> interrupt = () -> {
            if (shuttingDown) throw new ShuttingDown();
            if (cancellations.isCancelled(requestId)) return GenerationResult.FinishReason.CANCELLED;
            if (deadline != null && System.currentTimeMillis() >= deadline) return GenerationResult.FinishReason.DEADLINE;
            return null;
        };
        int promptTokens = request.promptTokens();
        Ending ending;
        try {
            int[] prompt = engine.tokenizer().encode(request.prompt());
            promptTokens = prompt.length;
            int room = engine.config().contextLength() - prompt.length;
            GenerationResult.FinishReason early = interrupt.get();
            if (room <= 0) {
                ending = ending(FinishReason.ERROR, new Usage(prompt.length, 0, 0, false),
                        new ErrorDetail(ErrorCode.PROMPT_TOO_LONG, "the prompt has " + prompt.length
                                + " tokens; the model's context holds " + engine.config().contextLength()),
                        startedAtMs, firstTokenAtMs);
                chunker.finish(null, null, ending);
            } else if (early != null) {
                // Cancelled or past its deadline while it waited: no prefill for nothing.
                ending = ending(FinishReason.valueOf(early.name()), new Usage(prompt.length, 0, 0, false), null,
                        startedAtMs, firstTokenAtMs);
                chunker.finish(null, null, ending);
            } else {
                GenerationResult result = generator.generate(prompt, options(request, room),
                        (id, text, phase) -> {
                            firstTokenAtMs.compareAndSet(-1, System.currentTimeMillis());
                            chunker.onToken(text, phase);
                        }, interrupt);
                GenerationResult.Usage u = result.usage();
                ending = ending(FinishReason.valueOf(result.finishReason().name()),
                        new Usage(u.promptTokens(), u.thinkingTokens(), u.answerTokens(), u.thinkingBudgetReached()),
                        null, startedAtMs, firstTokenAtMs);
                chunker.finish(u, result.text(), ending);
            }
        } catch (ShuttingDown e) {
            span.end();
            throw e;
        } catch (RuntimeException e) {
            // An engine failure ends this request, never the worker.
            LOG.errorf(e, "request %s: generation failed", requestId);
            ending = ending(FinishReason.ERROR, new Usage(promptTokens, chunker.thinkingTokens(), chunker.answerTokens(), false),
                    new ErrorDetail(ErrorCode.INTERNAL, "generation failed: " + e), startedAtMs, firstTokenAtMs);
            chunker.finish(null, null, ending);
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
        } finally {
            ticker.cancel(false);
        }
        Usage usage = ending.usage();
        span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens());
        span.setAttribute("gen_ai.usage.output_tokens", usage.thinkingTokens() + usage.answerTokens());
        span.setAttribute("gen_ai.response.finish_reasons", ending.reason().wire());
        span.end();
        try {
            metrics.finished(ending.reason(), usage.promptTokens(), usage.thinkingTokens(), usage.answerTokens(),
                    ending.finishedAtMs() - acceptedAtMs, firstTokenAtMs.get() < 0 ? -1 : firstTokenAtMs.get() - acceptedAtMs);
        } catch (RuntimeException e) {
            LOG.warnf(e, "request %s: its metrics were not recorded", requestId); // a metric never costs a request
        }
        return stream.allAcknowledged();
    }

    private static Ending ending(FinishReason reason, Usage usage, ErrorDetail error, long startedAtMs, AtomicLong firstTokenAtMs) {
        long first = firstTokenAtMs.get();
        return new Ending(reason, usage, error, startedAtMs, first < 0 ? null : first, System.currentTimeMillis());
    }

    /** The request's sampling for the engine; max_tokens is capped by the room the context leaves. */
    private static GenerationOptions options(PreparedRequest request, int room) {
        PreparedRequest.ResolvedSampling s = request.sampling();
        SamplingParams sampling = new SamplingParams((float) s.temperature(), (float) s.topP(), s.topK(), (float) s.minP(),
                (float) s.presencePenalty(), s.seed(), s.greedy());
        boolean thinking = Boolean.TRUE.equals(request.thinking().enabled());
        // thinking=false: the prompt already ends with the empty think block, the generator adds nothing.
        return new GenerationOptions(Math.min(s.maxTokens(), room), sampling, false, s.stop(), thinking,
                thinking ? request.thinking().budgetTokens() : null);
    }

    /**
     * One request's chunks on their way to qwen.tokens, in seq order, keyed by request_id, each a child of the
     * request's trace (the sink writes the {@code traceparent} header). Knows when the broker has them all.
     */
    private final class ChunkStream {
        private final String requestId;
        private final Context trace;
        private final List<CompletableFuture<Void>> acks = new ArrayList<>();

        ChunkStream(String requestId, Context trace) {
            this.requestId = requestId;
            this.trace = trace;
        }

        synchronized void send(TokenChunker.Chunk<Ending> chunk) {
            Phase phase = chunk.phase() == io.qwenstream.engine.generation.Phase.THINKING ? Phase.THINKING : Phase.ANSWER;
            Ending ending = chunk.ending();
            TokenChunk value = ending == null
                    ? TokenChunk.of(requestId, chunk.seq(), phase, chunk.text(), chunk.tokenCount())
                    : new TokenChunk(Messages.SCHEMA_VERSION, requestId, chunk.seq(), phase, chunk.text(), chunk.tokenCount(),
                    ending.reason(), ending.usage(), ending.error());
            ObjectNode json = Messages.mapper().valueToTree(value);
            if (ending != null) {
                // Timing facts for the postprocessor's timings (queue_ms, ttft_ms, total_ms against received_at_ms);
                // TokenChunk allows extra top-level fields.
                if (ending.startedAtMs() != null) json.put("started_at_ms", ending.startedAtMs());
                if (ending.firstTokenAtMs() != null) json.put("first_token_at_ms", ending.firstTokenAtMs());
                json.put("finished_at_ms", ending.finishedAtMs());
            }
            CompletableFuture<Void> acked = new CompletableFuture<>();
            acks.add(acked);
            tokens.send(Message.of(Messages.toJsonString(json),
                    Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(requestId).build(),
                            TracingMetadata.withCurrent(trace)),
                    () -> {
                        acked.complete(null);
                        return CompletableFuture.completedFuture(null);
                    },
                    failure -> {
                        acked.completeExceptionally(failure);
                        return CompletableFuture.completedFuture(null);
                    }));
        }

        synchronized CompletableFuture<Void> allAcknowledged() {
            return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
        }
    }
}
