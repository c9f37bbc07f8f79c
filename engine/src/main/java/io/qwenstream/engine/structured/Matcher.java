package io.qwenstream.engine.structured;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The grammar's pushdown automaton over bytes. A state is an immutable {@link Stack} of frames: the
 * top one is the value being written, each one below waits, already in its after-the-child state, for
 * the value above it to end. {@link #advance} reads one byte (null: the byte cannot come next);
 * every state it returns can still be completed ({@link #completion}), so masking by it never leads
 * into a dead end. States compare by value, so a mask can be memoised per state.
 */
final class Matcher {

    private Matcher() {}

    record Stack(Frame head, Stack tail) {}

    sealed interface Frame {
        /** Reads {@code b} with {@code self.head() == this}; the new state, or null. */
        Stack step(Stack self, int b);

        /** Whether the text may end here, as far as this frame is concerned. */
        boolean endable();

        /** Writes the bytes that end this frame's value by a short path. */
        void complete(ByteArrayOutputStream out);
    }

    static Stack start(Node.Seq root) {
        return new Stack(new SeqFrame(root, 0), null);
    }

    static Stack advance(Stack s, int b) {
        return s == null ? null : s.head().step(s, b);
    }

    static boolean accepting(Stack s) {
        for (; s != null; s = s.tail()) if (!s.head().endable()) return false;
        return true;
    }

    /** A short text that takes {@code s} to an accepting state. */
    static byte[] completion(Stack s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (; s != null; s = s.tail()) s.head().complete(out);
        return out.toByteArray();
    }

    static boolean isWs(int b) {
        return b == ' ' || b == '\n' || b == '\t' || b == '\r';
    }

    // ---------------------------------------------------------------- values

    private static final Node.Str FREE_STRING = new Node.Str(0, -1, null);
    private static final Node.Num FREE_NUMBER =
            new Node.Num(false, -999_999_999_999_999L, 999_999_999_999_999L, null, false, null, false);
    private static final Node.Literals TRUE_FALSE_NULL =
            new Node.Literals(List.of("true".getBytes(), "false".getBytes(), "null".getBytes()), null);

    /** Reads {@code b} as the first byte of a value of {@code node}; {@code rest} is what follows the value. */
    static Stack startValue(Node node, Stack rest, int b) {
        return switch (node) {
            case Node.Any any -> startAny(any, rest, b);
            case Node.Obj obj -> b == '{' ? new Stack(new ObjFrame(obj, ObjFrame.OPEN, 0, 0, 0, -1, 0), rest) : null;
            case Node.Arr arr -> b == '[' ? new Stack(new ArrFrame(arr, ArrFrame.OPEN, 0, 0), rest) : null;
            case Node.Str str -> b == '"' ? new Stack(StrFrame.initial(str), rest) : null;
            case Node.Num num -> new NumFrame(num, false, "", null).read(rest, b);
            case Node.Literals lit -> {
                List<Integer> all = new ArrayList<>();
                for (int i = 0; i < lit.texts.size(); i++) all.add(i);
                LitFrame f = new LitFrame(lit, List.copyOf(all), 0);
                yield f.step(new Stack(f, rest), b);
            }
            case Node.Choice choice -> {
                for (Node option : choice.options) {
                    Stack s = startValue(option, rest, b);
                    if (s != null) yield s;
                }
                yield null;
            }
            case Node.Seq seq -> {
                SeqFrame f = new SeqFrame(seq, 0);
                yield f.step(new Stack(f, rest), b);
            }
            case Node.Ws ws -> isWs(b) && ws.max > 0 ? new Stack(new WsFrame(ws.max, 1), rest) : advance(rest, b);
        };
    }

    private static Stack startAny(Node.Any any, Stack rest, int b) {
        boolean deeper = any.depth < Node.Any.MAX_DEPTH;
        Node.Any inner = Node.Any.at(any.depth + 1);
        if (b == '{' && deeper) return startValue(AnyShapes.object(inner), rest, b);
        if (b == '[' && deeper) return startValue(AnyShapes.array(inner), rest, b);
        if (b == '"') return startValue(FREE_STRING, rest, b);
        if (b == '-' || (b >= '0' && b <= '9')) return startValue(FREE_NUMBER, rest, b);
        return startValue(TRUE_FALSE_NULL, rest, b);
    }

    /** The object and array nodes of {@link Node.Any}, one per depth, so that states compare equal. */
    static final class AnyShapes {
        private static final Node.Obj[] OBJECTS = new Node.Obj[Node.Any.MAX_DEPTH + 1];
        private static final Node.Arr[] ARRAYS = new Node.Arr[Node.Any.MAX_DEPTH + 1];

        static synchronized Node.Obj object(Node.Any values) {
            if (OBJECTS[values.depth] == null)
                OBJECTS[values.depth] = new Node.Obj(List.of(), List.of(), List.of(), 0, values);
            return OBJECTS[values.depth];
        }

        static synchronized Node.Arr array(Node.Any items) {
            if (ARRAYS[items.depth] == null) ARRAYS[items.depth] = new Node.Arr(items, 0, -1);
            return ARRAYS[items.depth];
        }
    }

    /** A short value of {@code node}. */
    static void shortest(Node node, ByteArrayOutputStream out) {
        switch (node) {
            case Node.Any any -> out.write('0');
            case Node.Obj obj -> {
                out.write('{');
                ObjFrame.closeRest(obj, 0, false, out);
            }
            case Node.Arr arr -> {
                out.write('[');
                ArrFrame.closeRest(arr, 0, true, out);
            }
            case Node.Str str -> {
                out.write('"');
                StrFrame.initial(str).complete(out);
            }
            case Node.Num num -> new NumFrame(num, false, "", null).complete(out);
            case Node.Literals lit -> {
                List<Integer> all = new ArrayList<>();
                for (int i = 0; i < lit.texts.size(); i++) all.add(i);
                new LitFrame(lit, all, 0).complete(out);
            }
            case Node.Choice choice -> shortest(choice.options.getFirst(), out);
            case Node.Seq seq -> new SeqFrame(seq, 0).complete(out);
            case Node.Ws ws -> {}
        }
    }

    private static Stack pop(Stack self) {
        return self.tail();
    }

    // ---------------------------------------------------------------- frames

    /** The items of a sequence from {@code index} on. */
    record SeqFrame(Node.Seq seq, int index) implements Frame {
        @Override
        public Stack step(Stack self, int b) {
            if (index == seq.items.size()) return advance(self.tail(), b);
            return startValue(seq.items.get(index), new Stack(new SeqFrame(seq, index + 1), self.tail()), b);
        }

        @Override
        public boolean endable() {
            for (int i = index; i < seq.items.size(); i++) if (!(seq.items.get(i) instanceof Node.Ws)) return false;
            return true;
        }

        @Override
        public void complete(ByteArrayOutputStream out) {
            for (int i = index; i < seq.items.size(); i++) shortest(seq.items.get(i), out);
        }
    }

    record WsFrame(int max, int count) implements Frame {
        @Override
        public Stack step(Stack self, int b) {
            if (isWs(b) && count < max) return new Stack(new WsFrame(max, count + 1), self.tail());
            return advance(self.tail(), b);
        }

        @Override
        public boolean endable() {
            return true;
        }

        @Override
        public void complete(ByteArrayOutputStream out) {}
    }

    /** The texts of {@code alive} agree with what was read so far, {@code offset} bytes of them. */
    record LitFrame(Node.Literals node, List<Integer> alive, int offset) implements Frame {
        @Override
        public Stack step(Stack self, int b) {
            List<Integer> next = new ArrayList<>(alive.size());
            for (int i : alive) {
                byte[] t = node.texts.get(i);
                if (t.length > offset && (t[offset] & 0xFF) == b) next.add(i);
            }
            if (next.size() == 1 && node.texts.get(next.getFirst()).length == offset + 1)
                return finish(next.getFirst(), self.tail());
            if (!next.isEmpty()) return new Stack(new LitFrame(node, List.copyOf(next), offset + 1), self.tail());
            for (int i : alive) {
                if (node.texts.get(i).length == offset) return advance(finish(i, self.tail()), b);
            }
            return null;
        }

        private Stack finish(int i, Stack rest) {
            return node.then == null ? rest : new Stack(new SeqFrame(node.then.get(i), 0), rest);
        }

        @Override
        public boolean endable() {
            if (node.then != null) return false;
            for (int i : alive) if (node.texts.get(i).length == offset) return true;
            return false;
        }

        @Override
        public void complete(ByteArrayOutputStream out) {
            int best = alive.getFirst();
            for (int i : alive) if (node.texts.get(i).length < node.texts.get(best).length) best = i;
            byte[] t = node.texts.get(best);
            out.write(t, offset, t.length - offset);
            if (node.then != null) shortest(node.then.get(best), out);
        }
    }

    /**
     * An object: {@code seen} the declared properties written, {@code keyAlive} the declared keys that
     * agree with the {@code keyOffset} bytes of the key being written, {@code chosen} the property whose
     * value comes next (-1: a free key), {@code ws} whitespace bytes since the last token.
     */
    record ObjFrame(Node.Obj node, int state, long seen, long keyAlive, int keyOffset, int chosen, int ws)
            implements Frame {
        static final int OPEN = 0, KEY_START = 1, KEY = 2, COLON = 3, VALUE = 4, AFTER = 5;

        private ObjFrame in(int newState, int newChosen) {
            return new ObjFrame(node, newState, seen, 0, 0, newChosen, 0);
        }

        private long all() {
            return node.names.size() == 64 ? -1L : (1L << node.names.size()) - 1;
        }

        @Override
        public Stack step(Stack self, int b) {
            Stack rest = self.tail();
            if (state == KEY) return key(rest, b);
            if (isWs(b)) {
                return ws < SchemaCompiler.WS_MAX
                        ? new Stack(new ObjFrame(node, state, seen, keyAlive, keyOffset, chosen, ws + 1), rest)
                        : null;
            }
            switch (state) {
                case OPEN, KEY_START -> {
                    if (b == '}' && state == OPEN && node.required == 0) return pop(self);
                    if (b != '"') return null;
                    if (node.free()) return new Stack(StrFrame.initial(FREE_STRING), new Stack(in(COLON, -1), rest));
                    long unseen = all() & ~seen;
                    return unseen == 0 ? null : new Stack(new ObjFrame(node, KEY, seen, unseen, 0, -1, 0), rest);
                }
                case COLON -> {
                    return b == ':' ? new Stack(in(VALUE, chosen), rest) : null;
                }
                case VALUE -> {
                    Node value = chosen < 0 ? node.additional : node.values.get(chosen);
                    return startValue(value, new Stack(in(AFTER, -1), rest), b);
                }
                case AFTER -> {
                    if (b == ',' && (node.free() || (all() & ~seen) != 0)) return new Stack(in(KEY_START, -1), rest);
                    if (b == '}' && (node.required & ~seen) == 0) return pop(self);
                    return null;
                }
                default -> throw new IllegalStateException("object state " + state);
            }
        }

        private Stack key(Stack rest, int b) {
            long next = 0;
            for (long m = keyAlive; m != 0; m &= m - 1) {
                int i = Long.numberOfTrailingZeros(m);
                byte[] k = node.keys.get(i);
                if (k.length > keyOffset && (k[keyOffset] & 0xFF) == b) next |= 1L << i;
            }
            if (next == 0) return null;
            if (Long.bitCount(next) == 1) {
                int i = Long.numberOfTrailingZeros(next);
                if (node.keys.get(i).length == keyOffset + 1)
                    return new Stack(new ObjFrame(node, COLON, seen | 1L << i, 0, 0, i, 0), rest);
            }
            return new Stack(new ObjFrame(node, KEY, seen, next, keyOffset + 1, -1, 0), rest);
        }

        @Override
        public boolean endable() {
            return false;
        }

        @Override
        public void complete(ByteArrayOutputStream out) {
            long s = seen;
            int c = chosen;
            switch (state) {
                case KEY -> {
                    c = Long.numberOfTrailingZeros(keyAlive);
                    byte[] k = node.keys.get(c);
                    out.write(k, keyOffset, k.length - keyOffset);
                    s |= 1L << c;
                }
                case KEY_START -> {
                    if ((node.required & ~s) != 0) {
                        closeRest(node, s, false, out);
                        return;
                    }
                    if (node.free()) {
                        out.writeBytes("\"\"".getBytes());
                        c = -1;
                    } else {
                        c = Long.numberOfTrailingZeros(all() & ~s);
                        out.write('"');
                        out.writeBytes(node.keys.get(c));
                        s |= 1L << c;
                    }
                }
                case OPEN -> {
                    closeRest(node, s, false, out);
                    return;
                }
                case AFTER -> {
                    closeRest(node, s, true, out);
                    return;
                }
                default -> {}
            }
            if (state != VALUE) out.write(':');
            shortest(c < 0 ? node.additional : node.values.get(c), out);
            closeRest(node, s, true, out);
        }

        /** The required properties not yet written, then the closing brace. */
        static void closeRest(Node.Obj node, long seen, boolean comma, ByteArrayOutputStream out) {
            for (long m = node.required & ~seen; m != 0; m &= m - 1) {
                int i = Long.numberOfTrailingZeros(m);
                if (comma) out.write(',');
                comma = true;
                out.write('"');
                out.writeBytes(node.keys.get(i));
                out.write(':');
                shortest(node.values.get(i), out);
            }
            out.write('}');
        }
    }

    record ArrFrame(Node.Arr node, int state, int count, int ws) implements Frame {
        static final int OPEN = 0, ITEM = 1, AFTER = 2;

        @Override
        public Stack step(Stack self, int b) {
            Stack rest = self.tail();
            if (isWs(b))
                return ws < SchemaCompiler.WS_MAX ? new Stack(new ArrFrame(node, state, count, ws + 1), rest) : null;
            if (state == AFTER) {
                if (b == ',' && (node.max < 0 || count < node.max))
                    return new Stack(new ArrFrame(node, ITEM, count, 0), rest);
                if (b == ']' && count >= node.min) return pop(self);
                return null;
            }
            if (state == OPEN && b == ']') return node.min == 0 ? pop(self) : null;
            if (node.max == 0) return null;
            return startValue(node.items, new Stack(new ArrFrame(node, AFTER, count + 1, 0), rest), b);
        }

        @Override
        public boolean endable() {
            return false;
        }

        @Override
        public void complete(ByteArrayOutputStream out) {
            if (state == ITEM) {
                shortest(node.items, out);
                closeRest(node, count + 1, false, out);
            } else closeRest(node, count, state == OPEN, out);
        }

        /** Items up to the minimum, then the bracket; {@code first}: no item written yet. */
        static void closeRest(Node.Arr node, int count, boolean first, ByteArrayOutputStream out) {
            for (int i = count; i < node.min; i++) {
                if (!first || i > count) out.write(',');
                shortest(node.items, out);
            }
            out.write(']');
        }
    }

    /**
     * Inside a string: {@code count} characters so far (kept only under a length bound, so free strings
     * stay one state), the escape or UTF-8 sequence in progress, the pattern's state.
     */
    record StrFrame(Node.Str node, int count, int mode, int pending, int lo, int hi, Regex.State re) implements Frame {
        static final int NORMAL = 0, ESCAPE = 1, HEX = 2, HEX_LOW = 3, UTF8 = 4;

        static StrFrame initial(Node.Str node) {
            return new StrFrame(node, 0, NORMAL, 0, 0, 0, node.pattern == null ? null : node.pattern.start());
        }

        @Override
        public Stack step(Stack self, int b) {
            Stack rest = self.tail();
            switch (mode) {
                case NORMAL -> {
                    if (b == '"') {
                        boolean matched = re == null || node.pattern.accepting(re);
                        return count >= node.min && matched ? pop(self) : null;
                    }
                    if (b == '\\')
                        return re == null && (node.max < 0 || count < node.max) ? with(rest, ESCAPE, 0, 0, 0) : null;
                    if (b < 0x20) return null;
                    if (b < 0x80) return character(rest, b);
                    if (node.max >= 0 && count >= node.max) return null;
                    if (re != null && !node.pattern.acceptsNonAscii(re)) return null;
                    if (b >= 0xC2 && b <= 0xDF) return with(rest, UTF8, 1, 0x80, 0xBF);
                    if (b == 0xE0) return with(rest, UTF8, 2, 0xA0, 0xBF);
                    if (b == 0xED) return with(rest, UTF8, 2, 0x80, 0x9F);
                    if (b >= 0xE1 && b <= 0xEF) return with(rest, UTF8, 2, 0x80, 0xBF);
                    if (b == 0xF0) return with(rest, UTF8, 3, 0x90, 0xBF);
                    if (b >= 0xF1 && b <= 0xF3) return with(rest, UTF8, 3, 0x80, 0xBF);
                    if (b == 0xF4) return with(rest, UTF8, 3, 0x80, 0x8F);
                    return null;
                }
                case UTF8 -> {
                    if (b < lo || b > hi) return null;
                    return pending == 1 ? character(rest, Regex.NON_ASCII) : with(rest, UTF8, pending - 1, 0x80, 0xBF);
                }
                case ESCAPE -> {
                    if ("\"\\/bfnrt".indexOf(b) >= 0) return character(rest, b);
                    return b == 'u' ? with(rest, HEX, 4, 0, 0) : null;
                }
                case HEX, HEX_LOW -> {
                    boolean hex = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
                    if (!hex || (mode == HEX_LOW && b > '7')) return null; // no lone surrogates
                    if (pending == 1) return character(rest, 'u');
                    boolean surrogateLead = pending == 4 && (b == 'd' || b == 'D');
                    return with(rest, surrogateLead ? HEX_LOW : HEX, pending - 1, 0, 0);
                }
                default -> throw new IllegalStateException("string mode " + mode);
            }
        }

        private Stack with(Stack rest, int newMode, int newPending, int newLo, int newHi) {
            return new Stack(new StrFrame(node, count, newMode, newPending, newLo, newHi, re), rest);
        }

        /** One more character, {@code symbol} as the pattern reads it. */
        private Stack character(Stack rest, int symbol) {
            int n = count;
            if (node.max >= 0) {
                if (++n > node.max) return null;
            } else if (node.min > 0) n = Math.min(n + 1, node.min);
            Regex.State next = null;
            if (re != null) {
                next = node.pattern.step(re, symbol);
                if (next == null) return null;
                if (node.max >= 0) {
                    String tail = node.pattern.shortestMatch(next, 0);
                    if (tail == null || n + tail.length() > node.max) return null;
                }
            }
            return new Stack(new StrFrame(node, n, NORMAL, 0, 0, 0, next), rest);
        }

        @Override
        public boolean endable() {
            return false;
        }

        @Override
        public void complete(ByteArrayOutputStream out) {
            StrFrame f = this;
            switch (mode) {
                case UTF8 -> {
                    out.write(lo);
                    for (int i = 1; i < pending; i++) out.write(0x80);
                    f = (StrFrame) character(null, Regex.NON_ASCII).head();
                }
                case ESCAPE -> {
                    out.write('n');
                    f = (StrFrame) character(null, '\n').head();
                }
                case HEX, HEX_LOW -> {
                    for (int i = 0; i < pending; i++) out.write('0');
                    f = (StrFrame) character(null, 'u').head();
                }
                default -> {}
            }
            int missing = Math.max(0, node.min - f.count);
            if (f.re != null)
                out.writeBytes(node.pattern.shortestMatch(f.re, missing).getBytes());
            else for (int i = 0; i < missing; i++) out.write('a');
            out.write('"');
        }
    }

    /** A number so far: sign, integer digits, fraction digits (null: no point yet). */
    record NumFrame(Node.Num node, boolean negative, String digits, String fraction) implements Frame {

        /** Reads {@code b}: a digit, '-' or '.' it can take, or an end that passes {@code b} on. */
        Stack read(Stack rest, int b) {
            NumFrame next = next(b);
            if (next != null) return new Stack(next, rest);
            return endable() ? advance(rest, b) : null;
        }

        @Override
        public Stack step(Stack self, int b) {
            return read(self.tail(), b);
        }

        private NumFrame next(int b) {
            NumFrame n = null;
            if (b >= '0' && b <= '9') {
                if (fraction == null) {
                    if (!digits.equals("0") && digits.length() < Node.Num.MAX_DIGITS)
                        n = new NumFrame(node, negative, digits + (char) b, null);
                } else if (fraction.length() < Node.Num.MAX_DIGITS) {
                    n = new NumFrame(node, negative, digits, fraction + (char) b);
                }
            } else if (b == '-' && !negative && digits.isEmpty()) {
                n = new NumFrame(node, true, digits, null);
            } else if (b == '.' && !node.integer && fraction == null && !digits.isEmpty()) {
                n = new NumFrame(node, negative, digits, "");
            }
            return n != null && n.viable() ? n : null;
        }

        @Override
        public boolean endable() {
            if (digits.isEmpty() || (fraction != null && fraction.isEmpty())) return false;
            BigDecimal v = new BigDecimal((negative ? "-" : "") + digits + (fraction == null ? "" : "." + fraction));
            return within(v, true, v, true);
        }

        @Override
        public void complete(ByteArrayOutputStream out) {
            NumFrame f = this;
            for (int guard = 0; guard < 2 * Node.Num.MAX_DIGITS + 4 && !f.endable(); guard++) {
                NumFrame n = null;
                for (char c : "0123456789.-".toCharArray()) {
                    n = f.next(c);
                    if (n != null) {
                        out.write(c);
                        break;
                    }
                }
                if (n == null) break;
                f = n;
            }
        }

        /** Whether some number that starts with what was read lies within the bounds. */
        private boolean viable() {
            BigDecimal ten = BigDecimal.TEN;
            if (digits.isEmpty()) return reachable(BigDecimal.ZERO, ten.pow(Node.Num.MAX_DIGITS));
            BigDecimal p = new BigDecimal(digits);
            if (fraction != null) {
                BigDecimal v = new BigDecimal(digits + "." + (fraction.isEmpty() ? "0" : fraction));
                if (fraction.length() == Node.Num.MAX_DIGITS) return reachableExactly(v);
                return reachable(v, v.add(BigDecimal.ONE.movePointLeft(Math.max(fraction.length(), 0))));
            }
            if (digits.equals("0")) return node.integer ? reachableExactly(p) : reachable(p, BigDecimal.ONE);
            for (int j = 0; digits.length() + j <= Node.Num.MAX_DIGITS; j++) {
                BigDecimal lo = p.movePointRight(j);
                BigDecimal hi = p.add(BigDecimal.ONE).movePointRight(j);
                if (reachable(lo, hi)) return true;
            }
            return false;
        }

        private boolean reachableExactly(BigDecimal magnitude) {
            BigDecimal v = negative ? magnitude.negate() : magnitude;
            return within(v, true, v, true);
        }

        /** Magnitudes in [lo, hi): integers [lo, hi - 1]. */
        private boolean reachable(BigDecimal lo, BigDecimal hi) {
            if (node.integer) {
                BigDecimal top = hi.subtract(BigDecimal.ONE);
                return negative ? within(top.negate(), true, lo.negate(), true) : within(lo, true, top, true);
            }
            return negative ? within(hi.negate(), false, lo.negate(), true) : within(lo, true, hi, false);
        }

        /** Whether [lo, hi] (ends closed or open) meets the node's bounds. */
        private boolean within(BigDecimal lo, boolean loClosed, BigDecimal hi, boolean hiClosed) {
            if (node.integer) {
                BigDecimal a = loClosed ? lo : lo.add(BigDecimal.ONE);
                BigDecimal b = hiClosed ? hi : hi.subtract(BigDecimal.ONE);
                return a.max(BigDecimal.valueOf(node.minInt)).compareTo(b.min(BigDecimal.valueOf(node.maxInt))) <= 0;
            }
            BigDecimal l = lo;
            boolean lc = loClosed;
            if (node.min != null) {
                int c = lo.compareTo(node.min);
                if (c < 0) {
                    l = node.min;
                    lc = !node.minExclusive;
                } else if (c == 0) lc = loClosed && !node.minExclusive;
            }
            BigDecimal u = hi;
            boolean uc = hiClosed;
            if (node.max != null) {
                int c = hi.compareTo(node.max);
                if (c > 0) {
                    u = node.max;
                    uc = !node.maxExclusive;
                } else if (c == 0) uc = hiClosed && !node.maxExclusive;
            }
            int c = l.compareTo(u);
            return c < 0 || (c == 0 && lc && uc);
        }
    }
}
