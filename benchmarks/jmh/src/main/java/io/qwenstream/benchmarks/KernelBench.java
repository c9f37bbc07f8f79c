package io.qwenstream.benchmarks;

import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.kernels.Matrix;
import io.qwenstream.engine.kernels.Parallel;
import io.qwenstream.engine.kernels.Quants;
import io.qwenstream.engine.kernels.VectorInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * Rough matvec / matmul throughput per weight type in seconds, where {@link MatrixBenchmark} takes minutes under
 * JMH: GB/s and weights/s of every type in one table. Run, after {@code ./mvnw -pl benchmarks/jmh -am package
 * -DskipTests}: {@code java --add-modules jdk.incubator.vector -cp benchmarks/jmh/target/benchmarks.jar
 * io.qwenstream.benchmarks.KernelBench [rows] [cols] [threads] [batch] [type]}
 */
public final class KernelBench {

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        if (args.length > 2) Parallel.setThreads(Integer.parseInt(args[2]));
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        System.out.println(VectorInfo.describe() + ", threads " + Parallel.threads() + ", " + rows + " x " + cols
                + ", batch " + batch);
        Random random = new Random(1);
        float[][] xs = new float[batch][];
        float[][] outs = new float[batch][rows];
        for (int b = 0; b < batch; b++) xs[b] = randomVector(cols, random);
        for (GGMLType type : GGMLType.values()) {
            if (args.length > 4 && !type.name().equals(args[4])) continue;
            MemorySegment w = Arena.ofAuto().allocate(type.bytesFor((long) rows * cols), 64);
            float[] row = randomVector(cols, random);
            for (int r = 0; r < rows; r++) Quants.quantize(type, row, 0, cols, w, r * type.bytesFor(cols));
            Matrix m = new Matrix("bench", type, rows, cols, w);
            double matvec = seconds(() -> m.matvec(xs[0], outs[0]), 0.5);
            double matmul = seconds(() -> m.matmul(xs, outs, batch), 0.5);
            System.out.printf(
                    "%-5s matvec %7.3f ms  %6.1f GB/s  %6.2f Gweights/s | matmul x%d %8.3f ms  %6.2f Gweights/s%n",
                    type,
                    matvec * 1e3,
                    w.byteSize() / matvec / 1e9,
                    (double) rows * cols / matvec / 1e9,
                    batch,
                    matmul * 1e3,
                    (double) rows * cols * batch / matmul / 1e9);
        }
    }

    private static float[] randomVector(int n, Random random) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) random.nextGaussian();
        return x;
    }

    /**
     * With one thread, the calling thread's CPU time: a loaded machine then still gives usable
     * numbers. With several, wall time.
     */
    private static long clock() {
        return Parallel.threads() == 1
                ? ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime()
                : System.nanoTime();
    }

    /** Best of three timing windows (the machine may be shared): seconds per run. */
    private static double seconds(Runnable work, double budget) {
        for (int i = 0; i < 20; i++) work.run();
        double best = Double.MAX_VALUE;
        for (int window = 0; window < 3; window++) {
            long start = clock(), wall = System.nanoTime();
            int runs = 0;
            while (System.nanoTime() - wall < budget / 3 * 1e9) {
                work.run();
                runs++;
            }
            best = Math.min(best, (clock() - start) / 1e9 / runs);
        }
        return best;
    }
}
