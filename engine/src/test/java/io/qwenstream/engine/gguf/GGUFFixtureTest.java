package io.qwenstream.engine.gguf;

import static org.junit.jupiter.api.Assertions.*;

import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.kernels.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads the llama.cpp-written fixture and checks it against the converter's own listing (the .txt beside it). */
class GGUFFixtureTest {

    private static final Path DIR = Path.of(System.getProperty("qwenstream.fixtures"), "gguf");
    private static final Path FILE = DIR.resolve("tiny-qwen3-moe.Q8_0.gguf");

    record ExpectedKey(String key, String type, String value) {}

    record ExpectedTensor(String name, String type, long[] shape) {}

    private static final List<ExpectedKey> keys = new ArrayList<>();
    private static final List<ExpectedTensor> tensors = new ArrayList<>();
    private static GGUFFile gguf;

    @BeforeAll
    static void open() throws IOException {
        String section = "";
        for (String line : Files.readAllLines(DIR.resolve("tiny-qwen3-moe.Q8_0.txt"))) {
            if (line.startsWith("## ")) section = line;
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split(" {2}", 3);
            if (section.startsWith("## metadata")) {
                keys.add(new ExpectedKey(f[0], f[1].substring(1, f[1].length() - 1), f[2]));
            } else if (section.startsWith("## tensors")) {
                long[] shape = Arrays.stream(
                                f[2].substring(1, f[2].length() - 1).split(", "))
                        .mapToLong(Long::parseLong)
                        .toArray();
                tensors.add(new ExpectedTensor(f[0], f[1], shape));
            }
        }
        assertFalse(keys.isEmpty());
        assertFalse(tensors.isEmpty());
        gguf = GGUFFile.open(FILE);
    }

    @AfterAll
    static void close() {
        if (gguf != null) gguf.close();
    }

