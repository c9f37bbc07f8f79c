package io.qwenstream.engine.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Just enough GGUF and safetensors reading for the kernel tests to compare against real files
 * (the engine's own readers live in other packages and are tested there).
 */
final class FixtureFiles {

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FixtureFiles() {}

    static Path root() {
        return Path.of(System.getProperty("qwenstream.fixtures"));
    }

    static MemorySegment map(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.global());
        }
    }

    /** Every tensor of a GGUF v3 file, by name. */
    static Map<String, Tensor> gguf(Path file) throws IOException {
        MemorySegment s = map(file);
        if (s.get(U32, 0) != 0x46554747) throw new IOException(file + ": not a GGUF file");
        long tensorCount = s.get(U64, 8), kvCount = s.get(U64, 16);
        long[] pos = {24};
        long alignment = 32;
        for (long i = 0; i < kvCount; i++) {
            String key = string(s, pos);
            int type = s.get(U32, pos[0]);
            pos[0] += 4;
            if (key.equals("general.alignment")) alignment = s.get(U32, pos[0]);
            skipValue(s, pos, type);
        }
        record Info(String name, GGMLType type, long[] shape, long offset) {}
        Info[] infos = new Info[(int) tensorCount];
        for (int i = 0; i < tensorCount; i++) {
            String name = string(s, pos);
            int dims = s.get(U32, pos[0]);
            pos[0] += 4;
            long[] shape = new long[dims];
            for (int d = 0; d < dims; d++, pos[0] += 8) shape[d] = s.get(U64, pos[0]);
            GGMLType type = GGMLType.byId(s.get(U32, pos[0]));
            long offset = s.get(U64, pos[0] + 4);
            pos[0] += 12;
            infos[i] = new Info(name, type, shape, offset);
        }
        long data = (pos[0] + alignment - 1) / alignment * alignment;
        Map<String, Tensor> tensors = new HashMap<>();
        for (Info info : infos) {
            long elements = 1;
            for (long d : info.shape) elements *= d;
            MemorySegment bytes = s.asSlice(data + info.offset, info.type.bytesFor(elements));
            tensors.put(info.name, new Tensor(info.name, info.type, info.shape, bytes));
        }
        return tensors;
    }

    private static String string(MemorySegment s, long[] pos) {
        int length = Math.toIntExact(s.get(U64, pos[0]));
        byte[] bytes = s.asSlice(pos[0] + 8, length).toArray(ValueLayout.JAVA_BYTE);
        pos[0] += 8 + length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void skipValue(MemorySegment s, long[] pos, int type) {
        switch (type) {
            case 0, 1, 7 -> pos[0] += 1;
            case 2, 3 -> pos[0] += 2;
            case 4, 5, 6 -> pos[0] += 4;
            case 10, 11, 12 -> pos[0] += 8;
            case 8 -> pos[0] += 8 + s.get(U64, pos[0]);
            case 9 -> {
                int itemType = s.get(U32, pos[0]);
                long count = s.get(U64, pos[0] + 4);
                pos[0] += 12;
                for (long i = 0; i < count; i++) skipValue(s, pos, itemType);
            }
            default -> throw new IllegalStateException("unknown GGUF value type " + type);
        }
    }

    /** Every BF16 tensor of the safetensors files in a directory, by name, as float32 values. */
    static Map<String, float[]> safetensorsAsFloats(Path dir) throws IOException {
        Map<String, float[]> tensors = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (var files = Files.list(dir)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
                MemorySegment s = map(file);
                long headerLength = s.get(U64, 0);
                JsonNode header = json.readTree(s.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE));
                for (var entry : header.properties()) {
                    if (entry.getKey().equals("__metadata__")
                            || !entry.getValue().get("dtype").asText().equals("BF16")) continue;
                    long start = entry.getValue().get("data_offsets").get(0).asLong();
                    long end = entry.getValue().get("data_offsets").get(1).asLong();
                    int n = Math.toIntExact((end - start) / 2);
                    float[] values = new float[n];
                    Quants.dequantize(GGMLType.BF16, s, 8 + headerLength + start, values, 0, n);
                    tensors.put(entry.getKey(), values);
                }
            }
        }
        return tensors;
    }
}
