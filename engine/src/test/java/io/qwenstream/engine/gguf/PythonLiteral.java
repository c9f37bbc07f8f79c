package io.qwenstream.engine.gguf;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Python reprs that the fixture listing {@code tiny-qwen3-moe.Q8_0.txt} prints: lists
 * abbreviated as {@code [a, b, ... (N items)]} of string literals, numbers and True/False are
 * parsed; long strings, abbreviated as the first characters of their repr followed by
 * {@code ... (N chars)} where N is the repr's length, are checked by computing the repr.
 */
final class PythonLiteral {

    /** A list as printed: its first items, and its full length. */
    record ListPrefix(List<Object> items, int totalCount) {}

    private static final Pattern ABBREVIATED_STRING = Pattern.compile("(?s)(.*)\\.\\.\\. \\((\\d+) chars\\)");

    private final String text;
    private int pos;

    private PythonLiteral(String text) {
        this.text = text;
    }

    /** Whether {@code listed}, a string as the listing prints it, is how Python shows {@code actual}. */
    static boolean matches(String listed, String actual) {
        String repr = repr(actual);
        if (repr.equals(listed)) return true;
        Matcher m = ABBREVIATED_STRING.matcher(listed);
        return m.matches()
                && repr.startsWith(m.group(1))
                && repr.codePointCount(0, repr.length()) == Integer.parseInt(m.group(2));
    }

    /** Python's repr of a str: single quotes unless only double quotes avoid escaping, non-printables escaped. */
    static String repr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        s.codePoints().forEach(c -> {
            if (c == quote || c == '\\') out.append('\\').appendCodePoint(c);
            else if (c == '\n') out.append("\\n");
            else if (c == '\r') out.append("\\r");
            else if (c == '\t') out.append("\\t");
            else if (isPrintable(c)) out.appendCodePoint(c);
            else if (c < 0x100) out.append(String.format("\\x%02x", c));
            else if (c < 0x10000) out.append(String.format("\\u%04x", c));
            else out.append(String.format("\\U%08x", c));
        });
        return out.append(quote).toString();
    }

    private static boolean isPrintable(int c) {
        if (c == ' ') return true;
        return switch (Character.getType(c)) {
            case Character.CONTROL,
                    Character.FORMAT,
                    Character.SURROGATE,
                    Character.PRIVATE_USE,
                    Character.UNASSIGNED,
                    Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR,
                    Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    static ListPrefix list(String text) {
        PythonLiteral p = new PythonLiteral(text);
        p.expect('[');
        List<Object> items = new ArrayList<>();
        while (true) {
            p.skipSpaces();
            if (p.text.startsWith("...", p.pos)) {
                Matcher m = Pattern.compile("\\.\\.\\. \\((\\d+) items\\)]")
                        .matcher(p.text)
                        .region(p.pos, p.text.length());
                if (!m.matches()) throw new IllegalArgumentException("bad abbreviation in " + text);
                return new ListPrefix(items, Integer.parseInt(m.group(1)));
            }
            if (p.peek() == ']') return new ListPrefix(items, items.size());
            items.add(p.value());
            p.skipSpaces();
            if (p.peek() == ',') p.pos++;
            else {
                p.expect(']');
                return new ListPrefix(items, items.size());
            }
        }
    }

    private Object value() {
        char c = peek();
        if (c == '\'' || c == '"') return quoted();
        if (text.startsWith("True", pos)) {
            pos += 4;
            return true;
        }
        if (text.startsWith("False", pos)) {
            pos += 5;
            return false;
        }
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) pos++;
        String number = text.substring(start, pos);
        if (number.isEmpty()) throw new IllegalArgumentException("unexpected '" + c + "' at " + start + " in " + text);
        return number.matches("[-+]?\\d+") ? (Object) Long.parseLong(number) : (Object) Double.parseDouble(number);
    }

    private String quoted() {
        char quote = text.charAt(pos++);
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length()) throw new IllegalArgumentException("unterminated string in " + text);
            char c = text.charAt(pos++);
            if (c == quote) return out.toString();
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (pos + digits > text.length()) throw new IllegalArgumentException("short escape in " + text);
                    out.appendCodePoint(Integer.parseInt(text.substring(pos, pos + digits), 16));
                    pos += digits;
                }
                default -> out.append(e); // \\ \' \"
            }
        }
    }

    private char peek() {
        if (pos >= text.length()) throw new IllegalArgumentException("unexpected end of " + text);
        return text.charAt(pos);
    }

    private void skipSpaces() {
        while (pos < text.length() && text.charAt(pos) == ' ') pos++;
    }

    private void expect(char c) {
        if (peek() != c) throw new IllegalArgumentException("expected '" + c + "' at " + pos + " in " + text);
        pos++;
    }
}
