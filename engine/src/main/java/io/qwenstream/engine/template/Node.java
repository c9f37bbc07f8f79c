package io.qwenstream.engine.template;

import java.util.List;

/** The parsed template: statements carry their line so that runtime errors can say where. */
sealed interface Node {

    sealed interface Stmt extends Node {
        int line();
    }

    record Text(String text, int line) implements Stmt {}

    record Output(Expr value, int line) implements Stmt {}

    /** {@code if}/{@code elif} branches in order, then the {@code else} body (empty if none). */
    record If(List<Expr> conditions, List<List<Stmt>> bodies, List<Stmt> orElse, int line) implements Stmt {}

    /** {@code for targets in iterable [if filter]}; one target binds the item, several unpack it. */
    record For(List<String> targets, Expr iterable, Expr filter, List<Stmt> body, List<Stmt> orElse, int line)
            implements Stmt {}

    /** {@code set a = ...} or {@code set a, b = ...}. */
    record Set(List<String> targets, Expr value, int line) implements Stmt {}

    /** {@code set ns.attr = ...}: only namespace objects accept it. */
    record SetAttribute(String object, String attribute, Expr value, int line) implements Stmt {}

    /** {@code set name %}...{% endset}: the rendered body becomes the value. */
    record SetBlock(String target, List<Stmt> body, int line) implements Stmt {}

    /** Parameters without a default have a null entry in {@code defaults}. */
    record Macro(String name, List<String> parameters, List<Expr> defaults, List<Stmt> body, int line)
            implements Stmt {}

    record Break(int line) implements Stmt {}

    record Continue(int line) implements Stmt {}

    /** A body rendered as is: transformers' {@code generation} tag only marks assistant text. */
    record Block(List<Stmt> body, int line) implements Stmt {}

    sealed interface Expr extends Node {}

    record Literal(Object value) implements Expr {}

    record Name(String name) implements Expr {}

    record ListLiteral(List<Expr> items) implements Expr {}

    record DictLiteral(List<Expr> keys, List<Expr> values) implements Expr {}

    /** {@code a.b}. */
    record Attribute(Expr object, String name) implements Expr {}

    /** {@code a[b]}. */
    record Item(Expr object, Expr key) implements Expr {}

    /** {@code a[start:stop:step]}, each part nullable. */
    record Slice(Expr object, Expr start, Expr stop, Expr step) implements Expr {}

    /** Keyword arguments keep their order: {@code names.get(i)} goes with {@code values.get(i)}. */
    record Arguments(List<Expr> positional, List<String> names, List<Expr> values) {
        static final Arguments NONE = new Arguments(List.of(), List.of(), List.of());
    }

    record Call(Expr function, Arguments arguments) implements Expr {}

    record Filter(Expr value, String name, Arguments arguments) implements Expr {}

    record Test(Expr value, String name, Arguments arguments, boolean negated) implements Expr {}

    /** {@code -}, {@code +} or {@code not}. */
    record Unary(String operator, Expr operand) implements Expr {}

    /** Arithmetic, {@code ~}, {@code and}, {@code or}. */
    record Binary(String operator, Expr left, Expr right) implements Expr {}

    /** A comparison chain {@code a < b <= c}: {@code operators.get(i)} sits before {@code operands.get(i + 1)}. */
    record Compare(List<Expr> operands, List<String> operators) implements Expr {}

    /** {@code then if condition else orElse}; a missing else gives undefined. */
    record Conditional(Expr condition, Expr then, Expr orElse) implements Expr {}
}
