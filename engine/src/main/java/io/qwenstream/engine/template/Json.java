package io.qwenstream.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps}, which transformers' {@code tojson} filter calls with
 * {@code ensure_ascii=False}: separators {@code ", "} and {@code ": "} (or {@code ","} and
 * {@code ": "} when indenting), keys in insertion order unless sorted, floats as Python's repr,
 * NaN and infinities as {@code NaN} / {@code Infinity}.
 */
final class Json {

    private final boolean ensureAscii;
    /** null: all on one line. */
    private final String indent;

    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final StringBuilder out = new StringBuilder();

    private Json(boolean ensureAscii, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
    }

    /**
     * @param indent     None, an int (that many spaces) or a string
     * @param separators None or a two-element (item, key) list
     */
    static String dumps(Object value, boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        String indentText = null;
        if (indent instanceof String s) {
            indentText = s;
        } else if (Values.isInt(indent)) {
            indentText = " ".repeat((int) Math.max(0, Values.bigInt(indent).longValue()));
        } else if (indent != null) {
            throw new TemplateException(
                    "tojson: indent must be an int, a string or none, not " + Values.typeName(indent));
        }
        String item = indentText == null ? ", " : ",";
        String key = ": ";
        if (separators != null) {
            if (!(separators instanceof List<?> pair)
                    || pair.size() != 2
                    || !(pair.get(0) instanceof String)
                    || !(pair.get(1) instanceof String)) {
                throw new TemplateException("tojson: separators must be a pair of strings");
            }
            item = (String) pair.get(0);
            key = (String) pair.get(1);
        }
        Json json = new Json(ensureAscii, indentText, item, key, sortKeys);
        json.write(value, 0);
        return json.out.toString();
    }

    private void write(Object v, int depth) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (Values.isInt(v)) {
            out.append(v);
        } else if (Values.isFloat(v)) {
            out.append(number(Values.toDouble(v)));
        } else if (v instanceof String s) {
            string(s);
        } else if (v instanceof List<?> list) {
            container('[', ']', list.size(), depth, i -> write(list.get(i), depth + 1));
        } else if (v instanceof Map<?, ?> map) {
            List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
            if (sortKeys) {
                entries.sort((a, b) -> Values.compare(key(a.getKey()), key(b.getKey()), "<"));
            }
            container('{', '}', entries.size(), depth, i -> {
                string(key(entries.get(i).getKey()));
                out.append(keySeparator);
                write(entries.get(i).getValue(), depth + 1);
            });
        } else {
            throw new TemplateException("Object of type " + Values.typeName(v) + " is not JSON serializable");
        }
    }

    private void container(char open, char close, int size, int depth, java.util.function.IntConsumer element) {
        if (size == 0) {
            out.append(open).append(close);
            return;
        }
        out.append(open);
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                out.append(itemSeparator);
            }
            newline(depth + 1);
            element.accept(i);
        }
        newline(depth);
        out.append(close);
    }

    private void newline(int depth) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    /** JSON object keys: Python converts int, float, bool and None keys to their JSON text. */
    private static String key(Object k) {
        if (k instanceof String s) return s;
        if (k == null) return "null";
        if (k instanceof Boolean b) return b ? "true" : "false";
        if (Values.isInt(k)) return k.toString();
        if (Values.isFloat(k)) return number(Values.toDouble(k));
        throw new TemplateException("keys must be str, int, float, bool or None, not " + Values.typeName(k));
    }

    private static String number(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        return Values.floatRepr(d);
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c)); // UTF-16 units, as Python writes them
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
