package io.qwenstream.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ResponseStatus;
import io.qwenstream.schemas.ToolCall;
import io.qwenstream.schemas.Usage;
import java.util.List;

/**
 * OpenAI chat.completion ⇄ qwenstream messages. The request is copied field by field into an
 * InferenceRequest without judging the values: the ingest flow validates it like any other record,
 * so a bad temperature gets the same precise error code over HTTP as over Kafka.
 */
final class OpenAiMapping {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** OpenAI sampling fields (and vLLM's top_k/min_p extras) with the same meaning in our sampling object. */
    private static final List<String> SAMPLING_FIELDS =
            List.of("temperature", "top_p", "top_k", "min_p", "presence_penalty", "seed");

    private OpenAiMapping() {}

    /** A request this endpoint cannot serve at all; null when it can. */
    record Unsupported(String message, String param) {}

    static Unsupported unsupported(JsonNode body) {
        if (body == null || !body.isObject()) return new Unsupported("the request body must be a JSON object", null);
        if (body.path("stream").asBoolean(false)) {
            return new Unsupported(
                    "stream is not supported here; consume qwen.responses.stream for live output", "stream");
        }
        if (body.has("n") && !(body.get("n").canConvertToInt() && body.get("n").asInt() == 1)) {
            return new Unsupported("only n = 1 is supported", "n");
        }
        return null;
    }

    static ObjectNode toInferenceRequest(JsonNode body, String requestId) {
        ObjectNode request = JSON.objectNode();
        request.put("schema_version", Messages.SCHEMA_VERSION);
        request.put("request_id", requestId);
        request.put("task", "chat");
        request.set("messages", messages(body.get("messages")));
        copy(body, "tools", request);
        copy(body, "response_format", request);
        copy(body, "metadata", request);

        JsonNode enableThinking = body.has("enable_thinking")
                ? body.get("enable_thinking")
                : body.path("chat_template_kwargs").get("enable_thinking");
        if (enableThinking != null) request.putObject("thinking").set("enabled", enableThinking);

        ObjectNode sampling = JSON.objectNode();
        for (String field : SAMPLING_FIELDS) copy(body, field, sampling);
        JsonNode maxTokens =
                body.has("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        if (maxTokens != null && !maxTokens.isNull()) sampling.set("max_tokens", maxTokens);
        JsonNode stop = body.get("stop");
        if (stop != null && !stop.isNull())
            sampling.set("stop", stop.isTextual() ? JSON.arrayNode().add(stop) : stop);
        if (!sampling.isEmpty()) request.set("sampling", sampling);
        return request;
    }

    /** OpenAI messages; content given as text parts is joined into one string, as OpenAI reads it. */
    private static JsonNode messages(JsonNode messages) {
        if (messages == null || !messages.isArray()) return messages == null ? JSON.arrayNode() : messages;
        ArrayNode out = JSON.arrayNode();
        for (JsonNode message : messages) {
            if (message.isObject() && message.path("content").isArray() && allTextParts(message.get("content"))) {
                StringBuilder text = new StringBuilder();
                message.get("content")
                        .forEach(part -> text.append(part.get("text").asText()));
                out.add(((ObjectNode) message.deepCopy()).put("content", text.toString()));
            } else {
                out.add(message);
            }
        }
        return out;
    }

    private static boolean allTextParts(JsonNode parts) {
        for (JsonNode part : parts) {
            if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) return false;
        }
        return true;
    }

    private static void copy(JsonNode from, String field, ObjectNode to) {
        JsonNode value = from.get(field);
        if (value != null && !value.isNull()) to.set(field, value);
    }

    /** HTTP status and body of the answer. */
    record Mapped(int status, JsonNode body) {}

    static Mapped toResponse(InferenceResponse response, String model) {
        if (response.status() == ResponseStatus.ERROR) {
            ErrorDetail error = response.error();
            int status = switch (error.code()) {
                case RECORD_TOO_LARGE -> 413;
                case DEADLINE_EXCEEDED -> 504;
                case CANCELLED -> 499;
                case INTERNAL -> 500;
                default -> 400;
            };
            String type = status == 400 || status == 413 ? "invalid_request_error" : "server_error";
            return new Mapped(
                    status,
                    error(error.message(), type, error.field(), error.code().wire()));
        }
        ObjectNode completion = JSON.objectNode();
        completion.put("id", response.requestId());
        completion.put("object", "chat.completion");
        completion.put("created", System.currentTimeMillis() / 1000);
        completion.put("model", model);
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", response.content());
        if (response.thinking() != null) message.put("reasoning_content", response.thinking());
        boolean calls = response.toolCalls() != null && !response.toolCalls().isEmpty();
        if (calls) {
            ArrayNode toolCalls = message.putArray("tool_calls");
            int index = 0;
            for (ToolCall call : response.toolCalls()) {
                ObjectNode out = toolCalls.addObject();
                out.put("id", call.id() != null ? call.id() : "call_" + response.requestId() + "_" + index);
                out.put("type", "function");
                Object arguments = call.function().arguments();
                out.putObject("function")
                        .put("name", call.function().name())
                        .put("arguments", arguments instanceof String s ? s : Messages.toJsonString(arguments));
                index++;
            }
        }
        choice.put(
                "finish_reason", calls ? "tool_calls" : response.finishReason().wire());
        Usage usage = response.usage();
        if (usage != null) {
            ObjectNode u = completion.putObject("usage");
            int completionTokens = usage.thinkingTokens() + usage.answerTokens();
            u.put("prompt_tokens", usage.promptTokens());
            u.put("completion_tokens", completionTokens);
            u.put("total_tokens", usage.promptTokens() + completionTokens);
            u.putObject("completion_tokens_details").put("reasoning_tokens", usage.thinkingTokens());
        }
        return new Mapped(200, completion);
    }

    static ObjectNode error(String message, String type, String param, String code) {
        ObjectNode body = JSON.objectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return body;
    }
}
