package io.qwenstream.local.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker on a given data dir: close() stops it but keeps the data, and a restart finds its topics again. */
class LocalKafkaDataDirTest {

    @TempDir
    Path dataDir;

    @Test
    void givenDataDirSurvivesCloseAndRestart() throws Exception {
        long firstPid;
        try (LocalKafka kafka = LocalKafka.start(dataDir)) {
            assertFalse(kafka.isTemporary());
            assertEquals(dataDir.toAbsolutePath(), kafka.dataDir());
            assertEquals(Long.toString(kafka.pid()), Files.readString(dataDir.resolve(LocalKafka.PID_FILE)));
            kafka.createTopics(List.of(new Topics.Spec("kept", 2, Map.of())));
            firstPid = kafka.pid();
        }
        assertFalse(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false));
        assertTrue(Files.isDirectory(dataDir.resolve("kafka-logs")));
        assertFalse(Files.exists(dataDir.resolve(LocalKafka.PID_FILE)));
        assertTrue(
                Files.readString(dataDir.resolve(LocalKafka.LOG_FILE)).contains("shut down completed"),
                "a kept data dir gets a clean shutdown");

        try (LocalKafka kafka = LocalKafka.start(dataDir);
                Admin admin = kafka.admin()) {
            assertEquals(
                    2,
                    admin.describeTopics(List.of("kept"))
                            .allTopicNames()
                            .get()
                            .get("kept")
                            .partitions()
                            .size());
        }
    }
}
