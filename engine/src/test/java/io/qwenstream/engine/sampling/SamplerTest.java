package io.qwenstream.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.engine.SamplingParams;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static float[] logits() {
        float[] l = new float[100];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.sin(i * 1.7) * 3;
        return l;
    }

    private static int argMax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
        return best;
    }

    @Test
    void greedyTakesTheArgMax() {
        float[] l = logits();
        assertEquals(argMax(l), new Sampler(SamplingParams.greedyDecoding(), 100).sample(l.clone()));
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        int[] a = run(new SamplingParams(1f, 1f, 0, 0f, 0f, 42, false));
        int[] b = run(new SamplingParams(1f, 1f, 0, 0f, 0f, 42, false));
        int[] c = run(new SamplingParams(1f, 1f, 0, 0f, 0f, 43, false));
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    private static int[] run(SamplingParams p) {
        Sampler s = new Sampler(p, 100);
        int[] out = new int[50];
        for (int i = 0; i < out.length; i++) out[i] = s.sample(logits());
        return out;
    }

    @Test
    void topKKeepsOnlyTheKBest() {
        float[] l = logits();
        Set<Integer> best3 = new HashSet<>();
        float[] copy = l.clone();
        for (int i = 0; i < 3; i++) {
            int m = argMax(copy);
            best3.add(m);
            copy[m] = Float.NEGATIVE_INFINITY;
        }
        Sampler s = new Sampler(new SamplingParams(5f, 1f, 3, 0f, 0f, 1, false), 100);
        for (int i = 0; i < 500; i++) assertTrue(best3.contains(s.sample(l.clone())));
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        float[] l = new float[10];
        l[0] = 10;
        l[1] = 9.5f; // ~0.62 and ~0.38 of the mass, the rest negligible
        for (int i = 2; i < 10; i++) l[i] = -20;
        Sampler s = new Sampler(new SamplingParams(1f, 0.5f, 0, 0f, 0f, 7, false), 10);
        for (int i = 0; i < 200; i++) assertEquals(0, s.sample(l.clone()));
    }

    @Test
    void minPDropsTokensFarBelowTheBest() {
        float[] l = new float[4];
        l[0] = 2;
        l[1] = 2;
        l[2] = -5;
        l[3] = -5;
        Sampler s = new Sampler(new SamplingParams(1f, 1f, 0, 0.1f, 0f, 3, false), 4);
        for (int i = 0; i < 300; i++) assertTrue(s.sample(l.clone()) <= 1);
    }

    @Test
    void presencePenaltySteersAwayFromSeenTokens() {
        float[] l = new float[3];
        l[0] = 1.0f;
        l[1] = 0.5f;
        l[2] = 0f;
        Sampler s = new Sampler(new SamplingParams(0f, 1f, 0, 0f, 1.0f, 0, true), 3);
        assertEquals(0, s.sample(l.clone()));
        s.accept(0);
        assertEquals(1, s.sample(l.clone()), "token 0 pays the penalty once seen");
    }

    @Test
    void outOfRangeParametersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-1f, 1f, 0, 0f, 0f, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 0f, 0, 0f, 0f, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 1f, 0, 0f, 2.5f, 0, false));
    }
}
