package io.qwenstream.engine.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.kernels.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The weights of a Hugging Face checkpoint in safetensors: one file, or shards listed by
 * {@code model.safetensors.index.json}. Each shard is memory-mapped once; tensors are slices of
 * the mappings, with shapes in ggml order (the safetensors shape reversed). Tensor data are not
 * necessarily aligned beyond their element size.
 */
public final class SafetensorsModel implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** The safetensors format's own bound on the JSON header. */
    private static final long MAX_HEADER_BYTES = 100_000_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final Arena arena;
    private final Map<String, Tensor> tensors;

    private SafetensorsModel(Path path, Arena arena, Map<String, Tensor> tensors) {
        this.path = path;
        this.arena = arena;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /**
     * Opens a checkpoint directory (holding {@value #INDEX_FILE} or {@value #SINGLE_FILE}), an index
     * file, or a single {@code .safetensors} file.
     */
    public static SafetensorsModel open(Path dirOrFile) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            Map<String, Tensor> tensors;
            if (Files.isDirectory(dirOrFile)) {
                Path index = dirOrFile.resolve(INDEX_FILE);
                Path single = dirOrFile.resolve(SINGLE_FILE);
                if (Files.exists(index)) tensors = readIndexed(index, arena);
                else if (Files.exists(single)) tensors = readShard(single, arena);
                else
                    throw new ModelFormatException(dirOrFile + ": holds neither " + INDEX_FILE + " nor " + SINGLE_FILE);
            } else if (dirOrFile.getFileName().toString().endsWith(".index.json")) {
                tensors = readIndexed(dirOrFile, arena);
            } else {
                tensors = readShard(dirOrFile, arena);
            }
            return new SafetensorsModel(dirOrFile, arena, tensors);
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    public Path path() {
        return path;
    }

    /** Every tensor (unmodifiable): in the index's order for a sharded checkpoint, else in the header's. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new ModelFormatException(path + ": has no tensor " + name);
        return t;
    }

    public Optional<Tensor> findTensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** Releases every mapping; the tensors' data must not be touched afterwards. */
    @Override
    public void close() {
        arena.close();
    }

    /** The tensors named in the index's weight_map, each taken from the shard the map names. */
    private static Map<String, Tensor> readIndexed(Path index, Arena arena) throws IOException {
        if (Files.size(index) > MAX_HEADER_BYTES)
            throw new ModelFormatException(index + ": too large for an index file");
        JsonNode weightMap = parseJson(index, Files.readAllBytes(index)).get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new ModelFormatException(index + ": has no \"weight_map\" object");
        }
        Path dir = index.toAbsolutePath().normalize().getParent();
        Map<String, Map<String, Tensor>> shards = new HashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            String name = e.getKey();
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(index + ": weight_map entry for tensor " + name + " is not a file name");
            }
            String shardName = e.getValue().asText();
            Map<String, Tensor> shard = shards.get(shardName);
            if (shard == null) {
                Path shardFile = dir.resolve(shardName).normalize();
                if (!shardFile.startsWith(dir) || !Files.isRegularFile(shardFile)) {
                    throw new ModelFormatException(index + ": tensor " + name + " is in shard " + shardName
                            + ", which does not exist in " + dir);
                }
                shard = readShard(shardFile, arena);
                shards.put(shardName, shard);
            }
            Tensor t = shard.get(name);
            if (t == null) {
                throw new ModelFormatException(
                        index + ": tensor " + name + " should be in shard " + shardName + ", which lacks it");
            }
            tensors.put(name, t);
        }
        return tensors;
    }

    /** One safetensors file: u64 header length, JSON header, then the data that header's offsets point into. */
    private static Map<String, Tensor> readShard(Path file, Arena arena) throws IOException {
        MemorySegment mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        }
        long size = mapped.byteSize();
        if (size < 8) throw new ModelFormatException(file + ": " + size + " bytes is too short for a safetensors file");
        long headerLength = mapped.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength < 0 || headerLength > size - 8) {
            throw new ModelFormatException(file + ": header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the file's " + size + " bytes");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new ModelFormatException(
                    file + ": header length " + headerLength + " exceeds safetensors' limit of " + MAX_HEADER_BYTES);
        }
        JsonNode header = parseJson(file, mapped.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE));
        long dataStart = 8 + headerLength;
        MemorySegment data = mapped.asSlice(dataStart);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            if (e.getKey().equals("__metadata__")) continue;
            tensors.put(e.getKey(), tensor(file, e.getKey(), e.getValue(), data));
        }
        return tensors;
    }

    private static Tensor tensor(Path file, String name, JsonNode entry, MemorySegment data) {
        String where = file + ": tensor " + name;
        if (!entry.isObject()) throw new ModelFormatException(where + ": header entry is not an object");
        JsonNode dtype = entry.get("dtype");
        if (dtype == null || !dtype.isTextual()) throw new ModelFormatException(where + ": no \"dtype\" string");
        GGMLType type = switch (dtype.asText()) {
            case "BF16" -> GGMLType.BF16;
            case "F16" -> GGMLType.F16;
            case "F32" -> GGMLType.F32;
            default ->
                throw new ModelFormatException(where + " has dtype " + dtype.asText()
                        + ", which this engine does not load (supported: BF16, F16, F32)");
        };
        long[] header = longs(where, entry, "shape", -1);
        long[] offsets = longs(where, entry, "data_offsets", 2);

        long[] shape = new long[header.length];
        long elements = 1;
        for (int i = 0; i < header.length; i++) {
            shape[i] = header[header.length - 1 - i];
            try {
                elements = Math.multiplyExact(elements, header[i]);
            } catch (ArithmeticException ex) {
                throw new ModelFormatException(where + ": shape " + Arrays.toString(header) + " is impossibly large");
            }
        }
        long begin = offsets[0], end = offsets[1];
        if (begin > end || end > data.byteSize()) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] fall outside the "
                    + data.byteSize() + " bytes of data in the file");
        }
        if (elements > Long.MAX_VALUE / type.blockBytes || end - begin != elements * type.blockBytes) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes, but " + dtype.asText() + " " + Arrays.toString(header) + " needs " + elements + " x "
                    + type.blockBytes);
        }
        return new Tensor(name, type, shape, data.asSlice(begin, end - begin));
    }

    /** Field {@code field} as an array of non-negative integers, of {@code length} elements unless that is -1. */
    private static long[] longs(String where, JsonNode entry, String field, int length) {
        JsonNode node = entry.get(field);
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw new ModelFormatException(
                    where + ": \"" + field + "\" is not an array" + (length >= 0 ? " of " + length + " integers" : ""));
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new ModelFormatException(
                        where + ": \"" + field + "\" holds " + v + ", not a non-negative integer");
            }
            values[i] = v.asLong();
        }
        return values;
    }

    private static JsonNode parseJson(Path file, byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            String reason = e instanceof JsonProcessingException j
                    ? j.getOriginalMessage() + " at " + j.getLocation()
                    : e.getMessage();
            throw new ModelFormatException(file + ": is not valid JSON: " + reason, e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(file + ": JSON header is not an object");
        return root;
    }
}
