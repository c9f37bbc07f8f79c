package io.qwenstream.postprocess.assemble;

import io.qwenstream.postprocess.split.ThinkingSplitter;
import io.qwenstream.schemas.TokenChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What is known of one request between two records, kept in the state store under its request_id. Everything
 * but the delta seq, the trace and the generations describes the current generation only.
 *
 * @param generationId the generation being assembled (the newest to appear on the partition); null for an unnamed
 *     one, or while no chunk came
 * @param superseded generations dropped for good (an unnamed one as {@code ""}): their later chunks are ignored
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
        String generationId,
        List<String> superseded,
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

    public Progress {
        superseded = superseded == null ? List.of() : List.copyOf(superseded); // state written before generations
    }

    public static Progress start(String requestId, long now) {
        return new Progress(
                null,
                List.of(),
                0,
                List.of(),
                new ThinkingSplitter(requestId).state(),
                0,
                null,
                null,
                null,
                null,
                null,
                now,
                null);
    }

    /** Whether a chunk of the current generation came (it is then split or waiting). */
    public boolean hasGeneration() {
        return nextSeq > 0 || !waiting.isEmpty() || last != null;
    }

    public boolean isCurrent(String generation) {
        return Objects.equals(generationId, generation);
    }

    public boolean isSuperseded(String generation) {
        return superseded.contains(generation == null ? "" : generation);
    }

    /** The first chunk of generation {@code generation} came: its own progress, named. */
    public Progress named(String generation) {
        return new Progress(
                generation,
                superseded,
                nextSeq,
                waiting,
                splitter,
                nextDeltaSeq,
                last,
                firstTokenAtMs,
                lastChunkAtMs,
                startedAtMs,
                traceparent,
                updatedAtMs,
                doneAtMs);
    }

    /**
     * A newer generation appeared: the current one is dropped for good and the request starts over, keeping only
     * the delta seq (gap-free across generations) and the trace.
     */
    public Progress supersededBy(String requestId, String generation, long now) {
        List<String> dropped = new ArrayList<>(superseded);
        dropped.add(generationId == null ? "" : generationId);
        return new Progress(
                generation,
                dropped,
                0,
                List.of(),
                new ThinkingSplitter(requestId).state(),
                nextDeltaSeq,
                null,
                null,
                null,
                null,
                traceparent,
                now,
                null);
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
                generationId,
                superseded,
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
