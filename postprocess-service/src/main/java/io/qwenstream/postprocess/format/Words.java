package io.qwenstream.postprocess.format;

/**
 * Counts and cuts words the strictest way a reader could count them: every whitespace-separated token
 * is a word, and every Han or kana character is a word of its own (those scripts put no spaces between
 * words). A text cut to {@code n} words here has at most {@code n} words by either count.
 */
public final class Words {

    private Words() {}

    public static int count(String text) {
        return wordEnds(text, Integer.MAX_VALUE).count;
    }

    /** The text up to the end of its {@code max}-th word (whole text when shorter), trailing blanks dropped. */
    public static String truncate(String text, int max) {
        if (max <= 0) return "";
        Cut cut = wordEnds(text, max);
        return cut.count < max ? text.strip() : text.substring(0, cut.end).strip();
    }

    private record Cut(int count, int end) {}

    /** Walks code points; stops after the {@code max}-th word, returning where that word ends. */
    private static Cut wordEnds(String text, int max) {
        int count = 0;
        int end = 0;
        boolean inWord = false;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (Character.isWhitespace(cp)) {
                inWord = false;
            } else if (isWordOfItsOwn(cp)) {
                if (count == max) return new Cut(count, end);
                count++;
                inWord = true; // punctuation right after it belongs to it
                end = next;
            } else {
                if (!inWord) {
                    if (count == max) return new Cut(count, end);
                    count++;
                    inWord = true;
                }
                end = next;
            }
            i = next;
        }
        return new Cut(count, end);
    }

    private static boolean isWordOfItsOwn(int cp) {
        Character.UnicodeScript script = Character.UnicodeScript.of(cp);
        return script == Character.UnicodeScript.HAN
                || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA;
    }
}
