package io.qwenstream.engine.template;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits template source into tokens the way jinja2's lexer does with the settings transformers
 * uses: {@code trim_blocks} (the first newline after a block or comment tag is dropped),
 * {@code lstrip_blocks} (spaces and tabs from the start of a line up to a block or comment tag are
 * dropped), {@code keep_trailing_newline=False} (one trailing newline of the source is dropped),
 * plus the explicit {@code -} / {@code +} markers on tags. Whitespace control is fully resolved
 * here: TEXT tokens carry exactly the text that is output.
 */
final class Lexer {

    enum Kind {
        TEXT,
        VAR_BEGIN,
        VAR_END,
        BLOCK_BEGIN,
        BLOCK_END,
        NAME,
        STRING,
        INT,
        FLOAT,
        OP,
        EOF
    }

    /** {@code text} is the decoded value for STRING tokens and the literal spelling otherwise. */
    record Token(Kind kind, String text, int line, int column) {
        boolean is(Kind k, String t) {
            return kind == k && text.equals(t);
        }

        boolean isName(String t) {
            return is(Kind.NAME, t);
        }

        boolean isOp(String t) {
            return is(Kind.OP, t);
        }
    }

    private static final Pattern FLOAT =
            Pattern.compile("(\\d+_)*\\d+((\\.(\\d+_)*\\d+)?[eE][+\\-]?(\\d+_)*\\d+|\\.(\\d+_)*\\d+)");
    private static final Pattern INT =
            Pattern.compile("0[bB](_?[01])+|0[oO](_?[0-7])+|0[xX](_?[0-9a-fA-F])+|[1-9](_?\\d)*|0(_?0)*");
    private static final Pattern RAW_BEGIN = Pattern.compile("\\s*raw\\s*(-%}\\s*|%})");
    private static final Pattern RAW_END =
            Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(\\+%}|-%}\\s*|%}\\n?)", Pattern.DOTALL);
    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=",
        ".", ":", "|", ",", ";"
    };

    private final String src;
    private final int[] lineStarts;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    /** Whether the text that follows starts a line: jinja2's {@code line_starting}. */
    private boolean lineStarting = true;

    private Lexer(String source) {
        this.src = source;
        int[] starts = new int[16];
        int n = 0;
        starts[n++] = 0;
        for (int i = 0; i < source.length(); i++) {
            if (source.charAt(i) == '\n') {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                }
                starts[n++] = i + 1;
            }
        }
        this.lineStarts = Arrays.copyOf(starts, n);
    }

    static List<Token> tokenize(String source) {
        // jinja2 normalizes every line break to "\n" and drops one trailing newline.
        String normalized = source.replace("\r\n", "\n").replace('\r', '\n');
        if (normalized.endsWith("\n")) {
            normalized = normalized.substring(0, normalized.length() - 1);
        }
        Lexer lexer = new Lexer(normalized);
        lexer.run();
        return lexer.tokens;
    }

    private void run() {
        while (pos < src.length()) {
            int tag = nextTagStart(pos);
            if (tag < 0) {
                emit(Kind.TEXT, src.substring(pos), pos);
                break;
            }
            String opener = src.substring(tag, tag + 2);
            char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
            String text = src.substring(pos, tag);
            if (sign == '-') {
                text = Values.rstrip(text, null);
            } else if (sign != '+' && !opener.equals("{{")) {
                text = lstripLine(text);
            }
            if (!text.isEmpty()) {
                emit(Kind.TEXT, text, pos);
            }
            pos = tag + 2 + (sign == '-' || sign == '+' ? 1 : 0);
            switch (opener) {
                case "{#" -> comment(tag);
                case "{{" -> tag(tag, Kind.VAR_BEGIN);
                default -> {
                    if (!raw()) {
                        tag(tag, Kind.BLOCK_BEGIN);
                    }
                }
            }
        }
        emit(Kind.EOF, "", src.length());
    }

    private int nextTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** lstrip_blocks: drop the run of whitespace between the last line start and the tag. */
    private String lstripLine(String text) {
        int lineStart = text.lastIndexOf('\n') + 1;
        if ((lineStart > 0 || lineStarting) && lineStart < text.length() && Values.isBlank(text.substring(lineStart))) {
            return text.substring(0, lineStart);
        }
        return text;
    }

    private void comment(int start) {
        int end = src.indexOf("#}", pos);
        if (end < 0) {
            throw error("missing end of comment tag", start);
        }
        char before = end - 1 >= pos ? src.charAt(end - 1) : 0;
        pos = end + 2;
        afterTagEnd(before == '-' ? '-' : before == '+' ? '+' : 0);
    }

    /** Handles {% raw %}...{% endraw %}, whose content is text; false when the tag is not raw. */
    private boolean raw() {
        Matcher begin = RAW_BEGIN.matcher(src).region(pos, src.length());
        if (!begin.lookingAt()) {
            return false;
        }
        int start = pos;
        pos = begin.end();
        lineStarting = src.charAt(pos - 1) == '\n';
        Matcher end = RAW_END.matcher(src).region(pos, src.length());
        if (!end.find()) {
            if (pos == src.length()) {
                return true; // jinja2 accepts a raw tag that ends the template
            }
            throw error("missing end of raw directive", start);
        }
        String text = src.substring(pos, end.start());
        String sign = end.group(1);
        text = sign.equals("-") ? Values.rstrip(text, null) : sign.equals("+") ? text : lstripLine(text);
        if (!text.isEmpty()) {
            emit(Kind.TEXT, text, pos);
        }
        pos = end.end();
        lineStarting = src.charAt(pos - 1) == '\n';
        return true;
    }

    /** Tokens of a {{ ... }} or {% ... %} tag, up to and including its end marker. */
    private void tag(int start, Kind begin) {
        emit(begin, begin == Kind.VAR_BEGIN ? "{{" : "{%", start);
        String close = begin == Kind.VAR_BEGIN ? "}}" : "%}";
        Kind end = begin == Kind.VAR_BEGIN ? Kind.VAR_END : Kind.BLOCK_END;
        StringBuilder brackets = new StringBuilder();
        while (true) {
            while (pos < src.length() && Values.isSpace(src.charAt(pos))) {
                pos++;
            }
            if (pos >= src.length()) {
                throw error("unexpected end of template: missing '" + close + "'", start);
            }
            if (brackets.isEmpty()) {
                if (end == Kind.BLOCK_END && src.startsWith("+" + close, pos)) {
                    emit(end, close, pos);
                    pos += 3;
                    afterTagEnd('+');
                    return;
                }
                if (src.startsWith("-" + close, pos)) {
                    emit(end, close, pos);
                    pos += 3;
                    afterTagEnd('-');
                    return;
                }
                if (src.startsWith(close, pos)) {
                    emit(end, close, pos);
                    pos += 2;
                    // trim_blocks applies to block tags only, never to {{ }}.
                    afterTagEnd(end == Kind.BLOCK_END ? 0 : '+');
                    return;
                }
            }
            lexExpressionToken(brackets);
        }
    }

    /** Whitespace control after a tag's end marker: '-' strips all, '+' none, 0 trims one newline. */
    private void afterTagEnd(char sign) {
        if (sign == '-') {
            while (pos < src.length() && Values.isSpace(src.charAt(pos))) {
                pos++;
            }
        } else if (sign == 0 && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
        lineStarting = pos > 0 && src.charAt(pos - 1) == '\n';
    }

    private void lexExpressionToken(StringBuilder brackets) {
        int start = pos;
        char c = src.charAt(pos);
        if (Character.isDigit(c)) {
            Matcher f = FLOAT.matcher(src).region(pos, src.length());
            if ((pos == 0 || src.charAt(pos - 1) != '.') && f.lookingAt()) {
                pos = f.end();
                emit(Kind.FLOAT, src.substring(start, pos).replace("_", ""), start);
                return;
            }
            Matcher i = INT.matcher(src).region(pos, src.length());
            if (i.lookingAt()) {
                pos = i.end();
                emit(Kind.INT, src.substring(start, pos).replace("_", ""), start);
                return;
            }
        }
        if (Character.isLetter(c) || c == '_') {
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                pos++;
            }
            emit(Kind.NAME, src.substring(start, pos), start);
            return;
        }
        if (c == '\'' || c == '"') {
            int i = pos + 1;
            while (i < src.length() && src.charAt(i) != c) {
                i += src.charAt(i) == '\\' ? 2 : 1;
            }
            if (i >= src.length()) {
                throw error("unterminated string literal", start);
            }
            pos = i + 1;
            try {
                emit(Kind.STRING, unescape(src.substring(start + 1, i)), start);
            } catch (TemplateException bad) {
                throw error(bad.reason(), start);
            }
            return;
        }
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                balance(op, brackets, start);
                pos += op.length();
                emit(Kind.OP, op, start);
                return;
            }
        }
        throw error("unexpected character '" + c + "'", start);
    }

    private void balance(String op, StringBuilder brackets, int at) {
        switch (op) {
            case "(" -> brackets.append(')');
            case "[" -> brackets.append(']');
            case "{" -> brackets.append('}');
            case ")", "]", "}" -> {
                if (brackets.isEmpty()) {
                    throw error("unexpected '" + op + "'", at);
                }
                char expected = brackets.charAt(brackets.length() - 1);
                if (expected != op.charAt(0)) {
                    throw error("unexpected '" + op + "', expected '" + expected + "'", at);
                }
                brackets.setLength(brackets.length() - 1);
            }
            default -> {}
        }
    }

    /** Python's unicode-escape decoding, which jinja2 applies to string literals. */
    static String unescape(String raw) {
        if (raw.indexOf('\\') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\' || i + 1 == raw.length()) {
                out.append(c);
                continue;
            }
            char e = raw.charAt(++i);
            switch (e) {
                case '\n' -> {}
                case '\\', '\'', '"' -> out.append(e);
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'v' -> out.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    try {
                        out.appendCodePoint(Integer.parseInt(raw.substring(i + 1, i + 1 + digits), 16));
                    } catch (IllegalArgumentException | IndexOutOfBoundsException bad) {
                        throw new TemplateException("truncated \\" + e + " escape in string literal");
                    }
                    i += digits;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int end = i;
                        while (end < raw.length() && end < i + 3 && raw.charAt(end) >= '0' && raw.charAt(end) <= '7') {
                            end++;
                        }
                        out.appendCodePoint(Integer.parseInt(raw.substring(i, end), 8));
                        i = end - 1;
                    } else {
                        out.append('\\').append(e); // Python keeps unknown escapes as written
                    }
                }
            }
        }
        return out.toString();
    }

    private void emit(Kind kind, String text, int at) {
        tokens.add(new Token(kind, text, lineOf(at), at - lineStarts[lineOf(at) - 1] + 1));
    }

    private int lineOf(int at) {
        int i = Arrays.binarySearch(lineStarts, at);
        return i >= 0 ? i + 1 : -i - 1;
    }

    private TemplateException error(String message, int at) {
        int line = lineOf(at);
        return new TemplateException(message, line, at - lineStarts[line - 1] + 1);
    }
}
