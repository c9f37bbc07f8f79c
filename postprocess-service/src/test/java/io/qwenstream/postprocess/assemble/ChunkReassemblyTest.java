package io.qwenstream.postprocess.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.engine.Phase;
import io.qwenstream.postprocess.assemble.ChunkReassembly.ChunkRecord;
import io.qwenstream.postprocess.assemble.ChunkReassembly.Step;
import io.qwenstream.schemas.DeltaKind;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ResponseDelta;
import io.qwenstream.schemas.TokenChunk;
import io.qwenstream.schemas.Usage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkReassemblyTest {

    private static final String ID = "req-7";
    private static final Usage USAGE = new Usage(10, 5, 3, false);

    /** "<think>\nwhy\n</think>\n\nbecause." as a worker flushing every two tokens might send it. */
    private static List<TokenChunk> chunks() {
        return List.of(
                TokenChunk.of(ID, 0, Phase.THINKING, "<think>\nwh", 2),
                TokenChunk.of(ID, 1, Phase.THINKING, "y\n</think>", 2),
                TokenChunk.of(ID, 2, Phase.ANSWER, "\n\nbecause", 2),
                TokenChunk.last(ID, 3, Phase.ANSWER, ".", 1, FinishReason.STOP, USAGE));
    }

    /** Feeds chunks through a JSON round trip of the progress after each, as the state store does. */
    private static Run run(List<TokenChunk> order) {
        Progress progress = Progress.start(ID, 0);
        List<ResponseDelta> deltas = new ArrayList<>();
        int duplicates = 0;
        int stale = 0;
        long time = 1000;
        for (TokenChunk chunk : order) {
            Step step = ChunkReassembly.accept(ID, progress, new ChunkRecord(chunk, time += 10, "00-trace-01"), time);
            if (step.duplicate()) duplicates++;
            if (step.stale()) stale++;
            deltas.addAll(step.deltas());
            progress = Messages.fromJson(Messages.toJson(step.progress()), Progress.class);
        }
        return new Run(progress, deltas, duplicates, stale);
    }

    record Run(Progress progress, List<ResponseDelta> deltas, int duplicates, int stale) {
        String text(DeltaKind kind) {
            StringBuilder text = new StringBuilder();
            deltas.stream().filter(d -> d.kind() == kind).forEach(d -> text.append(d.text()));
            return text.toString();
        }
    }

    @Test
    void inOrderChunksStreamTheSplitAndComplete() {
        Run run = run(chunks());
        assertTrue(run.progress().complete());
        assertEquals("why", run.text(DeltaKind.THINKING));
        assertEquals("because.", run.text(DeltaKind.CONTENT));
        assertEquals(FinishReason.STOP, run.progress().last().finishReason());
        assertEquals("00-trace-01", run.progress().traceparent());
    }

    @Test
    void anyOrderWithDuplicatesGivesTheSameGapFreeDeltas() {
        List<ResponseDelta> inOrder = run(chunks()).deltas();
        Random random = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            List<TokenChunk> shuffled = new ArrayList<>(chunks());
            shuffled.add(chunks().get(random.nextInt(4)));
            shuffled.add(chunks().get(random.nextInt(4)));
            Collections.shuffle(shuffled, random);
            Run run = run(shuffled);
            assertTrue(run.progress().complete(), shuffled.toString());
            assertEquals(2, run.duplicates());
            // The delta boundaries may differ (how much was contiguous when), the text and seq order may not.
            assertEquals("why", run.text(DeltaKind.THINKING));
            assertEquals("because.", run.text(DeltaKind.CONTENT));
            for (int i = 0; i < run.deltas().size(); i++)
                assertEquals(i, run.deltas().get(i).seq());
            assertFalse(inOrder.isEmpty());
        }
    }

    @Test
    void aGapHoldsLaterChunksBack() {
        Run run = run(List.of(chunks().get(0), chunks().get(2), chunks().get(3)));
        assertFalse(run.progress().complete());
        assertEquals(1, run.progress().nextSeq());
        assertEquals(2, run.progress().waiting().size());
        assertEquals("", run.text(DeltaKind.CONTENT));
    }

    @Test
    void chunksAfterTheResponseAreDuplicates() {
        Progress done = run(chunks()).progress().finished(5000);
        Step again = ChunkReassembly.accept(ID, done, new ChunkRecord(chunks().get(3), 6000, null), 6000);
        assertTrue(again.duplicate());
    }

    @Test
    void timingFactsComeFromTheRecords() {
        Progress progress = Progress.start(ID, 0);
        progress = ChunkReassembly.accept(ID, progress, new ChunkRecord(chunks().get(1), 1200, null), 0)
                .progress();
        progress = ChunkReassembly.accept(ID, progress, new ChunkRecord(chunks().get(0), 1100, null), 0)
                .progress();
        assertEquals(1100L, progress.firstTokenAtMs());
        assertEquals(1200L, progress.lastChunkAtMs());
        assertNull(progress.startedAtMs());
        // The worker's readings on the last chunk win over record times.
        progress = ChunkReassembly.accept(
                        ID, progress, new ChunkRecord(chunks().get(3).withTimings(1050L, 1080L, 1390L), 1400, null), 0)
                .progress();
        assertEquals(1050L, progress.startedAtMs());
        assertEquals(1080L, progress.firstTokenAtMs());
        assertEquals(1390L, progress.lastChunkAtMs());
    }

    @Test
    void abandonFlushesWhatWasHeldAndEndsWithTheError() {
        Run partial = run(List.of(TokenChunk.of(ID, 0, Phase.ANSWER, "half <tool_", 3)));
        ErrorDetail error = new ErrorDetail(ErrorCode.INTERNAL, "lost");
        Step step = ChunkReassembly.abandon(ID, partial.progress(), error, 9);
        assertEquals(List.of(ResponseDelta.of(ID, null, 1, DeltaKind.CONTENT, " <tool_")), step.deltas());
        assertEquals(FinishReason.ERROR, step.progress().last().finishReason());
        assertEquals(error, step.progress().last().error());
        assertNull(step.progress().last().usage());
    }

    /** The chunks of {@link #chunks()} as generation {@code id}. */
    private static List<TokenChunk> generation(String id) {
        return chunks().stream().map(c -> c.withGenerationId(id)).toList();
    }

    @Test
    void aNewGenerationResetsTheRequestAndItsOwnTextAloneIsTheAnswer() {
        List<TokenChunk> a = List.of(
                TokenChunk.of(ID, 0, Phase.THINKING, "<think>\nold", 2).withGenerationId("A"),
                TokenChunk.of(ID, 1, Phase.ANSWER, "</think>\n\nstale text", 3).withGenerationId("A"));
        List<TokenChunk> b = generation("B");
        // A, then B from seq 0 (its first chunk after A's on the partition), then a late chunk of A.
        Run run = run(List.of(a.get(0), a.get(1), b.get(0), b.get(1), a.get(1), b.get(2), b.get(3)));
        assertTrue(run.progress().complete());
        assertEquals("B", run.progress().generationId());
        assertEquals(List.of("A"), run.progress().superseded());
        assertEquals(1, run.stale());
        List<ResponseDelta> resets =
                run.deltas().stream().filter(d -> d.kind() == DeltaKind.RESET).toList();
        assertEquals(1, resets.size());
        assertEquals("B", resets.getFirst().generationId());
        for (int i = 0; i < run.deltas().size(); i++)
            assertEquals(i, run.deltas().get(i).seq(), "delta seq gap-free across generations");
        List<ResponseDelta> afterReset = run.deltas()
                .subList(
                        run.deltas().indexOf(resets.getFirst()) + 1,
                        run.deltas().size());
        assertTrue(afterReset.stream().allMatch(d -> d.generationId().equals("B")));
        assertEquals("why", text(afterReset, DeltaKind.THINKING));
        assertEquals("because.", text(afterReset, DeltaKind.CONTENT));
    }

    @Test
    void aSupersededGenerationNeverComesBackEvenFromSeqZero() {
        Run run = run(List.of(
                generation("A").get(0),
                generation("B").get(0),
                generation("A").get(0),
                generation("A").get(1),
                generation("C").get(0),
                generation("B").get(1)));
        assertEquals("C", run.progress().generationId());
        assertEquals(List.of("A", "B"), run.progress().superseded());
        assertEquals(3, run.stale());
        assertEquals(
                2,
                run.deltas().stream().filter(d -> d.kind() == DeltaKind.RESET).count());
    }

    @Test
    void aCompleteGenerationIsTheAnswerAndALaterOneIsIgnored() {
        List<TokenChunk> order = new ArrayList<>(generation("A"));
        order.add(generation("B").get(0));
        Run run = run(order);
        assertTrue(run.progress().complete());
        assertEquals("A", run.progress().generationId());
        assertEquals(1, run.stale());
        assertTrue(run.deltas().stream().noneMatch(d -> d.kind() == DeltaKind.RESET));
    }

    @Test
    void theFirstChunkOfAGenerationMayBeAnyOfItsChunks() {
        List<TokenChunk> b = generation("B");
        Run run = run(List.of(generation("A").get(0), b.get(2), b.get(0), b.get(3), b.get(1)));
        assertTrue(run.progress().complete());
        assertEquals("because.", run.text(DeltaKind.CONTENT));
    }

    private static String text(List<ResponseDelta> deltas, DeltaKind kind) {
        StringBuilder text = new StringBuilder();
        deltas.stream().filter(d -> d.kind() == kind).forEach(d -> text.append(d.text()));
        return text.toString();
    }
}
