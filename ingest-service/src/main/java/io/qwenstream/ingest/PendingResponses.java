package io.qwenstream.ingest;

import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * The HTTP requests waiting for their InferenceResponse. Every ingest instance reads all of
 * qwen.responses from the end (its own consumer group) and completes the waits it holds; the
 * others' responses pass by.
 */
@ApplicationScoped
public class PendingResponses {

    private static final Logger LOG = Logger.getLogger(PendingResponses.class);

    private final Map<String, CompletableFuture<InferenceResponse>> waiting = new ConcurrentHashMap<>();

    /** Registers the wait before the request is sent, so a fast answer cannot slip by. */
    public CompletableFuture<InferenceResponse> expect(String requestId) {
        CompletableFuture<InferenceResponse> future = new CompletableFuture<>();
        waiting.put(requestId, future);
        future.whenComplete((response, error) -> waiting.remove(requestId, future));
        return future;
    }

    @Incoming("responses-in")
    void onResponse(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null || record.value() == null) return;
        CompletableFuture<InferenceResponse> future = waiting.get(record.key());
        if (future == null) return;
        try {
            future.complete(Messages.fromJson(record.value(), InferenceResponse.class));
        } catch (IllegalArgumentException e) {
            LOG.errorf("qwen.responses record for %s is not an InferenceResponse: %s", record.key(), e.getMessage());
            future.completeExceptionally(e);
        }
    }
}
