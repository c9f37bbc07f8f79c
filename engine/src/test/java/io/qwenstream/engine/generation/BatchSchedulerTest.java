package io.qwenstream.engine.generation;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Engine;
import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.sampling.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchSchedulerTest {

    private static Engine engine;

    @BeforeAll
    static void load() {
        engine = Engine.load(Fixtures.model("tiny-qwen3-moe"), Fixtures.tokenizerDir());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static GenerationOptions greedy(int tokens) {
        return new GenerationOptions(tokens, SamplingParams.greedyDecoding(), true, List.of(), null, null);
    }

    @Test
    void concurrentSequencesEachGetTheirReferenceContinuation() throws Exception {
        JsonNode sequences = Fixtures.reference().path("models").path("tiny-qwen3-moe").get("sequences");
        try (BatchScheduler scheduler = new BatchScheduler(engine, 2)) {
            List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
            List<int[]> expected = new ArrayList<>();
            for (int round = 0; round < 2; round++) {  // 6 jobs through 2 slots: admission as slots free up
                for (JsonNode seq : sequences) {
                    int[] greedy = Fixtures.ints(Fixtures.field(seq, "greedy_ids"));
                    expected.add(greedy);
                    results.add(scheduler.submit(Fixtures.ints(Fixtures.field(seq, "ids")), greedy(greedy.length), TokenListener.NONE, () -> null));
                }
            }
            for (int i = 0; i < results.size(); i++) {
                GenerationResult r = results.get(i).get(60, TimeUnit.SECONDS);
                assertArrayEquals(expected.get(i), r.ids(), "job " + i);
                assertEquals(GenerationResult.FinishReason.LENGTH, r.finishReason());
            }
        }
    }

    @Test
    void aRefusedPromptFailsOnlyItsOwnJob() throws Exception {
        try (BatchScheduler scheduler = new BatchScheduler(engine, 4)) {
            CompletableFuture<GenerationResult> bad = scheduler.submit(new int[0], greedy(4), TokenListener.NONE, () -> null);
            CompletableFuture<GenerationResult> good = scheduler.submit(new int[] {151644, 872}, greedy(4), TokenListener.NONE, () -> null);
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("no tokens"), e.getCause().getMessage());
            assertEquals(4, good.get(30, TimeUnit.SECONDS).ids().length);
        }
    }

    @Test
    void anInterruptEndsItsSequenceWithItsReason() throws Exception {
        AtomicInteger tokens = new AtomicInteger();
        try (BatchScheduler scheduler = new BatchScheduler(engine, 2)) {
            GenerationResult r = scheduler.submit(new int[] {151644, 872}, greedy(1000), (id, text, phase) -> tokens.incrementAndGet(),
                    () -> tokens.get() >= 5 ? GenerationResult.FinishReason.CANCELLED : null).get(30, TimeUnit.SECONDS);
            assertEquals(GenerationResult.FinishReason.CANCELLED, r.finishReason());
            assertEquals(5, r.ids().length);
        }
    }
}
