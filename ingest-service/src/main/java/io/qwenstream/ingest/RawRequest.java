package io.qwenstream.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;

/**
 * The first look at a raw record of qwen.requests: size, UTF-8, JSON. Anything that fails here is
 * refused before the schema is even consulted, and the refusal still names the request when the
 * payload lets us read its request_id.
 */
public final class RawRequest {

    /** Strict: duplicate keys and trailing garbage are malformed JSON, not something to guess about. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private RawRequest() {}

    /** The parsed JSON document, or a {@link Refusal.Exception} saying why there is none. */
    public static JsonNode parse(byte[] value, int maxRecordBytes) {
        if (value == null || value.length == 0) {
            throw Refusal.of(Refusal.INVALID_JSON, "empty record: expected an InferenceRequest JSON object").toException();
        }
        if (value.length > maxRecordBytes) {
            throw Refusal.of(Refusal.RECORD_TOO_LARGE, "record is " + value.length
                    + " bytes, over the limit of " + maxRecordBytes + " bytes").toException();
        }
        String text = decodeUtf8(value);
        try {
            return STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            throw Refusal.of(Refusal.INVALID_JSON, "not valid JSON: " + describe(e)).toException();
        }
    }

    /**
     * The request_id an error response should carry: the payload's when it can be read (even from
     * a payload refused for its size or encoding), else the record key, else "unknown".
     */
    public static String requestIdForError(byte[] value, byte[] key) {
        String fromPayload = readRequestId(value);
        if (fromPayload != null) return fromPayload;
        if (key != null && key.length > 0) return new String(key, StandardCharsets.UTF_8);
        return "unknown";
    }

    private static String readRequestId(byte[] value) {
        if (value == null || value.length == 0) return null;
        try {
            // lenient on purpose: ill-formed bytes become U+FFFD so a readable request_id survives them
            JsonNode id = STRICT.readTree(new String(value, StandardCharsets.UTF_8)).get("request_id");
            return id != null && id.isTextual() && !id.asText().isBlank() ? id.asText() : null;
        } catch (JsonProcessingException | RuntimeException e) {
            return null;
        }
    }

    private static String decodeUtf8(byte[] value) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(value);
        try {
            return decoder.decode(in).toString();
        } catch (MalformedInputException e) {
            throw Refusal.of(Refusal.INVALID_UTF8, "payload is not valid UTF-8: malformed byte sequence at byte offset "
                    + in.position()).toException();
        } catch (CharacterCodingException e) {
            throw Refusal.of(Refusal.INVALID_UTF8, "payload is not valid UTF-8: " + e).toException();
        }
    }

    private static String describe(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return e.getOriginalMessage() + where;
    }
}
