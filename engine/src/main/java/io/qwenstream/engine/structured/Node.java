package io.qwenstream.engine.structured;

import java.math.BigDecimal;
import java.util.List;

/**
 * One node of a compiled answer grammar: what a JSON value (or a fixed piece of text) may be. Nodes
 * compare by identity: a grammar state that points at the same node is the same state.
 */
sealed interface Node {

    /** Any JSON value, nested at most {@link #MAX_DEPTH} deep. */
    final class Any implements Node {
        static final int MAX_DEPTH = 20;
        private static final Any[] BY_DEPTH = new Any[MAX_DEPTH + 1];
        final int depth;

        private Any(int depth) {
            this.depth = depth;
        }

        static synchronized Any at(int depth) {
            int d = Math.min(depth, MAX_DEPTH);
            if (BY_DEPTH[d] == null) BY_DEPTH[d] = new Any(d);
            return BY_DEPTH[d];
        }
    }

    /**
     * An object. With declared properties only those keys may appear ({@code keys[i]} is the key's JSON
     * text without its opening quote); without, any string key with values of {@code additional}.
     */
    final class Obj implements Node {
        final List<String> names;
        final List<byte[]> keys;
        final List<Node> values;
        final long required;
        final Node additional;

        Obj(List<String> names, List<byte[]> keys, List<Node> values, long required, Node additional) {
            this.names = names;
            this.keys = keys;
            this.values = values;
            this.required = required;
            this.additional = additional;
        }

        boolean free() {
            return names.isEmpty();
        }
    }

    /** An array of {@code items}, {@code min} to {@code max} of them (max -1: unbounded). */
    final class Arr implements Node {
        final Node items;
        final int min;
        final int max;

        Arr(Node items, int min, int max) {
            this.items = items;
            this.min = min;
            this.max = max;
        }
    }

    /** A string of {@code min} to {@code max} characters (max -1: unbounded) matching {@code pattern} (null: any). */
    final class Str implements Node {
        final int min;
        final int max;
        final Regex pattern;

        Str(int min, int max, Regex pattern) {
            this.min = min;
            this.max = max;
            this.pattern = pattern;
        }
    }

    /**
     * A number written without exponent, integer part and fraction each at most {@link #MAX_DIGITS}
     * digits. Integers: {@code [minInt, maxInt]}; numbers: min/max (null: unbounded), exclusive or not.
     */
    final class Num implements Node {
        static final int MAX_DIGITS = 15;
        final boolean integer;
        final long minInt;
        final long maxInt;
        final BigDecimal min;
        final boolean minExclusive;
        final BigDecimal max;
        final boolean maxExclusive;

        Num(boolean integer, long minInt, long maxInt, BigDecimal min, boolean minEx, BigDecimal max, boolean maxEx) {
            this.integer = integer;
            this.minInt = minInt;
            this.maxInt = maxInt;
            this.min = min;
            this.minExclusive = minEx;
            this.max = max;
            this.maxExclusive = maxEx;
        }
    }

    /**
     * One of fixed texts (an enum, a const, true, false, null, or a literal piece of a sequence). When
     * {@code then} is set, matching text {@code i} continues with the sequence {@code then.get(i)}.
     */
    final class Literals implements Node {
        final List<byte[]> texts;
        final List<Seq> then;

        Literals(List<byte[]> texts, List<Seq> then) {
            this.texts = texts;
            this.then = then;
        }
    }

    /** One of {@code options}, told apart by their first byte. */
    final class Choice implements Node {
        final List<Node> options;

        Choice(List<Node> options) {
            this.options = options;
        }
    }

    /** The items one after another. */
    final class Seq implements Node {
        final List<Node> items;

        Seq(List<Node> items) {
            this.items = items;
        }
    }

    /** Optional whitespace, at most {@code max} bytes. */
    final class Ws implements Node {
        final int max;

        Ws(int max) {
            this.max = max;
        }
    }
}
