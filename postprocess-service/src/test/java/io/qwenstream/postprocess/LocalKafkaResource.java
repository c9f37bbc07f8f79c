package io.qwenstream.postprocess;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.qwenstream.local.kafka.LocalKafka;
import io.qwenstream.local.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** A real KRaft broker (LocalKafka) with the pipeline's topics for one test class, and a fresh Kafka Streams state dir. */
public class LocalKafkaResource implements QuarkusTestResourceLifecycleManager {

    private static LocalKafka kafka;
    private Path stateDir;

    static String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public Map<String, String> start() {
        kafka = LocalKafka.start();
        kafka.createTopics(Topics.defaults());
        try {
            stateDir = Files.createTempDirectory("postprocess-streams-state");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "kafka.bootstrap.servers",
                kafka.bootstrapServers(),
                "kafka-streams.state.dir",
                stateDir.toString(),
                "postprocess.sweep-interval",
                "1s",
                // Only what the tests detect: less to load on a shared machine.
                "postprocess.language-detection.languages",
                "en,fr,de");
    }

    @Override
    public void stop() {
        if (kafka != null) kafka.close();
        if (stateDir != null) {
            try (Stream<Path> files = Files.walk(stateDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
