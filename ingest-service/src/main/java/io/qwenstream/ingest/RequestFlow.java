package io.qwenstream.ingest;

import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.InferenceRequest;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.Validation;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * The ingest flow: every record of qwen.requests, read as raw bytes, gets exactly one outcome —
 * <ul>
 *   <li>a PreparedRequest on qwen.inference (keyed by conversation_id, else request_id), or</li>
 *   <li>an error InferenceResponse on qwen.responses and the record, unchanged, on
 *       qwen.requests.dlq with the reason in {@code dlq.*} headers, or</li>
 *   <li>for a request_id accepted within the dedup window: nothing (logged and counted).</li>
 * </ul>
 * The trace of the incoming record (its {@code traceparent}) is the parent of every record sent.
 */
@ApplicationScoped
public class RequestFlow {

    private static final Logger LOG = Logger.getLogger(RequestFlow.class);

    static final String DLQ_REASON = "dlq.reason";
    static final String DLQ_MESSAGE = "dlq.message";
    static final String DLQ_FIELD = "dlq.field";
    static final String DLQ_TOPIC = "dlq.topic";
    static final String DLQ_PARTITION = "dlq.partition";
    static final String DLQ_OFFSET = "dlq.offset";

    /** Records sent but not yet confirmed by the broker; well under the emitters' buffers. */
    static final int MAX_IN_FLIGHT = 64;

    private final MessageValidator validator;
    private final PromptService prompts;
    private final ConversationStore conversations;
    private final DuplicateFilter duplicates;
    private final Duration dedupWindow;
    private final int maxPreparedBytes;
    private final IngestMetrics metrics;
    private final TenantLimits limits;
    private final Clock clock;
    private final MutinyEmitter<byte[]> inference;
    private final MutinyEmitter<byte[]> responses;
    private final MutinyEmitter<byte[]> deadLetters;
    /** Records whose outcome is still being sent: bounded, so a flood waits here rather than in memory. */
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

    RequestFlow(
            IngestConfig config,
            PromptService prompts,
            ConversationStore conversations,
            IngestMetrics metrics,
            TenantLimits limits,
            @Channel("inference") MutinyEmitter<byte[]> inference,
            @Channel("responses") MutinyEmitter<byte[]> responses,
            @Channel("requests-dlq") MutinyEmitter<byte[]> deadLetters) {
        this.validator = new MessageValidator(config.maxRecordBytes());
        this.prompts = prompts;
        this.conversations = conversations;
        this.duplicates =
                new DuplicateFilter(config.dedup().window(), config.dedup().capacity());
        this.dedupWindow = config.dedup().window();
        this.maxPreparedBytes = config.maxPreparedBytes();
        this.metrics = metrics;
        this.limits = limits;
        this.clock = Clock.systemUTC();
        this.inference = inference;
        this.responses = responses;
        this.deadLetters = deadLetters;
    }

    /**
     * Decides the record's outcome and starts sending it, without waiting for the broker: the next record is
     * read meanwhile, and this one is acknowledged (its offset committable) only once everything it caused is
     * written. Waiting per record capped ingest at one broker round trip (plus the producer's linger) per
     * record, about 100 records a second, so a flood of bad input held up the good requests behind it. Sends
     * leave in record order on one producer per topic, which keeps a conversation's turns in order.
     */
    @Incoming("requests")
    @Blocking
    CompletionStage<Void> onRequest(Message<byte[]> record) {
        IncomingKafkaRecordMetadata<?, ?> source =
                record.getMetadata(IncomingKafkaRecordMetadata.class).orElseThrow();
        long receivedAtMs = clock.millis();
        Uni<Void> sent;
        try {
            sent = switch (validator.validateRequest(record.getPayload())) {
                case Validation.Invalid<InferenceRequest>(ErrorDetail error) -> refuse(record, source, error);
                case Validation.Valid<InferenceRequest>(InferenceRequest request) ->
                    accept(record, request, receivedAtMs);
            };
        } catch (RefusedException e) {
            sent = refuse(record, source, e.error());
        } catch (RuntimeException e) {
            LOG.errorf(
                    e,
                    "record %s-%d@%d failed unexpectedly",
                    source.getTopic(),
                    source.getPartition(),
                    source.getOffset());
            sent = refuse(
                    record, source, new ErrorDetail(ErrorCode.INTERNAL, "ingest failed on this record: " + e, null));
        }
        inFlight.acquireUninterruptibly();
        sent.subscribe()
                .with(
                        done -> {
                            inFlight.release();
                            record.ack();
                        },
                        failure -> {
                            inFlight.release();
                            LOG.errorf(
                                    failure,
                                    "record %s-%d@%d: sending its outcome failed",
                                    source.getTopic(),
                                    source.getPartition(),
                                    source.getOffset());
                            record.nack(failure);
                        });
        return CompletableFuture.completedFuture(null);
    }

