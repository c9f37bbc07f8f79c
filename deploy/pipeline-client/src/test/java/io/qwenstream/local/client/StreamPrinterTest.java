package io.qwenstream.local.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamPrinterTest {

    private final ObjectMapper json = new ObjectMapper();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private void delta(StreamPrinter printer, int seq, String kind, String text) throws Exception {
        printer.delta(json.createObjectNode().put("seq", seq).put("kind", kind).put("text", text));
    }

    @Test
    void thinkingIsDimmedAndSeparatedFromTheAnswer() throws Exception {
        StreamPrinter printer = new StreamPrinter(out, true);
        delta(printer, 0, "thinking", "Let me ");
        delta(printer, 1, "thinking", "think.");
        delta(printer, 2, "content", "Paris");
        printer.finish(json.readTree("{\"status\":\"ok\",\"thinking\":\"Let me think.\",\"content\":\"Paris.\"}"));
        assertEquals(
                "\u001b[2mLet me \u001b[0m\u001b[2mthink.\u001b[0m\nParis.\n", bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withoutDeltasTheFinalResponseIsPrintedAndNoColorMeansPlain() throws Exception {
        StreamPrinter printer = new StreamPrinter(out, false);
        printer.finish(json.readTree("{\"status\":\"ok\",\"thinking\":\"hmm\",\"content\":\"Bonjour\\n\"}"));
        assertEquals("hmm\nBonjour\n", bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void colourOnlyOnATerminalAndNeverUnderNoColor() {
        assertTrue(StreamPrinter.colorWanted(Map.of(), true));
        assertFalse(StreamPrinter.colorWanted(Map.of(), false), "into a file or a pipe");
        assertFalse(StreamPrinter.colorWanted(Map.of("NO_COLOR", "1"), true));
        assertTrue(StreamPrinter.colorWanted(Map.of("NO_COLOR", ""), true), "an empty NO_COLOR is unset");
    }

    /** {@code ./qwenstream ask > file} execs java with its output in the file: no terminal there. */
    @Test
    void aJvmWhoseOutputIsAFileIsNotOnATerminal(@TempDir Path dir) throws Exception {
        Path output = dir.resolve("out.txt");
        Process probe = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        TerminalProbe.class.getName())
                .redirectOutput(output.toFile())
                .redirectErrorStream(true)
                .start();
        assertEquals(0, probe.waitFor());
        assertEquals("on terminal: false", Files.readString(output).strip());
    }

    @Test
    void aTasksResultIsShownWhenContentIsEmpty() throws Exception {
        StreamPrinter printer = new StreamPrinter(out, false);
        printer.finish(json.readTree("{\"status\":\"ok\",\"content\":\"\",\"translation\":{\"text\":\"Bonjour\"}}"));
        assertEquals("Bonjour\n", bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aResetDropsWhatWasShownAndTheNewGenerationIsTheAnswer() throws Exception {
        StreamPrinter printer = new StreamPrinter(out, false);
        delta(printer, 0, "thinking", "old");
        delta(printer, 1, "content", "Old answer");
        delta(printer, 2, "reset", "");
        delta(printer, 3, "thinking", "new");
        delta(printer, 4, "content", "New");
        printer.finish(json.readTree("{\"status\":\"ok\",\"thinking\":\"new\",\"content\":\"New answer.\"}"));
        assertEquals(
                "old\nOld answer\n[the request was started again: what is above is dropped]\nnew\nNew answer.\n",
                bytes.toString(StandardCharsets.UTF_8));
    }
}
