package io.qwenstream.local.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Console;
import java.io.PrintStream;
import java.util.Map;

/**
 * Prints an answer as it streams: ResponseDelta thinking dimmed ({@code ESC[2m…ESC[0m}), content
 * plain. The final InferenceResponse then fills in whatever the deltas did not show (the final
 * record can overtake the last deltas, which travel on another topic, and a request may stream
 * nothing at all). A {@code reset} delta (the request was started again, by a restarted or another
 * worker) drops what was shown: a notice line follows it, then the new generation's text.
 */
public final class StreamPrinter {

    public static final String DIM = "\u001b[2m";
    public static final String RESET = "\u001b[0m";

    private final PrintStream out;
    private final boolean color;
    private final StringBuilder thinking = new StringBuilder();
    private final StringBuilder content = new StringBuilder();
    private char lastPrinted = '\n';
    private String lastKind;

    /** @param color whether to dim thinking with ANSI codes ({@link #colorWanted}) */
    public StreamPrinter(PrintStream out, boolean color) {
        this.out = out;
        this.color = color;
    }

    /**
     * Escape codes only for a terminal (never into a file or a pipe), and never when {@code NO_COLOR} is
     * set to anything but the empty string (no-color.org).
     */
    public static boolean colorWanted(Map<String, String> env, boolean terminal) {
        String noColor = env.get("NO_COLOR");
        return terminal && (noColor == null || noColor.isEmpty());
    }

    /** Whether this JVM reads from and writes to a terminal (the launcher script execs java, so: the user's). */
    public static boolean onTerminal() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    public void delta(JsonNode delta) {
        String kind = delta.path("kind").asText();
        String text = delta.path("text").asText("");
        switch (kind) {
            case "thinking" -> {
                thinking.append(text);
                print("thinking", text);
            }
            case "tool_call" -> print("tool_call", text);
            case "reset" -> restart();
            default -> {
                content.append(text);
                print("content", text);
            }
        }
    }

    private void restart() {
        if (lastPrinted != '\n') out.println();
        out.println("[the request was started again: what is above is dropped]");
        out.flush();
        thinking.setLength(0);
        content.setLength(0);
        lastKind = null;
        lastPrinted = '\n';
    }

    /** Prints the rest of the final response's thinking and content and ends the line. */
    public void finish(JsonNode response) {
        String finalThinking = response.path("thinking").asText("");
        String finalContent = response.path("content").asText("");
        if (finalThinking.startsWith(thinking.toString()))
            print("thinking", finalThinking.substring(thinking.length()));
        if (finalContent.startsWith(content.toString())) print("content", finalContent.substring(content.length()));
        if (finalContent.isEmpty() && content.isEmpty()) {
            // A task's own result when the model's content was empty.
            String result = response.path("translation")
                    .path("text")
                    .asText(response.path("summary").path("text").asText(""));
            print("content", result);
        }
        if (lastPrinted != '\n') out.println();
        out.flush();
    }

    private void print(String kind, String text) {
        if (text.isEmpty()) return;
        if (lastKind != null && !lastKind.equals(kind) && lastPrinted != '\n') out.println();
        lastKind = kind;
        if (kind.equals("thinking") && color) {
            out.print(DIM + text + RESET);
        } else {
            out.print(text);
        }
        out.flush();
        lastPrinted = text.charAt(text.length() - 1);
    }
}
