package io.qwenstream.engine.template;

import io.qwenstream.engine.template.Lexer.Kind;
import io.qwenstream.engine.template.Lexer.Token;
import io.qwenstream.engine.template.Node.*;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Recursive-descent parser with jinja2's grammar and precedence: conditional expression, or, and,
 * not, comparisons (chained, {@code in}, {@code not in}), {@code + -}, {@code ~}, {@code * / // %},
 * {@code **}, unary {@code - +}, then postfix {@code . [] ()} and filters / tests.
 */
final class Parser {

    private final List<Token> tokens;
    private int at;
    /** How many for loops enclose the current statement: break/continue need one. */
    private int loopDepth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Stmt> parse(String source) {
        Parser parser = new Parser(Lexer.tokenize(source));
        List<Stmt> body = parser.body(null);
        return body;
    }

    // ---- statements ----

    /**
     * Statements up to a block tag whose name is in {@code ends} (left unconsumed, the cursor on the
     * tag name) or, when {@code opener} is null, up to the end of the template.
     */
    private List<Stmt> body(Token opener, String... ends) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = next();
            switch (t.kind()) {
                case TEXT -> body.add(new Text(t.text(), t.line()));
                case VAR_BEGIN -> {
                    Expr value = tuple(true);
                    expect(Kind.VAR_END, "end of print statement '}}'");
                    body.add(new Output(value, t.line()));
                }
                case BLOCK_BEGIN -> {
                    Token name = peek();
                    for (String end : ends) {
                        if (name.isName(end)) {
                            return body;
                        }
                    }
                    body.add(statement());
                }
                case EOF -> {
                    if (opener != null) {
                        throw new TemplateException("unexpected end of template: the '" + opener.text()
                                + "' block opened here needs {% " + ends[ends.length - 1] + " %}",
                                opener.line(), opener.column());
                    }
                    return body;
                }
                default -> throw error("unexpected '" + t.text() + "'", t);
            }
        }
    }

    private Stmt statement() {
        Token tag = expect(Kind.NAME, "statement name");
        int line = tag.line();
        return switch (tag.text()) {
            case "if" -> ifStatement(tag);
            case "for" -> forStatement(tag);
            case "set" -> setStatement(tag);
            case "macro" -> macro(tag);
            case "generation" -> {
                endTag();
                List<Stmt> inner = body(tag, "endgeneration");
                closeTag("endgeneration");
                yield new Block(inner, line);
            }
            case "break", "continue" -> {
                if (loopDepth == 0) {
                    throw error("'" + tag.text() + "' is only allowed inside a for loop", tag);
                }
                endTag();
                yield tag.text().equals("break") ? new Break(line) : new Continue(line);
            }
            case "include", "import", "from", "extends", "block", "call", "filter", "with", "do", "autoescape" ->
                    throw error("the '" + tag.text() + "' tag is not supported in chat templates", tag);
            default -> throw error("unknown tag '" + tag.text() + "'", tag);
        };
    }

    private Stmt ifStatement(Token tag) {
        List<Expr> conditions = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        conditions.add(tuple(false));
        endTag();
        while (true) {
            bodies.add(body(tag, "elif", "else", "endif"));
            Token end = next();
            if (end.isName("elif")) {
                conditions.add(tuple(false));
                endTag();
            } else if (end.isName("else")) {
                endTag();
                List<Stmt> orElse = body(tag, "endif");
                closeTag("endif");
                return new If(conditions, bodies, orElse, tag.line());
            } else {
                endTag();
                return new If(conditions, bodies, List.of(), tag.line());
            }
        }
    }

    private Stmt forStatement(Token tag) {
        List<String> targets = targets();
        if (!next().isName("in")) {
            throw error("expected 'in' in for loop", previous());
        }
        Expr iterable = tuple(false);
        Expr filter = null;
        if (peek().isName("if")) {
            next();
            filter = expression(true);
        }
        if (peek().isName("recursive")) {
            throw error("recursive for loops are not supported", peek());
        }
        endTag();
        loopDepth++;
        List<Stmt> body = body(tag, "else", "endfor");
        loopDepth--;
        List<Stmt> orElse = List.of();
        if (next().isName("else")) {
            endTag();
            orElse = body(tag, "endfor");
            closeTag("endfor");
        } else {
            endTag();
        }
        return new For(targets, iterable, filter, body, orElse, tag.line());
    }

    private Stmt setStatement(Token tag) {
        Token first = expect(Kind.NAME, "variable name");
        if (peek().isOp(".")) {
            next();
            String attribute = expect(Kind.NAME, "attribute name").text();
            expectOp("=");
            Expr value = tuple(true);
            endTag();
            return new SetAttribute(first.text(), attribute, value, tag.line());
        }
        List<String> targets = new ArrayList<>(List.of(first.text()));
        while (peek().isOp(",")) {
            next();
            targets.add(expect(Kind.NAME, "variable name").text());
        }
        if (peek().kind() == Kind.BLOCK_END && targets.size() == 1) {
            endTag();
            List<Stmt> inner = body(tag, "endset");
            closeTag("endset");
            return new SetBlock(first.text(), inner, tag.line());
        }
        expectOp("=");
        Expr value = tuple(true);
        endTag();
        return new Set(targets, value, tag.line());
    }

    private Stmt macro(Token tag) {
        String name = expect(Kind.NAME, "macro name").text();
        expectOp("(");
        List<String> parameters = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!parameters.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            parameters.add(expect(Kind.NAME, "parameter name").text());
            if (peek().isOp("=")) {
                next();
                defaults.add(expression(true));
            } else {
                defaults.add(null);
            }
        }
        next();
        endTag();
        int outerLoops = loopDepth;
        loopDepth = 0;
        List<Stmt> body = body(tag, "endmacro");
        loopDepth = outerLoops;
        closeTag("endmacro");
        return new Macro(name, parameters, defaults, body, tag.line());
    }

    /** Loop targets: {@code x}, {@code k, v} or {@code (k, v)}. */
    private List<String> targets() {
        boolean parenthesized = peek().isOp("(");
        if (parenthesized) {
            next();
        }
        List<String> names = new ArrayList<>(List.of(expect(Kind.NAME, "loop variable").text()));
        while (peek().isOp(",")) {
            next();
            names.add(expect(Kind.NAME, "loop variable").text());
        }
        if (parenthesized) {
            expectOp(")");
        }
        return names;
    }

    private void endTag() {
        expect(Kind.BLOCK_END, "end of statement '%}'");
    }

    /** Consumes the closing tag's name (the cursor is on it) and its end. */
    private void closeTag(String name) {
        Token t = next();
        if (!t.isName(name)) {
            throw error("expected '" + name + "'", t);
        }
        endTag();
    }

    // ---- expressions ----

    /** Comma-separated expressions; more than one (or a trailing comma) make a tuple. */
    private Expr tuple(boolean withConditional) {
        Expr first = expression(withConditional);
        if (!peek().isOp(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (peek().isOp(",")) {
            next();
            if (!startsExpression(peek())) {
                break;
            }
            items.add(expression(withConditional));
        }
        return new ListLiteral(items);
    }

    private static boolean startsExpression(Token t) {
        return switch (t.kind()) {
            case NAME, STRING, INT, FLOAT -> true;
            case OP -> t.text().equals("(") || t.text().equals("[") || t.text().equals("{")
                    || t.text().equals("-") || t.text().equals("+");
            default -> false;
        };
    }

    private Expr expression(boolean withConditional) {
        return withConditional ? conditional() : or();
    }

    private Expr conditional() {
        Expr expr = or();
        while (peek().isName("if")) {
            next();
            Expr condition = or();
            Expr orElse = null;
            if (peek().isName("else")) {
                next();
                orElse = conditional();
            }
            expr = new Conditional(condition, expr, orElse);
        }
        return expr;
    }

    private Expr or() {
        Expr left = and();
        while (peek().isName("or")) {
            next();
            left = new Binary("or", left, and());
        }
        return left;
    }

    private Expr and() {
        Expr left = not();
        while (peek().isName("and")) {
            next();
            left = new Binary("and", left, not());
        }
        return left;
    }

    private Expr not() {
        if (peek().isName("not")) {
            next();
            return new Unary("not", not());
        }
        return compare();
    }

    private Expr compare() {
        Expr first = additive();
        List<Expr> operands = new ArrayList<>(List.of(first));
        List<String> operators = new ArrayList<>();
        while (true) {
            Token t = peek();
            String op;
            if (t.kind() == Kind.OP && List.of("==", "!=", "<", "<=", ">", ">=").contains(t.text())) {
                op = t.text();
                next();
            } else if (t.isName("in")) {
                op = "in";
                next();
            } else if (t.isName("not") && peek(1).isName("in")) {
                op = "not in";
                next();
                next();
            } else {
                break;
            }
            operators.add(op);
            operands.add(additive());
        }
        return operators.isEmpty() ? first : new Compare(operands, operators);
    }

    private Expr additive() {
        Expr left = concat();
        while (peek().isOp("+") || peek().isOp("-")) {
            String op = next().text();
            left = new Binary(op, left, concat());
        }
        return left;
    }

    private Expr concat() {
        Expr left = multiplicative();
        while (peek().isOp("~")) {
            next();
            left = new Binary("~", left, multiplicative());
        }
        return left;
    }

    private Expr multiplicative() {
        Expr left = power();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            String op = next().text();
            left = new Binary(op, left, power());
        }
        return left;
    }

    private Expr power() {
        Expr left = unary(true);
        while (peek().isOp("**")) {
            next();
            left = new Binary("**", left, unary(true));
        }
        return left;
    }

    /** jinja2 binds unary minus tighter than {@code **} and than filters: {@code -x|abs} is {@code (-x)|abs}. */
    private Expr unary(boolean withFilters) {
        Expr node;
        if (peek().isOp("-") || peek().isOp("+")) {
            String op = next().text();
            node = new Unary(op, unary(false));
        } else {
            node = primary();
        }
        node = postfix(node);
        return withFilters ? filtersAndTests(node) : node;
    }

    private Expr primary() {
        Token t = next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Literal(Boolean.TRUE);
                    case "false", "False" -> new Literal(Boolean.FALSE);
                    case "none", "None" -> new Literal(null);
                    default -> new Name(t.text());
                };
            }
            case STRING -> {
                StringBuilder s = new StringBuilder(t.text());
                while (peek().kind() == Kind.STRING) { // adjacent literals concatenate, as in Python
                    s.append(next().text());
                }
                return new Literal(s.toString());
            }
            case INT -> {
                return new Literal(parseInt(t.text()));
            }
            case FLOAT -> {
                return new Literal(Double.parseDouble(t.text()));
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        if (peek().isOp(")")) {
                            next();
                            return new ListLiteral(List.of());
                        }
                        Expr inner = tuple(true);
                        expectOp(")");
                        return inner;
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("]")) {
                                    break;
                                }
                            }
                            items.add(expression(true));
                        }
                        next();
                        return new ListLiteral(items);
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(expression(true));
                            expectOp(":");
                            values.add(expression(true));
                        }
                        next();
                        return new DictLiteral(keys, values);
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        throw error("unexpected '" + describe(t) + "'", t);
    }

    private static Object parseInt(String text) {
        int radix = 10;
        String digits = text;
        if (text.length() > 2 && text.charAt(0) == '0' && Character.isLetter(text.charAt(1))) {
            radix = switch (Character.toLowerCase(text.charAt(1))) {
                case 'b' -> 2;
                case 'o' -> 8;
                default -> 16;
            };
            digits = text.substring(2);
        }
        return Values.narrow(new BigInteger(digits, radix));
    }

    private Expr postfix(Expr node) {
        while (true) {
            if (peek().isOp(".")) {
                next();
                Token name = next();
                if (name.kind() == Kind.NAME) {
                    node = new Attribute(node, name.text());
                } else if (name.kind() == Kind.INT) {
                    node = new Item(node, new Literal(parseInt(name.text())));
                } else {
                    throw error("expected attribute name after '.'", name);
                }
            } else if (peek().isOp("[")) {
                next();
                node = subscript(node);
            } else if (peek().isOp("(")) {
                next();
                node = new Call(node, arguments());
            } else {
                return node;
            }
        }
    }

    private Expr subscript(Expr object) {
        Expr start = null;
        if (!peek().isOp(":")) {
            start = expression(true);
            if (peek().isOp("]")) {
                next();
                return new Item(object, start);
            }
        }
        expectOp(":");
        Expr stop = peek().isOp("]") || peek().isOp(":") ? null : expression(true);
        Expr step = null;
        if (peek().isOp(":")) {
            next();
            step = peek().isOp("]") ? null : expression(true);
        }
        expectOp("]");
        return new Slice(object, start, stop, step);
    }

    /** Call arguments after '(' up to and including ')'. */
    private Arguments arguments() {
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!positional.isEmpty() || !names.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            if (peek().kind() == Kind.NAME && peek(1).isOp("=")) {
                names.add(next().text());
                next();
                values.add(expression(true));
            } else {
                if (!names.isEmpty()) {
                    throw error("positional argument after keyword argument", peek());
                }
                positional.add(expression(true));
            }
        }
        next();
        return new Arguments(positional, names, values);
    }

    private Expr filtersAndTests(Expr node) {
        while (true) {
            if (peek().isOp("|")) {
                next();
                String name = expect(Kind.NAME, "filter name").text();
                Arguments args = Arguments.NONE;
                if (peek().isOp("(")) {
                    next();
                    args = arguments();
                }
                node = new Filter(node, name, args);
            } else if (peek().isName("is")) {
                next();
                boolean negated = false;
                if (peek().isName("not")) {
                    next();
                    negated = true;
                }
                String name = expect(Kind.NAME, "test name").text();
                Arguments args = Arguments.NONE;
                Token t = peek();
                if (t.isOp("(")) {
                    next();
                    args = arguments();
                } else if (startsTestArgument(t)) {
                    // jinja2 allows one bare argument: "x is divisibleby 3", "x is sameas false"
                    args = new Arguments(List.of(postfix(primary())), List.of(), List.of());
                }
                node = new Test(node, name, args, negated);
            } else if (peek().isOp("(")) {
                next();
                node = new Call(node, arguments());
            } else {
                return node;
            }
        }
    }

    private static boolean startsTestArgument(Token t) {
        return switch (t.kind()) {
            case NAME -> !t.text().equals("else") && !t.text().equals("or") && !t.text().equals("and");
            case STRING, INT, FLOAT -> true;
            case OP -> t.text().equals("[") || t.text().equals("{");
            default -> false;
        };
    }

    // ---- token stream ----

    private Token peek() {
        return tokens.get(at);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(at + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(at);
        if (t.kind() != Kind.EOF) {
            at++;
        }
        return t;
    }

    private Token previous() {
        return tokens.get(Math.max(0, at - 1));
    }

    private Token expect(Kind kind, String what) {
        Token t = next();
        if (t.kind() != kind) {
            throw error("expected " + what + ", got '" + describe(t) + "'", t);
        }
        return t;
    }

    private void expectOp(String op) {
        Token t = next();
        if (!t.isOp(op)) {
            throw error("expected '" + op + "', got '" + describe(t) + "'", t);
        }
    }

    private static String describe(Token t) {
        return switch (t.kind()) {
            case EOF -> "end of template";
            case BLOCK_END -> "%}";
            case VAR_END -> "}}";
            case STRING -> "string literal";
            default -> t.text();
        };
    }

    private static TemplateException error(String message, Token t) {
        return new TemplateException(message, t.line(), t.column());
    }
}
