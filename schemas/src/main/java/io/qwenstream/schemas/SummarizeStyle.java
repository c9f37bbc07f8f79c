package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Shape of a summary. On the wire: the constant's name in lower case. */
public enum SummarizeStyle {
    BULLETS,
    PARAGRAPH,
    ISSUE_RESOLUTION;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
