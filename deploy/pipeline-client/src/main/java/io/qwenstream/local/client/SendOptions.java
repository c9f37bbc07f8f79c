package io.qwenstream.local.client;

import io.qwenstream.local.client.CommandLine.UsageException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code send --file F [--key K] [--timeout S] [--bootstrap-server HOST:PORT]}. */
public record SendOptions(Path file, String key, Duration timeout, String bootstrapServer) {

    public static SendOptions parse(List<String> args) {
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
