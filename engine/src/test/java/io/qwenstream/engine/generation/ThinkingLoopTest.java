package io.qwenstream.engine.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.engine.ChatFormat;
import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.GenerationResult;
import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.LoopDetection;
import io.qwenstream.engine.Qwen3;
import io.qwenstream.engine.SamplingParams;
import io.qwenstream.engine.TokenListener;
import io.qwenstream.engine.load.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A thinking that loops is ended with Qwen's closing sentence, as the budget ends it. The fixture model's
 * random weights do not loop by themselves (greedy included), so the repeat is forced: the test writes the
 * logits a looping model would give, one token at a time, and {@link Sequence} applies its rules to them.
 * The ceiling (a thinking that never closes) is the fixture model's own behaviour, run for real.
 */
class ThinkingLoopTest {

    private static LoadedModel model;
    private static ChatFormat chat;
    private static int[] closing;

    @BeforeAll
    static void load() {
        model = LoadedModel.load(Fixtures.model("tiny-qwen3-moe"), Fixtures.tokenizerDir());
        chat = ChatFormat.load(Fixtures.tokenizerDir());
        closing = model.tokenizer().encode(Qwen3.BUDGET_CLOSING);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int[] prompt(boolean thinking) {
        return chat.render(List.of(Map.of("role", "user", "content", "Count to three.")), null, thinking)
                .ids();
    }

    private static GenerationOptions thinking(int maxTokens, Integer budget, LoopDetection detection) {
        return new GenerationOptions(
                maxTokens, SamplingParams.greedyDecoding(), false, List.of(), true, budget, null, detection);
    }

    /**
     * Runs a sequence on the logits a looping model would give: all the weight on one token of a
     * three-token block, after the opener, until the thinking is closed; then on the end of the message.
     * Greedy decoding takes that token, and the sequence applies its rules to it.
     */
    private static GenerationResult looping(GenerationOptions options) {
        int[] block = {1_000, 2_000, 3_000};
        List<Integer> seen = new ArrayList<>();
        Sequence sequence = new Sequence(
                model.model(),
                model.tokenizer(),
                prompt(true),
                options,
                KvPrecision.F32,
                (id, text, phase) -> seen.add(id),
                () -> null);
        float[] logits = sequence.state.logits();
        while (true) {
            Arrays.fill(logits, -100f);
            logits[seen.contains(Qwen3.THINK_END) ? Qwen3.IM_END : block[seen.size() % block.length]] = 100f;
            if (sequence.next() < 0) return sequence.result();
            sequence.takePosition();
        }
    }

    /** The closing sentence's tokens up to {@code </think>}: the thinking's part of it. */
    private static int closingThinkingTokens() {
        for (int i = 0; i < closing.length; i++) if (closing[i] == Qwen3.THINK_END) return i + 1;
        throw new AssertionError("the closing sentence has no </think>");
    }

    private static String thinkingText(GenerationResult r) {
        return r.text().substring(0, r.text().indexOf("</think>") + "</think>".length());
    }

    @Test
    void aRepeatingThinkingIsEndedWithTheBudgetsClosingSentence() {
        GenerationResult r = looping(thinking(2_000, null, LoopDetection.DEFAULT));
        // The opener <think>\n (2 tokens), then the block from ids[2]: ids[257] ends 256 tokens of period 3
        // (the default span) counting the block's first copy, so the closing sentence starts at 258.
        int[] ids = r.ids();
        int loopEnd = 258;
        assertEquals(3_000, ids[2]);
        assertEquals(
                Arrays.toString(closing), Arrays.toString(Arrays.copyOfRange(ids, loopEnd, loopEnd + closing.length)));
        assertEquals(Qwen3.IM_END, ids[ids.length - 1]);
        assertEquals(loopEnd + closing.length + 1, ids.length);
        assertTrue(r.text().endsWith(Qwen3.BUDGET_CLOSING), r.text());
        assertTrue(r.usage().thinkingLoopEnded());
        assertFalse(r.usage().thinkingBudgetReached());
        assertEquals(loopEnd + closingThinkingTokens(), r.usage().thinkingTokens());
        assertEquals(GenerationResult.FinishReason.STOP, r.finishReason());
    }

    @Test
    void withDetectionOffTheSameLoopRunsToMaxTokens() {
        GenerationResult r = looping(thinking(600, null, LoopDetection.OFF));
        assertEquals(GenerationResult.FinishReason.LENGTH, r.finishReason());
        assertFalse(r.text().contains("</think>"), r.text());
        assertFalse(r.usage().thinkingLoopEnded());
        assertEquals(600, r.usage().thinkingTokens());
    }

    @Test
    void aLoopUnderABudgetIsEndedAsALoopBeforeTheBudgetIs() {
        GenerationResult r = looping(thinking(2_000, 1_000, LoopDetection.DEFAULT));
        assertTrue(r.usage().thinkingLoopEnded());
        assertFalse(r.usage().thinkingBudgetReached());
        assertTrue(thinkingText(r).endsWith(Qwen3.BUDGET_CLOSING.strip()), r.text());
    }

    @Test
    void theBudgetComingFirstIsTheBudgetNotALoop() {
        GenerationResult r = looping(thinking(2_000, 100, LoopDetection.DEFAULT));
        assertTrue(r.usage().thinkingBudgetReached());
        assertFalse(r.usage().thinkingLoopEnded());
    }

    @Test
    void aThinkingThatNeverClosesIsEndedAtItsShareOfMaxTokens() {
        // The fixture model, sampled: its random weights never write </think>. Half of 60 tokens may think.
        LoopDetection halfForThinking = new LoopDetection(true, 512, 4, 256, 0.5);
        GenerationOptions options = new GenerationOptions(
                60, SamplingParams.defaults(true, 7), true, List.of(), true, null, null, halfForThinking);
        GenerationResult r = new Generator(model, KvPrecision.F32).generate(prompt(true), options, TokenListener.NONE);
        assertTrue(r.usage().thinkingLoopEnded(), r.toString());
        assertEquals(30 + closingThinkingTokens(), r.usage().thinkingTokens(), r.text());
        assertTrue(thinkingText(r).endsWith(Qwen3.BUDGET_CLOSING.strip()), r.text());
        assertEquals(60 - r.usage().thinkingTokens(), r.usage().answerTokens());
    }
}
