package io.qwenstream.engine.structured;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A JSON Schema (as parsed maps and lists) → grammar {@link Node}s. The subset is OpenAI strict
 * mode's and a little more: type (one or several), properties / required / additionalProperties,
 * items / minItems / maxItems, minLength / maxLength / pattern, minimum / maximum /
 * exclusiveMinimum / exclusiveMaximum, enum, const, anyOf (alternatives told apart by their first
 * character), local $ref into $defs or definitions. Annotations (title, description, default,
 * examples, format, $schema, $id, $comment, strict) are ignored; any other keyword is refused, so a
 * schema is never silently weakened.
 */
final class SchemaCompiler {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ANNOTATIONS = Set.of(
            "title",
            "description",
            "default",
            "examples",
            "format",
            "$schema",
            "$id",
            "$comment",
            "strict",
            "$defs",
            "definitions",
            "deprecated",
            "readOnly",
            "writeOnly");
    private static final Set<String> KEYWORDS = Set.of(
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "pattern",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "enum",
            "const",
            "anyOf",
            "$ref");
    /** Whitespace allowed between tokens of the JSON: enough for pretty printing, bounded so it ends. */
    static final int WS_MAX = 24;
    /** Integers without bounds stay within ±(10^15 - 1): exact in a double, so every client reads them alike. */
    private static final long INT_LIMIT = 999_999_999_999_999L;

    private final Map<String, Object> root;
    private final Set<String> resolving = new HashSet<>();

    private SchemaCompiler(Map<String, Object> root) {
        this.root = root;
    }

    static Node compile(Map<String, Object> schema) {
        if (schema == null) throw new IllegalArgumentException("the JSON schema is missing");
        return new SchemaCompiler(schema).node(schema, "");
    }

