package io.qwenstream.postprocess.split;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.engine.Phase;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A token stream recorded from the real tokenizer or the engine (src/test/resources/streams, made by
 * tools/RecordStreams.java): one (phase, text) per generated token, as the worker sees them.
 */
record RecordedStream(String name, List<Piece> tokens) {

    record Piece(Phase phase, String text) {}

    static final List<String> NAMES = List.of(
            "thinking-answer",
            "forced-off",
            "budget",
            "cut-by-length",
            "tool-call",
            "two-tool-calls-with-text",
            "multibyte",
            "engine-thinking-cut",
            "engine-budget",
            "engine-forced-off");

    static RecordedStream load(String name) {
        try (InputStream in = RecordedStream.class.getResourceAsStream("/streams/" + name + ".json")) {
            if (in == null) throw new IllegalArgumentException("no recorded stream " + name);
            JsonNode root = new ObjectMapper().readTree(in);
            List<Piece> tokens = new ArrayList<>();
            for (JsonNode token : root.get("tokens")) {
                tokens.add(new Piece(
                        Phase.valueOf(token.get(0).asText().toUpperCase()),
                        token.get(1).asText()));
            }
            return new RecordedStream(name, List.copyOf(tokens));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String text() {
        StringBuilder text = new StringBuilder();
        tokens.forEach(t -> text.append(t.text()));
        return text.toString();
    }

    /** The phase of every UTF-16 char of {@link #text()}: that of the token it came from. */
    Phase[] charPhases() {
        Phase[] phases = new Phase[text().length()];
        int at = 0;
        for (Piece token : tokens) {
            for (int i = 0; i < token.text().length(); i++) phases[at++] = token.phase();
        }
        return phases;
    }

    /** Cuts the text at the given char offsets; each piece is labelled like a worker chunk, by its first char. */
    List<Piece> cutAt(int... cuts) {
        String text = text();
        Phase[] phases = charPhases();
        List<Piece> pieces = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            if (cut > from) pieces.add(new Piece(phases[from], text.substring(from, cut)));
            from = Math.max(from, cut);
        }
        if (from < text.length()) pieces.add(new Piece(phases[from], text.substring(from)));
        return pieces;
    }

    /** Groups whole tokens as a worker flushing every {@code n} tokens would, labelled by the first token. */
    List<Piece> chunksOf(int n) {
        List<Piece> chunks = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i += n) {
            StringBuilder text = new StringBuilder();
            for (int j = i; j < Math.min(tokens.size(), i + n); j++)
                text.append(tokens.get(j).text());
            chunks.add(new Piece(tokens.get(i).phase(), text.toString()));
        }
        return chunks;
    }
}
