package io.qwenstream.postprocess.split;

import io.qwenstream.schemas.ToolCall;
import java.util.ArrayList;
import java.util.List;

/** The split of a whole generation: what the deltas add up to. */
public record SplitResult(String thinking, String content, List<ToolCall> toolCalls) {

    /** Folds deltas, in order, into the result. */
    public static final class Builder {
        private final StringBuilder thinking = new StringBuilder();
        private final StringBuilder content = new StringBuilder();
        private final List<ToolCall> toolCalls = new ArrayList<>();

        public Builder add(SplitDelta delta) {
            switch (delta.kind()) {
                case THINKING -> thinking.append(delta.text());
                case CONTENT -> content.append(delta.text());
                case TOOL_CALL -> toolCalls.add(delta.toolCall());
                case RESET -> throw new IllegalArgumentException("a split has no reset: " + delta);
            }
            return this;
        }

        public Builder addAll(List<SplitDelta> deltas) {
            deltas.forEach(this::add);
            return this;
        }

        public SplitResult build() {
            return new SplitResult(thinking.toString(), content.toString(), List.copyOf(toolCalls));
        }
    }
}
