package io.qwenstream.worker;

import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Acknowledges a qwen.inference record once the broker has every chunk of it: only then may its offset be
 * committed, so a crash before that runs the request again instead of losing it.
 */
final class Settlement {

    private static final Logger LOG = Logger.getLogger(Settlement.class);

    private Settlement() {}

    static void whenDelivered(Message<byte[]> record, CompletableFuture<Void> delivered) {
        delivered.whenComplete((ok, failure) -> {
            if (failure == null) {
                record.ack();
            } else {
                LOG.errorf(failure, "chunks of a request were not delivered; its record stays uncommitted");
                record.nack(failure);
            }
        });
    }
}
