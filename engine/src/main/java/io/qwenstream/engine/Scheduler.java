package io.qwenstream.engine;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Continuous batching over one engine ({@link Engine#scheduler}): one thread runs every active
 * sequence's next token in a single batched forward, so concurrent generations share each weight
 * read. Sequences beyond its size wait, in order, for a free slot. A conversation's next turn
 * prefills only what follows the prefix its last turn left cached.
 */
public interface Scheduler extends AutoCloseable {

    /** Counters since start: lookups of a conversation that found a prefix or not, prompt tokens not recomputed, entries evicted for room. */
    record PrefixCacheStats(
            long hits, long misses, long reusedTokens, long evictions, long bytesHeld, int conversations) {}

    /**
     * Queues a generation; the future completes with its result, or exceptionally when its input is
     * refused (e.g. a prompt longer than the context) or the engine fails on it. The listener and
     * interrupt are called on the scheduler's thread: keep them short.
     *
     * @param conversation the conversation this prompt continues, or null: the key of its cached prefix
     * @param interrupt asked before each new token; a non-null reason (cancelled, deadline) ends the generation
     */
    CompletableFuture<GenerationResult> submit(
            String conversation,
            int[] prompt,
            GenerationOptions options,
            TokenListener listener,
            Supplier<GenerationResult.FinishReason> interrupt);

    /** Safe to read from any thread. */
    PrefixCacheStats prefixCacheStats();

    /** Stops the scheduler's thread; what has not finished completes exceptionally. */
    @Override
    void close();
}
