package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One chat message (Common.schema.json#/$defs/message). {@code content} may be null only for an assistant
 * message with tool calls; {@code toolCallId} and {@code name} serve role tool.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatMessage(
        Role role,
        String content,
        String reasoningContent,
        java.util.List<ToolCall> toolCalls,
        String toolCallId,
        String name) {

    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content, null, null, null, null);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content, null, null, null, null);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content, null, null, null, null);
    }
}
