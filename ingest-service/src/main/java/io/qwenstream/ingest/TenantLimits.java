package io.qwenstream.ingest;

import io.qwenstream.schemas.ErrorCode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-tenant limits, kept by each ingest instance: requests per second (a token bucket holding one second's worth,
 * at least one request) and generations at once (from acceptance to the request's final response on
 * qwen.responses). A request without a {@code tenant} counts as tenant {@link #NO_TENANT}. A generation whose final
 * response never comes gives its place back after {@code generationTimeout}. A limit of 0 is no limit.
 */
@Singleton
public final class TenantLimits {

    /** The name under which requests without a tenant are limited (not a valid tenant: tenants are non-empty). */
    static final String NO_TENANT = "";

    /** One tenant's limits; 0 is no limit. */
    record Limit(double requestsPerSecond, int maxConcurrent) {
        static final Limit NONE = new Limit(0, 0);
    }

    private final Limit defaults;
    private final Map<String, Limit> perTenant;
    private final long generationTimeoutMs;
    private final Map<String, Bucket> buckets = new HashMap<>();
    /** request id → its running generation, oldest first. */
    private final LinkedHashMap<String, Generation> running = new LinkedHashMap<>();

    private final Map<String, Integer> runningPerTenant = new HashMap<>();

    @Inject
    TenantLimits(IngestConfig config) {
        this(
                new Limit(
                        config.tenantLimits().requestsPerSecond(),
                        config.tenantLimits().maxConcurrent()),
                perTenant(config.tenantLimits()),
                config.tenantLimits().generationTimeout());
    }

    TenantLimits(Limit defaults, Map<String, Limit> perTenant, Duration generationTimeout) {
        this.defaults = defaults;
        this.perTenant = Map.copyOf(perTenant);
        this.generationTimeoutMs = generationTimeout.toMillis();
    }

    /** A named tenant's keys override the defaults one by one. */
    private static Map<String, Limit> perTenant(IngestConfig.TenantLimitsConfig config) {
        Map<String, Limit> limits = new HashMap<>();
        config.tenants()
                .forEach((name, tenant) -> limits.put(
                        name,
                        new Limit(
                                tenant.requestsPerSecond().orElse(config.requestsPerSecond()),
                                tenant.maxConcurrent().orElse(config.maxConcurrent()))));
        return limits;
    }

    /**
     * Admits a request of {@code tenant} at {@code nowMs} or refuses it ({@code rate_limited},
     * {@code too_many_concurrent}); an admitted request holds a place until {@link #finished} or the timeout.
     */
    synchronized void admit(String tenant, String requestId, long nowMs) {
        String name = tenant == null ? NO_TENANT : tenant;
        Limit limit = perTenant.getOrDefault(name, defaults);
        expire(nowMs);
        int concurrent = runningPerTenant.getOrDefault(name, 0);
        if (limit.maxConcurrent() > 0 && concurrent >= limit.maxConcurrent()) {
            throw new RefusedException(
                    ErrorCode.TOO_MANY_CONCURRENT,
                    "too many generations at once for " + describe(name) + ": " + concurrent + " running, the limit is "
                            + limit.maxConcurrent() + "; retry when one has finished",
                    "/tenant");
        }
        if (limit.requestsPerSecond() > 0) {
            Bucket bucket = buckets.computeIfAbsent(name, n -> new Bucket(capacity(limit), nowMs));
            if (!bucket.take(limit.requestsPerSecond(), capacity(limit), nowMs)) {
                throw new RefusedException(
                        ErrorCode.RATE_LIMITED,
                        "too many requests for " + describe(name) + ": the limit is " + limit.requestsPerSecond()
                                + " per second; retry later",
                        "/tenant");
            }
        }
        if (limit.maxConcurrent() > 0) {
            running.put(requestId, new Generation(name, nowMs));
            runningPerTenant.merge(name, 1, Integer::sum);
        }
    }

    /** The request's generation has ended (its final response is out, or it was refused after admission). */
    public synchronized void finished(String requestId) {
        Generation generation = running.remove(requestId);
        if (generation != null) release(generation.tenant());
    }

    /** Generations running for {@code tenant} now. */
    synchronized int running(String tenant) {
        return runningPerTenant.getOrDefault(tenant == null ? NO_TENANT : tenant, 0);
    }

    private void expire(long nowMs) {
        for (Iterator<Generation> it = running.values().iterator(); it.hasNext(); ) {
            Generation oldest = it.next();
            if (nowMs - oldest.startedAtMs() < generationTimeoutMs) break;
            it.remove();
            release(oldest.tenant());
        }
    }

    private void release(String tenant) {
        runningPerTenant.computeIfPresent(tenant, (name, count) -> count > 1 ? count - 1 : null);
    }

    private static double capacity(Limit limit) {
        return Math.max(1, limit.requestsPerSecond());
    }

    private static String describe(String tenant) {
        return tenant.equals(NO_TENANT) ? "requests without a tenant" : "tenant '" + tenant + "'";
    }

    private record Generation(String tenant, long startedAtMs) {}

    /** Tokens refill at the rate, up to the capacity; a request takes one. */
    private static final class Bucket {
        private double tokens;
        private long lastMs;

        Bucket(double tokens, long nowMs) {
            this.tokens = tokens;
            this.lastMs = nowMs;
        }

        boolean take(double perSecond, double capacity, long nowMs) {
            tokens = Math.min(capacity, tokens + (nowMs - lastMs) * perSecond / 1000.0);
            lastMs = Math.max(lastMs, nowMs);
            if (tokens < 1) return false;
            tokens -= 1;
            return true;
        }
    }
}
