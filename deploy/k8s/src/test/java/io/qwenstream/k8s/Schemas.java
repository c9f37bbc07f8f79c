package io.qwenstream.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The schema of each kind the manifests use, all read offline: Kubernetes' own kinds from fabric8
 * kubernetes-model's {@code schema/validation-schema.json}, Strimzi's from its CRDs (io.strimzi:api tests
 * jar), KEDA's from the CRDs copied into {@code src/test/resources/crds/keda}.
 *
 * <p>Both are made strict the way {@code kubectl apply} (server-side strict field validation) is: a field
 * the schema does not name is an error, unless the schema keeps unknown fields. fabric8 models two wire
 * types as Java objects; here they are what the API server accepts: {@code IntOrString} an integer or a
 * string, {@code Quantity} a string or a number.
 */
final class Schemas {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final List<String> STRIMZI_CRDS = List.of(
            "crds/v1/040-Crd-kafka.yaml",
            "crds/v1/043-Crd-kafkatopic.yaml",
            "crds/v1/044-Crd-kafkauser.yaml",
            "crds/v1/045-Crd-kafkanodepool.yaml");
    private static final List<String> KEDA_CRDS =
            List.of("crds/keda/keda.sh_scaledobjects.yaml", "crds/keda/keda.sh_triggerauthentications.yaml");

    /** {@code apiVersion/kind} → schema. */
    private final Map<String, Schema> schemas = new HashMap<>();

    Schemas() {
        try {
            SchemaRegistry draft7 = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7);
            for (URL url :
                    Collections.list(Schemas.class.getClassLoader().getResources("schema/validation-schema.json"))) {
                ObjectNode document;
                try (InputStream in = url.openStream()) {
                    document = (ObjectNode) new ObjectMapper().readTree(in);
                }
                strictFabric8(document);
                JsonNode definitions = document.get("definitions");
                for (Iterator<Map.Entry<String, JsonNode>> it =
                                document.get("resources").fields();
                        it.hasNext(); ) {
                    JsonNode resource = it.next().getValue();
                    JsonNode kind = resource.path("properties").path("kind").path("default");
                    JsonNode apiVersion =
                            resource.path("properties").path("apiVersion").path("default");
                    if (kind.isMissingNode() || apiVersion.isMissingNode()) continue;
                    ObjectNode schema = ((ObjectNode) resource).deepCopy();
                    schema.set("definitions", definitions);
                    schemas.putIfAbsent(apiVersion.asText() + "/" + kind.asText(), draft7.getSchema(schema));
                }
            }
            SchemaRegistry openApi = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30());
            List<String> crds = new ArrayList<>(STRIMZI_CRDS);
            crds.addAll(KEDA_CRDS);
            for (String crd : crds) {
                JsonNode definition;
                try (InputStream in = Schemas.class.getClassLoader().getResourceAsStream(crd)) {
                    if (in == null) throw new IllegalStateException("no " + crd + " on the test classpath");
                    definition = YAML.readTree(in);
                }
                String group = definition.path("spec").path("group").asText();
                String kind = definition.path("spec").path("names").path("kind").asText();
                for (JsonNode version : definition.path("spec").path("versions")) {
                    ObjectNode schema = (ObjectNode)
                            version.path("schema").path("openAPIV3Schema").deepCopy();
                    strictCrd(schema);
                    schemas.put(group + "/" + version.path("name").asText() + "/" + kind, openApi.getSchema(schema));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The errors of {@code manifest} against its kind's schema; an unknown kind is an error too. */
    List<String> errors(JsonNode manifest) {
        String key = manifest.path("apiVersion").asText() + "/"
                + manifest.path("kind").asText();
        Schema schema = schemas.get(key);
        if (schema == null) return List.of("no schema for " + key);
        return schema.validate(manifest).stream().map(Error::toString).toList();
    }

    private static void strictFabric8(ObjectNode document) {
        ObjectNode definitions = (ObjectNode) document.get("definitions");
        for (Iterator<Map.Entry<String, JsonNode>> it = definitions.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> definition = it.next();
            if (definition.getKey().endsWith("_IntOrString")) {
                definition.setValue(typeOf("integer", "string"));
            } else if (definition.getKey().endsWith("_Quantity")) {
                definition.setValue(typeOf("string", "number"));
            } else {
                strictFabric8Object((ObjectNode) definition.getValue());
            }
        }
        for (JsonNode resource : document.get("resources")) strictFabric8Object((ObjectNode) resource);
    }

    /** Unknown fields refused; fabric8's draft-3 {@code "required": true} on a property made draft 7's list. */
    private static void strictFabric8Object(ObjectNode object) {
        JsonNode properties = object.get("properties");
        if (properties == null || properties.isEmpty()) return;
        object.put("additionalProperties", false);
        ArrayNode required = object.putArray("required");
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> property = it.next();
            if (property.getValue() instanceof ObjectNode p
                    && p.path("required").isBoolean()) {
                if (p.get("required").asBoolean()) required.add(property.getKey());
                p.remove("required");
            }
        }
        if (required.isEmpty()) object.remove("required");
    }

    /** Objects with properties refuse others, unless they keep unknown fields or say what others may be. */
    private static void strictCrd(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.has("properties")
                    && !object.has("additionalProperties")
                    && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                object.put("additionalProperties", false);
            }
        }
        for (JsonNode child : node) strictCrd(child);
    }

    private static ObjectNode typeOf(String... types) {
        ObjectNode schema = new ObjectMapper().createObjectNode();
        ArrayNode type = schema.putArray("type");
        for (String t : types) type.add(t);
        return schema;
    }
}
