package io.qwenstream.postprocess.split;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.schemas.ToolCall;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Reads the body of {@code <tool_call>…</tool_call>} as Qwen3 writes it: {"name": …, "arguments": {…}}.
 * Ids are derived from the request and the call's index, so a replay after a restart gives the same ids.
 */
final class ToolCallParser {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String idSeed;
    private int count;

    ToolCallParser(String idSeed, int count) {
        this.idSeed = idSeed;
        this.count = count;
    }

    int count() {
        return count;
    }

    /** @return the call, or null when the body is not a JSON object with a string name */
    ToolCall parse(String body) {
        JsonNode node;
        try {
            node = JSON.readTree(body.strip());
        } catch (JsonProcessingException e) {
            return null;
        }
        if (node == null || !node.isObject() || !node.path("name").isTextual()) return null;
        JsonNode arguments = node.path("arguments");
        String argumentsJson = arguments.isMissingNode() || arguments.isNull()
                ? "{}"
                : arguments.isTextual() ? arguments.asText() : arguments.toString();
        return ToolCall.function(nextId(), node.get("name").asText(), argumentsJson);
    }

    private String nextId() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((idSeed + "#" + count++).getBytes(StandardCharsets.UTF_8));
            return "call_" + HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
