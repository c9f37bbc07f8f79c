package io.qwenstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Constrained decoding through the public API on the random-weight fixture model, whose free text is
 * noise: every answer must still parse, and validate under its schema by an independent validator
 * (networknt), whatever the seed, the thinking mode or the token budget.
 */
public class AnswerFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final SchemaRegistry VALIDATORS =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static Engine engine;

    @BeforeAll
    static void load() {
        engine = Engine.load(Fixtures.model("tiny-qwen3-moe"), Fixtures.tokenizerDir());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    public static final String PERSON_SCHEMA = """
            {"type":"object","additionalProperties":false,
             "required":["name","age","email","tags","address","active","nickname"],
             "properties":{
               "name":{"type":"string","minLength":1,"maxLength":20},
               "age":{"type":"integer","minimum":0,"maximum":150},
               "email":{"type":"string","pattern":"^[a-z]+@[a-z]+\\\\.(com|org)$"},
               "tags":{"type":"array","items":{"enum":["red","green","blue"]},"minItems":1,"maxItems":3},
               "address":{"type":"object","additionalProperties":false,"required":["street","zip"],
                          "properties":{"street":{"type":"string"},"zip":{"type":"string","pattern":"^\\\\d{5}$"}}},
               "active":{"type":"boolean"},
               "nickname":{"anyOf":[{"type":"string","maxLength":8},{"type":"null"}]}}}""";

    public static final String NUMBERS_SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["score","count","ratio","id","small"],
             "properties":{
               "score":{"type":"number","minimum":-1.5,"maximum":2.25},
               "count":{"type":"integer","exclusiveMinimum":10,"maximum":12},
               "ratio":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1},
               "id":{"type":"integer","minimum":1000,"maximum":1999},
               "small":{"type":"integer","minimum":-20,"maximum":-7}}}""";

    public static final String LIST_SCHEMA = """
            {"type":"array","minItems":2,"maxItems":4,
             "items":{"type":"object","required":["sku","qty"],"additionalProperties":false,
                      "properties":{"sku":{"type":"string","pattern":"^[A-Z]{3}-[0-9]+$"},
                                    "qty":{"type":"integer","minimum":1},
                                    "note":{"type":["string","null"]}}}}""";

    public static final String REFS_SCHEMA = """
            {"$defs":{"point":{"type":"object","required":["x","y"],"additionalProperties":false,
                               "properties":{"x":{"type":"number"},"y":{"type":"number"}}}},
             "type":"object","required":["from","to","label"],"additionalProperties":false,
             "properties":{"from":{"$ref":"#/$defs/point"},"to":{"$ref":"#/$defs/point"},
                           "label":{"const":"segment"}}}""";

    private static Map<String, Object> parse(String json) {
        try {
            return JSON.readValue(json, new TypeReference<>() {});
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static GenerationResult generate(AnswerFormat format, boolean thinking, int maxTokens, long seed) {
        int[] prompt = engine.chat()
                .render(List.of(Map.of("role", "user", "content", "Give me the data as JSON.")), null, thinking)
                .ids();
        GenerationOptions options = new GenerationOptions(
                maxTokens, SamplingParams.defaults(thinking, seed), false, List.of(), thinking, null, format);
        return engine.generate(prompt, options, KvPrecision.F32, TokenListener.NONE);
    }

    /** The answer: the text after the thinking. */
    private static String answer(GenerationResult r) {
        int end = r.text().indexOf("</think>");
        return end < 0 ? r.text() : r.text().substring(end + "</think>".length());
    }

    private static void assertValid(String schema, String answer) throws Exception {
        JsonNode value = JSON.readTree(answer); // throws when the answer does not parse
        List<Error> errors = VALIDATORS.getSchema(schema).validate(value);
        assertTrue(errors.isEmpty(), () -> errors + " in " + answer);
    }

    @Test
    void everyAnswerParsesAndValidatesWhateverTheSeedModeAndBudget() throws Exception {
        for (String schema : List.of(PERSON_SCHEMA, NUMBERS_SCHEMA, LIST_SCHEMA, REFS_SCHEMA)) {
            AnswerFormat format = AnswerFormat.jsonSchema(parse(schema));
            // Two runs a schema keep the test short; between them they cover both modes and both budgets.
            for (int run = 0; run < 2; run++) {
                boolean thinking = run == 1;
                GenerationResult r = generate(format, thinking, run == 0 ? 200 : 500, run + 1);
                assertEquals(GenerationResult.FinishReason.STOP, r.finishReason(), r.text());
                assertValid(schema, answer(r));
            }
        }
    }

    @Test
    void jsonObjectGivesAnObject() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            GenerationResult r = generate(AnswerFormat.jsonObject(), false, 150, seed);
            assertTrue(JSON.readTree(answer(r)).isObject(), r.text());
        }
    }

    @Test
    void aForcedToolCallNamesAFunctionWithValidArguments() throws Exception {
        Map<String, Map<String, Object>> functions = new LinkedHashMap<>();
        functions.put("get_weather", parse("""
                {"type":"object","required":["city","unit"],"additionalProperties":false,
                 "properties":{"city":{"type":"string","minLength":1},"unit":{"enum":["celsius","fahrenheit"]}}}"""));
        functions.put("get_time", parse("""
                {"type":"object","required":["zone"],"properties":{"zone":{"type":"string","pattern":"^[A-Z][a-z]+/[A-Z][a-z]+$"}}}"""));
        AnswerFormat format = AnswerFormat.toolCall(functions);
        for (long seed = 1; seed <= 4; seed++) {
            String answer = answer(generate(format, seed % 2 == 0, 200, seed)).strip();
            assertTrue(answer.startsWith("<tool_call>\n") && answer.endsWith("\n</tool_call>"), answer);
            JsonNode call = JSON.readTree(
                    answer.substring("<tool_call>\n".length(), answer.length() - "\n</tool_call>".length()));
            String name = call.get("name").asText();
            assertTrue(functions.containsKey(name), answer);
            List<Error> errors =
                    VALIDATORS.getSchema(JSON.valueToTree(functions.get(name))).validate(call.get("arguments"));
            assertTrue(errors.isEmpty(), () -> errors + " in " + answer);
        }
    }

    @Test
    void aSchemaAskingForWhatTheEngineCannotEnforceIsRefusedByName() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> AnswerFormat.jsonSchema(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"oneOf\":[]}}}")));
        assertTrue(e.getMessage().contains("/properties/a") && e.getMessage().contains("oneOf"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> AnswerFormat.jsonSchema(parse("{\"type\":\"string\",\"pattern\":\"(?=a)\"}")));
    }
}
