package io.qwenstream.engine.gguf;

import static org.junit.jupiter.api.Assertions.*;

import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.kernels.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUFWriter → GGUFFile round trips: every metadata type, several tensor types, alignment, atomicity. */
class GGUFWriterTest {

    @TempDir
    Path dir;

    private static byte[] randomBytes(long n, long seed) {
        byte[] b = new byte[Math.toIntExact(n)];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void everyMetadataTypeRoundTripsInInsertionOrder() throws IOException {
        GGUFWriter w = new GGUFWriter()
                .putString("general.architecture", "qwen3")
                .putU8("u8", 255)
                .putI8("i8", -128)
                .putU16("u16", 65535)
                .putI16("i16", -32768)
                .putU32("u32", 0xFFFF_FFFFL)
                .putI32("i32", Integer.MIN_VALUE)
                .putU64("u64", -1L)
                .putI64("i64", Long.MIN_VALUE)
                .putF32("f32", 0.95f)
                .putF64("f64", Math.PI)
                .putBool("true", true)
                .putBool("false", false)
                .putString("unicode", "Ġ héllo 世界 🙂 <|im_start|>\n")
                .putString("empty", "")
                .putArray("strings", new String[] {"a", "", "Ġt", "🙂"})
                .putArray("i32s", new int[] {1, -2, Integer.MAX_VALUE})
                .putArray("u8s", GGUFValueType.UINT8, new int[] {0, 255})
                .putArray("i8s", GGUFValueType.INT8, new int[] {-128, 127})
                .putArray("u16s", GGUFValueType.UINT16, new int[] {0, 65535})
                .putArray("i16s", GGUFValueType.INT16, new int[] {-32768, 32767})
                .putArray("u32s", GGUFValueType.UINT32, new int[] {0, -1})
                .putArray("i64s", new long[] {Long.MIN_VALUE, 5})
                .putArray("u64s", GGUFValueType.UINT64, new long[] {-1, 7})
                .putArray("f32s", new float[] {1.5f, -0f, Float.NaN})
                .putArray("f64s", new double[] {1e300, -2.5})
                .putArray("bools", new boolean[] {true, false, true})
                .putArray("no_strings", new String[0]);
        w.putU32("u32", 7); // putting again replaces the value where it stands
        Path file = dir.resolve("meta.gguf");
        w.write(file);

        try (GGUFFile g = GGUFFile.open(file)) {
            assertEquals(3, g.version());
            assertEquals(0, g.tensors().size());
            Map<String, Object> m = g.metadata();
            assertEquals(
                    List.of(
                            "general.architecture",
                            "u8",
                            "i8",
                            "u16",
                            "i16",
                            "u32",
                            "i32",
                            "u64",
                            "i64",
                            "f32",
                            "f64",
                            "true",
                            "false",
                            "unicode",
                            "empty",
                            "strings",
                            "i32s",
                            "u8s",
                            "i8s",
                            "u16s",
                            "i16s",
                            "u32s",
                            "i64s",
                            "u64s",
                            "f32s",
                            "f64s",
                            "bools",
                            "no_strings"),
                    List.copyOf(m.keySet()));
            assertEquals(255, m.get("u8"));
            assertEquals(-128, m.get("i8"));
            assertEquals(65535, m.get("u16"));
            assertEquals(-32768, m.get("i16"));
            assertEquals(7L, m.get("u32"));
            assertEquals(Integer.MIN_VALUE, m.get("i32"));
            assertEquals(-1L, m.get("u64"));
            assertEquals(Long.MIN_VALUE, m.get("i64"));
            assertEquals(0.95f, m.get("f32"));
            assertEquals(Math.PI, m.get("f64"));
            assertEquals(true, m.get("true"));
            assertEquals(false, m.get("false"));
            assertEquals("Ġ héllo 世界 🙂 <|im_start|>\n", m.get("unicode"));
            assertEquals("", m.get("empty"));
            assertArrayEquals(new String[] {"a", "", "Ġt", "🙂"}, (String[]) m.get("strings"));
            assertArrayEquals(new int[] {1, -2, Integer.MAX_VALUE}, (int[]) m.get("i32s"));
            assertArrayEquals(new int[] {0, 255}, (int[]) m.get("u8s"));
            assertArrayEquals(new int[] {-128, 127}, (int[]) m.get("i8s"));
            assertArrayEquals(new int[] {0, 65535}, (int[]) m.get("u16s"));
            assertArrayEquals(new int[] {-32768, 32767}, (int[]) m.get("i16s"));
            assertArrayEquals(new int[] {0, -1}, (int[]) m.get("u32s"));
            assertArrayEquals(new long[] {Long.MIN_VALUE, 5}, (long[]) m.get("i64s"));
            assertArrayEquals(new long[] {-1, 7}, (long[]) m.get("u64s"));
            assertArrayEquals(new float[] {1.5f, -0f, Float.NaN}, (float[]) m.get("f32s"));
            assertArrayEquals(new double[] {1e300, -2.5}, (double[]) m.get("f64s"));
            assertArrayEquals(new boolean[] {true, false, true}, (boolean[]) m.get("bools"));
            assertArrayEquals(new String[0], (String[]) m.get("no_strings"));

            // Typed getters accept any integer width.
            assertEquals(255, g.getInt("u8"));
            assertEquals(-32768L, g.getLong("i16"));
            assertEquals(7, g.getInt("u32"));
            assertEquals((float) Math.PI, g.getFloat("f64"));
            assertEquals(7f, g.getFloat("u32", 3f));
            assertEquals(3f, g.getFloat("absent", 3f));
            var tooBig = assertThrows(ModelFormatException.class, () -> g.getInt("i64"));
            assertTrue(
                    tooBig.getMessage().contains("i64") && tooBig.getMessage().contains(file.toString()),
                    tooBig.getMessage());
        }
    }

    @Test
    void tensorsOfSeveralTypesRoundTripByteForByteAtAlignedOffsets() throws IOException {
        record Spec(String name, GGMLType type, long[] shape) {}
        List<Spec> specs = List.of(
                new Spec("f32", GGMLType.F32, new long[] {5}), // 20 bytes: padding follows
                new Spec("f16", GGMLType.F16, new long[] {3, 7}),
                new Spec("bf16", GGMLType.BF16, new long[] {32, 2, 1}),
                new Spec("q8_0", GGMLType.Q8_0, new long[] {64, 3}),
                new Spec("q4_0", GGMLType.Q4_0, new long[] {32, 2, 3}),
                new Spec("q4_k", GGMLType.Q4_K, new long[] {256, 2}),
                new Spec("q6_k", GGMLType.Q6_K, new long[] {512, 1, 1, 2}));
        for (int alignment : new int[] {32, 64, 4096}) {
            GGUFWriter w = new GGUFWriter().putString("general.architecture", "test");
            if (alignment != 32) w.putU32("general.alignment", alignment);
            Map<String, byte[]> contents = new LinkedHashMap<>();
            for (Spec s : specs) {
                long elements = 1;
                for (long d : s.shape) elements *= d;
                byte[] bytes = randomBytes(s.type.bytesFor(elements), contents.size() * 31L + alignment);
                contents.put(s.name, bytes);
                w.addTensor(s.name, s.type, s.shape, TensorSource.of(bytes));
            }
            Path file = dir.resolve("tensors-" + alignment + ".gguf");
            w.write(file);
            assertEquals(0, Files.size(file) % alignment, "every section ends padded to the alignment");

            try (GGUFFile g = GGUFFile.open(file)) {
                assertEquals(alignment, g.alignment());
                assertEquals(
                        List.copyOf(contents.keySet()), List.copyOf(g.tensors().keySet()));
                for (Spec s : specs) {
                    Tensor t = g.tensor(s.name);
                    assertEquals(s.type, t.type());
                    assertArrayEquals(s.shape, t.shape());
                    assertEquals(-1, t.data().mismatch(MemorySegment.ofArray(contents.get(s.name))), s.name);
                    // A mapping starts on a page boundary, so addresses show the offsets' alignment in the file.
                    assertEquals(0, t.data().address() % alignment, s.name + " at alignment " + alignment);
                }
            }
        }
    }

    @Test
    void aSourceWritingTheWrongSizeFailsNamingTheTensorAndLeavesNoFile() throws IOException {
        Path file = dir.resolve("bad.gguf");
        for (int wrong : new int[] {127, 129, 0}) {
            GGUFWriter w = new GGUFWriter()
                    .addTensor("ok", GGMLType.F32, new long[] {4}, TensorSource.of(new byte[16]))
                    .addTensor(
                            "blk.0.attn_q.weight",
                            GGMLType.F32,
                            new long[] {32},
                            out -> out.write(ByteBuffer.allocate(wrong)));
            var e = assertThrows(ModelFormatException.class, () -> w.write(file));
            assertTrue(
                    e.getMessage().contains("blk.0.attn_q.weight")
                            && e.getMessage().contains("bad.gguf"),
                    e.getMessage());
            try (var files = Files.list(dir)) {
                assertEquals(List.of(), files.toList(), "no partial or temporary file is left");
            }
        }
    }

    @Test
    void writingReplacesAnExistingFile() throws IOException {
        Path file = dir.resolve("model.gguf");
        Files.writeString(file, "old");
        new GGUFWriter().putString("general.name", "new").write(file);
        try (GGUFFile g = GGUFFile.open(file)) {
            assertEquals("new", g.getString("general.name"));
        }
    }

    @Test
    void rejectsWhatLlamaCppCouldNotRead() {
        GGUFWriter w = new GGUFWriter();
        TensorSource none = out -> {};
        assertThrows(
                IllegalArgumentException.class, () -> w.addTensor("x".repeat(64), GGMLType.F32, new long[] {1}, none));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("scalar", GGMLType.F32, new long[0], none));
        assertThrows(
                IllegalArgumentException.class,
                () -> w.addTensor("5d", GGMLType.F32, new long[] {1, 1, 1, 1, 1}, none));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("q8", GGMLType.Q8_0, new long[] {16, 2}, none));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("neg", GGMLType.F32, new long[] {-1}, none));
        w.addTensor("t", GGMLType.F32, new long[] {1}, none);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GGMLType.F32, new long[] {1}, none));
        assertThrows(IllegalArgumentException.class, () -> w.putU8("k", 256));
        assertThrows(IllegalArgumentException.class, () -> w.putU32("k", -1));
        assertThrows(IllegalArgumentException.class, () -> w.putArray("k", GGUFValueType.INT8, new int[] {200}));
        assertThrows(IllegalArgumentException.class, () -> w.putArray("k", GGUFValueType.FLOAT32, new int[] {1}));
        w.putI32("general.alignment", 64);
        assertThrows(IllegalStateException.class, () -> w.write(dir.resolve("x.gguf")));
        w.putU32("general.alignment", 48);
        assertThrows(IllegalStateException.class, () -> w.write(dir.resolve("x.gguf")));
    }
}
