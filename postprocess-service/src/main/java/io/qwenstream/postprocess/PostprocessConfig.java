package io.qwenstream.postprocess;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;

/** Settings of the postprocess service (application.properties, prefix {@code postprocess}). */
@ConfigMapping(prefix = "postprocess")
public interface PostprocessConfig {

    /** How long a request whose chunks are all in waits for its PreparedRequest before answering without it. */
    @WithDefault("30s")
    Duration preparedWait();

    /** A request with no new chunk for this long, and chunks still missing, gets an error response. */
    @WithDefault("5m")
    Duration incompleteAfter();

    /** How long a finished request is remembered (to ignore redelivered chunks) and a PreparedRequest kept. */
    @WithDefault("1h")
    Duration retention();

    /** How often the stores are swept for the three timeouts above (wall-clock punctuation). */
    @WithDefault("5s")
    Duration sweepInterval();

    /** How long start-up waits for qwen.tokens to exist (its partition count sizes the repartition topic). */
    @WithDefault("60s")
    Duration topicsWait();

    /** Records larger than this are refused (record_too_large), as every service does. */
    @WithDefault("524288")
    int maxRecordBytes();

    @WithName("language-detection")
    Languages languageDetection();

    interface Languages {
        /** ISO 639-1 codes Lingua tells apart for translate's source_language. */
        @WithDefault("en,zh,es,fr,de,it,pt,ru,ja,ko,ar,hi")
        List<String> languages();

        /** Trigram models only: about a fifth of the memory, weaker on texts under ~120 characters. */
        @WithDefault("false")
        boolean lowAccuracy();
    }
}
