package io.qwenstream.engine.template;

import static io.qwenstream.engine.template.Params.REQUIRED;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Methods of str, dict and list that templates call ({@code s.startswith('x')}, {@code d.items()}).
 * Methods that change lists or dicts are left out: transformers' immutable sandbox forbids them.
 */
final class Methods {

    private Methods() {}

    /** The bound method {@code obj.name}, or null when {@code obj} has no such method. */
    static TemplateFunction bind(Object obj, String name) {
        if (obj instanceof String s) {
            return stringMethod(s, name);
        }
        if (obj instanceof Map<?, ?> m) {
            return dictMethod(m, name);
        }
        if (obj instanceof List<?> l && name.equals("count")) {
            return (args, kw) -> {
                Object item = Params.bind(name, args, kw, "value", REQUIRED)[0];
                return l.stream().filter(x -> Values.equal(x, item)).count();
            };
        }
        return null;
    }

    private static TemplateFunction stringMethod(String s, String name) {
        return switch (name) {
            case "startswith", "endswith" ->
                (args, kw) -> {
                    Object[] p = Params.bind(name, args, kw, "prefix", REQUIRED, "start", null, "end", null);
                    String part = (String) Values.slice(s, p[1], p[2], null);
                    List<Object> options = p[0] instanceof List<?> l ? new ArrayList<>(l) : List.of(p[0]);
                    for (Object option : options) {
                        if (!(option instanceof String o)) {
                            throw new TemplateException(
                                    name + " first arg must be str or a tuple of str, not " + Values.typeName(option));
                        }
                        if (name.equals("startswith") ? part.startsWith(o) : part.endsWith(o)) {
                            return true;
                        }
                    }
                    return false;
                };
            case "split", "rsplit" ->
                (args, kw) -> {
                    Object[] p = Params.bind(name, args, kw, "sep", null, "maxsplit", -1L);
                    String sep = Params.string(name, p[0]);
                    long max = Params.integer(name, p[1]);
                    return name.equals("split") ? split(s, sep, max) : rsplit(s, sep, max);
                };
            case "strip", "lstrip", "rstrip" ->
                (args, kw) -> {
                    String chars = Params.string(name, Params.bind(name, args, kw, "chars", null)[0]);
                    return switch (name) {
                        case "strip" -> Values.strip(s, chars);
                        case "lstrip" -> Values.lstrip(s, chars);
                        default -> Values.rstrip(s, chars);
                    };
                };
            case "replace" ->
                (args, kw) -> {
                    Object[] p = Params.bind(name, args, kw, "old", REQUIRED, "new", REQUIRED, "count", -1L);
                    return replace(s, Params.string(name, p[0]), Params.string(name, p[1]), Params.integer(name, p[2]));
                };
            case "upper" -> noArgs(name, () -> s.toUpperCase(Locale.ROOT));
            case "lower" -> noArgs(name, () -> s.toLowerCase(Locale.ROOT));
            case "title" -> noArgs(name, () -> title(s));
            case "capitalize" -> noArgs(name, () -> capitalize(s));
            case "find", "rfind", "count" ->
                (args, kw) -> {
                    String sub = Params.string(name, Params.bind(name, args, kw, "sub", REQUIRED)[0]);
                    if (name.equals("count")) {
                        return (long)
                                (sub.isEmpty()
                                        ? Values.length(s) + 1
                                        : split(s, sub, -1).size() - 1);
                    }
                    int at = name.equals("find") ? s.indexOf(sub) : s.lastIndexOf(sub);
                    return at < 0 ? -1L : (long) s.codePointCount(0, at);
                };
            case "join" ->
                (args, kw) -> {
                    Object items = Params.bind(name, args, kw, "iterable", REQUIRED)[0];
                    StringBuilder out = new StringBuilder();
                    List<Object> list = Values.iterate(items);
                    for (int i = 0; i < list.size(); i++) {
                        if (!(list.get(i) instanceof String item)) {
                            throw new TemplateException("sequence item " + i + ": expected str instance, "
                                    + Values.typeName(list.get(i)) + " found");
                        }
                        out.append(i > 0 ? s : "").append(item);
                    }
                    return out.toString();
                };
            case "removeprefix", "removesuffix" ->
                (args, kw) -> {
                    String affix = Params.string(name, Params.bind(name, args, kw, "affix", REQUIRED)[0]);
                    if (name.equals("removeprefix")) {
                        return s.startsWith(affix) ? s.substring(affix.length()) : s;
                    }
                    return s.endsWith(affix) ? s.substring(0, s.length() - affix.length()) : s;
                };
            default -> null;
        };
    }

