package io.qwenstream.engine.template;

import static io.qwenstream.engine.template.Params.REQUIRED;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** jinja2's builtin filters that chat templates use, and transformers' own {@code tojson}. */
final class Filters {

    private static final Pattern WORD_BEGINNING = Pattern.compile("[-\\s({\\[<]+", Pattern.UNICODE_CHARACTER_CLASS);

    private Filters() {}

    static Object apply(String name, Object v, List<Object> args, Map<String, Object> kw) {
        return switch (name) {
            case "tojson" -> {
                // transformers' signature: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
                Object[] p = Params.bind(
                        name, args, kw, "ensure_ascii", false, "indent", null, "separators", null, "sort_keys", false);
                yield Json.dumps(v, Values.truthy(p[0]), p[1], p[2], Values.truthy(p[3]));
            }
            case "safe" -> noArgs(name, args, kw, v);
            case "string" -> noArgs(name, args, kw, Values.str(v));
            case "length", "count" -> noArgs(name, args, kw, (long) Values.length(v));
            case "lower" -> noArgs(name, args, kw, Values.str(v).toLowerCase(Locale.ROOT));
            case "upper" -> noArgs(name, args, kw, Values.str(v).toUpperCase(Locale.ROOT));
            case "capitalize" -> noArgs(name, args, kw, Methods.capitalize(Values.str(v)));
            case "title" -> noArgs(name, args, kw, title(Values.str(v)));
            case "trim" ->
                Values.strip(Values.str(v), Params.string(name, Params.bind(name, args, kw, "chars", null)[0]));
            case "replace" -> {
                Object[] p = Params.bind(name, args, kw, "old", REQUIRED, "new", REQUIRED, "count", null);
                long count = p[2] == null ? -1 : Params.integer(name, p[2]);
                yield Methods.replace(Values.str(v), Values.str(p[0]), Values.str(p[1]), count);
            }
            case "default", "d" -> {
                Object[] p = Params.bind(name, args, kw, "default_value", "", "boolean", false);
                boolean useDefault = v instanceof Undefined || (Values.truthy(p[1]) && !Values.truthy(v));
                yield useDefault ? p[0] : v;
            }
            case "first" -> {
                Params.bind(name, args, kw);
                List<Object> items = Values.iterate(v);
                yield items.isEmpty() ? Undefined.because("No first item, sequence was empty.") : items.get(0);
            }
            case "last" -> {
                Params.bind(name, args, kw);
                List<Object> items = Values.iterate(v);
                yield items.isEmpty()
                        ? Undefined.because("No last item, sequence was empty.")
                        : items.get(items.size() - 1);
            }
            case "list" -> noArgs(name, args, kw, new ArrayList<>(Values.iterate(v)));
            case "reverse" -> {
                Params.bind(name, args, kw);
                if (v instanceof String s) {
                    yield Values.slice(s, null, null, -1L);
                }
                List<Object> items = new ArrayList<>(Values.iterate(v));
                Collections.reverse(items);
                yield items;
            }
            case "items" -> {
                Params.bind(name, args, kw);
                if (v instanceof Undefined) {
                    yield List.of();
                }
                if (!(v instanceof Map<?, ?> m)) {
                    throw new TemplateException("Can only get item pairs from a mapping.");
                }
                yield Methods.items(m);
            }
            case "join" -> {
                Object[] p = Params.bind(name, args, kw, "d", "", "attribute", null);
                StringBuilder out = new StringBuilder();
                List<Object> items = Values.iterate(v);
                for (int i = 0; i < items.size(); i++) {
                    Object item = p[1] == null ? items.get(i) : attributePath(items.get(i), p[1], null);
                    out.append(i > 0 ? Values.str(p[0]) : "").append(Values.str(item));
                }
                yield out.toString();
            }
            case "int" -> {
                Object[] p = Params.bind(name, args, kw, "default", 0L, "base", 10L);
                yield toInt(v, p[0], (int) Params.integer(name, p[1]));
            }
            case "float" -> {
                Object[] p = Params.bind(name, args, kw, "default", 0.0);
                yield toFloat(v, p[0]);
            }
            case "abs" -> {
                Params.bind(name, args, kw);
                if (Values.isInt(v) || v instanceof Boolean) {
                    yield Values.narrow(Values.bigInt(v).abs());
                }
                if (Values.isFloat(v)) {
                    yield Math.abs(Values.toDouble(v));
                }
                throw new TemplateException("bad operand type for abs(): '" + Values.typeName(v) + "'");
            }
            case "sum" -> {
                Object[] p = Params.bind(name, args, kw, "attribute", null, "start", 0L);
                Object total = p[1];
                for (Object item : Values.iterate(v)) {
                    total = Values.arithmetic("+", total, p[0] == null ? item : attributePath(item, p[0], null));
                }
                yield total;
            }
            case "map" -> map(v, args, kw);
            case "select", "reject" -> {
                boolean keep = name.equals("select");
                List<Object> out = new ArrayList<>();
                for (Object item : Values.iterate(v)) {
                    if (passes(item, args, 0) == keep) {
                        out.add(item);
                    }
                }
                yield out;
            }
            case "selectattr", "rejectattr" -> {
                if (args.isEmpty()) {
                    throw new TemplateException(name + "() needs an attribute name");
                }
                boolean keep = name.equals("selectattr");
                List<Object> out = new ArrayList<>();
                for (Object item : Values.iterate(v)) {
                    if (passes(attributePath(item, args.get(0), null), args, 1) == keep) {
                        out.add(item);
                    }
                }
                yield out;
            }
            default -> throw new TemplateException("no filter named '" + name + "'");
        };
    }

