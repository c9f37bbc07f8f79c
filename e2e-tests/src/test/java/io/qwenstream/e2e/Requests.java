package io.qwenstream.e2e;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/** InferenceRequest JSON as a producer writes it: only what a test sets, the ingest service fills in the rest. */
final class Requests {

    private Requests() {}

    /** A fresh request_id naming what it is for, so that a failure message says which request. */
    static String id(String purpose) {
        return purpose + "-" + UUID.randomUUID();
    }

    /** A chat request of one user message, generating at most {@code maxTokens}. */
    static ObjectNode chat(String requestId, String userText, int maxTokens) {
        ObjectNode request = base(requestId, "chat");
        request.putArray("messages").addObject().put("role", "user").put("content", userText);
        request.putObject("sampling").put("max_tokens", maxTokens);
        return request;
    }

    /** A translate or summarize request over {@code text}. */
    static ObjectNode textTask(String requestId, String task, String text, int maxTokens) {
        ObjectNode request = base(requestId, task);
        request.put("text", text);
        request.putObject("sampling").put("max_tokens", maxTokens);
        return request;
    }

    static ObjectNode thinkingOff(ObjectNode request) {
        request.putObject("thinking").put("enabled", false);
        return request;
    }

    private static ObjectNode base(String requestId, String task) {
        ObjectNode request = Pipeline.json().createObjectNode();
        request.put("schema_version", 1);
        request.put("request_id", requestId);
        request.put("task", task);
        return request;
    }
}
