package io.qwenstream.ingest;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the request_ids accepted in the last {@code window}, at most {@code capacity} of them
 * (the oldest is forgotten first), so a producer's retry does not run the model twice. A refused
 * request is not remembered: its corrected resend under the same id must go through.
 *
 * <p>Requests are keyed by request_id on qwen.requests, so every copy of one request reaches the
 * same partition and thus the same ingest instance: a per-instance memory is enough.
 */
public final class DuplicateFilter {

    private final long windowMs;
    private final int capacity;
    /** request_id → accepted-at millis, in acceptance order (oldest first). */
    private final LinkedHashMap<String, Long> accepted = new LinkedHashMap<>();

    public DuplicateFilter(Duration window, int capacity) {
        if (window.isNegative() || window.isZero())
            throw new IllegalArgumentException("dedup window must be positive: " + window);
        if (capacity < 1) throw new IllegalArgumentException("dedup capacity must be at least 1: " + capacity);
        this.windowMs = window.toMillis();
        this.capacity = capacity;
    }

    /** Whether {@code requestId} was accepted within the window before {@code nowMs}. */
    public synchronized boolean isDuplicate(String requestId, long nowMs) {
        forgetExpired(nowMs);
        return accepted.containsKey(requestId);
    }

    /** Records that {@code requestId} was accepted at {@code nowMs}. */
    public synchronized void accepted(String requestId, long nowMs) {
        forgetExpired(nowMs);
        accepted.remove(requestId);
        accepted.put(requestId, nowMs);
        if (accepted.size() > capacity) {
            Iterator<String> oldest = accepted.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    public synchronized int size() {
        return accepted.size();
    }

    private void forgetExpired(long nowMs) {
        Iterator<Map.Entry<String, Long>> it = accepted.entrySet().iterator();
        while (it.hasNext() && nowMs - it.next().getValue() >= windowMs) it.remove();
    }
}
