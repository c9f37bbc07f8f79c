package io.qwenstream.postprocess;

import io.qwenstream.schemas.ConversationHistory;
import io.qwenstream.schemas.InferenceResponse;

/** What the response processor writes in the transaction; the topology routes each kind to its topic (deltas: DeltaPublisher). */
sealed interface Outbound {

    Object message();

    record Response(InferenceResponse message) implements Outbound {}

    record Conversation(ConversationHistory message) implements Outbound {}
}
