package io.qwenstream.engine.template;

import java.util.List;
import java.util.Map;

/** jinja2's tests: {@code x is defined}, {@code x is string}, {@code x is divisibleby 3}... */
final class Tests {

    private Tests() {}

    static boolean apply(String name, Object v, List<Object> args) {
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "integer" -> Values.isInt(v);
            case "float" -> Values.isFloat(v);
            case "number" -> Values.isNumber(v);
            case "string" -> v instanceof String;
            case "mapping" -> v instanceof Map;
            // jinja2 asks for len() and __getitem__: strings, lists, dicts and undefined qualify.
            case "sequence" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "iterable" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "callable" -> v instanceof TemplateFunction;
            case "lower" -> Values.str(v).equals(Values.str(v).toLowerCase(java.util.Locale.ROOT));
            case "upper" -> Values.str(v).equals(Values.str(v).toUpperCase(java.util.Locale.ROOT));
            // jinja2 computes value % 2, so floats qualify too
            case "odd" -> Values.equal(Values.arithmetic("%", v, 2L), 1L);
            case "even" -> Values.equal(Values.arithmetic("%", v, 2L), 0L);
            case "divisibleby" -> Values.equal(Values.arithmetic("%", v, argument(name, args)), 0L);
            case "eq", "equalto", "==" -> Values.equal(v, argument(name, args));
            case "ne", "!=" -> !Values.equal(v, argument(name, args));
            case "lt", "lessthan", "<" -> Values.compare(v, argument(name, args), "<") < 0;
            case "le", "<=" -> Values.compare(v, argument(name, args), "<=") <= 0;
            case "gt", "greaterthan", ">" -> Values.compare(v, argument(name, args), ">") > 0;
            case "ge", ">=" -> Values.compare(v, argument(name, args), ">=") >= 0;
            case "in" -> Values.contains(argument(name, args), v);
            case "sameas" -> {
                Object other = argument(name, args);
                // Python's "is": None, True and False are singletons; other values compare by identity.
                yield v instanceof Boolean && other instanceof Boolean ? v.equals(other) : v == other;
            }
            default -> throw new TemplateException("no test named '" + name + "'");
        };
    }

    private static Object argument(String test, List<Object> args) {
        if (args.size() != 1) {
            throw new TemplateException("the '" + test + "' test takes one argument");
        }
        return args.get(0);
    }
}
