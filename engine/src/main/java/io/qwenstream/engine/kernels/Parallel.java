package io.qwenstream.engine.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A persistent pool of worker threads for data-parallel loops. One token takes hundreds of
 * parallel regions, each a few microseconds to a millisecond, so hand-off must be cheap: workers
 * spin briefly on a generation counter and only then park. The calling thread runs the first
 * chunk itself. A region started while another is running (nested, or from a second thread)
 * simply runs serially in its caller: correct, and it never deadlocks.
 */
public final class Parallel {

    /** A body over the index range [start, end). */
    @FunctionalInterface
    public interface Range {
        void run(int start, int end);
    }

    private static int requested = Runtime.getRuntime().availableProcessors();
    private static Pool pool;

    private Parallel() {}

    /** Sets the pool size; only before the first parallel region (or to the size already running). */
    public static synchronized void setThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        if (pool != null && pool.size != threads) {
            throw new IllegalStateException("the worker pool already runs " + pool.size
                    + " threads; set threads before the first parallel region");
        }
        requested = threads;
    }

    public static synchronized int threads() {
        return pool != null ? pool.size : requested;
    }

    private static synchronized Pool pool() {
        if (pool == null) pool = new Pool(requested);
        return pool;
    }

    /** body.accept(i) for every i in [0, n), spread over the pool. */
    public static void parallelFor(int n, IntConsumer body) {
        parallelForRange(n, (start, end) -> {
            for (int i = start; i < end; i++) body.accept(i);
        });
    }

    /** body.run on one contiguous chunk of [0, n) per thread; returns when all are done. */
    public static void parallelForRange(int n, Range body) {
        if (n <= 0) return;
        Pool p = pool();
        if (n == 1 || p.size == 1 || !p.busy.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            p.run(n, body);
        } finally {
            p.busy.set(false);
        }
    }

    private static final class Pool {
        /** How long an idle worker spins before it parks: longer than the gap between two regions of one token. */
        private static final long SPIN_NANOS = 50_000;

        final int size;
        final AtomicBoolean busy = new AtomicBoolean();
        private final Worker[] workers;
        private final AtomicInteger pending = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        // Written by the caller before the volatile generation bump that publishes them.
        private Range task;
        private int n;
        private volatile long generation;

        Pool(int size) {
            this.size = size;
            this.workers = new Worker[size - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(i + 1);
                workers[i].start();
            }
        }

        void run(int n, Range body) {
            this.task = body;
            this.n = n;
            pending.set(workers.length);
            generation = generation + 1;
            for (Worker w : workers) {
                if (w.parked) LockSupport.unpark(w);
            }
            Throwable own = null;
            try {
                chunk(0);
            } catch (Throwable t) {
                own = t;
            }
            for (int spins = 0; pending.get() != 0; spins++) {
                // On an oversubscribed machine a worker may be descheduled: stop hogging its core.
                if (spins < 100_000) Thread.onSpinWait();
                else Thread.yield();
            }
            task = null;
            Throwable other = failure.getAndSet(null);
            Throwable first = own != null ? own : other;
            if (first == null) return;
            if (own != null && other != null) own.addSuppressed(other);
            if (first instanceof RuntimeException e) throw e;
            if (first instanceof Error e) throw e;
            throw new RuntimeException(first);
        }

        private void chunk(int k) {
            int start = (int) ((long) n * k / size);
            int end = (int) ((long) n * (k + 1) / size);
            if (start < end) task.run(start, end);
        }

        private final class Worker extends Thread {
            private final int index;
            volatile boolean parked;

            Worker(int index) {
                super("qwenstream-worker-" + index);
                this.index = index;
                setDaemon(true);
            }

            @Override
            public void run() {
                long seen = 0;
                while (true) {
                    seen = awaitNext(seen);
                    try {
                        chunk(index);
                    } catch (Throwable t) {
                        if (!failure.compareAndSet(null, t)) failure.get().addSuppressed(t);
                    } finally {
                        pending.decrementAndGet();
                    }
                }
            }

            private long awaitNext(long seen) {
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                for (int spins = 0; generation == seen; spins++) {
                    if ((spins & 63) != 0 || System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                        continue;
                    }
                    // Dekker-style: announce parking, then re-check; the caller bumps, then checks parked.
                    parked = true;
                    while (generation == seen) LockSupport.park(this);
                    parked = false;
                }
                return generation;
            }
        }
    }
}
