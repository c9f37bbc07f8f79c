package io.qwenstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.local.BrokerSecurity;
import io.qwenstream.local.Launcher;
import io.qwenstream.local.ServiceAcls;
import io.qwenstream.local.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./qwenstream up --secure} end to end: the services answer over SASL_SSL with their own users, the launcher's
 * {@code ask} gets through as admin, a plaintext client does not, and no password reaches a log or the state file.
 */
class SecurePipelineTest {

    @TempDir
    static Path stateDir;

    private static JsonNode state;
    private static final List<ProcessHandle> processes = new ArrayList<>();

    @BeforeAll
    static void up() throws Exception {
        Output output = new Output();
        int status = launcher(output)
                .run(List.of(
                        "up",
                        "--secure",
                        "--model",
                        Pipeline.fixtures().resolve("models/tiny-qwen3-moe").toString(),
                        "--tokenizer",
                        Pipeline.tokenizer().toString(),
                        "--timeout",
                        "150"));
        state = Pipeline.json().readTree(stateDir.resolve("state.json").toFile());
        ProcessHandle.of(state.path("broker").path("pid").asLong()).ifPresent(processes::add);
        for (JsonNode service : state.path("services"))
            ProcessHandle.of(service.path("process").path("pid").asLong()).ifPresent(processes::add);
        assertEquals(0, status, output::text);
        assertTrue(output.text().contains("TLS and SCRAM users on, ACLs set"), output::text);
    }

    @AfterAll
    static void down() {
        Output output = new Output();
        int status = launcher(output).run(List.of("down"));
        List<ProcessHandle> alive =
                processes.stream().filter(ProcessHandle::isAlive).toList();
        alive.forEach(ProcessHandle::destroyForcibly);
        assertEquals(0, status, output::text);
        assertTrue(alive.isEmpty(), () -> "left running: " + alive);
    }

    @Test
    void askGoesThroughEveryServiceOverSaslSsl() throws Exception {
        Output output = new Output();
        int status = launcher(output)
                .run(List.of("ask", "--json", "--max-tokens", "8", "--conversation", "secure-1", "Hello"));
        assertEquals(0, status, output::text);
        JsonNode response = Pipeline.json().readTree(output.text());
        assertEquals("ok", response.path("status").asText(), output::text);
    }

    @Test
    void eachServiceRunsAsItsOwnUserReadFromAnOwnerOnlyFile() throws Exception {
        BrokerSecurity security = BrokerSecurity.load(dataDir());
        for (JsonNode service : state.path("services")) {
            String name = service.path("name").asText();
            String command = service.path("process").path("command").toString();
            Path own = security.servicePropertiesFile(name);
            assertTrue(command.contains("-Dquarkus.config.locations=" + own.toUri()), command);
            Properties settings = new Properties();
            try (var in = Files.newInputStream(own)) {
                settings.load(in);
            }
            assertEquals("SASL_SSL", settings.getProperty("kafka.security.protocol"));
            assertTrue(settings.getProperty("kafka.sasl.jaas.config").contains("username=\"" + name + "\""));
        }
        assertEquals(ServiceAcls.USERS.size(), state.path("services").size());
    }

    @Test
    void aPlaintextClientIsRefused() {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                state.path("bootstrap_servers").asText(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                5_000);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            ExecutionException refused = assertThrows(
                    ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(Topics.REQUESTS, "{}".getBytes(StandardCharsets.UTF_8)))
                            .get(30, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, refused.getCause(), refused.toString());
        }
    }

    @Test
    void noPasswordInAnyLogOrTheStateFile() throws Exception {
        // After a request went through, so that every client has connected and logged its configuration.
        askGoesThroughEveryServiceOverSaslSsl();
        Properties passwords = new Properties();
        try (var in = Files.newInputStream(dataDir().resolve(BrokerSecurity.DIR).resolve("passwords.properties"))) {
            passwords.load(in);
        }
        List<Path> files = new ArrayList<>(List.of(dataDir().resolve("broker.log"), stateDir.resolve("state.json")));
        try (var logs = Files.list(stateDir.resolve("logs"))) {
            files.addAll(logs.toList());
        }
        assertEquals(5, files.size(), "the broker's log, three services' logs and state.json: " + files);
        for (Path file : files) {
            String text = Files.readString(file);
            for (String user : passwords.stringPropertyNames()) {
                assertFalse(text.contains(passwords.getProperty(user)), "the password of " + user + " is in " + file);
            }
        }
    }

    private static Path dataDir() {
        return Path.of(state.path("data_dir").asText());
    }

    private static Launcher launcher(Output output) {
        return new Launcher(Pipeline.repositoryRoot(), stateDir, output.stream, output.stream);
    }

    /** What a launcher verb printed. */
    private static final class Output {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
