package io.qwenstream.postprocess.assemble;

import io.qwenstream.postprocess.split.ThinkingSplitter;
import io.qwenstream.schemas.TokenChunk;
import java.util.List;

/**
 * What is known of one request between two records, kept in the state store under its request_id.
 *
 * @param nextSeq the chunk seq expected next; every chunk before it has been split
 * @param waiting chunks that came ahead of a gap, by seq
 * @param splitter the splitter's state after chunk {@code nextSeq - 1}
 * @param nextDeltaSeq seq of the next ResponseDelta (gap-free per request)
 * @param last the last chunk (finish_reason set) once it has been split, else null
 * @param firstTokenAtMs when the first token came: the worker's {@code first_token_at_ms}, else the record time of
 *     the first chunk with tokens; null while none
 * @param lastChunkAtMs when generation ended: the worker's {@code finished_at_ms}, else the newest chunk's record time
 * @param startedAtMs when the worker began generating (its {@code started_at_ms}), or null
 * @param traceparent W3C trace context of the chunks, carried to every output
 * @param updatedAtMs wall time of the last change, for the sweeps
 * @param doneAtMs wall time the response went out; later chunks of the request are duplicates
 */
public record Progress(
        long nextSeq,
        List<TokenChunk> waiting,
        ThinkingSplitter.State splitter,
        long nextDeltaSeq,
        TokenChunk last,
        Long firstTokenAtMs,
        Long lastChunkAtMs,
        Long startedAtMs,
        String traceparent,
        long updatedAtMs,
        Long doneAtMs) {

    public static Progress start(String requestId, long now) {
        return new Progress(
                0, List.of(), new ThinkingSplitter(requestId).state(), 0, null, null, null, null, null, now, null);
    }

    /** Every chunk through the last one has been split: the response can be built. */
    public boolean complete() {
        return last != null;
    }

    public boolean done() {
        return doneAtMs != null;
    }

    public Progress finished(long now) {
        return new Progress(
                nextSeq,
                List.of(),
                splitter,
                nextDeltaSeq,
                last,
                firstTokenAtMs,
                lastChunkAtMs,
                startedAtMs,
                traceparent,
                now,
                now);
    }
}
