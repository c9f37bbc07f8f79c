package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The final answer on qwen.responses (InferenceResponse.schema.json). Status OK goes with finish reason STOP
 * or LENGTH and no error; status ERROR with finish reason ERROR and an error.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record InferenceResponse(
        int schemaVersion,
        String requestId,
        ResponseStatus status,
        String thinking,
        String content,
        List<ToolCall> toolCalls,
        Translation translation,
        Summary summary,
        Usage usage,
        Timings timings,
        FinishReason finishReason,
        ErrorDetail error) {

    /** The error response for a request that failed (validation, deadline, cancel, ...). */
    public static InferenceResponse error(String requestId, ErrorDetail error) {
        return new InferenceResponse(
                Messages.SCHEMA_VERSION,
                requestId,
                ResponseStatus.ERROR,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                FinishReason.ERROR,
                error);
    }

    public static InferenceResponse error(String requestId, ErrorCode code, String message, String field) {
        return error(requestId, new ErrorDetail(code, message, field));
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Translation(String text, String sourceLanguage, String targetLanguage) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Summary(String text, List<String> bullets) {}

    /** Milliseconds: queued before generation, to the first token (null if none), in all. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Timings(long queueMs, Long ttftMs, long totalMs) {}
}
