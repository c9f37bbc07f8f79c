package io.qwenstream.engine.template;

import java.util.List;
import java.util.Map;

/** Anything a template can call: globals, macros, bound methods of strings and dicts. */
@FunctionalInterface
interface TemplateFunction {

    Object call(List<Object> positional, Map<String, Object> keywords);
}
