package io.qwenstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The examples of {@code schemas/examples/} are the documentation of the wire format: every valid one must
 * pass its schema and survive a trip through the records unchanged; every counter-example in
 * {@code invalid/} must fail with the code, field and message that {@code invalid/expectations.json} gives.
 * The schema of a file is the part of its name before the first dot.
 */
class ExamplesTest {

    private static final Path EXAMPLES = Path.of("examples");
    private static final Path INVALID = EXAMPLES.resolve("invalid");
    private static final MessageValidator VALIDATOR = new MessageValidator();

    @TestFactory
    Stream<DynamicTest> everyExampleValidatesAndRoundTrips() throws IOException {
        List<Path> examples = jsonFiles(EXAMPLES);
        assertTrue(examples.size() >= MessageValidator.SCHEMA_NAMES.size(), "examples present");
        return examples.stream()
                .map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> roundTrip(file)));
    }

    @Test
    void everyMessageTypeHasAnExample() throws IOException {
        Set<String> covered = new TreeSet<>();
        for (Path file : jsonFiles(EXAMPLES)) {
            covered.add(schemaOf(file));
        }
        assertEquals(new TreeSet<>(MessageValidator.SCHEMA_NAMES), covered);
    }

    @TestFactory
    Stream<DynamicTest> everyCounterExampleFailsAsExpected() throws IOException {
        JsonNode expectations =
                Messages.mapper().readTree(INVALID.resolve("expectations.json").toFile());
        List<Path> files = jsonFiles(INVALID).stream()
                .filter(f -> !f.getFileName().toString().equals("expectations.json"))
                .toList();
        Set<String> names = new TreeSet<>();
        files.forEach(f -> names.add(f.getFileName().toString()));
        Set<String> expected = new TreeSet<>();
        expectations.fieldNames().forEachRemaining(expected::add);
        assertEquals(expected, names, "expectations.json names exactly the files of invalid/");
        return files.stream()
                .map(file -> DynamicTest.dynamicTest(
                        file.getFileName().toString(),
                        () -> counterExample(
                                file, expectations.get(file.getFileName().toString()))));
    }

    private static void roundTrip(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        String schema = schemaOf(file);
        Validation<JsonNode> tree = VALIDATOR.validate(schema, raw);
        assertTrue(tree.isValid(), () -> file + ": " + tree.error());

        Class<?> type = recordType(schema);
        Object message = VALIDATOR.validate(type, raw).value();
        byte[] written = Messages.toJson(message);
        Validation<?> again = VALIDATOR.validate(type, written);
        assertTrue(again.isValid(), () -> file + " as written back: " + again.error());
        assertEquals(message, again.value(), "parse -> serialise -> parse");
        assertEquals(message, Messages.fromJson(written, type), "Messages.fromJson reads what it writes");

        // Nothing lost or renamed: the written JSON is the example, up to explicit nulls and number formatting.
        JsonNode original = withoutNulls(tree.value().deepCopy());
        JsonNode rewritten = Messages.mapper().readTree(written);
        assertTrue(
                original.equals(NUMBERS_BY_VALUE, rewritten),
                () -> file + "\n  example: " + original + "\n  written: " + rewritten);
    }

    private static void counterExample(Path file, JsonNode expectation) throws IOException {
        Validation<JsonNode> result = VALIDATOR.validate(schemaOf(file), Files.readAllBytes(file));
        assertFalse(result.isValid(), file + " should be refused");
        ErrorDetail error = result.error();
        assertEquals(expectation.get("code").asText(), error.code().wire(), () -> file + ": " + error);
        JsonNode field = expectation.get("field");
        assertEquals(field.isNull() ? null : field.asText(), error.field(), () -> file + ": " + error);
        String fragment = expectation.get("message_contains").asText();
        assertTrue(
                error.message().contains(fragment),
                () -> file + ": '" + error.message() + "' lacks '" + fragment + "'");
    }

    static Class<?> recordType(String schemaName) {
        try {
            return Class.forName(MessageValidator.class.getPackageName() + "." + schemaName);
        } catch (ClassNotFoundException e) {
            throw new AssertionError("no record for schema " + schemaName, e);
        }
    }

    private static String schemaOf(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.indexOf('.'));
    }

    private static List<Path> jsonFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static JsonNode withoutNulls(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> nulls = object.properties().stream()
                    .filter(e -> e.getValue().isNull())
                    .map(e -> e.getKey())
                    .toList();
            object.remove(nulls);
            object.forEach(ExamplesTest::withoutNulls);
        } else if (node.isArray()) {
            node.forEach(ExamplesTest::withoutNulls);
        }
        return node;
    }

    /** 0 and 0.0 are the same number on the wire; JsonNode.equals alone would tell them apart. */
    private static final Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    static {
        if (!Files.isDirectory(EXAMPLES)) {
            fail("run from the schemas module directory: " + EXAMPLES.toAbsolutePath());
        }
    }
}
