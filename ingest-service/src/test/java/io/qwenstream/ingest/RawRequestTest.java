package io.qwenstream.ingest;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RawRequestTest {

    private static Refusal refusal(byte[] value, int limit) {
        return assertThrows(Refusal.Exception.class, () -> RawRequest.parse(value, limit)).refusal();
    }

    @Test
    void emptyAndNullRecordsAreInvalidJson() {
        assertEquals(Refusal.INVALID_JSON, refusal(new byte[0], 100).code());
        assertEquals(Refusal.INVALID_JSON, refusal(null, 100).code());
    }

    @Test
    void oversizedRecordIsRefusedBeforeParsing() {
        Refusal r = refusal("{\"request_id\":\"big\"}".getBytes(StandardCharsets.UTF_8), 10);
        assertEquals(Refusal.RECORD_TOO_LARGE, r.code());
        assertTrue(r.message().contains("20 bytes") && r.message().contains("10 bytes"), r.message());
    }

    @Test
    void malformedUtf8NamesTheOffset() {
        byte[] bytes = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '(', '"', '}'};
        Refusal r = refusal(bytes, 100);
        assertEquals(Refusal.INVALID_UTF8, r.code());
        assertTrue(r.message().contains("offset 6"), r.message());
    }

    @Test
    void brokenJsonNamesLineAndColumn() {
        Refusal r = refusal("{\"request_id\": \"a\",\n  \"task\": }".getBytes(StandardCharsets.UTF_8), 1000);
        assertEquals(Refusal.INVALID_JSON, r.code());
        assertTrue(r.message().contains("line 2"), r.message());
    }

    @Test
    void trailingDataAndDuplicateKeysAreInvalidJson() {
        assertEquals(Refusal.INVALID_JSON, refusal("{\"a\":1} {\"b\":2}".getBytes(StandardCharsets.UTF_8), 1000).code());
        assertEquals(Refusal.INVALID_JSON, refusal("{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8), 1000).code());
    }

    @Test
    void errorRequestIdComesFromPayloadThenKeyThenUnknown() {
        byte[] key = "the-key".getBytes(StandardCharsets.UTF_8);
        assertEquals("r1", RawRequest.requestIdForError("{\"request_id\":\"r1\",\"task\":7}".getBytes(StandardCharsets.UTF_8), key));
        assertEquals("r2", RawRequest.requestIdForError(
                new byte[] {'{', '"', 'r', 'e', 'q', 'u', 'e', 's', 't', '_', 'i', 'd', '"', ':', '"', 'r', '2', '"', ',',
                        '"', 'x', '"', ':', '"', (byte) 0xFF, '"', '}'}, key), "readable despite a bad byte elsewhere");
        assertEquals("the-key", RawRequest.requestIdForError("{not json".getBytes(StandardCharsets.UTF_8), key));
        assertEquals("the-key", RawRequest.requestIdForError("{\"request_id\":42}".getBytes(StandardCharsets.UTF_8), key));
        assertEquals("unknown", RawRequest.requestIdForError("[]".getBytes(StandardCharsets.UTF_8), null));
        assertEquals("unknown", RawRequest.requestIdForError(null, new byte[0]));
    }
}
