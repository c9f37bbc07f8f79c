package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A tool the model may call, OpenAI function format: {@code {"type":"function","function":{…}}}. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Tool(String type, Function function) {

    /** {@code parameters} is a JSON Schema object of the arguments, as plain maps and lists. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Function(String name, String description, java.util.Map<String, Object> parameters, Boolean strict) {}
}
