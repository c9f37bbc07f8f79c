package io.qwenstream.engine.safetensors;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.kernels.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsModelTest {

    private static final Path MODELS = Path.of(System.getProperty("qwenstream.fixtures"), "models");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** What a shard's own header says about one tensor, read here independently of the class under test. */
    record HeaderEntry(String dtype, long[] shape, byte[] bytes) {}

    private static Map<String, HeaderEntry> readHeader(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int n = Math.toIntExact(
                ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        JsonNode header = JSON.readTree(new String(all, 8, n, StandardCharsets.UTF_8));
        Map<String, HeaderEntry> entries = new LinkedHashMap<>();
        for (var e : header.properties()) {
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode v = e.getValue();
            long[] shape = new long[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++)
                shape[i] = v.get("shape").get(i).asLong();
            int begin = 8 + n + v.get("data_offsets").get(0).asInt();
            int end = 8 + n + v.get("data_offsets").get(1).asInt();
            entries.put(
                    e.getKey(),
                    new HeaderEntry(v.get("dtype").asText(), shape, java.util.Arrays.copyOfRange(all, begin, end)));
        }
        return entries;
    }

    private static void assertMatches(String name, HeaderEntry expected, Tensor actual) {
        assertEquals(name, actual.name());
        assertEquals(GGMLType.valueOf(expected.dtype), actual.type(), name); // the fixtures' dtypes are all BF16
        long[] reversed = new long[expected.shape.length];
        for (int i = 0; i < reversed.length; i++) reversed[i] = expected.shape[reversed.length - 1 - i];
        assertArrayEquals(reversed, actual.shape(), name + ": ggml order is the safetensors shape reversed");
        assertEquals(-1, actual.data().mismatch(MemorySegment.ofArray(expected.bytes)), name);
    }

    @Test
    void shardedCheckpointMatchesItsIndexAndShardHeaders() throws IOException {
        Path model = MODELS.resolve("tiny-qwen3-moe");
        JsonNode weightMap = JSON.readTree(
                        model.resolve("model.safetensors.index.json").toFile())
                .get("weight_map");
        Map<String, Map<String, HeaderEntry>> shards = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (var e : weightMap.properties()) {
            names.add(e.getKey());
            String shard = e.getValue().asText();
            if (!shards.containsKey(shard)) shards.put(shard, readHeader(model.resolve(shard)));
        }
        assertEquals(2, shards.size());
        for (Path opened : List.of(model, model.resolve("model.safetensors.index.json"))) {
            try (SafetensorsModel m = SafetensorsModel.open(opened)) {
                assertEquals(names, List.copyOf(m.tensors().keySet()));
                for (String name : names) {
                    HeaderEntry expected =
                            shards.get(weightMap.get(name).asText()).get(name);
                    assertEquals("BF16", expected.dtype, name);
                    assertMatches(name, expected, m.tensor(name));
                }
                // A HF [out, in] projection reads as a ggml matrix of out rows by in columns.
                Tensor q = m.tensor("model.layers.0.self_attn.q_proj.weight");
                long[] hf = shards.get(weightMap.get(q.name()).asText()).get(q.name()).shape;
                assertEquals(hf[0], q.asMatrix().rows());
                assertEquals(hf[1], q.asMatrix().cols());
            }
        }
    }

    @Test
    void singleFileCheckpointMatchesItsHeader() throws IOException {
        Path model = MODELS.resolve("tiny-qwen3");
        Map<String, HeaderEntry> header = readHeader(model.resolve("model.safetensors"));
        for (Path opened : List.of(model, model.resolve("model.safetensors"))) {
            try (SafetensorsModel m = SafetensorsModel.open(opened)) {
                assertEquals(
                        List.copyOf(header.keySet()), List.copyOf(m.tensors().keySet()));
                header.forEach((name, expected) -> assertMatches(name, expected, m.tensor(name)));
                assertTrue(m.findTensor("lm_head.weight").isEmpty(), "tiny-qwen3 ties its embeddings");
                var e = assertThrows(ModelFormatException.class, () -> m.tensor("lm_head.weight"));
                assertTrue(
                        e.getMessage().contains(opened.toString())
                                && e.getMessage().contains("lm_head.weight"),
                        e.getMessage());
            }
        }
    }

    // --- broken files ---

    private Path safetensors(String name, String headerJson, int dataBytes) throws IOException {
        byte[] json = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Path file = dir.resolve(name);
        Files.write(file, b.array());
        return file;
    }

    private ModelFormatException fails(Path file, String... mustMention) {
        ModelFormatException e = assertThrows(
                ModelFormatException.class, () -> SafetensorsModel.open(file).close());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        for (String s : mustMention)
            assertTrue(e.getMessage().contains(s), "should mention " + s + ": " + e.getMessage());
        return e;
    }

    @Test
    void aValidHandWrittenFileWithMetadataAndF32AndF16() throws IOException {
        Path file = safetensors("ok.safetensors", """
                {"__metadata__":{"format":"pt"},
                 "a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},
                 "b":{"dtype":"F16","shape":[4],"data_offsets":[24,32]}}""", 32);
        try (SafetensorsModel m = SafetensorsModel.open(file)) {
            assertEquals(List.of("a", "b"), List.copyOf(m.tensors().keySet()));
            assertEquals(GGMLType.F32, m.tensor("a").type());
            assertArrayEquals(new long[] {3, 2}, m.tensor("a").shape());
            assertEquals(GGMLType.F16, m.tensor("b").type());
            assertEquals(8, m.tensor("b").data().byteSize());
        }
    }

    @Test
    void brokenHeaders() throws IOException {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[5]);
        fails(tiny, "too short");

        Path longHeader = dir.resolve("long.safetensors");
        Files.write(
                longHeader,
                ByteBuffer.allocate(64)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(57)
                        .array());
        fails(longHeader, "header length 57");
        Files.write(
                longHeader,
                ByteBuffer.allocate(64)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(-1)
                        .array());
        fails(longHeader, "header length");

        fails(safetensors("json.safetensors", "{\"a\":{\"dtype\":", 0), "JSON");
        fails(safetensors("array.safetensors", "[1,2]", 0), "not an object");
        fails(safetensors("empty.safetensors", "", 0));
    }

    @Test
    void brokenTensorEntries() throws IOException {
        fails(
                safetensors(
                        "i64.safetensors",
                        "{\"model.position_ids\":{\"dtype\":\"I64\",\"shape\":[4],\"data_offsets\":[0,32]}}",
                        32),
                "model.position_ids",
                "I64");
        fails(
                safetensors("eof.safetensors", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[8],\"data_offsets\":[0,16]}}", 8),
                "w",
                "data_offsets");
        fails(
                safetensors(
                        "far.safetensors",
                        "{\"w\":{\"dtype\":\"BF16\",\"shape\":[8],\"data_offsets\":[1099511627776,1099511627792]}}",
                        16),
                "w");
        fails(
                safetensors(
                        "size.safetensors", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[8],\"data_offsets\":[0,12]}}", 16),
                "w",
                "needs");
        fails(
                safetensors(
                        "order.safetensors", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[0],\"data_offsets\":[8,0]}}", 16),
                "w");
        fails(safetensors("nodtype.safetensors", "{\"w\":{\"shape\":[8],\"data_offsets\":[0,16]}}", 16), "w", "dtype");
        fails(
                safetensors("neg.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
                "w",
                "shape");
        fails(
                safetensors(
                        "huge.safetensors",
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}",
                        4),
                "w");
        fails(
                safetensors("offsets.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4),
                "w",
                "data_offsets");
    }

    @Test
    void brokenDirectoriesAndIndexes() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty-model"));
        fails(empty, "model.safetensors");

        Path model = Files.createDirectory(dir.resolve("sharded"));
        Path shard = model.resolve("model-00001-of-00002.safetensors");
        Files.copy(
                safetensors("s.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                shard);
        Path index = model.resolve("model.safetensors.index.json");

        Files.writeString(
                index,
                "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");
        fails(model, "model-00002-of-00002.safetensors", "b");
        Files.writeString(
                index,
                "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"c\":\"model-00001-of-00002.safetensors\"}}");
        fails(model, "model-00001-of-00002.safetensors", "c");
        Files.writeString(index, "{\"weight_map\":{\"a\":\"../s.safetensors\"}}");
        fails(model, "../s.safetensors");
        Files.writeString(index, "{\"metadata\":{}}");
        fails(model, "weight_map");
        Files.writeString(index, "{\"weight_map\":");
        fails(model, "JSON");

        Files.writeString(index, "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\"}}");
        try (SafetensorsModel m = SafetensorsModel.open(model)) {
            assertEquals(List.of("a"), List.copyOf(m.tensors().keySet()));
            var e = assertThrows(ModelFormatException.class, () -> m.tensor("model.norm.weight"));
            assertTrue(
                    e.getMessage().contains("sharded") && e.getMessage().contains("model.norm.weight"), e.getMessage());
        }
    }
}
