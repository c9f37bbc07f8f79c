package io.qwenstream.benchmarks.engine;

import io.qwenstream.engine.cli.Args;
import io.qwenstream.engine.cli.Json;
import io.qwenstream.engine.cli.UsageException;
import io.qwenstream.engine.kernels.Parallel;
import io.qwenstream.engine.kernels.VectorInfo;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Set;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code bandwidth [--mb M] [--threads T] [--runs R]}: DRAM read bandwidth as decode sees it — a
 * vectorised sum over an off-heap buffer far larger than the caches, split over the worker pool
 * (a plain scalar sum loop is latency-bound and under-reports). The decode bound of a model file is
 * bytes read per token / this figure.
 */
final class BandwidthCommand {

    private static final VectorSpecies<Float> SPECIES = VectorInfo.F_SPECIES;

    private BandwidthCommand() {}

    static void run(String[] argv, PrintStream out, PrintStream err) {
        Args args = new Args(argv, 0, Set.of("mb", "threads", "runs"), Set.of());
        int mb = args.integer("mb", 1024);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
        int runs = args.integer("runs", 9);
        if (mb < 64 || threads < 1 || runs < 1)
            throw new UsageException("--mb must be >= 64, --threads and --runs >= 1");
        Parallel.setThreads(threads);
        try (Arena arena = Arena.ofShared()) {
            long bytes = (long) mb << 20;
            MemorySegment buffer = arena.allocate(bytes, 64);
            for (long i = 0; i < bytes; i += 4096) buffer.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) 1);
            double[] gbps = new double[runs];
            float[] sink = new float[threads * 64];
            long floats = bytes / 4;
            int chunks = threads * 64;
            long perChunk = floats / chunks / SPECIES.length() * SPECIES.length();
            for (int r = -2; r < runs; r++) {
                long t0 = System.nanoTime();
                MemorySegment shared = buffer;
                Parallel.parallelFor(chunks, c -> sink[c] = sum(shared, c * perChunk * 4, perChunk));
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (r >= 0) {
                    gbps[r] = chunks * perChunk * 4 / seconds / 1e9;
                    err.printf("bandwidth: run %d/%d %.1f GB/s%n", r + 1, runs, gbps[r]);
                }
            }
            double[] sorted = gbps.clone();
            Arrays.sort(sorted);
            var json = Json.object();
            json.put("read_gb_s_median", Math.round(sorted[runs / 2] * 10) / 10.0);
            json.put("read_gb_s_max", Math.round(sorted[runs - 1] * 10) / 10.0);
            json.put("buffer_mb", mb);
            json.put("threads", threads);
            json.put("vector", VectorInfo.describe());
            json.put("cpu_flags", BenchCommand.cpuFlags());
            Json.print(out, json);
        }
    }

    /** Four independent accumulators, so the loop is bound by loads, not by the add latency. */
    private static float sum(MemorySegment m, long offset, long count) {
        int step = SPECIES.length();
        FloatVector a = FloatVector.zero(SPECIES), b = a, c = a, d = a;
        long i = 0;
        for (; i + 4L * step <= count; i += 4L * step) {
            long o = offset + i * 4;
            a = a.add(FloatVector.fromMemorySegment(SPECIES, m, o, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(SPECIES, m, o + 4L * step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(SPECIES, m, o + 8L * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(SPECIES, m, o + 12L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
