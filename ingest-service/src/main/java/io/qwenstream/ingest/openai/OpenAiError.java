package io.qwenstream.ingest.openai;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error in OpenAI's shape, {@code {"error":{"message","type","param","code"}}}, with its HTTP status.
 * OpenAI's SDKs pick their exception by the status (400 BadRequest, 404 NotFound, 429 RateLimit, …).
 */
record OpenAiError(int status, String message, String type, String param, String code) {

    static final String INVALID_REQUEST = "invalid_request_error";
    static final String SERVER_ERROR = "server_error";
    /** OpenAI's type of a 429 (its own rate limits say {@code requests} or {@code tokens}). */
    static final String RATE_LIMIT = "requests";

    static OpenAiError badRequest(String message, String param, String code) {
        return new OpenAiError(400, message, INVALID_REQUEST, param, code);
    }

    static OpenAiError notFound(String message, String param, String code) {
        return new OpenAiError(404, message, INVALID_REQUEST, param, code);
    }

    static OpenAiError tooManyRequests(String message) {
        return new OpenAiError(429, message, RATE_LIMIT, null, "rate_limit_exceeded");
    }

    static OpenAiError unavailable(String message, String code) {
        return new OpenAiError(503, message, SERVER_ERROR, null, code);
    }

    ObjectNode toJson() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return body;
    }
}
