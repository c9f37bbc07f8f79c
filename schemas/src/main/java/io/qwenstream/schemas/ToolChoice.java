package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;

/**
 * OpenAI {@code tool_choice} (InferenceRequest.schema.json): {@code "auto"} (the model may call a tool; the default),
 * {@code "none"} (the model is not told of the tools), {@code "required"} (the answer is a call of one of the tools)
 * or {@code {"type":"function","function":{"name":…}}} (the answer is a call of that function). The forced forms are
 * enforced by constrained decoding. {@code function} is set for {@link Mode#FUNCTION} only.
 */
public record ToolChoice(Mode mode, String function) {

    public enum Mode {
        AUTO,
        NONE,
        REQUIRED,
        /** A named function: {@link ToolChoice#function()}. */
        FUNCTION;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ToolChoice {
        if (mode == null) throw new IllegalArgumentException("tool_choice needs a mode");
        if ((mode == Mode.FUNCTION) != (function != null))
            throw new IllegalArgumentException("tool_choice names a function exactly when it is a function choice");
    }

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);
    public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, null);

    public static ToolChoice function(String name) {
        return new ToolChoice(Mode.FUNCTION, name);
    }

    /** Whether the answer must be a tool call. */
    public boolean forcesCall() {
        return mode == Mode.REQUIRED || mode == Mode.FUNCTION;
    }

    /** Read from its JSON (already schema-valid): one of the three strings, or the function object. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static ToolChoice fromJson(JsonNode json) {
        if (json.isTextual()) {
            return switch (json.asText()) {
                case "auto" -> AUTO;
                case "none" -> NONE;
                case "required" -> REQUIRED;
                default -> throw new IllegalArgumentException("unknown tool_choice \"" + json.asText() + "\"");
            };
        }
        JsonNode name = json.path("function").path("name");
        if (!"function".equals(json.path("type").asText()) || !name.isTextual())
            throw new IllegalArgumentException("tool_choice must be auto, none, required or a function: " + json);
        return function(name.asText());
    }

    @JsonValue
    Object toJson() {
        return mode == Mode.FUNCTION ? Map.of("type", "function", "function", Map.of("name", function)) : mode.wire();
    }
}
