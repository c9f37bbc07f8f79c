package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Why a request failed: {@code InferenceResponse.error}, {@code TokenChunk.error}, and the result of a failed
 * validation. {@code field} is a JSON pointer ({@code "/sampling/temperature"}, {@code ""} = whole document)
 * or null.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorDetail(ErrorCode code, String message, String field) {

    public ErrorDetail(ErrorCode code, String message) {
        this(code, message, null);
    }
}
