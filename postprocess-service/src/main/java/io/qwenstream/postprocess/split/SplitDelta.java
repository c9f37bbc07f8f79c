package io.qwenstream.postprocess.split;

import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ToolCall;

/** One piece of the split: reasoning text, answer text, or one complete tool call (its text: the call's OpenAI JSON). */
public record SplitDelta(Kind kind, String text, ToolCall toolCall) {

    public enum Kind {
        THINKING,
        CONTENT,
        TOOL_CALL
    }

    static SplitDelta text(Kind kind, String text) {
        return new SplitDelta(kind, text, null);
    }

    static SplitDelta toolCall(ToolCall call) {
        return new SplitDelta(Kind.TOOL_CALL, Messages.toJsonString(call), call);
    }
}
