package io.qwenstream.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.qwenstream.engine.Engine;
import io.qwenstream.engine.Scheduler;
import io.qwenstream.schemas.FinishReason;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The worker's meters. OpenTelemetry GenAI semantic-convention names where one exists
 * ({@code gen_ai.server.*}, {@code gen_ai.client.token.usage}), {@code qwenstream.worker.*} for the rest.
 */
@ApplicationScoped
public class WorkerMetrics {

    private final MeterRegistry registry;
    private final Tags common;
    private final Counter thinkingLoops;

    @Inject
    public WorkerMetrics(MeterRegistry registry, WorkerConfig config) {
        this.registry = registry;
        this.common = Tags.of(
                "gen_ai.operation.name",
                "chat",
                "gen_ai.request.model",
                config.model().getFileName().toString());
        // Registered at once, so that a dashboard reads 0 rather than nothing before the first loop.
        this.thinkingLoops = Counter.builder("qwenstream.worker.thinking.loops")
                .description("Thinkings the engine ended because they repeated themselves or never closed")
                .tags(common)
                .register(registry);
    }

    /** A request whose thinking the engine ended as a loop (usage.thinking_loop_ended). */
    void thinkingLoopEnded() {
        thinkingLoops.increment();
    }

    /** Gauges of the places in use and the places of a full worker. */
    void places(Supplier<Number> taken, int capacity) {
        Gauge.builder("qwenstream.worker.places.taken", taken)
                .description("Requests running or waiting for a sequence")
                .tags(common)
                .strongReference(true)
                .register(registry);
        Gauge.builder("qwenstream.worker.places.capacity", () -> capacity)
                .description("Running plus waiting requests a worker takes")
                .tags(common)
                .strongReference(true)
                .register(registry);
    }

    /** The scheduler's prefix cache: lookups of a conversation by result, prompt tokens not recomputed, evictions, bytes held. */
    void prefixCache(Scheduler scheduler) {
        FunctionCounter.builder(
                        "qwenstream.worker.prefix.cache.lookups",
                        scheduler,
                        s -> s.prefixCacheStats().hits())
                .description("Requests of a conversation by whether its last turn's KV cache gave a prefix")
                .tags(common)
                .tag("result", "hit")
                .register(registry);
        FunctionCounter.builder(
                        "qwenstream.worker.prefix.cache.lookups",
                        scheduler,
                        s -> s.prefixCacheStats().misses())
                .description("Requests of a conversation by whether its last turn's KV cache gave a prefix")
                .tags(common)
                .tag("result", "miss")
                .register(registry);
        FunctionCounter.builder(
                        "qwenstream.worker.prefix.cache.reused.tokens",
                        scheduler,
                        s -> s.prefixCacheStats().reusedTokens())
                .description("Prompt tokens whose keys and values came from the prefix cache instead of a prefill")
                .baseUnit("tokens")
                .tags(common)
                .register(registry);
        FunctionCounter.builder(
                        "qwenstream.worker.prefix.cache.evictions",
                        scheduler,
                        s -> s.prefixCacheStats().evictions())
                .description("Conversations dropped from the prefix cache to make room")
                .tags(common)
                .register(registry);
        Gauge.builder(
                        "qwenstream.worker.prefix.cache.size",
                        scheduler,
                        s -> s.prefixCacheStats().bytesHeld())
                .description("Bytes of KV caches held for conversations' next turns")
                .baseUnit("bytes")
                .tags(common)
                .register(registry);
    }

    /**
     * Tokens routed to each expert of each MoE layer (layers x experts series: 6,144 for Qwen3-30B-A3B), so
     * that a dashboard shows the load balance per layer. None for a dense model.
     */
    void expertLoad(Engine engine) {
        for (int layer : engine.moeLayers()) {
            for (int expert = 0; expert < engine.experts(); expert++) {
                int l = layer, e = expert;
                FunctionCounter.builder("qwenstream.worker.expert.tokens", engine, x -> x.expertTokens(l, e))
                        .description("Tokens routed to an expert of a mixture-of-experts layer")
                        .baseUnit("tokens")
                        .tags(common)
                        .tag("layer", Integer.toString(layer))
                        .tag("expert", Integer.toString(expert))
                        .register(registry);
            }
        }
    }

    /** Time from taking the record to starting its generation. */
    void queued(long millis) {
        Timer.builder("qwenstream.worker.queue.time")
                .description("Time a request waited in the worker for a free sequence")
                .tags(common)
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofMinutes(30))
                .register(registry)
                .record(Duration.ofMillis(millis));
    }

    /**
     * One finished request: request counts by finish reason, token usage by type (input / output, and
     * thinking / answer of the output), and the GenAI server latencies.
     *
     * @param firstTokenAfterMs time from taking the record to the first token, or -1 when none came
     */
    void finished(
            FinishReason reason,
            int promptTokens,
            int thinkingTokens,
            int answerTokens,
            long durationMs,
            long firstTokenAfterMs) {
        Counter.builder("qwenstream.worker.requests")
                .description("Requests finished, by finish reason")
                .tags(common)
                .tag("finish_reason", reason.wire())
                .register(registry)
                .increment();
        tokenUsage("input", promptTokens);
        tokenUsage("output", thinkingTokens + answerTokens);
        generated("thinking", thinkingTokens);
        generated("answer", answerTokens);
        Timer.builder("gen_ai.server.request.duration")
                .description("Generative AI server request duration")
                .tags(common)
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofMinutes(30))
                .register(registry)
                .record(Duration.ofMillis(durationMs));
        if (firstTokenAfterMs >= 0) {
            Timer.builder("gen_ai.server.time_to_first_token")
                    .description("Time to generate the first token")
                    .tags(common)
                    .publishPercentileHistogram()
                    .maximumExpectedValue(Duration.ofMinutes(10))
                    .register(registry)
                    .record(Duration.ofMillis(firstTokenAfterMs));
            int output = thinkingTokens + answerTokens;
            if (output > 1) {
                Timer.builder("gen_ai.server.time_per_output_token")
                        .description("Time per output token after the first")
                        .tags(common)
                        .publishPercentileHistogram()
                        .maximumExpectedValue(Duration.ofSeconds(10))
                        .register(registry)
                        .record(Duration.ofNanos((durationMs - firstTokenAfterMs) * 1_000_000L / (output - 1)));
            }
        }
    }

    /** A record on qwen.inference or qwen.control that could not be read. */
    void invalidRecord(String topic, String code) {
        Counter.builder("qwenstream.worker.invalid.records")
                .description("Records refused as unreadable")
                .tags("topic", topic, "code", code)
                .register(registry)
                .increment();
    }

    private void tokenUsage(String type, int tokens) {
        DistributionSummary.builder("gen_ai.client.token.usage")
                .description("Number of input and output tokens used")
                .baseUnit("tokens")
                .tags(common)
                .tag("gen_ai.token.type", type)
                .register(registry)
                .record(tokens);
    }

    private void generated(String phase, int tokens) {
        Counter.builder("qwenstream.worker.generated.tokens")
                .description("Generated tokens, by phase")
                .baseUnit("tokens")
                .tags(common)
                .tag("phase", phase)
                .register(registry)
                .increment(tokens);
    }
}
