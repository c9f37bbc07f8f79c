package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;

/**
 * A request on qwen.requests (InferenceRequest.schema.json). Obtain one from untrusted bytes through
 * {@link MessageValidator#validateRequest(byte[])} only. Absent optional fields are null.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record InferenceRequest(
        int schemaVersion,
        String requestId,
        String conversationId,
        String tenant,
        Task task,
        List<ChatMessage> messages,
        String text,
        List<Tool> tools,
        ToolChoice toolChoice,
        Thinking thinking,
        Sampling sampling,
        TranslateOptions translate,
        SummarizeOptions summarize,
        ResponseFormat responseFormat,
        Boolean stream,
        Long deadlineMs,
        Map<String, Object> metadata) {

    /** Without {@code tool_choice} (the default, auto): the request as it was before tool_choice existed. */
    public InferenceRequest(
            int schemaVersion,
            String requestId,
            String conversationId,
            String tenant,
            Task task,
            List<ChatMessage> messages,
            String text,
            List<Tool> tools,
            Thinking thinking,
            Sampling sampling,
            TranslateOptions translate,
            SummarizeOptions summarize,
            ResponseFormat responseFormat,
            Boolean stream,
            Long deadlineMs,
            Map<String, Object> metadata) {
        this(
                schemaVersion,
                requestId,
                conversationId,
                tenant,
                task,
                messages,
                text,
                tools,
                null,
                thinking,
                sampling,
                translate,
                summarize,
                responseFormat,
                stream,
                deadlineMs,
                metadata);
    }

    /** {@code tool_choice} as asked; auto when absent. */
    public ToolChoice toolChoiceOrAuto() {
        return toolChoice == null ? ToolChoice.AUTO : toolChoice;
    }

    /** The hard thinking switch: true unless {@code thinking.enabled} is false. */
    public boolean thinkingEnabled() {
        return thinking == null || thinking.enabled() == null || thinking.enabled();
    }

    /** Whether deltas go to qwen.responses.stream (default false). */
    public boolean streamRequested() {
        return Boolean.TRUE.equals(stream);
    }
}
