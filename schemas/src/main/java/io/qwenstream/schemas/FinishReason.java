package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Why generation ended (TokenChunk, InferenceResponse). On the wire: the constant's name in lower case. */
public enum FinishReason {
    STOP,
    LENGTH,
    CANCELLED,
    DEADLINE,
    ERROR;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