    @SuppressWarnings("unchecked")
    private Node node(Object schemaValue, String at) {
        if (Boolean.TRUE.equals(schemaValue)) return Node.Any.at(depth(at));
        if (!(schemaValue instanceof Map<?, ?> raw)) throw refuse(at, "a schema must be an object or true");
        Map<String, Object> schema = (Map<String, Object>) raw;
        for (String key : schema.keySet()) {
            if (!KEYWORDS.contains(key) && !ANNOTATIONS.contains(key))
                throw refuse(at, "the keyword '" + key + "' is not supported");
        }
        if (schema.containsKey("$ref")) return ref(schema, at);
        if (schema.containsKey("const")) return literals(List.of(schema.get("const")));
        if (schema.containsKey("enum")) {
            if (!(schema.get("enum") instanceof List<?> values) || values.isEmpty())
                throw refuse(at + "/enum", "enum must be a non-empty array");
            return literals(values);
        }
        if (schema.containsKey("anyOf")) {
            if (!(schema.get("anyOf") instanceof List<?> options) || options.isEmpty())
                throw refuse(at + "/anyOf", "anyOf must be a non-empty array");
            List<Node> nodes = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) nodes.add(node(options.get(i), at + "/anyOf/" + i));
            return choice(nodes, at + "/anyOf");
        }
        Object type = schema.get("type");
        if (type == null) return Node.Any.at(depth(at));
        if (type instanceof List<?> types) {
            List<Node> nodes = new ArrayList<>();
            for (Object t : types) nodes.add(typed(String.valueOf(t), schema, at));
            return choice(nodes, at + "/type");
        }
        return typed(String.valueOf(type), schema, at);
    }

    @SuppressWarnings("unchecked")
    private Node ref(Map<String, Object> schema, String at) {
        String ref = String.valueOf(schema.get("$ref"));
        if (!ref.startsWith("#/")) throw refuse(at + "/$ref", "only local references (#/...) are supported");
        if (!resolving.add(ref)) throw refuse(at + "/$ref", "recursive schemas are not supported");
        Object target = root;
        for (String part : ref.substring(2).split("/")) {
            String key = part.replace("~1", "/").replace("~0", "~");
            if (!(target instanceof Map<?, ?> m) || !m.containsKey(key))
                throw refuse(at + "/$ref", "the reference " + ref + " names nothing");
            target = ((Map<String, Object>) m).get(key);
        }
        Node node = node(target, ref.substring(1));
        resolving.remove(ref);
        return node;
    }

    private Node typed(String type, Map<String, Object> s, String at) {
        return switch (type) {
            case "object" -> object(s, at);
            case "array" ->
                new Node.Arr(
                        s.containsKey("items") ? node(s.get("items"), at + "/items") : Node.Any.at(depth(at) + 1),
                        count(s, "minItems", 0, at),
                        count(s, "maxItems", -1, at));
            case "string" ->
                new Node.Str(
                        count(s, "minLength", 0, at),
                        count(s, "maxLength", -1, at),
                        s.containsKey("pattern") ? pattern(s.get("pattern"), at) : null);
            case "integer", "number" -> number(type.equals("integer"), s, at);
            case "boolean" -> literals(List.of(true, false));
            case "null" -> literals(java.util.Collections.singletonList(null));
            default -> throw refuse(at + "/type", "unknown type '" + type + "'");
        };
    }

    @SuppressWarnings("unchecked")
    private Node object(Map<String, Object> s, String at) {
        Map<String, Object> properties =
                s.get("properties") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        if (properties.size() > 64) throw refuse(at + "/properties", "at most 64 properties per object");
        List<String> names = new ArrayList<>(properties.keySet());
        List<byte[]> keys = new ArrayList<>();
        List<Node> values = new ArrayList<>();
        for (String name : names) {
            keys.add(text(name).substring(1).getBytes(StandardCharsets.UTF_8));
            values.add(node(properties.get(name), at + "/properties/" + name));
        }
        long required = 0;
        if (s.get("required") instanceof List<?> req) {
            for (Object r : req) {
                int i = names.indexOf(String.valueOf(r));
                if (i < 0) throw refuse(at + "/required", "'" + r + "' is required but not among the properties");
                required |= 1L << i;
            }
        }
        Object additional = s.get("additionalProperties");
        Node additionalNode = null;
        if (names.isEmpty()) {
            if (Boolean.FALSE.equals(additional)) throw refuse(at, "an object with no properties allows nothing");
            additionalNode = additional == null || Boolean.TRUE.equals(additional)
                    ? Node.Any.at(depth(at) + 1)
                    : node(additional, at + "/additionalProperties");
        }
        // With declared properties only those are written (a valid object whether or not others were allowed).
        return new Node.Obj(names, keys, values, required, additionalNode);
    }

    private Node number(boolean integer, Map<String, Object> s, String at) {
        BigDecimal min = decimal(s, "minimum", at), max = decimal(s, "maximum", at);
        BigDecimal exMin = decimal(s, "exclusiveMinimum", at), exMax = decimal(s, "exclusiveMaximum", at);
        boolean minEx = false, maxEx = false;
        if (exMin != null && (min == null || exMin.compareTo(min) >= 0)) {
            min = exMin;
            minEx = true;
        }
        if (exMax != null && (max == null || exMax.compareTo(max) <= 0)) {
            max = exMax;
            maxEx = true;
        }
        long minInt = -INT_LIMIT, maxInt = INT_LIMIT;
        if (min != null) {
            BigDecimal lo = minEx
                    ? min.setScale(0, RoundingMode.FLOOR).add(BigDecimal.ONE)
                    : min.setScale(0, RoundingMode.CEILING);
            minInt = Math.max(minInt, clamp(lo));
        }
        if (max != null) {
            BigDecimal hi = maxEx
                    ? max.setScale(0, RoundingMode.CEILING).subtract(BigDecimal.ONE)
                    : max.setScale(0, RoundingMode.FLOOR);
            maxInt = Math.min(maxInt, clamp(hi));
        }
        if (integer && minInt > maxInt) throw refuse(at, "no integer lies between the bounds");
        if (!integer
                && min != null
                && max != null
                && (min.compareTo(max) > 0 || (min.compareTo(max) == 0 && (minEx || maxEx))))
            throw refuse(at, "no number lies between the bounds");
        return new Node.Num(integer, minInt, maxInt, min, minEx, max, maxEx);
    }

    private static long clamp(BigDecimal v) {
        BigDecimal limit = BigDecimal.valueOf(INT_LIMIT);
        if (v.compareTo(limit) > 0) return INT_LIMIT + 1;
        if (v.compareTo(limit.negate()) < 0) return -INT_LIMIT - 1;
        return v.longValueExact();
    }

    private Regex pattern(Object pattern, String at) {
        if (!(pattern instanceof String p)) throw refuse(at + "/pattern", "pattern must be a string");
        try {
            Regex regex = Regex.compile(p);
            if (regex.shortestMatch(regex.start(), 0) == null)
                throw refuse(at + "/pattern", "no JSON string without quotes or backslashes matches it");
            return regex;
        } catch (IllegalArgumentException e) {
            throw refuse(at + "/pattern", e.getMessage());
        }
    }

    private Node literals(List<?> values) {
        List<byte[]> texts = new ArrayList<>();
        for (Object v : values) texts.add(text(v).getBytes(StandardCharsets.UTF_8));
        return new Node.Literals(texts, null);
    }

    private Node choice(List<Node> options, String at) {
        BitSet seen = new BitSet();
        for (Node option : options) {
            BitSet first = firstBytes(option);
            if (first.intersects(seen))
                throw refuse(at, "alternatives must differ in their first character (e.g. string or null)");
            seen.or(first);
        }
        return options.size() == 1 ? options.getFirst() : new Node.Choice(options);
    }

    /** The bytes a value of {@code node} may start with. */
    static BitSet firstBytes(Node node) {
        BitSet b = new BitSet();
        switch (node) {
            case Node.Any any -> b.set(0, 256);
            case Node.Obj obj -> b.set('{');
            case Node.Arr arr -> b.set('[');
            case Node.Str str -> b.set('"');
            case Node.Num num -> {
                b.set('0', '9' + 1);
                b.set('-');
            }
            case Node.Literals lit -> lit.texts.forEach(t -> b.set(t[0] & 0xFF));
            case Node.Choice c -> c.options.forEach(o -> b.or(firstBytes(o)));
            case Node.Seq seq -> b.or(firstBytes(seq.items.getFirst()));
            case Node.Ws ws -> b.set(0, 256);
        }
        return b;
    }

    private static int count(Map<String, Object> s, String key, int absent, String at) {
        Object v = s.get(key);
        if (v == null) return absent;
        if (!(v instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue()))
            throw refuse(at + "/" + key, key + " must be a non-negative integer");
        return (int) Math.min(n.longValue(), Integer.MAX_VALUE);
    }

    private static BigDecimal decimal(Map<String, Object> s, String key, String at) {
        Object v = s.get(key);
        if (v == null) return null;
        if (!(v instanceof Number n)) throw refuse(at + "/" + key, key + " must be a number");
        return new BigDecimal(n.toString());
    }

    /** A value's JSON text. */
    static String text(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value + " as JSON", e);
        }
    }

    private static int depth(String at) {
        return (int) at.chars().filter(c -> c == '/').count() / 2;
    }

    private static IllegalArgumentException refuse(String at, String why) {
        return new IllegalArgumentException("JSON schema at " + (at.isEmpty() ? "/" : at) + ": " + why);
    }
}
