package io.qwenstream.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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
