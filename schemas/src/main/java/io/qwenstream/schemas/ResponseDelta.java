package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A piece of the answer on qwen.responses.stream (ResponseDelta.schema.json); {@code seq} runs 0,1,2,… per request
 * across generations. A {@link DeltaKind#RESET} delta (empty text) tells readers to drop what they showed: the
 * generation {@code generationId} follows. {@code generationId} is null when the chunks named none.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResponseDelta(
        int schemaVersion, String requestId, String generationId, long seq, DeltaKind kind, String text) {

    public static ResponseDelta of(String requestId, String generationId, long seq, DeltaKind kind, String text) {
        return new ResponseDelta(Messages.SCHEMA_VERSION, requestId, generationId, seq, kind, text);
    }

    /** Drop what was shown for the request: generation {@code generationId} starts over. */
    public static ResponseDelta reset(String requestId, String generationId, long seq) {
        return of(requestId, generationId, seq, DeltaKind.RESET, "");
    }
}
