package io.qwenstream.worker;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.qwenstream.engine.Engine;
import io.qwenstream.engine.Scheduler;
import io.qwenstream.schemas.PreparedRequest;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * The generation loop's shared parts: the engine's continuous-batching scheduler (up to {@code max-concurrent}
 * sequences, one batched forward per step for all of them), the sequence slots a request waits for, the timer
 * that flushes chunks by age, and the shutdown flag. Each request goes through it as a {@link RequestRun}.
 */
final class Generation implements AutoCloseable {

    /** Thrown through the engine when the worker shuts down: the request is left unacknowledged, to run again. */
    static final class ShuttingDown extends RuntimeException {
        ShuttingDown() {
            super("the worker is shutting down", null, false, false);
        }
    }

    final Engine engine;
    final WorkerConfig config;
    final Cancellations cancellations;
    final WorkerMetrics metrics;
    final Tracer tracer;
    final Emitter<String> tokens;
    final Scheduler scheduler;
    final Admission slots;
    final ScheduledExecutorService flushTimer;
    final String modelName;
    private volatile boolean shuttingDown;

    Generation(
            Engine engine,
            WorkerConfig config,
            Cancellations cancellations,
            WorkerMetrics metrics,
            Tracer tracer,
            Emitter<String> tokens) {
        this.engine = engine;
        this.config = config;
        this.cancellations = cancellations;
        this.metrics = metrics;
        this.tracer = tracer;
        this.tokens = tokens;
        this.scheduler = engine.scheduler(config.maxConcurrent(), config.prefixCacheMb() << 20, config.kvCache());
        this.slots = new Admission(config.maxConcurrent());
        this.flushTimer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "qwenstream-chunk-flush");
            thread.setDaemon(true);
            return thread;
        });
        this.modelName = config.model().getFileName().toString();
        metrics.prefixCache(scheduler);
    }

    /**
     * Tokenizes a valid request (on the caller's thread), then starts it once a sequence slot is free; {@code
     * releasePlace} runs when the request no longer holds its place in the worker.
     */
    void run(
            Message<byte[]> record, PreparedRequest request, Context parent, long acceptedAtMs, Runnable releasePlace) {
        RequestRun run = new RequestRun(this, record, request, parent, acceptedAtMs, releasePlace);
        if (run.encode()) slots.acquire().thenRun(run::start);
    }

    /** From now on a run that starts or ends is abandoned (no last chunk, no acknowledgement), to run again. */
    void stopping() {
        shuttingDown = true;
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    @Override
    public void close() {
        shuttingDown = true;
        scheduler.close();
        flushTimer.shutdownNow();
    }
}
