package io.qwenstream.postprocess;

/** What the response processor reads: a TokenChunk or a PreparedRequest, both as the raw record bytes. */
sealed interface Inbound {

    byte[] raw();

    record Chunk(byte[] raw) implements Inbound {}

    record Prepared(byte[] raw) implements Inbound {}
}
