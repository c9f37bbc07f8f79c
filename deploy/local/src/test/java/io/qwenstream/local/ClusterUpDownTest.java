package io.qwenstream.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.local.client.LauncherException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * up and down with a real broker and three stand-in services ({@link FakeService} packed as each
 * module's quarkus-run.jar): background processes, readiness, the state file, and nothing left
 * behind by down or by a failed up.
 */
class ClusterUpDownTest {

    @TempDir
    Path root;

    private Path fakeRepository() throws IOException {
        String classFile = FakeService.class.getName().replace('.', '/') + ".class";
        byte[] classBytes;
        try (var in = FakeService.class.getClassLoader().getResourceAsStream(classFile)) {
            classBytes = in.readAllBytes();
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeService.class.getName());
        for (String service : Cluster.SERVICES) {
            Path jar = root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
            Files.createDirectories(jar.getParent());
            try (OutputStream file = Files.newOutputStream(jar);
                    JarOutputStream out = new JarOutputStream(file, manifest)) {
                out.putNextEntry(new JarEntry(classFile));
                out.write(classBytes);
                out.closeEntry();
            }
        }
        Files.writeString(root.resolve("model.gguf"), "stand-in");
        Files.writeString(root.resolve("broken-model.gguf"), "stand-in");
        return root;
    }

    @Test
    void upStartsEverythingInTheBackgroundAndDownStopsIt() throws Exception {
        Cluster cluster = new Cluster(fakeRepository(), root.resolve(".qwenstream"));
        var out = new ByteArrayOutputStream();
        ClusterState state = cluster.up(
                new UpOptions(root.resolve("model.gguf"), null, null, Duration.ofSeconds(60)),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        List<ProcessHandle> processes = new java.util.ArrayList<>();
        try {
            assertEquals(state, ClusterState.read(cluster.stateFile()).orElseThrow());
            assertTrue(state.temporaryDataDir());
            assertEquals(
                    Cluster.SERVICES,
                    state.services().stream().map(ClusterState.Service::name).toList());
            processes.add(state.broker().live().orElseThrow());
            for (ClusterState.Service service : state.services()) {
                processes.add(service.process().live().orElseThrow());
                String log = Files.readString(Path.of(service.process().log()));
                assertTrue(log.contains("property kafka.bootstrap.servers=" + state.bootstrapServers()), log);
                assertTrue(log.contains("property quarkus.http.port=" + service.httpPort()), log);
                assertTrue(log.contains("property qwenstream.topics.requests=qwen.requests"), log);
                assertEquals(
                        !service.name().equals("postprocess-service"),
                        log.contains("property qwenstream.model=" + root.resolve("model.gguf")),
                        log);
            }
            assertTrue(state.httpPort(Cluster.HTTP_SERVICE) > 0);
            assertTrue(out.toString().contains("ingest-service ready"), out.toString());

            var refused = assertThrows(
                    LauncherException.class,
                    () -> cluster.up(
                            new UpOptions(root.resolve("model.gguf"), null, null, Duration.ofSeconds(5)),
                            new PrintStream(OutputStream.nullOutputStream())));
            assertTrue(refused.getMessage().contains("already up"), refused.getMessage());
        } finally {
            assertTrue(cluster.down(new PrintStream(OutputStream.nullOutputStream())));
        }
        for (ProcessHandle process : processes) {
            assertFalse(process.isAlive(), "still running: " + process.pid());
        }
        assertFalse(Files.exists(Path.of(state.dataDir())), "temporary data dir left behind");
        assertFalse(Files.exists(cluster.stateFile()));
        assertFalse(cluster.down(new PrintStream(OutputStream.nullOutputStream())), "down is idempotent");
    }

    @Test
    void aServiceThatDiesDuringUpFailsUpWithItsLogAndLeavesNothingRunning() throws Exception {
        Cluster cluster = new Cluster(fakeRepository(), root.resolve(".qwenstream"));
        var failure = assertThrows(
                LauncherException.class,
                () -> cluster.up(
                        new UpOptions(root.resolve("broken-model.gguf"), null, null, Duration.ofSeconds(60)),
                        new PrintStream(OutputStream.nullOutputStream())));
        assertTrue(failure.getMessage().contains("exited (1) while starting"), failure.getMessage());
        assertTrue(failure.getMessage().contains("cannot load the model"), failure.getMessage());
        assertFalse(Files.exists(cluster.stateFile()));
        assertTrue(ProcessHandle.current()
                .children()
                .noneMatch(child -> child.info().commandLine().orElse("").contains(root.toString())));
    }

    @Test
    void aBrokerKilledWithSigkillStartsAgainOnItsOwnDataAndAServiceToo() throws Exception {
        Cluster cluster = new Cluster(fakeRepository(), root.resolve(".qwenstream"));
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        ClusterState state =
                cluster.up(new UpOptions(root.resolve("model.gguf"), null, null, Duration.ofSeconds(60)), quiet);
        try {
            TopicPartition partition = new TopicPartition("qwen.requests", 0);
            try (var producer = new KafkaProducer<>(
                    Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, state.bootstrapServers()),
                    new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>("qwen.requests", 0, "k", "before"))
                        .get();
            }
            ProcessHandle killed = state.broker().live().orElseThrow();

            var out = new ByteArrayOutputStream();
            ClusterState again = cluster.restart("broker", true, Duration.ofSeconds(60), new PrintStream(out, true));

            assertFalse(killed.isAlive(), "the old broker was killed");
            assertTrue(out.toString().contains("killed broker"), out.toString());
            assertEquals(again, ClusterState.read(cluster.stateFile()).orElseThrow(), "the state names the new one");
            assertTrue(again.broker().live().isPresent());
            assertEquals(state.bootstrapServers(), again.bootstrapServers());
            assertEquals(state.broker().command(), again.broker().command(), "its own command line");
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, again.bootstrapServers()))) {
                assertTrue(admin.listTopics()
                        .names()
                        .get()
                        .containsAll(state.topics().values().stream()
                                .filter(name -> name.startsWith("qwen."))
                                .toList()));
                assertEquals(
                        1,
                        admin.listOffsets(Map.of(partition, OffsetSpec.latest()))
                                .partitionResult(partition)
                                .get()
                                .offset(),
                        "the record written before the kill is still there");
            }
            try (var producer = new KafkaProducer<>(
                    Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, again.bootstrapServers()),
                    new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>("qwen.requests", 0, "k", "after"))
                        .get();
            }

            ProcessHandle worker = again.services().get(1).process().live().orElseThrow();
            ClusterState third = cluster.restart("inference-worker", true, Duration.ofSeconds(60), quiet);
            assertFalse(worker.isAlive());
            ClusterState.Service restarted = third.services().get(1);
            assertEquals("inference-worker", restarted.name());
            assertTrue(restarted.process().live().isPresent());
            assertEquals(3, third.services().size());
        } finally {
            assertTrue(cluster.down(quiet));
        }
    }
}
