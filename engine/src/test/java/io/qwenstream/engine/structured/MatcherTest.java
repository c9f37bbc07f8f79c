package io.qwenstream.engine.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.engine.AnswerFormatTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The byte automaton alone: what it reads, what it refuses, and that every state it reaches can be completed. */
class MatcherTest {

    private static Map<String, Object> schema(String json) throws Exception {
        return new ObjectMapper().readValue(json, new TypeReference<>() {});
    }

    private static Matcher.Stack read(Grammar g, String text) {
        Matcher.Stack s = Matcher.start(g.root);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            s = Matcher.advance(s, b & 0xFF);
            if (s == null) return null;
        }
        return s;
    }

    private static boolean accepts(Grammar g, String text) {
        Matcher.Stack s = read(g, text);
        return s != null && Matcher.accepting(s);
    }

    @Test
    void readsValidTextAndRefusesTheRest() throws Exception {
        Grammar numbers = Grammar.jsonSchema(schema("""
                {"type":"object","required":["a","b"],"additionalProperties":false,
                 "properties":{"a":{"type":"integer","minimum":5,"maximum":120},"b":{"type":"number","exclusiveMaximum":1}}}"""));
        assertTrue(accepts(numbers, "{\"a\": 17, \"b\": -0.5}"));
        assertTrue(accepts(numbers, " {\"b\":0.999,\"a\":120}"));
        assertFalse(accepts(numbers, "{\"a\": 121, \"b\": 0}"));
        assertNotNull(read(numbers, "{\"a\": 12"));
        assertNull(read(numbers, "{\"a\": 130"), "no number that starts with 130 is at most 120");
        assertNull(read(numbers, "{\"b\": 1"), "1 and beyond are excluded: only 0.x or negatives");
        assertNull(read(numbers, "{\"a\": 4}"));
        assertNull(read(numbers, "{\"a\": 05"));
        assertNull(read(numbers, "{\"c\""));
        assertNull(read(numbers, "{\"a\": 7}"), "b is required");

        Grammar strings = Grammar.jsonSchema(schema("""
                {"type":"array","items":{"type":"string","pattern":"^ab+c?$","maxLength":4}}"""));
        assertTrue(accepts(strings, "[\"abbc\", \"ab\"]"));
        assertNull(read(strings, "[\"abbbc"));
        assertNull(read(strings, "[\"ac"));
        Grammar free = Grammar.jsonObject();
        assertTrue(accepts(free, "{\"k\\u00e9\": [1, -2.5, \"é😀\", {\"x\": null}], \"t\": true}"));
        assertNull(read(free, "{\"a\": \"\\ud800"), "no lone surrogate escapes");
        assertNull(read(free, "{\"a\": \"\u0001"));
        assertNull(read(free, "[]"), "json_object is an object");
    }

    /** Random walks over the bytes each state allows: from every state reached, the completion ends in an accepting state. */
    @Test
    void everyReachableStateCompletes() throws Exception {
        List<Grammar> grammars = new ArrayList<>();
        for (String s : List.of(
                AnswerFormatTest.PERSON_SCHEMA,
                AnswerFormatTest.NUMBERS_SCHEMA,
                AnswerFormatTest.LIST_SCHEMA,
                AnswerFormatTest.REFS_SCHEMA)) grammars.add(Grammar.jsonSchema(schema(s)));
        grammars.add(Grammar.jsonObject());
        grammars.add(
                Grammar.toolCall(
                        Map.of(
                                "f",
                                schema(
                                        "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\",\"pattern\":\"^[0-9]{2}x$\"}}}"))));
        SplittableRandom random = new SplittableRandom(7);
        for (Grammar g : grammars) {
            for (int walk = 0; walk < 60; walk++) {
                Matcher.Stack s = Matcher.start(g.root);
                StringBuilder text = new StringBuilder();
                for (int step = 0; step < 80; step++) {
                    byte[] completion = Matcher.completion(s);
                    Matcher.Stack done = s;
                    for (byte b : completion) done = done == null ? null : Matcher.advance(done, b & 0xFF);
                    String shown = text + " + " + new String(completion, StandardCharsets.ISO_8859_1);
                    assertNotNull(done, shown);
                    assertTrue(Matcher.accepting(done), shown);
                    List<Integer> next = new ArrayList<>();
                    for (int b = 0; b < 256; b++) if (Matcher.advance(s, b) != null) next.add(b);
                    if (next.isEmpty()) {
                        assertTrue(Matcher.accepting(s), text.toString());
                        break;
                    }
                    int b = next.get(random.nextInt(next.size()));
                    s = Matcher.advance(s, b);
                    text.append((char) b);
                }
            }
        }
        assertEquals(6, grammars.size());
    }
}
