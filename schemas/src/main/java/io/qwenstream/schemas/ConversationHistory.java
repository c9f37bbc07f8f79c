package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The turns of a conversation on the compacted topic qwen.conversations (ConversationHistory.schema.json);
 * assistant messages hold final answers only.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConversationHistory(int schemaVersion, String conversationId, List<ChatMessage> messages) {

    public static ConversationHistory of(String conversationId, List<ChatMessage> messages) {
        return new ConversationHistory(Messages.SCHEMA_VERSION, conversationId, messages);
    }
}
