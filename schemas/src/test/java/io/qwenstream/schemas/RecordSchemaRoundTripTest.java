package io.qwenstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Phase;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The records and the JSON schemas say the same thing. Populated instances of every message record, which
 * together set every component of every record a message holds: each is written, validated against its schema
 * file, read back and compared. Then both directions of "the same fields": every component is set somewhere
 * (so a component missing from these instances fails here), and at every object of the schemas that declares
 * its properties, the properties written are exactly the properties declared (a record field the schema lacks
 * would otherwise pass at the top level, where unknown fields are allowed; a schema property no record writes
 * is a field no service can send).
 */
class RecordSchemaRoundTripTest {

    private static final MessageValidator VALIDATOR = new MessageValidator();
    private static final String COMMON = "Common.schema.json";

    @TestFactory
    Stream<DynamicTest> everyInstanceRoundTripsThroughItsSchema() {
        return instances().entrySet().stream()
                .flatMap(entry -> entry.getValue().stream()
                        .map(message -> DynamicTest.dynamicTest(entry.getKey(), () -> roundTrip(message))));
    }

    @Test
    void everyMessageTypeHasInstances() {
        assertEquals(
                new TreeSet<>(MessageValidator.SCHEMA_NAMES),
                new TreeSet<>(instances().keySet()));
    }

    @Test
    void everyRecordComponentIsSetInSomeInstance() {
        Set<String> all = new TreeSet<>();
        Set<String> set = new TreeSet<>();
        for (List<Object> messages : instances().values()) {
            for (Object message : messages) {
                components(message.getClass(), all);
                setComponents(message, set);
            }
        }
        all.removeAll(set);
        assertEquals(Set.of(), all, "record components no instance sets");
    }

    @Test
    void theRecordsWriteExactlyThePropertiesTheSchemasDeclare() throws Exception {
        Map<String, Set<String>> declared = new TreeMap<>();
        Map<String, Set<String>> written = new TreeMap<>();
        for (Map.Entry<String, List<Object>> entry : instances().entrySet()) {
            String file = entry.getKey() + ".schema.json";
            JsonNode schema = schemaFile(file);
            for (Object message : entry.getValue()) {
                JsonNode json = Messages.mapper().readTree(Messages.toJson(message));
                walk(schema, file, json, entry.getKey(), declared, written);
            }
        }
        assertTrue(declared.size() > 20, "objects with declared properties found: " + declared.keySet());
        for (String path : declared.keySet()) {
            assertEquals(declared.get(path), written.get(path), "properties at " + path);
        }
    }

    private static void roundTrip(Object message) {
        byte[] json = Messages.toJson(message);
        Validation<?> read = VALIDATOR.validate(message.getClass(), json);
        assertTrue(read.isValid(), () -> message.getClass().getSimpleName() + " " + new String(json) + ": " + read);
        assertEquals(message, ((Validation.Valid<?>) read).value(), new String(json));
    }

