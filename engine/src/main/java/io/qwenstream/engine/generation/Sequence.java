package io.qwenstream.engine.generation;

import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.GenerationResult;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.Phase;
import io.qwenstream.engine.Qwen3;
import io.qwenstream.engine.TokenListener;
import io.qwenstream.engine.model.Qwen3Model;
import io.qwenstream.engine.sampling.Sampler;
import io.qwenstream.engine.structured.AnswerConstraint;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import io.qwenstream.engine.tokenizer.StreamingDecoder;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * One generation's rules, token by token: forced tokens (the opening {@code <think>\n}, the
 * budget's closing sentence), sampling, thinking and answer counts, a looping thinking's end, eos,
 * stop strings, max tokens and the KV cache's capacity. The caller runs the model; {@link #next()} says what to feed it.
 */
final class Sequence {

    final Qwen3Model.State state;
    final int[] prompt;
    private final GenerationOptions options;
    private final Qwen3Tokenizer tokenizer;
    private final TokenListener listener;
    private final Supplier<GenerationResult.FinishReason> interrupt;
    private final Sampler sampler;
    private final StreamingDecoder decoder;
    private final ArrayDeque<Integer> forced = new ArrayDeque<>();
    private final int[] ids;
    private final StringBuilder text = new StringBuilder();
    private int count;
    private int position;
    private Phase phase = Phase.ANSWER;
    private int thinkingTokens;
    private int answerTokens;
    private boolean budgetReached;
    /** Sees the thinking repeat itself; null when loop detection is off or there is no thinking. */
    private final RepetitionDetector repetition;
    /** Thinking tokens after which a thinking that never closes is ended; MAX_VALUE for none. */
    private final int thinkingCeiling;

    private boolean loopEnded;
    private GenerationResult.FinishReason finish;
    /** The answer format's state, or null for free text. */
    private final AnswerConstraint constraint;
    /** Tokens kept for the thinking's closing sentence and the shortest answer when a format is set. */
    private final int answerReserve;
    /** Whether the answer has begun: the constraint applies from here. */
    private boolean answering;
    /** The token {@link #next()} chose, waiting for the scheduler's next batched step. */
    int pendingToken;
    /** Prompt tokens already in the KV cache (a reused prefix, then each prefilled chunk): the scheduler's prefill goes on from here. */
    int prefilled;

    Sequence(
            Qwen3Model model,
            Qwen3Tokenizer tokenizer,
            int[] prompt,
            GenerationOptions options,
            KvPrecision kvPrecision,
            TokenListener listener,
            Supplier<GenerationResult.FinishReason> interrupt) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt holds no tokens");
        int context = model.config().contextLength();
        if (prompt.length >= context) {
            throw new IllegalArgumentException(
                    "the prompt has " + prompt.length + " tokens, the model's context is " + context);
        }
        int vocab = model.config().vocabSize();
        for (int id : prompt) {
            if (id < 0 || id >= vocab)
                throw new IllegalArgumentException(
                        "token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
        }
        this.prompt = prompt;
        this.options = options;
        this.tokenizer = tokenizer;
        this.listener = listener;
        this.interrupt = interrupt;
        this.state = model.newState((int) Math.min(context, (long) prompt.length + options.maxTokens()), kvPrecision);
        this.sampler = new Sampler(options.sampling(), model.config().vocabSize());
        this.decoder = tokenizer.newStreamingDecoder();
        this.ids = new int[options.maxTokens()];
        this.position = prompt.length;
        if (Boolean.TRUE.equals(options.thinking())) {
            forced.add(Qwen3.THINK_START);
            for (int id : tokenizer.encode("\n")) forced.add(id);
        }
        this.answering = !Boolean.TRUE.equals(options.thinking());
        this.constraint = options.answerFormat() == null
                ? null
                : new AnswerConstraint(options.answerFormat().grammar(), tokenizer);
        boolean watchLoops = Boolean.TRUE.equals(options.thinking())
                && options.loopDetection().enabled();
        int closing = constraint != null || watchLoops ? tokenizer.encode(Qwen3.BUDGET_CLOSING).length : 0;
        this.answerReserve = constraint == null ? 0 : closing + constraint.completionCost();
        this.repetition = watchLoops ? new RepetitionDetector(options.loopDetection()) : null;
        this.thinkingCeiling = watchLoops && options.thinkingBudget() == null
                ? ceiling(
                        room(),
                        Math.max(closing, answerReserve),
                        options.loopDetection().maxThinkingShare())
                : Integer.MAX_VALUE;
    }

    /**
     * The share of {@code room} a thinking may take before it is ended, or MAX_VALUE when what must follow
     * it ({@code after}: the closing sentence, and an answer format's shortest answer) would not fit with
     * one token to spare: a small max_tokens has no room for an answer anyway, and a format closes the
     * thinking itself when the answer's room runs out.
     */
    static int ceiling(int room, int after, double share) {
        int ceiling = (int) (room * share);
        return room - ceiling > after ? ceiling : Integer.MAX_VALUE;
    }

