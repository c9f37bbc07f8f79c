package io.qwenstream.benchmarks.engine;

import io.qwenstream.engine.KvPrecision;
import io.qwenstream.engine.cli.Args;
import io.qwenstream.engine.cli.Json;
import io.qwenstream.engine.cli.UsageException;
import io.qwenstream.engine.kernels.Parallel;
import io.qwenstream.engine.kernels.VectorInfo;
import io.qwenstream.engine.load.LoadedModel;
import io.qwenstream.engine.model.KVCache;
import io.qwenstream.engine.model.Qwen3Model;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code bench --model PATH --prompt-tokens P --gen-tokens G [--batch B] [--threads T] [--kv-cache
 * f16|f32]}: prefill and decode speed of the engine on a model file, after a warm-up, with progress on
 * stderr. The KV cache is F16 unless asked, as the serving path runs it. Its options, JSON fields and exit
 * statuses are a contract (docs/design.md).
 */
final class BenchCommand {

    private BenchCommand() {}

    static void run(String[] argv, PrintStream out, PrintStream err) {
        Args args = new Args(
                argv,
                0,
                Set.of("model", "tokenizer", "prompt-tokens", "gen-tokens", "batch", "threads", "kv-cache"),
                Set.of());
        int promptTokens = positive(args, "prompt-tokens", 128);
        int genTokens = positive(args, "gen-tokens", 32);
        int batch = positive(args, "batch", 1);
        int threads = positive(args, "threads", Runtime.getRuntime().availableProcessors());
        KvPrecision kvCache = args.kvCache(KvPrecision.F16);
        Parallel.setThreads(threads);
        err.println("bench: " + VectorInfo.describe() + "; CPU: " + cpuFlags() + "; threads " + threads + "; KV cache "
                + kvCache);
        try (LoadedModel engine = LoadedModel.load(args.path("model"), args.optionalPath("tokenizer"))) {
            Qwen3Model model = engine.model();
            int vocab = model.config().vocabSize();
            if (promptTokens + genTokens > model.config().contextLength()) {
                throw new UsageException("prompt + generated tokens exceed the model's context of "
                        + model.config().contextLength());
            }
            int[] prompt = new int[promptTokens];
            for (int i = 0; i < promptTokens; i++) prompt[i] = (int) ((1000L + 7919L * i) % vocab);

            // The JIT compiles the vector kernels only after they have run a while (before that they
            // run as slow Java objects): repeat short rounds of the measured work for three seconds.
            err.println("bench: warm-up (JIT)");
            long warmUntil = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < warmUntil) round(model, prompt, 8, batch, kvCache, null);
            double[] seconds = round(model, prompt, genTokens, batch, kvCache, err);
            double prefill = promptTokens / seconds[0];
            double decode = genTokens / seconds[1];
            double aggregate = (double) batch * genTokens / seconds[1];
            var json = Json.object();
            json.put("prefill_tok_s", round(prefill));
            json.put("decode_tok_s", round(decode));
            json.put("batch", batch);
            json.put("aggregate_tok_s", round(aggregate));
            json.put("threads", threads);
            json.put("peak_rss_mb", peakRssMb());
            json.put("kv_cache", kvCache.wireName());
            json.put("kv_bytes_per_token", KVCache.bytesPerPosition(model.config(), kvCache));
            json.put("vector", VectorInfo.describe());
            json.put("cpu_flags", cpuFlags());
            Json.print(out, json);
        }
    }

    /**
     * Prefills {@code batch} sequences with the prompt (the first one timed), then decodes
     * {@code genTokens} steps of all of them in one batched forward each (timed).
     * Returns {prefill seconds of one prompt, decode seconds}.
     */
    private static double[] round(
            Qwen3Model model, int[] prompt, int genTokens, int batch, KvPrecision kvCache, PrintStream progress) {
        Qwen3Model.State[] states = new Qwen3Model.State[batch];
        for (int b = 0; b < batch; b++) states[b] = model.newState(prompt.length + genTokens, kvCache);
        if (progress != null) progress.println("bench: prefill " + prompt.length + " tokens");
        long t0 = System.nanoTime();
        model.prefill(states[0], prompt);
        double prefillSeconds = seconds(t0);
        for (int b = 1; b < batch; b++) model.prefill(states[b], prompt);
        Qwen3Model.Batch step = model.newBatch(batch);
        int[] next = new int[batch];
        int[] positions = new int[batch];
        boolean[] want = new boolean[batch];
        java.util.Arrays.fill(want, true);
        long t1 = System.nanoTime();
        for (int g = 0; g < genTokens; g++) {
            for (int b = 0; b < batch; b++) {
                next[b] = argMax(states[b].logits());
                positions[b] = prompt.length + g;
            }
            model.forward(step, states, next, positions, want, batch);
            if (progress != null && ((g + 1) % 8 == 0 || g + 1 == genTokens)) {
                progress.println("bench: decoded " + (g + 1) + "/" + genTokens + " steps");
            }
        }
        return new double[] {prefillSeconds, seconds(t1)};
    }

    private static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static int positive(Args args, String name, int fallback) {
        int v = args.integer(name, fallback);
        if (v <= 0) throw new UsageException("--" + name + " must be positive, got " + v);
        return v;
    }

    /** Peak resident set (VmHWM) of this process, in MiB; -1 where /proc is absent. */
    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The SIMD flags of this CPU that matter to the kernels (from /proc/cpuinfo). */
    static String cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    Set<String> wanted = new TreeSet<>();
                    for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                        if (List.of(
                                        "avx2",
                                        "fma",
                                        "f16c",
                                        "avx512f",
                                        "avx512bw",
                                        "avx512vl",
                                        "avx512_vnni",
                                        "avx512_bf16",
                                        "avx_vnni")
                                .contains(f)) {
                            wanted.add(f);
                        }
                    }
                    return String.join(" ", wanted);
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