    private Uni<Void> accept(Message<byte[]> record, InferenceRequest request, long receivedAtMs) {
        if (duplicates.isDuplicate(request.requestId(), receivedAtMs)) {
            metrics.duplicateDropped();
            LOG.infof(
                    "request %s was already accepted within the last %s: duplicate dropped",
                    request.requestId(), dedupWindow);
            return Uni.createFrom().voidItem();
        }
        // Before the work of preparing: a tenant over its limits costs little. Its place is held until the answer.
        limits.admit(request.tenant(), request.requestId(), receivedAtMs);
        PreparedRequest prepared;
        byte[] json;
        try {
            List<ChatMessage> history =
                    request.conversationId() == null ? List.of() : conversations.history(request.conversationId());
            prepared = prompts.preparer().prepare(request, history, receivedAtMs);
            json = Messages.toJson(prepared);
            if (json.length > maxPreparedBytes) {
                throw new RefusedException(
                        ErrorCode.RECORD_TOO_LARGE,
                        "the prepared request (prompt and conversation, history " + "included) is " + json.length
                                + " bytes; qwen.inference takes at most " + maxPreparedBytes + " bytes",
                        null);
            }
        } catch (RuntimeException e) {
            limits.finished(request.requestId());
            throw e;
        }
        String key = prepared.conversationId() != null ? prepared.conversationId() : prepared.requestId();
        // Marked before the broker confirms, so that a duplicate right behind this record is dropped too.
        duplicates.accepted(request.requestId(), receivedAtMs);
        return inference
                .sendMessage(outgoing(record, key, json, new RecordHeaders()))
                .invoke(() -> metrics.accepted(prepared));
    }

    private Uni<Void> refuse(Message<byte[]> record, IncomingKafkaRecordMetadata<?, ?> source, ErrorDetail error) {
        byte[] key = (byte[]) source.getKey();
        String requestId = MessageValidator.readableRequestId(record.getPayload())
                .orElse(key != null && key.length > 0 ? new String(key, StandardCharsets.UTF_8) : "unknown");
        LOG.warnf(
                "request %s (%s-%d@%d) refused: %s %s%s",
                requestId,
                source.getTopic(),
                source.getPartition(),
                source.getOffset(),
                error.code().wire(),
                error.message(),
                error.field() == null ? "" : " at " + error.field());

        RecordHeaders headers = new RecordHeaders();
        for (Header header : source.getHeaders()) {
            if (!header.key().equals("traceparent") && !header.key().equals("tracestate")) headers.add(header);
        }
        headers.add(DLQ_REASON, utf8(error.code().wire()));
        headers.add(DLQ_MESSAGE, utf8(error.message()));
        if (error.field() != null) headers.add(DLQ_FIELD, utf8(error.field()));
        headers.add(DLQ_TOPIC, utf8(source.getTopic()));
        headers.add(DLQ_PARTITION, utf8(Integer.toString(source.getPartition())));
        headers.add(DLQ_OFFSET, utf8(Long.toString(source.getOffset())));

        Uni<Void> answer = responses.sendMessage(outgoing(
                record, requestId, Messages.toJson(InferenceResponse.error(requestId, error)), new RecordHeaders()));
        Uni<Void> deadLetter = deadLetters.sendMessage(outgoing(record, key, record.getPayload(), headers));
        return Uni.combine().all().unis(answer, deadLetter).discardItems().invoke(() -> metrics.refused(error.code()));
    }

    /** A record to send, child of the incoming record's trace. */
    private static <K> Message<byte[]> outgoing(Message<byte[]> cause, K key, byte[] value, RecordHeaders headers) {
        Metadata metadata = Metadata.of(OutgoingKafkaRecordMetadata.<K>builder()
                .withKey(key)
                .withHeaders(headers)
                .build());
        var tracing = TracingMetadata.fromMessage(cause);
        if (tracing.isPresent()) metadata = metadata.with(tracing.get());
        return Message.of(value, metadata);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
