package io.qwenstream.worker;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A non-blocking semaphore over the worker's places (running sequences plus queued requests). The Kafka
 * channel waits on {@link #acquire()} before it takes the next record, so when every place is taken it stops
 * asking for records and SmallRye pauses the consumer: polling goes on (the group keeps its member), nothing
 * is fetched and nothing is dropped.
 */
final class Admission {

    private final int places;
    private int free;
    private final ArrayDeque<CompletableFuture<Void>> waiting = new ArrayDeque<>();

    Admission(int places) {
        if (places < 1) throw new IllegalArgumentException("at least one place, got " + places);
        this.places = places;
        this.free = places;
    }

    /** Completes once a place is held by the caller, who must {@link #release()} it. */
    synchronized CompletionStage<Void> acquire() {
        if (free > 0) {
            free--;
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> place = new CompletableFuture<>();
        waiting.add(place);
        return place;
    }

    void release() {
        CompletableFuture<Void> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                if (free == places) throw new IllegalStateException("released a place nobody held");
                free++;
                return;
            }
        }
        next.complete(null); // outside the lock: the waiter's continuation runs here
    }

    /** Places taken (running or queued). */
    synchronized int taken() {
        return places - free;
    }
}
