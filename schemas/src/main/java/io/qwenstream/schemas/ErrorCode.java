package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Error codes of {@code InferenceResponse.error.code} and of validation failures (PIPELINE.md). On the
 * wire: the constant's name in lower case. A duplicate request is not an error response, so it has no code.
 */
public enum ErrorCode {
    /** The record is not JSON (or has trailing data, or a duplicate field). */
    INVALID_JSON,
    /** The record's bytes are not strict UTF-8, or a string holds an unpaired surrogate escape. */
    INVALID_UTF8,
    /** Wrong type, missing or unexpected field; {@code field} is its JSON pointer. */
    SCHEMA_VIOLATION,
    /** {@code task} is not chat, translate or summarize. */
    UNKNOWN_TASK,
    /** {@code messages} is an empty array. */
    EMPTY_MESSAGES,
    /** A number outside its range (sampling values, max_tokens, deadline_ms, ...); {@code field} is set. */
    OUT_OF_RANGE,
    /** The rendered prompt does not fit the model's context. */
    PROMPT_TOO_LONG,
    /** The record is larger than the configured limit (default 512 KiB). */
    RECORD_TOO_LARGE,
    /** Greedy decoding asked in thinking mode without {@code sampling.allow_greedy}. */
    GREEDY_IN_THINKING_MODE,
    /** The request's deadline passed before the answer was complete. */
    DEADLINE_EXCEEDED,
    /** The request was cancelled through qwen.control. */
    CANCELLED,
    /** The request's tenant sent more requests per second than its limit allows ({@code field} /tenant). */
    RATE_LIMITED,
    /** The request's tenant already has as many generations running as its limit allows ({@code field} /tenant). */
    TOO_MANY_CONCURRENT,
    /** A fault of ours, not of the request. */
    INTERNAL;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
