package io.qwenstream.engine.template;

import static io.qwenstream.engine.template.Params.REQUIRED;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The functions every template can call: jinja2's {@code range}, {@code namespace}, {@code dict}, and transformers' {@code raise_exception}. */
final class Globals {

    private Globals() {}

    static Map<String, Object> all() {
        Map<String, Object> globals = new LinkedHashMap<>();
        globals.put("range", (TemplateFunction) Globals::range);
        globals.put("namespace", (TemplateFunction) Globals::namespace);
        globals.put("dict", (TemplateFunction) (args, kw) -> {
            Params.bind("dict", args, Map.of());
            return new LinkedHashMap<Object, Object>(kw);
        });
        globals.put("raise_exception", (TemplateFunction) (args, kw) -> {
            Object message = Params.bind("raise_exception", args, kw, "message", REQUIRED)[0];
            throw new TemplateException(Values.str(message));
        });
        return globals;
    }

    private static Object range(List<Object> args, Map<String, Object> kw) {
        Params.bind("range", List.of(), kw);
        if (args.isEmpty() || args.size() > 3) {
            throw new TemplateException("range expected 1 to 3 arguments, got " + args.size());
        }
        long start = args.size() == 1 ? 0 : Params.integer("range", args.get(0));
        long stop = Params.integer("range", args.get(args.size() == 1 ? 0 : 1));
        long step = args.size() == 3 ? Params.integer("range", args.get(2)) : 1;
        if (step == 0) {
            throw new TemplateException("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= 100_000) { // jinja2's sandbox limit on range()
                throw new TemplateException("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            }
            out.add(i);
        }
        return out;
    }

    /** {@code namespace(a=1)} or {@code namespace(some_dict, a=1)}. */
    private static Object namespace(List<Object> args, Map<String, Object> kw) {
        Namespace ns = new Namespace();
        if (args.size() > 1) {
            throw new TemplateException("namespace() takes at most one positional argument");
        }
        if (args.size() == 1) {
            if (!(args.get(0) instanceof Map<?, ?> initial)) {
                throw new TemplateException(
                        "namespace() argument must be a mapping, not " + Values.typeName(args.get(0)));
            }
            initial.forEach((k, v) -> ns.attributes.put(Values.str(k), v));
        }
        ns.attributes.putAll(kw);
        return ns;
    }
}
