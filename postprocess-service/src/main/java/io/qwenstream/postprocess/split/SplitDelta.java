package io.qwenstream.postprocess.split;

/** One piece of the split: reasoning text, answer text, or one complete tool call. */
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
        return new SplitDelta(Kind.TOOL_CALL, call.toJson(), call);
    }
}
