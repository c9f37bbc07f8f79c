package io.qwenstream.schemas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one validator of every service: raw record bytes in, a parsed message or one precise error out.
 *
 * <p>Checks, in order: size (before anything is decoded), strict UTF-8, JSON syntax (duplicate fields and
 * trailing data refused), unpaired surrogate escapes, then the JSON Schema 2020-12 files of
 * {@code src/main/resources/schemas/} (the single source of truth). Schema failures become
 * {@code unknown_task}, {@code empty_messages}, {@code out_of_range} or {@code schema_violation}, each with the
 * JSON pointer of the offending field. When several problems exist the most fundamental is reported:
 * unknown task, then a wrong or missing field, then empty messages, then a value out of range.
 *
 * <p>Thread-safe; build one per service (loading the schemas takes a moment).
 */
public final class MessageValidator {

    public static final int DEFAULT_MAX_RECORD_BYTES = 512 * 1024;

    /** Every message schema, by name (= record class simple name, = file name before .schema.json). */
    public static final List<String> SCHEMA_NAMES = List.of(
            "InferenceRequest",
            "TokenChunk",
            "InferenceResponse",
            "ResponseDelta",
            "PreparedRequest",
            "ControlMessage",
            "ConversationHistory");

    static final String SCHEMA_ID_PREFIX = "https://qwenstream.io/schemas/";
    private static final String RESOURCE_DIR = "/schemas/";
    private static final String COMMON = "Common";
    /** Keyword holding hand-written messages inside the schemas (per failing keyword). */
    private static final String ERROR_MESSAGE_KEYWORD = "errorMessage";

    private final int maxRecordBytes;
    private final Map<String, Schema> schemas = new LinkedHashMap<>();

    public MessageValidator() {
        this(DEFAULT_MAX_RECORD_BYTES);
    }

