package io.qwenstream.engine.template;

import java.util.List;
import java.util.Map;

/** Binds call arguments to named parameters with defaults, as Python does for builtins and filters. */
final class Params {

    /** Marks a parameter without a default. */
    static final Object REQUIRED = new Object();

    private Params() {}

    /**
     * {@code spec} alternates parameter names and defaults, e.g. {@code "old", REQUIRED, "count", null};
     * returns the value of each parameter in order.
     */
    static Object[] bind(String function, List<Object> positional, Map<String, Object> keywords, Object... spec) {
        int n = spec.length / 2;
        if (positional.size() > n) {
            throw new TemplateException(
                    function + "() takes at most " + n + " argument(s) (" + positional.size() + " given)");
        }
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            String name = (String) spec[2 * i];
            if (i < positional.size()) {
                if (keywords.containsKey(name)) {
                    throw new TemplateException(function + "() got multiple values for argument '" + name + "'");
                }
                values[i] = positional.get(i);
            } else if (keywords.containsKey(name)) {
                values[i] = keywords.get(name);
            } else if (spec[2 * i + 1] == REQUIRED) {
                throw new TemplateException(function + "() missing required argument '" + name + "'");
            } else {
                values[i] = spec[2 * i + 1];
            }
        }
        for (String name : keywords.keySet()) {
            boolean known = false;
            for (int i = 0; i < n; i++) {
                known |= spec[2 * i].equals(name);
            }
            if (!known) {
                throw new TemplateException(function + "() got an unexpected keyword argument '" + name + "'");
            }
        }
        return values;
    }

    /** A string parameter, or null when the argument is None. */
    static String string(String function, Object value) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        if (value instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateException(function + "() argument must be str or None, not " + Values.typeName(value));
    }

    static long integer(String function, Object value) {
        if (Values.isInt(value) || value instanceof Boolean) {
            return Values.bigInt(value).longValue();
        }
        if (value instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateException(function + "() argument must be int, not " + Values.typeName(value));
    }
}
