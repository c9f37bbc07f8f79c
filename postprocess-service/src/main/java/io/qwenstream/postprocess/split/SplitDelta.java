package io.qwenstream.postprocess.split;

import io.qwenstream.schemas.DeltaKind;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ToolCall;

/** One piece of the split: reasoning text, answer text, or one complete tool call (its text: the call's OpenAI JSON). */
public record SplitDelta(DeltaKind kind, String text, ToolCall toolCall) {

    static SplitDelta text(DeltaKind kind, String text) {
        return new SplitDelta(kind, text, null);
    }

    static SplitDelta toolCall(ToolCall call) {
        return new SplitDelta(DeltaKind.TOOL_CALL, Messages.toJsonString(call), call);
    }
}
