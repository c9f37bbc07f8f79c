package io.qwenstream.engine;

import io.qwenstream.engine.structured.Grammar;
import java.util.Map;

/**
 * What a generation's answer must be, enforced by constrained decoding: at each answer step every
 * token whose text the format cannot continue with is masked, and the end of sequence is allowed
 * only where the answer is complete, so the answer always parses, whatever the model. The thinking
 * stays free; the constraint starts after {@code </think>} (at once when thinking is off). Near
 * {@code max_tokens} the shortest completion is forced, so the answer still parses then; a thinking
 * that does not close in time is closed with the budget's sentence, leaving room for the answer.
 * Build one per request shape and share it: it holds the compiled grammar.
 */
public final class AnswerFormat {

    private final Grammar grammar;
    private final String kind;

    private AnswerFormat(Grammar grammar, String kind) {
        this.grammar = grammar;
        this.kind = kind;
    }

    /** Any JSON object (OpenAI's {@code response_format: json_object}). */
    public static AnswerFormat jsonObject() {
        return new AnswerFormat(Grammar.jsonObject(), "json_object");
    }

    /**
     * A JSON value valid under {@code schema} (parsed JSON as maps and lists). The subset: type,
     * properties / required / additionalProperties, items / minItems / maxItems, minLength /
     * maxLength / pattern (literals, classes, groups, alternation, quantifiers, anchors), minimum /
     * maximum and their exclusive forms, enum, const, anyOf whose alternatives differ in their first
     * character, local $ref. Objects with declared properties are written with those only.
     *
     * @throws IllegalArgumentException naming where the schema asks for what the engine cannot enforce
     */
    public static AnswerFormat jsonSchema(Map<String, Object> schema) {
        return new AnswerFormat(Grammar.jsonSchema(schema), "json_schema");
    }

    /**
     * One Qwen3 tool call, {@code <tool_call>\n{"name": …, "arguments": …}\n</tool_call>}, of one of the
     * functions (name → parameters schema, null for any object), with arguments valid under its schema.
     *
     * @throws IllegalArgumentException when there is no function or a parameters schema cannot be enforced
     */
    public static AnswerFormat toolCall(Map<String, Map<String, Object>> parametersByName) {
        return new AnswerFormat(Grammar.toolCall(parametersByName), "tool_call");
    }

    /** The compiled grammar, for the engine's generation. */
    public Grammar grammar() {
        return grammar;
    }

    @Override
    public String toString() {
        return kind;
    }
}
