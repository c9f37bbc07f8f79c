package io.qwenstream.postprocess.split;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A tool call in OpenAI's shape: {id, type:"function", function:{name, arguments (a JSON string)}}. */
public record ToolCall(String id, String name, String arguments) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ObjectNode toNode() {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", id);
        node.put("type", "function");
        ObjectNode function = node.putObject("function");
        function.put("name", name);
        function.put("arguments", arguments);
        return node;
    }

    /** The OpenAI JSON, as carried by a {@code tool_call} ResponseDelta's text. */
    public String toJson() {
        return toNode().toString();
    }
}
