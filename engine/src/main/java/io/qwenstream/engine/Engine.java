package io.qwenstream.engine;

import io.qwenstream.engine.generation.BatchScheduler;
import io.qwenstream.engine.generation.Generator;
import io.qwenstream.engine.kernels.Parallel;
import io.qwenstream.engine.kernels.VectorInfo;
import io.qwenstream.engine.load.LoadedModel;
import java.nio.file.Path;
import java.util.List;

/**
 * The engine's entry point: a Qwen3 model loaded from a GGUF file or a Hugging Face model
 * directory, with its tokenizer and chat template. {@link #chat()} renders conversations,
 * {@link #generate} runs one sequence on the calling thread, {@link #scheduler} batches many.
 * Weights stay memory-mapped until {@link #close()}.
 */
public final class Engine implements AutoCloseable {

    private final LoadedModel loaded;
    private ChatFormat chat;

    private Engine(LoadedModel loaded) {
        this.loaded = loaded;
    }

    /**
     * Loads {@code model} (a GGUF file or an HF model dir). The tokenizer comes from {@code tokenizer}
     * when given, else from the GGUF metadata or the model dir; a model without one still loads, but
     * {@link #chat()} then explains what is missing.
     *
     * @throws ModelFormatException when the files cannot be read or hold what the engine does not support
     */
    public static Engine load(Path model, Path tokenizer) {
        return new Engine(LoadedModel.load(model, tokenizer));
    }

    /** The model's context length in tokens, read from its config alone: the weights stay untouched. */
    public static int contextLength(Path model) {
        return LoadedModel.contextLength(model);
    }

    /**
     * Threads of the engine's matrix pool (all cores when never set). Its size is fixed by its first
     * use: call this before any model runs.
     */
    public static void useThreads(int threads) {
        Parallel.setThreads(threads);
    }

    /** Why the kernels cannot run in this JVM (the Vector API module is missing), or null when they can. */
    public static String missingVectorApi() {
        return LoadedModel.missingVectorApi();
    }

    /** The model's context length in tokens: prompt and generated tokens together. */
    public int contextLength() {
        return loaded.config().contextLength();
    }

    /** One line for a log: architecture, layers, the matrix pool's threads and the vector species. */
    public String describe() {
        return loaded.config().architecture() + ", " + loaded.config().layerCount() + " layers; " + Parallel.threads()
                + " engine threads; " + VectorInfo.describe();
    }

    /** The model's tokenizer and chat template. */
    public synchronized ChatFormat chat() {
        if (chat == null) chat = new ChatFormat(loaded.tokenizer());
        return chat;
    }

    /**
     * Generates from {@code prompt} on the calling thread, token by token to {@code listener}.
     *
     * @param kvPrecision F32 to match a float32 reference, F16 for half the memory
     */
    public GenerationResult generate(
            int[] prompt, GenerationOptions options, KvPrecision kvPrecision, TokenListener listener) {
        return new Generator(loaded, kvPrecision).generate(prompt, options, listener);
    }

    /** The indices of the mixture-of-experts layers (none for a dense model). */
    public List<Integer> moeLayers() {
        return loaded.model().expertLoad().moeLayers();
    }

    /** Experts per mixture-of-experts layer (0 for a dense model). */
    public int experts() {
        return loaded.model().expertLoad().experts();
    }

    /** Tokens the forward pass has routed to {@code expert} of MoE layer {@code layer} since the model loaded. */
    public long expertTokens(int layer, int expert) {
        return loaded.model().expertLoad().tokens(layer, expert);
    }

    /**
     * A scheduler that runs at most {@code maxSequences} sequences at once. Conversations' KV caches
     * are kept for their next turn within {@code prefixCacheBytes} (0: none). Close it before the engine.
     */
    public Scheduler scheduler(int maxSequences, long prefixCacheBytes, KvPrecision kvPrecision) {
        return new BatchScheduler(loaded, maxSequences, prefixCacheBytes, kvPrecision);
    }

    @Override
    public void close() {
        loaded.close();
    }
}
