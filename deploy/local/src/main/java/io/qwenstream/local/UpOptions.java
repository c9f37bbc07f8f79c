package io.qwenstream.local;

import io.qwenstream.local.client.CommandLine;
import io.qwenstream.local.kafka.BrokerSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code up [--model PATH] [--tokenizer DIR] [--data DIR] [--timeout S] [--secure]}.
 *
 * @param model     null: the shipped demo model
 * @param tokenizer null: the model's own tokenizer (or the default model's)
 * @param dataDir   null: a temporary broker data directory that {@code down} deletes
 * @param timeout   how long each service may take to report ready
 * @param secure    TLS, SCRAM users and ACLs on the broker ({@link BrokerSecurity})
 */
record UpOptions(Path model, Path tokenizer, Path dataDir, Duration timeout, boolean secure) {

    UpOptions(Path model, Path tokenizer, Path dataDir, Duration timeout) {
        this(model, tokenizer, dataDir, timeout, false);
    }

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(180);

    static UpOptions parse(List<String> args) {
        CommandLine line =
                CommandLine.parse(args, Set.of("--model", "--tokenizer", "--data", "--timeout"), Set.of("--secure"));
        line.noPositional("up");
        Integer timeout = line.intValue("--timeout", 1, 86_400);
        return new UpOptions(
                path(line, "--model"),
                path(line, "--tokenizer"),
                path(line, "--data"),
                timeout == null ? DEFAULT_TIMEOUT : Duration.ofSeconds(timeout),
                line.flag("--secure"));
    }

    private static Path path(CommandLine line, String name) {
        String value = line.value(name);
        if (value == null) return null;
        if (value.isBlank()) throw new CommandLine.UsageException(name + " needs a path");
        return Path.of(value).toAbsolutePath().normalize();
    }
}
