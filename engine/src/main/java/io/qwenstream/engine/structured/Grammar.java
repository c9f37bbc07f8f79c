package io.qwenstream.engine.structured;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an answer must be, compiled once: a JSON object, a value of a JSON schema, or one Qwen3 tool
 * call ({@code <tool_call>\n{"name": …, "arguments": …}\n</tool_call>}, the chat template's own form)
 * whose arguments are a value of the named function's parameters schema. Immutable; share it freely.
 */
public final class Grammar {

    final Node.Seq root;
    final boolean toolCall;

    private Grammar(Node.Seq root, boolean toolCall) {
        this.root = root;
        this.toolCall = toolCall;
    }

    /** Any JSON object (OpenAI's {@code json_object}); whitespace may lead. */
    public static Grammar jsonObject() {
        return answer(Matcher.AnyShapes.object(Node.Any.at(1)));
    }

    /**
     * A value of {@code schema} (parsed JSON: maps, lists, strings, numbers, booleans).
     *
     * @throws IllegalArgumentException naming the place and keyword the engine cannot enforce
     */
    public static Grammar jsonSchema(Map<String, Object> schema) {
        return answer(SchemaCompiler.compile(schema));
    }

    private static Grammar answer(Node value) {
        return new Grammar(new Node.Seq(List.of(new Node.Ws(SchemaCompiler.WS_MAX), value)), false);
    }

    /**
     * One call of one of the functions, given as name → parameters schema (null: any object), in the
     * order the model may choose them.
     *
     * @throws IllegalArgumentException when there is no function or a parameters schema cannot be enforced
     */
    public static Grammar toolCall(Map<String, Map<String, Object>> parametersByName) {
        if (parametersByName == null || parametersByName.isEmpty())
            throw new IllegalArgumentException("a forced tool call needs at least one function");
        List<byte[]> names = new ArrayList<>();
        List<Node.Seq> arguments = new ArrayList<>();
        Node closeBrace = literal("}");
        for (Map.Entry<String, Map<String, Object>> f : new LinkedHashMap<>(parametersByName).entrySet()) {
            names.add(bytes(SchemaCompiler.text(f.getKey()) + ", \"arguments\": "));
            Map<String, Object> parameters = f.getValue() == null ? Map.of("type", "object") : f.getValue();
            Node args;
            try {
                args = SchemaCompiler.compile(parameters);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("function " + f.getKey() + ": " + e.getMessage(), e);
            }
            arguments.add(new Node.Seq(List.of(args, closeBrace)));
        }
        return new Grammar(
                new Node.Seq(List.of(
                        new Node.Ws(SchemaCompiler.WS_MAX),
                        literal("<tool_call>\n{\"name\": "),
                        new Node.Literals(names, arguments),
                        literal("\n</tool_call>"))),
                true);
    }

    private static Node literal(String text) {
        return new Node.Literals(List.of(bytes(text)), null);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
