package io.qwenstream.postprocess;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.postprocess.assemble.ChunkReassembly;
import io.qwenstream.postprocess.assemble.ChunkReassembly.ChunkRecord;
import io.qwenstream.postprocess.assemble.ChunkReassembly.Step;
import io.qwenstream.postprocess.assemble.KnownRequest;
import io.qwenstream.postprocess.assemble.Progress;
import io.qwenstream.postprocess.assemble.ResponseAssembly;
import io.qwenstream.schemas.DeltaKind;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.ResponseDelta;
import io.qwenstream.schemas.TokenChunk;
import io.qwenstream.schemas.Validation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Per request: keeps the PreparedRequest, puts the chunks back in order, streams the split deltas, and
 * when every chunk through the last is in, writes the response (and the conversation). Three stores, all
 * keyed by request_id and changelogged, so under exactly_once_v2 a restart resumes exactly where the
 * last commit left off: {@value #REQUESTS}, {@value #PROGRESS}, {@value #DELTAS}.
 */
final class ResponseProcessor implements Processor<String, Inbound, String, Outbound> {

    static final String REQUESTS = "prepared-requests";
    static final String PROGRESS = "request-progress";
    static final String DELTAS = "response-deltas";
    static final String TRACEPARENT = "traceparent";
    private static final Logger LOG = Logger.getLogger(ResponseProcessor.class);
    /** Separates request_id and the zero-padded delta seq in the deltas store; sorts before every digit. */
    private static final char DELTA_KEY_SEPARATOR = '\u0000';

    private final PostprocessConfig config;
    private final MessageValidator validator;
    private final ResponseAssembly assembly;
    private final PostprocessMetrics metrics;
    private final DeltaPublisher deltaPublisher;
    private final String tokensTopic;
    private ProcessorContext<String, Outbound> context;
    private KeyValueStore<String, byte[]> requests;
    private KeyValueStore<String, byte[]> progress;
    private KeyValueStore<String, byte[]> deltas;

    ResponseProcessor(
            PostprocessConfig config,
            MessageValidator validator,
            ResponseAssembly assembly,
            PostprocessMetrics metrics,
            DeltaPublisher deltaPublisher,
            String tokensTopic) {
        this.config = config;
        this.validator = validator;
        this.assembly = assembly;
        this.metrics = metrics;
        this.deltaPublisher = deltaPublisher;
        this.tokensTopic = tokensTopic;
    }

    @Override
    public void init(ProcessorContext<String, Outbound> context) {
        this.context = context;
        this.requests = context.getStateStore(REQUESTS);
        this.progress = context.getStateStore(PROGRESS);
        this.deltas = context.getStateStore(DELTAS);
        context.schedule(config.sweepInterval(), PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, Inbound> record) {
        try {
            switch (record.value()) {
                case Inbound.Chunk chunk -> onChunk(record, chunk.raw());
                case Inbound.Prepared prepared -> onPrepared(record, prepared.raw());
            }
        } catch (RuntimeException e) {
            // A fault of ours must not stop the service for every other request: this one gets an error.
            LOG.errorf(e, "processing a record of request %s failed", record.key());
            metrics.invalidRecord(
                    record.value() instanceof Inbound.Chunk ? tokensTopic : "prepared-by-request",
                    ErrorCode.INTERNAL.wire());
            if (record.key() != null) failRequest(record, e);
        }
    }

    private void failRequest(Record<String, Inbound> record, RuntimeException cause) {
        try {
            long now = System.currentTimeMillis();
            Progress current = loadProgress(record.key());
            if (current == null) current = Progress.start(record.key(), now);
            if (current.done()) return;
            ErrorDetail error = new ErrorDetail(ErrorCode.INTERNAL, "postprocessing failed: " + cause);
            Step step = ChunkReassembly.abandon(record.key(), withTraceparent(current, record.headers()), error, now);
            publish(record.key(), step, record.timestamp());
            finish(record.key(), step.progress(), true, record.timestamp());
        } catch (RuntimeException again) {
            LOG.errorf(again, "request %s could not even be answered with an error", record.key());
        }
    }

    private void onChunk(Record<String, Inbound> record, byte[] raw) {
        long now = System.currentTimeMillis();
        Validation<JsonNode> validation = validator.validate("TokenChunk", raw);
        if (!validation.isValid()) {
            onUnreadableChunk(record, raw, validation.error(), now);
            return;
        }
        JsonNode tree = validation.value();
        TokenChunk chunk = Messages.mapper().convertValue(tree, TokenChunk.class);
        String requestId = chunk.requestId();
        if (record.key() != null && !record.key().equals(requestId)) {
            LOG.warnf("token chunk keyed %s carries request_id %s; the payload wins", record.key(), requestId);
        }
        Progress current = loadProgress(requestId);
        if (current == null) current = Progress.start(requestId, now);
        ChunkRecord chunkRecord = new ChunkRecord(chunk, record.timestamp(), traceparentOf(record.headers()));
        Step step = ChunkReassembly.accept(requestId, current, chunkRecord, now);
        if (step.duplicate()) {
            metrics.duplicateChunk();
            LOG.debugf("duplicate chunk %d of %s ignored", chunk.seq(), requestId);
            return;
        }
        if (step.stale()) {
            metrics.staleChunk();
            LOG.debugf(
                    "chunk %d of %s from generation %s ignored: superseded, or the answer was complete",
                    chunk.seq(), requestId, chunk.generationId());
            return;
        }
        publish(requestId, step, record.timestamp());
        if (step.progress().complete()) {
            finish(requestId, step.progress(), false, record.timestamp());
        } else {
            saveProgress(requestId, step.progress());
        }
    }

    /**
     * A chunk the worker wrote wrong cannot be split, and its request can no longer complete: the request
     * gets an error response now. A chunk with no readable request at all can only be logged and counted.
     */
    private void onUnreadableChunk(Record<String, Inbound> record, byte[] raw, ErrorDetail error, long now) {
        metrics.invalidRecord(tokensTopic, error.code().wire());
        String requestId = MessageValidator.readableRequestId(raw).orElse(record.key());
        LOG.errorf(
                "unreadable token chunk (key %s, %d bytes): %s %s; starts %s",
                record.key(), raw == null ? 0 : raw.length, error.code().wire(), error.message(), preview(raw));
        if (requestId == null) return;
        Progress current = loadProgress(requestId);
        if (current == null) current = Progress.start(requestId, now);
        if (current.done()) return;
        ErrorDetail reason = new ErrorDetail(
                ErrorCode.INTERNAL,
                "a token chunk of this request was unreadable (" + error.code().wire() + ": " + error.message() + ")");
        Step step = ChunkReassembly.abandon(requestId, withTraceparent(current, record.headers()), reason, now);
        publish(requestId, step, record.timestamp());
        finish(requestId, step.progress(), true, record.timestamp());
    }

    private void onPrepared(Record<String, Inbound> record, byte[] raw) {
        JsonNode tree;
        PreparedRequest prepared;
        try {
            tree = Messages.mapper().readTree(raw);
            prepared = Messages.mapper().convertValue(tree, PreparedRequest.class);
        } catch (java.io.IOException | IllegalArgumentException e) {
            // Validated before the repartition topic; only a foreign writer to it could get here.
            metrics.invalidRecord("prepared-by-request", ErrorCode.INVALID_JSON.wire());
            LOG.errorf("unreadable prepared request %s on the repartition topic: %s", record.key(), e.getMessage());
            return;
        }
        String requestId = prepared.requestId();
        Progress current = loadProgress(requestId);
        if (current != null && current.done()) return; // a replay of a request already answered
        String sourceText = tree.path("text").isTextual() ? tree.get("text").asText() : null;
        KnownRequest known =
                new KnownRequest(prepared, sourceText, record.timestamp(), traceparentOf(record.headers()));
        requests.put(requestId, Messages.toJson(known));
        if (current != null && current.complete()) finish(requestId, current, false, record.timestamp());
    }

    /**
     * Stores the step's deltas (in the transaction) and sends them at once (outside it: a replay after a
     * crash sends the same seqs again); a reset first forgets the stored deltas of the generation it drops.
     */
    private void publish(String requestId, Step step, long timestamp) {
        Headers headers = headersFor(step.progress().traceparent());
        for (ResponseDelta delta : step.deltas()) {
            if (delta.kind() == DeltaKind.RESET) {
                LOG.infof(
                        "request %s: generation %s supersedes %s",
                        requestId,
                        delta.generationId(),
                        step.progress().superseded().getLast());
                metrics.generationReset();
                deleteDeltas(requestId);
            }
            deltas.put(deltaKey(requestId, delta.seq()), Messages.toJson(delta));
            deltaPublisher.send(requestId, delta, timestamp, copy(headers));
        }
    }

    /**
     * Writes the response once the request is known; {@code force} answers without it (it never came).
     * Deltas and request are then dropped; a done marker stays to ignore redelivered chunks.
     */
    private void finish(String requestId, Progress complete, boolean force, long timestamp) {
        byte[] knownJson = requests.get(requestId);
        KnownRequest known = knownJson == null ? null : Messages.fromJson(knownJson, KnownRequest.class);
        if (known == null && !force) {
            saveProgress(requestId, complete);
            return;
        }
        List<ResponseDelta> streamed = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it =
                deltas.prefixScan(requestId + DELTA_KEY_SEPARATOR, new StringSerializer())) {
            it.forEachRemaining(entry -> streamed.add(Messages.fromJson(entry.value, ResponseDelta.class)));
        }
        ResponseAssembly.Built built = assembly.build(requestId, known, complete, streamed);
        String traceparent =
                complete.traceparent() != null ? complete.traceparent() : known == null ? null : known.traceparent();
        Headers headers = headersFor(traceparent);
        // The deltas leave outside the transaction: written before the final response, as they were in it.
        deltaPublisher.flush();
        context.forward(new Record<>(requestId, new Outbound.Response(built.response()), timestamp, copy(headers)));
        if (built.conversation() != null) {
            context.forward(new Record<>(
                    built.conversation().conversationId(),
                    new Outbound.Conversation(built.conversation()),
                    timestamp,
                    copy(headers)));
        }
        metrics.response(
                built.response(), known == null ? null : known.prepared().task());
        deleteDeltas(requestId);
        requests.delete(requestId);
        saveProgress(requestId, complete.finished(System.currentTimeMillis()));
    }

    private void deleteDeltas(String requestId) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it =
                deltas.prefixScan(requestId + DELTA_KEY_SEPARATOR, new StringSerializer())) {
            it.forEachRemaining(entry -> keys.add(entry.key));
        }
        keys.forEach(deltas::delete);
    }

    /** Answers what can no longer complete, forgets what is old. Runs on the stream thread, inside its transaction. */
    private void sweep(long now) {
        List<KeyValue<String, Progress>> all = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = progress.all()) {
            it.forEachRemaining(
                    entry -> all.add(KeyValue.pair(entry.key, Messages.fromJson(entry.value, Progress.class))));
        }
        for (KeyValue<String, Progress> entry : all) {
            String requestId = entry.key;
            Progress p = entry.value;
            long idle = now - p.updatedAtMs();
            if (p.done()) {
                if (now - p.doneAtMs() > config.retention().toMillis()) progress.delete(requestId);
            } else if (p.complete()) {
                if (idle > config.preparedWait().toMillis()) {
                    LOG.warnf(
                            "request %s: every chunk is in but its PreparedRequest never came; answering without it",
                            requestId);
                    metrics.swept("no_prepared_request");
                    finish(requestId, p, true, now);
                }
            } else if (idle > config.incompleteAfter().toMillis()) {
                String missing = p.waiting().isEmpty() ? "the last chunk" : "chunk " + p.nextSeq();
                LOG.errorf(
                        "request %s: no chunk for %d ms and %s never came; answering with an error",
                        requestId, idle, missing);
                metrics.swept("incomplete");
                ErrorDetail error = new ErrorDetail(
                        ErrorCode.INTERNAL,
                        "generation stopped: " + missing + " never arrived within "
                                + config.incompleteAfter().toMillis() + " ms");
                Step step = ChunkReassembly.abandon(requestId, p, error, now);
                publish(requestId, step, now);
                finish(requestId, step.progress(), true, now);
            }
        }
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = requests.all()) {
            it.forEachRemaining(entry -> {
                KnownRequest known = Messages.fromJson(entry.value, KnownRequest.class);
                if (now - known.preparedAtMs() > config.retention().toMillis() && progress.get(entry.key) == null) {
                    expired.add(entry.key);
                }
            });
        }
        for (String requestId : expired) {
            LOG.warnf(
                    "request %s: no token chunk within %s of its PreparedRequest; forgetting it",
                    requestId, config.retention());
            metrics.swept("expired");
            requests.delete(requestId);
        }
    }

    private Progress loadProgress(String requestId) {
        byte[] json = progress.get(requestId);
        return json == null ? null : Messages.fromJson(json, Progress.class);
    }

    private void saveProgress(String requestId, Progress p) {
        progress.put(requestId, Messages.toJson(p));
    }

    private static Progress withTraceparent(Progress p, Headers headers) {
        String traceparent = p.traceparent() != null ? p.traceparent() : traceparentOf(headers);
        return new Progress(
                p.generationId(),
                p.superseded(),
                p.nextSeq(),
                p.waiting(),
                p.splitter(),
                p.nextDeltaSeq(),
                p.last(),
                p.firstTokenAtMs(),
                p.lastChunkAtMs(),
                p.startedAtMs(),
                traceparent,
                p.updatedAtMs(),
                p.doneAtMs());
    }

    static String deltaKey(String requestId, long seq) {
        return requestId + DELTA_KEY_SEPARATOR + String.format("%019d", seq);
    }

    private static String traceparentOf(Headers headers) {
        Header header = headers == null ? null : headers.lastHeader(TRACEPARENT);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Headers headersFor(String traceparent) {
        RecordHeaders headers = new RecordHeaders();
        if (traceparent != null) headers.add(TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /** Each forwarded record gets its own headers: downstream nodes may add to them. */
    private static Headers copy(Headers headers) {
        return new RecordHeaders(headers.toArray());
    }

    private static String preview(byte[] raw) {
        if (raw == null) return "(null)";
        String text = new String(raw, 0, Math.min(raw.length, 200), StandardCharsets.UTF_8);
        return text.replaceAll("\\p{Cntrl}", "?");
    }
}
