package io.qwenstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's public API is its root package {@code io.qwenstream.engine}; its sub-packages (gguf, model,
 * tokenizer, ...) are internal. Every Java source outside {@code engine/} (the services, the launcher and the rest
 * of {@code deploy/}, schemas, these tests, tools) may name the root package's types only, in imports or written
 * out in full. The one exception is {@code benchmarks/}: a kernel benchmark (MatrixBenchmark) measures the
 * internal kernels themselves, so benchmarks may import internals.
 */
class EngineApiBoundaryTest {

    /** A name inside a sub-package of the engine: after {@code io.qwenstream.engine.}, a lower-case segment. */
    private static final Pattern INTERNAL = Pattern.compile("\\bio\\.qwenstream\\.engine\\.[a-z_][A-Za-z0-9_]*\\b");

    /** The engine's package, spelt in two pieces so that the samples below do not break the rule themselves. */
    private static final String ENGINE = "io.qwenstream" + ".engine";

    private static final List<String> EXEMPT = List.of("engine", "benchmarks");

    @Test
    void nothingOutsideTheEngineNamesItsInternals() throws IOException {
        Path root = Path.of(System.getProperty("qwenstream.root", ".."))
                .toAbsolutePath()
                .normalize();
        List<Path> sources = sourcesOutsideTheEngine(root);
        for (String module : List.of("ingest-service", "inference-worker", "postprocess-service", "deploy")) {
            assertTrue(
                    sources.stream().anyMatch(s -> root.relativize(s).startsWith(module)),
                    "no Java sources found under " + root.resolve(module));
        }
        List<String> violations = new ArrayList<>();
        for (Path source : sources) {
            List<String> lines = Files.readAllLines(source);
            for (int i = 0; i < lines.size(); i++) {
                Matcher internal = INTERNAL.matcher(lines.get(i));
                if (internal.find()) {
                    violations.add(root.relativize(source) + ":" + (i + 1) + ": " + internal.group());
                }
            }
        }
        assertEquals(
                List.of(), violations, "engine internals named outside engine/ (use the io.qwenstream.engine API)");
    }

    @Test
    void theRuleTellsTheApiFromTheInternals() {
        assertTrue(INTERNAL.matcher("import " + ENGINE + ".model.KVCache;").find());
        assertTrue(INTERNAL.matcher("import static " + ENGINE + ".tokenizer.Qwen3Tokenizer.load;")
                .find());
        assertTrue(INTERNAL.matcher("var f = new " + ENGINE + ".gguf.GGUFFile(path);")
                .find());
        assertTrue(INTERNAL.matcher("import " + ENGINE + ".kernels.*;").find());
        assertFalse(INTERNAL.matcher("import io.qwenstream.engine.Engine;").find());
        assertFalse(INTERNAL.matcher("import static io.qwenstream.engine.Phase.ANSWER;")
                .find());
        assertFalse(INTERNAL.matcher("import io.qwenstream.engineering.Tool;").find());
    }

    private static List<Path> sourcesOutsideTheEngine(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> {
                        Path relative = root.relativize(f);
                        String top = relative.getName(0).toString();
                        return !EXEMPT.contains(top) && !top.startsWith(".") && !inBuildOutput(relative);
                    })
                    .sorted()
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static boolean inBuildOutput(Path relative) {
        for (Path part : relative) {
            if (part.toString().equals("target")) return true;
        }
        return false;
    }
}
