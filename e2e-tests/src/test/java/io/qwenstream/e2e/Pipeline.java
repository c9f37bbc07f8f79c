package io.qwenstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.local.Launcher;
import io.qwenstream.local.kafka.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The whole pipeline, started the way a user starts it: {@code up} of the launcher (a real KRaft
 * broker, the topics, and the three services' {@code target/quarkus-app/quarkus-run.jar} as child
 * processes) on the fixture model, with its state and logs in a directory of the test's own.
 * Gives the tests a producer to {@code qwen.requests} and a {@link TopicRecorder} of the other
 * topics; {@link #close()} runs {@code down} and checks that no process is left.
 */
final class Pipeline implements AutoCloseable {

    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(90);

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path root;
    final Path stateDir;
    final Topics topics = Topics.defaults();
    final TopicRecorder recorder;
    private final String bootstrapServers;
    private final List<ProcessHandle> processes;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread downOnExit;
    private boolean closed;

    private Pipeline(Path root, Path stateDir, String bootstrapServers, List<ProcessHandle> processes) {
        this.root = root;
        this.stateDir = stateDir;
        this.bootstrapServers = bootstrapServers;
        this.processes = processes;
        // Should the test JVM be stopped before @AfterAll, the pipeline goes with it.
        this.downOnExit = new Thread(
                () -> launcher(new PrintStream(OutputStream.nullOutputStream())).run(List.of("down")),
                "e2e-pipeline-down");
        Runtime.getRuntime().addShutdownHook(downOnExit);
        this.producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        Topics.MAX_MESSAGE_BYTES,
                        ProducerConfig.LINGER_MS_CONFIG,
                        0),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        this.recorder = new TopicRecorder(
                bootstrapServers,
                List.of(
                        topics.inference(),
                        topics.tokens(),
                        topics.responses(),
                        topics.requestsDlq(),
                        topics.conversations()));
    }

    /** The checkout whose service jars run: {@code qwenstream.root} (set by the build), else the parent of this module. */
    static Path repositoryRoot() {
        String configured = System.getProperty("qwenstream.root");
        return (configured != null ? Path.of(configured) : Path.of(".."))
                .toAbsolutePath()
                .normalize();
    }

    /** The repository's reference fixtures ({@code qwenstream.fixtures}, else fixtures/ of the checkout). */
    static Path fixtures() {
        return Path.of(System.getProperty(
                "qwenstream.fixtures", repositoryRoot().resolve("fixtures").toString()));
    }

    /** The Qwen3 tokenizer the engine ships ({@code qwenstream.tokenizer}, else its place in the checkout). */
    static Path tokenizer() {
        return Path.of(System.getProperty(
                "qwenstream.tokenizer",
                repositoryRoot()
                        .resolve("engine/src/main/resources/io/qwenstream/engine/tokenizer/qwen3")
                        .toString()));
    }

    /** {@code up} with the fixture model and the engine's tokenizer; returns once every service is ready. */
    static Pipeline up(Path stateDir) {
        return up(
                stateDir,
                List.of(
                        "--model",
                        fixtures().resolve("models/tiny-qwen3-moe").toString(),
                        "--tokenizer",
                        tokenizer().toString()));
    }

    /** {@code up} with these model options (none: the default, the shipped demo model); returns once ready. */
    static Pipeline up(Path stateDir, List<String> modelOptions) {
        Path root = repositoryRoot();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("up"));
        args.addAll(modelOptions);
        args.addAll(List.of("--timeout", "150"));
        int status = new Launcher(root, stateDir, out, out).run(args);
        if (status != 0) {
            throw new IllegalStateException(
                    "./qwenstream up failed (exit " + status + "):\n" + log.toString(StandardCharsets.UTF_8));
        }
        JsonNode state = readState(stateDir);
        List<ProcessHandle> processes = new ArrayList<>();
        ProcessHandle.of(state.path("broker").path("pid").asLong()).ifPresent(processes::add);
        for (JsonNode service : state.path("services")) {
            ProcessHandle.of(service.path("process").path("pid").asLong()).ifPresent(processes::add);
        }
        if (processes.size() != 4)
            throw new IllegalStateException("up reported ready but runs " + processes.size() + " of 4 processes");
        return new Pipeline(root, stateDir, state.path("bootstrap_servers").asText(), processes);
    }

    /** {@code .qwenstream/state.json}: what {@code up} started (its file format is meant for scripts too). */
    private static JsonNode readState(Path stateDir) {
        try {
            return JSON.readTree(stateDir.resolve("state.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Launcher launcher(PrintStream out) {
        return new Launcher(root, stateDir, out, out);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** The HTTP port (health, {@code /q/metrics}) of a service {@code up} started. */
    int httpPort(String service) {
        for (JsonNode started : readState(stateDir).path("services")) {
            if (started.path("name").asText().equals(service))
                return started.path("http_port").asInt();
        }
        throw new IllegalArgumentException("up started no " + service);
    }

    /** Produces one record to qwen.requests, as any producer would; {@code traceparent} may be null. */
    void send(String key, byte[] value, String traceparent) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                topics.requests(), key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
        if (traceparent != null) record.headers().add("traceparent", traceparent.getBytes(StandardCharsets.US_ASCII));
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot produce to " + topics.requests(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Produces a request keyed by its request_id. */
    void send(ObjectNode request) {
        send(request.path("request_id").asText(), bytes(request), null);
    }

    /** The final InferenceResponse of a request, waited for. */
    JsonNode awaitResponse(String requestId) {
        return recorder.awaitRequest(topics.responses(), requestId, RESPONSE_TIMEOUT)
                .json();
    }

    static byte[] bytes(JsonNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectMapper json() {
        return JSON;
    }

    /** A log of a service ({@code .qwenstream/logs/<service>.log}), for failure messages. */
    String log(String service) {
        try {
            return Files.readString(stateDir.resolve("logs").resolve(service + ".log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** {@code down}; then every process {@code up} started must be gone. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            recorder.close();
            producer.close(Duration.ofSeconds(5));
        } finally {
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            int status =
                    launcher(new PrintStream(log, true, StandardCharsets.UTF_8)).run(List.of("down"));
            Runtime.getRuntime().removeShutdownHook(downOnExit);
            List<ProcessHandle> alive =
                    processes.stream().filter(ProcessHandle::isAlive).toList();
            // A process that ignored down is killed here rather than outlive the build.
            alive.forEach(ProcessHandle::destroyForcibly);
            if (status != 0 || !alive.isEmpty()) {
                throw new IllegalStateException("./qwenstream down (exit " + status + ") left "
                        + alive.stream().map(ProcessHandle::pid).toList() + " running:\n"
                        + log.toString(StandardCharsets.UTF_8));
            }
        }
    }
}
