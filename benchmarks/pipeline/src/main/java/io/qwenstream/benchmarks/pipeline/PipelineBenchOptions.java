package io.qwenstream.benchmarks.pipeline;

import io.qwenstream.local.client.CommandLine;
import io.qwenstream.local.client.CommandLine.UsageException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code bench-pipeline [--requests N] [--concurrency C] [--max-tokens T] [--warmup W] [--rounds R]
 * [--prompt TEXT] [--think] [--timeout S] [--json]}.
 *
 * @param requests    measured requests (after the warm-up ones)
 * @param concurrency requests in flight at once (closed loop); also the engine-alone run's batch slots
 * @param maxTokens   sampling.max_tokens of every request; a request may stop earlier (eos)
 * @param warmup      requests run first and left out of the statistics (JIT, connections, caches)
 * @param rounds      the measured requests are split into this many rounds, each through the pipeline
 *                    then the engine alone, so that load changes on a shared machine hit both alike
 * @param thinking    the hard thinking switch of every request (default off: see {@link PipelineBench})
 * @param timeout     how long the run may go without any request finishing
 */
public record PipelineBenchOptions(
        int requests,
        int concurrency,
        int maxTokens,
        int warmup,
        int rounds,
        String prompt,
        boolean thinking,
        Duration timeout,
        boolean json) {

    static final int DEFAULT_REQUESTS = 200;
    static final int DEFAULT_CONCURRENCY = 1;
    static final int DEFAULT_MAX_TOKENS = 32;
    static final int DEFAULT_WARMUP = 10;
    static final int DEFAULT_ROUNDS = 4;
    static final String DEFAULT_PROMPT =
            "Explain step by step how a Kafka consumer group shares the partitions of a topic.";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    public static PipelineBenchOptions parse(List<String> args) {
        CommandLine line = CommandLine.parse(
                args,
                Set.of("--requests", "--concurrency", "--max-tokens", "--warmup", "--rounds", "--prompt", "--timeout"),
                Set.of("--think", "--json"));
        line.noPositional("bench-pipeline");
        String prompt = line.has("--prompt") ? line.value("--prompt") : DEFAULT_PROMPT;
        if (prompt.isBlank()) throw new UsageException("--prompt needs a non-empty TEXT");
        Integer timeout = line.intValue("--timeout", 1, 86_400);
        return new PipelineBenchOptions(
                orDefault(line.intValue("--requests", 1, 1_000_000), DEFAULT_REQUESTS),
                orDefault(line.intValue("--concurrency", 1, 1024), DEFAULT_CONCURRENCY),
                orDefault(line.intValue("--max-tokens", 2, 1_000_000), DEFAULT_MAX_TOKENS),
                orDefault(line.intValue("--warmup", 0, 1_000_000), DEFAULT_WARMUP),
                orDefault(line.intValue("--rounds", 1, 1_000), DEFAULT_ROUNDS),
                prompt,
                line.flag("--think"),
                timeout == null ? DEFAULT_TIMEOUT : Duration.ofSeconds(timeout),
                line.flag("--json"));
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }
}
