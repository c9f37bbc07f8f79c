package io.qwenstream.engine.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs the engine CLI in-process, capturing stdout, stderr and the exit status. */
public final class EngineCliRunner {

    public record Result(int status, String stdout, String stderr) {}

    private EngineCliRunner() {}

    public static Result run(String... argv) {
        return run(Map.of(), argv);
    }

    /** The CLI with {@code benchmarks}' verbs too, as benchmarks/engine runs it. */
    public static Result run(Map<String, EngineCli.Verb> benchmarks, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = EngineCli.run(argv, o, e, benchmarks);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
