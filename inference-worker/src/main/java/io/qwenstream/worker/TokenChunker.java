package io.qwenstream.worker;

import io.qwenstream.engine.GenerationResult;
import io.qwenstream.engine.Phase;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Groups one request's generated tokens into the chunks sent to qwen.tokens. A chunk is flushed when it
 * holds {@code maxTokens} tokens, when its oldest token has waited {@code maxDelayMs} (checked on each
 * token and by {@link #flushIfDue()}, which a timer calls), or when the phase changes: a chunk never
 * mixes thinking and answer. With {@code firstAtOnce}, every token is flushed at once until a chunk with
 * text a reader shows has gone out (more than whitespace and the think tags): the first token then waits
 * for no batch, and the stream batches from there on. Sequence numbers run 0, 1, 2… without gaps; the last chunk carries the
 * request's ending.
 *
 * <p>Text that could be the start of a stop string is held back until the next token shows it is not:
 * the engine cuts a stop string out of its result, and a stream cannot take text back.
 *
 * <p>Thread-safe: tokens arrive on the generation thread, age flushes on a timer thread; the sink is
 * called under the lock, so chunks reach it in sequence order.
 *
 * @param <E> what the last chunk carries (finish reason, usage, timings)
 */
final class TokenChunker<E> {

    /** One flushed chunk; {@code ending} is non-null on the last chunk only. */
    record Chunk<E>(int seq, Phase phase, String text, int tokenCount, E ending) {
        boolean last() {
            return ending != null;
        }
    }

    private static final Pattern INVISIBLE = Pattern.compile("(\\s|<think>|</think>)*");

    private final int maxTokens;
    private final long maxDelayMs;
    private final boolean firstAtOnce;
    private final LongSupplier clockMs;
    private final List<String> stops;
    private final Consumer<Chunk<E>> sink;

    private int nextSeq;
    /** Phase of the chunk being filled; null while nothing is pending. */
    private Phase pendingPhase;

    private final StringBuilder pendingText = new StringBuilder();
    private int pendingTokens;
    private long pendingSinceMs;
    /** Tail of the text so far that is a proper prefix of some stop string. */
    private String heldBack = "";
    /** Phase of the last token seen: held-back text belongs to it. */
    private Phase lastPhase;
    /** Characters of text released into chunks (sent or pending). */
    private int releasedChars;

    private int thinkingTokens;
    private int answerTokens;
    private boolean finished;
    /** Whether a chunk with text a reader shows has been sent. */
    private boolean visibleSent;

    TokenChunker(
            int maxTokens,
            long maxDelayMs,
            boolean firstAtOnce,
            LongSupplier clockMs,
            List<String> stops,
            Consumer<Chunk<E>> sink) {
        if (maxTokens < 1) throw new IllegalArgumentException("chunks hold at least one token, got " + maxTokens);
        if (maxDelayMs < 0) throw new IllegalArgumentException("the flush delay must be >= 0 ms, got " + maxDelayMs);
        this.maxTokens = maxTokens;
        this.maxDelayMs = maxDelayMs;
        this.firstAtOnce = firstAtOnce;
        this.clockMs = clockMs;
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
        this.sink = sink;
    }

    /** One generated token and the text it completed (possibly empty: part of a UTF-8 sequence). */
    synchronized void onToken(String text, Phase phase) {
        if (finished) throw new IllegalStateException("a token after the last chunk");
        if (lastPhase != null && lastPhase != phase) {
            releaseHeldBack();
            flush(null);
        }
        lastPhase = phase;
        if (phase == Phase.THINKING) thinkingTokens++;
        else answerTokens++;
        open(phase);
        pendingTokens++;
        String candidate = heldBack + text;
        int hold = longestStopPrefixAtEnd(candidate);
        release(candidate.substring(0, candidate.length() - hold));
        heldBack = candidate.substring(candidate.length() - hold);
        if (pendingTokens >= maxTokens
                || clockMs.getAsLong() - pendingSinceMs >= maxDelayMs
                || (firstAtOnce && !visibleSent)) flush(null);
    }

    /** Flushes the pending chunk if its oldest token has waited the maximum delay. */
    synchronized void flushIfDue() {
        if (!finished && pendingPhase != null && clockMs.getAsLong() - pendingSinceMs >= maxDelayMs) flush(null);
    }

    /**
     * Sends what is pending and the last chunk, carrying {@code ending}.
     *
     * @param engineUsage the generator's counts, or null when it failed: tokens the listener never saw (the
     *                    eos, a token wholly inside a stop string) are counted in the last chunk so the chunks'
     *                    token counts add up to the usage, per phase
     * @param engineText  the generator's full text, or null when it failed: whatever of it was not released yet
     *                    (held-back text that was no stop string, the decoder's last bytes) goes out now
     */
    synchronized void finish(GenerationResult.Usage engineUsage, String engineText, E ending) {
        if (finished) throw new IllegalStateException("finished twice");
        if (ending == null) throw new IllegalArgumentException("the last chunk needs an ending");
        String tail = engineText == null
                ? heldBack
                : engineText.length() > releasedChars ? engineText.substring(releasedChars) : "";
        heldBack = "";
        if (!tail.isEmpty()) {
            open(lastPhase != null ? lastPhase : Phase.ANSWER);
            release(tail);
        }
        int unseenThinking = engineUsage == null ? 0 : Math.max(0, engineUsage.thinkingTokens() - thinkingTokens);
        int unseenAnswer = engineUsage == null ? 0 : Math.max(0, engineUsage.answerTokens() - answerTokens);
        Phase lastChunkPhase = unseenThinking > 0
                ? Phase.THINKING
                : unseenAnswer > 0
                        ? Phase.ANSWER
                        : pendingPhase != null ? pendingPhase : lastPhase != null ? lastPhase : Phase.ANSWER;
        if (pendingPhase != null && pendingPhase != lastChunkPhase) flush(null);
        open(lastChunkPhase);
        pendingTokens += unseenThinking + unseenAnswer;
        thinkingTokens += unseenThinking;
        answerTokens += unseenAnswer;
        flush(ending);
        finished = true;
    }

    /** Thinking tokens sent so far (all of them once finished). */
    synchronized int thinkingTokens() {
        return thinkingTokens;
    }

    /** Answer tokens sent so far (all of them once finished). */
    synchronized int answerTokens() {
        return answerTokens;
    }

    private void open(Phase phase) {
        if (pendingPhase == null) {
            pendingPhase = phase;
            pendingSinceMs = clockMs.getAsLong();
        }
    }

    private void release(String text) {
        pendingText.append(text);
        releasedChars += text.length();
    }

    /** On a phase change held-back text stays with the phase it was generated in. */
    private void releaseHeldBack() {
        if (heldBack.isEmpty()) return;
        open(lastPhase);
        release(heldBack);
        heldBack = "";
    }

    private void flush(E ending) {
        if (pendingPhase == null) return;
        if (!visibleSent && !INVISIBLE.matcher(pendingText).matches()) visibleSent = true;
        sink.accept(new Chunk<>(nextSeq++, pendingPhase, pendingText.toString(), pendingTokens, ending));
        pendingPhase = null;
        pendingText.setLength(0);
        pendingTokens = 0;
    }

    /** Length of the longest end of {@code text} that is a proper prefix of a stop string. */
    private int longestStopPrefixAtEnd(String text) {
        int best = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, text.length()); n > best; n--) {
                if (text.regionMatches(text.length() - n, stop, 0, n)) {
                    best = n;
                    break;
                }
            }
        }
        return best;
    }
}
