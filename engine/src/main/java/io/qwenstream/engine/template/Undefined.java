package io.qwenstream.engine.template;

/**
 * jinja2's default {@code Undefined}: prints as "", is false, iterates as empty and has length 0,
 * but any other use (attribute access, arithmetic, comparison, call) fails with {@link #hint()}.
 */
final class Undefined {

    private final String hint;

    private Undefined(String hint) {
        this.hint = hint;
    }

    /** A variable that is not defined. */
    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    /** A missing attribute or item of {@code owner}. */
    static Undefined member(Object owner, Object key) {
        String ownerText = owner == null ? "'None'" : "'" + Values.typeName(owner) + " object'";
        return key instanceof String name
                ? new Undefined(ownerText + " has no attribute '" + name + "'")
                : new Undefined(ownerText + " has no element " + Values.repr(key));
    }

    static Undefined because(String hint) {
        return new Undefined(hint);
    }

    String hint() {
        return hint;
    }

    TemplateException error() {
        return new TemplateException(hint);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Undefined; // jinja2: any two undefined values are equal
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return "";
    }
}
