package io.qwenstream.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.local.client.LauncherException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** up's default model: the shipped gzipped GGUF, unpacked into .qwenstream/models/ on first use. */
class DefaultModelTest {

    @TempDir
    Path root;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    private void ship(byte[] content, Instant modified) throws IOException {
        Path gz = root.resolve(Cluster.DEFAULT_MODEL_GZ);
        Files.createDirectories(gz.getParent());
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(content);
        }
        Files.setLastModifiedTime(gz, FileTime.from(modified));
    }

    @Test
    void theRepositoryShipsTheDemoModel() {
        Path demoModel = Path.of(System.getProperty("qwenstream.demo-model", "../../tools/demo-model"));
        Path shipped = demoModel.toAbsolutePath().getParent().getParent().resolve(Cluster.DEFAULT_MODEL_GZ);
        assertTrue(Files.isRegularFile(shipped), shipped + " is missing");
    }

    @Test
    void unpacksOnFirstUseAndOnlyThen() throws IOException {
        byte[] model = "GGUF and then some bytes".getBytes(StandardCharsets.US_ASCII);
        ship(model, Instant.parse("2026-01-01T00:00:00Z"));
        Path target = Cluster.defaultModel(root).path();
        assertEquals(
                root.resolve(".qwenstream/models/qwenstream-demo.Q8_0.gguf").toAbsolutePath(), target);

        Cluster.unpackDefaultModel(root, target, out);
        assertArrayEquals(model, Files.readAllBytes(target));
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("unpacking the demo model"));

        printed.reset();
        Cluster.unpackDefaultModel(root, target, out);
        assertEquals("", printed.toString(StandardCharsets.UTF_8), "an up-to-date copy is left alone");
        try (var files = Files.list(target.getParent())) {
            assertEquals(1, files.count(), "no partial file left behind");
        }
    }

    @Test
    void aNewerArchiveReplacesTheUnpackedCopy() throws IOException {
        ship("old".getBytes(StandardCharsets.US_ASCII), Instant.parse("2026-01-01T00:00:00Z"));
        Path target = Cluster.defaultModel(root).path();
        Cluster.unpackDefaultModel(root, target, out);
        Files.setLastModifiedTime(target, FileTime.from(Instant.parse("2026-01-02T00:00:00Z")));

        ship("new".getBytes(StandardCharsets.US_ASCII), Instant.parse("2026-01-03T00:00:00Z"));
        Cluster.unpackDefaultModel(root, target, out);
        assertEquals("new", Files.readString(target));
    }

    @Test
    void withoutTheArchiveAnUnpackedCopyStillServesElseItSaysWhatIsMissing() throws IOException {
        Path target = Cluster.defaultModel(root).path();
        LauncherException e =
                assertThrows(LauncherException.class, () -> Cluster.unpackDefaultModel(root, target, out));
        assertTrue(e.getMessage().contains(Cluster.DEFAULT_MODEL_GZ), e.getMessage());
        assertFalse(Files.exists(target));

        Files.createDirectories(target.getParent());
        Files.writeString(target, "unpacked earlier");
        Cluster.unpackDefaultModel(root, target, out);
        assertEquals("unpacked earlier", Files.readString(target));
    }
}
