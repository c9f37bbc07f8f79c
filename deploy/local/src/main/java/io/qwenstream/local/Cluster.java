package io.qwenstream.local;

import io.qwenstream.local.client.LauncherException;
import io.qwenstream.local.kafka.BrokerSecurity;
import io.qwenstream.local.kafka.LocalKafka;
import io.qwenstream.local.kafka.ServiceAcls;
import io.qwenstream.local.kafka.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * {@code up} and {@code down}: a detached broker and the three services as background
 * processes, recorded in {@code <state dir>/state.json}; their logs in {@code <state dir>/logs}.
 */
final class Cluster {

    /** The services in start order; each is {@code <repo>/<name>/target/quarkus-app/quarkus-run.jar}. */
    static final List<String> SERVICES = List.of("ingest-service", "inference-worker", "postprocess-service");
    /** The service whose HTTP port {@code up} prints (OpenAI-compatible API). */
    static final String HTTP_SERVICE = "ingest-service";

    private static final Duration SERVICE_STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration BROKER_STOP_GRACE = Duration.ofSeconds(15);
    private static final int LOG_TAIL_LINES = 30;

    /** The model a run uses: a GGUF file or HF dir, and a tokenizer dir when the model lacks one. */
    record Model(Path path, Path tokenizer) {}

    private final Path root;
    private final Path stateDir;

    /**
     * @param root     the repository root (where the service modules are)
     * @param stateDir where state.json and the logs go ({@code <root>/.qwenstream})
     */
    Cluster(Path root, Path stateDir) {
        this.root = root;
        this.stateDir = stateDir;
    }

    Path stateFile() {
        return stateDir.resolve("state.json");
    }

    Optional<ClusterState> state() {
        return ClusterState.read(stateFile());
    }

    /** The state of the pipeline that is up; fails, naming the command to run, when none is. */
    ClusterState runningState() {
        return state().orElseThrow(() ->
                new LauncherException("qwenstream is not up (no " + stateFile() + "): run ./qwenstream up first"));
    }

    /** The shipped demo model, gzipped in the repository (docs/demo-model.md). */
    static final String DEFAULT_MODEL_GZ = "tools/demo-model/qwenstream-demo.Q8_0.gguf.gz";

    /**
     * The model {@code up} uses without {@code --model}: qwenstream-demo, a tiny Qwen3-MoE trained on
     * synthetic customer-service dialogues in eight languages (a model of one domain, not Qwen3; real
     * Qwen3 tokenizer and chat template inside). It ships gzipped ({@link #DEFAULT_MODEL_GZ}) and is
     * unpacked into {@code .qwenstream/models/} on first use.
     */
    static Model defaultModel(Path root) {
        return new Model(
                root.resolve(".qwenstream/models/qwenstream-demo.Q8_0.gguf")
                        .toAbsolutePath()
                        .normalize(),
                null);
    }

    /**
     * Unpacks the shipped demo model unless an unpacked copy at least as new as the archive is
     * there; through a temporary file and an atomic move, so an interrupted unpack leaves nothing
     * half-written under the model's name.
     */
    static void unpackDefaultModel(Path root, Path target, PrintStream out) {
        Path gz = root.resolve(DEFAULT_MODEL_GZ);
        try {
            if (!Files.exists(gz)) {
                if (Files.exists(target)) return;
                throw new LauncherException("no default model: " + gz + " is missing (pass --model PATH)");
            }
            if (Files.exists(target) && Files.getLastModifiedTime(target).compareTo(Files.getLastModifiedTime(gz)) >= 0)
                return;
            out.println("qwenstream: unpacking the demo model " + gz + " into " + target.getParent());
            Files.createDirectories(target.getParent());
            Path partial = Files.createTempFile(
                    target.getParent(), target.getFileName().toString(), ".partial");
            try {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16)) {
                    Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new LauncherException("cannot unpack the default model " + gz + ": " + e.getMessage());
        }
    }