    /** Tokens this sequence may still choose, the next one included. */
    private int room() {
        return Math.min(options.maxTokens() - count, state.capacity() - position);
    }

    /**
     * With an answer format: forces the answer's shortest completion when only it still fits, and
     * closes a thinking that would leave no room for the answer, as the budget does.
     */
    private void keepRoomForTheAnswer() {
        if (answering) {
            if (constraint.completionCost() >= room()) for (int id : constraint.completionTokens()) forced.add(id);
        } else if (phase == Phase.THINKING && !budgetReached && room() <= answerReserve) {
            budgetReached = true;
            closeThinking();
        }
    }

    /** Forces Qwen's closing sentence and {@code </think>} in place of whatever else was to come. */
    private void closeThinking() {
        forced.clear();
        for (int id : tokenizer.encode(Qwen3.BUDGET_CLOSING)) forced.add(id);
    }

    /** Whether the thinking, with {@code token} its latest, repeats itself or has reached its ceiling. */
    private boolean loops(int token) {
        return repetition.accept(token) | thinkingTokens >= thinkingCeiling;
    }

    private int sample() {
        float[] logits = state.logits();
        if (constraint != null && answering) constraint.mask(logits, room() - 1);
        return sampler.sample(logits);
    }

    /**
     * Chooses the next token from the logits of the last one fed and applies every rule to it.
     * Returns the token to feed at {@link #position()} next, or -1 when the generation is over.
     */
    int next() {
        GenerationResult.FinishReason stopped = interrupt.get();
        if (stopped != null) return end(stopped);
        if (constraint != null && forced.isEmpty()) keepRoomForTheAnswer();
        int token = forced.isEmpty() ? sample() : forced.poll();
        ids[count++] = token;
        sampler.accept(token);
        if (constraint != null && answering) constraint.accept(token);
        if (token == Qwen3.THINK_START) phase = Phase.THINKING;
        Phase tokenPhase = phase;
        if (tokenPhase == Phase.THINKING) thinkingTokens++;
        else answerTokens++;
        if (token == Qwen3.THINK_END) {
            phase = Phase.ANSWER;
            answering = true;
        }
        if (!options.ignoreEos() && (token == Qwen3.IM_END || token == Qwen3.END_OF_TEXT))
            return end(GenerationResult.FinishReason.STOP);

        String piece = decoder.push(token);
        int before = text.length();
        text.append(piece);
        int stopAt = stopStringStart(before);
        if (stopAt >= 0) {
            String kept = piece.substring(0, Math.max(0, stopAt - before));
            text.setLength(stopAt);
            if (!kept.isEmpty()) listener.onToken(token, kept, tokenPhase);
            return end(GenerationResult.FinishReason.STOP);
        }
        listener.onToken(token, piece, tokenPhase);
        if (phase == Phase.THINKING
                && options.thinkingBudget() != null
                && !budgetReached
                && thinkingTokens >= options.thinkingBudget()) {
            budgetReached = true;
            closeThinking();
        } else if (phase == Phase.THINKING && repetition != null && !budgetReached && !loopEnded && loops(token)) {
            loopEnded = true;
            closeThinking();
        }
        if (count == options.maxTokens() || position == state.capacity())
            return end(GenerationResult.FinishReason.LENGTH);
        return token;
    }

    /** Where the token returned by {@link #next()} goes in the cache; advances. */
    int takePosition() {
        return position++;
    }

    /** The tokens whose KV entries the cache holds: the prompt, then each generated token fed back (never the last one chosen). */
    int[] fedTokens() {
        int[] fed = Arrays.copyOf(prompt, position);
        System.arraycopy(ids, 0, fed, prompt.length, position - prompt.length);
        return fed;
    }

    boolean finished() {
        return finish != null;
    }

    /** Ends the generation if its interrupt (cancel, deadline) fired; true when it did. */
    boolean stopIfInterrupted() {
        GenerationResult.FinishReason stopped = interrupt.get();
        if (stopped == null) return false;
        end(stopped);
        return true;
    }

    private int end(GenerationResult.FinishReason reason) {
        finish = reason;
        if (reason != GenerationResult.FinishReason.STOP) text.append(decoder.flush());
        return -1;
    }

    /** Where a stop string starts if one now ends in the text appended after {@code before}, else -1. */
    private int stopStringStart(int before) {
        int best = -1;
        for (String stop : options.stop()) {
            if (stop.isEmpty()) continue;
            int at = text.indexOf(stop, Math.max(0, before - stop.length() + 1));
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    GenerationResult result() {
        if (finish == null) throw new IllegalStateException("the generation has not finished");
        return new GenerationResult(
                Arrays.copyOf(ids, count),
                text.toString(),
                finish,
                new GenerationResult.Usage(prompt.length, thinkingTokens, answerTokens, budgetReached, loopEnded));
    }
}
