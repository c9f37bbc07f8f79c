package io.qwenstream.engine.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.GenerationResult;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.Qwen3;
import io.qwenstream.engine.SamplingParams;
import io.qwenstream.engine.Scheduler;
import io.qwenstream.engine.TokenListener;
import io.qwenstream.engine.load.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchSchedulerTest {

    private static LoadedModel engine;

    @BeforeAll
    static void load() {
        engine = LoadedModel.load(Fixtures.model("tiny-qwen3-moe"), Fixtures.tokenizerDir());
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
        JsonNode sequences =
                Fixtures.reference().path("models").path("tiny-qwen3-moe").get("sequences");
        try (BatchScheduler scheduler = new BatchScheduler(engine, 2, 0, KvPrecision.F32)) {
            List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
            List<int[]> expected = new ArrayList<>();
            for (int round = 0; round < 2; round++) { // 6 jobs through 2 slots: admission as slots free up
                for (JsonNode seq : sequences) {
                    int[] greedy = Fixtures.ints(Fixtures.field(seq, "greedy_ids"));
                    expected.add(greedy);
                    results.add(scheduler.submit(
                            null,
                            Fixtures.ints(Fixtures.field(seq, "ids")),
                            greedy(greedy.length),
                            TokenListener.NONE,
                            () -> null));
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
    void aCancelStopsItsSequenceWithinOneStepWhileSevenOthersGoOn() throws Exception {
        int tokens = 64;
        int cancelled = 3;
        int cancelAfter = 5;
        AtomicBoolean cancel = new AtomicBoolean();
        AtomicInteger seenAtCancel = new AtomicInteger(-1);
        try (BatchScheduler scheduler = new BatchScheduler(engine, 8, 0, KvPrecision.F16)) {
            List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
            for (int job = 0; job < 8; job++) {
                int[] prompt = {Qwen3.IM_START, 872, 198, 100 + job};
                AtomicInteger seen = new AtomicInteger();
                boolean isCancelled = job == cancelled;
                TokenListener listener = (id, text, phase) -> {
                    // The cancel arrives from outside, between two steps, as the worker's control topic does.
                    if (isCancelled && seen.incrementAndGet() == cancelAfter) {
                        Thread.ofPlatform().start(() -> {
                            seenAtCancel.set(seen.get());
                            cancel.set(true);
                        });
                    }
                };
                results.add(scheduler.submit(
                        null,
                        prompt,
                        greedy(tokens),
                        listener,
                        isCancelled
                                ? () -> cancel.get() ? GenerationResult.FinishReason.CANCELLED : null
                                : () -> null));
            }
            GenerationResult stopped = results.get(cancelled).get(60, TimeUnit.SECONDS);
            assertEquals(GenerationResult.FinishReason.CANCELLED, stopped.finishReason());
            // Tokens seen when the flag was raised, plus at most the one step already under way.
            assertTrue(
                    stopped.ids().length <= seenAtCancel.get() + 2,
                    () -> stopped.ids().length + " tokens, " + seenAtCancel.get() + " when cancelled");
            for (int job = 0; job < 8; job++) {
                if (job == cancelled) continue;
                GenerationResult r = results.get(job).get(60, TimeUnit.SECONDS);
                assertEquals(GenerationResult.FinishReason.LENGTH, r.finishReason(), "job " + job);
                assertEquals(tokens, r.ids().length, "job " + job);
            }
            assertEquals(0, scheduler.active());
        }
    }

    @Test
    void aDeadlineEndsAJobWhileItWaitsOrPrefillsWithoutAToken() throws Exception {
        int[] longPrompt = IntStream.range(0, 40 * 64).map(i -> 100 + i % 1000).toArray();
        AtomicBoolean expired = new AtomicBoolean();
        try (BatchScheduler scheduler = new BatchScheduler(engine, 1, 0, KvPrecision.F16)) {
            CompletableFuture<GenerationResult> prefilling = scheduler.submit(
                    null,
                    longPrompt,
                    greedy(4),
                    TokenListener.NONE,
                    () -> expired.get() ? GenerationResult.FinishReason.DEADLINE : null);
            CompletableFuture<GenerationResult> waiting = scheduler.submit(
                    null,
                    new int[] {Qwen3.IM_START, 872},
                    greedy(4),
                    TokenListener.NONE,
                    () -> expired.get() ? GenerationResult.FinishReason.DEADLINE : null);
            expired.set(true);
            for (CompletableFuture<GenerationResult> job : List.of(prefilling, waiting)) {
                GenerationResult r = job.get(60, TimeUnit.SECONDS);
                assertEquals(GenerationResult.FinishReason.DEADLINE, r.finishReason());
                assertEquals(0, r.ids().length);
            }
            assertEquals(0, scheduler.active(), "their slots and caches are free");
        }
    }

    @Test
    void aRefusedPromptFailsOnlyItsOwnJob() throws Exception {
        try (BatchScheduler scheduler = new BatchScheduler(engine, 4, 0, KvPrecision.F32)) {
            CompletableFuture<GenerationResult> bad =
                    scheduler.submit(null, new int[0], greedy(4), TokenListener.NONE, () -> null);
            CompletableFuture<GenerationResult> good =
                    scheduler.submit(null, new int[] {Qwen3.IM_START, 872}, greedy(4), TokenListener.NONE, () -> null);
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
            assertTrue(
                    e.getCause().getMessage().contains("no tokens"),
                    e.getCause().getMessage());
            assertEquals(4, good.get(30, TimeUnit.SECONDS).ids().length);
        }
    }

    @Test
    void anInterruptEndsItsSequenceWithItsReason() throws Exception {
        AtomicInteger tokens = new AtomicInteger();
        try (BatchScheduler scheduler = new BatchScheduler(engine, 2, 0, KvPrecision.F32)) {
            GenerationResult r = scheduler
                    .submit(
                            null,
                            new int[] {Qwen3.IM_START, 872},
                            greedy(1000),
                            (id, text, phase) -> tokens.incrementAndGet(),
                            () -> tokens.get() >= 5 ? GenerationResult.FinishReason.CANCELLED : null)
                    .get(30, TimeUnit.SECONDS);
            assertEquals(GenerationResult.FinishReason.CANCELLED, r.finishReason());
            assertEquals(5, r.ids().length);
        }
    }

    @ParameterizedTest
    @EnumSource(KvPrecision.class)
    void aConversationsNextTurnReusesItsPrefixAndGeneratesWhatAFreshPrefillDoes(KvPrecision precision)
            throws Exception {
        int[] turn1 = Fixtures.ints(Fixtures.field(
                Fixtures.reference()
                        .path("models")
                        .path("tiny-qwen3-moe")
                        .get("sequences")
                        .get(0),
                "ids"));
        try (BatchScheduler scheduler = new BatchScheduler(engine, 2, 64L << 20, precision)) {
            int[] answer = scheduler
                    .submit("conv", turn1, greedy(8), TokenListener.NONE, () -> null)
                    .get(30, TimeUnit.SECONDS)
                    .ids();
            assertEquals(
                    new Scheduler.PrefixCacheStats(
                            0, 1, 0, 0, scheduler.prefixCacheStats().bytesHeld(), 1),
                    scheduler.prefixCacheStats());

            // Turn 2: turn 1's prompt and answer, then a new user message.
            int[] turn2 = concat(
                    turn1,
                    answer,
                    engine.tokenizer()
                            .encode("<|im_end|>\n<|im_start|>user\nAnd then?<|im_end|>\n<|im_start|>assistant\n"));
            GenerationResult reused = scheduler
                    .submit("conv", turn2, greedy(8), TokenListener.NONE, () -> null)
                    .get(30, TimeUnit.SECONDS);
            // The answer's last token was chosen, never fed: the cache holds the prompt and the answer but that one.
            int cachedTokens = turn1.length + answer.length - 1;
            assertEquals(1, scheduler.prefixCacheStats().hits());
            assertEquals(cachedTokens, scheduler.prefixCacheStats().reusedTokens());

            GenerationResult fresh = scheduler
                    .submit(null, turn2, greedy(8), TokenListener.NONE, () -> null)
                    .get(30, TimeUnit.SECONDS);
            GenerationResult otherConversation = scheduler
                    .submit("other", turn2, greedy(8), TokenListener.NONE, () -> null)
                    .get(30, TimeUnit.SECONDS);
            assertArrayEquals(fresh.ids(), reused.ids());
            assertArrayEquals(fresh.ids(), otherConversation.ids());
            assertEquals(fresh.usage(), reused.usage());
            Scheduler.PrefixCacheStats stats = scheduler.prefixCacheStats();
            assertEquals(
                    List.of(1L, 2L, (long) cachedTokens),
                    List.of(stats.hits(), stats.misses(), stats.reusedTokens()),
                    "no key counts nothing; another conversation misses");

            // The same turn again (a retry): all of it is cached, all but its last token is reused.
            GenerationResult retried = scheduler
                    .submit("conv", turn2, greedy(8), TokenListener.NONE, () -> null)
                    .get(30, TimeUnit.SECONDS);
            assertArrayEquals(fresh.ids(), retried.ids());
            assertEquals(
                    cachedTokens + turn2.length - 1,
                    scheduler.prefixCacheStats().reusedTokens());
        }
    }

    @Test
    void aFailedSequenceLeavesNothingInTheCache() throws Exception {
        try (BatchScheduler scheduler = new BatchScheduler(engine, 2, 64L << 20, KvPrecision.F32)) {
            CompletableFuture<GenerationResult> failed =
                    scheduler.submit("conv", new int[] {Qwen3.IM_START, 872}, greedy(8), TokenListener.NONE, () -> {
                        throw new IllegalStateException("the listener's owner went away");
                    });
            assertThrows(ExecutionException.class, () -> failed.get(30, TimeUnit.SECONDS));
            assertEquals(0, scheduler.prefixCacheStats().conversations());
        }
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }
}
