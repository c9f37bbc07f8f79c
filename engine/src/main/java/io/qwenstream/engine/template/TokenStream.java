package io.qwenstream.engine.template;

import io.qwenstream.engine.template.Lexer.Kind;
import io.qwenstream.engine.template.Lexer.Token;
import java.util.List;

/** The lexer's tokens with a cursor, shared by the statement and expression parsers. */
final class TokenStream {

    private final List<Token> tokens;
    private int at;

    TokenStream(List<Token> tokens) {
        this.tokens = tokens;
    }

    Token peek() {
        return tokens.get(at);
    }

    Token peek(int ahead) {
        return tokens.get(Math.min(at + ahead, tokens.size() - 1));
    }

    Token next() {
        Token t = tokens.get(at);
        if (t.kind() != Kind.EOF) {
            at++;
        }
        return t;
    }

    Token expect(Kind kind, String what) {
        Token t = next();
        if (t.kind() != kind) {
            throw error("expected " + what + ", got '" + describe(t) + "'", t);
        }
        return t;
    }

    void expectOp(String op) {
        Token t = next();
        if (!t.isOp(op)) {
            throw error("expected '" + op + "', got '" + describe(t) + "'", t);
        }
    }

    static String describe(Token t) {
        return switch (t.kind()) {
            case EOF -> "end of template";
            case BLOCK_END -> "%}";
            case VAR_END -> "}}";
            case STRING -> "string literal";
            default -> t.text();
        };
    }

    static TemplateException error(String message, Token t) {
        return new TemplateException(message, t.line(), t.column());
    }
}
