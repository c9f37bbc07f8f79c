package io.qwenstream.engine.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qwenstream.engine.LoopDetection;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The repeat sign of {@link LoopDetection}, fed token sequences. */
class RepetitionDetectorTest {

    /** The index (0-based) of the first token after which the detector reports a loop, or -1. */
    private static int firstLoopAt(LoopDetection settings, int[] tokens) {
        RepetitionDetector detector = new RepetitionDetector(settings);
        for (int i = 0; i < tokens.length; i++) if (detector.accept(tokens[i])) return i;
        return -1;
    }

    /** {@code prefix} distinct tokens, then {@code block} repeated until {@code length} tokens. */
    private static int[] loopAfter(int prefix, int[] block, int length) {
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++) tokens[i] = i < prefix ? 100_000 + i : block[(i - prefix) % block.length];
        return tokens;
    }

    private static int[] distinct(int length, int from) {
        int[] block = new int[length];
        for (int i = 0; i < length; i++) block[i] = from + i;
        return block;
    }

    @Test
    void oneTokenRepeatedTripsOnceTheSpanIsLongEnough() {
        int[] tokens = loopAfter(10, new int[] {7}, 400);
        // 256 sevens in a row: the default span.
        assertEquals(10 + 256 - 1, firstLoopAt(LoopDetection.DEFAULT, tokens));
    }

    @Test
    void aLongBlockTripsAtItsFourthCopy() {
        int[] block = distinct(100, 5_000);
        int[] tokens = loopAfter(37, block, 37 + 500);
        assertEquals(37 + 4 * 100 - 1, firstLoopAt(LoopDetection.DEFAULT, tokens));
    }

    @Test
    void theLongestPeriodIsSeenAndOneLongerIsNot() {
        assertEquals(4 * 512 - 1, firstLoopAt(LoopDetection.DEFAULT, loopAfter(0, distinct(512, 1), 4 * 512 + 10)));
        assertEquals(-1, firstLoopAt(LoopDetection.DEFAULT, loopAfter(0, distinct(513, 1), 5 * 513)));
    }

    @Test
    void threeCopiesOfAParagraphAreNotALoop() {
        int[] tokens = loopAfter(50, distinct(120, 9_000), 50 + 3 * 120);
        assertEquals(-1, firstLoopAt(LoopDetection.DEFAULT, tokens));
    }

    @Test
    void aBrokenRepeatStartsCountingAgain() {
        int[] block = {1, 2, 3, 4};
        int[] tokens = loopAfter(0, block, 600);
        tokens[200] = 99; // 200 tokens of the block (a loop not yet long enough), then one off
        // t[204] differs from t[200]: the periodic run starts again at 201, and trips 256 tokens later.
        assertEquals(200 + 256, firstLoopAt(LoopDetection.DEFAULT, tokens));
    }

    @Test
    void randomTextAndShortRepeatsOfNormalWritingNeverTrip() {
        SplittableRandom random = new SplittableRandom(11);
        int[] text = new int[20_000];
        for (int i = 0; i < text.length; i++) {
            // a small vocabulary makes accidental short repeats common: "the the", "1, 1, 1"
            text[i] = random.nextInt(8) == 0 ? text[Math.max(0, i - 1 - random.nextInt(3))] : random.nextInt(200);
        }
        assertEquals(-1, firstLoopAt(LoopDetection.DEFAULT, text));
        int[] sixtyThrees = loopAfter(5, new int[] {63}, 5 + 255); // 255 in a row: one short of the span
        assertEquals(-1, firstLoopAt(LoopDetection.DEFAULT, sixtyThrees));
    }

    @Test
    void smallerSettingsTripSooner() {
        LoopDetection tight = new LoopDetection(true, 16, 3, 12, 0.9);
        assertEquals(5 + 12 - 1, firstLoopAt(tight, loopAfter(5, new int[] {1, 2}, 100)));
        assertEquals(5 + 3 * 10 - 1, firstLoopAt(tight, loopAfter(5, distinct(10, 50), 100)));
        assertFalse(firstLoopAt(tight, loopAfter(0, distinct(17, 50), 200)) >= 0, "17 > maxPeriod");
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LoopDetection(true, 0, 4, 256, 0.9));
        assertThrows(IllegalArgumentException.class, () -> new LoopDetection(true, 512, 1, 256, 0.9));
        assertThrows(IllegalArgumentException.class, () -> new LoopDetection(true, 512, 4, 0, 0.9));
        assertThrows(IllegalArgumentException.class, () -> new LoopDetection(true, 512, 4, 256, 0));
        assertThrows(IllegalArgumentException.class, () -> new LoopDetection(true, 512, 4, 256, 1.5));
    }

    @Test
    void theCeilingLeavesRoomForTheClosingSentenceOrIsNone() {
        assertEquals(900, Sequence.ceiling(1000, 25, 0.9));
        assertEquals(Integer.MAX_VALUE, Sequence.ceiling(100, 25, 0.9), "10 tokens left: the closing does not fit");
        assertEquals(Integer.MAX_VALUE, Sequence.ceiling(1000, 25, 1.0));
    }
}
