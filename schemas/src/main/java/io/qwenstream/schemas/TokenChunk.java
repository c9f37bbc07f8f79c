package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Generated text on qwen.tokens (TokenChunk.schema.json). {@code seq} runs 0,1,2,… per request; the last
 * chunk alone carries {@code finishReason} and {@code usage}, and {@code error} when finishReason is ERROR.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TokenChunk(
        int schemaVersion,
        String requestId,
        long seq,
        Phase phase,
        String text,
        int tokenCount,
        FinishReason finishReason,
        Usage usage,
        ErrorDetail error) {

    public static TokenChunk of(String requestId, long seq, Phase phase, String text, int tokenCount) {
        return new TokenChunk(Messages.SCHEMA_VERSION, requestId, seq, phase, text, tokenCount, null, null, null);
    }

    public static TokenChunk last(
            String requestId,
            long seq,
            Phase phase,
            String text,
            int tokenCount,
            FinishReason finishReason,
            Usage usage) {
        return new TokenChunk(
                Messages.SCHEMA_VERSION, requestId, seq, phase, text, tokenCount, finishReason, usage, null);
    }

    public static TokenChunk failed(String requestId, long seq, Phase phase, Usage usage, ErrorDetail error) {
        return new TokenChunk(Messages.SCHEMA_VERSION, requestId, seq, phase, "", 0, FinishReason.ERROR, usage, error);
    }

    @JsonIgnore
    public boolean isLast() {
        return finishReason != null;
    }
}
