package io.qwenstream.ingest;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qwenstream.schemas.ErrorCode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The limits' arithmetic on a clock of the test's own; RequestFlowTest drives them through the broker. */
class TenantLimitsTest {

    private static ErrorCode refusal(TenantLimits limits, String tenant, String requestId, long nowMs) {
        return assertThrows(RefusedException.class, () -> limits.admit(tenant, requestId, nowMs))
                .error()
                .code();
    }

    @Test
    void aTenantGetsItsRatePerSecondWithABurstOfOneSecond() {
        TenantLimits limits = new TenantLimits(new TenantLimits.Limit(2, 0), Map.of(), Duration.ofMinutes(10));
        limits.admit("acme", "r1", 0);
        limits.admit("acme", "r2", 0);
        assertEquals(ErrorCode.RATE_LIMITED, refusal(limits, "acme", "r3", 0));
        limits.admit("other", "o1", 0); // each tenant has its own bucket
        assertEquals(ErrorCode.RATE_LIMITED, refusal(limits, "acme", "r4", 499));
        limits.admit("acme", "r5", 500); // one token back after half a second at 2/s
        assertEquals(ErrorCode.RATE_LIMITED, refusal(limits, "acme", "r6", 500));
    }

    @Test
    void aTenantHasAtMostItsGenerationsRunningUntilTheirResponsesCome() {
        TenantLimits limits = new TenantLimits(
                TenantLimits.Limit.NONE, Map.of("acme", new TenantLimits.Limit(0, 2)), Duration.ofMinutes(10));
        limits.admit("acme", "r1", 0);
        limits.admit("acme", "r2", 0);
        assertEquals(ErrorCode.TOO_MANY_CONCURRENT, refusal(limits, "acme", "r3", 0));
        assertEquals(2, limits.running("acme"));
        limits.finished("r1");
        limits.finished("r1"); // a second response for the same request frees nothing more
        limits.finished("unknown");
        assertEquals(1, limits.running("acme"));
        limits.admit("acme", "r4", 0);
        assertEquals(ErrorCode.TOO_MANY_CONCURRENT, refusal(limits, "acme", "r5", 0));
        assertDoesNotThrow(() -> limits.admit("unlimited", "u1", 0)); // tenants without their own limits
    }

    @Test
    void aGenerationWhoseResponseNeverCameFreesItsPlaceAfterTheTimeout() {
        TenantLimits limits = new TenantLimits(new TenantLimits.Limit(0, 1), Map.of(), Duration.ofSeconds(60));
        limits.admit(null, "r1", 0);
        assertEquals(ErrorCode.TOO_MANY_CONCURRENT, refusal(limits, null, "r2", 59_999));
        limits.admit(null, "r3", 60_000);
        assertEquals(1, limits.running(null));
    }
}
