package io.qwenstream.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real Apache Kafka 4.1.1 broker in KRaft mode (one node, broker and controller roles), run as a
 * child JVM from the kafka_2.13 jars on this JVM's class path. Listeners bind 127.0.0.1 on free
 * ports; records up to {@link Topics#MAX_MESSAGE_BYTES} are accepted; topics are never
 * auto-created. The broker's log goes to {@code broker.log} in the data directory.
 *
 * <pre>{@code
 * try (LocalKafka kafka = LocalKafka.start(null)) {      // null: a temporary data dir
 *     kafka.createTopics(Topics.defaults());
 *     props.put("bootstrap.servers", kafka.bootstrapServers());
 * }
 * }</pre>
 *
 * <p>{@link #start} ties the broker to this JVM: a shutdown hook kills it when the JVM exits
 * normally or by a signal it can handle. A {@code kill -9} of this JVM leaves the broker running
 * ({@code ./qwenstream down} finds it through its pid file). {@link #startDetached} is for the
 * launcher: the broker outlives the JVM that started it.
 */
public final class LocalKafka implements AutoCloseable {

    /** The broker's own log (stdout and stderr of the child JVM) inside the data directory. */
    public static final String LOG_FILE = "broker.log";
    /** The broker's pid, written into the data directory so that a later process can stop it. */
    public static final String PID_FILE = "broker.pid";

    private static final Duration START_TIMEOUT =
            Duration.ofSeconds(Long.getLong("qwenstream.kafka.start-timeout-s", 60));
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final int START_ATTEMPTS = 3;
    private static final int LOG_TAIL_LINES = 40;

    private final Process process;
    private final List<String> command;
    private final Path dataDir;
    private final boolean temporary;
    private final int brokerPort;
    private final int controllerPort;
    private final Thread shutdownHook;
    private final BrokerClassPath classPath;
    private final Path archiveRecording;
    /** Null for a plaintext broker. */
    private final BrokerSecurity security;
    /** Set once the broker answered: only a broker that ran records a class archive worth keeping. */
    private volatile boolean started;

    private boolean closed;

    private LocalKafka(
            Process process,
            List<String> command,
            Path dataDir,
            boolean temporary,
            int brokerPort,
            int controllerPort,
            boolean killWithThisJvm,
            BrokerClassPath classPath,
            Path archiveRecording,
            BrokerSecurity security) {
        this.security = security;
        this.classPath = classPath;
        this.archiveRecording = archiveRecording;
        this.process = process;
        this.command = command;
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        if (killWithThisJvm) {
            shutdownHook = new Thread(this::closeQuietly, "local-kafka-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            shutdownHook = null;
        }
    }

    /**
     * Starts a broker and waits until it answers an admin request. The broker dies with this JVM.
     *
     * @param dataDir where the broker keeps its logs and metadata; {@code null} for a temporary
     *                directory that {@link #close()} deletes. An existing, already formatted
     *                directory is reused (its topics survive).
     */
    public static LocalKafka start(Path dataDir) {
        return start(dataDir, true, false);
    }

    /**
     * Starts a broker like {@link #start(Path)} with TLS and SCRAM users, no plaintext listener, and ACLs enforced
     * ({@link BrokerSecurity}); {@link #clientConfig()} and {@link #admin()} are the admin's.
     */
    public static LocalKafka startSecure(Path dataDir) {
        return start(dataDir, true, true);
    }

    /** Starts a broker in a temporary directory; same as {@code start(null)}. */
    public static LocalKafka start() {
        return start(null, true, false);
    }

    /**
     * Starts a broker that outlives this JVM (the launcher's {@code up}); stop it with
     * {@link #close()} or, from another process, with {@link #stopProcess(long, Duration)} on
     * the pid in {@link #PID_FILE}.
     */
    public static LocalKafka startDetached(Path dataDir) {
        return start(dataDir, false, false);
    }

    /** {@link #startDetached(Path)}, secure as {@link #startSecure} when {@code secure}. */
    public static LocalKafka startDetached(Path dataDir, boolean secure) {
        return start(dataDir, false, secure);
    }

    private static LocalKafka start(Path requestedDir, boolean killWithThisJvm, boolean secure) {
        boolean temporary = requestedDir == null;
        Path dataDir;
        try {
            dataDir = temporary
                    ? Files.createTempDirectory("qwenstream-kafka-")
                    : Files.createDirectories(requestedDir.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Kafka data directory " + requestedDir, e);
        }
        BrokerSecurity security;
        try {
            security = secure ? BrokerSecurity.prepare(dataDir, ServiceAcls.USERS) : null;
        } catch (RuntimeException e) {
            if (temporary) deleteRecursively(dataDir);
            throw e;
        }
        IllegalStateException failure = null;
        // A free port found here can be taken by someone else before the broker binds it: retry with new ones.
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            try {
                return startOnce(dataDir, temporary, killWithThisJvm, security);
            } catch (PortTakenException e) {
                failure = e;
            } catch (RuntimeException e) {
                if (temporary) deleteRecursively(dataDir);
                throw e;
            }
        }
        if (temporary) deleteRecursively(dataDir);
        throw failure;
    }

    private static LocalKafka startOnce(
            Path dataDir, boolean temporary, boolean killWithThisJvm, BrokerSecurity security) {
        int brokerPort = freePort();
        int controllerPort = freePort();
        while (controllerPort == brokerPort) controllerPort = freePort();
        Path logFile = dataDir.resolve(LOG_FILE);
        Path properties = dataDir.resolve("server.properties");
        try {
            // Owner-only: with --secure it holds the keystore's and the admin's passwords.
            BrokerSecurity.writeOwnerOnly(properties, serverProperties(dataDir, brokerPort, controllerPort, security));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Kafka data directory " + dataDir, e);
        }
        BrokerClassPath classPath = BrokerClassPath.ofThisJvm();
        Path archive = classPath.existingArchive();
        // Only a broker this JVM stops itself can hand its class archive over (it is written at the broker's exit).
        Path archiveRecording = archive == null && killWithThisJvm ? classPath.newArchiveRecording() : null;
        // BrokerMain formats an unformatted data dir with this id (and the SCRAM users) and keeps a formatted one.
        List<String> brokerArgs =
                new ArrayList<>(List.of(properties.toString(), Uuid.randomUuid().toString()));
        if (security != null) brokerArgs.add(security.scramFile().toString());
        List<String> command = command(
                dataDir, killWithThisJvm, classPath, archive, archiveRecording, brokerArgs.toArray(String[]::new));
        Process process = launch(command, logFile);
        LocalKafka kafka = new LocalKafka(
                process,
                command,
                dataDir,
                temporary,
                brokerPort,
                controllerPort,
                killWithThisJvm,
                classPath,
                archiveRecording,
                security);
        try {
            Files.writeString(dataDir.resolve(PID_FILE), Long.toString(process.pid()));
            kafka.awaitReady(logFile);
            kafka.started = true;
            return kafka;
        } catch (IOException | RuntimeException e) {
            kafka.stop();
            kafka.removeShutdownHook();
            if (e instanceof PortTakenException taken) throw taken;
            if (e instanceof RuntimeException runtime) throw runtime;
            throw new UncheckedIOException((IOException) e);
        }
    }

    private static String serverProperties(Path dataDir, int brokerPort, int controllerPort, BrokerSecurity security) {
        String listeners = security != null
                ? security.serverProperties(brokerPort, controllerPort)
                : String.join(
                        "\n",
                        "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                        "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
                        "controller.listener.names=CONTROLLER",
                        "inter.broker.listener.name=PLAINTEXT",
                        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        return String.join(
                "\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                listeners.strip(),
                "log.dirs=" + dataDir.resolve("kafka-logs"),
                "num.partitions=1",
                "default.replication.factor=1",
                "min.insync.replicas=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "auto.create.topics.enable=false",
                "message.max.bytes=" + Topics.MAX_MESSAGE_BYTES,
                // One consumer per group is the local norm: start the group without waiting for more members.
                "group.initial.rebalance.delay.ms=0",
                // A few threads suffice on a laptop and keep the broker light beside three services.
                "num.network.threads=2",
                "num.io.threads=2",
                "background.threads=2",
                "log.cleaner.threads=1",
                "");
    }

    /**
     * Starts a detached broker again with the command line it ran before (see {@link #command()}) on its own data
     * and ports, and waits until it answers. Its class archive, if it recorded one, is not recorded again.
     */
    public static LocalKafka restartDetached(List<String> command, Path dataDir, int brokerPort, int controllerPort) {
        return restartDetached(command, dataDir, brokerPort, controllerPort, false);
    }

    /** {@link #restartDetached(List, Path, int, int)} of a broker started secure (its secrets in its data dir). */
    public static LocalKafka restartDetached(
            List<String> command, Path dataDir, int brokerPort, int controllerPort, boolean secure) {
        BrokerSecurity security = secure ? BrokerSecurity.load(dataDir) : null;
        List<String> again = command.stream()
                .filter(arg -> !arg.startsWith("-XX:ArchiveClassesAtExit="))
                .toList();
        Path logFile = dataDir.resolve(LOG_FILE);
        Process process = launch(again, logFile);
        LocalKafka kafka =
                new LocalKafka(process, again, dataDir, false, brokerPort, controllerPort, false, null, null, security);
        try {
            Files.writeString(dataDir.resolve(PID_FILE), Long.toString(process.pid()));
            kafka.awaitReady(logFile);
            kafka.started = true;
            return kafka;
        } catch (IOException | RuntimeException e) {
            kafka.stop();
            if (e instanceof RuntimeException runtime) throw runtime;
            throw new UncheckedIOException((IOException) e);
        }
    }

    /** The command line of {@link BrokerMain} in a child JVM on this JVM's class path. */
    private static List<String> command(
            Path dataDir,
            boolean killWithThisJvm,
            BrokerClassPath classPath,
            Path archive,
            Path archiveRecording,
            String... args) {
        List<String> command = new ArrayList<>();
        if (!killWithThisJvm && Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            // Own session: a hangup or Ctrl-C in the terminal that ran `up` must not reach the broker.
            command.add("/usr/bin/setsid");
        }
        command.add(javaBinary());
        // The class path can be far longer than one command-line argument may be: pass it in an @argfile.
        Path argFile = dataDir.resolve("broker-classpath.args");
        try {
            Files.writeString(argFile, "-cp \"" + classPath.asArgument().replace("\\", "\\\\") + "\"\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        command.add("@" + argFile);
        command.addAll(List.of(
                "-Xms64m",
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Djava.awt.headless=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
                "-Dorg.slf4j.simpleLogger.logFile=System.out",
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn",
                "-Dqwenstream.local-kafka=" + dataDir));
        if (archive != null) command.add("-XX:SharedArchiveFile=" + archive);
        if (archiveRecording != null) command.add("-XX:ArchiveClassesAtExit=" + archiveRecording);
        if (classPath.contains("jboss-logmanager")) {
            // A Quarkus test class path binds slf4j to JBoss LogManager: make it JUL's too (BrokerMain configures it).
            command.add("-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
        }
        command.add(BrokerMain.class.getName());
        command.addAll(List.of(args));
        return List.copyOf(command);
    }

    /** Runs a broker command line, output appended to {@code logFile}. */
    private static Process launch(List<String> command, Path logFile) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().remove("KAFKA_OPTS");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the broker with " + command.getFirst(), e);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** The java binary of this JVM, so that the broker runs on the same JDK. */
    static String javaBinary() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private void awaitReady(Path logFile) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        // Wait for the port first: an admin client against a closed port logs a warning per retry.
        while (!acceptsConnections(brokerPort)) {
            checkAlive(logFile);
            if (System.nanoTime() > deadline) throw notReady(logFile, null);
            sleep(50);
        }
        Exception last = null;
        while (System.nanoTime() < deadline) {
            checkAlive(logFile);
            try (Admin admin = admin()) {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000))
                        .nodes()
                        .get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                last = e;
                sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
            }
        }
        throw notReady(logFile, last);
    }

    private void checkAlive(Path logFile) {
        if (process.isAlive()) return;
        String tail = logTail(logFile);
        if (tail.contains("Address already in use")) {
            throw new PortTakenException("a port chosen for the Kafka broker was taken meanwhile\n" + tail);
        }
        throw new IllegalStateException("the Kafka broker exited during start (exit " + process.exitValue()
                + "); last lines of " + logFile + ":\n" + tail);
    }

    private IllegalStateException notReady(Path logFile, Exception cause) {
        return new IllegalStateException(
                "the Kafka broker on 127.0.0.1:" + brokerPort + " was not ready within " + START_TIMEOUT.toSeconds()
                        + " s; last lines of " + logFile + ":\n" + logTail(logFile),
                cause);
    }

    private static boolean acceptsConnections(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last lines of the broker log, for error messages. */
    static String logTail(Path logFile) {
        return logTail(logFile, LOG_TAIL_LINES);
    }

    /** The last {@code count} lines of a log file (undecodable bytes replaced), for error messages. */
    static String logTail(Path logFile, int count) {
        try {
            List<String> lines = new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException e) {
            return "(no log at " + logFile + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port", e);
        }
    }

    /** {@code 127.0.0.1:<port>}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /** The broker's client port (PLAINTEXT listener on 127.0.0.1). */
    public int port() {
        return brokerPort;
    }

    /** The KRaft controller's port (CONTROLLER listener on 127.0.0.1). */
    public int controllerPort() {
        return controllerPort;
    }

    /** The broker's data directory (log dirs, server.properties, broker.log, broker.pid). */
    public Path dataDir() {
        return dataDir;
    }

    /** Whether {@link #close()} deletes the data directory (it was made by {@link #start}). */
    public boolean isTemporary() {
        return temporary;
    }

    /** The broker's log file. */
    public Path logFile() {
        return dataDir.resolve(LOG_FILE);
    }

    /** The broker's command line: run again ({@link #restartDetached}) it starts the broker on the same data. */
    public List<String> command() {
        return command;
    }

    /** The secrets of a secure broker, or null for a plaintext one. */
    public BrokerSecurity security() {
        return security;
    }

    /** The pid of the broker's JVM. */
    public long pid() {
        return process.pid();
    }

    /** Whether the broker process is still running. */
    public boolean isRunning() {
        return process.isAlive();
    }

    /** Client properties with {@code bootstrap.servers} set: a base for producer, consumer and admin configs. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        if (security != null) config.putAll(security.clientConfig(BrokerSecurity.ADMIN));
        return config;
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin admin() {
        Map<String, Object> config = clientConfig();
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(config);
    }

    /** Creates the pipeline's topics; ones that already exist are left as they are. */
    public void createTopics(Topics topics) {
        createTopics(topics.specs());
    }

    /** Creates the given topics (replication factor 1) and waits until the broker has them; existing ones are kept. */
    public void createTopics(List<Topics.Spec> specs) {
        List<NewTopic> newTopics = specs.stream()
                .map(spec -> new NewTopic(spec.name(), spec.partitions(), (short) 1).configs(spec.configs()))
                .toList();
        try (Admin admin = admin()) {
            for (var entry : admin.createTopics(newTopics).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(
                                "cannot create topic " + entry.getKey() + ": "
                                        + e.getCause().getMessage(),
                                e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("creating topics timed out", e);
        }
    }

    /**
     * Stops the broker (SIGTERM, then SIGKILL after a grace period) and deletes the data directory
     * if it is temporary. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        stop();
        removeShutdownHook();
    }

    private void closeQuietly() {
        try {
            synchronized (this) {
                if (closed) return;
                closed = true;
            }
            stop();
        } catch (RuntimeException ignored) {
            // JVM shutdown: nothing left to report to.
        }
    }

    private void stop() {
        // A temporary broker's data is thrown away: no need for a clean shutdown, unless it records the class archive.
        boolean recording = archiveRecording != null && started;
        stopProcess(process.toHandle(), temporary && !recording ? Duration.ZERO : STOP_GRACE);
        if (recording) {
            classPath.publish(archiveRecording);
        } else if (archiveRecording != null) {
            classPath.discard(archiveRecording);
        }
        if (temporary) {
            deleteRecursively(dataDir);
        } else {
            try {
                Files.deleteIfExists(dataDir.resolve(PID_FILE));
            } catch (IOException ignored) {
                // A stale pid file is harmless: the process it names is gone.
            }
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook == null) return;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // The JVM is already shutting down; the hook is what runs close().
        }
    }

    /**
     * Stops a process: SIGTERM, then SIGKILL if it is still alive after {@code grace}. Returns
     * when the process is gone. A pid that no longer exists is fine.
     */
    public static void stopProcess(long pid, Duration grace) {
        ProcessHandle.of(pid).ifPresent(handle -> stopProcess(handle, grace));
    }

    static void stopProcess(ProcessHandle handle, Duration grace) {
        if (!handle.isAlive()) return;
        if (grace.isZero()) {
            handle.destroyForcibly();
        } else {
            handle.destroy();
        }
        try {
            handle.onExit().get(grace.isZero() ? 10_000 : grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            handle.destroyForcibly();
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // A process that survives SIGKILL for 10 s is beyond our reach.
            }
        } catch (InterruptedException e) {
            handle.destroyForcibly();
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
        }
    }

    /** The broker could not bind a port chosen as free: worth another attempt with new ports. */
    private static final class PortTakenException extends IllegalStateException {
        PortTakenException(String message) {
            super(message);
        }
    }

    @Override
    public String toString() {
        return "LocalKafka[" + bootstrapServers() + ", pid " + process.pid() + ", " + dataDir + "]";
    }
}
