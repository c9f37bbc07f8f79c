package io.qwenstream.local;

import io.qwenstream.local.client.CommandLine;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code fuzz [--records N] [--rate R] [--seed S] [--good G] [--timeout S] [--json]}.
 *
 * @param records malformed records to send
 * @param rate    malformed records per second (the producer paces itself)
 * @param seed    the generator's seed: the same seed sends the same records
 * @param good    good requests measured alone first, then at least as many while the fuzz runs
 * @param timeout how long the run may wait without any progress before it reports what is missing
 */
record FuzzOptions(int records, int rate, long seed, int good, Duration timeout, boolean json) {

    static final int DEFAULT_RECORDS = 10_000;
    static final int DEFAULT_RATE = 500;
    static final int DEFAULT_GOOD = 20;
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    static FuzzOptions parse(List<String> args) {
        CommandLine line = CommandLine.parse(
                args, Set.of("--records", "--rate", "--seed", "--good", "--timeout"), Set.of("--json"));
        line.noPositional("fuzz");
        Integer timeout = line.intValue("--timeout", 1, 86_400);
        Integer seed = line.intValue("--seed", 0, Integer.MAX_VALUE);
        return new FuzzOptions(
                orDefault(line.intValue("--records", 1, 1_000_000), DEFAULT_RECORDS),
                orDefault(line.intValue("--rate", 1, 100_000), DEFAULT_RATE),
                seed == null ? 1 : seed,
                orDefault(line.intValue("--good", 1, 10_000), DEFAULT_GOOD),
                timeout == null ? DEFAULT_TIMEOUT : Duration.ofSeconds(timeout),
                line.flag("--json"));
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }
}