    private static TemplateFunction dictMethod(Map<?, ?> m, String name) {
        return switch (name) {
            case "items" -> noArgs(name, () -> items(m));
            case "keys" -> noArgs(name, () -> new ArrayList<Object>(m.keySet()));
            case "values" -> noArgs(name, () -> new ArrayList<Object>(m.values()));
            case "get" ->
                (args, kw) -> {
                    Object[] p = Params.bind(name, args, kw, "key", REQUIRED, "default", null);
                    return m.containsKey(p[0]) ? m.get(p[0]) : p[1];
                };
            default -> null;
        };
    }

    /** A dict's (key, value) pairs, as two-element lists. */
    static List<Object> items(Map<?, ?> m) {
        List<Object> pairs = new ArrayList<>();
        m.forEach((k, v) -> pairs.add(java.util.Arrays.asList(k, v)));
        return pairs;
    }

    private static TemplateFunction noArgs(String name, java.util.function.Supplier<Object> body) {
        return (args, kw) -> {
            Params.bind(name, args, kw);
            return body.get();
        };
    }

    /** Python's str.split: no separator splits on runs of whitespace and drops empty ends. */
    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && Values.isSpace(s.charAt(i))) i++;
                if (i >= s.length()) break;
                if (maxsplit >= 0 && parts.size() == maxsplit) {
                    parts.add(Values.rstrip(s.substring(i), null));
                    break;
                }
                int end = i;
                while (end < s.length() && !Values.isSpace(s.charAt(end))) end++;
                parts.add(s.substring(i, end));
                i = end;
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw new TemplateException("empty separator");
        }
        int from = 0;
        for (int at;
                (maxsplit < 0 || parts.size() < maxsplit) && (at = s.indexOf(sep, from)) >= 0;
                from = at + sep.length()) {
            parts.add(s.substring(from, at));
        }
        parts.add(s.substring(from));
        return parts;
    }

    /** Python's str.rsplit: like split, counting maxsplit from the right. */
    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, maxsplit);
        }
        String reversed = new StringBuilder(s).reverse().toString();
        String reversedSep =
                sep == null ? null : new StringBuilder(sep).reverse().toString();
        List<Object> parts = split(reversed, reversedSep, maxsplit);
        List<Object> out = new ArrayList<>();
        for (Object part : parts) {
            out.add(new StringBuilder((String) part).reverse().toString());
        }
        Collections.reverse(out);
        return out;
    }

    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            if (old.isEmpty()) {
                return replace(s, old, replacement, Long.MAX_VALUE);
            }
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        if (old.isEmpty()) { // Python inserts before every character and at the end
            List<Object> chars = Values.codePoints(s);
            long done = 0;
            for (Object c : chars) {
                if (done++ < count) out.append(replacement);
                out.append((String) c);
            }
            if (done < count) out.append(replacement);
            return out.toString();
        }
        int from = 0;
        for (long done = 0; done < count; done++) {
            int at = s.indexOf(old, from);
            if (at < 0) break;
            out.append(s, from, at).append(replacement);
            from = at + old.length();
        }
        return out.append(s.substring(from)).toString();
    }

    /** Python's str.title: a cased character after an uncased one goes upper, the others lower. */
    static String title(String s) {
        StringBuilder out = new StringBuilder();
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            out.appendCodePoint(previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            previousCased = cased;
        }
        return out.toString();
    }

    /** Python's str.capitalize: first character title case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return Character.toString(Character.toTitleCase(first))
                + s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
    }
}
