package io.qwenstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MessageValidatorTest {

    private static final MessageValidator VALIDATOR = new MessageValidator();
    private static final String CHAT = """
      {"schema_version":1,"request_id":"r-1","task":"chat","messages":[{"role":"user","content":"%s"}]%s}""";

    private static byte[] chat(String content, String extraFields) {
        return CHAT.formatted(content, extraFields).getBytes(StandardCharsets.UTF_8);
    }

    private static ErrorDetail refused(byte[] raw) {
        Validation<InferenceRequest> result = VALIDATOR.validateRequest(raw);
        assertFalse(result.isValid(), () -> new String(raw, StandardCharsets.UTF_8) + " should be refused");
        return result.error();
    }

    @Test
    void aValidRequestParsesIntoTheRecord() {
        InferenceRequest request =
                VALIDATOR.validateRequest(chat("Hello", ",\"stream\":true")).value();
        assertEquals("r-1", request.requestId());
        assertEquals(Task.CHAT, request.task());
        assertEquals(List.of(ChatMessage.user("Hello")), request.messages());
        assertTrue(request.thinkingEnabled(), "thinking defaults to on");
        assertTrue(request.streamRequested());
    }

    @Test
    void invalidUtf8IsRefusedWhereverItIs() {
        byte[][] bad = {
            {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, 0x28, '"', '}'}, // bad continuation byte
            {'{', '"', 'a', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'}, // overlong '/'
            {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'}, // encoded surrogate
            {'{', '"', 'a', '"', ':', '"', (byte) 0xE2, (byte) 0x82}, // truncated at the end
            {'{', '"', 'a', '"', ':', '"', (byte) 0xFF, '"', '}'},
        };
        for (byte[] raw : bad) {
            ErrorDetail error = refused(raw);
            assertEquals(ErrorCode.INVALID_UTF8, error.code(), error::toString);
            assertNull(error.field());
        }
        assertTrue(
                refused(bad[0]).message().contains("byte offset 6"),
                refused(bad[0]).message());
    }

    @Test
    void validMultiByteUtf8AndAByteOrderMarkAreAccepted() {
        byte[] text = chat("héllo 世界 🙂", "");
        assertTrue(VALIDATOR.validateRequest(text).isValid());
        byte[] withBom = new byte[text.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(text, 0, withBom, 3, text.length);
        assertEquals(
                "héllo 世界 🙂",
                VALIDATOR.validateRequest(withBom).value().messages().getFirst().content());
    }

    @Test
    void aRecordOverTheLimitIsRefusedBeforeItIsRead() {
        byte[] big = chat("x".repeat(600 * 1024), "");
        ErrorDetail error = refused(big);
        assertEquals(ErrorCode.RECORD_TOO_LARGE, error.code());
        assertTrue(error.message().contains("limit is 524288 bytes"), error.message());

        // Size comes first: even bytes that are not UTF-8 are refused for their size.
        byte[] bigGarbage = new byte[600 * 1024];
        java.util.Arrays.fill(bigGarbage, (byte) 0xFF);
        assertEquals(ErrorCode.RECORD_TOO_LARGE, refused(bigGarbage).code());
    }

    @Test
    void theLimitIsConfigurableAndInclusive() {
        byte[] request = chat("Hello", "");
        assertTrue(new MessageValidator(request.length).validateRequest(request).isValid());
        Validation<InferenceRequest> tooBig = new MessageValidator(request.length - 1).validateRequest(request);
        assertEquals(ErrorCode.RECORD_TOO_LARGE, tooBig.error().code());
        assertEquals(MessageValidator.DEFAULT_MAX_RECORD_BYTES, VALIDATOR.maxRecordBytes());
        assertThrows(IllegalArgumentException.class, () -> new MessageValidator(0));
    }

    @Test
    void aMissingSchemaVersionIsASchemaViolation() {
        byte[] raw = """
        {"request_id":"r-1","task":"chat","messages":[{"role":"user","content":"Hi"}]}""".getBytes(StandardCharsets.UTF_8);
        ErrorDetail error = refused(raw);
        assertEquals(ErrorCode.SCHEMA_VIOLATION, error.code());
        assertEquals("/schema_version", error.field());
    }

    @Test
    void unknownFieldsAreAllowedAtTheTopLevelOnly() {
        Validation<InferenceRequest> newer = VALIDATOR.validateRequest(chat("Hi", ",\"priority\":\"high\""));
        assertTrue(newer.isValid(), "a field from a newer writer is ignored");
        assertEquals(VALIDATOR.validateRequest(chat("Hi", "")).value(), newer.value());

        ErrorDetail nested = refused(chat("Hi", ",\"thinking\":{\"enabled\":true,\"budget\":10}"));
        assertEquals(ErrorCode.SCHEMA_VIOLATION, nested.code());
        assertEquals("/thinking/budget", nested.field());

        ErrorDetail inMessage = refused(chat("Hi\",\"mood\":\"happy", ""));
        assertEquals("/messages/0/mood", inMessage.field());
    }

    @Test
    void theMostFundamentalProblemIsReported() {
        // Unknown task beats everything else; a wrong field beats a range; empty messages beat a range.
        assertEquals(
                ErrorCode.UNKNOWN_TASK,
                refused("""
                {"schema_version":"one","request_id":"r","task":"sing","messages":[],"sampling":{"top_k":-1}}""".getBytes(StandardCharsets.UTF_8)).code());
        ErrorDetail wrongType = refused("""
            {"schema_version":1,"request_id":"r","task":"chat","messages":[],"sampling":{"top_k":-1,"seed":"x"}}""".getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCode.SCHEMA_VIOLATION, wrongType.code());
        assertEquals("/sampling/seed", wrongType.field());
        assertEquals(
                ErrorCode.EMPTY_MESSAGES,
                refused("""
                {"schema_version":1,"request_id":"r","task":"chat","messages":[],"sampling":{"top_k":-1}}""".getBytes(StandardCharsets.UTF_8)).code());
    }

    @Test
    void emptyOrAbsentRecordsAreInvalidJson() {
        assertEquals(ErrorCode.INVALID_JSON, refused(new byte[0]).code());
        assertEquals(ErrorCode.INVALID_JSON, refused(null).code());
        assertEquals(
                ErrorCode.INVALID_JSON,
                refused("   ".getBytes(StandardCharsets.UTF_8)).code());
        assertEquals(
                ErrorCode.INVALID_JSON,
                refused("{\"a\":NaN}".getBytes(StandardCharsets.UTF_8)).code());
    }

    @Test
    void deeplyNestedInputIsRefusedNotACrash() {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.writeBytes("{\"schema_version\":1,\"request_id\":\"r\",\"task\":\"chat\",\"metadata\":".getBytes());
        raw.writeBytes("[".repeat(100_000).getBytes());
        assertEquals(ErrorCode.INVALID_JSON, refused(raw.toByteArray()).code());
    }

    @Test
    void otherMessageTypesValidateByName() {
        byte[] cancel = Messages.toJson(ControlMessage.cancel("r-9"));
        Validation<JsonNode> tree = VALIDATOR.validate("ControlMessage", cancel);
        assertEquals("cancel", tree.value().get("action").asText());
        assertEquals(
                ControlMessage.cancel("r-9"),
                VALIDATOR.validate(ControlMessage.class, cancel).value());
        assertThrows(IllegalArgumentException.class, () -> VALIDATOR.validate("NoSuchMessage", cancel));
    }

    @Test
    void readableRequestIdIsBestEffort() {
        assertEquals(Optional.of("r-1"), MessageValidator.readableRequestId(chat("Hi", "")));
        assertEquals(
                Optional.of("r-7"),
                MessageValidator.readableRequestId(
                        "{\"request_id\":\"r-7\",\"task\":\"nonsense\"}".getBytes(StandardCharsets.UTF_8)));
        byte[] badUtf8Elsewhere = {
            '{',
            '"',
            'r',
            'e',
            'q',
            'u',
            'e',
            's',
            't',
            '_',
            'i',
            'd',
            '"',
            ':',
            '"',
            'r',
            '-',
            '2',
            '"',
            ',',
            '"',
            't',
            '"',
            ':',
            '"',
            (byte) 0xFF,
            '"',
            '}'
        };
        assertEquals(Optional.of("r-2"), MessageValidator.readableRequestId(badUtf8Elsewhere));
        for (String notReadable : List.of(
                "{\"request_id\":42}", "{\"request_id\":\"\"}", "{\"request_id\":\"r-3\"", "[\"r-4\"]", "r-5", "")) {
            assertEquals(
                    Optional.empty(),
                    MessageValidator.readableRequestId(notReadable.getBytes(StandardCharsets.UTF_8)),
                    notReadable);
        }
        assertEquals(Optional.empty(), MessageValidator.readableRequestId(null));
    }

    @Test
    void everySchemaFileIsAValid2020_12Schema() {
        Schema metaSchema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        List<String> files = new java.util.ArrayList<>(MessageValidator.SCHEMA_NAMES);
        files.add("Common");
        for (String name : files) {
            String text = MessageValidator.schemaText(name);
            List<Error> errors = metaSchema.validate(text, InputFormat.JSON);
            assertEquals(List.of(), errors, name);
            JsonNode schema = readTree(text);
            assertEquals(
                    "https://json-schema.org/draft/2020-12/schema",
                    schema.get("$schema").asText(),
                    name);
            assertEquals(
                    MessageValidator.SCHEMA_ID_PREFIX + name + ".schema.json",
                    schema.get("$id").asText(),
                    name);
        }
    }

    @Test
    void everyMessageRequiresItsSchemaVersion() {
        for (String name : MessageValidator.SCHEMA_NAMES) {
            JsonNode schema = readTree(MessageValidator.schemaText(name));
            Set<String> required = new TreeSet<>();
            schema.get("required").forEach(n -> required.add(n.asText()));
            assertTrue(required.contains("schema_version"), name);
        }
    }

    /** The records and the schemas name the same top-level fields (the schemas are the source of truth). */
    @Test
    void recordsAndSchemasHaveTheSameFields() {
        for (String name : MessageValidator.SCHEMA_NAMES) {
            JsonNode schema = readTree(MessageValidator.schemaText(name));
            Set<String> schemaFields = new TreeSet<>();
            schema.get("properties").fieldNames().forEachRemaining(schemaFields::add);
            Class<?> type = ExamplesTest.recordType(name);
            Set<String> recordFields = new TreeSet<>();
            for (BeanPropertyDefinition property : Messages.mapper()
                    .getSerializationConfig()
                    .introspect(Messages.mapper().constructType(type))
                    .findProperties()) {
                recordFields.add(property.getName());
            }
            assertEquals(schemaFields, recordFields, name);
        }
    }

    private static JsonNode readTree(String json) {
        try {
            return Messages.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
