package io.qwenstream.benchmarks;

import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.kernels.Matrix;
import io.qwenstream.engine.kernels.Parallel;
import io.qwenstream.engine.kernels.Quants;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One weight matrix of each type times one vector (matvec) and times a batch (matmul). Every
 * parameter combination runs in its own JVM, so {@code threads} sizes a fresh worker pool.
 * Weights per second = rows * cols * batch / (time per operation). Example, Q4_K only, one thread:
 * {@code java -jar benchmarks/jmh/target/benchmarks.jar MatrixBenchmark -p type=Q4_K -p threads=1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatrixBenchmark {

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"4096"})
    public int rows;

    @Param({"4096"})
    public int cols;

    @Param({"4", "8", "16"})
    public int batch;

    @Param({"1"})
    public int threads;

    private Arena arena;
    private Matrix matrix;
    private float[][] xs;
    private float[][] outs;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        GGMLType t = GGMLType.valueOf(type);
        Random random = new Random(1);
        arena = Arena.ofShared();
        MemorySegment w = arena.allocate(t.bytesFor((long) rows * cols), 64);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) row[j] = (float) random.nextGaussian();
            Quants.quantize(t, row, 0, cols, w, r * t.bytesFor(cols));
        }
        matrix = new Matrix("bench." + type, t, rows, cols, w);
        xs = new float[batch][cols];
        outs = new float[batch][rows];
        for (float[] x : xs) for (int j = 0; j < cols; j++) x[j] = (float) random.nextGaussian();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void matvec(Blackhole sink) {
        matrix.matvec(xs[0], outs[0]);
        sink.consume(outs[0]);
    }

    @Benchmark
    public void matmul(Blackhole sink) {
        matrix.matmul(xs, outs, batch);
        sink.consume(outs);
    }
}
