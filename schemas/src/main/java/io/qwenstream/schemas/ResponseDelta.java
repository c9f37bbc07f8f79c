package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A piece of the answer on qwen.responses.stream (ResponseDelta.schema.json); {@code seq} runs 0,1,2,… */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResponseDelta(int schemaVersion, String requestId, long seq, DeltaKind kind, String text) {

    public static ResponseDelta of(String requestId, long seq, DeltaKind kind, String text) {
        return new ResponseDelta(Messages.SCHEMA_VERSION, requestId, seq, kind, text);
    }
}
