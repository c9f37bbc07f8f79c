package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A command about a request in flight, on qwen.control (ControlMessage.schema.json). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ControlMessage(int schemaVersion, String requestId, ControlAction action) {

    public static ControlMessage cancel(String requestId) {
        return new ControlMessage(Messages.SCHEMA_VERSION, requestId, ControlAction.CANCEL);
    }
}
