package io.qwenstream.benchmarks.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.cli.EngineCliRunner;
import io.qwenstream.engine.kernels.Parallel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code ./qwenstream engine bench|bandwidth} as docs/design.md's CLI contract has it, driven in process like the
 * outside checks drive the launcher: JSON on stdout, progress on stderr, exit 2 and one error line on bad input.
 */
class EngineBenchCliTest {

    private static EngineCliRunner.Result run(String... argv) {
        return EngineCliRunner.run(EngineBenchCli.VERBS, argv);
    }

    private static JsonNode ok(String... argv) throws Exception {
        EngineCliRunner.Result r = run(argv);
        assertEquals(0, r.status(), "exit status of " + String.join(" ", argv) + "; stderr: " + r.stderr());
        assertEquals(1, r.stdout().lines().count(), "one JSON document on one line: " + r.stdout());
        return Fixtures.JSON.readTree(r.stdout());
    }

    /** Exit 2, nothing on stdout, and {@code expected} as the last line on stderr. */
    private static void refused(String expected, String... argv) {
        EngineCliRunner.Result r = run(argv);
        assertEquals(2, r.status(), "exit status of " + String.join(" ", argv) + "; stderr: " + r.stderr());
        assertEquals("", r.stdout(), "nothing on stdout");
        List<String> lines = r.stderr().lines().toList();
        assertEquals("error: " + expected, lines.getLast(), r.stderr());
    }

    /** The size of this JVM's worker pool: fixed once it has run, so every run here asks for it. */
    private static String threads() {
        return String.valueOf(Parallel.threads());
    }

    @Test
    void benchReportsItsContractedFieldsAndTheKvBytesOfAToken() throws Exception {
        Path model = Fixtures.model("tiny-qwen3");
        JsonNode config = Fixtures.JSON.readTree(model.resolve("config.json").toFile());
        long bytesPerToken = 2L
                * config.get("num_hidden_layers").asInt()
                * config.get("num_key_value_heads").asInt()
                * config.get("head_dim").asInt()
                * 2;
        EngineCliRunner.Result r = run(
                "bench",
                "--model",
                model.toString(),
                "--tokenizer",
                Fixtures.tokenizerDir().toString(),
                "--prompt-tokens",
                "4",
                "--gen-tokens",
                "2",
                "--threads",
                threads(),
                "--kv-cache",
                "f16");
        assertEquals(0, r.status(), r.stderr());
        JsonNode bench = Fixtures.JSON.readTree(r.stdout());
        assertEquals("f16", bench.get("kv_cache").asText());
        assertEquals(
                bytesPerToken,
                bench.get("kv_bytes_per_token").asLong(),
                "keys and values of every layer, 2 bytes each");
        for (String field :
                List.of("prefill_tok_s", "decode_tok_s", "batch", "aggregate_tok_s", "threads", "peak_rss_mb")) {
            assertTrue(bench.has(field), "bench keeps its contracted field " + field);
        }
        assertEquals(1, bench.get("batch").asInt());
        assertEquals(Parallel.threads(), bench.get("threads").asInt());
        assertTrue(bench.get("decode_tok_s").asDouble() > 0, bench.toString());
        assertTrue(
                r.stderr().contains("bench: prefill 4 tokens\n") && r.stderr().contains("bench: decoded 2/2 steps\n"),
                "progress on stderr: " + r.stderr());
    }

    @Test
    void badBenchInputExitsTwoWithTheProblemOnStderr() throws Exception {
        String model = Fixtures.model("tiny-qwen3").toString();
        int context = Fixtures.JSON
                .readTree(Fixtures.model("tiny-qwen3").resolve("config.json").toFile())
                .get("max_position_embeddings")
                .asInt();
        refused("--kv-cache must be f16 or f32, got ''", "bench", "--model", model, "--kv-cache", "");
        refused("--prompt-tokens must be positive, got 0", "bench", "--model", model, "--prompt-tokens", "0");
        refused("unknown option --json", "bench", "--model", model, "--json");
        refused("missing required option --model", "bench", "--threads", threads());
        refused(
                "prompt + generated tokens exceed the model's context of " + context,
                "bench",
                "--model",
                model,
                "--prompt-tokens",
                String.valueOf(context),
                "--threads",
                threads());
    }

    @Test
    void bandwidthReportsTheReadBandwidthOfItsBuffer() throws Exception {
        JsonNode bandwidth = ok("bandwidth", "--mb", "64", "--runs", "1", "--threads", threads());
        assertEquals(64, bandwidth.get("buffer_mb").asInt());
        assertEquals(Parallel.threads(), bandwidth.get("threads").asInt());
        assertTrue(bandwidth.get("read_gb_s_median").asDouble() > 0, bandwidth.toString());
        assertEquals(
                bandwidth.get("read_gb_s_median"), bandwidth.get("read_gb_s_max"), "one run: its median is its max");
        refused("--mb must be >= 64, --threads and --runs >= 1", "bandwidth", "--mb", "32");
    }

    @Test
    void helpIsTheUsageOfTheWholeEngineCli() {
        EngineCliRunner.Result engineHelp = EngineCliRunner.run("--help");
        EngineCliRunner.Result help = run("bench", "--help");
        assertEquals(0, help.status());
        assertEquals(engineHelp.stdout(), help.stdout(), "the same usage from the engine jar and from this one");
    }
}
