package io.qwenstream.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.local.kafka.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** deploy/k8s/manifests against the Kubernetes, Strimzi and KEDA schemas, and against the pipeline it deploys. */
class ManifestsTest {

    private static final Path MANIFESTS = Path.of("manifests");
    private static final Schemas SCHEMAS = new Schemas();

    @Test
    void everyManifestIsValidAgainstItsKindsSchema() throws IOException {
        List<JsonNode> manifests = manifests();
        assertTrue(manifests.size() >= 20, "manifests read: " + manifests.size());
        List<String> errors = new ArrayList<>();
        for (JsonNode manifest : manifests) {
            for (String error : SCHEMAS.errors(manifest))
                errors.add(manifest.path("kind").asText() + " "
                        + manifest.path("metadata").path("name").asText() + ": " + error);
        }
        assertTrue(errors.isEmpty(), () -> String.join("\n", errors));
    }

    /** The validation is not vacuous: a misspelt field, a wrong type and a missing required field are refused. */
    @Test
    void invalidManifestsAreRefused() throws IOException {
        ObjectNode deployment =
                (ObjectNode) find("Deployment", "inference-worker").deepCopy();
        ((ObjectNode) deployment.get("spec")).put("replica", 2);
        assertFalse(SCHEMAS.errors(deployment).isEmpty(), "Deployment spec.replica (misspelt)");

        ObjectNode topic = (ObjectNode) find("KafkaTopic", "qwen-inference").deepCopy();
        ((ObjectNode) topic.get("spec")).put("partitions", "three");
        assertFalse(SCHEMAS.errors(topic).isEmpty(), "KafkaTopic partitions as a string");

        ObjectNode scaled =
                (ObjectNode) find("ScaledObject", "inference-worker").deepCopy();
        ((ObjectNode) scaled.get("spec")).remove("scaleTargetRef");
        assertFalse(SCHEMAS.errors(scaled).isEmpty(), "ScaledObject without scaleTargetRef");
    }

    @Test
    void kafkaTopicsAreTheLocalLaunchersTopics() throws IOException {
        Map<String, String> expected = new TreeMap<>();
        for (Topics.Spec spec : Topics.defaults().specs())
            expected.put(spec.name(), spec.partitions() + " " + new TreeMap<>(spec.configs()));
        Map<String, String> actual = new TreeMap<>();
        for (JsonNode topic : ofKind("KafkaTopic")) {
            JsonNode spec = topic.get("spec");
            Map<String, String> configs = new TreeMap<>();
            spec.path("config")
                    .properties()
                    .forEach(e -> configs.put(e.getKey(), e.getValue().asText()));
            actual.put(spec.get("topicName").asText(), spec.get("partitions").asInt() + " " + configs);
        }
        assertEquals(expected, actual);
    }

    @Test
    void probesAskQuarkusHealthOnTheContainersPort() throws IOException {
        for (JsonNode deployment : ofKind("Deployment")) {
            JsonNode container = deployment.at("/spec/template/spec/containers/0");
            String name = deployment.at("/metadata/name").asText();
            assertEquals("http", container.at("/ports/0/name").asText(), name);
            assertEquals(
                    "/q/health/live",
                    container.at("/livenessProbe/httpGet/path").asText(),
                    name);
            assertEquals(
                    "/q/health/ready",
                    container.at("/readinessProbe/httpGet/path").asText(),
                    name);
            assertEquals(
                    "/q/health/started",
                    container.at("/startupProbe/httpGet/path").asText(),
                    name);
            assertEquals(
                    container.at("/ports/0/containerPort").asText(),
                    deployment
                            .at("/spec/template/metadata/annotations/prometheus.io~1port")
                            .asText(),
                    name);
        }
    }

    @Test
    void kedaScalesTheWorkersOnTheirGroupsLagOfQwenInference() throws IOException {
        JsonNode scaled = find("ScaledObject", "inference-worker");
        assertEquals("inference-worker", scaled.at("/spec/scaleTargetRef/name").asText());
        assertEquals(0, scaled.at("/spec/minReplicaCount").asInt());
        JsonNode trigger = scaled.at("/spec/triggers/0");
        assertEquals("kafka", trigger.get("type").asText());
        assertEquals(Topics.INFERENCE, trigger.at("/metadata/topic").asText());
        String workerGroup = serviceProperty("inference-worker", "mp.messaging.incoming.inference.group.id");
        assertEquals(workerGroup, trigger.at("/metadata/consumerGroup").asText());
        int partitions =
                find("KafkaTopic", "qwen-inference").at("/spec/partitions").asInt();
        assertEquals(partitions, scaled.at("/spec/maxReplicaCount").asInt(), "one worker per partition");
    }

    private static String serviceProperty(String service, String key) throws IOException {
        java.util.Properties properties = new java.util.Properties();
        try (var in = Files.newBufferedReader(Path.of("../..", service, "src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return properties.getProperty(key);
    }

    private static JsonNode find(String kind, String name) throws IOException {
        return ofKind(kind).stream()
                .filter(m -> m.at("/metadata/name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static List<JsonNode> ofKind(String kind) throws IOException {
        return manifests().stream()
                .filter(m -> m.path("kind").asText().equals(kind))
                .toList();
    }

    /** Every document of every manifest file that kustomization.yaml lists. */
    private static List<JsonNode> manifests() throws IOException {
        JsonNode kustomization =
                Schemas.YAML.readTree(MANIFESTS.resolve("kustomization.yaml").toFile());
        List<JsonNode> manifests = new ArrayList<>();
        for (JsonNode file : kustomization.get("resources")) {
            try (MappingIterator<JsonNode> documents = Schemas.YAML
                    .readerFor(JsonNode.class)
                    .readValues(MANIFESTS.resolve(file.asText()).toFile())) {
                while (documents.hasNext()) {
                    JsonNode document = documents.next();
                    if (document != null && !document.isEmpty()) manifests.add(document);
                }
            }
        }
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            long yamlFiles = files.filter(f -> f.toString().endsWith(".yaml")).count();
            assertEquals(yamlFiles - 1, kustomization.get("resources").size(), "kustomization lists every file");
        }
        return manifests;
    }
}