    @Test
    void versionIsTheOneInTheFileHeader() throws IOException {
        ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(FILE)) {
            ch.read(head, 0);
        }
        assertEquals(head.getInt(4), gguf.version());
        assertEquals(FILE, gguf.path());
    }

    @Test
    void metadataKeysInFileOrder() {
        assertEquals(
                keys.stream().map(ExpectedKey::key).toList(),
                List.copyOf(gguf.metadata().keySet()));
    }

    @Test
    void everyMetadataValueHasTheListedTypeAndValue() {
        for (ExpectedKey k : keys) {
            Object actual = gguf.metadata().get(k.key);
            String what = k.key + " [" + k.type + "] " + k.value;
            switch (k.type) {
                case "STRING" -> {
                    String s = assertInstanceOf(String.class, actual, what);
                    assertTrue(PythonLiteral.matches(k.value, s), what + " read as " + PythonLiteral.repr(s));
                    assertEquals(s, gguf.getString(k.key));
                }
                case "UINT32", "UINT64", "INT64" -> {
                    assertEquals(Long.parseLong(k.value), assertInstanceOf(Long.class, actual, what), what);
                    assertEquals(Long.parseLong(k.value), gguf.getLong(k.key));
                    assertEquals(Long.parseLong(k.value), gguf.getInt(k.key));
                }
                case "UINT8", "INT8", "UINT16", "INT16", "INT32" -> {
                    assertEquals(Integer.parseInt(k.value), assertInstanceOf(Integer.class, actual, what), what);
                    assertEquals(Integer.parseInt(k.value), gguf.getInt(k.key));
                    assertEquals(Long.parseLong(k.value), gguf.getLong(k.key));
                }
                case "FLOAT32" -> {
                    float f = assertInstanceOf(Float.class, actual, what);
                    // Python printed the float widened to a double: exact, so compare exactly.
                    assertEquals(Double.parseDouble(k.value), (double) f, what);
                    assertEquals(f, gguf.getFloat(k.key));
                }
                case "BOOL" -> {
                    assertEquals(k.value.equals("True"), assertInstanceOf(Boolean.class, actual, what), what);
                    assertEquals(k.value.equals("True"), gguf.getBoolean(k.key));
                }
                case "ARRAY/STRING" -> {
                    String[] a = assertInstanceOf(String[].class, actual, what);
                    PythonLiteral.ListPrefix expected = PythonLiteral.list(k.value);
                    assertEquals(expected.totalCount(), a.length, what);
                    for (int i = 0; i < expected.items().size(); i++)
                        assertEquals(expected.items().get(i), a[i], what + " #" + i);
                    assertSame(a, gguf.getStringArray(k.key));
                }
                case "ARRAY/INT32" -> {
                    int[] a = assertInstanceOf(int[].class, actual, what);
                    PythonLiteral.ListPrefix expected = PythonLiteral.list(k.value);
                    assertEquals(expected.totalCount(), a.length, what);
                    for (int i = 0; i < expected.items().size(); i++)
                        assertEquals(expected.items().get(i), (long) a[i], what + " #" + i);
                    assertSame(a, gguf.getIntArray(k.key));
                }
                default -> fail("the listing has a type this test does not know: " + what);
            }
        }
    }

    @Test
    void everyTensorHasTheListedNameTypeAndShapeInFileOrder() {
        assertEquals(
                tensors.stream().map(ExpectedTensor::name).toList(),
                List.copyOf(gguf.tensors().keySet()));
        for (ExpectedTensor e : tensors) {
            Tensor t = gguf.tensor(e.name);
            assertEquals(e.name, t.name());
            assertEquals(e.type, t.type().name(), e.name);
            assertArrayEquals(e.shape, t.shape(), e.name);
            assertEquals(t.type().bytesFor(t.elementCount()), t.data().byteSize(), e.name);
            assertTrue(t.data().isReadOnly(), e.name);
        }
    }

    @Test
    void tensorDataIsAlignedAndEndsTheFile() throws IOException {
        assertFalse(keys.stream().anyMatch(k -> k.key.equals("general.alignment")));
        assertEquals(32, gguf.alignment()); // the spec's default
        long first = gguf.tensors().values().stream()
                .mapToLong(t -> t.data().address())
                .min()
                .orElseThrow();
        long end = gguf.tensors().values().stream()
                .mapToLong(t -> t.data().address() + t.data().byteSize())
                .max()
                .orElseThrow();
        for (Tensor t : gguf.tensors().values()) {
            assertEquals(0, (t.data().address() - first) % 32, t.name());
        }
        // The data section is the tail of the file, up to the padding after the last tensor.
        long dataBytes = end - first;
        long fileSize = Files.size(FILE);
        assertTrue(
                dataBytes <= fileSize && fileSize - dataBytes > 0,
                "data section of " + dataBytes + " bytes in " + fileSize);
    }

    @Test
    void lookupsAndErrorsNameTheFileAndTheKeyOrTensor() {
        assertTrue(gguf.findTensor("output_norm.weight").isPresent());
        assertTrue(gguf.findTensor("blk.3.attn_q.weight").isEmpty());
        var missing = assertThrows(ModelFormatException.class, () -> gguf.tensor("blk.3.attn_q.weight"));
        assertTrue(
                missing.getMessage().contains(FILE.toString())
                        && missing.getMessage().contains("blk.3.attn_q.weight"),
                missing.getMessage());

        assertTrue(gguf.has("general.architecture"));
        assertFalse(gguf.has("qwen3moe.no_such_key"));
        var noKey = assertThrows(ModelFormatException.class, () -> gguf.getInt("qwen3moe.no_such_key"));
        assertTrue(
                noKey.getMessage().contains(FILE.toString())
                        && noKey.getMessage().contains("qwen3moe.no_such_key"),
                noKey.getMessage());
        assertEquals(7, gguf.getInt("qwen3moe.no_such_key", 7));
        assertEquals("x", gguf.getString("qwen3moe.no_such_key", "x"));
        assertTrue(gguf.findString("qwen3moe.no_such_key").isEmpty());

        var wrongType = assertThrows(ModelFormatException.class, () -> gguf.getInt("general.architecture"));
        assertTrue(wrongType.getMessage().contains("general.architecture"), wrongType.getMessage());
        assertThrows(ModelFormatException.class, () -> gguf.getString("qwen3moe.block_count"));
        assertThrows(ModelFormatException.class, () -> gguf.getFloatArray("tokenizer.ggml.tokens"));
    }

    /** Writing the fixture's metadata (with the types the listing gives) and tensors again gives back the converter's bytes. */
    @Test
    void theWriterReproducesTheConvertersFileByteForByte(@TempDir Path dir) throws IOException {
        GGUFWriter w = new GGUFWriter();
        for (ExpectedKey k : keys) {
            Object v = gguf.metadata().get(k.key);
            switch (k.type) {
                case "STRING" -> w.putString(k.key, (String) v);
                case "UINT32" -> w.putU32(k.key, (Long) v);
                case "INT32" -> w.putI32(k.key, (Integer) v);
                case "FLOAT32" -> w.putF32(k.key, (Float) v);
                case "BOOL" -> w.putBool(k.key, (Boolean) v);
                case "ARRAY/STRING" -> w.putArray(k.key, (String[]) v);
                case "ARRAY/INT32" -> w.putArray(k.key, (int[]) v);
                default -> fail("the listing has a type this test does not know: " + k.type);
            }
        }
        for (Tensor t : gguf.tensors().values()) w.addTensor(t.name(), t.type(), t.shape(), TensorSource.of(t.data()));
        Path copy = dir.resolve("copy.gguf");
        w.write(copy);
        assertEquals(-1, Files.mismatch(FILE, copy));
    }

    @Test
    void aQ8_0TensorSlicesIntoExpertMatrices() {
        Tensor experts = gguf.tensor("blk.0.ffn_gate_exps.weight");
        assertEquals(GGMLType.Q8_0, experts.type());
        var m = experts.slice((int) experts.shape()[2] - 1);
        assertEquals(experts.shape()[1], m.rows());
        assertEquals(experts.shape()[0], m.cols());
    }
}
