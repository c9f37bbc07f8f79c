package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a request asks for. On the wire: the constant's name in lower case. */
public enum Task {
    CHAT,
    TRANSLATE,
    SUMMARIZE;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
