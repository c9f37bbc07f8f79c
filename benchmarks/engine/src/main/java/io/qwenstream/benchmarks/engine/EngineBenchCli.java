package io.qwenstream.benchmarks.engine;

import io.qwenstream.engine.cli.EngineCli;
import java.util.Map;

/**
 * {@code ./qwenstream engine bench|bandwidth}: the engine's benchmark verbs, run through the engine's CLI so
 * that usage, errors and exit statuses are the engine's own (docs/design.md's CLI contract); the engine jar
 * carries no benchmark.
 */
public final class EngineBenchCli {

    static final Map<String, EngineCli.Verb> VERBS =
            Map.of("bench", BenchCommand::run, "bandwidth", BandwidthCommand::run);

    private EngineBenchCli() {}

    public static void main(String[] argv) {
        System.exit(EngineCli.run(argv, System.out, System.err, VERBS));
    }
}
