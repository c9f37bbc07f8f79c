package io.qwenstream.engine.gguf;

import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.kernels.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (version 2 or 3, little-endian) mapped into memory: its metadata and its tensors,
 * whose data are slices of the mapping (nothing is copied onto the heap).
 *
 * <p>Metadata values have these Java types: UINT8, INT8, UINT16, INT16, INT32 → Integer; UINT32,
 * INT64, UINT64 → Long (UINT64 above 2^63 reads negative); FLOAT32 → Float; FLOAT64 → Double;
 * BOOL → Boolean; STRING → String. Arrays: of STRING → String[]; of 8/16/32-bit integers → int[]
 * (UINT32 elements keep their bit pattern); of 64-bit integers → long[]; FLOAT32 → float[];
 * FLOAT64 → double[]; BOOL → boolean[]; arrays of arrays → Object[].
 *
 * <p>The mapping is shared between threads and released by {@link #close()}; tensors must not be
 * used after that.
 */
public final class GGUFFile implements AutoCloseable {

    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    private static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4; // ggml's GGML_MAX_DIMS
    private static final int MAX_ARRAY_NESTING = 8; // deep enough for any real file, shallow enough for the stack

    private final Path path;
    private final Arena arena;
    private final int version;
    private final Map<String, Object> metadata;
    private final int alignment;
    private final Map<String, Tensor> tensors;

    private GGUFFile(
            Path path,
            Arena arena,
            int version,
            Map<String, Object> metadata,
            int alignment,
            Map<String, Tensor> tensors) {
        this.path = path;
        this.arena = arena;
        this.version = version;
        this.metadata = metadata;
        this.alignment = alignment;
        this.tensors = tensors;
    }

    /** Maps {@code file} and reads its header; throws {@link ModelFormatException} if it is not a GGUF the engine can load. */
    public static GGUFFile open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return read(file, arena, mapped);
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    private static GGUFFile read(Path file, Arena arena, MemorySegment mapped) {
        Cursor in = new Cursor(file, mapped);
        in.context = "the magic number";
        int magic = in.u32();
        if (magic != MAGIC) {
            throw in.error("not a GGUF file (starts with 0x" + Integer.toHexString(Integer.reverseBytes(magic))
                    + ", expected 0x47475546 \"GGUF\")");
        }
        in.context = "the version";
        int version = in.u32();
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            String hint = swapped == 2 || swapped == 3 ? " (a big-endian GGUF, which this engine does not read)" : "";
            throw in.error(
                    "unsupported GGUF version " + Integer.toUnsignedString(version) + hint + " (supported: 2, 3)");
        }

        in.context = "the tensor count";
        long tensorCount = in.count(32); // smallest tensor info: name length, 1 dim, type, offset
        in.context = "the metadata count";
        long metadataCount = in.count(8 + 4 + 1); // smallest entry: key length, type, 1-byte value

        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < metadataCount; i++) {
            in.context = "the key of metadata entry #" + i;
            String key = in.string();
            in.context = "metadata key '" + key + "'";
            GGUFValueType type = in.valueType();
            Object value = in.value(type, 0);
            if (metadata.putIfAbsent(key, value) != null) {
                throw in.error("metadata key '" + key + "' appears twice");
            }
        }
        int alignment = alignmentOf(file, metadata);

        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            in.context = "the name of tensor info #" + i;
            String name = in.string();
            in.context = "the info of tensor " + name;
            TensorInfo info = in.tensorInfo(name);
            if (infos.putIfAbsent(name, info) != null) {
                throw in.error("tensor " + name + " appears twice");
            }
        }

        long dataStart = alignUp(in.pos, alignment);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TensorInfo info : infos.values()) {
            tensors.put(info.name, info.toTensor(file, mapped, dataStart, alignment));
        }
        return new GGUFFile(
                file,
                arena,
                version,
                Collections.unmodifiableMap(metadata),
                alignment,
                Collections.unmodifiableMap(tensors));
    }

    private static int alignmentOf(Path file, Map<String, Object> metadata) {
        Object value = metadata.get("general.alignment");
        if (value == null) return DEFAULT_ALIGNMENT;
        if (!(value instanceof Long || value instanceof Integer)
                || ((Number) value).longValue() <= 0
                || ((Number) value).longValue() > (1 << 30)
                || Long.bitCount(((Number) value).longValue()) != 1) {
            throw new ModelFormatException(
                    file + ": metadata key 'general.alignment' is " + describe(value) + ", not a power of two");
        }
        return ((Number) value).intValue();
    }

    static long alignUp(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    /** Every metadata entry in file order (unmodifiable). */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** {@code general.alignment}, or 32 when the file does not set it. */
    public int alignment() {
        return alignment;
    }

    /** Every tensor in file order (unmodifiable); shapes in ggml order, exactly as stored. */
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

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public String getString(String key) {
        return asString(key, require(key));
    }

    public String getString(String key, String defaultValue) {
        Object v = metadata.get(key);
        return v == null ? defaultValue : asString(key, v);
    }

    public Optional<String> findString(String key) {
        return Optional.ofNullable(getString(key, null));
    }

    /** An integer of any width (UINT64 above 2^63 reads negative). */
    public long getLong(String key) {
        return asLong(key, require(key));
    }

    public long getLong(String key, long defaultValue) {
        Object v = metadata.get(key);
        return v == null ? defaultValue : asLong(key, v);
    }

    /** An integer of any width whose value fits in an int. */
    public int getInt(String key) {
        return asInt(key, require(key));
    }

    public int getInt(String key, int defaultValue) {
        Object v = metadata.get(key);
        return v == null ? defaultValue : asInt(key, v);
    }

    /** Any number, as a float. */
    public float getFloat(String key) {
        return asFloat(key, require(key));
    }

    public float getFloat(String key, float defaultValue) {
        Object v = metadata.get(key);
        return v == null ? defaultValue : asFloat(key, v);
    }

    public boolean getBoolean(String key) {
        return asBoolean(key, require(key));
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        Object v = metadata.get(key);
        return v == null ? defaultValue : asBoolean(key, v);
    }

    public String[] getStringArray(String key) {
        return typed(key, String[].class, "an array of strings");
    }

    /** An array of 8-, 16- or 32-bit integers. */
    public int[] getIntArray(String key) {
        return typed(key, int[].class, "an array of 8-, 16- or 32-bit integers");
    }

    public float[] getFloatArray(String key) {
        return typed(key, float[].class, "an array of FLOAT32");
    }

    private Object require(String key) {
        Object v = metadata.get(key);
        if (v == null) throw new ModelFormatException(path + ": metadata key '" + key + "' is missing");
        return v;
    }

    private <T> T typed(String key, Class<T> type, String expected) {
        Object v = require(key);
        if (!type.isInstance(v)) throw wrongType(key, v, expected);
        return type.cast(v);
    }

    private String asString(String key, Object v) {
        if (v instanceof String s) return s;
        throw wrongType(key, v, "a string");
    }

    private long asLong(String key, Object v) {
        if (v instanceof Integer || v instanceof Long) return ((Number) v).longValue();
        throw wrongType(key, v, "an integer");
    }

    private int asInt(String key, Object v) {
        long value = asLong(key, v);
        if (value != (int) value) {
            throw new ModelFormatException(
                    path + ": metadata key '" + key + "' is " + value + ", which does not fit in an int");
        }
        return (int) value;
    }

    private float asFloat(String key, Object v) {
        if (v instanceof Number n) return n.floatValue();
        throw wrongType(key, v, "a number");
    }

    private boolean asBoolean(String key, Object v) {
        if (v instanceof Boolean b) return b;
        throw wrongType(key, v, "a boolean");
    }

    private ModelFormatException wrongType(String key, Object v, String expected) {
        return new ModelFormatException(path + ": metadata key '" + key + "' is " + describe(v) + ", not " + expected);
    }

    private static String describe(Object v) {
        if (v.getClass().isArray()) return "an array (" + v.getClass().getSimpleName() + ")";
        return "a " + v.getClass().getSimpleName() + " (" + v + ")";
    }

    /** Releases the mapping; the tensors' data must not be touched afterwards. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "GGUFFile[" + path + ", v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors]";
    }

    private record TensorInfo(String name, long[] shape, int typeId, long offset) {

        Tensor toTensor(Path file, MemorySegment mapped, long dataStart, int alignment) {
            GGMLType type = GGMLType.byId(typeId);
            if (type == null) {
                throw new ModelFormatException(file + ": tensor " + name + " has type " + GGMLType.nameOf(typeId)
                        + ", which this engine does not load (supported: " + Arrays.toString(GGMLType.values()) + ")");
            }
            if (shape[0] % type.blockSize != 0) {
                throw new ModelFormatException(file + ": tensor " + name + " has shape " + Arrays.toString(shape)
                        + ", but " + type + " rows need a multiple of " + type.blockSize + " elements");
            }
            long bytes;
            try {
                long elements = 1;
                for (long d : shape) elements = Math.multiplyExact(elements, d);
                bytes = Math.multiplyExact(elements / type.blockSize, type.blockBytes);
            } catch (ArithmeticException e) {
                throw new ModelFormatException(
                        file + ": tensor " + name + " has an impossibly large shape " + Arrays.toString(shape));
            }
            if (offset % alignment != 0) {
                throw new ModelFormatException(file + ": tensor " + name + " has data offset " + offset
                        + ", not a multiple of the alignment " + alignment);
            }
            long available = mapped.byteSize() - dataStart;
            if (offset > available || bytes > available - offset) {
                throw new ModelFormatException(
                        file + ": tensor " + name + " (" + type + " " + Arrays.toString(shape) + ", "
                                + bytes + " bytes at data offset " + offset + ") extends past the end of the file ("
                                + mapped.byteSize() + " bytes, tensor data from byte " + dataStart + ")");
            }
            return new Tensor(name, type, shape, mapped.asSlice(dataStart + offset, bytes));
        }
    }

    /** Reads the header little-endian from the mapping, checking every read against the end of the file. */
    private static final class Cursor {
        private static final ValueLayout.OfShort U16 =
                ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt U32 =
                ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong U64 =
                ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

        final Path file;
        final MemorySegment data;
        long pos;
        /** What is being read, for error messages. */
        String context = "the header";

        Cursor(Path file, MemorySegment data) {
            this.file = file;
            this.data = data;
        }

        ModelFormatException error(String message) {
            return new ModelFormatException(file + ": " + message);
        }

        long remaining() {
            return data.byteSize() - pos;
        }

        private void need(long bytes) {
            if (bytes > remaining()) {
                throw error("truncated: the file ends at byte " + data.byteSize() + " while reading " + context + " ("
                        + bytes + " bytes needed at byte " + pos + ")");
            }
        }

        byte u8() {
            need(1);
            return data.get(ValueLayout.JAVA_BYTE, pos++);
        }

        short u16() {
            need(2);
            short v = data.get(U16, pos);
            pos += 2;
            return v;
        }

        int u32() {
            need(4);
            int v = data.get(U32, pos);
            pos += 4;
            return v;
        }

        long u64() {
            need(8);
            long v = data.get(U64, pos);
            pos += 8;
            return v;
        }

        /** A u64 count of items taking at least {@code minBytes} each: more than the rest of the file can hold is corrupt. */
        long count(int minBytes) {
            long n = u64();
            if (n < 0 || n > remaining() / minBytes) {
                throw error(context + " claims " + Long.toUnsignedString(n) + " items, more than the " + remaining()
                        + " bytes left in the file can hold");
            }
            return n;
        }

        String string() {
            long length = u64();
            if (length < 0 || length > remaining()) {
                throw error("string length " + Long.toUnsignedString(length) + " in " + context + " exceeds the "
                        + remaining() + " bytes left in the file");
            }
            // Java strings and arrays stop at 2^31 - 1; no real key or token comes near.
            if (length > Integer.MAX_VALUE - 8)
                throw error("string of " + length + " bytes in " + context + " is too long");
            byte[] bytes = new byte[(int) length];
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
            pos += length;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        GGUFValueType valueType() {
            int id = u32();
            GGUFValueType type = GGUFValueType.byId(id);
            if (type == null)
                throw error("unknown metadata value type " + Integer.toUnsignedString(id) + " in " + context);
            return type;
        }

        Object value(GGUFValueType type, int nesting) {
            return switch (type) {
                case UINT8 -> Byte.toUnsignedInt(u8());
                case INT8 -> (int) u8();
                case UINT16 -> Short.toUnsignedInt(u16());
                case INT16 -> (int) u16();
                case UINT32 -> Integer.toUnsignedLong(u32());
                case INT32 -> u32();
                case FLOAT32 -> Float.intBitsToFloat(u32());
                case BOOL -> bool();
                case STRING -> string();
                case ARRAY -> array(nesting);
                case UINT64, INT64 -> u64();
                case FLOAT64 -> Double.longBitsToDouble(u64());
            };
        }

        private boolean bool() {
            byte b = u8();
            if (b != 0 && b != 1) throw error("invalid BOOL value " + b + " in " + context);
            return b == 1;
        }

        private Object array(int nesting) {
            if (nesting >= MAX_ARRAY_NESTING)
                throw error("arrays nested more than " + MAX_ARRAY_NESTING + " deep in " + context);
            GGUFValueType type = valueType();
            long count = count(type.minBytes);
            if (count > Integer.MAX_VALUE - 8)
                throw error("array of " + count + " elements in " + context + " is too long");
            int n = (int) count;
            switch (type) {
                case STRING -> {
                    String[] a = new String[n];
                    for (int i = 0; i < n; i++) a[i] = string();
                    return a;
                }
                case UINT8, INT8, UINT16, INT16, UINT32, INT32 -> {
                    int[] a = new int[n];
                    for (int i = 0; i < n; i++) a[i] = ((Number) value(type, nesting)).intValue();
                    return a;
                }
                case UINT64, INT64 -> {
                    long[] a = new long[n];
                    for (int i = 0; i < n; i++) a[i] = u64();
                    return a;
                }
                case FLOAT32 -> {
                    float[] a = new float[n];
                    for (int i = 0; i < n; i++) a[i] = Float.intBitsToFloat(u32());
                    return a;
                }
                case FLOAT64 -> {
                    double[] a = new double[n];
                    for (int i = 0; i < n; i++) a[i] = Double.longBitsToDouble(u64());
                    return a;
                }
                case BOOL -> {
                    boolean[] a = new boolean[n];
                    for (int i = 0; i < n; i++) a[i] = bool();
                    return a;
                }
                case ARRAY -> {
                    Object[] a = new Object[n];
                    for (int i = 0; i < n; i++) a[i] = array(nesting + 1);
                    return a;
                }
            }
            throw new AssertionError(type);
        }

        TensorInfo tensorInfo(String name) {
            int dims = u32();
            if (dims < 1 || dims > MAX_DIMS) {
                throw error("tensor " + name + " has " + Integer.toUnsignedString(dims) + " dimensions (must be 1 to "
                        + MAX_DIMS + ")");
            }
            long[] shape = new long[dims];
            for (int d = 0; d < dims; d++) {
                shape[d] = u64();
                if (shape[d] < 0)
                    throw error("tensor " + name + " has dimension " + d + " of " + Long.toUnsignedString(shape[d]));
            }
            int typeId = u32();
            long offset = u64();
            if (offset < 0) throw error("tensor " + name + " has data offset " + Long.toUnsignedString(offset));
            return new TensorInfo(name, shape, typeId, offset);
        }
    }
}
