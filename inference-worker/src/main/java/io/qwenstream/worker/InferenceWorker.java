package io.qwenstream.worker;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.qwenstream.engine.Engine;
import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.GenerationResult;
import io.qwenstream.engine.Phase;
import io.qwenstream.engine.SamplingParams;
import io.qwenstream.engine.Scheduler;
import io.qwenstream.schemas.ControlAction;
import io.qwenstream.schemas.ControlMessage;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * The worker's flow: a PreparedRequest from qwen.inference runs through the engine, its tokens go to
 * qwen.tokens as seq-numbered chunks keyed by request_id, and the record's offset is acknowledged only once
 * the broker has every chunk of it (acks=all). Cancels come from qwen.control.
 *
 * <p>Up to {@code max-concurrent} sequences run at once in the engine's continuous-batching scheduler (one
 * batched forward per step for all of them); up to {@code queue-capacity} more wait. When both are full the
 * inference channel stops asking for records and SmallRye pauses the consumer, so generation never blocks
 * the polling thread and nothing is dropped.
 */
@ApplicationScoped
public class InferenceWorker {

    private static final Logger LOG = Logger.getLogger(InferenceWorker.class);

    /** What the last chunk of a request carries besides its text. */
    record Ending(
            FinishReason reason,
            Usage usage,
            ErrorDetail error,
            Long startedAtMs,
            Long firstTokenAtMs,
            long finishedAtMs) {}

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
    // Chunks wait here until the Kafka sink takes them; generation outpacing the broker shows up as this buffer
    // filling.
    @Inject
    @Channel("tokens")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
    Emitter<String> tokens;

    private Scheduler scheduler;
    private MessageValidator validator;
    private Admission places;
    private Admission slots;
    private ExecutorService preparing;
    private ScheduledExecutorService flushTimer;
    private String modelName;
    private volatile boolean shuttingDown;

