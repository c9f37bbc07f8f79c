package io.qwenstream.engine.template;

import io.qwenstream.engine.template.Lexer.Kind;
import io.qwenstream.engine.template.Lexer.Token;
import io.qwenstream.engine.template.Node.*;
import java.util.ArrayList;
import java.util.List;

/** Parses template statements (text, output, if, for, set, macro...); {@link ExpressionParser} does the expressions. */
final class Parser {

    private final TokenStream in;
    private final ExpressionParser expressions;
    /** How many for loops enclose the current statement: break/continue need one. */
    private int loopDepth;

    private Parser(List<Token> tokens) {
        this.in = new TokenStream(tokens);
        this.expressions = new ExpressionParser(in);
    }

    static List<Stmt> parse(String source) {
        return new Parser(Lexer.tokenize(source)).body(null);
    }

    /**
     * Statements up to a block tag whose name is in {@code ends} (left unconsumed, the cursor on the
     * tag name) or, when {@code opener} is null, up to the end of the template.
     */
    private List<Stmt> body(Token opener, String... ends) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = in.next();
            switch (t.kind()) {
                case TEXT -> body.add(new Text(t.text(), t.line()));
                case VAR_BEGIN -> {
                    Expr value = expressions.tuple(true);
                    in.expect(Kind.VAR_END, "end of print statement '}}'");
                    body.add(new Output(value, t.line()));
                }
                case BLOCK_BEGIN -> {
                    Token name = in.peek();
                    for (String end : ends) {
                        if (name.isName(end)) {
                            return body;
                        }
                    }
                    body.add(statement());
                }
                case EOF -> {
                    if (opener != null) {
                        throw new TemplateException(
                                "unexpected end of template: the '" + opener.text() + "' block opened here needs {% "
                                        + ends[ends.length - 1] + " %}",
                                opener.line(),
                                opener.column());
                    }
                    return body;
                }
                default -> throw TokenStream.error("unexpected '" + t.text() + "'", t);
            }
        }
    }

    private Stmt statement() {
        Token tag = in.expect(Kind.NAME, "statement name");
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
                    throw TokenStream.error("'" + tag.text() + "' is only allowed inside a for loop", tag);
                }
                endTag();
                yield tag.text().equals("break") ? new Break(line) : new Continue(line);
            }
            case "include", "import", "from", "extends", "block", "call", "filter", "with", "do", "autoescape" ->
                throw TokenStream.error("the '" + tag.text() + "' tag is not supported in chat templates", tag);
            default -> throw TokenStream.error("unknown tag '" + tag.text() + "'", tag);
        };
    }

    private Stmt ifStatement(Token tag) {
        List<Expr> conditions = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        conditions.add(expressions.tuple(false));
        endTag();
        while (true) {
            bodies.add(body(tag, "elif", "else", "endif"));
            Token end = in.next();
            if (end.isName("elif")) {
                conditions.add(expressions.tuple(false));
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
        Token keyword = in.next();
        if (!keyword.isName("in")) {
            throw TokenStream.error("expected 'in' in for loop", keyword);
        }
        Expr iterable = expressions.tuple(false);
        Expr filter = null;
        if (in.peek().isName("if")) {
            in.next();
            filter = expressions.expression(true);
        }
        if (in.peek().isName("recursive")) {
            throw TokenStream.error("recursive for loops are not supported", in.peek());
        }
        endTag();
        loopDepth++;
        List<Stmt> body = body(tag, "else", "endfor");
        loopDepth--;
        List<Stmt> orElse = List.of();
        if (in.next().isName("else")) {
            endTag();
            orElse = body(tag, "endfor");
            closeTag("endfor");
        } else {
            endTag();
        }
        return new For(targets, iterable, filter, body, orElse, tag.line());
    }

    private Stmt setStatement(Token tag) {
        Token first = in.expect(Kind.NAME, "variable name");
        if (in.peek().isOp(".")) {
            in.next();
            String attribute = in.expect(Kind.NAME, "attribute name").text();
            in.expectOp("=");
            Expr value = expressions.tuple(true);
            endTag();
            return new SetAttribute(first.text(), attribute, value, tag.line());
        }
        List<String> targets = new ArrayList<>(List.of(first.text()));
        while (in.peek().isOp(",")) {
            in.next();
            targets.add(in.expect(Kind.NAME, "variable name").text());
        }
        if (in.peek().kind() == Kind.BLOCK_END && targets.size() == 1) {
            endTag();
            List<Stmt> inner = body(tag, "endset");
            closeTag("endset");
            return new SetBlock(first.text(), inner, tag.line());
        }
        in.expectOp("=");
        Expr value = expressions.tuple(true);
        endTag();
        return new Set(targets, value, tag.line());
    }

    private Stmt macro(Token tag) {
        String name = in.expect(Kind.NAME, "macro name").text();
        in.expectOp("(");
        List<String> parameters = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        while (!in.peek().isOp(")")) {
            if (!parameters.isEmpty()) {
                in.expectOp(",");
                if (in.peek().isOp(")")) {
                    break;
                }
            }
            parameters.add(in.expect(Kind.NAME, "parameter name").text());
            if (in.peek().isOp("=")) {
                in.next();
                defaults.add(expressions.expression(true));
            } else {
                defaults.add(null);
            }
        }
        in.next();
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
        boolean parenthesized = in.peek().isOp("(");
        if (parenthesized) {
            in.next();
        }
        List<String> names =
                new ArrayList<>(List.of(in.expect(Kind.NAME, "loop variable").text()));
        while (in.peek().isOp(",")) {
            in.next();
            names.add(in.expect(Kind.NAME, "loop variable").text());
        }
        if (parenthesized) {
            in.expectOp(")");
        }
        return names;
    }

    private void endTag() {
        in.expect(Kind.BLOCK_END, "end of statement '%}'");
    }

    /** Consumes the closing tag's name (the cursor is on it) and its end. */
    private void closeTag(String name) {
        Token t = in.next();
        if (!t.isName(name)) {
            throw TokenStream.error("expected '" + name + "'", t);
        }
        endTag();
    }
}
