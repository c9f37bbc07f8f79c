package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Author of a chat message. On the wire: the constant's name in lower case. */
public enum Role {
    SYSTEM,
    USER,
    ASSISTANT,
    TOOL;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
