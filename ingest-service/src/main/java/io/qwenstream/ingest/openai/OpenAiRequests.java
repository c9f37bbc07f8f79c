package io.qwenstream.ingest.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.schemas.Messages;
import java.util.List;
import java.util.Map;

/**
 * A chat.completion request → an InferenceRequest. Fields are copied without judging their values:
 * the ingest flow validates the record like any other, so a bad temperature, an unknown function in
 * {@code tool_choice} or a JSON schema the engine cannot enforce gets the same precise error code over
 * HTTP as over Kafka. Only what the pipeline cannot express is refused here.
 */
final class OpenAiRequests {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** OpenAI sampling fields (and vLLM's top_k/min_p extras) with the same meaning in our sampling object. */
    private static final List<String> SAMPLING_FIELDS =
            List.of("temperature", "top_p", "top_k", "min_p", "presence_penalty", "seed");

    private OpenAiRequests() {}

    /** What the request asks for besides the InferenceRequest itself. */
    record Call(ObjectNode request, String model, boolean stream, boolean includeUsage) {}

    /**
     * @param servedModel the one model this gateway serves: a request naming another gets 404
     * @return the call, or the error to answer without going to Kafka
     */
    static Result map(JsonNode body, String requestId, String servedModel) {
        if (body == null || !body.isObject())
            return new Result(null, OpenAiError.badRequest("the request body must be a JSON object", null, null));
        OpenAiError refused = refusal(body, servedModel);
        if (refused != null) return new Result(null, refused);
        boolean stream = body.path("stream").asBoolean(false);
        return new Result(
                new Call(
                        toInferenceRequest(body, requestId),
                        body.path("model").asText(servedModel),
                        stream,
                        stream
                                && body.path("stream_options")
                                        .path("include_usage")
                                        .asBoolean(false)),
                null);
    }

    /** Either a call or an error. */
    record Result(Call call, OpenAiError error) {}

    private static OpenAiError refusal(JsonNode body, String servedModel) {
        JsonNode model = body.get("model");
        if (model != null && !model.isNull()) {
            if (!model.isTextual()) return OpenAiError.badRequest("model must be a string", "model", "invalid_type");
            if (!model.asText().equals(servedModel)) {
                return OpenAiError.notFound(
                        "The model '" + model.asText() + "' does not exist; this server serves '" + servedModel + "'",
                        "model",
                        "model_not_found");
            }
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean())
            return OpenAiError.badRequest("stream must be a boolean", "stream", "invalid_type");
        if (body.has("n")
                && !body.get("n").isNull()
                && !(body.get("n").canConvertToInt() && body.get("n").asInt() == 1))
            return unsupported("only n = 1 is supported", "n");
        if (body.path("logprobs").asBoolean(false)) return unsupported("logprobs are not supported", "logprobs");
        return null;
    }

    private static OpenAiError unsupported(String message, String param) {
        return OpenAiError.badRequest(message, param, "unsupported");
    }

    static ObjectNode toInferenceRequest(JsonNode body, String requestId) {
        ObjectNode request = JSON.objectNode();
        request.put("schema_version", Messages.SCHEMA_VERSION);
        request.put("request_id", requestId);
        request.put("task", "chat");
        request.set("messages", messages(body.get("messages")));
        // response_format (json_object, json_schema) and tool_choice (none, required, a named function) as they
        // are: the flow enforces them as it does a Kafka request's, and refuses what it cannot enforce.
        copy(body, "tools", request);
        copy(body, "tool_choice", request);
        copy(body, "response_format", request);
        copy(body, "metadata", request);
        if (body.path("stream").asBoolean(false)) request.put("stream", true);

        ObjectNode thinking = JSON.objectNode();
        JsonNode enableThinking = body.has("enable_thinking")
                ? body.get("enable_thinking")
                : body.path("chat_template_kwargs").get("enable_thinking");
        if (enableThinking != null && !enableThinking.isNull()) thinking.set("enabled", enableThinking);
        copy(body, "thinking_budget", thinking, "budget_tokens");
        if (!thinking.isEmpty()) request.set("thinking", thinking);

        ObjectNode sampling = JSON.objectNode();
        for (String field : SAMPLING_FIELDS) copy(body, field, sampling, field);
        copy(body, body.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", sampling, "max_tokens");
        JsonNode stop = body.get("stop");
        if (stop != null && !stop.isNull())
            sampling.set("stop", stop.isTextual() ? JSON.arrayNode().add(stop) : stop);
        if (!sampling.isEmpty()) request.set("sampling", sampling);
        return request;
    }

    /**
     * OpenAI messages as our schema reads them: content given as text parts is joined into one string
     * (as OpenAI reads it), and fields an SDK echoes back as null (refusal, audio, …) are left out.
     */
    private static JsonNode messages(JsonNode messages) {
        if (messages == null || !messages.isArray()) return messages == null ? JSON.arrayNode() : messages;
        ArrayNode out = JSON.arrayNode();
        for (JsonNode message : messages) {
            if (!message.isObject()) {
                out.add(message);
                continue;
            }
            ObjectNode copy = JSON.objectNode();
            for (Map.Entry<String, JsonNode> field : message.properties()) {
                if (field.getValue().isNull() && !field.getKey().equals("content")) continue;
                copy.set(field.getKey(), field.getValue());
            }
            if (copy.path("content").isArray() && allTextParts(copy.get("content"))) {
                StringBuilder text = new StringBuilder();
                copy.get("content").forEach(part -> text.append(part.get("text").asText()));
                copy.put("content", text.toString());
            }
            out.add(copy);
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
        copy(from, field, to, field);
    }

    private static void copy(JsonNode from, String field, ObjectNode to, String as) {
        JsonNode value = from.get(field);
        if (value != null && !value.isNull()) to.set(as, value);
    }

    /**
     * The OpenAI name of a field our validator names by its JSON pointer in the InferenceRequest:
     * {@code /sampling/temperature} → {@code temperature}, {@code /messages/2/content} → {@code messages[2].content}.
     */
    static String param(String pointer) {
        if (pointer == null || pointer.isEmpty()) return null;
        if (pointer.startsWith("/sampling/")) pointer = pointer.substring("/sampling".length());
        else if (pointer.equals("/thinking/budget_tokens")) return "thinking_budget";
        else if (pointer.equals("/thinking/enabled")) return "chat_template_kwargs.enable_thinking";
        StringBuilder param = new StringBuilder();
        for (String segment : pointer.substring(1).split("/")) {
            if (segment.chars().allMatch(Character::isDigit) && !param.isEmpty())
                param.append('[').append(segment).append(']');
            else param.append(param.isEmpty() ? "" : ".").append(segment);
        }
        return param.toString();
    }
}
