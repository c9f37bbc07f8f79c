package io.qwenstream.engine.template;

import io.qwenstream.engine.template.Node.*;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the parsed template. Scoping follows jinja2: {@code set} inside a for loop lasts for one
 * iteration (each iteration starts from the enclosing scope), {@code if} opens no scope, a macro
 * body runs in its own scope over the one it was defined in.
 */
final class Interpreter {

    /** A variable scope; null values are None, so absence is tracked with containsKey. */
    static final class Scope {
        private final Scope parent;
        private final Map<String, Object> variables = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.variables.containsKey(name)) {
                    return s.variables.get(name);
                }
            }
            return Undefined.variable(name);
        }

        void set(String name, Object value) {
            variables.put(name, value);
        }
    }

    private static final class BreakSignal extends RuntimeException {
        static final BreakSignal INSTANCE = new BreakSignal();

        BreakSignal() {
            super(null, null, false, false);
        }
    }

    private static final class ContinueSignal extends RuntimeException {
        static final ContinueSignal INSTANCE = new ContinueSignal();

        ContinueSignal() {
            super(null, null, false, false);
        }
    }

    /** A macro bound to the scope it was defined in; calling it renders its body to a string. */
    private final class MacroFunction implements TemplateFunction {
        private final Macro macro;
        private final Scope closure;

        MacroFunction(Macro macro, Scope closure) {
            this.macro = macro;
            this.closure = closure;
        }

        @Override
        public Object call(List<Object> positional, Map<String, Object> keywords) {
            List<String> parameters = macro.parameters();
            if (positional.size() > parameters.size()) {
                throw new TemplateException(
                        "macro '" + macro.name() + "' takes not more than " + parameters.size() + " argument(s)");
            }
            Scope scope = new Scope(closure);
            for (int i = 0; i < parameters.size(); i++) {
                String name = parameters.get(i);
                Object value;
                if (i < positional.size()) {
                    value = positional.get(i);
                } else if (keywords.containsKey(name)) {
                    value = keywords.get(name);
                } else if (macro.defaults().get(i) != null) {
                    value = eval(macro.defaults().get(i), scope);
                } else {
                    value = Undefined.because("parameter '" + name + "' was not provided");
                }
                scope.set(name, value);
            }
            for (String name : keywords.keySet()) {
                if (!parameters.contains(name)) {
                    throw new TemplateException(
                            "macro '" + macro.name() + "' takes no keyword argument '" + name + "'");
                }
            }
            StringBuilder out = new StringBuilder();
            execute(macro.body(), scope, out);
            return out.toString();
        }
    }

    void execute(List<Stmt> body, Scope scope, StringBuilder out) {
        for (Stmt stmt : body) {
            try {
                execute(stmt, scope, out);
            } catch (TemplateException e) {
                throw e.atLine(stmt.line());
            }
        }
    }

    private void execute(Stmt stmt, Scope scope, StringBuilder out) {
        switch (stmt) {
            case Text t -> out.append(t.text());
            case Output o -> out.append(Values.str(eval(o.value(), scope)));
            case If i -> {
                for (int b = 0; b < i.conditions().size(); b++) {
                    if (Values.truthy(eval(i.conditions().get(b), scope))) {
                        execute(i.bodies().get(b), scope, out);
                        return;
                    }
                }
                execute(i.orElse(), scope, out);
            }
            case For f -> loop(f, scope, out);
            case Set s -> assign(s.targets(), eval(s.value(), scope), scope);
            case SetAttribute s -> {
                Object target = scope.lookup(s.object());
                if (!(target instanceof Namespace ns)) {
                    throw new TemplateException(
                            "Can not assign attribute on non-namespace object '" + s.object() + "'");
                }
                ns.attributes.put(s.attribute(), eval(s.value(), scope));
            }
            case SetBlock s -> {
                StringBuilder captured = new StringBuilder();
                execute(s.body(), scope, captured);
                scope.set(s.target(), captured.toString());
            }
            case Macro m -> scope.set(m.name(), new MacroFunction(m, scope));
            case Break b -> throw BreakSignal.INSTANCE;
            case Continue c -> throw ContinueSignal.INSTANCE;
            case Block b -> execute(b.body(), scope, out);
        }
    }

    private void loop(For f, Scope scope, StringBuilder out) {
        List<Object> items = Values.iterate(eval(f.iterable(), scope));
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope test = new Scope(scope);
                assign(f.targets(), item, test);
                if (Values.truthy(eval(f.filter(), test))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        for (int i = 0; i < items.size(); i++) {
            Scope iteration = new Scope(scope);
            assign(f.targets(), items.get(i), iteration);
            iteration.set("loop", new Loop(items, i));
            try {
                execute(f.body(), iteration, out);
            } catch (BreakSignal b) {
                break;
            } catch (ContinueSignal c) {
                // next item
            }
        }
        if (items.isEmpty()) {
            execute(f.orElse(), scope, out);
        }
    }

    /** Binds one name, or unpacks a sequence into several. */
    private static void assign(List<String> targets, Object value, Scope scope) {
        if (targets.size() == 1) {
            scope.set(targets.get(0), value);
            return;
        }
        List<Object> parts = Values.iterate(value);
        if (parts.size() != targets.size()) {
            throw new TemplateException((parts.size() < targets.size() ? "not enough" : "too many")
                    + " values to unpack (expected " + targets.size() + ", got " + parts.size() + ")");
        }
        for (int i = 0; i < targets.size(); i++) {
            scope.set(targets.get(i), parts.get(i));
        }
    }

    Object eval(Expr expr, Scope scope) {
        return switch (expr) {
            case Literal l -> l.value();
            case Name n -> scope.lookup(n.name());
            case ListLiteral l -> {
                List<Object> items = new ArrayList<>(l.items().size());
                for (Expr item : l.items()) {
                    items.add(eval(item, scope));
                }
                yield items;
            }
            case DictLiteral d -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    map.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
                }
                yield map;
            }
            case Attribute a -> Values.attribute(eval(a.object(), scope), a.name());
            case Item i -> Values.item(eval(i.object(), scope), eval(i.key(), scope));
            case Slice s ->
                Values.slice(
                        eval(s.object(), scope),
                        optional(s.start(), scope),
                        optional(s.stop(), scope),
                        optional(s.step(), scope));
            case Call c -> call(eval(c.function(), scope), c.arguments(), scope);
            case Filter f ->
                Filters.apply(
                        f.name(),
                        eval(f.value(), scope),
                        positional(f.arguments(), scope),
                        keywords(f.arguments(), scope));
            case Test t -> {
                boolean result = Tests.apply(t.name(), eval(t.value(), scope), positional(t.arguments(), scope));
                yield result != t.negated();
            }
            case Unary u -> unary(u.operator(), eval(u.operand(), scope));
            case Binary b -> binary(b, scope);
            case Compare c -> compare(c, scope);
            case Conditional c ->
                Values.truthy(eval(c.condition(), scope))
                        ? eval(c.then(), scope)
                        : c.orElse() != null
                                ? eval(c.orElse(), scope)
                                : Undefined.because(
                                        "the inline if-expression evaluated to false and no else section was defined");
        };
    }

    private Object optional(Expr expr, Scope scope) {
        return expr == null ? null : eval(expr, scope);
    }

    private Object call(Object function, Node.Arguments arguments, Scope scope) {
        if (function instanceof Undefined u) {
            throw u.error();
        }
        if (!(function instanceof TemplateFunction f)) {
            throw new TemplateException("'" + Values.typeName(function) + "' object is not callable");
        }
        return f.call(positional(arguments, scope), keywords(arguments, scope));
    }

    private List<Object> positional(Node.Arguments arguments, Scope scope) {
        List<Object> values = new ArrayList<>(arguments.positional().size());
        for (Expr e : arguments.positional()) {
            values.add(eval(e, scope));
        }
        return values;
    }

    private Map<String, Object> keywords(Node.Arguments arguments, Scope scope) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < arguments.names().size(); i++) {
            values.put(arguments.names().get(i), eval(arguments.values().get(i), scope));
        }
        return values;
    }

    private static Object unary(String operator, Object v) {
        if (operator.equals("not")) {
            return !Values.truthy(v);
        }
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (!Values.isNumber(v)) {
            throw new TemplateException("bad operand type for unary " + operator + ": '" + Values.typeName(v) + "'");
        }
        if (operator.equals("+")) {
            return v instanceof Boolean ? Values.narrow(Values.bigInt(v)) : v;
        }
        return Values.isFloat(v)
                ? -Values.toDouble(v)
                : Values.narrow(Values.bigInt(v).negate());
    }

    private Object binary(Binary b, Scope scope) {
        Object left = eval(b.left(), scope);
        return switch (b.operator()) {
            // and / or return an operand, as in Python
            case "and" -> Values.truthy(left) ? eval(b.right(), scope) : left;
            case "or" -> Values.truthy(left) ? left : eval(b.right(), scope);
            case "~" -> Values.str(left) + Values.str(eval(b.right(), scope));
            default -> Values.arithmetic(b.operator(), left, eval(b.right(), scope));
        };
    }

    private boolean compare(Compare c, Scope scope) {
        Object left = eval(c.operands().get(0), scope);
        for (int i = 0; i < c.operators().size(); i++) {
            Object right = eval(c.operands().get(i + 1), scope);
            String op = c.operators().get(i);
            boolean holds = switch (op) {
                case "==" -> Values.equal(left, right);
                case "!=" -> !Values.equal(left, right);
                case "in" -> Values.contains(right, left);
                case "not in" -> !Values.contains(right, left);
                case "<" -> Values.compare(left, right, op) < 0;
                case "<=" -> Values.compare(left, right, op) <= 0;
                case ">" -> Values.compare(left, right, op) > 0;
                default -> Values.compare(left, right, op) >= 0;
            };
            if (!holds) {
                return false;
            }
            left = right;
        }
        return true;
    }
}
