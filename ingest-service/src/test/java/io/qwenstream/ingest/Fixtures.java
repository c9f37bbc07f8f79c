package io.qwenstream.ingest;

import java.nio.file.Path;

/** The repository's fixtures and the engine's tokenizer (surefire sets {@code qwenstream.fixtures}, {@code qwenstream.tokenizer}). */
final class Fixtures {

    private Fixtures() {}

    static Path root() {
        return Path.of(System.getProperty("qwenstream.fixtures"));
    }

    static Path model() {
        return root().resolve("models/tiny-qwen3-moe");
    }

    static Path tokenizer() {
        return Path.of(System.getProperty("qwenstream.tokenizer"));
    }
}
