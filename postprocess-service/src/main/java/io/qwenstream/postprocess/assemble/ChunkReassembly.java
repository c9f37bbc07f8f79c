package io.qwenstream.postprocess.assemble;

import io.qwenstream.engine.Phase;
import io.qwenstream.postprocess.split.SplitDelta;
import io.qwenstream.postprocess.split.ThinkingSplitter;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.ResponseDelta;
import io.qwenstream.schemas.TokenChunk;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Puts one request's chunks back in seq order and splits them as they become contiguous. Pure: the
 * caller keeps the {@link Progress} (a state store) and publishes the deltas.
 *
 * <p>A request's response comes from one generation (TokenChunk.generation_id) only. Order of appearance on the
 * partition is the truth: the first chunk of a generation not seen before supersedes the current one, which is
 * dropped for good (a reset delta tells live readers, and its later chunks, a zombie worker's say, are ignored).
 * Once the current generation is complete it is the answer: a generation appearing after that is ignored.
 */
public final class ChunkReassembly {

    /**
     * Outcome of one chunk. {@code duplicate}: already seen (by seq), nothing changed. {@code stale}: of a
     * superseded generation, or of a new one after the request's answer was complete; nothing changed.
     */
    public record Step(Progress progress, List<ResponseDelta> deltas, boolean duplicate, boolean stale) {
        public boolean ignored() {
            return duplicate || stale;
        }
    }

    /**
     * A chunk with the facts of its record: its time and its trace. The worker's own clock readings come on the
     * last chunk itself (started_at_ms, first_token_at_ms, finished_at_ms).
     */
    public record ChunkRecord(TokenChunk chunk, long timestampMs, String traceparent) {}

    private ChunkReassembly() {}

    public static Step accept(String requestId, Progress progress, ChunkRecord record, long now) {
        TokenChunk chunk = record.chunk();
        String generation = chunk.generationId();
        if (progress.done()) return new Step(progress, List.of(), true, false);
        if (progress.isSuperseded(generation)) return new Step(progress, List.of(), false, true);
        List<ResponseDelta> deltas = new ArrayList<>();
        if (!progress.hasGeneration()) {
            progress = progress.named(generation);
        } else if (!progress.isCurrent(generation)) {
            if (progress.complete()) return new Step(progress, List.of(), false, true);
            progress = progress.supersededBy(requestId, generation, now);
            deltas.add(ResponseDelta.reset(requestId, generation, progress.nextDeltaSeq()));
        }
        long deltaSeq = progress.nextDeltaSeq() + deltas.size();
        boolean seen = chunk.seq() < progress.nextSeq()
                || progress.waiting().stream().anyMatch(w -> w.seq() == chunk.seq())
                || progress.complete() && chunk.seq() > progress.last().seq();
        if (seen) return new Step(progress, List.of(), true, false);

        String traceparent = progress.traceparent() != null ? progress.traceparent() : record.traceparent();
        Long startedAt = progress.startedAtMs() != null ? progress.startedAtMs() : chunk.startedAtMs();
        // The worker's clock readings are exact; record times are the fallback (flush delays included).
        Long firstTokenAt = progress.firstTokenAtMs();
        if (chunk.firstTokenAtMs() != null) {
            firstTokenAt = chunk.firstTokenAtMs();
        } else if (chunk.tokenCount() > 0 && (firstTokenAt == null || record.timestampMs() < firstTokenAt)) {
            firstTokenAt = record.timestampMs();
        }
        Long lastChunkAt = chunk.finishedAtMs() != null
                ? chunk.finishedAtMs()
                : progress.lastChunkAtMs() == null
                        ? record.timestampMs()
                        : Math.max(progress.lastChunkAtMs(), record.timestampMs());

        List<TokenChunk> waiting = new ArrayList<>(progress.waiting());
        waiting.add(chunk);
        waiting.sort(Comparator.comparingLong(TokenChunk::seq));

        ThinkingSplitter splitter = ThinkingSplitter.resume(requestId, progress.splitter());
        long nextSeq = progress.nextSeq();
        TokenChunk last = progress.last();
        while (!waiting.isEmpty() && waiting.getFirst().seq() == nextSeq && last == null) {
            TokenChunk next = waiting.removeFirst();
            List<SplitDelta> split = new ArrayList<>(splitter.accept(next.phase(), next.text()));
            if (next.isLast()) {
                split.addAll(splitter.finish());
                last = next;
            }
            for (SplitDelta delta : split) {
                deltas.add(ResponseDelta.of(requestId, generation, deltaSeq++, delta.kind(), delta.text()));
            }
            nextSeq++;
        }
        // Chunks numbered after the last one cannot belong to this generation; they are not kept.
        if (last != null) waiting.clear();
        Progress updated = new Progress(
                generation,
                progress.superseded(),
                nextSeq,
                List.copyOf(waiting),
                splitter.state(),
                deltaSeq,
                last,
                firstTokenAt,
                lastChunkAt,
                startedAt,
                traceparent,
                now,
                null);
        return new Step(updated, List.copyOf(deltas), false, false);
    }

    /**
     * Ends a request that can no longer complete (chunks lost, an unreadable chunk): the text held back is
     * flushed as final deltas and the request ends as if its last chunk had reported {@code error}.
     */
    public static Step abandon(String requestId, Progress progress, ErrorDetail error, long now) {
        ThinkingSplitter splitter = ThinkingSplitter.resume(requestId, progress.splitter());
        List<ResponseDelta> deltas = new ArrayList<>();
        long deltaSeq = progress.nextDeltaSeq();
        for (SplitDelta delta : splitter.finish()) {
            deltas.add(ResponseDelta.of(requestId, progress.generationId(), deltaSeq++, delta.kind(), delta.text()));
        }
        TokenChunk failed = TokenChunk.failed(requestId, progress.nextSeq(), Phase.ANSWER, null, error)
                .withGenerationId(progress.generationId());
        Progress updated = new Progress(
                progress.generationId(),
                progress.superseded(),
                progress.nextSeq(),
                List.of(),
                splitter.state(),
                deltaSeq,
                failed,
                progress.firstTokenAtMs(),
                progress.lastChunkAtMs(),
                progress.startedAtMs(),
                progress.traceparent(),
                now,
                null);
        return new Step(updated, List.copyOf(deltas), false, false);
    }
}