    Model chooseModel(UpOptions options, PrintStream out) {
        if (options.model() == null) {
            Model model = defaultModel(root);
            unpackDefaultModel(root, model.path(), out);
            return options.tokenizer() != null ? new Model(model.path(), options.tokenizer()) : model;
        }
        if (!Files.exists(options.model()))
            throw new LauncherException("--model " + options.model() + " does not exist");
        if (options.tokenizer() != null && !Files.isDirectory(options.tokenizer())) {
            throw new LauncherException("--tokenizer " + options.tokenizer() + " is not a directory");
        }
        return new Model(options.model(), options.tokenizer());
    }

    Path serviceJar(String service) {
        return root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    /** Starts broker, topics and services; returns once every service reports ready. On failure stops what it started. */
    ClusterState up(UpOptions options, PrintStream out) {
        Optional<ClusterState> existing = state();
        if (existing.isPresent()) {
            if (anyRunning(existing.get())) {
                throw new LauncherException(
                        "qwenstream is already up (" + stateFile() + "): run ./qwenstream down first");
            }
            out.println("qwenstream: clearing the state of an earlier run whose processes are gone");
            down(out);
        }
        List<String> missing =
                SERVICES.stream().filter(s -> !Files.exists(serviceJar(s))).toList();
        if (!missing.isEmpty()) {
            throw new LauncherException("not built: "
                    + missing.stream().map(this::serviceJar).toList() + " (run ./mvnw -DskipTests install)");
        }
        Model model = chooseModel(options, out);
        out.println("qwenstream: model " + model.path()
                + (model.tokenizer() != null ? " (tokenizer " + model.tokenizer() + ")" : "")
                + (options.model() == null
                        ? " [default: qwenstream-demo, a tiny customer-service model of one domain, not Qwen3]"
                        : ""));

        Path logs = stateDir.resolve("logs");
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (options.secure() && !BrokerSecurity.canSecure(options.dataDir())) {
            throw new LauncherException("the broker data in " + options.dataDir()
                    + " was made without --secure and has no SCRAM users: use another --data directory");
        }
        LocalKafka kafka = LocalKafka.startDetached(options.dataDir(), options.secure());
        Topics topics = Topics.fromSystemProperties();
        ClusterState state = new ClusterState(
                kafka.bootstrapServers(),
                kafka.dataDir().toString(),
                kafka.isTemporary(),
                model.path().toString(),
                model.tokenizer() == null ? null : model.tokenizer().toString(),
                ClusterState.Proc.of(ProcessHandle.of(kafka.pid()).orElseThrow(), kafka.logFile(), kafka.command()),
                List.of(),
                topics.asConfig(),
                Instant.now().toString(),
                options.secure());
        state.write(stateFile());
        try {
            out.println(
                    "qwenstream: kafka broker up at " + kafka.bootstrapServers() + " (data " + kafka.dataDir() + ")");
            kafka.createTopics(topics);
            if (options.secure()) {
                try (var admin = kafka.admin()) {
                    ServiceAcls.create(admin, topics);
                }
                out.println("qwenstream: TLS and SCRAM users on, ACLs set; secrets in "
                        + kafka.security().dir());
            }
            List<Process> processes = new ArrayList<>();
            for (String service : SERVICES) {
                int port = freePort();
                Path log = logs.resolve(service + ".log");
                List<String> command = serviceCommand(service, port, state, model);
                Process process = startProcess(command, log, false);
                processes.add(process);
                state = state.withService(new ClusterState.Service(
                        service, ClusterState.Proc.of(process.toHandle(), log, command), port));
                state.write(stateFile());
            }
            awaitReady(state, processes, options.timeout(), out);
        } catch (RuntimeException e) {
            out.println("qwenstream: up failed, stopping what it started");
            down(out);
            throw e;
        }
        return state;
    }

    private List<String> serviceCommand(String service, int port, ClusterState state, Model model) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) command.add("/usr/bin/setsid"); // no terminal signals
        command.add(LocalKafka.javaBinary());
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        // A bounded young generation: left to size itself it grows to gigabytes of short-lived engine
        // scratch (mostly from warm-up, before C2 compiles the vector kernels), and resident memory with it.
        if (service.equals("inference-worker")) command.add("-Xmn64m");
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("kafka.bootstrap.servers", state.bootstrapServers());
        properties.put("quarkus.http.host", "127.0.0.1");
        properties.put("quarkus.http.port", Integer.toString(port));
        if (!service.equals("postprocess-service")) {
            properties.put("qwenstream.model", model.path().toString());
            if (model.tokenizer() != null)
                properties.put("qwenstream.tokenizer", model.tokenizer().toString());
        }
        if (service.equals("inference-worker")) {
            // A static member: restarted, it takes its partitions back at once (docs/reliability.md, takeover).
            properties.put("mp.messaging.incoming.inference.group.instance.id", "qwenstream-" + service + "-1");
        }
        if (service.equals("postprocess-service")) {
            // Local state belongs with the broker data it was built from: it goes (or stays) with the data dir.
            properties.put(
                    "kafka-streams.state.dir",
                    Path.of(state.dataDir()).resolve("kafka-streams").toString());
        }
        properties.putAll(state.topics());
        if (state.secure()) {
            // The service's user and password: read from an owner-only file, never on the command line.
            properties.put(
                    "quarkus.config.locations",
                    BrokerSecurity.load(Path.of(state.dataDir()))
                            .servicePropertiesFile(service)
                            .toUri()
                            .toString());
        }
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", serviceJar(service).toString()));
        return List.copyOf(command);
    }

    /** Starts a service's command line, its output to {@code log} (appended to it for a restart). */
    private Process startProcess(List<String> command, Path log, boolean append) {
        try {
            return new ProcessBuilder(command)
                    .directory(root.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(
                            append
                                    ? ProcessBuilder.Redirect.appendTo(log.toFile())
                                    : ProcessBuilder.Redirect.to(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /**
     * {@code restart broker|<service>}: stops the process (SIGKILL with {@code kill}, else SIGTERM and a grace
     * period) if it still runs, starts it again with the command line recorded in the state, on the same data and
     * ports, and waits until it answers. The other processes are left alone: they reconnect by themselves.
     */
    ClusterState restart(String name, boolean kill, Duration timeout, PrintStream out) {
        ClusterState state = runningState();
        boolean broker = name.equals("broker");
        ClusterState.Service service = broker
                ? null
                : state.services().stream()
                        .filter(s -> s.name().equals(name))
                        .findFirst()
                        .orElseThrow(() -> new LauncherException(
                                "no process named " + name + " (broker or one of " + SERVICES + ")"));
        ClusterState.Proc proc = broker ? state.broker() : service.process();
        if (proc.command() == null) {
            throw new LauncherException("the state in " + stateFile() + " has no command line for " + name
                    + " (written by an older launcher): run ./qwenstream down and up");
        }
        proc.live().ifPresent(handle -> {
            LocalKafka.stopProcess(handle, kill ? Duration.ZERO : broker ? BROKER_STOP_GRACE : SERVICE_STOP_GRACE);
            out.println("qwenstream: " + (kill ? "killed " : "stopped ") + name + " (pid " + handle.pid() + ")");
        });
        if (broker) {
            int port = Integer.parseInt(
                    state.bootstrapServers().substring(state.bootstrapServers().lastIndexOf(':') + 1));
            LocalKafka kafka =
                    LocalKafka.restartDetached(proc.command(), Path.of(state.dataDir()), port, -1, state.secure());
            state = state.withBroker(ClusterState.Proc.of(
                    ProcessHandle.of(kafka.pid()).orElseThrow(), kafka.logFile(), kafka.command()));
            state.write(stateFile());
            out.println("qwenstream: kafka broker up again at " + state.bootstrapServers() + " (pid " + kafka.pid()
                    + ", data " + state.dataDir() + ")");
            return state;
        }
        Path log = Path.of(proc.log());
        Process process = startProcess(proc.command(), log, true);
        ClusterState.Service again = new ClusterState.Service(
                name, ClusterState.Proc.of(process.toHandle(), log, proc.command()), service.httpPort());
        state = state.withService(again);
        state.write(stateFile());
        ClusterState one = new ClusterState(
                state.bootstrapServers(),
                state.dataDir(),
                state.temporaryDataDir(),
                state.model(),
                state.tokenizer(),
                state.broker(),
                List.of(again),
                state.topics(),
                state.startedAt(),
                state.secure());
        awaitReady(one, List.of(process), timeout, out);
        return state;
    }

    /** Polls every service's {@code /q/health/ready} until all answer 200, one dies, or the timeout passes. */
    private void awaitReady(ClusterState state, List<Process> processes, Duration timeout, PrintStream out) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ClusterState.Service> waiting = new ArrayList<>(state.services());
        while (!waiting.isEmpty()) {
            for (int i = 0; i < waiting.size(); i++) {
                ClusterState.Service service = waiting.get(i);
                Process process = processes.get(state.services().indexOf(service));
                if (!process.isAlive()) {
                    throw new LauncherException(service.name() + " exited (" + process.exitValue()
                            + ") while starting; last lines of "
                            + service.process().log() + ":\n"
                            + LocalKafka.logTail(Path.of(service.process().log()), LOG_TAIL_LINES));
                }
                if (isReady(http, service.httpPort())) {
                    out.println("qwenstream: " + service.name() + " ready (pid "
                            + service.process().pid() + ", http port " + service.httpPort() + ")");
                    waiting.remove(i--);
                }
            }
            if (waiting.isEmpty()) break;
            if (System.nanoTime() > deadline) {
                ClusterState.Service late = waiting.getFirst();
                throw new LauncherException(
                        late.name() + " was not ready within " + timeout.toSeconds() + " s (GET http://127.0.0.1:"
                                + late.httpPort() + "/q/health/ready); last lines of "
                                + late.process().log() + ":\n"
                                + LocalKafka.logTail(Path.of(late.process().log()), LOG_TAIL_LINES));
            }
            Interruptibly.sleep(250);
        }
    }

    private static boolean isReady(HttpClient http, int port) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while waiting for the services");
        }
    }

    /**
     * Stops the services, then the broker (SIGTERM, SIGKILL after a grace period), deletes a
     * temporary data dir and the state file. Returns false when there was nothing to stop.
     */
    boolean down(PrintStream out) {
        Optional<ClusterState> found = state();
        if (found.isEmpty()) return false;
        ClusterState state = found.get();
        // Services first, all at once: each stops its consumers while the broker still answers.
        List<Thread> stopping = new ArrayList<>();
        for (ClusterState.Service service : state.services()) {
            service.process()
                    .live()
                    .ifPresent(handle -> stopping.add(Thread.ofVirtual().start(() -> {
                        LocalKafka.stopProcess(handle, SERVICE_STOP_GRACE);
                        out.println("qwenstream: stopped " + service.name() + " (pid " + handle.pid() + ")");
                    })));
        }
        for (Thread thread : stopping) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("interrupted while stopping the services");
            }
        }
        state.broker().live().ifPresent(handle -> {
            LocalKafka.stopProcess(handle, state.temporaryDataDir() ? Duration.ZERO : BROKER_STOP_GRACE);
            out.println("qwenstream: stopped the kafka broker (pid " + handle.pid() + ")");
        });
        Path dataDir = Path.of(state.dataDir());
        if (state.temporaryDataDir()) {
            LocalKafka.deleteRecursively(dataDir);
        } else {
            try {
                Files.deleteIfExists(dataDir.resolve(LocalKafka.PID_FILE));
            } catch (IOException ignored) {
                // The broker is stopped; a stale pid file is harmless.
            }
        }
        try {
            Files.deleteIfExists(stateFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return true;
    }

    static boolean anyRunning(ClusterState state) {
        return state.broker().live().isPresent()
                || state.services().stream()
                        .anyMatch(service -> service.process().live().isPresent());
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port", e);
        }
    }
}
