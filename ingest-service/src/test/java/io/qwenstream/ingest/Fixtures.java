package io.qwenstream.ingest;

import java.nio.file.Path;

/** The read-only fixtures beside the checkout (surefire sets {@code qwenstream.fixtures}). */
final class Fixtures {

    private Fixtures() {}

    static Path root() {
        return Path.of(System.getProperty("qwenstream.fixtures", "../../shared/fixtures"));
    }

    static Path model() {
        return root().resolve("models/tiny-qwen3-moe");
    }

    static Path tokenizer() {
        return root().resolve("tokenizer/qwen3");
    }
}
