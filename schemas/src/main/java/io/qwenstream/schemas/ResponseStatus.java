package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Outcome of a request. On the wire: the constant's name in lower case. */
public enum ResponseStatus {
    OK,
    ERROR;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
