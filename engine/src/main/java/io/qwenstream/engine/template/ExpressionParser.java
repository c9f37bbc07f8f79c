package io.qwenstream.engine.template;

import io.qwenstream.engine.template.Lexer.Kind;
import io.qwenstream.engine.template.Lexer.Token;
import io.qwenstream.engine.template.Node.*;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Expressions, with jinja2's grammar and precedence: conditional expression, or, and, not,
 * comparisons (chained, {@code in}, {@code not in}), {@code + -}, {@code ~}, {@code * / // %},
 * {@code **}, unary {@code - +}, then postfix {@code . [] ()} and filters / tests.
 */
final class ExpressionParser {

    private final TokenStream in;

    ExpressionParser(TokenStream in) {
        this.in = in;
    }

    /** Comma-separated expressions; more than one (or a trailing comma) make a tuple. */
    Expr tuple(boolean withConditional) {
        Expr first = expression(withConditional);
        if (!in.peek().isOp(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (in.peek().isOp(",")) {
            in.next();
            if (!startsExpression(in.peek())) {
                break;
            }
            items.add(expression(withConditional));
        }
        return new ListLiteral(items);
    }

    private static boolean startsExpression(Token t) {
        return switch (t.kind()) {
            case NAME, STRING, INT, FLOAT -> true;
            case OP ->
                t.text().equals("(")
                        || t.text().equals("[")
                        || t.text().equals("{")
                        || t.text().equals("-")
                        || t.text().equals("+");
            default -> false;
        };
    }

    Expr expression(boolean withConditional) {
        return withConditional ? conditional() : or();
    }

    private Expr conditional() {
        Expr expr = or();
        while (in.peek().isName("if")) {
            in.next();
            Expr condition = or();
            Expr orElse = null;
            if (in.peek().isName("else")) {
                in.next();
                orElse = conditional();
            }
            expr = new Conditional(condition, expr, orElse);
        }
        return expr;
    }

    private Expr or() {
        Expr left = and();
        while (in.peek().isName("or")) {
            in.next();
            left = new Binary("or", left, and());
        }
        return left;
    }

    private Expr and() {
        Expr left = not();
        while (in.peek().isName("and")) {
            in.next();
            left = new Binary("and", left, not());
        }
        return left;
    }

    private Expr not() {
        if (in.peek().isName("not")) {
            in.next();
            return new Unary("not", not());
        }
        return compare();
    }

    private Expr compare() {
        Expr first = additive();
        List<Expr> operands = new ArrayList<>(List.of(first));
        List<String> operators = new ArrayList<>();
        while (true) {
            Token t = in.peek();
            String op;
            if (t.kind() == Kind.OP && List.of("==", "!=", "<", "<=", ">", ">=").contains(t.text())) {
                op = t.text();
                in.next();
            } else if (t.isName("in")) {
                op = "in";
                in.next();
            } else if (t.isName("not") && in.peek(1).isName("in")) {
                op = "not in";
                in.next();
                in.next();
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
        while (in.peek().isOp("+") || in.peek().isOp("-")) {
            String op = in.next().text();
            left = new Binary(op, left, concat());
        }
        return left;
    }

    private Expr concat() {
        Expr left = multiplicative();
        while (in.peek().isOp("~")) {
            in.next();
            left = new Binary("~", left, multiplicative());
        }
        return left;
    }

    private Expr multiplicative() {
        Expr left = power();
        while (in.peek().isOp("*")
                || in.peek().isOp("/")
                || in.peek().isOp("//")
                || in.peek().isOp("%")) {
            String op = in.next().text();
            left = new Binary(op, left, power());
        }
        return left;
    }

    private Expr power() {
        Expr left = unary(true);
        while (in.peek().isOp("**")) {
            in.next();
            left = new Binary("**", left, unary(true));
        }
        return left;
    }

    /** jinja2 binds unary minus tighter than {@code **} and than filters: {@code -x|abs} is {@code (-x)|abs}. */
    private Expr unary(boolean withFilters) {
        Expr node;
        if (in.peek().isOp("-") || in.peek().isOp("+")) {
            String op = in.next().text();
            node = new Unary(op, unary(false));
        } else {
            node = primary();
        }
        node = postfix(node);
        return withFilters ? filtersAndTests(node) : node;
    }

    private Expr primary() {
        Token t = in.next();
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
                while (in.peek().kind() == Kind.STRING) { // adjacent literals concatenate, as in Python
                    s.append(in.next().text());
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
                        if (in.peek().isOp(")")) {
                            in.next();
                            return new ListLiteral(List.of());
                        }
                        Expr inner = tuple(true);
                        in.expectOp(")");
                        return inner;
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!in.peek().isOp("]")) {
                            if (!items.isEmpty()) {
                                in.expectOp(",");
                                if (in.peek().isOp("]")) {
                                    break;
                                }
                            }
                            items.add(expression(true));
                        }
                        in.next();
                        return new ListLiteral(items);
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!in.peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                in.expectOp(",");
                                if (in.peek().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(expression(true));
                            in.expectOp(":");
                            values.add(expression(true));
                        }
                        in.next();
                        return new DictLiteral(keys, values);
                    }
                    default -> {}
                }
            }
            default -> {}
        }
        throw TokenStream.error("unexpected '" + TokenStream.describe(t) + "'", t);
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
            if (in.peek().isOp(".")) {
                in.next();
                Token name = in.next();
                if (name.kind() == Kind.NAME) {
                    node = new Attribute(node, name.text());
                } else if (name.kind() == Kind.INT) {
                    node = new Item(node, new Literal(parseInt(name.text())));
                } else {
                    throw TokenStream.error("expected attribute name after '.'", name);
                }
            } else if (in.peek().isOp("[")) {
                in.next();
                node = subscript(node);
            } else if (in.peek().isOp("(")) {
                in.next();
                node = new Call(node, arguments());
            } else {
                return node;
            }
        }
    }

    private Expr subscript(Expr object) {
        Expr start = null;
        if (!in.peek().isOp(":")) {
            start = expression(true);
            if (in.peek().isOp("]")) {
                in.next();
                return new Item(object, start);
            }
        }
        in.expectOp(":");
        Expr stop = in.peek().isOp("]") || in.peek().isOp(":") ? null : expression(true);
        Expr step = null;
        if (in.peek().isOp(":")) {
            in.next();
            step = in.peek().isOp("]") ? null : expression(true);
        }
        in.expectOp("]");
        return new Slice(object, start, stop, step);
    }

    /** Call arguments after '(' up to and including ')'. */
    private Arguments arguments() {
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!in.peek().isOp(")")) {
            if (!positional.isEmpty() || !names.isEmpty()) {
                in.expectOp(",");
                if (in.peek().isOp(")")) {
                    break;
                }
            }
            if (in.peek().kind() == Kind.NAME && in.peek(1).isOp("=")) {
                names.add(in.next().text());
                in.next();
                values.add(expression(true));
            } else {
                if (!names.isEmpty()) {
                    throw TokenStream.error("positional argument after keyword argument", in.peek());
                }
                positional.add(expression(true));
            }
        }
        in.next();
        return new Arguments(positional, names, values);
    }

    private Expr filtersAndTests(Expr node) {
        while (true) {
            if (in.peek().isOp("|")) {
                in.next();
                String name = in.expect(Kind.NAME, "filter name").text();
                Arguments args = Arguments.NONE;
                if (in.peek().isOp("(")) {
                    in.next();
                    args = arguments();
                }
                node = new Filter(node, name, args);
            } else if (in.peek().isName("is")) {
                in.next();
                boolean negated = false;
                if (in.peek().isName("not")) {
                    in.next();
                    negated = true;
                }
                String name = in.expect(Kind.NAME, "test name").text();
                Arguments args = Arguments.NONE;
                Token t = in.peek();
                if (t.isOp("(")) {
                    in.next();
                    args = arguments();
                } else if (startsTestArgument(t)) {
                    // jinja2 allows one bare argument: "x is divisibleby 3", "x is sameas false"
                    args = new Arguments(List.of(postfix(primary())), List.of(), List.of());
                }
                node = new Test(node, name, args, negated);
            } else if (in.peek().isOp("(")) {
                in.next();
                node = new Call(node, arguments());
            } else {
                return node;
            }
        }
    }

    private static boolean startsTestArgument(Token t) {
        return switch (t.kind()) {
            case NAME ->
                !t.text().equals("else") && !t.text().equals("or") && !t.text().equals("and");
            case STRING, INT, FLOAT -> true;
            case OP -> t.text().equals("[") || t.text().equals("{");
            default -> false;
        };
    }
}
