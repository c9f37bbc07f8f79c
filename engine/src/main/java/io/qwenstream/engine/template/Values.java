package io.qwenstream.engine.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Python value semantics over the Java values a template sees: null is None, Boolean is bool,
 * Integer/Long/BigInteger are int (results are Long, or BigInteger past 64 bits), Float/Double are
 * float, String is str, List is list (tuples too), Map is dict. Strings are indexed by code point.
 */
final class Values {

    private Values() {}

    // ---- types ----

    static boolean isInt(Object v) {
        return v instanceof Integer
                || v instanceof Long
                || v instanceof BigInteger
                || v instanceof Short
                || v instanceof Byte;
    }

    static boolean isFloat(Object v) {
        return v instanceof Double || v instanceof Float || v instanceof BigDecimal;
    }

    /** Python's numbers.Number: bool counts, as it subclasses int. */
    static boolean isNumber(Object v) {
        return isInt(v) || isFloat(v) || v instanceof Boolean;
    }

    static String typeName(Object v) {
        if (v == null) return "NoneType";
        if (v instanceof Boolean) return "bool";
        if (isInt(v)) return "int";
        if (isFloat(v)) return "float";
        if (v instanceof String) return "str";
        if (v instanceof List) return "list";
        if (v instanceof Map) return "dict";
        if (v instanceof Undefined) return "Undefined";
        if (v instanceof Namespace) return "Namespace";
        if (v instanceof Loop) return "LoopContext";
        if (v instanceof TemplateFunction) return "function";
        return v.getClass().getSimpleName();
    }

    static BigInteger bigInt(Object v) {
        if (v instanceof BigInteger b) return b;
        if (v instanceof Boolean b) return b ? BigInteger.ONE : BigInteger.ZERO;
        return BigInteger.valueOf(((Number) v).longValue());
    }

    static double toDouble(Object v) {
        if (v instanceof Boolean b) return b ? 1 : 0;
        return ((Number) v).doubleValue();
    }