    /** @param maxRecordBytes records larger than this are refused as {@code record_too_large} */
    public MessageValidator(int maxRecordBytes) {
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("maxRecordBytes must be positive: " + maxRecordBytes);
        }
        this.maxRecordBytes = maxRecordBytes;
        Map<String, String> sources = new LinkedHashMap<>();
        for (String name : allSchemaFiles()) {
            sources.put(SCHEMA_ID_PREFIX + name + ".schema.json", schemaText(name));
        }
        SchemaRegistryConfig config = SchemaRegistryConfig.builder()
                .pathType(PathType.JSON_POINTER)
                .locale(Locale.ENGLISH)
                .errorMessageKeyword(ERROR_MESSAGE_KEYWORD)
                .build();
        // Every $ref resolves to one of our files: the registry is given their text and never fetches anything.
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(
                SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(config).schemas(sources));
        for (String name : SCHEMA_NAMES) {
            Schema schema = registry.getSchema(SchemaLocation.of(SCHEMA_ID_PREFIX + name + ".schema.json"));
            schema.initializeValidators();
            schemas.put(name, schema);
        }
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** The text of a schema file (e.g. {@code "InferenceRequest"}), as shipped in this jar. */
    public static String schemaText(String schemaName) {
        String resource = RESOURCE_DIR + schemaName + ".schema.json";
        try (InputStream in = MessageValidator.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no schema named " + schemaName);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Validates a record of qwen.requests. */
    public Validation<InferenceRequest> validateRequest(byte[] raw) {
        return validate(InferenceRequest.class, raw);
    }

    /** Validates raw bytes against the schema named like the record class, then maps them to it. */
    public <T> Validation<T> validate(Class<T> messageType, byte[] raw) {
        return switch (validate(messageType.getSimpleName(), raw)) {
            case Validation.Invalid<JsonNode>(ErrorDetail error) -> new Validation.Invalid<>(error);
            case Validation.Valid<JsonNode>(JsonNode tree) -> toRecord(tree, messageType);
        };
    }

    /** Validates raw bytes against one of {@link #SCHEMA_NAMES}; the valid result is the JSON tree. */
    public Validation<JsonNode> validate(String schemaName, byte[] raw) {
        Schema schema = schemas.get(schemaName);
        if (schema == null) {
            throw new IllegalArgumentException("no schema named " + schemaName + "; known: " + SCHEMA_NAMES);
        }
        if (raw == null || raw.length == 0) {
            return invalid(ErrorCode.INVALID_JSON, "the record is empty", null);
        }
        if (raw.length > maxRecordBytes) {
            return invalid(
                    ErrorCode.RECORD_TOO_LARGE,
                    "the record is " + raw.length + " bytes; the limit is " + maxRecordBytes + " bytes",
                    null);
        }
        CharBuffer text = CharBuffer.allocate(raw.length);
        ByteBuffer in = ByteBuffer.wrap(raw);
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CoderResult result = decoder.decode(in, text, true);
        if (!result.isError()) {
            result = decoder.flush(text);
        }
        if (result.isError()) {
            return invalid(
                    ErrorCode.INVALID_UTF8,
                    "the record is not valid UTF-8: malformed byte sequence at byte offset " + in.position(),
                    null);
        }
        text.flip();
        // RFC 8259 lets a parser ignore a byte order mark; Jackson would call it an unexpected character.
        if (text.hasRemaining() && text.get(text.position()) == '\uFEFF') {
            text.get();
        }
        JsonNode tree;
        try {
            tree = Messages.mapper().readTree(text.toString());
        } catch (JsonProcessingException e) {
            return invalid(ErrorCode.INVALID_JSON, "the record is not valid JSON: " + describe(e), null);
        }
        if (tree == null || tree.isMissingNode()) {
            return invalid(ErrorCode.INVALID_JSON, "the record holds no JSON value", null);
        }
        String surrogate = findUnpairedSurrogate(tree, "");
        if (surrogate != null) {
            return invalid(
                    ErrorCode.INVALID_UTF8,
                    "a string holds an unpaired surrogate escape, which is not Unicode text",
                    surrogate);
        }
        List<Error> errors = schema.validate(tree);
        if (errors.isEmpty()) {
            return new Validation.Valid<>(tree);
        }
        return new Validation.Invalid<>(mostFundamental(errors));
    }

    /**
     * The request_id of a record, best effort, to address an error response: present only when the bytes
     * parse as a JSON object whose {@code request_id} is a non-empty string. Malformed UTF-8 elsewhere in the
     * record is tolerated (replaced) so that a bad text field does not hide a good id.
     */
    public static Optional<String> readableRequestId(byte[] raw) {
        if (raw == null || raw.length == 0) {
            return Optional.empty();
        }
        try {
            JsonNode tree = Messages.mapper().readTree(new String(raw, StandardCharsets.UTF_8));
            JsonNode id = tree == null ? null : tree.get("request_id");
            if (id != null && id.isTextual() && !id.asText().isEmpty()) {
                return Optional.of(id.asText());
            }
        } catch (JsonProcessingException e) {
            // not JSON: no readable id
        }
        return Optional.empty();
    }

    private <T> Validation<T> toRecord(JsonNode tree, Class<T> type) {
        try {
            return new Validation.Valid<>(Messages.mapper().treeToValue(tree, type));
        } catch (DatabindException e) {
            // The schema admitted what the record cannot hold: a gap between the two, reported precisely.
            String field = e instanceof JsonMappingException m ? pointer(m.getPath()) : null;
            return invalid(ErrorCode.SCHEMA_VIOLATION, describe(e), field);
        } catch (JsonProcessingException e) {
            return invalid(ErrorCode.SCHEMA_VIOLATION, describe(e), null);
        }
    }

    private static <T> Validation<T> invalid(ErrorCode code, String message, String field) {
        return new Validation.Invalid<>(new ErrorDetail(code, message, field));
    }

    // ---- schema errors -> our codes ----------------------------------------------------------------

    private record Classified(ErrorDetail detail, int rank) {}

    private static ErrorDetail mostFundamental(List<Error> errors) {
        List<Classified> classified = new ArrayList<>();
        // The validator reports a failed anyOf only through its alternatives' errors: when every alternative
        // misses a field, say so once ("needs text or messages") instead of naming the first alternative alone.
        Map<String, List<Error>> alternatives = new LinkedHashMap<>();
        for (Error error : errors) {
            String path = error.getEvaluationPath().toString();
            int anyOf = path.lastIndexOf("/anyOf/");
            if (anyOf >= 0 && "required".equals(error.getKeyword())) {
                alternatives
                        .computeIfAbsent(
                                path.substring(0, anyOf) + " @" + error.getInstanceLocation(), k -> new ArrayList<>())
                        .add(error);
            } else {
                classified.add(classify(error));
            }
        }
        for (List<Error> group : alternatives.values()) {
            String location = group.getFirst().getInstanceLocation().toString();
            List<String> fields =
                    group.stream().map(Error::getProperty).distinct().toList();
            String message =
                    (location.isEmpty() ? "the message needs " : location + ": needs ") + String.join(" or ", fields);
            classified.add(new Classified(
                    new ErrorDetail(ErrorCode.SCHEMA_VIOLATION, message, location + "/" + escape(fields.getFirst())),
                    10));
        }
        Classified first = classified.stream()
                .min(Comparator.comparingInt(Classified::rank))
                .orElseThrow();
        return first.detail();
    }

    /** Lower rank = reported first. */
    private static Classified classify(Error error) {
        String keyword = error.getKeyword() == null ? "" : error.getKeyword();
        String location = error.getInstanceLocation().toString();
        String field = switch (keyword) {
            case "required", "additionalProperties" ->
                error.getProperty() == null ? location : location + "/" + escape(error.getProperty());
            // The property reported is the one present; the field to name is the missing one.
            case "dependentRequired" ->
                error.getArguments() != null && error.getArguments().length > 0
                        ? location + "/" + escape(String.valueOf(error.getArguments()[0]))
                        : location;
            default -> location;
        };
        String prefix = field.isEmpty() ? "" : field + ": ";
        if (location.equals("/task") && keyword.equals("enum")) {
            return new Classified(
                    new ErrorDetail(
                            ErrorCode.UNKNOWN_TASK,
                            prefix + "unknown task " + error.getInstanceNode()
                                    + "; known tasks: chat, translate, summarize",
                            field),
                    0);
        }
        if (location.equals("/messages") && keyword.equals("minItems")) {
            return new Classified(
                    new ErrorDetail(ErrorCode.EMPTY_MESSAGES, prefix + "messages is empty; send at least one", field),
                    20);
        }
        String message = prefix + error.getMessage();
        return switch (keyword) {
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" ->
                new Classified(
                        new ErrorDetail(ErrorCode.OUT_OF_RANGE, message + ", got " + error.getInstanceNode(), field),
                        30);
            // Plain field problems first, then the composite rules (not, oneOf, ...) whose messages say less.
            case "type", "required", "const", "enum", "additionalProperties", "false", "dependentRequired" ->
                new Classified(new ErrorDetail(ErrorCode.SCHEMA_VIOLATION, message, field), 10);
            default -> new Classified(new ErrorDetail(ErrorCode.SCHEMA_VIOLATION, message, field), 15);
        };
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static List<String> allSchemaFiles() {
        List<String> names = new ArrayList<>(SCHEMA_NAMES);
        names.add(COMMON);
        return names;
    }

    /** The JSON pointer of the first string (value or field name) holding an unpaired surrogate, else null. */
    private static String findUnpairedSurrogate(JsonNode node, String at) {
        if (node.isTextual()) {
            return hasUnpairedSurrogate(node.textValue()) ? at : null;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                String child = at + "/" + escape(entry.getKey());
                if (hasUnpairedSurrogate(entry.getKey())) {
                    return child;
                }
                String found = findUnpairedSurrogate(entry.getValue(), child);
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = findUnpairedSurrogate(node.get(i), at + "/" + i);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 6901 escaping of one reference token. */
    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static String pointer(List<JsonMappingException.Reference> path) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : path) {
            sb.append('/').append(ref.getFieldName() != null ? escape(ref.getFieldName()) : ref.getIndex());
        }
        return sb.toString();
    }

    private static String describe(JsonProcessingException e) {
        String where = e.getLocation() == null || e.getLocation().getLineNr() < 1
                ? ""
                : " (line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + ")";
        return e.getOriginalMessage() + where;
    }
}
