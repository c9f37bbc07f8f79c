package io.qwenstream.engine.cli;

import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The Qwen3 tokenizer shipped in the engine's jar (see its NOTICE), for files that carry none. */
final class BundledTokenizer {

    private static final String DIR = "/io/qwenstream/engine/tokenizer/qwen3/";

    private BundledTokenizer() {}

    static Qwen3Tokenizer qwen3() {
        try {
            Path dir = Files.createTempDirectory("qwen3-tokenizer");
            try {
                for (String file : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                    try (InputStream in = BundledTokenizer.class.getResourceAsStream(DIR + file)) {
                        if (in == null) throw new IllegalStateException("the engine jar lacks its bundled " + file);
                        Files.copy(in, dir.resolve(file));
                    }
                }
                return Qwen3Tokenizer.fromHfDir(dir);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) Files.delete(f);
                }
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the bundled tokenizer", e);
        }
    }
}
