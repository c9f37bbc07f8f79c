package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A function call, OpenAI format: {@code {"id":…, "type":"function", "function":{"name":…, "arguments":…}}}.
 * {@code arguments} is a {@link String} (OpenAI: the JSON text) or a {@link java.util.Map} (Qwen3 emits an
 * object); the chat template renders both.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ToolCall(String id, String type, Function function) {

    public static ToolCall function(String id, String name, Object arguments) {
        return new ToolCall(id, "function", new Function(name, arguments));
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Function(String name, Object arguments) {}
}
