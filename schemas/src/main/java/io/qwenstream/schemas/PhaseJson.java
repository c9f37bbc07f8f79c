package io.qwenstream.schemas;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.qwenstream.engine.Phase;
import java.io.IOException;
import java.util.Locale;

/**
 * The engine's {@link Phase} on the wire (TokenChunk.phase): the constant's name in lower case. The engine's enum
 * is the one Phase of the project; its JSON spelling belongs to the contract, so it lives here, on the field.
 */
public final class PhaseJson {

    private PhaseJson() {}

    public static String wire(Phase phase) {
        return phase.name().toLowerCase(Locale.ROOT);
    }

    public static final class Writer extends StdSerializer<Phase> {
        public Writer() {
            super(Phase.class);
        }

        @Override
        public void serialize(Phase phase, JsonGenerator out, SerializerProvider provider) throws IOException {
            out.writeString(wire(phase));
        }
    }

    public static final class Reader extends StdDeserializer<Phase> {
        public Reader() {
            super(Phase.class);
        }

        @Override
        public Phase deserialize(JsonParser in, DeserializationContext context) throws IOException {
            String text = in.getValueAsString();
            for (Phase phase : Phase.values()) {
                if (wire(phase).equals(text)) return phase;
            }
            return (Phase) context.handleWeirdStringValue(Phase.class, text, "not a phase: thinking or answer");
        }
    }
}
