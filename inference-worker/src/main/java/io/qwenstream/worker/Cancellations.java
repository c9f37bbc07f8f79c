package io.qwenstream.worker;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request ids cancelled on qwen.control. A cancel may arrive before its request (still waiting in
 * qwen.inference, or on another partition), so it is remembered for {@code qwenstream.cancel-memory}
 * counted from the cancel record's timestamp, whether or not the request ran here.
 */
@ApplicationScoped
public class Cancellations {

    private final Map<String, Long> cancelledAtMs = new ConcurrentHashMap<>();
    private final long memoryMs;

    @Inject
    public Cancellations(WorkerConfig config) {
        this.memoryMs = config.cancelMemory().toMillis();
    }

    /** Records a cancel made at {@code atMs} (epoch ms); returns false when it is too old to matter. */
    boolean cancel(String requestId, long atMs, long nowMs) {
        cancelledAtMs.values().removeIf(at -> at < nowMs - memoryMs);
        if (atMs < nowMs - memoryMs) return false;
        cancelledAtMs.merge(requestId, atMs, Math::max);
        return true;
    }

    boolean isCancelled(String requestId) {
        return cancelledAtMs.containsKey(requestId);
    }
}
