package io.qwenstream.postprocess.split;

import io.qwenstream.engine.Phase;
import io.qwenstream.schemas.DeltaKind;
import io.qwenstream.schemas.ToolCall;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits generated text into reasoning, answer and tool calls, fed incrementally piece by piece.
 *
 * <p>Two signals say where the reasoning is. The worker labels every chunk with the phase of its
 * tokens (computed from the token ids 151667/151668, so a {@code <think>} typed with ordinary tokens
 * can never fool it), and the text itself holds the {@code <think>} / {@code </think>} tags. The
 * phase is the primary signal: a change of phase between two pieces switches the mode there, whatever
 * the text says (it covers a worker that drops the tags and the thinking-off prompt, whose generated
 * text holds no tags at all). Inside a piece, a tag switches the mode at the tag: a chunk flushed by
 * token count may hold the end of the reasoning and the start of the answer, labelled with the phase
 * of its first token. For everything the engine generates the two agree, since the engine derives the
 * phase from the same tag tokens. The most recent signal wins; the tags themselves are never text.
 *
 * <p>Tags may be split across pieces at any character: a trailing prefix of a tag is held back until
 * the next piece decides it. Leading and trailing whitespace of each section is dropped (held back
 * live until non-blank text follows), so the deltas read live add up to exactly what the whole text
 * gives at once. {@code <tool_call>{json}</tool_call>} in the answer becomes a {@link ToolCall};
 * a tool call that is not valid JSON or never closes stays in the answer verbatim.
 *
 * <p>Not thread-safe; one instance per request. {@link #state()} / {@link #resume} carry it across
 * records in a state store.
 */
public final class ThinkingSplitter {

    /** Where the text currently goes. */
    public enum Mode {
        THINKING,
        CONTENT,
        TOOL_CALL
    }

    static final String THINK_OPEN = "<think>";
    static final String THINK_CLOSE = "</think>";
    static final String TOOL_OPEN = "<tool_call>";
    static final String TOOL_CLOSE = "</tool_call>";
    private static final List<String> THINKING_TAGS = List.of(THINK_OPEN, THINK_CLOSE);
    private static final List<String> CONTENT_TAGS = List.of(THINK_OPEN, THINK_CLOSE, TOOL_OPEN);
    private static final List<String> TOOL_TAGS = List.of(TOOL_CLOSE);
    /** Put between two sections of the same kind (a second {@code <think>} block, say). */
    private static final String SECTION_SEPARATOR = "\n\n";

    /** Everything needed to continue after a restart; plain values so any JSON mapper can store it. */
    public record State(
            Mode mode,
            Phase lastPhase,
            String pending,
            Section thinking,
            Section content,
            String toolBuffer,
            int toolCalls) {}

    /** Per kind: has anything been emitted, is the current section still blank, held trailing blanks. */
    public record Section(boolean emitted, boolean blank, String held) {
        static final Section NEW = new Section(false, true, "");
    }

    private final ToolCallParser toolCalls;
    private Mode mode;
    private Phase lastPhase;
    private final StringBuilder pending = new StringBuilder();
    private final SectionWriter thinking;
    private final SectionWriter content;
    private final StringBuilder toolBuffer = new StringBuilder();
    /** Deltas of the current call, adjacent ones of the same kind merged. */
    private final List<SplitDelta> out = new ArrayList<>();

    /** @param toolCallIdSeed makes the tool call ids stable and unique per request (the request id) */
    public ThinkingSplitter(String toolCallIdSeed) {
        this(toolCallIdSeed, new State(Mode.CONTENT, null, "", Section.NEW, Section.NEW, "", 0));
    }

    private ThinkingSplitter(String toolCallIdSeed, State state) {
        this.toolCalls = new ToolCallParser(toolCallIdSeed, state.toolCalls());
        this.mode = state.mode();
        this.lastPhase = state.lastPhase();
        this.pending.append(state.pending());
        this.thinking = new SectionWriter(DeltaKind.THINKING, state.thinking());
        this.content = new SectionWriter(DeltaKind.CONTENT, state.content());
        this.toolBuffer.append(state.toolBuffer());
    }

    public static ThinkingSplitter resume(String toolCallIdSeed, State state) {
        return new ThinkingSplitter(toolCallIdSeed, state);
    }

    public State state() {
        return new State(
                mode,
                lastPhase,
                pending.toString(),
                thinking.section(),
                content.section(),
                toolBuffer.toString(),
                toolCalls.count());
    }

    /** Splits a whole text at once (no phase labels: the tags decide). */
    public static SplitResult splitWhole(String text, String toolCallIdSeed) {
        ThinkingSplitter splitter = new ThinkingSplitter(toolCallIdSeed);
        SplitResult.Builder result = new SplitResult.Builder();
        result.addAll(splitter.accept(null, text));
        result.addAll(splitter.finish());
        return result.build();
    }

    /**
     * Feeds the next piece of generated text.
     *
     * @param phase the worker's phase for this piece, or null when unknown (the tags alone decide)
     * @return the deltas this piece completes, in order
     */
    public List<SplitDelta> accept(Phase phase, String text) {
        out.clear();
        if (phase != null && phase != lastPhase) {
            lastPhase = phase;
            Mode next = phase == Phase.THINKING ? Mode.THINKING : leaveThinking();
            if (next != mode) {
                // The tags have not made this change already, so it happens here, between two tokens:
                // a tag (one token) cannot straddle it, and what is held back is text.
                releasePending();
                switchTo(next);
            }
        }
        for (int i = 0; i < text.length(); i++) take(text.charAt(i));
        return List.copyOf(out);
    }

    /** Ends the text: what is held back is settled, trailing blanks are dropped. */
    public List<SplitDelta> finish() {
        out.clear();
        releasePending();
        if (mode == Mode.TOOL_CALL) abandonToolCall();
        thinking.end();
        content.end();
        return List.copyOf(out);
    }

    private Mode leaveThinking() {
        return mode == Mode.THINKING ? Mode.CONTENT : mode;
    }

    private void take(char c) {
        if (pending.isEmpty() && c != '<') {
            write(c);
            return;
        }
        pending.append(c);
        settlePending();
    }

    /** Decides the held text as far as it can: a whole tag acts, a dead prefix becomes text. */
    private void settlePending() {
        while (!pending.isEmpty()) {
            String held = pending.toString();
            List<String> tags = tagsOf(mode);
            String tag = tags.stream().filter(held::equals).findFirst().orElse(null);
            if (tag != null) {
                pending.setLength(0);
                onTag(tag);
                return;
            }
            if (tags.stream().anyMatch(t -> t.startsWith(held))) return;
            // Not a tag: the '<' is text; what follows it may start a tag again.
            pending.deleteCharAt(0);
            write(held.charAt(0));
            int next = pending.indexOf("<");
            String plain = next < 0 ? pending.toString() : pending.substring(0, next);
            pending.delete(0, plain.length());
            for (int i = 0; i < plain.length(); i++) write(plain.charAt(i));
        }
    }

    private void releasePending() {
        String held = pending.toString();
        pending.setLength(0);
        for (int i = 0; i < held.length(); i++) write(held.charAt(i));
    }

    private static List<String> tagsOf(Mode mode) {
        return switch (mode) {
            case THINKING -> THINKING_TAGS;
            case CONTENT -> CONTENT_TAGS;
            case TOOL_CALL -> TOOL_TAGS;
        };
    }

    private void onTag(String tag) {
        switch (tag) {
            case THINK_OPEN -> switchTo(Mode.THINKING);
            case THINK_CLOSE -> switchTo(Mode.CONTENT);
            case TOOL_OPEN -> {
                toolBuffer.setLength(0);
                mode = Mode.TOOL_CALL;
            }
            case TOOL_CLOSE -> closeToolCall();
            default -> throw new IllegalStateException("unknown tag " + tag);
        }
    }

    private void switchTo(Mode next) {
        if (next == mode) return;
        if (mode == Mode.TOOL_CALL) abandonToolCall();
        if (mode == Mode.THINKING) thinking.end();
        if (mode == Mode.CONTENT && next == Mode.THINKING) content.end();
        mode = next;
    }

    private void closeToolCall() {
        String body = toolBuffer.toString();
        toolBuffer.setLength(0);
        mode = Mode.CONTENT;
        ToolCall call = toolCalls.parse(body);
        if (call == null) {
            content.writeAll(TOOL_OPEN + body + TOOL_CLOSE);
        } else {
            out.add(SplitDelta.toolCall(call));
        }
    }

    /** A tool call cut short (length, phase change) is answer text, exactly as generated. */
    private void abandonToolCall() {
        String body = toolBuffer.toString();
        toolBuffer.setLength(0);
        mode = Mode.CONTENT;
        content.writeAll(TOOL_OPEN + body);
    }

    private void write(char c) {
        switch (mode) {
            case THINKING -> thinking.write(c);
            case CONTENT -> content.write(c);
            case TOOL_CALL -> toolBuffer.append(c);
        }
    }

    private void emit(DeltaKind kind, CharSequence text) {
        if (text.isEmpty()) return;
        int last = out.size() - 1;
        if (last >= 0 && out.get(last).kind() == kind) {
            out.set(last, SplitDelta.text(kind, out.get(last).text() + text));
        } else {
            out.add(SplitDelta.text(kind, text.toString()));
        }
    }

    /** One kind of text: drops the blanks around each section, holds a lone high surrogate back. */
    private final class SectionWriter {
        private final DeltaKind kind;
        private boolean emitted;
        private boolean blank;
        private final StringBuilder held = new StringBuilder();

        SectionWriter(DeltaKind kind, Section section) {
            this.kind = kind;
            this.emitted = section.emitted();
            this.blank = section.blank();
            this.held.append(section.held());
        }

        Section section() {
            return new Section(emitted, blank, held.toString());
        }

        void writeAll(String text) {
            for (int i = 0; i < text.length(); i++) write(text.charAt(i));
        }

        void write(char c) {
            if (Character.isWhitespace(c)) {
                if (!blank) held.append(c);
                return;
            }
            if (Character.isHighSurrogate(c)) {
                // Emitting half a pair would put invalid UTF-16 in a live delta; wait for its partner.
                held.append(c);
                if (blank) {
                    blank = false;
                    held.insert(0, emitted ? SECTION_SEPARATOR : "");
                }
                return;
            }
            if (blank) {
                emit(kind, emitted ? SECTION_SEPARATOR : "");
                blank = false;
            }
            held.append(c);
            emit(kind, held);
            held.setLength(0);
            emitted = true;
        }

        void end() {
            // Trailing blanks go; a lone high surrogate at the very end is kept, never lost.
            int surrogate = -1;
            for (int i = held.length() - 1; i >= 0; i--) {
                if (Character.isHighSurrogate(held.charAt(i))) {
                    surrogate = i;
                    break;
                }
            }
            if (surrogate >= 0) {
                emit(kind, held.substring(0, surrogate + 1));
                emitted = true;
            }
            held.setLength(0);
            blank = true;
        }
    }
}
