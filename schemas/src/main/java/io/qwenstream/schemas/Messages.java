package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON mapping of every message. The records carry their own snake_case names and null omission
 * (annotations), so any Jackson 2 mapper reads and writes them the same; this one adds the strict reading
 * rules: a duplicate field or trailing data is an error.
 */
public final class Messages {

    /** The {@code schema_version} of every message these records describe. */
    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper MAPPER = configure(new ObjectMapper());

    private Messages() {}

    /**
     * Applies the message settings to a mapper (e.g. in a Quarkus {@code ObjectMapperCustomizer}): snake_case,
     * nulls omitted, unknown fields ignored (forward compatibility; schemas decide what is allowed), duplicate
     * fields and trailing tokens refused.
     */
    public static ObjectMapper configure(ObjectMapper mapper) {
        return mapper.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
                .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
                .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true);
    }

    /** The shared, configured mapper. Thread-safe; do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** UTF-8 JSON of a message (or any value). */
    public static byte[] toJson(Object message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot write " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }

    public static String toJsonString(Object message) {
        try {
            return MAPPER.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot write " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * Reads trusted JSON (written by our own services) into a record, without schema validation. Untrusted
     * input goes through {@link MessageValidator} instead.
     *
     * @throws IllegalArgumentException when the bytes are not JSON of that type
     */
    public static <T> T fromJson(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @see #fromJson(byte[], Class) */
    public static <T> T fromJson(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }
}
