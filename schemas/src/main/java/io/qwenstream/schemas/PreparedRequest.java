package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A validated request ready for the engine, on qwen.inference (PreparedRequest.schema.json). {@code prompt}
 * is the rendered chat-template text; {@code promptTextOnlyAt} the code point offsets in it where the sender
 * typed a special token's characters (text, never a control token; null when none); {@code thinking.enabled}
 * the resolved mode; {@code sampling} complete; {@code answerFormat} what the answer must be (null: free text),
 * checked by ingest to be enforceable.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record PreparedRequest(
        int schemaVersion,
        String requestId,
        String conversationId,
        String tenant,
        Task task,
        String prompt,
        int promptTokens,
        int[] promptTextOnlyAt,
        Thinking thinking,
        ResolvedSampling sampling,
        AnswerFormat answerFormat,
        TranslateOptions translate,
        SummarizeOptions summarize,
        List<ChatMessage> messages,
        boolean stream,
        Long deadlineAtMs,
        long receivedAtMs,
        Map<String, Object> metadata) {

    /** Free text (no {@code answer_format}): the request as it was before answer formats existed. */
    public PreparedRequest(
            int schemaVersion,
            String requestId,
            String conversationId,
            String tenant,
            Task task,
            String prompt,
            int promptTokens,
            int[] promptTextOnlyAt,
            Thinking thinking,
            ResolvedSampling sampling,
            TranslateOptions translate,
            SummarizeOptions summarize,
            List<ChatMessage> messages,
            boolean stream,
            Long deadlineAtMs,
            long receivedAtMs,
            Map<String, Object> metadata) {
        this(
                schemaVersion,
                requestId,
                conversationId,
                tenant,
                task,
                prompt,
                promptTokens,
                promptTextOnlyAt,
                thinking,
                sampling,
                null,
                translate,
                summarize,
                messages,
                stream,
                deadlineAtMs,
                receivedAtMs,
                metadata);
    }

    /** This request with its answer held to {@code format} (null: free text). */
    public PreparedRequest withAnswerFormat(AnswerFormat format) {
        return new PreparedRequest(
                schemaVersion,
                requestId,
                conversationId,
                tenant,
                task,
                prompt,
                promptTokens,
                promptTextOnlyAt,
                thinking,
                sampling,
                format,
                translate,
                summarize,
                messages,
                stream,
                deadlineAtMs,
                receivedAtMs,
                metadata);
    }

    /** By value, {@code promptTextOnlyAt} included (a record compares arrays by identity). */
    @Override
    public boolean equals(Object other) {
        return other instanceof PreparedRequest that && Arrays.deepEquals(components(), that.components());
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(components());
    }

    @Override
    public String toString() {
        return "PreparedRequest" + Arrays.deepToString(components());
    }

    /** Every component, in declaration order: keep in step with the record header. */
    private Object[] components() {
        return new Object[] {
            schemaVersion,
            requestId,
            conversationId,
            tenant,
            task,
            prompt,
            promptTokens,
            promptTextOnlyAt,
            thinking,
            sampling,
            answerFormat,
            translate,
            summarize,
            messages,
            stream,
            deadlineAtMs,
            receivedAtMs,
            metadata
        };
    }

    /** Sampling with every default filled; {@code greedy} means argmax (the other values are then unused). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ResolvedSampling(
            double temperature,
            double topP,
            int topK,
            double minP,
            double presencePenalty,
            long seed,
            int maxTokens,
            List<String> stop,
            boolean greedy) {}

    /**
     * What the answer must be, enforced by the engine's constrained decoding after the thinking: any JSON object,
     * a JSON value valid under {@code schema}, or one {@code <tool_call>} of one of {@code functions} (name →
     * parameters schema, in the order of the request's tools) whose arguments are valid under its parameters.
     * Schemas are parsed JSON (maps and lists).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AnswerFormat(Type type, Map<String, Object> schema, Map<String, Map<String, Object>> functions) {

        public enum Type {
            JSON_OBJECT,
            JSON_SCHEMA,
            TOOL_CALL;

            @JsonValue
            public String wire() {
                return name().toLowerCase(Locale.ROOT);
            }
        }

        public static AnswerFormat jsonObject() {
            return new AnswerFormat(Type.JSON_OBJECT, null, null);
        }

        public static AnswerFormat jsonSchema(Map<String, Object> schema) {
            return new AnswerFormat(Type.JSON_SCHEMA, schema, null);
        }

        /** @param functions name → parameters schema, in the order the model may choose them */
        public static AnswerFormat toolCall(Map<String, Map<String, Object>> functions) {
            return new AnswerFormat(Type.TOOL_CALL, null, functions);
        }
    }
}
