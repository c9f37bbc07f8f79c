package io.qwenstream.engine.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Builds GGUF bytes field by field, straight from the spec, so tests can write files the writer never would. */
final class RawGGUF {

    static final int MAGIC = 0x46554747;

    private final ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

    static RawGGUF header(long tensorCount, long metadataCount) {
        return new RawGGUF().u32(MAGIC).u32(3).u64(tensorCount).u64(metadataCount);
    }

    RawGGUF u8(int v) {
        b.put((byte) v);
        return this;
    }

    RawGGUF u32(int v) {
        b.putInt(v);
        return this;
    }

    RawGGUF u64(long v) {
        b.putLong(v);
        return this;
    }

    RawGGUF string(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        u64(bytes.length);
        b.put(bytes);
        return this;
    }

    RawGGUF key(String key, GGUFValueType type) {
        return string(key).u32(type.id);
    }

    RawGGUF tensorInfo(String name, long[] shape, int typeId, long offset) {
        string(name).u32(shape.length);
        for (long d : shape) u64(d);
        return u32(typeId).u64(offset);
    }

    RawGGUF padTo(int alignment) {
        while (b.position() % alignment != 0) b.put((byte) 0);
        return this;
    }

    RawGGUF zeros(int n) {
        b.put(new byte[n]);
        return this;
    }

    int size() {
        return b.position();
    }

    byte[] bytes() {
        return Arrays.copyOf(b.array(), b.position());
    }
}
