package io.qwenstream.ingest.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ResponseStatus;
import io.qwenstream.schemas.ToolCall;
import io.qwenstream.schemas.Usage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkStreamTest {

    /** Seq of the next delta: increasing, as the postprocessor writes them. */
    private int nextSeq;

    private JsonNode delta(String kind, String text) {
        return delta(nextSeq++, kind, text);
    }

    private static JsonNode delta(int seq, String kind, String text) {
        return Messages.mapper()
                .createObjectNode()
                .put("schema_version", 1)
                .put("request_id", "r")
                .put("seq", seq)
                .put("kind", kind)
                .put("text", text);
    }

    private static InferenceResponse ok(String thinking, String content, List<ToolCall> calls) {
        return new InferenceResponse(
                1,
                "r",
                ResponseStatus.OK,
                thinking,
                content,
                calls,
                null,
                null,
                new Usage(7, 3, 2, false),
                null,
                FinishReason.STOP,
                null);
    }

    /** What a client reads: the concatenation of each delta field over all chunks. */
    private static String read(List<JsonNode> chunks, String field) {
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : chunks) {
            JsonNode value = chunk.at("/choices/0/delta/" + field);
            if (value.isTextual()) text.append(value.asText());
        }
        return text.toString();
    }

    @Test
    void deltasBecomeChunksAndTheEndCarriesFinishReasonAndUsage() {
        ChunkStream stream = new ChunkStream("chatcmpl-1", "qwen3", 99, true);
        List<JsonNode> chunks = new ArrayList<>();
        chunks.addAll(stream.delta(delta("thinking", "Let me")).data());
        chunks.addAll(stream.delta(delta("thinking", " think.")).data());
        chunks.addAll(stream.delta(delta("content", "Hello")).data());
        ChunkStream.Events end = stream.finish(ok("Let me think.", "Hello!", null));
        chunks.addAll(end.data());

        assertTrue(end.end());
        assertFalse(end.failed());
        JsonNode first = chunks.getFirst();
        assertEquals("chat.completion.chunk", first.get("object").asText());
        assertEquals("chatcmpl-1", first.get("id").asText());
        assertEquals("qwen3", first.get("model").asText());
        assertEquals(99, first.get("created").asLong());
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        assertEquals("Let me think.", read(chunks, "reasoning_content"));
        assertEquals("Hello!", read(chunks, "content"), "the final response fills in what the deltas lacked");
        JsonNode last = chunks.getLast();
        assertEquals(0, last.get("choices").size(), "the usage chunk has no choices");
        assertEquals(12, last.at("/usage/total_tokens").asInt());
        assertEquals(
                3, last.at("/usage/completion_tokens_details/reasoning_tokens").asInt());
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertEquals("stop", finish.at("/choices/0/finish_reason").asText());
        chunks.subList(0, chunks.size() - 2)
                .forEach(c -> assertTrue(c.at("/choices/0/finish_reason").isNull(), c.toString()));
        assertTrue(stream.delta(delta("content", "late")).data().isEmpty(), "deltas after the end are dropped");
    }

    @Test
    void aFinalResponseBeforeAnyDeltaGivesTheWholeAnswerWithoutUsageUnlessAsked() {
        ChunkStream stream = new ChunkStream("r", "m", 1, false);
        List<JsonNode> chunks = stream.finish(ok("", "All of it.", null)).data();
        assertEquals("All of it.", read(chunks, "content"));
        assertEquals("", read(chunks, "reasoning_content"));
        assertFalse(chunks.getLast().has("usage"));
        assertEquals("stop", chunks.getLast().at("/choices/0/finish_reason").asText());
    }

    @Test
    void toolCallsAreIndexedAndEndWithFinishReasonToolCalls() {
        ChunkStream stream = new ChunkStream("r", "m", 1, false);
        ToolCall first = ToolCall.function("call_a", "get_weather", "{\"city\":\"Paris\"}");
        ToolCall second = ToolCall.function("call_b", "get_time", "{}");
        List<JsonNode> chunks = new ArrayList<>(
                stream.delta(delta("tool_call", Messages.toJsonString(first))).data());
        chunks.addAll(stream.finish(ok("", "", List.of(first, second))).data());
        List<JsonNode> calls = new ArrayList<>();
        chunks.forEach(c -> c.at("/choices/0/delta/tool_calls").forEach(calls::add));
        assertEquals(2, calls.size(), "the second call, missing from the deltas, comes from the final response");
        assertEquals(0, calls.get(0).get("index").asInt());
        assertEquals("call_a", calls.get(0).get("id").asText());
        assertEquals(
                "{\"city\":\"Paris\"}", calls.get(0).at("/function/arguments").asText());
        assertEquals(1, calls.get(1).get("index").asInt());
        assertEquals("get_time", calls.get(1).at("/function/name").asText());
        assertEquals(
                "tool_calls", chunks.getLast().at("/choices/0/finish_reason").asText());
    }

    @Test
    void aResetBeforeAnyTextChangesNothingAfterTextItEndsTheStreamWithAnError() {
        ChunkStream quiet = new ChunkStream("r", "m", 1, false);
        quiet.delta(delta("thinking", ""));
        ChunkStream.Events reset = quiet.delta(delta("reset", ""));
        assertFalse(reset.end());
        assertEquals("Answer.", read(quiet.finish(ok("", "Answer.", null)).data(), "content"));

        ChunkStream shown = new ChunkStream("r", "m", 1, false);
        shown.delta(delta("content", "Half an ans"));
        ChunkStream.Events failed = shown.delta(delta("reset", ""));
        assertTrue(failed.end());
        assertTrue(failed.failed());
        assertEquals(
                "generation_restarted",
                failed.data().getFirst().at("/error/code").asText());
        assertTrue(shown.finish(ok("", "Another answer.", null)).data().isEmpty());
    }

    @Test
    void aRepeatedDeltaIsShownOnce() {
        ChunkStream stream = new ChunkStream("chatcmpl-6", "qwen3", 99, false);
        List<JsonNode> chunks = new ArrayList<>();
        chunks.addAll(stream.delta(delta(0, "content", "Hel")).data());
        chunks.addAll(stream.delta(delta(1, "content", "lo")).data());
        // the postprocessor replayed its input after a crash and wrote seqs 0 and 1 again
        assertTrue(stream.delta(delta(0, "content", "Hel")).data().isEmpty());
        assertTrue(stream.delta(delta(1, "content", "lo")).data().isEmpty());
        chunks.addAll(stream.delta(delta(2, "content", "!")).data());
        chunks.addAll(stream.finish(ok(null, "Hello!", null)).data());
        assertEquals("Hello!", read(chunks, "content"));
    }

    @Test
    void unknownKindsAreSkippedAndErrorsEndTheStream() {
        ChunkStream stream = new ChunkStream("r", "m", 1, false);
        assertTrue(stream.delta(delta("hologram", "x")).data().isEmpty());
        stream.delta(delta("content", "Partial"));
        ChunkStream.Events error =
                stream.finish(InferenceResponse.error("r", ErrorCode.DEADLINE_EXCEEDED, "the deadline passed", null));
        assertTrue(error.failed());
        assertEquals(
                "deadline_exceeded", error.data().getFirst().at("/error/code").asText());
    }

    @Test
    void aFinalAnswerThatDoesNotContinueTheStreamIsAnError() {
        ChunkStream stream = new ChunkStream("r", "m", 1, false);
        stream.delta(delta("content", "One thing"));
        ChunkStream.Events end = stream.finish(ok("", "Another thing", null));
        assertTrue(end.failed());
        assertEquals("stream_diverged", end.data().getFirst().at("/error/code").asText());
    }
}
