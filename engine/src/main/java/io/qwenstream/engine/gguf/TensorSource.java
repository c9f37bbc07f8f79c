package io.qwenstream.engine.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * The bytes of one tensor, produced only when {@link GGUFWriter#write} reaches it, so a file of
 * many gigabytes streams through without being held in memory. It must write exactly
 * {@code type.bytesFor(elements)} bytes; the writer checks. (An {@code OutputStream} view of the
 * channel is {@code java.nio.channels.Channels.newOutputStream(out)}.)
 */
@FunctionalInterface
public interface TensorSource {

    void writeTo(WritableByteChannel out) throws IOException;

    /** Copies {@code bytes} (a heap array, a mapped file slice, ...) as they are. */
    static TensorSource of(MemorySegment bytes) {
        return out -> {
            // ByteBuffer views stop at 2 GiB, so large segments go out in chunks.
            long chunk = 1L << 26;
            for (long at = 0; at < bytes.byteSize(); at += chunk) {
                ByteBuffer buffer = bytes.asSlice(at, Math.min(chunk, bytes.byteSize() - at))
                        .asByteBuffer();
                while (buffer.hasRemaining()) out.write(buffer);
            }
        };
    }

    static TensorSource of(byte[] bytes) {
        return of(MemorySegment.ofArray(bytes));
    }
}
