package io.qwenstream.ingest;

import io.qwenstream.engine.AnswerFormat;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.InferenceRequest;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.ResponseFormat;
import io.qwenstream.schemas.Task;
import io.qwenstream.schemas.Tool;
import io.qwenstream.schemas.ToolChoice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request's {@code response_format} and {@code tool_choice} → the PreparedRequest's {@code answer_format}, what the
 * engine's constrained decoding makes the answer be. Every schema is compiled here by the engine's own
 * {@link AnswerFormat} (the compiled grammar is then dropped), so a request the engine could not enforce is refused
 * at ingest with the place in the request that asks for it, and the worker never fails on it. Nothing is silently
 * weakened: what cannot be enforced is refused.
 *
 * <ul>
 *   <li>{@code response_format} text or absent, {@code tool_choice} auto or none: free text (null);
 *   <li>{@code json_object}: any JSON object; {@code json_schema}: a value valid under {@code json_schema.schema};
 *   <li>{@code tool_choice} required: one call of any of the tools; a named function: one call of that tool.
 * </ul>
 *
 * Refused as {@code schema_violation} with the field's JSON pointer: a JSON format or a forced call on task translate
 * or summarize (their answers are formatted text), both at once, a forced call without tools or naming a function
 * that is not among them, two tools of one name, a json_schema without its schema, and a schema the engine cannot
 * enforce (the field points into the schema, at the keyword).
 */
final class AnswerFormats {

    /** The engine's refusal: "JSON schema at /properties/x: the keyword 'oneOf' is not supported". */
    private static final Pattern AT = Pattern.compile("^(?:function .*?: )?JSON schema at (/.*?): ");

    private static final String SUBSET = " (what the engine enforces: docs/structured-output.md)";

    private AnswerFormats() {}

    /** @return the answer format, or null for free text */
    static PreparedRequest.AnswerFormat of(InferenceRequest request) {
        ResponseFormat format = request.responseFormat();
        String formatType = format == null || format.type() == null ? "text" : format.type();
        boolean json = !formatType.equals("text");
        ToolChoice choice = request.toolChoiceOrAuto();
        if (!json && !choice.forcesCall()) return null;
        if (request.task() != Task.CHAT) {
            throw new RefusedException(
                    ErrorCode.SCHEMA_VIOLATION,
                    (json ? "response_format " + formatType : "tool_choice " + describe(choice))
                            + " is for task chat only: the answer of task "
                            + request.task().wire()
                            + " is formatted text",
                    json ? "/response_format" : "/tool_choice");
        }
        if (json && choice.forcesCall()) {
            throw new RefusedException(
                    ErrorCode.SCHEMA_VIOLATION,
                    "tool_choice " + describe(choice) + " makes the answer a tool call and response_format "
                            + formatType + " makes it JSON; an answer is one of them: send one (a forced call's"
                            + " arguments already follow the function's parameters)",
                    "/tool_choice");
        }
        return json ? jsonFormat(format) : toolCall(request.tools(), choice);
    }

    private static PreparedRequest.AnswerFormat jsonFormat(ResponseFormat format) {
        if (format.type().equals("json_object")) return PreparedRequest.AnswerFormat.jsonObject();
        Map<String, Object> jsonSchema = format.jsonSchema();
        if (jsonSchema == null) {
            throw new RefusedException(
                    ErrorCode.SCHEMA_VIOLATION,
                    "response_format json_schema needs json_schema: {\"name\": …, \"schema\": {the JSON Schema of the"
                            + " answer}}",
                    "/response_format/json_schema");
        }
        if (!(jsonSchema.get("schema") instanceof Map<?, ?> raw)) {
            throw new RefusedException(
                    ErrorCode.SCHEMA_VIOLATION,
                    "response_format json_schema needs json_schema.schema, the JSON Schema of the answer (an object)",
                    "/response_format/json_schema/schema");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> schema = (Map<String, Object>) raw;
        String base = "/response_format/json_schema/schema";
        try {
            AnswerFormat.jsonSchema(schema);
        } catch (IllegalArgumentException e) {
            throw unenforceable("response_format json_schema", base, e);
        }
        return PreparedRequest.AnswerFormat.jsonSchema(schema);
    }

    private static PreparedRequest.AnswerFormat toolCall(List<Tool> tools, ToolChoice choice) {
        if (tools == null || tools.isEmpty()) {
            throw new RefusedException(
                    ErrorCode.SCHEMA_VIOLATION,
                    "tool_choice " + describe(choice) + " forces a tool call, and the request has no tools",
                    "/tool_choice");
        }
        Map<String, Integer> indexByName = new LinkedHashMap<>();
        for (int i = 0; i < tools.size(); i++) {
            Integer earlier = indexByName.putIfAbsent(tools.get(i).function().name(), i);
            if (earlier != null) {
                throw new RefusedException(
                        ErrorCode.SCHEMA_VIOLATION,
                        "tools " + earlier + " and " + i + " are both named '"
                                + tools.get(i).function().name() + "'; a forced call needs one tool per name",
                        "/tools/" + i + "/function/name");
            }
        }
        List<Integer> chosen = new ArrayList<>();
        if (choice.mode() == ToolChoice.Mode.REQUIRED) {
            chosen.addAll(indexByName.values());
        } else {
            Integer index = indexByName.get(choice.function());
            if (index == null) {
                throw new RefusedException(
                        ErrorCode.SCHEMA_VIOLATION,
                        "tool_choice names the function '" + choice.function() + "', which is not among the tools ("
                                + String.join(", ", indexByName.keySet()) + ")",
                        "/tool_choice/function/name");
            }
            chosen.add(index);
        }
        Map<String, Map<String, Object>> functions = new LinkedHashMap<>();
        for (int i : chosen) {
            Tool.Function function = tools.get(i).function();
            // No parameters: the call's arguments are any object (Qwen3 writes {} for none).
            Map<String, Object> parameters =
                    function.parameters() != null ? function.parameters() : Map.of("type", "object");
            try {
                AnswerFormat.jsonSchema(parameters);
            } catch (IllegalArgumentException e) {
                throw unenforceable(
                        "the parameters of tool '" + function.name() + "'", "/tools/" + i + "/function/parameters", e);
            }
            functions.put(function.name(), parameters);
        }
        try {
            AnswerFormat.toolCall(functions);
        } catch (IllegalArgumentException e) {
            throw new RefusedException(
                    ErrorCode.SCHEMA_VIOLATION,
                    "the engine cannot force this tool call: " + e.getMessage() + SUBSET,
                    "/tool_choice");
        }
        return PreparedRequest.AnswerFormat.toolCall(functions);
    }

    /** The engine's refusal of a schema, with the field pointing at the keyword it refused. */
    private static RefusedException unenforceable(String what, String base, IllegalArgumentException e) {
        return new RefusedException(
                ErrorCode.SCHEMA_VIOLATION,
                "the engine cannot enforce " + what + ": " + e.getMessage() + SUBSET,
                field(base, e.getMessage()));
    }

    /** {@code base} followed by the place in the schema the engine's message names, when it names one. */
    static String field(String base, String engineMessage) {
        Matcher at = AT.matcher(engineMessage == null ? "" : engineMessage);
        if (!at.find() || at.group(1).equals("/")) return base;
        return base + at.group(1);
    }

    private static String describe(ToolChoice choice) {
        return choice.mode() == ToolChoice.Mode.FUNCTION
                ? "{\"type\": \"function\", \"function\": {\"name\": \"" + choice.function() + "\"}}"
                : choice.mode().wire();
    }
}
