package io.qwenstream.postprocess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * STAND-IN, to be replaced by {@code io.qwenstream.local.LocalKafka} once local-cluster lands on main:
 * a real KRaft broker (kafka_2.13 4.1.1, from the test class path) as a child JVM on free loopback ports,
 * with the pipeline's topics.
 */
final class StandInKafka implements AutoCloseable {

    private final Process process;
    private final Path dir;
    private final int port;

    private StandInKafka(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    static StandInKafka start() {
        try {
            Path dir = Files.createTempDirectory("standin-kafka");
            int port = freePort();
            int controller = freePort();
            Path config = dir.resolve("server.properties");
            Files.writeString(config, String.join("\n",
                    "process.roles=broker,controller", "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controller,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "log.dirs=" + dir.resolve("logs"),
                    "offsets.topic.replication.factor=1", "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
                    "transaction.state.log.num.partitions=3",
                    "auto.create.topics.enable=false", "group.initial.rebalance.delay.ms=0",
                    "message.max.bytes=1048576", "num.partitions=1") + "\n");
            run(dir, "kafka.tools.StorageTool", "format", "-t", UUID.randomUUID().toString().substring(0, 22), "-c", config.toString())
                    .waitFor(60, TimeUnit.SECONDS);
            Process broker = run(dir, "kafka.Kafka", config.toString());
            StandInKafka kafka = new StandInKafka(broker, dir, port);
            kafka.createTopics();
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    private void createTopics() throws InterruptedException {
        Map<String, Integer> topics = Map.of("qwen.requests", 3, "qwen.requests.dlq", 1, "qwen.inference", 3, "qwen.control", 1,
                "qwen.tokens", 3, "qwen.responses", 3, "qwen.responses.stream", 3, "qwen.conversations", 1);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            while (true) {
                try {
                    List<NewTopic> specs = new ArrayList<>();
                    topics.forEach((name, partitions) -> specs.add(new NewTopic(name, partitions, (short) 1)
                            .configs(name.equals("qwen.conversations") ? Map.of("cleanup.policy", "compact") : Map.of())));
                    admin.createTopics(specs).all().get(10, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline || !process.isAlive()) {
                        throw new IllegalStateException("stand-in broker did not come up; see " + dir.resolve("broker.log"), e);
                    }
                    Thread.sleep(500);
                }
            }
        }
    }

    private static Process run(Path dir, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
