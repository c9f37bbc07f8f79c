package io.qwenstream.engine.generation;

import io.qwenstream.engine.Scheduler;
import io.qwenstream.engine.model.ModelConfig;
import io.qwenstream.engine.model.Qwen3Model;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The KV cache of each conversation's last turn, kept so that the next turn, whose prompt starts with
 * the same tokens (history up to the previous answer), prefills only what is new. Least recently used
 * conversations go first when the byte budget is full; a budget of 0 keeps nothing.
 *
 * <p>An entry costs what its state pins: the KV arrays at their whole capacity ({@code 2 * layers *
 * kvDim * 2} bytes a position in F16, {@code * 4} in F32), not only the positions used, since they are
 * allocated at capacity; and the state's logits ({@code vocab * 4} bytes).
 *
 * <p>Only the scheduler's thread looks up and stores; the methods are synchronized so that
 * {@link #stats()} can be read from any thread (metrics), at the cost of an uncontended lock per request.
 */
public final class PrefixCache {

    /** The first {@code length} positions of {@code state} hold the KV entries of the prompt's first tokens. */
    record Hit(Qwen3Model.State state, int length) {}

    private record Entry(int[] tokens, Qwen3Model.State state, long bytes) {}

    private final long budgetBytes;
    private final long logitsBytes;
    private final LinkedHashMap<String, Entry> entries =
            new LinkedHashMap<>(16, 0.75f, true); // access order: LRU first
    private long bytesHeld;
    private long hits;
    private long misses;
    private long reusedTokens;
    private long evictions;

    PrefixCache(ModelConfig config, long budgetBytes) {
        if (budgetBytes < 0)
            throw new IllegalArgumentException("prefix cache budget must be >= 0 bytes, got " + budgetBytes);
        this.budgetBytes = budgetBytes;
        this.logitsBytes = (long) config.vocabSize() * Float.BYTES;
    }

    /**
     * The longest prefix of {@code prompt} whose KV entries are held under {@code key}, at most
     * {@code prompt.length - 1} tokens (the last prompt token must run to give the logits); null on a
     * miss. Without a key (or with the cache off) there is nothing to look up and nothing is counted.
     */
    synchronized Hit lookup(String key, int[] prompt) {
        if (key == null || budgetBytes == 0) return null;
        Entry entry = entries.get(key);
        int length = entry == null ? 0 : Math.min(commonPrefix(entry.tokens(), prompt), prompt.length - 1);
        if (length <= 0) {
            misses++;
            return null;
        }
        hits++;
        reusedTokens += length;
        return new Hit(entry.state(), length);
    }

    /**
     * Keeps {@code state}, whose first {@code tokens.length} positions hold those tokens' KV entries, for
     * the conversation's next turn, in place of its previous entry. The caller hands the state over and
     * must not change it afterwards. A state larger than the whole budget is not kept.
     */
    synchronized void store(String key, int[] tokens, Qwen3Model.State state) {
        if (key == null || budgetBytes == 0) return;
        Entry old = entries.remove(key);
        if (old != null) bytesHeld -= old.bytes();
        long bytes = state.kvBytes() + logitsBytes;
        if (bytes > budgetBytes) return;
        for (Iterator<Map.Entry<String, Entry>> lru = entries.entrySet().iterator();
                bytesHeld + bytes > budgetBytes; ) {
            bytesHeld -= lru.next().getValue().bytes();
            lru.remove();
            evictions++;
        }
        entries.put(key, new Entry(tokens, state, bytes));
        bytesHeld += bytes;
    }

    public synchronized Scheduler.PrefixCacheStats stats() {
        return new Scheduler.PrefixCacheStats(hits, misses, reusedTokens, evictions, bytesHeld, entries.size());
    }

    static int commonPrefix(int[] a, int[] b) {
        int mismatch = Arrays.mismatch(a, b);
        return mismatch < 0 ? a.length : mismatch;
    }
}
