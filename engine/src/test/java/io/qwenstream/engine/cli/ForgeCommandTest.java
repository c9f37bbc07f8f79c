package io.qwenstream.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Fixtures;
import io.qwenstream.engine.gguf.GGUFFile;
import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.load.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** forge writes files the engine loads and runs at every type, with the preset's shapes and the real tokenizer. */
class ForgeCommandTest {

    @TempDir
    Path temp;

    private static final String[] SMALL_A3B = {
        "--preset",
        "qwen3-30b-a3b",
        "--layers",
        "2",
        "--hidden",
        "256",
        "--heads",
        "4",
        "--kv-heads",
        "2",
        "--head-dim",
        "64",
        "--experts",
        "4",
        "--experts-used",
        "2",
        "--expert-ff",
        "256",
        "--ff",
        "512"
    };

    @ParameterizedTest
    @ValueSource(strings = {"Q4_K", "Q6_K", "Q8_0", "Q4_0", "BF16"})
    void forgedFilesLoadAndGenerate(String type) throws Exception {
        Path file = temp.resolve("a3b." + type + ".gguf");
        String[] argv = concat(
                new String[] {"forge"}, SMALL_A3B, new String[] {"--type", type, "--seed", "5", "--out", file.toString()
                });
        EngineCliRunner.Result r = EngineCliRunner.run(argv);
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stderr().contains("forge: wrote"), "progress on stderr");
        try (GGUFFile gguf = GGUFFile.open(file)) {
            assertEquals("qwen3moe", gguf.getString("general.architecture"));
            assertEquals(
                    GGMLType.valueOf(type), gguf.tensor("blk.0.attn_q.weight").type());
            assertEquals(GGMLType.F32, gguf.tensor("blk.0.ffn_gate_inp.weight").type(), "the router stays F32");
            assertEquals(4, gguf.tensor("blk.1.ffn_up_exps.weight").shape()[2]);
            assertTrue(gguf.getString("tokenizer.chat_template").contains("<|im_start|>"));
        }
        try (LoadedModel engine = LoadedModel.load(file, null)) {
            assertEquals(256, engine.config().hiddenSize());
            assertEquals(64, engine.config().headDim());
            assertEquals(
                    Fixtures.ints(Fixtures.reference().get("tokenizer").get("0").get("ids")).length,
                    engine.tokenizer().encode("Hello, world!").length);
        }
        JsonNode out = Fixtures.JSON.readTree(EngineCliRunner.run(
                        "generate", "--model", file.toString(), "--prompt", "hi", "--max-tokens", "5", "--ignore-eos")
                .stdout());
        assertEquals(5, out.get("ids").size());
    }

    @Test
    void sameSeedSameBytes() throws Exception {
        Path a = temp.resolve("a.gguf"), b = temp.resolve("b.gguf");
        for (Path p : new Path[] {a, b}) {
            String[] argv = concat(new String[] {"forge"}, SMALL_A3B, new String[] {
                "--type", "Q8_0", "--seed", "9", "--out", p.toString()
            });
            assertEquals(0, EngineCliRunner.run(argv).status());
        }
        assertEquals(-1L, Files.mismatch(a, b));
    }

    @Test
    void unknownPresetAndTypeAreRefused() {
        EngineCliRunner.Result r = EngineCliRunner.run(
                "forge",
                "--preset",
                "qwen9",
                "--type",
                "Q8_0",
                "--out",
                temp.resolve("x").toString());
        assertEquals(2, r.status());
        assertTrue(r.stderr().contains("qwen3-30b-a3b"), "lists the presets: " + r.stderr());
        r = EngineCliRunner.run(
                "forge",
                "--preset",
                "qwen3-0.6b",
                "--type",
                "Q5_K",
                "--out",
                temp.resolve("x").toString());
        assertEquals(2, r.status());
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
