package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.qwenstream.engine.Phase;

/**
 * Generated text on qwen.tokens (TokenChunk.schema.json). {@code seq} runs 0,1,2,… per request; the last
 * chunk alone carries {@code finishReason} and {@code usage}, and {@code error} when finishReason is ERROR.
 * {@code generationId} is new each time a worker starts or restarts the request (seq begins again at 0); null
 * for a writer that does not name its generations. The last chunk may carry the worker's clock readings (epoch
 * ms): when it began generating, when the first token came, when generation ended; the postprocessor turns them
 * into the response's timings.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TokenChunk(
        int schemaVersion,
        String requestId,
        long seq,

        @JsonSerialize(using = PhaseJson.Writer.class) @JsonDeserialize(using = PhaseJson.Reader.class)
        Phase phase,

        String text,
        int tokenCount,
        FinishReason finishReason,
        Usage usage,
        ErrorDetail error,
        String generationId,
        Long startedAtMs,
        Long firstTokenAtMs,
        Long finishedAtMs) {

    public static TokenChunk of(String requestId, long seq, Phase phase, String text, int tokenCount) {
        return new TokenChunk(
                Messages.SCHEMA_VERSION,
                requestId,
                seq,
                phase,
                text,
                tokenCount,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
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
                Messages.SCHEMA_VERSION,
                requestId,
                seq,
                phase,
                text,
                tokenCount,
                finishReason,
                usage,
                null,
                null,
                null,
                null,
                null);
    }

    public static TokenChunk failed(String requestId, long seq, Phase phase, Usage usage, ErrorDetail error) {
        return new TokenChunk(
                Messages.SCHEMA_VERSION,
                requestId,
                seq,
                phase,
                "",
                0,
                FinishReason.ERROR,
                usage,
                error,
                null,
                null,
                null,
                null);
    }

    /** This chunk as part of generation {@code id}. */
    public TokenChunk withGenerationId(String id) {
        return new TokenChunk(
                schemaVersion,
                requestId,
                seq,
                phase,
                text,
                tokenCount,
                finishReason,
                usage,
                error,
                id,
                startedAtMs,
                firstTokenAtMs,
                finishedAtMs);
    }

    /** This last chunk with the worker's clock readings (epoch ms; the first two null when unknown). */
    public TokenChunk withTimings(Long startedAtMs, Long firstTokenAtMs, long finishedAtMs) {
        if (!isLast()) throw new IllegalStateException("only the last chunk carries timings");
        return new TokenChunk(
                schemaVersion,
                requestId,
                seq,
                phase,
                text,
                tokenCount,
                finishReason,
                usage,
                error,
                generationId,
                startedAtMs,
                firstTokenAtMs,
                finishedAtMs);
    }

    @JsonIgnore
    public boolean isLast() {
        return finishReason != null;
    }
}
