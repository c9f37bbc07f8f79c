package io.qwenstream.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CancellationsTest {

    private static final long MINUTE = 60_000;

    @Test
    void aCancelIsRememberedForTheConfiguredTimeFromItsRecordTimestamp() {
        Cancellations cancellations = new Cancellations(tenMinutes());
        long now = 100 * MINUTE;
        assertTrue(cancellations.cancel("early", now - 2 * MINUTE, now), "a cancel may come before its request");
        assertTrue(cancellations.isCancelled("early"));
        assertFalse(
                cancellations.cancel("stale", now - 11 * MINUTE, now), "read back from an old part of qwen.control");
        assertFalse(cancellations.isCancelled("stale"));
        cancellations.cancel("later", now + 9 * MINUTE, now + 9 * MINUTE);
        assertFalse(cancellations.isCancelled("early"), "forgotten once older than the memory");
        assertTrue(cancellations.isCancelled("later"));
    }

    private static WorkerConfig tenMinutes() {
        return (WorkerConfig) Proxy.newProxyInstance(
                WorkerConfig.class.getClassLoader(),
                new Class<?>[] {WorkerConfig.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "cancelMemory" -> Duration.ofMinutes(10);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
