package io.qwenstream.engine.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.Scheduler;
import io.qwenstream.engine.load.LoadedModel;
import io.qwenstream.engine.model.KVCache;
import io.qwenstream.engine.model.ModelConfig;
import io.qwenstream.engine.model.Qwen3Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PrefixCacheTest {

    private static LoadedModel engine;
    private static Qwen3Model model;
    private static ModelConfig config;

    @BeforeAll
    static void load() {
        engine = LoadedModel.load(Fixtures.model("tiny-qwen3-moe"), Fixtures.tokenizerDir());
        model = engine.model();
        config = model.config();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** What an entry of {@code capacity} positions pins, from the model's shape: float32 keys and values, and the logits. */
    private static long entryBytes(int capacity) {
        return 2L * config.layerCount() * config.kvDim() * Float.BYTES * capacity
                + (long) config.vocabSize() * Float.BYTES;
    }

    @Test
    void aLookupFindsTheLongestCommonPrefix() {
        PrefixCache cache = new PrefixCache(config, 1L << 30);
        Qwen3Model.State state = model.newState(8, KvPrecision.F32);
        cache.store("c", new int[] {1, 2, 3, 4, 5}, state);

        PrefixCache.Hit hit = cache.lookup("c", new int[] {1, 2, 3, 9, 9, 9});
        assertNotNull(hit);
        assertSame(state, hit.state());
        assertEquals(3, hit.length());
        assertEquals(
                5,
                cache.lookup("c", new int[] {1, 2, 3, 4, 5, 6, 7}).length(),
                "the whole cached run, then new tokens");
        assertEquals(new Scheduler.PrefixCacheStats(2, 0, 8, 0, entryBytes(8), 1), cache.stats());
    }

    @Test
    void atLeastTheLastPromptTokenIsLeftToPrefill() {
        PrefixCache cache = new PrefixCache(config, 1L << 30);
        cache.store("c", new int[] {1, 2, 3, 4, 5}, model.newState(8, KvPrecision.F32));
        assertEquals(3, cache.lookup("c", new int[] {1, 2, 3, 4}).length(), "a prompt the cache holds whole");
        assertEquals(4, cache.lookup("c", new int[] {1, 2, 3, 4, 5}).length(), "the very same prompt");
        assertNull(cache.lookup("c", new int[] {1}), "a one-token prompt reuses nothing");
        assertEquals(new Scheduler.PrefixCacheStats(2, 1, 7, 0, entryBytes(8), 1), cache.stats());
    }

    @Test
    void noCommonTokenOrAnUnknownKeyIsAMissAndNoKeyIsNotCounted() {
        PrefixCache cache = new PrefixCache(config, 1L << 30);
        cache.store("c", new int[] {1, 2, 3}, model.newState(4, KvPrecision.F32));
        assertNull(cache.lookup("c", new int[] {7, 2, 3}));
        assertNull(cache.lookup("other", new int[] {1, 2, 3}));
        assertNull(cache.lookup(null, new int[] {1, 2, 3}));
        assertEquals(new Scheduler.PrefixCacheStats(0, 2, 0, 0, entryBytes(4), 1), cache.stats());
    }

    @Test
    void aNewTurnReplacesItsConversationsEntry() {
        PrefixCache cache = new PrefixCache(config, 1L << 30);
        cache.store("c", new int[] {1, 2}, model.newState(4, KvPrecision.F32));
        Qwen3Model.State next = model.newState(16, KvPrecision.F32);
        cache.store("c", new int[] {1, 2, 3, 4}, next);
        assertSame(next, cache.lookup("c", new int[] {1, 2, 3, 4, 5}).state());
        assertEquals(new Scheduler.PrefixCacheStats(1, 0, 4, 0, entryBytes(16), 1), cache.stats());
    }

    @Test
    void theLeastRecentlyUsedConversationsGoWhenTheBudgetIsFull() {
        long budget = 2 * entryBytes(8); // room for two entries of 8 positions
        PrefixCache cache = new PrefixCache(config, budget);
        cache.store("a", new int[] {1, 2}, model.newState(8, KvPrecision.F32));
        cache.store("b", new int[] {1, 2}, model.newState(8, KvPrecision.F32));
        assertNotNull(cache.lookup("a", new int[] {1, 2, 3})); // a is now more recent than b
        cache.store("c", new int[] {1, 2}, model.newState(8, KvPrecision.F32));
        assertNull(cache.lookup("b", new int[] {1, 2, 3}), "b was the least recently used");
        assertNotNull(cache.lookup("a", new int[] {1, 2, 3}));
        assertNotNull(cache.lookup("c", new int[] {1, 2, 3}));
        assertEquals(new Scheduler.PrefixCacheStats(3, 1, 6, 1, 2 * entryBytes(8), 2), cache.stats());

        cache.store("d", new int[] {1, 2}, model.newState(16, KvPrecision.F32)); // as large as the two others together
        assertEquals(new Scheduler.PrefixCacheStats(3, 1, 6, 3, entryBytes(16), 1), cache.stats());
        int tooMany = (int) (budget / (2L * config.layerCount() * config.kvDim() * Float.BYTES)) + 1;
        cache.store(
                "e",
                new int[] {1, 2},
                model.newState(tooMany, KvPrecision.F32)); // larger than the whole budget: not kept
        assertEquals(new Scheduler.PrefixCacheStats(3, 1, 6, 3, entryBytes(16), 1), cache.stats());
    }

    @Test
    void aZeroBudgetKeepsAndCountsNothing() {
        PrefixCache cache = new PrefixCache(config, 0);
        cache.store("c", new int[] {1, 2, 3}, model.newState(4, KvPrecision.F32));
        assertNull(cache.lookup("c", new int[] {1, 2, 3, 4}));
        assertEquals(new Scheduler.PrefixCacheStats(0, 0, 0, 0, 0, 0), cache.stats());
    }

    @Test
    void anF16EntryCostsHalfTheKeysAndValues() {
        PrefixCache cache = new PrefixCache(config, 1L << 30);
        cache.store("c", new int[] {1, 2, 3}, model.newState(8, KvPrecision.F16));
        long halfKeysAndValues = 2L * config.layerCount() * config.kvDim() * 2 * 8; // 2 bytes an element
        assertEquals(
                entryBytes(8) - halfKeysAndValues,
                cache.stats().bytesHeld(),
                "half the float32 keys and values, the same logits");
    }

    @Test
    void aPrefixIsNotCopiedBetweenPrecisions() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> KVCache.copyPrefix(model.newState(4, KvPrecision.F16), model.newState(4, KvPrecision.F32), 2));
        assertTrue(e.getMessage().contains("F16") && e.getMessage().contains("F32"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(KvPrecision.class)
    void aCopiedPrefixThenTheRestOfThePromptGivesTheLogitsOfAFreshPrefill(KvPrecision precision) {
        var sequence = Fixtures.reference()
                .path("models")
                .path("tiny-qwen3-moe")
                .get("sequences")
                .get(1);
        int[] prompt = Fixtures.ints(Fixtures.field(sequence, "ids"));
        int[] answer = Fixtures.ints(Fixtures.field(sequence, "greedy_ids"));
        int[] next = new int[prompt.length + answer.length + 70]; // past one prefill chunk after the prefix
        System.arraycopy(prompt, 0, next, 0, prompt.length);
        System.arraycopy(answer, 0, next, prompt.length, answer.length);
        for (int i = prompt.length + answer.length; i < next.length; i++) next[i] = prompt[i % prompt.length];

        // The earlier turn as the scheduler runs it: the prompt prefilled, then the answer fed token by token.
        Qwen3Model.State earlier = model.newState(prompt.length + answer.length, precision);
        model.prefill(earlier, prompt);
        for (int i = 0; i < answer.length; i++) model.forward(earlier, answer[i], prompt.length + i, false);

        int reused = prompt.length + answer.length;
        Qwen3Model.State continued = model.newState(next.length, precision);
        KVCache.copyPrefix(earlier, continued, reused);
        Qwen3Model.Batch batch = model.newBatch(Qwen3Model.PREFILL_CHUNK);
        for (int from = reused; from < next.length; ) from = model.prefillChunk(batch, continued, next, from);

        Qwen3Model.State fresh = model.newState(next.length, precision);
        model.prefill(fresh, next);
        float worst = 0;
        for (int i = 0; i < fresh.logits().length; i++)
            worst = Math.max(worst, Math.abs(fresh.logits()[i] - continued.logits()[i]));
        assertTrue(worst <= 1e-4f, precision + ": largest logit difference " + worst);
    }
}
