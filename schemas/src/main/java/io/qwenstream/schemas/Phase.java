package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a TokenChunk's text belongs: inside the think block or in the answer. On the wire: the constant's name in lower case. */
public enum Phase {
    THINKING,
    ANSWER;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
