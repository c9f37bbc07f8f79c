package io.qwenstream.engine.generation;

import io.qwenstream.engine.Engine;
import io.qwenstream.engine.model.Qwen3Model;
import io.qwenstream.engine.sampling.Sampler;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import io.qwenstream.engine.tokenizer.StreamingDecoder;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Runs one sequence: prefill, then sample token by token under the stop rules (eos, stop strings,
 * max tokens, context length) and the thinking rules (opening {@code <think>}, the budget's
 * closing sentence forced as tokens, thinking and answer tokens counted apart).
 */
public final class Generator {

    /** Qwen's sentence that ends the reasoning when the thinking budget is spent. */
    public static final String BUDGET_CLOSING =
            "\n\nConsidering the limited time by the user, I have to give the solution based on the thinking directly now.\n</think>\n\n";

    public static final int THINK_START = 151667;
    public static final int THINK_END = 151668;
    public static final int IM_END = 151645;
    public static final int END_OF_TEXT = 151643;

    private final Engine engine;

    public Generator(Engine engine) {
        this.engine = engine;
    }

    public GenerationResult generate(int[] prompt, GenerationOptions options, TokenListener listener) {
        return generate(prompt, options, listener, () -> null);
    }

    /**
     * @param interrupt asked before each new token; a non-null reason (cancelled, deadline) ends the generation
     */
    public GenerationResult generate(int[] prompt, GenerationOptions options, TokenListener listener,
                                     Supplier<GenerationResult.FinishReason> interrupt) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt holds no tokens");
        Qwen3Model model = engine.model();
        Qwen3Tokenizer tokenizer = engine.tokenizer();
        int context = model.config().contextLength();
        if (prompt.length >= context) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, the model's context is " + context);
        }
        int capacity = (int) Math.min(context, (long) prompt.length + options.maxTokens());
        Qwen3Model.State state = model.newState(capacity);
        model.prefill(state, prompt, 0);

        Sampler sampler = new Sampler(options.sampling(), model.config().vocabSize());
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        ArrayDeque<Integer> forced = new ArrayDeque<>();
        if (Boolean.TRUE.equals(options.thinking())) {
            forced.add(THINK_START);
            for (int id : tokenizer.encode("\n")) forced.add(id);
        }
        int[] ids = new int[options.maxTokens()];
        int count = 0;
        StringBuilder text = new StringBuilder();
        Phase phase = Phase.ANSWER;
        int thinkingTokens = 0;
        int answerTokens = 0;
        boolean budgetReached = false;
        GenerationResult.FinishReason finish = GenerationResult.FinishReason.LENGTH;
        int position = prompt.length;

        while (true) {
            GenerationResult.FinishReason stopped = interrupt.get();
            if (stopped != null) {
                finish = stopped;
                break;
            }
            int token = forced.isEmpty() ? sampler.sample(state.logits()) : forced.poll();
            ids[count++] = token;
            sampler.accept(token);
            if (token == THINK_START) phase = Phase.THINKING;
            Phase tokenPhase = phase;
            if (tokenPhase == Phase.THINKING) thinkingTokens++; else answerTokens++;
            if (token == THINK_END) phase = Phase.ANSWER;
            boolean eos = !options.ignoreEos() && (token == IM_END || token == END_OF_TEXT);
            if (eos) {
                finish = GenerationResult.FinishReason.STOP;
                break;
            }
            String piece = decoder.push(token);
            int stopAt = appendAndFindStop(text, piece, options);
            if (stopAt >= 0) {
                String kept = piece.substring(0, Math.max(0, piece.length() - (text.length() - stopAt)));
                text.setLength(stopAt);
                if (!kept.isEmpty()) listener.onToken(token, kept, tokenPhase);
                finish = GenerationResult.FinishReason.STOP;
                break;
            }
            listener.onToken(token, piece, tokenPhase);
            if (phase == Phase.THINKING && options.thinkingBudget() != null && !budgetReached
                    && thinkingTokens >= options.thinkingBudget()) {
                budgetReached = true;
                forced.clear();
                for (int id : tokenizer.encode(BUDGET_CLOSING)) forced.add(id);
            }
            if (count == options.maxTokens() || position == capacity) break;
            model.forward(state, token, position++, true);
        }
        if (finish != GenerationResult.FinishReason.STOP) text.append(decoder.flush());
        return new GenerationResult(Arrays.copyOf(ids, count), text.toString(), finish,
                new GenerationResult.Usage(prompt.length, thinkingTokens, answerTokens, budgetReached));
    }

    /** Appends {@code piece}; returns where a stop string starts if one now ends inside the text, else -1. */
    private static int appendAndFindStop(StringBuilder text, String piece, GenerationOptions options) {
        int before = text.length();
        text.append(piece);
        int best = -1;
        for (String stop : options.stop()) {
            if (stop.isEmpty()) continue;
            int from = Math.max(0, before - stop.length() + 1);
            int at = text.indexOf(stop, from);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }
}
