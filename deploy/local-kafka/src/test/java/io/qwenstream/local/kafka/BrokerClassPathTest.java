package io.qwenstream.local.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BrokerClassPathTest {

    @Test
    void jarsBelongByArtifactIdWhateverTheirVersion() {
        Set<String> artifacts = Set.of("kafka-server", "kafka_2.13", "slf4j-api", "lz4-java");
        assertTrue(BrokerClassPath.belongs("kafka-server-4.1.1.jar", artifacts));
        assertTrue(BrokerClassPath.belongs("kafka_2.13-4.1.1.jar", artifacts));
        assertTrue(BrokerClassPath.belongs("slf4j-api-2.0.17.jar", artifacts), "a BOM's other version");
        assertFalse(BrokerClassPath.belongs("kafka-server-common-4.1.1.jar", artifacts));
        assertFalse(BrokerClassPath.belongs("kafka-streams-4.1.1.jar", artifacts));
        assertFalse(BrokerClassPath.belongs("local-cluster.jar", artifacts));
    }

    @Test
    void classPathIsBrokerMainAndTheBrokersJarsOnly() {
        BrokerClassPath classPath = BrokerClassPath.ofThisJvm();
        var names = classPath.entries().stream()
                .map(Path::getFileName)
                .map(Path::toString)
                .toList();
        assertTrue(names.getFirst().matches("broker-main-[0-9a-f]+\\.jar"), names.getFirst());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("kafka_2.13-")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("slf4j-simple-")), names.toString());
        assertTrue(names.stream().noneMatch(n -> n.startsWith("junit") || n.startsWith("schemas")), names.toString());
        assertEquals(classPath.entries().size(), names.stream().distinct().count());
    }
}
