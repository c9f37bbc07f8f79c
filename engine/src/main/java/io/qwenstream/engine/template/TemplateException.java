package io.qwenstream.engine.template;

/**
 * A chat template that cannot be parsed or rendered. Carries the template line (and column, for
 * syntax errors) at fault when known; {@link #reason()} is the message without the location, e.g.
 * exactly the text a template passed to {@code raise_exception}.
 */
public final class TemplateException extends RuntimeException {

    private final String reason;
    private final int line;
    private final int column;

    public TemplateException(String reason) {
        this(reason, 0, 0);
    }

    public TemplateException(String reason, int line, int column) {
        super(reason + location(line, column));
        this.reason = reason;
        this.line = line;
        this.column = column;
    }

    /** The message without the location. */
    public String reason() {
        return reason;
    }

    /** 1-based template line, 0 when unknown. */
    public int line() {
        return line;
    }

    /** 1-based column, 0 when unknown. */
    public int column() {
        return column;
    }

    /** This error located at {@code line}, unless it already knows where it happened. */
    TemplateException atLine(int line) {
        if (this.line > 0 || line <= 0) {
            return this;
        }
        TemplateException located = new TemplateException(reason, line, 0);
        located.setStackTrace(getStackTrace());
        return located;
    }

    private static String location(int line, int column) {
        if (line <= 0) {
            return "";
        }
        return column > 0 ? " (line " + line + ", column " + column + ")" : " (line " + line + ")";
    }
}
