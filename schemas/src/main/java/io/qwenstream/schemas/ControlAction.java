package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a ControlMessage asks for. On the wire: the constant's name in lower case. */
public enum ControlAction {
    CANCEL;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
