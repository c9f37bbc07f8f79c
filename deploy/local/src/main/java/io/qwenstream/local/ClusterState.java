package io.qwenstream.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code up} started, in {@code .qwenstream/state.json}: enough for {@code ask}/{@code send}
 * to find the broker and for {@code down} (another process) to stop everything.
 *
 * Paths are plain strings so that scripts can read the file too.
 *
 * @param temporaryDataDir whether {@code down} deletes {@code dataDir}
 * @param tokenizer        null when the model carries its own tokenizer
 * @param topics           topic names as {@code qwenstream.topics.*} properties
 * @param secure           whether the broker runs with {@code --secure}: its secrets are in {@code dataDir}
 */
record ClusterState(
        String bootstrapServers,
        String dataDir,
        boolean temporaryDataDir,
        String model,
        String tokenizer,
        Proc broker,
        List<Service> services,
        Map<String, String> topics,
        String startedAt,
        boolean secure) {

    /**
     * A process {@code up} started. {@code startInstant} tells it apart from a later process that
     * got the same pid after ours ended. {@code command}: its command line, which {@code restart}
     * runs again (null in a state written before it was recorded).
     */
    record Proc(long pid, String startInstant, String log, List<String> command) {

        static Proc of(ProcessHandle handle, Path log, List<String> command) {
            return new Proc(
                    handle.pid(),
                    handle.info().startInstant().map(Object::toString).orElse(null),
                    log.toString(),
                    command);
        }

        /** The live process this record names, if it still runs. */
        Optional<ProcessHandle> live() {
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(handle -> startInstant == null
                            || handle.info()
                                    .startInstant()
                                    .map(start -> start.toString().equals(startInstant))
                                    .orElse(true));
        }
    }

    /** One of the three services: its process and HTTP port. */
    record Service(String name, Proc process, int httpPort) {}

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    ClusterState {
        services = List.copyOf(services);
        topics = Map.copyOf(topics);
    }

    ClusterState withBroker(Proc started) {
        return new ClusterState(
                bootstrapServers,
                dataDir,
                temporaryDataDir,
                model,
                tokenizer,
                started,
                services,
                topics,
                startedAt,
                secure);
    }

    /** This state with {@code service} in place of the one of the same name (or added). */
    ClusterState withService(Service service) {
        List<Service> more = new ArrayList<>(services);
        int same = more.stream().map(Service::name).toList().indexOf(service.name());
        if (same >= 0) {
            more.set(same, service);
        } else {
            more.add(service);
        }
        return new ClusterState(
                bootstrapServers, dataDir, temporaryDataDir, model, tokenizer, broker, more, topics, startedAt, secure);
    }

    /** The security settings of the launcher's own clients (the admin user's), empty for a plaintext broker. */
    Map<String, Object> clientSecurity() {
        return secure ? BrokerSecurity.load(Path.of(dataDir)).clientConfig(BrokerSecurity.ADMIN) : Map.of();
    }

    Topics topicNames() {
        return Topics.fromConfig(topics);
    }

    /** The HTTP port of a service, or -1. */
    int httpPort(String service) {
        return services.stream()
                .filter(s -> s.name().equals(service))
                .mapToInt(Service::httpPort)
                .findFirst()
                .orElse(-1);
    }

    static Optional<ClusterState> read(Path file) {
        if (!Files.exists(file)) return Optional.empty();
        try {
            return Optional.of(JSON.readValue(file.toFile(), ClusterState.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " (delete it if no qwenstream processes run)", e);
        }
    }

    /** Written to a temporary file, then moved over the old one: a reader never sees half a state. */
    void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Path partial = file.resolveSibling(file.getFileName() + ".partial");
            JSON.writeValue(partial.toFile(), this);
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
