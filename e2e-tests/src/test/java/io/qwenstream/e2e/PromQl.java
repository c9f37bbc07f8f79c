package io.qwenstream.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The metric selectors of a PromQL expression: each metric name with its equality label matchers
 * ({@code name{label="value"}}). Enough of PromQL's grammar for dashboards: function and aggregation
 * calls, {@code by}/{@code without}/{@code on}/{@code ignoring}/{@code group_left}/{@code group_right}
 * label lists, range and subquery brackets, strings, numbers, operators and Grafana's {@code $variables}.
 */
final class PromQl {

    /** A metric name and the labels it must carry with exactly these values (regex and negative matchers left out). */
    record Selector(String metric, Map<String, String> equalLabels) {}

    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "and",
            "or",
            "unless",
            "offset",
            "atan2",
            "inf",
            "nan",
            // aggregation operators, which may stand before their label list: sum by (le) (…)
            "sum",
            "min",
            "max",
            "avg",
            "group",
            "stddev",
            "stdvar",
            "count",
            "count_values",
            "bottomk",
            "topk",
            "quantile",
            "limitk",
            "limit_ratio");
    private static final Set<String> LABEL_LISTS =
            Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    private final String text;
    private int at;

    private PromQl(String text) {
        this.text = text;
    }

    static List<Selector> selectors(String expression) {
        return new PromQl(expression).scan();
    }

    private List<Selector> scan() {
        List<Selector> found = new ArrayList<>();
        while (skipSpace()) {
            char c = text.charAt(at);
            if (c == '"' || c == '\'' || c == '`') {
                string();
            } else if (c == '[') {
                skipPast(']');
            } else if (c == '{') {
                throw new IllegalArgumentException("a selector without a metric name at " + at + ": " + text);
            } else if (c == '$') {
                at++;
                identifier(); // a Grafana variable outside a string, e.g. $__range in a range: never a metric
            } else if (Character.isDigit(c) || c == '.') {
                while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '.'))
                    at++;
            } else if (isIdentifierStart(c)) {
                String name = identifier();
                skipSpace();
                boolean call = at < text.length() && text.charAt(at) == '(';
                if (LABEL_LISTS.contains(name) && call) {
                    skipPast(')');
                } else if (!call && !KEYWORDS.contains(name)) {
                    boolean matchers = at < text.length() && text.charAt(at) == '{';
                    found.add(new Selector(name, matchers ? matchers() : Map.of()));
                }
            } else {
                at++; // operators and parentheses
            }
        }
        return found;
    }

    /** {@code {a="x", b=~"y", c!="z"}}: the equality matchers of the braces at {@code at}. */
    private Map<String, String> matchers() {
        Map<String, String> equal = new LinkedHashMap<>();
        at++;
        while (skipSpace() && text.charAt(at) != '}') {
            if (text.charAt(at) == ',') {
                at++;
                continue;
            }
            String label = identifier();
            skipSpace();
            int opStart = at;
            while (at < text.length() && "=!~".indexOf(text.charAt(at)) >= 0) at++;
            String op = text.substring(opStart, at);
            skipSpace();
            String value = string();
            if (op.equals("=")) equal.put(label, value);
            else if (!Set.of("!=", "=~", "!~").contains(op))
                throw new IllegalArgumentException("bad matcher " + label + op + " in " + text);
        }
        at++;
        return equal;
    }

    private String string() {
        char quote = text.charAt(at);
        if (quote != '"' && quote != '\'' && quote != '`')
            throw new IllegalArgumentException("a string expected at " + at + ": " + text);
        StringBuilder value = new StringBuilder();
        at++;
        while (text.charAt(at) != quote) {
            if (text.charAt(at) == '\\' && quote != '`') at++;
            value.append(text.charAt(at++));
        }
        at++;
        return value.toString();
    }

    private String identifier() {
        int start = at;
        while (at < text.length() && (isIdentifierStart(text.charAt(at)) || Character.isDigit(text.charAt(at)))) at++;
        if (at == start) throw new IllegalArgumentException("a name expected at " + at + ": " + text);
        return text.substring(start, at);
    }

    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_' || c == ':';
    }

    private void skipPast(char close) {
        int end = text.indexOf(close, at);
        if (end < 0) throw new IllegalArgumentException("no closing " + close + " in " + text);
        at = end + 1;
    }

    /** Skips blanks; false at the end of the text. */
    private boolean skipSpace() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
        return at < text.length();
    }
}
