package io.qwenstream.worker;

import io.qwenstream.engine.KvPrecision;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** The worker's own settings ({@code qwenstream.*} in application.properties). */
@ConfigMapping(prefix = "qwenstream")
public interface WorkerConfig {

    /** The model: a GGUF file or a Hugging Face model directory. */
    Path model();

    /** Tokenizer files (tokenizer.json + tokenizer_config.json) when the model lacks them. */
    Optional<Path> tokenizer();

    /** Threads of the engine's matmul pool; all cores when unset. */
    OptionalInt threads();

    /** Sequences generated at the same time: the batch size of the engine's continuous-batching scheduler. */
    @WithDefault("2")
    int maxConcurrent();

    /** Requests taken from Kafka and waiting for a free sequence; when full the consumer pauses. */
    @WithDefault("4")
    int queueCapacity();

    /**
     * MiB of KV caches kept for the next turn of each conversation (least recently used dropped first), so
     * that turn prefills only what follows the history it shares with the last one; 0 keeps none.
     */
    @WithDefault("256")
    long prefixCacheMb();

    /**
     * How each sequence's KV cache stores keys and values: {@code f16} (half precision, half the memory per
     * token) or {@code f32} (float32, what the reference comparisons use).
     */
    @WithDefault("f16")
    KvPrecision kvCache();

    /** Records larger than this are refused as record_too_large (the broker's limit is 1 MiB). */
    @WithDefault("1048576")
    int maxRecordBytes();

    /** For how long a cancel on qwen.control is remembered for a request that has not arrived yet. */
    @WithDefault("10m")
    Duration cancelMemory();

    Chunk chunk();

    /** Topic names by role ({@code qwenstream.topics.inference}, {@code .control}, {@code .tokens}); the channels use them. */
    Map<String, String> topics();

    /** The shared test fixtures (set by the build for tests; the test profile's model lives there). */
    Optional<Path> fixtures();

    interface Chunk {
        /** A chunk is sent once it holds this many tokens… */
        @WithDefault("8")
        int maxTokens();

        /** …or once its oldest token has waited this long, whichever comes first. */
        @WithDefault("50ms")
        Duration maxDelay();

        /**
         * Sends each token at once until a chunk with visible text (more than whitespace and think tags) is
         * out, so the first token waits for no batch; the two limits above apply from then on.
         */
        @WithDefault("true")
        boolean firstAtOnce();
    }
}
