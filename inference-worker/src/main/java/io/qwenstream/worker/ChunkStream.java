package io.qwenstream.worker;

import io.opentelemetry.context.Context;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.TokenChunk;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * One request's chunks on their way to qwen.tokens, in seq order, keyed by request_id, each a child of the
 * request's trace (the sink writes the {@code traceparent} header). Knows when the broker has them all.
 * Its chunks carry a generation_id of their own: a request started again (after a crash or a rebalance)
 * is a new generation, which the postprocessor builds the response from instead of this one.
 */
final class ChunkStream {
    private final Emitter<String> tokens;
    private final String requestId;
    private final String generationId = UUID.randomUUID().toString();
    private final Context trace;
    private final List<CompletableFuture<Void>> acks = new ArrayList<>();

    ChunkStream(Emitter<String> tokens, String requestId, Context trace) {
        this.tokens = tokens;
        this.requestId = requestId;
        this.trace = trace;
    }

    synchronized void send(TokenChunker.Chunk<Ending> chunk) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        acks.add(acked);
        tokens.send(Message.of(
                json(requestId, generationId, chunk),
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

    /** The TokenChunk record value of one chunk; the last one also carries the timing facts. */
    static String json(String requestId, String generationId, TokenChunker.Chunk<Ending> chunk) {
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
        return Messages.toJsonString(value);
    }
}
