package io.qwenstream.engine.gguf;

import static io.qwenstream.engine.gguf.GGUFValueType.*;
import static org.junit.jupiter.api.Assertions.*;

import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.kernels.GGMLType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken GGUF files: each must fail quickly with a ModelFormatException naming the file (and the key or tensor at fault). */
class GGUFCorruptionTest {

    private static final int F32 = GGMLType.F32.id;

    @TempDir
    Path dir;

    private ModelFormatException fails(byte[] bytes, String... mustMention) throws IOException {
        Path file = dir.resolve("corrupt.gguf");
        Files.write(file, bytes);
        ModelFormatException e = assertThrows(
                ModelFormatException.class, () -> GGUFFile.open(file).close());
        assertTrue(e.getMessage().contains("corrupt.gguf"), e.getMessage());
        for (String s : mustMention)
            assertTrue(e.getMessage().contains(s), "should mention " + s + ": " + e.getMessage());
        return e;
    }

    private GGUFFile opens(byte[] bytes) throws IOException {
        Path file = dir.resolve("fine.gguf");
        Files.write(file, bytes);
        return GGUFFile.open(file);
    }

    /** One tensor "t" of F32 [8] after the given metadata bytes. */
    private static byte[] withOneTensor(RawGGUF metadata) {
        return metadata.tensorInfo("t", new long[] {8}, F32, 0)
                .padTo(32)
                .zeros(32)
                .bytes();
    }