    @PostConstruct
    void start() {
        scheduler = engine.scheduler(config.maxConcurrent(), config.prefixCacheMb() << 20, config.kvCache());
        validator = new MessageValidator(config.maxRecordBytes());
        places = new Admission(config.maxConcurrent() + config.queueCapacity());
        slots = new Admission(config.maxConcurrent());
        // Validation and tokenization run here, off the event loop and off the scheduler's thread.
        preparing = Executors.newSingleThreadExecutor(task -> new Thread(task, "qwenstream-prepare"));
        flushTimer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "qwenstream-chunk-flush");
            thread.setDaemon(true);
            return thread;
        });
        modelName = config.model().getFileName().toString();
        metrics.places(places::taken, config.maxConcurrent() + config.queueCapacity());
        metrics.prefixCache(scheduler);
    }

    @PreDestroy
    void stop() throws InterruptedException {
        shuttingDown = true;
        preparing.shutdown();
        preparing.awaitTermination(10, TimeUnit.SECONDS);
        scheduler.close();
        flushTimer.shutdownNow();
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

    /** Cancels; every worker reads all of qwen.control (its own consumer group) since any may run the request. */
    @Incoming("control")
    public void control(ConsumerRecord<String, byte[]> record) {
        switch (validator.validate(ControlMessage.class, record.value())) {
            case Validation.Valid<ControlMessage>(ControlMessage message)
            when message.action() == ControlAction.CANCEL -> {
                if (cancellations.cancel(message.requestId(), record.timestamp(), System.currentTimeMillis())) {
                    LOG.debugf("request %s: cancel received", message.requestId());
                }
            }
            case Validation.Valid<ControlMessage>(ControlMessage message) ->
                LOG.warnf("qwen.control offset %d: action %s is not handled here", record.offset(), message.action());
            case Validation.Invalid<ControlMessage>(ErrorDetail error) -> {
                metrics.invalidRecord(record.topic(), error.code().wire());
                LOG.warnf(
                        "qwen.control partition %d offset %d refused: %s %s",
                        record.partition(), record.offset(), error.code().wire(), error.message());
            }
        }
    }

    /** Validates and tokenizes; a valid request then waits for one of the scheduler's sequence slots. */
    private void prepare(Message<byte[]> record, long acceptedAtMs) {
        Context parent = TracingMetadata.fromMessage(record)
                .map(TracingMetadata::getCurrentContext)
                .orElse(Context.current());
        try {
            switch (validator.validate(PreparedRequest.class, record.getPayload())) {
                case Validation.Valid<PreparedRequest>(PreparedRequest request) -> {
                    Run run = new Run(record, request, parent, acceptedAtMs);
                    if (run.encode()) slots.acquire().thenRun(run::start);
                }
                case Validation.Invalid<PreparedRequest>(ErrorDetail error) -> {
                    CompletableFuture<Void> delivered = refuse(record, error, parent, acceptedAtMs);
                    places.release();
                    settle(record, delivered);
                }
            }
        } catch (RuntimeException e) {
            places.release();
            LOG.error("a record could not be processed", e);
            record.nack(e);
        }
    }

    /** Acknowledges the record once the broker has all its chunks: only then may its offset be committed. */
    private static void settle(Message<byte[]> record, CompletableFuture<Void> delivered) {
        delivered.whenComplete((ok, failure) -> {
            if (failure == null) {
                record.ack();
            } else {
                LOG.errorf(failure, "chunks of a request were not delivered; its record stays uncommitted");
                record.nack(failure);
            }
        });
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
        ChunkStream stream = new ChunkStream(requestId, parent);
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

    /**
     * One request from its place in the worker to its last chunk: tokenized on the preparing thread, started
     * when a sequence slot frees up, then generated by the batch scheduler, whose thread calls the listener, the
     * interrupt and the completion. Each step hands over to the next, so the fields need no locks.
     */
    private final class Run {
        private final Message<byte[]> record;
        private final PreparedRequest request;
        private final String requestId;
        private final long acceptedAtMs;
        private final Span span;
        private final ChunkStream stream;
        private final TokenChunker<Ending> chunker;
        private final AtomicLong firstTokenAtMs = new AtomicLong(-1);
        private int[] prompt;
        private long startedAtMs;
        private boolean holdsSlot;
        private ScheduledFuture<?> ticker;

        Run(Message<byte[]> record, PreparedRequest request, Context parent, long acceptedAtMs) {
            this.record = record;
            this.request = request;
            this.requestId = request.requestId();
            this.acceptedAtMs = acceptedAtMs;
            this.span = tracer.spanBuilder("chat " + modelName)
                    .setParent(parent)
                    .setSpanKind(SpanKind.INTERNAL)
                    .setAttribute("gen_ai.operation.name", "chat")
                    .setAttribute("gen_ai.request.model", modelName)
                    .setAttribute(
                            "gen_ai.request.max_tokens", request.sampling().maxTokens())
                    .setAttribute("qwenstream.request_id", requestId)
                    .startSpan();
            this.stream = new ChunkStream(requestId, parent.with(span));
            this.chunker = new TokenChunker<>(
                    config.chunk().maxTokens(),
                    config.chunk().maxDelay().toMillis(),
                    System::currentTimeMillis,
                    request.sampling().stop(),
                    stream::send);
        }

        /** Tokenizes the prompt; false when that failed and the request has already ended with an error chunk. */
        boolean encode() {
            try {
                prompt = request.promptTextOnlyAt() == null
                        ? engine.chat().encode(request.prompt())
                        : engine.chat().encode(request.prompt(), request.promptTextOnlyAt());
                return true;
            } catch (RuntimeException e) {
                fail(e);
                return false;
            }
        }

        /** A slot is ours: generate, unless the request is already over. */
        void start() {
            holdsSlot = true;
            startedAtMs = System.currentTimeMillis();
            metrics.queued(startedAtMs - acceptedAtMs);
            try {
                int context = engine.contextLength();
                GenerationResult.FinishReason early = interrupt();
                if (prompt.length >= context) {
                    finish(
                            null,
                            null,
                            FinishReason.ERROR,
                            new Usage(prompt.length, 0, 0, false),
                            new ErrorDetail(
                                    ErrorCode.PROMPT_TOO_LONG,
                                    "the prompt has " + prompt.length + " tokens; the model's context holds "
                                            + context));
                } else if (early != null) {
                    // Cancelled or past its deadline while it waited: no prefill for nothing.
                    finish(null, null, FinishReason.valueOf(early.name()), new Usage(prompt.length, 0, 0, false), null);
                } else {
                    long tick = Math.max(1, config.chunk().maxDelay().toMillis() / 4);
                    ticker = flushTimer.scheduleAtFixedRate(chunker::flushIfDue, tick, tick, TimeUnit.MILLISECONDS);
                    // Keyed by conversation_id alone, as the history is; a prefix is reused only where the tokens
                    // match.
                    scheduler
                            .submit(
                                    request.conversationId(),
                                    prompt,
                                    options(request, context - prompt.length),
                                    (id, text, phase) -> {
                                        firstTokenAtMs.compareAndSet(-1, System.currentTimeMillis());
                                        chunker.onToken(text, phase);
                                    },
                                    this::interrupt)
                            .whenComplete(this::generated);
                }
            } catch (ShuttingDown e) {
                abandon();
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private GenerationResult.FinishReason interrupt() {
            if (shuttingDown) throw new ShuttingDown();
            if (cancellations.isCancelled(requestId)) return GenerationResult.FinishReason.CANCELLED;
            Long deadline = request.deadlineAtMs();
            if (deadline != null && System.currentTimeMillis() >= deadline)
                return GenerationResult.FinishReason.DEADLINE;
            return null;
        }

        private void generated(GenerationResult result, Throwable failure) {
            if (shuttingDown) {
                abandon();
            } else if (failure != null) {
                fail(failure);
            } else {
                GenerationResult.Usage u = result.usage();
                finish(
                        u,
                        result.text(),
                        FinishReason.valueOf(result.finishReason().name()),
                        new Usage(u.promptTokens(), u.thinkingTokens(), u.answerTokens(), u.thinkingBudgetReached()),
                        null);
            }
        }

        /** An engine failure ends this request, never the worker. */
        private void fail(Throwable e) {
            LOG.errorf(e, "request %s: generation failed", requestId);
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            int promptTokens = prompt != null ? prompt.length : request.promptTokens();
            finish(
                    null,
                    null,
                    FinishReason.ERROR,
                    new Usage(promptTokens, chunker.thinkingTokens(), chunker.answerTokens(), false),
                    new ErrorDetail(ErrorCode.INTERNAL, "generation failed: " + e));
        }

        /** The worker is stopping: no last chunk, no acknowledgement, so the request runs again elsewhere. */
        private void abandon() {
            if (ticker != null) ticker.cancel(false);
            span.end();
            release();
            LOG.infof("request %s abandoned at shutdown; its record stays uncommitted and runs again", requestId);
        }

        private void finish(
                GenerationResult.Usage engineUsage,
                String engineText,
                FinishReason reason,
                Usage usage,
                ErrorDetail error) {
            if (ticker != null) ticker.cancel(false);
            long first = firstTokenAtMs.get();
            Ending ending = new Ending(
                    reason,
                    usage,
                    error,
                    holdsSlot ? startedAtMs : null,
                    first < 0 ? null : first,
                    System.currentTimeMillis());
            CompletableFuture<Void> delivered;
            try {
                chunker.finish(engineUsage, engineText, ending);
                delivered = stream.allAcknowledged();
            } catch (RuntimeException e) {
                delivered = CompletableFuture.failedFuture(e);
            }
            span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens());
            span.setAttribute("gen_ai.usage.output_tokens", usage.thinkingTokens() + usage.answerTokens());
            span.setAttribute("gen_ai.response.finish_reasons", reason.wire());
            span.end();
            try {
                metrics.finished(
                        reason,
                        usage.promptTokens(),
                        usage.thinkingTokens(),
                        usage.answerTokens(),
                        ending.finishedAtMs() - acceptedAtMs,
                        first < 0 ? -1 : first - acceptedAtMs);
            } catch (RuntimeException e) {
                LOG.warnf(e, "request %s: its metrics were not recorded", requestId); // a metric never costs a request
            }
            release();
            settle(record, delivered);
        }

        private void release() {
            if (holdsSlot) slots.release();
            places.release();
        }
    }

    /** The request's sampling for the engine; max_tokens is capped by the room the context leaves. */
    private static GenerationOptions options(PreparedRequest request, int room) {
        PreparedRequest.ResolvedSampling s = request.sampling();
        SamplingParams sampling = new SamplingParams(
                (float) s.temperature(),
                (float) s.topP(),
                s.topK(),
                (float) s.minP(),
                (float) s.presencePenalty(),
                s.seed(),
                s.greedy());
        boolean thinking = Boolean.TRUE.equals(request.thinking().enabled());
        // thinking=false: the prompt already ends with the empty think block, the generator adds nothing.
        return new GenerationOptions(
                Math.min(s.maxTokens(), room),
                sampling,
                false,
                s.stop(),
                thinking,
                thinking ? request.thinking().budgetTokens() : null);
    }

    /**
     * One request's chunks on their way to qwen.tokens, in seq order, keyed by request_id, each a child of the
     * request's trace (the sink writes the {@code traceparent} header). Knows when the broker has them all.
     * Its chunks carry a generation_id of their own: a request started again (after a crash or a rebalance)
     * is a new generation, which the postprocessor builds the response from instead of this one.
     */
    private final class ChunkStream {
        private final String requestId;
        private final String generationId = UUID.randomUUID().toString();
        private final Context trace;
        private final List<CompletableFuture<Void>> acks = new ArrayList<>();

        ChunkStream(String requestId, Context trace) {
            this.requestId = requestId;
            this.trace = trace;
        }

        synchronized void send(TokenChunker.Chunk<Ending> chunk) {
            Ending ending = chunk.ending();
            TokenChunk value = ending == null
                    ? TokenChunk.of(requestId, chunk.seq(), chunk.phase(), chunk.text(), chunk.tokenCount())
                            .withGenerationId(generationId)
                    : new TokenChunk(
                            Messages.SCHEMA_VERSION,
                            requestId,
                            chunk.seq(),
                            chunk.phase(),
                            chunk.text(),
                            chunk.tokenCount(),
                            ending.reason(),
                            ending.usage(),
                            ending.error(),
                            generationId,
                            ending.startedAtMs(),
                            ending.firstTokenAtMs(),
                            ending.finishedAtMs());
            CompletableFuture<Void> acked = new CompletableFuture<>();
            acks.add(acked);
            tokens.send(Message.of(
                    Messages.toJsonString(value),
                    Metadata.of(
                            OutgoingKafkaRecordMetadata.<String>builder()
                                    .withKey(requestId)
                                    .build(),
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
