package io.qwenstream.ingest.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ToolCall;
import io.qwenstream.schemas.Usage;
import java.util.List;

/** InferenceResponse → OpenAI: a chat.completion, its usage, its tool calls, or an error. */
final class OpenAiResponses {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private OpenAiResponses() {}

    static OpenAiError error(ErrorDetail error) {
        int status = switch (error.code()) {
            case RECORD_TOO_LARGE -> 413;
            case RATE_LIMITED, TOO_MANY_CONCURRENT -> 429;
            case DEADLINE_EXCEEDED -> 504;
            case CANCELLED -> 499;
            case INTERNAL -> 500;
            default -> 400;
        };
        String type = status == 429
                ? OpenAiError.RATE_LIMIT
                : status == 400 || status == 413 ? OpenAiError.INVALID_REQUEST : OpenAiError.SERVER_ERROR;
        return new OpenAiError(
                status,
                error.message(),
                type,
                OpenAiRequests.param(error.field()),
                error.code().wire());
    }

    static ObjectNode completion(InferenceResponse response, String model, long created) {
        ObjectNode completion = JSON.objectNode();
        completion.put("id", response.requestId());
        completion.put("object", "chat.completion");
        completion.put("created", created);
        completion.put("model", model);
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        boolean calls = hasToolCalls(response);
        // OpenAI: an answer that only calls tools has no content (null), not an empty one.
        if (calls && (response.content() == null || response.content().isEmpty())) message.putNull("content");
        else message.put("content", response.content());
        message.putNull("refusal");
        if (response.thinking() != null && !response.thinking().isEmpty())
            message.put("reasoning_content", response.thinking());
        if (calls) message.set("tool_calls", toolCalls(response.toolCalls(), false, 0));
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(response, calls));
        if (response.usage() != null) completion.set("usage", usage(response.usage()));
        return completion;
    }

    static boolean hasToolCalls(InferenceResponse response) {
        return response.toolCalls() != null && !response.toolCalls().isEmpty();
    }

    /** {@code tool_calls} when the answer called tools (the response says so; older postprocessors said stop). */
    static String finishReason(InferenceResponse response, boolean toolCalls) {
        return toolCalls && response.finishReason() == FinishReason.STOP
                ? "tool_calls"
                : response.finishReason().wire();
    }

    /** OpenAI tool calls; {@code indexed} for stream deltas, whose calls say which one they continue. */
    static ArrayNode toolCalls(List<ToolCall> calls, boolean indexed, int firstIndex) {
        ArrayNode out = JSON.arrayNode();
        int index = firstIndex;
        for (ToolCall call : calls) {
            ObjectNode node = out.addObject();
            if (indexed) node.put("index", index);
            node.put("id", call.id());
            node.put("type", "function");
            Object arguments = call.function().arguments();
            node.putObject("function")
                    .put("name", call.function().name())
                    .put("arguments", arguments instanceof String s ? s : Messages.toJsonString(arguments));
            index++;
        }
        return out;
    }

    static ObjectNode usage(Usage usage) {
        ObjectNode u = JSON.objectNode();
        int completionTokens = usage.thinkingTokens() + usage.answerTokens();
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", usage.promptTokens() + completionTokens);
        u.putObject("completion_tokens_details").put("reasoning_tokens", usage.thinkingTokens());
        return u;
    }
}
