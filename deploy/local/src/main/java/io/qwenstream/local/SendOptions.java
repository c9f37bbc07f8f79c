package io.qwenstream.local;

import io.qwenstream.local.CommandLine.UsageException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code send --file F [--key K] [--timeout S] [--bootstrap-server HOST:PORT]}. */
record SendOptions(Path file, String key, Duration timeout, String bootstrapServer) {

    static SendOptions parse(List<String> args) {
        CommandLine line =
                CommandLine.parse(args, Set.of("--file", "--key", "--timeout", "--bootstrap-server"), Set.of());
        line.noPositional("send");
        if (!line.has("--file")) throw new UsageException("send needs --file F");
        return new SendOptions(
                Path.of(line.value("--file")),
                line.value("--key"),
                AskOptions.timeout(line),
                line.value("--bootstrap-server"));
    }
}
