package io.qwenstream.ingest;

import io.qwenstream.schemas.ChatMessage;
import java.util.List;
import java.util.Map;

/**
 * The conversation a translate or summarize request becomes: a system message that says exactly
 * what to do, and one user message holding the input (the text, or the conversation written out
 * turn by turn when the request sent messages to translate or summarise).
 */
public final class TaskInstructions {

    private TaskInstructions() {}

    /** Input of a translate/summarize task: either {@code text} or a conversation. */
    public record Input(String text, List<ChatMessage> conversation) {
        String asUserMessage() {
            if (text != null) return text;
            StringBuilder out = new StringBuilder();
            for (ChatMessage message : conversation) {
                if (!out.isEmpty()) out.append("\n\n");
                out.append('[').append(message.role().wire()).append("]\n");
                out.append(message.content() == null ? "" : message.content());
            }
            return out.toString();
        }

        boolean isConversation() {
            return text == null;
        }
    }

    /** The system message with the task's instructions, and the user message holding the input. */
    public record Instructions(String system, String user) {}

    public static Instructions translate(
            Input input, String targetLanguage, String sourceLanguage, Map<String, String> glossary) {
        StringBuilder system = new StringBuilder("You are a professional translator. Translate the ");
        system.append(input.isConversation() ? "conversation" : "text").append(" in the user's message ");
        if (sourceLanguage != null) {
            system.append("from ").append(sourceLanguage).append(' ');
        } else {
            system.append("(detect its language) ");
        }
        system.append("into ").append(targetLanguage).append(".\n");
        system.append("Reply with the translation only: no explanations, notes, quotes or the original text. ");
        system.append("Keep the formatting as it is (line breaks, lists, Markdown, code, placeholders).");
        if (input.isConversation()) {
            system.append(" Keep the speaker labels in square brackets ([user], [assistant]…) untranslated.");
        }
        if (glossary != null && !glossary.isEmpty()) {
            system.append("\nUse this glossary; each term must be translated exactly as given:");
            glossary.forEach((term, translation) -> system.append("\n- \"")
                    .append(term)
                    .append("\" → \"")
                    .append(translation)
                    .append('"'));
        }
        return new Instructions(system.toString(), input.asUserMessage());
    }

    public static Instructions summarize(Input input, String style, Integer maxWords) {
        String what =
                input.isConversation() ? "the conversation in the user's message" : "the text in the user's message";
        StringBuilder system = new StringBuilder("You are a careful summarizer. Summarize ")
                .append(what)
                .append(", in the language it is written in, keeping only facts it states.\n");
        switch (style == null ? "paragraph" : style) {
            case "bullets" ->
                system.append("Write the summary as bullet points, one per line, each line starting with \"- \".");
            case "issue_resolution" ->
                system.append("It is an issue or support thread. Write the summary as four bullet points, ")
                        .append(
                                "one per line, each starting with \"- \" and its label: \"- Problem: …\", \"- Cause: …\", ")
                        .append(
                                "\"- Resolution: …\", \"- Open questions: …\" (write \"none\" where the thread says nothing).");
            default -> system.append("Write the summary as one paragraph of plain prose.");
        }
        if (maxWords != null) {
            system.append(" Use at most ").append(maxWords).append(" words.");
        }
        system.append("\nReply with the summary only: no title, no preamble, no comments.");
        return new Instructions(system.toString(), input.asUserMessage());
    }
}
