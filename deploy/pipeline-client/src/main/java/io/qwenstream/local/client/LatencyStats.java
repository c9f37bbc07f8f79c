package io.qwenstream.local.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What {@code bench-pipeline} measures per request, and the percentiles it reports.
 *
 * <p>Percentiles are nearest-rank: the p-th percentile of n sorted values is the value at rank
 * ⌈p/100 · n⌉ (1-based), always one of the measured values, never an interpolation. With 200
 * values p99 is the 198th smallest, so it rests on the three slowest requests.
 */
public final class LatencyStats {

    private LatencyStats() {}

    /**
     * One request as the client saw it, on one {@link System#nanoTime()} clock.
     *
     * @param sentNanos  when the request was handed over (produced to Kafka, or submitted to the engine)
     * @param pieceNanos when each streamed piece arrived (ResponseDeltas, or the engine's tokens), in order
     * @param tokens     tokens generated (thinking + answer, from the final usage); may exceed the pieces
     * @param doneNanos  when the request was finished for the client (final response, or the engine's result)
     */
    public record Sample(long sentNanos, long[] pieceNanos, int tokens, long doneNanos) {

        /** Time to the first streamed piece, ms; NaN when nothing streamed. */
        double ttftMs() {
            return pieceNanos.length == 0 ? Double.NaN : millis(pieceNanos[0] - sentNanos);
        }

        /** (last piece − first piece) / (tokens − 1), ms; NaN with fewer than two tokens or no piece. */
        double perTokenMs() {
            if (pieceNanos.length == 0 || tokens < 2) return Double.NaN;
            return millis(pieceNanos[pieceNanos.length - 1] - pieceNanos[0]) / (tokens - 1);
        }

        /** The gaps between consecutive pieces, ms. */
        double[] gapsMs() {
            double[] gaps = new double[Math.max(0, pieceNanos.length - 1)];
            for (int i = 0; i < gaps.length; i++) gaps[i] = millis(pieceNanos[i + 1] - pieceNanos[i]);
            return gaps;
        }

        /** From sending to done, ms. */
        double totalMs() {
            return millis(doneNanos - sentNanos);
        }
    }

    /** Count, mean and the reported percentiles of a set of measures (ms); all NaN when empty. */
    public record Summary(int count, double mean, double min, double p50, double p90, double p99, double max) {}

    /** Summarises the finite values (NaN marks "not measured" and is left out). */
    public static Summary summarize(double[] values) {
        double[] sorted =
                Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (sorted.length == 0)
            return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        return new Summary(
                sorted.length,
                Arrays.stream(sorted).average().orElseThrow(),
                sorted[0],
                percentile(sorted, 50),
                percentile(sorted, 90),
                percentile(sorted, 99),
                sorted[sorted.length - 1]);
    }

    /** Nearest-rank percentile of ascending {@code sorted} (non-empty), {@code p} in (0, 100]. */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) throw new IllegalArgumentException("no values");
        if (!(p > 0 && p <= 100)) throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(1, rank) - 1];
    }

    /** The four summaries the report shows for a set of requests. */
    public record Measures(
            Summary ttft, Summary perToken, Summary gaps, Summary total, Summary tokens, Summary pieces) {

        public static Measures of(List<Sample> samples) {
            List<Double> gaps = new ArrayList<>();
            for (Sample s : samples) for (double gap : s.gapsMs()) gaps.add(gap);
            return new Measures(
                    summarize(samples.stream().mapToDouble(Sample::ttftMs).toArray()),
                    summarize(samples.stream().mapToDouble(Sample::perTokenMs).toArray()),
                    summarize(gaps.stream().mapToDouble(Double::doubleValue).toArray()),
                    summarize(samples.stream().mapToDouble(Sample::totalMs).toArray()),
                    summarize(samples.stream().mapToDouble(Sample::tokens).toArray()),
                    summarize(samples.stream()
                            .mapToDouble(s -> s.pieceNanos().length)
                            .toArray()));
        }
    }

    /**
     * Requests and generated tokens per second over the wall time of the rounds: each round from its
     * first request sent to its last one done (the time between rounds, spent on the other side of
     * the comparison, is not counted).
     */
    public record Throughput(double seconds, double requestsPerSecond, double tokensPerSecond) {

        public static Throughput of(List<List<Sample>> rounds) {
            long nanos = 0;
            long requests = 0;
            long tokens = 0;
            for (List<Sample> round : rounds) {
                if (round.isEmpty()) continue;
                long start = round.stream().mapToLong(Sample::sentNanos).min().orElseThrow();
                long end = round.stream().mapToLong(Sample::doneNanos).max().orElseThrow();
                nanos += end - start;
                requests += round.size();
                tokens += round.stream().mapToLong(Sample::tokens).sum();
            }
            if (requests == 0) return new Throughput(Double.NaN, Double.NaN, Double.NaN);
            double seconds = nanos / 1e9;
            return new Throughput(seconds, requests / seconds, tokens / seconds);
        }
    }

    public static double millis(long nanos) {
        return nanos / 1e6;
    }
}
