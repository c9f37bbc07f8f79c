package io.qwenstream.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.engine.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: exit 2 and one line on stderr that names the problem; nothing on stdout, no stack trace. */
class EngineCliErrorsTest {

    @TempDir
    Path temp;

    private static void refused(String expectedFragment, String... argv) {
        EngineCliRunner.Result r = EngineCliRunner.run(argv);
        assertEquals(2, r.status(), "exit status; stderr: " + r.stderr());
        assertEquals("", r.stdout(), "nothing on stdout");
        String err = r.stderr().strip();
        assertTrue(err.startsWith("error: "), err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains(expectedFragment), "'" + err + "' should mention '" + expectedFragment + "'");
    }

    @Test
    void usageErrors() {
        refused(
                "unknown verb 'frobnicate' (tokenize, template, logits, generate, convert, forge, bench, bandwidth;"
                        + " --help lists them)",
                "frobnicate");
        refused("missing required option --model", "tokenize", "--text", "hi");
        refused("unknown option --txt", "tokenize", "--model", "x", "--txt", "hi");
        refused(
                "--ids must be an integer",
                "logits",
                "--model",
                Fixtures.model("tiny-qwen3").toString(),
                "--ids",
                "1,two");
        refused(
                "outside the vocabulary",
                "logits",
                "--model",
                Fixtures.model("tiny-qwen3").toString(),
                "--ids",
                "1,999999");
        refused(
                "--type must be one of",
                "convert",
                "--from",
                Fixtures.model("tiny-qwen3").toString(),
                "--to",
                "x.gguf",
                "--type",
                "Q5_K");
        refused(
                "exactly one of --ids and --prompt",
                "generate",
                "--model",
                Fixtures.model("tiny-qwen3").toString(),
                "--max-tokens",
                "3");
        refused(
                "--max-tokens must be positive",
                "generate",
                "--model",
                Fixtures.model("tiny-qwen3").toString(),
                "--ids",
                "1",
                "--max-tokens",
                "0");
        String model = Fixtures.model("tiny-qwen3").toString();
        refused(
                "--kv-cache must be f16 or f32, got 'f8'",
                "logits",
                "--model",
                model,
                "--ids",
                "1",
                "--kv-cache",
                "f8");
        refused(
                "--kv-cache must be f16 or f32, got 'bf16'",
                "generate",
                "--model",
                model,
                "--ids",
                "1",
                "--max-tokens",
                "1",
                "--kv-cache",
                "bf16");
    }

    @Test
    void benchmarkVerbsAreNotInTheEngineJarAndSayWhereTheyRun() {
        refused(
                "'bench' is a benchmark (benchmarks/engine): run it as ./qwenstream engine bench",
                "bench",
                "--model",
                Fixtures.model("tiny-qwen3").toString());
        refused("'bandwidth' is a benchmark (benchmarks/engine): run it as ./qwenstream engine bandwidth", "bandwidth");
        EngineCliRunner.Result help = EngineCliRunner.run("--help");
        assertEquals(0, help.status());
        assertTrue(
                help.stdout().contains("bench --model PATH --prompt-tokens P --gen-tokens G")
                        && help.stdout().contains("bandwidth [--mb 1024]"),
                "the usage of ./qwenstream engine lists its benchmark verbs: " + help.stdout());
    }

    @Test
    void missingFilesAreNamed() {
        Path missing = temp.resolve("nope.gguf");
        refused(missing.toString(), "logits", "--model", missing.toString(), "--ids", "1");
        refused(missing.toString(), "tokenize", "--model", missing.toString(), "--text", "x");
        refused(
                "nope.json",
                "template",
                "--model",
                Fixtures.tokenizerDir().toString(),
                "--conversation",
                temp.resolve("nope.json").toString());
    }

    @Test
    void modelWithoutTokenizerAsksForOne() {
        refused(
                "--tokenizer",
                "generate",
                "--model",
                Fixtures.model("tiny-qwen3").toString(),
                "--prompt",
                "hi",
                "--max-tokens",
                "2");
    }

    @Test
    void truncatedGgufNamesTheFile() throws Exception {
        byte[] whole = Files.readAllBytes(Fixtures.root().resolve("gguf/tiny-qwen3-moe.Q8_0.gguf"));
        for (int cut : new int[] {3, 100, 5000, whole.length / 2, whole.length - 1}) {
            Path broken = temp.resolve("cut" + cut + ".gguf");
            Files.write(broken, java.util.Arrays.copyOf(whole, cut));
            refused(broken.getFileName().toString(), "logits", "--model", broken.toString(), "--ids", "1");
        }
    }

    @Test
    void checkpointWithAMissingOrMisshapenTensorNamesIt() throws Exception {
        Path dir = temp.resolve("broken");
        Files.createDirectories(dir);
        Path source = Fixtures.model("tiny-qwen3");
        Files.copy(source.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        String config = Files.readString(source.resolve("config.json"));
        Files.writeString(
                dir.resolve("config.json"), config.replace("\"intermediate_size\": 64", "\"intermediate_size\": 96"));
        refused("model.layers.0.mlp.gate_proj.weight", "logits", "--model", dir.toString(), "--ids", "1");
        Files.writeString(
                dir.resolve("config.json"), config.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        refused("missing tensor model.layers.2.", "logits", "--model", dir.toString(), "--ids", "1");
    }

    @Test
    void badConversationFile() throws Exception {
        Path file = temp.resolve("bad.json");
        Files.writeString(file, "{\"messages\": 5}");
        refused(
                "\"messages\" must be an array",
                "template",
                "--model",
                Fixtures.tokenizerDir().toString(),
                "--conversation",
                file.toString());
        Files.writeString(file, "{not json");
        refused(
                "bad JSON",
                "template",
                "--model",
                Fixtures.tokenizerDir().toString(),
                "--conversation",
                file.toString());
    }
}
