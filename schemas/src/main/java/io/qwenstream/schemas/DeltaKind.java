package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a ResponseDelta's text is. On the wire: the constant's name in lower case. */
public enum DeltaKind {
    THINKING,
    CONTENT,
    TOOL_CALL,
    /** Drop what was shown for the request: a newer generation follows (empty text). */
    RESET;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
