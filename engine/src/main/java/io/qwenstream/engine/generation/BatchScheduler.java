package io.qwenstream.engine.generation;

import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.GenerationResult;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.Scheduler;
import io.qwenstream.engine.TokenListener;
import io.qwenstream.engine.load.LoadedModel;
import io.qwenstream.engine.model.KVCache;
import io.qwenstream.engine.model.Qwen3Model;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Continuous batching: one thread runs every active sequence's next token in a single batched
 * forward, so N concurrent generations share each weight read. New sequences are admitted between
 * decode steps; their prompts are prefilled one chunk per step, so a long prompt never stalls the
 * running decodes; finished sequences retire at once. A sequence of a conversation starts its prefill
 * after the prefix that the conversation's last turn left in the {@link PrefixCache}, and leaves its
 * own cache there when it ends.
 */
public final class BatchScheduler implements Scheduler {

    private record Job(Sequence sequence, String conversation, CompletableFuture<GenerationResult> result) {}

    private final LoadedModel engine;
    private final Qwen3Model model;
    private final int maxSequences;
    private final KvPrecision kvPrecision;
    private final PrefixCache prefixCache;
    private final LinkedBlockingQueue<Runnable> submissions = new LinkedBlockingQueue<>();
    private final List<Job> prefilling = new ArrayList<>();
    private final List<Job> decoding = new ArrayList<>();
    private final List<Job> waiting = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * Runs at most {@code maxSequences} sequences at once; more wait, in order, for a free slot.
     * Conversations' KV caches are kept for their next turn within {@code prefixCacheBytes} (0: none).
     * Every sequence's KV cache stores keys and values at {@code kvPrecision}: serving uses F16 (half
     * the memory per token, so twice the context or the cached conversations), F32 matches the reference.
     */
    public BatchScheduler(LoadedModel engine, int maxSequences, long prefixCacheBytes, KvPrecision kvPrecision) {
        if (maxSequences <= 0)
            throw new IllegalArgumentException("max sequences must be positive, got " + maxSequences);
        if (kvPrecision == null) throw new IllegalArgumentException("KV cache precision is missing (F16 or F32)");
        this.engine = engine;
        this.model = engine.model();
        this.maxSequences = maxSequences;
        this.kvPrecision = kvPrecision;
        this.prefixCache = new PrefixCache(model.config(), prefixCacheBytes);
        this.thread =
                Thread.ofPlatform().name("qwenstream-batch-scheduler").daemon().start(this::loop);
    }

    @Override
    public CompletableFuture<GenerationResult> submit(
            String conversation,
            int[] prompt,
            GenerationOptions options,
            TokenListener listener,
            Supplier<GenerationResult.FinishReason> interrupt) {
        CompletableFuture<GenerationResult> result = new CompletableFuture<>();
        if (!running) {
            result.completeExceptionally(new IllegalStateException("the scheduler is closed"));
            return result;
        }
        submissions.add(() -> {
            try {
                waiting.add(new Job(
                        new Sequence(model, engine.tokenizer(), prompt, options, kvPrecision, listener, interrupt),
                        conversation,
                        result));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    @Override
    public PrefixCacheStats prefixCacheStats() {
        return prefixCache.stats();
    }

    /** Sequences admitted and not yet finished (prefilling or decoding). */
    public int active() {
        return prefilling.size() + decoding.size();
    }

    private void loop() {
        Qwen3Model.Batch prefillBatch = model.newBatch(Qwen3Model.PREFILL_CHUNK);
        Qwen3Model.Batch decodeBatch = model.newBatch(maxSequences);
        Qwen3Model.State[] states = new Qwen3Model.State[maxSequences];
        int[] tokens = new int[maxSequences];
        int[] positions = new int[maxSequences];
        boolean[] want = new boolean[maxSequences];
        java.util.Arrays.fill(want, true);
        while (running) {
            try {
                Runnable submission = active() == 0 && waiting.isEmpty()
                        ? submissions.poll(100, TimeUnit.MILLISECONDS)
                        : submissions.poll();
                while (submission != null) {
                    submission.run();
                    submission = submissions.poll();
                }
            } catch (InterruptedException e) {
                break;
            }
            retireInterrupted(waiting);
            retireInterrupted(prefilling);
            while (active() < maxSequences && !waiting.isEmpty()) admit(waiting.removeFirst());
            if (!prefilling.isEmpty()) prefillOneChunk(prefillBatch);
            if (!decoding.isEmpty()) decodeOneStep(decodeBatch, states, tokens, positions, want);
        }
        for (Runnable submission = submissions.poll(); submission != null; submission = submissions.poll())
            submission.run();
        RuntimeException closed = new IllegalStateException("the scheduler was closed");
        for (List<Job> jobs : List.of(waiting, prefilling, decoding)) {
            for (Job job : jobs) job.result().completeExceptionally(closed);
        }
    }

    /**
     * Ends the jobs of {@code jobs} whose interrupt fired before they decode (a cancel or a deadline while a
     * long prompt waits or prefills): they leave at once, with no token, and their cache is dropped, not
     * kept for the conversation, since it holds only part of the prompt. Decoding jobs are checked at every
     * step by the sequence itself.
     */
    private static void retireInterrupted(List<Job> jobs) {
        for (var it = jobs.iterator(); it.hasNext(); ) {
            Job job = it.next();
            try {
                if (!job.sequence().stopIfInterrupted()) continue;
                it.remove();
                job.result().complete(job.sequence().result());
            } catch (RuntimeException e) { // the interrupt itself failed: that job fails, the others go on
                it.remove();
                job.result().completeExceptionally(e);
            }
        }
    }

    /** Queues a sequence for prefill, from the end of the prefix its conversation's last turn left cached. */
    private void admit(Job job) {
        Sequence s = job.sequence();
        try {
            PrefixCache.Hit hit = prefixCache.lookup(job.conversation(), s.prompt);
            if (hit != null) {
                KVCache.copyPrefix(hit.state(), s.state, hit.length());
                s.prefilled = hit.length();
            }
            prefilling.add(job);
        } catch (RuntimeException e) {
            job.result().completeExceptionally(e);
        }
    }

    private void prefillOneChunk(Qwen3Model.Batch batch) {
        Job job = prefilling.getFirst();
        Sequence s = job.sequence();
        try {
            s.prefilled = model.prefillChunk(batch, s.state, s.prompt, s.prefilled);
            if (s.prefilled < s.prompt.length) return;
            prefilling.removeFirst();
            advance(job);
        } catch (RuntimeException e) {
            prefilling.remove(job); // not removeFirst: when advance() threw, the job had already left the list
            job.result().completeExceptionally(e);
        }
    }

    /**
     * Asks the sequence for its next token: a finished one retires, leaving its cache for its
     * conversation's next turn; the others wait for the next step.
     */
    private void advance(Job job) {
        Sequence s = job.sequence();
        int token = s.next();
        if (token < 0) {
            decoding.remove(job);
            prefixCache.store(job.conversation(), s.fedTokens(), s.state);
            job.result().complete(s.result());
        } else {
            s.pendingToken = token;
            if (!decoding.contains(job)) decoding.add(job);
        }
    }

    private void decodeOneStep(
            Qwen3Model.Batch batch, Qwen3Model.State[] states, int[] tokens, int[] positions, boolean[] want) {
        int n = decoding.size();
        for (int i = 0; i < n; i++) {
            Sequence s = decoding.get(i).sequence();
            states[i] = s.state;
            tokens[i] = s.pendingToken;
            positions[i] = s.takePosition();
        }
        try {
            model.forward(batch, states, tokens, positions, want, n);
        } catch (RuntimeException e) {
            for (Job job : decoding) job.result().completeExceptionally(e);
            decoding.clear();
            return;
        }
        for (Job job : List.copyOf(decoding)) {
            try {
                advance(job);
            } catch (RuntimeException e) {
                decoding.remove(job);
                job.result().completeExceptionally(e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
