package io.qwenstream.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

class SettlementTest {

    private final CompletableFuture<Void> acked = new CompletableFuture<>();
    private final AtomicReference<Throwable> nacked = new AtomicReference<>();
    private final Message<byte[]> record = Message.of(
            new byte[0],
            () -> {
                acked.complete(null);
                return CompletableFuture.completedFuture(null);
            },
            failure -> {
                nacked.set(failure);
                return CompletableFuture.completedFuture(null);
            });

    @Test
    void theRecordIsAcknowledgedOnlyOnceTheBrokerHasEveryChunk() {
        CompletableFuture<Void> delivered = new CompletableFuture<>();
        Settlement.whenDelivered(record, delivered);
        assertFalse(acked.isDone(), "its offset must not be committed before the chunks are written");

        delivered.complete(null);
        assertTrue(acked.isDone());
        assertSame(null, nacked.get());
    }

    @Test
    void aChunkTheBrokerRefusedLeavesTheRecordUncommitted() {
        CompletableFuture<Void> delivered = new CompletableFuture<>();
        Settlement.whenDelivered(record, delivered);
        IllegalStateException refused = new IllegalStateException("not enough replicas");
        delivered.completeExceptionally(refused);
        assertSame(refused, nacked.get());
        assertFalse(acked.isDone());
    }
}