    /** An int result as Long when it fits, else BigInteger (Python ints are unbounded). */
    static Object narrow(BigInteger b) {
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    // ---- truth and text ----

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) return false;
        if (v instanceof Boolean b) return b;
        if (isInt(v)) return bigInt(v).signum() != 0;
        if (isFloat(v)) return toDouble(v) != 0;
        if (v instanceof String s) return !s.isEmpty();
        if (v instanceof List<?> l) return !l.isEmpty();
        if (v instanceof Map<?, ?> m) return !m.isEmpty();
        return true;
    }

    /** Python's str(), with jinja2's undefined printing as "". */
    static String str(Object v) {
        if (v instanceof String s) return s;
        if (v instanceof Undefined) return "";
        return repr(v);
    }

    /** Python's repr(). */
    static String repr(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (isInt(v)) return v.toString();
        if (isFloat(v)) return floatRepr(toDouble(v));
        if (v instanceof String s) return stringRepr(s);
        if (v instanceof List<?> list) {
            StringBuilder out = new StringBuilder("[");
            for (int i = 0; i < list.size(); i++) {
                out.append(i > 0 ? ", " : "").append(repr(list.get(i)));
            }
            return out.append(']').toString();
        }
        if (v instanceof Map<?, ?> map) {
            StringBuilder out = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ", ")
                        .append(repr(e.getKey()))
                        .append(": ")
                        .append(repr(e.getValue()));
                first = false;
            }
            return out.append('}').toString();
        }
        if (v instanceof Undefined) return "Undefined";
        return v.toString();
    }

    /** Python's float repr: the shortest round-tripping digits, scientific below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal shortest = shortestRoundTrip(Math.abs(d));
        String digits = shortest.unscaledValue().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (exponent < -4 || exponent >= 16) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int e = Math.abs(exponent);
            out.append(e < 10 ? "0" : "").append(e);
        } else if (exponent < 0) {
            out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
        } else if (digits.length() <= exponent + 1) {
            out.append(digits)
                    .append("0".repeat(exponent + 1 - digits.length()))
                    .append(".0");
        } else {
            out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        }
        return out.toString();
    }

    /** The fewest significant digits that read back as {@code d}, correctly rounded: Python's repr digits. */
    private static BigDecimal shortestRoundTrip(double d) {
        BigDecimal exact = new BigDecimal(d);
        for (int precision = 1; ; precision++) {
            BigDecimal rounded = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
            if (rounded.doubleValue() == d) {
                return rounded.stripTrailingZeros();
            }
        }
    }

    private static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') out.append('\\').appendCodePoint(cp);
            else if (cp == '\n') out.append("\\n");
            else if (cp == '\r') out.append("\\r");
            else if (cp == '\t') out.append("\\t");
            else if (!printable(cp)) {
                if (cp <= 0xff) out.append(String.format("\\x%02x", cp));
                else if (cp <= 0xffff) out.append(String.format("\\u%04x", cp));
                else out.append(String.format("\\U%08x", cp));
            } else out.appendCodePoint(cp);
        });
        return out.append(quote).toString();
    }

    /** Python's str.isprintable() for one code point. */
    private static boolean printable(int cp) {
        if (cp == ' ') return true;
        return switch (Character.getType(cp)) {
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

    // ---- whitespace, as Python's str.isspace() sees it ----

    static boolean isSpace(int c) {
        return switch (c) {
            case ' ',
                    '\t',
                    '\n',
                    '\u000b',
                    '\f',
                    '\r',
                    0x1c,
                    0x1d,
                    0x1e,
                    0x1f,
                    0x85,
                    0xa0,
                    0x1680,
                    0x2028,
                    0x2029,
                    0x202f,
                    0x205f,
                    0x3000 -> true;
            default -> c >= 0x2000 && c <= 0x200a;
        };
    }

    static boolean isBlank(String s) {
        return s.codePoints().allMatch(Values::isSpace);
    }

    /** Python's str.strip family: {@code chars} null strips whitespace. */
    static String strip(String s, String chars) {
        return lstrip(rstrip(s, chars), chars);
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!stripped(cp, chars)) break;
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int i = s.length();
        while (i > 0) {
            int cp = s.codePointBefore(i);
            if (!stripped(cp, chars)) break;
            i -= Character.charCount(cp);
        }
        return s.substring(0, i);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(Character.toString(cp)) >= 0;
    }

    // ---- containers ----

    static int length(Object v) {
        if (v instanceof String s) return s.codePointCount(0, s.length());
        if (v instanceof List<?> l) return l.size();
        if (v instanceof Map<?, ?> m) return m.size();
        if (v instanceof Undefined) return 0;
        if (v instanceof Namespace n) return n.attributes.size();
        throw new TemplateException("object of type '" + typeName(v) + "' has no len()");
    }

    /** The items a for loop visits: list elements, dict keys, a string's characters. */
    static List<Object> iterate(Object v) {
        if (v instanceof List<?> l) return Collections.unmodifiableList(new ArrayList<Object>(l));
        if (v instanceof Map<?, ?> m) return List.copyOf(m.keySet());
        if (v instanceof String s) return codePoints(s);
        if (v instanceof Undefined) return List.of();
        throw new TemplateException("'" + typeName(v) + "' object is not iterable");
    }

    static List<Object> codePoints(String s) {
        List<Object> chars = new ArrayList<>();
        s.codePoints().forEach(cp -> chars.add(Character.toString(cp)));
        return chars;
    }

    static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            if (item instanceof String sub) return s.contains(sub);
            if (item instanceof Undefined u) throw u.error();
            throw new TemplateException("'in <string>' requires string as left operand, not " + typeName(item));
        }
        if (container instanceof Map<?, ?> m) {
            if (m.containsKey(item)) return true;
            return m.keySet().stream().anyMatch(k -> equal(k, item));
        }
        if (container instanceof List<?> l) return l.stream().anyMatch(x -> equal(x, item));
        if (container instanceof Undefined) return false;
        throw new TemplateException("argument of type '" + typeName(container) + "' is not iterable");
    }

    /**
     * {@code obj.name}, the way jinja2's sandbox looks it up: first as an item, then as an
     * attribute (a method of str / dict / list, a loop or namespace field); missing is undefined.
     */
    static Object attribute(Object obj, String name) {
        if (obj instanceof Undefined u) throw u.error();
        if (obj instanceof Map<?, ?> m && m.containsKey(name)) return m.get(name);
        if (obj instanceof Namespace ns) {
            return ns.attributes.containsKey(name) ? ns.attributes.get(name) : Undefined.member(obj, name);
        }
        if (obj instanceof Loop loop) return loop.attribute(name);
        TemplateFunction method = Methods.bind(obj, name);
        return method != null ? method : Undefined.member(obj, name);
    }

    /** {@code obj[key]}: an item first, then (for a string key) an attribute. */
    static Object item(Object obj, Object key) {
        if (obj instanceof Undefined u) throw u.error();
        if (key instanceof Undefined u) throw u.error();
        if ((obj instanceof List || obj instanceof String) && (isInt(key) || key instanceof Boolean)) {
            List<?> items = obj instanceof String s ? codePoints(s) : (List<?>) obj;
            long i = bigInt(key).longValue();
            if (i < 0) i += items.size();
            return i >= 0 && i < items.size() ? items.get((int) i) : Undefined.member(obj, key);
        }
        if (obj instanceof Map<?, ?> m) {
            if (m.containsKey(key)) return m.get(key);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (equal(e.getKey(), key)) return e.getValue();
            }
        }
        // jinja2 turns a failed subscript (missing key, wrong type) into undefined, not an error.
        return key instanceof String name ? attribute(obj, name) : Undefined.member(obj, key);
    }

    /** Python slicing of a list or string. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) throw u.error();
        boolean isString = obj instanceof String;
        List<?> items;
        if (obj instanceof String s) items = codePoints(s);
        else if (obj instanceof List<?> l) items = l;
        else throw new TemplateException("'" + typeName(obj) + "' object is not subscriptable");
        int n = items.size();
        long by = step == null ? 1 : sliceIndex(step);
        if (by == 0) throw new TemplateException("slice step cannot be zero");
        long from = by > 0 ? bound(start, n, 0, 0, n) : bound(start, n, n - 1, -1, n - 1);
        long to = by > 0 ? bound(stop, n, n, 0, n) : bound(stop, n, -1, -1, n - 1);
        List<Object> out = new ArrayList<>();
        for (long i = from; by > 0 ? i < to : i > to; i += by) {
            out.add(items.get((int) i));
        }
        if (!isString) return out;
        StringBuilder s = new StringBuilder();
        out.forEach(c -> s.append((String) c));
        return s.toString();
    }

    /** A slice bound clamped as CPython's PySlice_AdjustIndices does. */
    private static long bound(Object value, int n, long whenNull, long low, long high) {
        if (value == null) return whenNull;
        long i = sliceIndex(value);
        if (i < 0) {
            i += n;
            if (i < 0) i = low;
        } else if (i >= n) {
            i = high;
        }
        return i;
    }

    private static long sliceIndex(Object v) {
        if (isInt(v) || v instanceof Boolean) return bigInt(v).longValue();
        if (v instanceof Undefined u) throw u.error();
        throw new TemplateException("slice indices must be integers or None, not " + typeName(v));
    }

    // ---- comparison ----

    /** Python's ==. */
    static boolean equal(Object a, Object b) {
        if (a == null || b == null) return a == b;
        if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
        if (isNumber(a) && isNumber(b)) {
            if (isFloat(a) || isFloat(b)) return toDouble(a) == toDouble(b);
            return bigInt(a).equals(bigInt(b));
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) {
                if (!equal(x.get(i), y.get(i))) return false;
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    /** Python's ordering for {@code <}, {@code <=}, {@code >}, {@code >=}: numbers, strings, lists. */
    static int compare(Object a, Object b, String operator) {
        if (a instanceof Undefined u) throw u.error();
        if (b instanceof Undefined u) throw u.error();
        if (isNumber(a) && isNumber(b)) {
            if (isFloat(a) || isFloat(b)) return Double.compare(toDouble(a), toDouble(b));
            return bigInt(a).compareTo(bigInt(b));
        }
        if (a instanceof String x && b instanceof String y) {
            return compareCodePoints(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!equal(x.get(i), y.get(i))) return compare(x.get(i), y.get(i), operator);
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new TemplateException("'" + operator + "' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    private static int compareCodePoints(String x, String y) {
        int i = 0, j = 0;
        while (i < x.length() && j < y.length()) {
            int cx = x.codePointAt(i), cy = y.codePointAt(j);
            if (cx != cy) return Integer.compare(cx, cy);
            i += Character.charCount(cx);
            j += Character.charCount(cy);
        }
        return Boolean.compare(i < x.length(), j < y.length());
    }

    // ---- arithmetic ----

    static Object arithmetic(String op, Object a, Object b) {
        if (a instanceof Undefined u) throw u.error();
        if (b instanceof Undefined u) throw u.error();
        if (isNumber(a) && isNumber(b)) {
            return (isFloat(a) || isFloat(b))
                    ? floatArithmetic(op, toDouble(a), toDouble(b))
                    : intArithmetic(op, bigInt(a), bigInt(b));
        }
        switch (op) {
            case "+" -> {
                if (a instanceof String x && b instanceof String y) return x + y;
                if (a instanceof List<?> x && b instanceof List<?> y) {
                    List<Object> out = new ArrayList<>(x);
                    out.addAll(y);
                    return out;
                }
                if (a instanceof String) {
                    throw new TemplateException("can only concatenate str (not \"" + typeName(b) + "\") to str");
                }
                if (a instanceof List) {
                    throw new TemplateException("can only concatenate list (not \"" + typeName(b) + "\") to list");
                }
            }
            case "*" -> {
                if ((a instanceof String || a instanceof List) && (isInt(b) || b instanceof Boolean))
                    return repeat(a, b);
                if ((b instanceof String || b instanceof List) && (isInt(a) || a instanceof Boolean))
                    return repeat(b, a);
            }
            default -> {}
        }
        String symbol = op.equals("**") ? "** or pow()" : op;
        throw new TemplateException(
                "unsupported operand type(s) for " + symbol + ": '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    private static Object repeat(Object sequence, Object times) {
        long n = Math.max(0, bigInt(times).longValue());
        if (sequence instanceof String s) return s.repeat((int) n);
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < n; i++) out.addAll((List<?>) sequence);
        return out;
    }

    private static Object intArithmetic(String op, BigInteger a, BigInteger b) {
        return switch (op) {
            case "+" -> narrow(a.add(b));
            case "-" -> narrow(a.subtract(b));
            case "*" -> narrow(a.multiply(b));
            case "/" -> {
                if (b.signum() == 0) throw new TemplateException("division by zero");
                yield a.doubleValue() / b.doubleValue();
            }
            case "//", "%" -> {
                if (b.signum() == 0) throw new TemplateException("integer division or modulo by zero");
                BigInteger[] qr = a.divideAndRemainder(b);
                if (qr[1].signum() != 0 && qr[1].signum() != b.signum()) { // Python floors toward -inf
                    qr[0] = qr[0].subtract(BigInteger.ONE);
                    qr[1] = qr[1].add(b);
                }
                yield narrow(op.equals("//") ? qr[0] : qr[1]);
            }
            case "**" ->
                b.signum() >= 0
                        ? narrow(a.pow(b.intValueExact()))
                        : floatArithmetic(op, a.doubleValue(), b.doubleValue());
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static Object floatArithmetic(String op, double a, double b) {
        return switch (op) {
            case "+" -> a + b;
            case "-" -> a - b;
            case "*" -> a * b;
            case "/" -> {
                if (b == 0) throw new TemplateException("float division by zero");
                yield a / b;
            }
            case "//", "%" -> {
                if (b == 0)
                    throw new TemplateException(op.equals("%") ? "float modulo" : "float floor division by zero");
                // CPython's float_divmod, so that signs of zero and rounding agree
                double mod = a % b;
                double div = (a - mod) / b;
                if (mod != 0) {
                    if ((b < 0) != (mod < 0)) {
                        mod += b;
                        div -= 1.0;
                    }
                } else {
                    mod = Math.copySign(0.0, b);
                }
                double floorDiv;
                if (div != 0) {
                    floorDiv = Math.floor(div);
                    if (div - floorDiv > 0.5) floorDiv += 1.0;
                } else {
                    floorDiv = Math.copySign(0.0, a / b);
                }
                yield op.equals("%") ? mod : floorDiv;
            }
            case "**" -> {
                if (a == 0 && b < 0) throw new TemplateException("0.0 cannot be raised to a negative power");
                yield Math.pow(a, b);
            }
            default -> throw new IllegalArgumentException(op);
        };
    }
}
