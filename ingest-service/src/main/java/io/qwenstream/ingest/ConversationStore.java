package io.qwenstream.ingest;

import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.ConversationHistory;
import io.qwenstream.schemas.Messages;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stored history of every conversation: the compacted topic qwen.conversations (written by the
 * postprocessor, final answers only), read from the beginning into memory by every ingest
 * instance (each with its own consumer group), kept current as new turns arrive.
 */
@ApplicationScoped
public class ConversationStore {

    private static final Logger LOG = Logger.getLogger(ConversationStore.class);

    private final Map<String, List<ChatMessage>> histories = new ConcurrentHashMap<>();

    @Incoming("conversations")
    @Blocking
    void onTurn(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            LOG.warnf("qwen.conversations record at %d/%d has no key (conversation_id): ignored", record.partition(), record.offset());
            return;
        }
        if (record.value() == null) { // tombstone: the conversation was deleted
            histories.remove(record.key());
            return;
        }
        try {
            ConversationHistory history = Messages.fromJson(record.value(), ConversationHistory.class);
            histories.put(record.key(), history.messages() == null ? List.of() : List.copyOf(history.messages()));
        } catch (IllegalArgumentException e) {
            // Our own postprocessor writes this topic; a bad record here is a bug there, not a request to answer.
            LOG.errorf("qwen.conversations record at %d/%d (conversation %s) is not a ConversationHistory: %s",
                    record.partition(), record.offset(), record.key(), e.getMessage());
        }
    }

    /** The stored turns of {@code conversationId}, oldest first; empty for a new conversation. */
    public List<ChatMessage> history(String conversationId) {
        return histories.getOrDefault(conversationId, List.of());
    }
}
