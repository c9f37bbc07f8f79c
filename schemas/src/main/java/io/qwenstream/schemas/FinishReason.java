package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Why generation ended (TokenChunk, InferenceResponse). On the wire: the constant's name in lower case. {@link
 * #TOOL_CALLS} is the InferenceResponse's only (the answer stopped with tool calls); a TokenChunk never carries it.
 */
public enum FinishReason {
    STOP,
    LENGTH,
    CANCELLED,
    DEADLINE,
    ERROR,
    /** InferenceResponse only: the answer ended on its own and holds tool calls (OpenAI's {@code tool_calls}). */
    TOOL_CALLS;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
