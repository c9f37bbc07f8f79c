package io.qwenstream.postprocess.format;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Strips what a model puts around a translation: a preamble line ("Here is the translation:",
 * "Translation:", "Sure! Here's the German translation:", "Übersetzung:" …) and quotes wrapping the
 * whole text. Quotes are removed only when they wrap it: a text that quotes two things keeps both.
 */
public final class TranslationCleaner {

    private static final String ACK = "(?:(?:sure|okay|ok|certainly|of course)[!,.]?\\s*)?";
    /** "… of the text", "… into German", "… (German)": what may sit between "translation" and the colon. */
    private static final String TARGET =
            "(?:\\s+of\\s+(?:the\\s+|your\\s+)?(?:text|sentence|passage|paragraph|above|input))?"
                    + "(?:\\s+(?:into|in|to)\\s+\\p{L}+(?:\\s+\\p{L}+)?)?(?:\\s*\\([^)\\n]{0,40}\\))?";

    private static final Pattern PREAMBLE = Pattern.compile(
            "^" + ACK + "(?:"
                    + "here(?:'s| is| are)\\b[^:\\n]{0,60}?\\btranslat\\w*" + TARGET
                    + "|(?:the\\s+)?(?:\\p{L}+\\s+)?translation" + TARGET
                    + "|translated(?:\\s+text)?" + TARGET
                    + "|übersetzung|traducción|traduction|traduzione|tradução|vertaling|перевод|翻译|翻訳|번역"
                    + ")\\s*[:：]\\s*",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /** Opening and closing quote of each pair a model wraps text in. */
    private static final List<String[]> QUOTES = List.of(
            new String[] {"\"", "\""},
            new String[] {"'", "'"},
            new String[] {"“", "”"},
            new String[] {"‘", "’"},
            new String[] {"«", "»"},
            new String[] {"»", "«"},
            new String[] {"„", "“"},
            new String[] {"„", "”"},
            new String[] {"‚", "‘"},
            new String[] {"「", "」"},
            new String[] {"『", "』"},
            new String[] {"‹", "›"},
            new String[] {"```", "```"});

    private TranslationCleaner() {}

    public static String clean(String answer) {
        String text = answer.strip();
        // An acknowledgement alone on the first line ("Sure!") goes with the preamble under it.
        text = text.replaceFirst("(?i)^(?:sure|okay|ok|certainly|of course)[!,.]?\\s*\\R", "");
        text = PREAMBLE.matcher(text).replaceFirst("").strip();
        for (String[] pair : QUOTES) {
            String open = pair[0];
            String close = pair[1];
            if (text.length() >= open.length() + close.length() && text.startsWith(open) && text.endsWith(close)) {
                String inner = text.substring(open.length(), text.length() - close.length());
                if (!inner.contains(close) && !inner.contains(open)) return inner.strip();
            }
        }
        return text;
    }
}
