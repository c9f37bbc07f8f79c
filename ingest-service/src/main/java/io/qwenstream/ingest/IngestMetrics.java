package io.qwenstream.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.PreparedRequest;
import jakarta.enterprise.context.ApplicationScoped;

/** What ingest counts (Prometheus at /q/metrics). */
@ApplicationScoped
public class IngestMetrics {

    private final MeterRegistry registry;
    private final Counter duplicates;
    private final DistributionSummary promptTokens;

    IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.duplicates = Counter.builder("qwenstream.ingest.duplicates.dropped")
                .description("requests dropped because their request_id was accepted within the dedup window")
                .register(registry);
        this.promptTokens = DistributionSummary.builder("qwenstream.ingest.prompt.tokens")
                .description("prompt length of accepted requests, in tokens")
                .baseUnit("tokens")
                .publishPercentileHistogram()
                .register(registry);
    }

    void accepted(PreparedRequest prepared) {
        registry.counter(
                        "qwenstream.ingest.requests.accepted",
                        "task",
                        prepared.task().wire(),
                        "thinking",
                        String.valueOf(prepared.thinking().enabled()))
                .increment();
        promptTokens.record(prepared.promptTokens());
    }

    void refused(ErrorCode code) {
        registry.counter("qwenstream.ingest.requests.refused", "code", code.wire())
                .increment();
    }

    void duplicateDropped() {
        duplicates.increment();
    }
}
