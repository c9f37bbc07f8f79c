package io.qwenstream.local.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.local.client.LatencyStats.Measures;
import io.qwenstream.local.client.LatencyStats.Sample;
import io.qwenstream.local.client.LatencyStats.Summary;
import io.qwenstream.local.client.LatencyStats.Throughput;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The bench's arithmetic: nearest-rank percentiles and the per-request measures (no clocks involved). */
class LatencyStatsTest {

    private static final long MS = 1_000_000L;

    private static double[] oneTo(int n) {
        return IntStream.rangeClosed(1, n).asDoubleStream().toArray();
    }

    @Test
    void nearestRankPercentilesAreMeasuredValues() {
        double[] hundred = oneTo(100);
        assertEquals(50, LatencyStats.percentile(hundred, 50));
        assertEquals(90, LatencyStats.percentile(hundred, 90));
        assertEquals(99, LatencyStats.percentile(hundred, 99));
        assertEquals(100, LatencyStats.percentile(hundred, 100));
        assertEquals(1, LatencyStats.percentile(hundred, 0.5));
        // 200 values: p99 is the 198th smallest (rank ⌈1.98 · 100⌉), p50 the 100th.
        assertEquals(198, LatencyStats.percentile(oneTo(200), 99));
        assertEquals(100, LatencyStats.percentile(oneTo(200), 50));
        // Small sets: p50 of 1..3 is 2, p99 of 1..3 is the largest; one value is every percentile.
        assertEquals(2, LatencyStats.percentile(oneTo(3), 50));
        assertEquals(3, LatencyStats.percentile(oneTo(3), 99));
        assertEquals(7, LatencyStats.percentile(new double[] {7}, 1));
    }

    @Test
    void percentileRefusesNoValuesAndOutOfRangeP() {
        assertThrows(IllegalArgumentException.class, () -> LatencyStats.percentile(new double[0], 50));
        assertThrows(IllegalArgumentException.class, () -> LatencyStats.percentile(oneTo(3), 0));
        assertThrows(IllegalArgumentException.class, () -> LatencyStats.percentile(oneTo(3), 100.5));
    }

    @Test
    void summarySortsItsInputAndLeavesOutUnmeasuredValues() {
        Summary s = LatencyStats.summarize(new double[] {4, Double.NaN, 1, 3, 2});
        assertEquals(new Summary(4, 2.5, 1, 2, 4, 4, 4), s);
        Summary empty = LatencyStats.summarize(new double[] {Double.NaN});
        assertEquals(0, empty.count());
        assertTrue(Double.isNaN(empty.p50()) && Double.isNaN(empty.mean()));
    }

    @Test
    void sampleMeasuresTtftPerTokenGapsAndTotal() {
        // Sent at 0; pieces at 30, 40, 70 ms; 7 tokens; done at 80 ms.
        Sample s = new Sample(0, new long[] {30 * MS, 40 * MS, 70 * MS}, 7, 80 * MS);
        assertEquals(30, s.ttftMs(), 1e-9);
        assertEquals(40.0 / 6, s.perTokenMs(), 1e-9, "(last − first) / (tokens − 1)");
        assertArrayEquals(new double[] {10, 30}, s.gapsMs(), 1e-9);
        assertEquals(80, s.totalMs(), 1e-9);
    }

    @Test
    void aSampleWithoutPiecesOrWithOneTokenHasNoTtftOrPerToken() {
        Sample silent = new Sample(5 * MS, new long[0], 3, 9 * MS);
        assertTrue(Double.isNaN(silent.ttftMs()));
        assertTrue(Double.isNaN(silent.perTokenMs()));
        assertEquals(0, silent.gapsMs().length);
        Sample oneToken = new Sample(0, new long[] {2 * MS}, 1, 3 * MS);
        assertEquals(2, oneToken.ttftMs(), 1e-9);
        assertTrue(Double.isNaN(oneToken.perTokenMs()));
    }

    @Test
    void measuresPoolTheGapsOfAllRequests() {
        Measures m = Measures.of(List.of(
                new Sample(0, new long[] {10 * MS, 20 * MS}, 2, 30 * MS),
                new Sample(0, new long[] {20 * MS, 25 * MS, 45 * MS}, 3, 50 * MS),
                new Sample(0, new long[0], 0, 5 * MS)));
        assertEquals(2, m.ttft().count(), "the request without pieces has no TTFT");
        assertEquals(3, m.gaps().count());
        assertEquals(10, m.gaps().p50(), 1e-9);
        assertEquals(20, m.gaps().max(), 1e-9);
        assertEquals(3, m.total().count());
        assertEquals(2, m.pieces().p50(), 1e-9);
    }

    @Test
    void throughputCountsEachRoundFromFirstSendToLastDoneAndNotTheTimeBetween() {
        List<Sample> first = List.of(
                new Sample(1_000 * MS, new long[0], 10, 1_500 * MS),
                new Sample(1_200 * MS, new long[0], 30, 3_000 * MS));
        List<Sample> second = List.of(new Sample(60_000 * MS, new long[0], 20, 61_000 * MS));
        Throughput t = Throughput.of(List.of(first, List.of(), second));
        assertEquals(3.0, t.seconds(), 1e-9);
        assertEquals(1.0, t.requestsPerSecond(), 1e-9);
        assertEquals(20.0, t.tokensPerSecond(), 1e-9);
        assertTrue(Double.isNaN(Throughput.of(List.of()).seconds()));
    }
}
