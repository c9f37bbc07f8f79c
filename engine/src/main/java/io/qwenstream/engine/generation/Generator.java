package io.qwenstream.engine.generation;

import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.GenerationResult;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.TokenListener;
import io.qwenstream.engine.load.LoadedModel;
import io.qwenstream.engine.model.Qwen3Model;
import java.util.function.Supplier;

/**
 * Runs one sequence on the calling thread: prefill, then token by token under {@link Sequence}'s
 * rules. For many concurrent sequences sharing each weight read, use {@link BatchScheduler}.
 */
public final class Generator {

    private final LoadedModel engine;
    private final KvPrecision kvPrecision;

    /** @param kvPrecision how the KV cache stores keys and values: F32 to match transformers in float32, F16 for half the memory */
    public Generator(LoadedModel engine, KvPrecision kvPrecision) {
        if (kvPrecision == null) throw new IllegalArgumentException("KV cache precision is missing (F16 or F32)");
        this.engine = engine;
        this.kvPrecision = kvPrecision;
    }

    public GenerationResult generate(int[] prompt, GenerationOptions options, TokenListener listener) {
        return generate(prompt, options, listener, () -> null);
    }

    /**
     * @param interrupt asked before each new token; a non-null reason (cancelled, deadline) ends the generation
     */
    public GenerationResult generate(
            int[] prompt,
            GenerationOptions options,
            TokenListener listener,
            Supplier<GenerationResult.FinishReason> interrupt) {
        Qwen3Model model = engine.model();
        Sequence sequence = new Sequence(model, engine.tokenizer(), prompt, options, kvPrecision, listener, interrupt);
        model.prefill(sequence.state, prompt);
        for (int token = sequence.next(); token >= 0; token = sequence.next()) {
            model.forward(sequence.state, token, sequence.takePosition(), true);
        }
        return sequence.result();
    }
}