    @Test
    void everyTruncationOfAValidFileFails() throws IOException {
        Path valid = dir.resolve("valid.gguf");
        new GGUFWriter()
                .putString("general.architecture", "qwen3")
                .putU32("qwen3.block_count", 2)
                .putBool("tokenizer.ggml.add_bos_token", false)
                .putArray("tokenizer.ggml.tokens", new String[] {"a", "bc", "Ġdef"})
                .putArray("tokenizer.ggml.scores", new float[] {0f, -1f, -2f})
                .addTensor("token_embd.weight", GGMLType.Q8_0, new long[] {32, 3}, TensorSource.of(new byte[3 * 34]))
                .addTensor("output_norm.weight", GGMLType.F32, new long[] {8}, TensorSource.of(new byte[32]))
                .write(valid);
        byte[] bytes = Files.readAllBytes(valid);
        long dataStart = bytes.length - 128 - 32; // Q8_0 [32, 3] = 102 bytes padded to 128, then 32 bytes of F32
        try (GGUFFile g = GGUFFile.open(valid)) {
            assertEquals(2, g.tensors().size()); // the whole file is fine, and its last tensor needs no padding
        }
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int length = 0; length < bytes.length; length += length < dataStart ? 1 : 3) {
                ModelFormatException e = fails(Arrays.copyOf(bytes, length));
                if (length >= dataStart) {
                    assertTrue(e.getMessage().contains(".weight"), "names the cut tensor: " + e.getMessage());
                }
            }
        });
    }

    @Test
    void wrongMagicOrEmptyFile() throws IOException {
        fails(new byte[0], "truncated");
        byte[] bytes = withOneTensor(RawGGUF.header(1, 0));
        bytes[3] = 'L'; // "GGUL"
        fails(bytes, "not a GGUF file");
        fails("{\"__metadata__\":{}}".getBytes(), "not a GGUF file");
    }

    @Test
    void onlyVersions2And3() throws IOException {
        for (int version : new int[] {0, 1, 4, -1}) {
            byte[] bytes = withOneTensor(RawGGUF.header(1, 0));
            bytes[4] = (byte) version;
            bytes[5] = bytes[6] = bytes[7] = (byte) (version < 0 ? 0xFF : 0);
            fails(bytes, "version");
        }
        byte[] bigEndian = withOneTensor(RawGGUF.header(1, 0));
        bigEndian[4] = 0;
        bigEndian[7] = 3;
        fails(bigEndian, "big-endian");
        byte[] v2 = withOneTensor(RawGGUF.header(1, 0));
        v2[4] = 2;
        try (GGUFFile g = opens(v2)) {
            assertEquals(2, g.version());
            assertEquals(1, g.tensors().size());
        }
    }

    @Test
    void absurdCountsAndLengthsAreBoundedByTheFileSize() throws IOException {
        fails(withOneTensor(RawGGUF.header(1L << 40, 0)), "tensor count");
        fails(withOneTensor(RawGGUF.header(1, -1)), "metadata count");
        fails(withOneTensor(RawGGUF.header(1, 1).u64(1L << 62).u32(0)), "string length");
        fails(withOneTensor(RawGGUF.header(1, 1).u64(-1).u32(0)), "string length");
        fails(withOneTensor(RawGGUF.header(1, 1).key("general.name", STRING).u64(Long.MAX_VALUE)), "general.name");
        fails(
                withOneTensor(RawGGUF.header(1, 1)
                        .key("tokenizer.ggml.tokens", ARRAY)
                        .u32(STRING.id)
                        .u64(1L << 60)),
                "tokenizer.ggml.tokens");
        fails(
                withOneTensor(RawGGUF.header(1, 1)
                        .key("tokenizer.ggml.scores", ARRAY)
                        .u32(FLOAT32.id)
                        .u64(1000)),
                "tokenizer.ggml.scores");
    }

    @Test
    void badMetadataValues() throws IOException {
        fails(
                withOneTensor(RawGGUF.header(1, 1).key("general.name", STRING).u32(0)),
                "general.name"); // type 8 then a short length
        fails(
                withOneTensor(RawGGUF.header(1, 1).string("general.foo").u32(13).u32(0)),
                "general.foo",
                "unknown metadata value type 13");
        fails(
                withOneTensor(RawGGUF.header(1, 1)
                        .key("general.foo", ARRAY)
                        .u32(99)
                        .u64(1)
                        .u32(0)),
                "general.foo",
                "99");
        fails(withOneTensor(RawGGUF.header(1, 1).key("general.flag", BOOL).u8(2)), "general.flag");
        fails(
                withOneTensor(RawGGUF.header(1, 2)
                        .key("general.a", UINT8)
                        .u8(1)
                        .key("general.a", UINT8)
                        .u8(2)),
                "general.a",
                "twice");
        fails(
                withOneTensor(
                        RawGGUF.header(1, 1).key("general.alignment", UINT32).u32(48)),
                "general.alignment");
        fails(
                withOneTensor(
                        RawGGUF.header(1, 1).key("general.alignment", STRING).string("32")),
                "general.alignment");

        RawGGUF deep = RawGGUF.header(1, 1).key("general.deep", ARRAY);
        for (int i = 0; i < 100; i++) deep.u32(ARRAY.id).u64(1);
        fails(withOneTensor(deep), "general.deep", "nested");
    }

    @Test
    void nestedArraysReadAsObjectArrays() throws IOException {
        RawGGUF raw = RawGGUF.header(1, 1)
                .key("general.nested", ARRAY)
                .u32(ARRAY.id)
                .u64(2)
                .u32(INT16.id)
                .u64(2)
                .u32(0xFFFF_8000)
                .u32(STRING.id)
                .u64(1)
                .string("x");
        try (GGUFFile g = opens(withOneTensor(raw))) {
            Object[] outer = (Object[]) g.metadata().get("general.nested");
            assertEquals(2, outer.length);
            // two INT16 (-32768 then -1, from the 4 bytes 0x00 0x80 0xFF 0xFF)
            assertArrayEquals(new int[] {-32768, -1}, (int[]) outer[0]);
            assertArrayEquals(new String[] {"x"}, (String[]) outer[1]);
        }
    }

    @Test
    void unsupportedTensorTypeNamesTheTensorAndGgmlsTypeName() throws IOException {
        byte[] bytes = RawGGUF.header(1, 0)
                .tensorInfo("blk.0.attn_q.weight", new long[] {256, 2}, 13, 0)
                .padTo(32)
                .zeros(352)
                .bytes();
        ModelFormatException e =
                fails(bytes, "tensor blk.0.attn_q.weight has type Q5_K, which this engine does not load (supported: ");
        for (GGMLType t : GGMLType.values()) assertTrue(e.getMessage().contains(t.name()), e.getMessage());
        fails(
                RawGGUF.header(1, 0)
                        .tensorInfo("blk.0.ffn_up.weight", new long[] {32}, 99, 0)
                        .padTo(32)
                        .zeros(128)
                        .bytes(),
                "blk.0.ffn_up.weight",
                "type#99");
    }

    @Test
    void badTensorInfos() throws IOException {
        RawGGUF noMeta = RawGGUF.header(1, 0);
        fails(
                noMeta.tensorInfo("blk.1.attn_k.weight", new long[] {8}, F32, 1L << 40)
                        .padTo(32)
                        .zeros(32)
                        .bytes(),
                "blk.1.attn_k.weight",
                "past the end");
        fails(
                RawGGUF.header(1, 0)
                        .tensorInfo("blk.1.attn_k.weight", new long[] {8}, F32, 32)
                        .padTo(32)
                        .zeros(32)
                        .bytes(),
                "blk.1.attn_k.weight",
                "past the end");
        fails(
                RawGGUF.header(1, 0)
                        .tensorInfo("blk.1.attn_k.weight", new long[] {8}, F32, -8)
                        .padTo(32)
                        .zeros(32)
                        .bytes(),
                "blk.1.attn_k.weight");
        fails(
                RawGGUF.header(1, 0)
                        .tensorInfo("blk.1.attn_v.weight", new long[] {4}, F32, 4)
                        .padTo(32)
                        .zeros(32)
                        .bytes(),
                "blk.1.attn_v.weight",
                "alignment");
        fails(
                RawGGUF.header(2, 0)
                        .tensorInfo("dup", new long[] {8}, F32, 0)
                        .tensorInfo("dup", new long[] {8}, F32, 32)
                        .padTo(32)
                        .zeros(64)
                        .bytes(),
                "dup",
                "twice");
        fails(
                RawGGUF.header(1, 0)
                        .tensorInfo("scalar", new long[0], F32, 0)
                        .padTo(32)
                        .zeros(32)
                        .bytes(),
                "scalar",
                "dimensions");
        fails(
                RawGGUF.header(1, 0)
                        .tensorInfo("five", new long[] {1, 1, 1, 1, 8}, F32, 0)
                        .padTo(32)
                        .zeros(32)
                        .bytes(),
                "five",
                "dimensions");
        fails(
                RawGGUF.header(1, 0)
                        .tensorInfo("huge", new long[] {1L << 40, 1L << 40}, F32, 0)
                        .padTo(32)
                        .zeros(32)
                        .bytes(),
                "huge");
        fails(
                RawGGUF.header(1, 0)
                        .tensorInfo("negative", new long[] {-1}, F32, 0)
                        .padTo(32)
                        .zeros(32)
                        .bytes(),
                "negative");
        fails(
                RawGGUF.header(1, 0)
                        .tensorInfo("q8", new long[] {16, 4}, GGMLType.Q8_0.id, 0)
                        .padTo(32)
                        .zeros(96)
                        .bytes(),
                "q8",
                "multiple of 32");
    }

    @Test
    void aFileWithoutTensorsNeedsNoDataSection() throws IOException {
        try (GGUFFile g = opens(RawGGUF.header(0, 1)
                .key("general.architecture", STRING)
                .string("qwen3")
                .bytes())) {
            assertEquals("qwen3", g.getString("general.architecture"));
            assertTrue(g.tensors().isEmpty());
        }
    }
}