    private static Object noArgs(String name, List<Object> args, Map<String, Object> kw, Object result) {
        Params.bind(name, args, kw);
        return result;
    }

    /** select/selectattr: the test named at {@code args[from]} (truthiness if none) with the rest as arguments. */
    private static boolean passes(Object value, List<Object> args, int from) {
        if (args.size() <= from) {
            return Values.truthy(value);
        }
        String test = Params.string("select", args.get(from));
        return Tests.apply(test, value, args.subList(from + 1, args.size()));
    }

    /** {@code map(attribute='a.b', default=x)} or {@code map('filter', args...)}. */
    private static Object map(Object v, List<Object> args, Map<String, Object> kw) {
        List<Object> out = new ArrayList<>();
        if (kw.containsKey("attribute")) {
            Map<String, Object> rest = new LinkedHashMap<>(kw);
            Object attribute = rest.remove("attribute");
            Object fallback = rest.containsKey("default") ? rest.remove("default") : null;
            if (!args.isEmpty() || !rest.isEmpty()) {
                throw new TemplateException("map(attribute=...) takes only 'attribute' and 'default'");
            }
            for (Object item : Values.iterate(v)) {
                out.add(attributePath(item, attribute, fallback));
            }
            return out;
        }
        if (args.isEmpty()) {
            throw new TemplateException("map() needs a filter name or attribute=");
        }
        String filter = Params.string("map", args.get(0));
        for (Object item : Values.iterate(v)) {
            out.add(apply(filter, item, args.subList(1, args.size()), kw));
        }
        return out;
    }

    /** jinja2's attribute getter: a dotted path whose parts are keys, or indexes when numeric. */
    private static Object attributePath(Object item, Object path, Object fallback) {
        Object value = item;
        for (String part : Values.str(path).split("\\.")) {
            Object key =
                    part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part;
            value = Values.item(value, key);
        }
        return value instanceof Undefined && fallback != null ? fallback : value;
    }

    /** jinja2's title filter: capitalizes after '-', whitespace and opening brackets. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int from = 0;
        while (m.find()) {
            capitalizeWord(out, s.substring(from, m.start()));
            out.append(m.group());
            from = m.end();
        }
        capitalizeWord(out, s.substring(from));
        return out.toString();
    }

    private static void capitalizeWord(StringBuilder out, String word) {
        if (!word.isEmpty()) {
            int first = word.codePointAt(0);
            out.append(Character.toString(first).toUpperCase(Locale.ROOT))
                    .append(word.substring(Character.charCount(first)).toLowerCase(Locale.ROOT));
        }
    }

    /** jinja2's int filter: int(value), else int(float(value)), else the default. */
    private static Object toInt(Object v, Object fallback, int base) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (Values.isInt(v) || v instanceof Boolean) {
            return Values.narrow(Values.bigInt(v));
        }
        if (Values.isFloat(v)) {
            double d = Values.toDouble(v);
            return Double.isFinite(d) ? Values.narrow(new BigDecimal(d).toBigInteger()) : fallback;
        }
        if (v instanceof String s) {
            String text = Values.strip(s, null).replace("_", "");
            try {
                return Values.narrow(new BigInteger(text.startsWith("+") ? text.substring(1) : text, base));
            } catch (NumberFormatException notInt) {
                Object f = toFloat(s, null);
                return f == null ? fallback : toInt(f, fallback, 10);
            }
        }
        return fallback;
    }

    private static Object toFloat(Object v, Object fallback) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (Values.isNumber(v)) {
            return Values.toDouble(v);
        }
        if (v instanceof String s) {
            String text = Values.strip(s, null).toLowerCase(Locale.ROOT).replace("_", "");
            switch (text) {
                case "inf", "+inf", "infinity", "+infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-inf", "-infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                case "nan", "+nan", "-nan" -> {
                    return Double.NaN;
                }
                default -> {}
            }
            if (text.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) {
                return Double.parseDouble(text);
            }
        }
        return fallback;
    }
}
