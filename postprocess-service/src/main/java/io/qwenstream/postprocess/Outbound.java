package io.qwenstream.postprocess;

import io.qwenstream.schemas.ConversationHistory;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.ResponseDelta;

/** What the response processor writes; the topology routes each kind to its topic. */
sealed interface Outbound {

    Object message();

    record Delta(ResponseDelta message) implements Outbound {}

    record Response(InferenceResponse message) implements Outbound {}

    record Conversation(ConversationHistory message) implements Outbound {}
}
