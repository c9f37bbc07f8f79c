package io.qwenstream.postprocess;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Task;
import jakarta.enterprise.context.ApplicationScoped;

/** Micrometer meters of the service (Prometheus at /q/metrics). */
@ApplicationScoped
public class PostprocessMetrics {

    private final MeterRegistry registry;
    private final Counter thinkingTokens;
    private final Counter answerTokens;
    private final Counter duplicateChunks;
    private final Counter staleChunks;
    private final Counter generationResets;

    PostprocessMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.thinkingTokens = Counter.builder("qwen.postprocess.tokens")
                .tag("kind", "thinking")
                .description("Generated tokens of finished requests, by kind")
                .register(registry);
        this.answerTokens = Counter.builder("qwen.postprocess.tokens")
                .tag("kind", "answer")
                .description("Generated tokens of finished requests, by kind")
                .register(registry);
        this.duplicateChunks = Counter.builder("qwen.postprocess.chunks.duplicate")
                .description("Token chunks ignored because their seq was already seen")
                .register(registry);
        this.staleChunks = Counter.builder("qwen.postprocess.chunks.stale")
                .description("Token chunks ignored because their generation was superseded (or came after the answer"
                        + " was complete)")
                .register(registry);
        this.generationResets = Counter.builder("qwen.postprocess.generations.reset")
                .description("Requests whose generation was superseded by a newer one (a reset delta was sent)")
                .register(registry);
    }

    void response(InferenceResponse response, Task task) {
        registry.counter(
                        "qwen.postprocess.responses",
                        "finish_reason",
                        response.finishReason().wire(),
                        "status",
                        response.status().wire(),
                        "task",
                        task == null ? "unknown" : task.wire())
                .increment();
        if (response.usage() != null) {
            thinkingTokens.increment(response.usage().thinkingTokens());
            answerTokens.increment(response.usage().answerTokens());
        }
    }

    void duplicateChunk() {
        duplicateChunks.increment();
    }

    void staleChunk() {
        staleChunks.increment();
    }

    void generationReset() {
        generationResets.increment();
    }

    /** A record that could not be read; {@code topic} says which input. */
    void invalidRecord(String topic, String code) {
        registry.counter("qwen.postprocess.records.invalid", "topic", topic, "code", code)
                .increment();
    }

    /** A request answered or forgotten by a sweep: {@code reason} incomplete, no_prepared_request, expired. */
    void swept(String reason) {
        registry.counter("qwen.postprocess.requests.swept", "reason", reason).increment();
    }
}
