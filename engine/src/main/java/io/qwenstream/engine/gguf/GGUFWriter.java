package io.qwenstream.engine.gguf;

import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.kernels.GGMLType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF version 3 file as llama.cpp reads it: metadata in insertion order (putting a key
 * again replaces its value in place), then the tensor infos, then each tensor's data at an offset
 * aligned to {@code general.alignment} (default 32), zero-padded, in the order the tensors were
 * added. Tensor bytes come from {@link TensorSource}s when {@link #write} reaches them.
 */
public final class GGUFWriter {

    private static final int MAGIC = 0x46554747; // "GGUF" as a little-endian u32
    private static final int VERSION = 3;
    private static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_NAME_BYTES = 63; // ggml's GGML_MAX_NAME (64) counts the terminating zero

    private record Entry(GGUFValueType type, GGUFValueType elementType, Object value) {}

    private record PendingTensor(String name, GGMLType type, long[] shape, long bytes, TensorSource source) {}

    private final Map<String, Entry> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    public GGUFWriter putU8(String key, int value) {
        return put(key, GGUFValueType.UINT8, checkRange(key, value, 0, 0xFF));
    }

    public GGUFWriter putI8(String key, int value) {
        return put(key, GGUFValueType.INT8, checkRange(key, value, Byte.MIN_VALUE, Byte.MAX_VALUE));
    }

    public GGUFWriter putU16(String key, int value) {
        return put(key, GGUFValueType.UINT16, checkRange(key, value, 0, 0xFFFF));
    }

    public GGUFWriter putI16(String key, int value) {
        return put(key, GGUFValueType.INT16, checkRange(key, value, Short.MIN_VALUE, Short.MAX_VALUE));
    }

    public GGUFWriter putU32(String key, long value) {
        return put(key, GGUFValueType.UINT32, checkRange(key, value, 0, 0xFFFF_FFFFL));
    }

    public GGUFWriter putI32(String key, int value) {
        return put(key, GGUFValueType.INT32, value);
    }

    /** {@code value} is taken as unsigned: negative values stand for 2^63 and above. */
    public GGUFWriter putU64(String key, long value) {
        return put(key, GGUFValueType.UINT64, value);
    }

    public GGUFWriter putI64(String key, long value) {
        return put(key, GGUFValueType.INT64, value);
    }

    public GGUFWriter putF32(String key, float value) {
        return put(key, GGUFValueType.FLOAT32, value);
    }

    public GGUFWriter putF64(String key, double value) {
        return put(key, GGUFValueType.FLOAT64, value);
    }

    public GGUFWriter putBool(String key, boolean value) {
        return put(key, GGUFValueType.BOOL, value);
    }

    public GGUFWriter putString(String key, String value) {
        return put(key, GGUFValueType.STRING, Objects.requireNonNull(value, key));
    }

    public GGUFWriter putArray(String key, String[] values) {
        for (String s : values) Objects.requireNonNull(s, key);
        return putArray(key, GGUFValueType.STRING, values.clone());
    }

    /** An array of INT32. */
    public GGUFWriter putArray(String key, int[] values) {
        return putArray(key, GGUFValueType.INT32, values);
    }

    /** An array of UINT8, INT8, UINT16, INT16, UINT32 (bit pattern, as the reader returns it) or INT32. */
    public GGUFWriter putArray(String key, GGUFValueType elementType, int[] values) {
        long min, max;
        switch (elementType) {
            case UINT8 -> {
                min = 0;
                max = 0xFF;
            }
            case INT8 -> {
                min = Byte.MIN_VALUE;
                max = Byte.MAX_VALUE;
            }
            case UINT16 -> {
                min = 0;
                max = 0xFFFF;
            }
            case INT16 -> {
                min = Short.MIN_VALUE;
                max = Short.MAX_VALUE;
            }
            case UINT32, INT32 -> {
                min = Integer.MIN_VALUE;
                max = Integer.MAX_VALUE;
            }
            default -> throw new IllegalArgumentException(key + ": an int[] cannot hold " + elementType + " elements");
        }
        for (int v : values) checkRange(key, v, min, max);
        return putArray(key, elementType, (Object) values.clone());
    }

    /** An array of INT64. */
    public GGUFWriter putArray(String key, long[] values) {
        return putArray(key, GGUFValueType.INT64, values);
    }

    /** An array of INT64 or UINT64. */
    public GGUFWriter putArray(String key, GGUFValueType elementType, long[] values) {
        if (elementType != GGUFValueType.INT64 && elementType != GGUFValueType.UINT64) {
            throw new IllegalArgumentException(key + ": a long[] cannot hold " + elementType + " elements");
        }
        return putArray(key, elementType, (Object) values.clone());
    }

    public GGUFWriter putArray(String key, float[] values) {
        return putArray(key, GGUFValueType.FLOAT32, (Object) values.clone());
    }

    public GGUFWriter putArray(String key, double[] values) {
        return putArray(key, GGUFValueType.FLOAT64, (Object) values.clone());
    }

    public GGUFWriter putArray(String key, boolean[] values) {
        return putArray(key, GGUFValueType.BOOL, (Object) values.clone());
    }

    private GGUFWriter putArray(String key, GGUFValueType elementType, Object values) {
        Objects.requireNonNull(key, "key");
        metadata.put(key, new Entry(GGUFValueType.ARRAY, elementType, values));
        return this;
    }

    private GGUFWriter put(String key, GGUFValueType type, Object value) {
        Objects.requireNonNull(key, "key");
        metadata.put(key, new Entry(type, null, value));
        return this;
    }

    private static long checkRange(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + ": " + value + " is outside [" + min + ", " + max + "]");
        }
        return value;
    }

    /**
     * Adds a tensor of {@code shape} (ggml order: shape[0] innermost) whose bytes {@code source}
     * writes later, in {@link #write}.
     */
    public GGUFWriter addTensor(String name, GGMLType type, long[] shape, TensorSource source) {
        Objects.requireNonNull(source, name);
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes == 0 || nameBytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException(
                    "tensor name '" + name + "' must be 1 to " + MAX_NAME_BYTES + " UTF-8 bytes (ggml's limit)");
        }
        if (tensors.containsKey(name)) throw new IllegalArgumentException("tensor " + name + " added twice");
        if (shape.length < 1 || shape.length > 4) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": shape " + Arrays.toString(shape) + " must have 1 to 4 dimensions");
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 0)
                throw new IllegalArgumentException(
                        "tensor " + name + ": negative dimension in " + Arrays.toString(shape));
            elements = Math.multiplyExact(elements, d);
        }
        if (shape[0] % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor " + name + ": " + type + " rows need a multiple of "
                    + type.blockSize + " elements, shape is " + Arrays.toString(shape));
        }
        tensors.put(name, new PendingTensor(name, type, shape.clone(), type.bytesFor(elements), source));
        return this;
    }

    /**
     * Writes the file to a temporary file beside {@code file} and renames it into place, so a
     * failure leaves no partial file behind. Throws {@link ModelFormatException} naming the tensor
     * whose source wrote the wrong number of bytes.
     */
    public void write(Path file) throws IOException {
        int alignment = alignment();
        ByteBuffer header = header(alignment);
        Path absolute = file.toAbsolutePath();
        Path temp = Files.createTempFile(absolute.getParent(), absolute.getFileName() + ".", ".tmp");
        boolean written = false;
        try {
            try (FileChannel out =
                    FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(out, header);
                for (PendingTensor t : tensors.values()) {
                    CountingChannel counted = new CountingChannel(out);
                    t.source.writeTo(counted);
                    if (counted.count != t.bytes) {
                        throw new ModelFormatException(file + ": the source of tensor " + t.name + " (" + t.type + " "
                                + Arrays.toString(t.shape) + ") wrote " + counted.count + " bytes, expected "
                                + t.bytes);
                    }
                    writeFully(out, ByteBuffer.allocate((int) (GGUFFile.alignUp(t.bytes, alignment) - t.bytes)));
                }
                out.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            written = true;
        } finally {
            if (!written) Files.deleteIfExists(temp);
        }
    }

    private int alignment() {
        Entry e = metadata.get("general.alignment");
        if (e == null) return DEFAULT_ALIGNMENT;
        long value = e.value instanceof Number n ? n.longValue() : 0;
        // llama.cpp insists on a UINT32 power of two.
        if (e.type != GGUFValueType.UINT32 || value <= 0 || value > (1 << 30) || Long.bitCount(value) != 1) {
            throw new IllegalStateException(
                    "general.alignment must be a UINT32 power of two, is " + e.type + " " + e.value);
        }
        return (int) value;
    }

    private ByteBuffer header(int alignment) {
        Header h = new Header();
        h.u32(MAGIC);
        h.u32(VERSION);
        h.u64(tensors.size());
        h.u64(metadata.size());
        metadata.forEach((key, e) -> {
            h.string(key);
            h.u32(e.type.id);
            if (e.type == GGUFValueType.ARRAY) h.array(e.elementType, e.value);
            else h.scalar(e.type, e.value);
        });
        long offset = 0;
        for (PendingTensor t : tensors.values()) {
            h.string(t.name);
            h.u32(t.shape.length);
            for (long d : t.shape) h.u64(d);
            h.u32(t.type.id);
            h.u64(offset);
            offset += GGUFFile.alignUp(t.bytes, alignment);
        }
        int padding = (int) (GGUFFile.alignUp(h.buf.position(), alignment) - h.buf.position());
        h.room(padding).put(new byte[padding]);
        return h.buf.flip();
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) out.write(buffer);
    }

    /** Counts what a tensor source writes; closing it leaves the file open. */
    private static final class CountingChannel implements WritableByteChannel {
        private final WritableByteChannel out;
        long count;

        CountingChannel(WritableByteChannel out) {
            this.out = out;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = out.write(src);
            count += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return out.isOpen();
        }

        @Override
        public void close() {}
    }

    /** The header, little-endian, in a heap buffer that grows as needed. */
    private static final class Header {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        ByteBuffer room(int bytes) {
            if (buf.remaining() < bytes) {
                long needed = (long) buf.position() + bytes;
                int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * buf.capacity()));
                if (capacity < needed) throw new IllegalStateException("GGUF header over 2 GiB");
                buf = ByteBuffer.allocate(capacity)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .put(buf.flip());
            }
            return buf;
        }

        void u32(int v) {
            room(4).putInt(v);
        }

        void u64(long v) {
            room(8).putLong(v);
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            room(bytes.length).put(bytes);
        }

        void scalar(GGUFValueType type, Object value) {
            switch (type) {
                case UINT8, INT8 -> room(1).put((byte) ((Number) value).intValue());
                case UINT16, INT16 -> room(2).putShort((short) ((Number) value).intValue());
                case UINT32, INT32 -> u32((int) ((Number) value).longValue());
                case UINT64, INT64 -> u64((Long) value);
                case FLOAT32 -> room(4).putFloat((Float) value);
                case FLOAT64 -> room(8).putDouble((Double) value);
                case BOOL -> room(1).put((byte) ((Boolean) value ? 1 : 0));
                case STRING -> string((String) value);
                case ARRAY -> throw new AssertionError("arrays are written by array()");
            }
        }

        void array(GGUFValueType elementType, Object values) {
            u32(elementType.id);
            switch (values) {
                case String[] a -> {
                    u64(a.length);
                    for (String s : a) string(s);
                }
                case int[] a -> {
                    u64(a.length);
                    for (int v : a) scalar(elementType, v);
                }
                case long[] a -> {
                    u64(a.length);
                    for (long v : a) u64(v);
                }
                case float[] a -> {
                    u64(a.length);
                    for (float v : a) room(4).putFloat(v);
                }
                case double[] a -> {
                    u64(a.length);
                    for (double v : a) room(8).putDouble(v);
                }
                case boolean[] a -> {
                    u64(a.length);
                    for (boolean v : a) room(1).put((byte) (v ? 1 : 0));
                }
                default -> throw new AssertionError(values.getClass());
            }
        }
    }
}