    /** Instances by schema name; literal values throughout, none computed by the code under test. */
    static Map<String, List<Object>> instances() {
        Map<String, Object> weatherArguments = new LinkedHashMap<>();
        weatherArguments.put("city", "Zürich");
        weatherArguments.put("days", 3);
        ToolCall textCall = ToolCall.function("call_1", "get_weather", "{\"city\":\"Rome\"}");
        ToolCall objectCall = ToolCall.function("call_2", "get_weather", weatherArguments);
        ChatMessage system = new ChatMessage(Role.SYSTEM, "Be brief. /no_think", null, null, null, "ops");
        ChatMessage assistant = new ChatMessage(
                Role.ASSISTANT, "Let me look.", "The user wants the weather.", List.of(textCall), null, null);
        ChatMessage tool = new ChatMessage(Role.TOOL, "{\"temp_c\":21}", null, null, "call_1", "get_weather");
        List<ChatMessage> conversation = List.of(system, assistant, tool);
        Tool weather = new Tool(
                "function",
                new Tool.Function(
                        "get_weather",
                        "The weather in a city",
                        Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string"))),
                        true));
        Map<String, Object> metadata = Map.of("source", "test", "priority", 2);
        TranslateOptions translate = new TranslateOptions("German", "English", Map.of("pipeline", "Pipeline"));
        SummarizeOptions summarize = new SummarizeOptions(SummarizeStyle.BULLETS, 80);
        Sampling sampling = new Sampling(0.6, 0.95, 20, 0.05, 1.5, 42L, 256, List.of("END"), true);
        PreparedRequest.ResolvedSampling resolved =
                new PreparedRequest.ResolvedSampling(0.7, 0.8, 20, 0.0, 0.5, -7L, 128, List.of("END"), false);
        Usage usage = new Usage(31, 120, 14, true, true);
        ErrorDetail error = new ErrorDetail(ErrorCode.DEADLINE_EXCEEDED, "the deadline passed", "/deadline_ms");

        Map<String, List<Object>> byName = new LinkedHashMap<>();
        byName.put(
                "InferenceRequest",
                List.of(
                        new InferenceRequest(
                                1,
                                "req-chat",
                                "conv-1",
                                "acme",
                                Task.CHAT,
                                conversation,
                                null,
                                List.of(weather),
                                ToolChoice.function("get_weather"),
                                new Thinking(true, 512, false),
                                sampling,
                                null,
                                null,
                                new ResponseFormat("json_schema", Map.of("name", "weather")),
                                true,
                                30_000L,
                                metadata),
                        new InferenceRequest(
                                1,
                                "req-json",
                                null,
                                null,
                                Task.CHAT,
                                List.of(ChatMessage.user("The weather as JSON")),
                                null,
                                List.of(weather),
                                ToolChoice.NONE,
                                null,
                                null,
                                null,
                                null,
                                new ResponseFormat("json_object", null),
                                null,
                                null,
                                null),
                        new InferenceRequest(
                                1,
                                "req-call",
                                null,
                                null,
                                Task.CHAT,
                                List.of(ChatMessage.user("The weather in Rome")),
                                null,
                                List.of(weather),
                                ToolChoice.REQUIRED,
                                null,
                                null,
                                null,
                                null,
                                null,
                                null,
                                null,
                                null),
                        new InferenceRequest(
                                1,
                                "req-translate",
                                null,
                                null,
                                Task.TRANSLATE,
                                null,
                                "Good morning",
                                null,
                                new Thinking(false, null),
                                null,
                                translate,
                                null,
                                null,
                                false,
                                null,
                                null),
                        new InferenceRequest(
                                1,
                                "req-summarize",
                                null,
                                null,
                                Task.SUMMARIZE,
                                null,
                                "A long text.",
                                null,
                                null,
                                null,
                                null,
                                summarize,
                                null,
                                null,
                                null,
                                null)));
        Map<String, Object> answerSchema = new LinkedHashMap<>();
        answerSchema.put("type", "object");
        answerSchema.put("properties", Map.of("temp_c", Map.of("type", "integer", "minimum", -90, "maximum", 60)));
        answerSchema.put("required", List.of("temp_c"));
        Map<String, Map<String, Object>> functions = new LinkedHashMap<>();
        functions.put("get_weather", Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string"))));
        functions.put("get_time", Map.of("type", "object"));
        byName.put(
                "PreparedRequest",
                List.of(
                        new PreparedRequest(
                                1,
                                "req-call",
                                null,
                                null,
                                Task.CHAT,
                                "<|im_start|>user\nThe weather in Rome<|im_end|>\n<|im_start|>assistant\n",
                                40,
                                null,
                                new Thinking(false, null),
                                resolved,
                                PreparedRequest.AnswerFormat.toolCall(functions),
                                null,
                                null,
                                List.of(ChatMessage.user("The weather in Rome")),
                                false,
                                null,
                                1_764_937_200_000L,
                                null),
                        new PreparedRequest(
                                1,
                                "req-json",
                                null,
                                null,
                                Task.CHAT,
                                "<|im_start|>user\nThe weather as JSON<|im_end|>\n<|im_start|>assistant\n",
                                30,
                                null,
                                new Thinking(true, 64),
                                resolved,
                                PreparedRequest.AnswerFormat.jsonSchema(answerSchema),
                                null,
                                null,
                                List.of(ChatMessage.user("The weather as JSON")),
                                true,
                                null,
                                1_764_937_200_000L,
                                null),
                        new PreparedRequest(
                                1,
                                "req-object",
                                null,
                                null,
                                Task.CHAT,
                                "<|im_start|>user\nAny JSON<|im_end|>\n<|im_start|>assistant\n",
                                20,
                                null,
                                new Thinking(false, null),
                                resolved,
                                PreparedRequest.AnswerFormat.jsonObject(),
                                null,
                                null,
                                List.of(ChatMessage.user("Any JSON")),
                                false,
                                null,
                                1_764_937_200_000L,
                                null),
                        new PreparedRequest(
                                1,
                                "req-translate",
                                "conv-1",
                                "acme",
                                Task.TRANSLATE,
                                "<|im_start|>user\nGood morning<|im_end|>\n<|im_start|>assistant\n",
                                12,
                                new int[] {3, 40},
                                new Thinking(true, 256, false),
                                resolved,
                                translate,
                                null,
                                conversation,
                                true,
                                1_764_937_230_000L,
                                1_764_937_200_000L,
                                metadata),
                        new PreparedRequest(
                                1,
                                "req-summarize",
                                null,
                                null,
                                Task.SUMMARIZE,
                                "<|im_start|>user\nA long text.<|im_end|>\n",
                                9,
                                null,
                                new Thinking(false, null),
                                resolved,
                                null,
                                summarize,
                                List.of(new ChatMessage(Role.USER, "A long text.", null, null, null, null)),
                                false,
                                null,
                                1_764_937_200_000L,
                                null)));
        byName.put(
                "TokenChunk",
                List.of(
                        TokenChunk.of("req-1", 0, Phase.THINKING, "<think>\nHm", 3)
                                .withGenerationId("gen-1"),
                        new TokenChunk(
                                1,
                                "req-1",
                                7,
                                Phase.ANSWER,
                                " done.",
                                2,
                                FinishReason.ERROR,
                                usage,
                                error,
                                "gen-1",
                                1_764_937_200_120L,
                                1_764_937_200_185L,
                                1_764_937_202_410L)));
        byName.put(
                "InferenceResponse",
                List.of(
                        new InferenceResponse(
                                1,
                                "req-1",
                                ResponseStatus.OK,
                                "The user wants the weather.",
                                "Let me look.",
                                List.of(textCall, objectCall),
                                new InferenceResponse.Translation("Guten Morgen", "English", "German"),
                                new InferenceResponse.Summary("Two points.", List.of("one", "two")),
                                usage,
                                new InferenceResponse.Timings(4, 65L, 2290),
                                FinishReason.LENGTH,
                                null),
                        new InferenceResponse(
                                1,
                                "req-call",
                                ResponseStatus.OK,
                                "",
                                "",
                                List.of(objectCall),
                                null,
                                null,
                                usage,
                                new InferenceResponse.Timings(1, 30L, 250),
                                FinishReason.TOOL_CALLS,
                                null),
                        InferenceResponse.error("req-2", error)));
        byName.put(
                "ResponseDelta",
                List.of(new ResponseDelta(
                        1, "req-1", "gen-1", 3, DeltaKind.TOOL_CALL, Messages.toJsonString(textCall))));
        byName.put("ControlMessage", List.of(ControlMessage.cancel("req-1")));
        byName.put("ConversationHistory", List.of(ConversationHistory.of("conv-1", conversation)));
        return byName;
    }

    /** "Record.component" for every component of {@code type} and of the records it holds. */
    private static void components(Class<?> type, Set<String> out) {
        if (!type.isRecord()) return;
        for (RecordComponent component : type.getRecordComponents()) {
            if (!out.add(type.getSimpleName() + "." + component.getName())) return;
            for (Class<?> held : heldTypes(component.getGenericType())) components(held, out);
        }
    }

    private static List<Class<?>> heldTypes(Type type) {
        List<Class<?>> held = new ArrayList<>();
        if (type instanceof Class<?> c) held.add(c);
        if (type instanceof ParameterizedType p) {
            for (Type argument : p.getActualTypeArguments()) held.addAll(heldTypes(argument));
        }
        return held;
    }

    /** "Record.component" for every component that is non-null in {@code value} and what it holds. */
    private static void setComponents(Object value, Set<String> out) {
        if (value == null) return;
        if (value instanceof Collection<?> items) {
            items.forEach(item -> setComponents(item, out));
        } else if (value instanceof Map<?, ?> map) {
            map.values().forEach(item -> setComponents(item, out));
        } else if (value.getClass().isRecord()) {
            for (RecordComponent component : value.getClass().getRecordComponents()) {
                Object held;
                try {
                    held = component.getAccessor().invoke(value);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
                if (held == null) continue;
                out.add(value.getClass().getSimpleName() + "." + component.getName());
                setComponents(held, out);
            }
        }
    }

    /**
     * Walks {@code json} along {@code schema}: at each object whose schema declares its properties, records the
     * declared names and the written names under the object's path (schema name, then field names, [] for array
     * items). Objects without declared properties (metadata, tool parameters, ...) are free-form.
     */
    private static void walk(
            JsonNode schema,
            String file,
            JsonNode json,
            String path,
            Map<String, Set<String>> declared,
            Map<String, Set<String>> written)
            throws Exception {
        while (schema.has("$ref")) {
            String ref = schema.get("$ref").asText();
            int hash = ref.indexOf('#');
            if (hash > 0) file = ref.substring(0, hash);
            JsonNode target = schemaFile(file).at(ref.substring(hash + 1));
            if (schema.has("properties") || schema.has("items")) {
                throw new AssertionError(path + ": properties beside a $ref are not walked");
            }
            schema = target;
        }
        if (json.isObject() && schema.has("properties")) {
            JsonNode properties = schema.get("properties");
            properties
                    .fieldNames()
                    .forEachRemaining(name ->
                            declared.computeIfAbsent(path, p -> new TreeSet<>()).add(name));
            for (Map.Entry<String, JsonNode> field : json.properties()) {
                written.computeIfAbsent(path, p -> new TreeSet<>()).add(field.getKey());
                if (properties.has(field.getKey())) {
                    walk(
                            properties.get(field.getKey()),
                            file,
                            field.getValue(),
                            path + "." + field.getKey(),
                            declared,
                            written);
                }
            }
        } else if (json.isArray() && schema.has("items")) {
            for (JsonNode item : json) walk(schema.get("items"), file, item, path + "[]", declared, written);
        }
    }

    private static JsonNode schemaFile(String file) throws Exception {
        return Messages.mapper().readTree(MessageValidator.schemaText(file.replace(".schema.json", "")));
    }
}
