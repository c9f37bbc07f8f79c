package io.qwenstream.local;

import io.qwenstream.local.client.CommandLine;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code soak [--requests N] [--rate R] [--kills K] [--broker-restarts B] [--workers W] [--max-tokens M]
 * [--timeout S] [--json]}.
 *
 * @param requests       requests to send, one every 1/rate seconds
 * @param rate           requests per second (a decimal: 0.5 is one every 2 s)
 * @param kills          worker SIGKILLs, each followed by a restart of that worker
 * @param brokerRestarts broker SIGKILLs and restarts (0 or 1)
 * @param workers        inference-worker processes in the group during the soak (the first is up's; the soak
 *                       starts the others and stops them at the end)
 * @param maxTokens      each request's sampling.max_tokens
 * @param timeout        the bound of the whole run: what is unanswered then counts as lost
 */
record SoakOptions(
        int requests,
        double rate,
        int kills,
        int brokerRestarts,
        int workers,
        int maxTokens,
        Duration timeout,
        boolean json) {

    static final int DEFAULT_REQUESTS = 1_000;
    static final double DEFAULT_RATE = 2;
    static final int DEFAULT_KILLS = 3;
    static final int DEFAULT_BROKER_RESTARTS = 1;
    static final int DEFAULT_WORKERS = 2;
    static final int DEFAULT_MAX_TOKENS = 16;
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    static SoakOptions parse(List<String> args) {
        CommandLine line = CommandLine.parse(
                args,
                Set.of(
                        "--requests",
                        "--rate",
                        "--kills",
                        "--broker-restarts",
                        "--workers",
                        "--max-tokens",
                        "--timeout"),
                Set.of("--json"));
        line.noPositional("soak");
        Integer timeout = line.intValue("--timeout", 1, 86_400);
        return new SoakOptions(
                orDefault(line.intValue("--requests", 1, 1_000_000), DEFAULT_REQUESTS),
                rate(line.value("--rate")),
                orDefault(line.intValue("--kills", 0, 100), DEFAULT_KILLS),
                orDefault(line.intValue("--broker-restarts", 0, 1), DEFAULT_BROKER_RESTARTS),
                orDefault(line.intValue("--workers", 1, 8), DEFAULT_WORKERS),
                orDefault(line.intValue("--max-tokens", 1, 100_000), DEFAULT_MAX_TOKENS),
                timeout == null ? DEFAULT_TIMEOUT : Duration.ofSeconds(timeout),
                line.flag("--json"));
    }

    private static double rate(String value) {
        if (value == null) return DEFAULT_RATE;
        double rate;
        try {
            rate = Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new CommandLine.UsageException("--rate needs a number of requests per second, not '" + value + "'");
        }
        if (!(rate >= 0.01 && rate <= 100_000)) {
            throw new CommandLine.UsageException("--rate must be between 0.01 and 100000, not " + value);
        }
        return rate;
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }
}
