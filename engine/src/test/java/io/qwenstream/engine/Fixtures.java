package io.qwenstream.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * The read-only fixtures in the repository's fixtures/ (path from the {@code qwenstream.fixtures} property)
 * and the Qwen3 tokenizer the engine ships ({@code qwenstream.tokenizer}); surefire sets both.
 */
public final class Fixtures {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode reference;
    private static JsonNode ggufReference;

    private Fixtures() {}

    public static Path root() {
        String dir = System.getProperty("qwenstream.fixtures");
        if (dir == null || !Files.isDirectory(Path.of(dir))) {
            throw new IllegalStateException("fixtures not found (system property qwenstream.fixtures = " + dir
                    + "); run the tests through Maven, which points it at the repository's fixtures/");
        }
        return Path.of(dir);
    }

    public static Path tokenizerDir() {
        return Path.of(System.getProperty("qwenstream.tokenizer"));
    }

    public static Path model(String name) {
        return root().resolve("models").resolve(name);
    }

    public static synchronized JsonNode reference() {
        if (reference == null) reference = read(root().resolve("reference/hf-transformers-reference.json"));
        return reference;
    }

    public static synchronized JsonNode ggufReference() {
        if (ggufReference == null) ggufReference = read(root().resolve("reference/hf-gguf-q8_0-reference.json"));
        return ggufReference;
    }

    public static JsonNode cases() {
        return read(root().resolve("reference/cases.json"));
    }

    /** A JSON field that the reference stores either as JSON or as a string holding JSON. */
    public static JsonNode field(JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v != null && v.isTextual() && !name.endsWith("_b64")) {
            try {
                return JSON.readTree(v.asText());
            } catch (IOException e) {
                return v;
            }
        }
        return v;
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    public static float[] base64Floats(String b64) {
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(out);
        return out;
    }

    /**
     * The directory of a reference model entry: the checkpoint itself, or for an entry with a
     * {@code config_patch} (cases.json) a temp dir with the patched config.json and links to the shards.
     */
    public static Path modelDirFor(String entry, Path tempDir) {
        JsonNode spec = cases().path("models").path(entry);
        Path source = model(spec.path("dir").asText(entry));
        JsonNode patch = spec.get("config_patch");
        if (patch == null) return source;
        try {
            Path dir = Files.createDirectories(tempDir.resolve(entry));
            ObjectNode config = (ObjectNode) read(source.resolve("config.json"));
            for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                config.set(e.getKey(), e.getValue());
            }
            Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
            try (var files = Files.list(source)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (!f.getFileName().toString().equals("config.json")) {
                        Files.createSymbolicLink(dir.resolve(f.getFileName()), f.toAbsolutePath());
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
