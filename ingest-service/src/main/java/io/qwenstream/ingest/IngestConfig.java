package io.qwenstream.ingest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/** The {@code qwenstream.*} keys of application.properties (topic names live beside the channels). */
@ConfigMapping(prefix = "qwenstream")
public interface IngestConfig {

    /** The model the worker runs: a GGUF file or a Hugging Face model dir (its tokenizer and context length). */
    Path model();

    /** Where the tokenizer is when the model has none (an HF dir without tokenizer files). */
    Optional<Path> tokenizer();

    /** Overrides the context length read from the model's config (config.json / GGUF metadata). */
    OptionalInt contextLength();

    /** Records larger than this are refused with {@code record_too_large} (the broker accepts 1 MiB). */
    @WithDefault("524288")
    int maxRecordBytes();

    /**
     * Largest PreparedRequest sent to qwen.inference. It carries the prompt and the conversation,
     * history included, so it can outgrow the request; the topics accept 1 MiB, less headroom for
     * headers and batch overhead. Larger ones are refused with {@code record_too_large}.
     */
    @WithDefault("1040384")
    int maxPreparedBytes();

    Dedup dedup();

    Defaults defaults();

    Http http();

    /** Per-tenant limits (TenantLimits), per ingest instance: {@code qwenstream.tenant-limits.*}. */
    TenantLimitsConfig tenantLimits();

    interface Dedup {
        /** How long an accepted request_id is remembered. */
        @WithDefault("10m")
        Duration window();

        /** At most this many ids are remembered (the oldest is forgotten first). */
        @WithDefault("100000")
        int capacity();
    }

    interface Defaults {
        /** max_tokens when a request gives none; always capped by the room left in the context. */
        @WithDefault("32768")
        int maxTokens();
    }

    interface Http {
        /** How long POST /v1/chat/completions waits for the end of an answer (then 504, and the request is cancelled). */
        @WithDefault("300s")
        Duration timeout();

        /** The model the OpenAI API serves (GET /v1/models); a request naming another gets 404. */
        @WithDefault("qwenstream")
        String modelName();

        /** HTTP chat completions one instance holds at once; more get 429. */
        @WithDefault("256")
        int maxInFlight();
    }

    interface TenantLimitsConfig {
        /** Requests a second each tenant may send (a burst of one second's worth); 0: no limit. */
        @WithDefault("0")
        double requestsPerSecond();

        /** Generations each tenant may have running at once; 0: no limit. */
        @WithDefault("0")
        int maxConcurrent();

        /** A generation whose final response never came frees its place after this long. */
        @WithDefault("10m")
        Duration generationTimeout();

        /** Limits of named tenants, instead of the ones above: {@code tenants."acme".max-concurrent=4}. */
        Map<String, Tenant> tenants();

        interface Tenant {
            OptionalDouble requestsPerSecond();

            OptionalInt maxConcurrent();
        }
    }
}
