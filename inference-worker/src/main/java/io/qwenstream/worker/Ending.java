package io.qwenstream.worker;

import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.Usage;

/**
 * What the last chunk of a request carries besides its text: how it ended, its counts, and the timing facts
 * the postprocessor turns into queue_ms, ttft_ms and total_ms.
 */
record Ending(
        FinishReason reason,
        Usage usage,
        ErrorDetail error,
        Long startedAtMs,
        Long firstTokenAtMs,
        long finishedAtMs) {}
