package io.qwenstream.ingest.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ResponseStatus;
import io.qwenstream.schemas.ToolCall;
import java.util.ArrayList;
import java.util.List;

/**
 * One request's ResponseDeltas and final InferenceResponse → OpenAI chat.completion.chunk events.
 * Pure: the caller writes {@link Events#data()} as {@code data:} lines and ends the stream when
 * {@link Events#end()} says so.
 *
 * <p>The deltas (qwen.responses.stream) and the final response (qwen.responses) come on two topics,
 * so the final response may overtake the last deltas. It carries the whole text, of which the deltas
 * are the pieces in order: at the end the stream sends what the deltas have not shown yet, and ignores
 * later deltas. A client thus always reads the final answer exactly.
 *
 * <p>A {@code reset} delta (the worker restarted the request: a newer generation follows) cannot be
 * honoured once text was sent, since an SSE stream cannot take back what it sent: the stream then
 * ends with an error event ({@code generation_restarted}) and the caller cancels the request. Before
 * any text was shown a reset changes nothing the client saw, and the stream goes on with the new
 * generation. A kind this version does not know is skipped.
 *
 * <p>Deltas are written at least once (docs/reliability.md): a delta whose seq is not above the last
 * one taken is a repeat, and is dropped.
 */
final class ChunkStream {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** What to send now; after {@code end} nothing more. */
    record Events(List<JsonNode> data, boolean end, boolean failed) {
        static Events none() {
            return new Events(List.of(), false, false);
        }
    }

    private final String id;
    private final String model;
    private final long created;
    private final boolean includeUsage;
    private final StringBuilder thinking = new StringBuilder();
    private final StringBuilder content = new StringBuilder();
    private final List<ToolCall> toolCalls = new ArrayList<>();
    private boolean started;
    private boolean ended;
    private long lastSeq = -1;

    ChunkStream(String id, String model, long created, boolean includeUsage) {
        this.id = id;
        this.model = model;
        this.created = created;
        this.includeUsage = includeUsage;
    }

    /** Whether any text (reasoning, answer or a tool call) was sent. */
    boolean shown() {
        return !thinking.isEmpty() || !content.isEmpty() || !toolCalls.isEmpty();
    }

    /** A ResponseDelta, read as JSON so that a kind newer than this reader is no error. */
    Events delta(JsonNode delta) {
        if (ended) return Events.none();
        long seq = delta.path("seq").asLong(-1);
        if (seq >= 0 && seq <= lastSeq) return Events.none();
        lastSeq = Math.max(lastSeq, seq);
        String text = delta.path("text").asText("");
        List<JsonNode> out = new ArrayList<>();
        switch (delta.path("kind").asText()) {
            case "thinking" -> {
                startInto(out);
                if (!text.isEmpty()) out.add(chunk(JSON.objectNode().put("reasoning_content", text), null));
                thinking.append(text);
            }
            case "content" -> {
                startInto(out);
                if (!text.isEmpty()) out.add(chunk(JSON.objectNode().put("content", text), null));
                content.append(text);
            }
            case "tool_call" -> {
                startInto(out);
                out.add(toolCallChunk(List.of(Messages.fromJson(text, ToolCall.class))));
            }
            case "reset" -> {
                if (shown())
                    return fail(new OpenAiError(
                            500,
                            "the generation was restarted after a failure in the pipeline; what was streamed is void",
                            OpenAiError.SERVER_ERROR,
                            null,
                            "generation_restarted"));
            }
            default -> {}
        }
        return new Events(out, false, false);
    }

    /** The final response: whatever the deltas have not shown yet, then the end (or an error event). */
    Events finish(InferenceResponse response) {
        if (ended) return Events.none();
        if (response.status() == ResponseStatus.ERROR) return fail(OpenAiResponses.error(response.error()));
        String finalThinking = response.thinking() == null ? "" : response.thinking();
        String finalContent = response.content() == null ? "" : response.content();
        List<ToolCall> finalCalls = response.toolCalls() == null ? List.of() : response.toolCalls();
        if (!finalThinking.startsWith(thinking.toString())
                || !finalContent.startsWith(content.toString())
                || finalCalls.size() < toolCalls.size()) {
            return fail(new OpenAiError(
                    500,
                    "the streamed text is not the start of the final answer",
                    OpenAiError.SERVER_ERROR,
                    null,
                    "stream_diverged"));
        }
        List<JsonNode> out = new ArrayList<>();
        startInto(out);
        if (finalThinking.length() > thinking.length()) {
            out.add(chunk(
                    JSON.objectNode().put("reasoning_content", finalThinking.substring(thinking.length())), null));
        }
        if (finalContent.length() > content.length())
            out.add(chunk(JSON.objectNode().put("content", finalContent.substring(content.length())), null));
        if (finalCalls.size() > toolCalls.size())
            out.add(toolCallChunk(finalCalls.subList(toolCalls.size(), finalCalls.size())));
        out.add(chunk(JSON.objectNode(), OpenAiResponses.finishReason(response, !finalCalls.isEmpty())));
        if (includeUsage && response.usage() != null) {
            ObjectNode usage = envelope();
            usage.putArray("choices");
            usage.set("usage", OpenAiResponses.usage(response.usage()));
            out.add(usage);
        }
        ended = true;
        return new Events(out, true, false);
    }

    /** Ends the stream with an error event (a timeout, a broken stream). */
    Events fail(OpenAiError error) {
        if (ended) return Events.none();
        ended = true;
        return new Events(List.of(error.toJson()), true, true);
    }

    private void startInto(List<JsonNode> out) {
        if (started) return;
        started = true;
        out.add(chunk(JSON.objectNode().put("role", "assistant").put("content", ""), null));
    }

    private JsonNode toolCallChunk(List<ToolCall> calls) {
        ObjectNode delta = JSON.objectNode();
        delta.set("tool_calls", OpenAiResponses.toolCalls(calls, true, toolCalls.size()));
        toolCalls.addAll(calls);
        return chunk(delta, null);
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode chunk = envelope();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (includeUsage) chunk.putNull("usage");
        return chunk;
    }

    private ObjectNode envelope() {
        ObjectNode chunk = JSON.objectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
    }
}
