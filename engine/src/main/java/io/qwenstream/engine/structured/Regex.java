package io.qwenstream.engine.structured;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON Schema {@code pattern} as a Thompson NFA over characters, stepped as sets of states. The
 * subset: literals, {@code .}, classes {@code [a-z_]} and {@code [^…]}, {@code \d \w \s \D \W \S},
 * escaped metacharacters, groups {@code (…)} and {@code (?:…)}, {@code |}, {@code * + ? {n} {n,} {n,m}},
 * {@code ^} at the start and {@code $} at the end (without them the match floats, as JSON Schema's
 * search semantics say). Classes and literals are ASCII; every non-ASCII character is one symbol
 * that {@code .}, negated classes and {@code \D \W \S} accept.
 */
final class Regex {

    /** The symbol that stands for every non-ASCII character. */
    static final int NON_ASCII = 128;

    private static final int MAX_STATES = 4000;

    /** A transition on a set of symbols (0..127 ASCII, 128 any non-ASCII), or an epsilon when {@code on} is null. */
    private record Edge(BitSet on, int to) {}

    private final List<List<Edge>> edges = new ArrayList<>();
    private final int accept;
    private final State start;
    private final Map<State, String> shortest = new HashMap<>();

    private Regex(String pattern) {
        Parser parser = new Parser(pattern);
        int[] body = parser.parse();
        int startState = newState();
        int acceptState = newState();
        int[] any = star(symbolFragment(all()));
        int from = startState;
        if (!parser.anchoredStart) from = link(from, any);
        from = link(from, body);
        if (!parser.anchoredEnd) from = link(from, any);
        epsilon(from, acceptState);
        this.accept = acceptState;
        this.start = closure(single(startState));
    }

    static Regex compile(String pattern) {
        return new Regex(pattern);
    }

    State start() {
        return start;
    }

    /** A set of NFA states, closed under epsilon; value equality so that grammar states memoise. */
    static final class State {
        final BitSet states;
        private final int hash;

        State(BitSet states) {
            this.states = states;
            this.hash = states.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && s.hash == hash && s.states.equals(states);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** The states after reading {@code symbol} (ASCII code or {@link #NON_ASCII}), or null when none. */
    State step(State from, int symbol) {
        BitSet next = new BitSet();
        for (int s = from.states.nextSetBit(0); s >= 0; s = from.states.nextSetBit(s + 1)) {
            for (Edge e : edges.get(s)) if (e.on != null && e.on.get(symbol)) next.set(e.to);
        }
        return next.isEmpty() ? null : closure(next);
    }

    boolean accepting(State state) {
        return state.states.get(accept);
    }

    /** Whether some non-ASCII character may come next. */
    boolean acceptsNonAscii(State state) {
        return step(state, NON_ASCII) != null;
    }

    /**
     * The shortest ASCII text (printable, no quote or backslash: it goes inside a JSON string unescaped),
     * at least {@code atLeast} characters long, that leads from {@code state} to a match; null when none does.
     */
    String shortestMatch(State state, int atLeast) {
        record Key(State state, int length) {}
        if (atLeast == 0 && shortest.containsKey(state)) return shortest.get(state);
        Map<Key, String> seen = new HashMap<>();
        ArrayDeque<Key> queue = new ArrayDeque<>();
        Key first = new Key(state, 0);
        seen.put(first, "");
        queue.add(first);
        String found = null;
        while (!queue.isEmpty()) {
            Key k = queue.poll();
            if (k.length == atLeast && accepting(k.state)) {
                found = seen.get(k);
                break;
            }
            for (int c = 0x20; c < 0x7F; c++) {
                if (c == '"' || c == '\\') continue;
                State n = step(k.state, c);
                Key nk = n == null ? null : new Key(n, Math.min(k.length + 1, atLeast));
                if (nk != null && !seen.containsKey(nk)) {
                    seen.put(nk, seen.get(k) + (char) c);
                    queue.add(nk);
                }
            }
        }
        if (atLeast == 0) shortest.put(state, found);
        return found;
    }

    // ---------------------------------------------------------------- construction

    private int newState() {
        if (edges.size() >= MAX_STATES)
            throw new IllegalArgumentException("pattern is too large (over " + MAX_STATES + " NFA states)");
        edges.add(new ArrayList<>());
        return edges.size() - 1;
    }

    private void epsilon(int from, int to) {
        edges.get(from).add(new Edge(null, to));
    }

    /** Joins fragment {@code f} ({in, out}) after state {@code from}; returns the fragment's out. */
    private int link(int from, int[] f) {
        epsilon(from, f[0]);
        return f[1];
    }

    private int[] symbolFragment(BitSet on) {
        int in = newState(), out = newState();
        edges.get(in).add(new Edge(on, out));
        return new int[] {in, out};
    }

    private int[] star(int[] f) {
        int in = newState(), out = newState();
        epsilon(in, f[0]);
        epsilon(in, out);
        epsilon(f[1], f[0]);
        epsilon(f[1], out);
        return new int[] {in, out};
    }

    private static BitSet all() {
        BitSet b = new BitSet();
        b.set(0, NON_ASCII + 1);
        return b;
    }

    private static BitSet single(int state) {
        BitSet b = new BitSet();
        b.set(state);
        return b;
    }

    private State closure(BitSet states) {
        BitSet closed = (BitSet) states.clone();
        ArrayDeque<Integer> todo = new ArrayDeque<>();
        states.stream().forEach(todo::add);
        while (!todo.isEmpty()) {
            for (Edge e : edges.get(todo.poll())) {
                if (e.on == null && !closed.get(e.to)) {
                    closed.set(e.to);
                    todo.add(e.to);
                }
            }
        }
        return new State(closed);
    }

    /**
     * Recursive descent over the pattern; each method returns an NFA fragment {in, out}. A piece under a
     * counted repetition is re-parsed for each copy (the parser position is saved), which keeps the NFA
     * a plain graph.
     */
    private final class Parser {
        private final String p;
        private int at;
        boolean anchoredStart;
        boolean anchoredEnd;

        Parser(String pattern) {
            this.p = pattern;
            if (p.startsWith("^")) {
                anchoredStart = true;
                at = 1;
            }
        }

        int[] parse() {
            int[] f = alternation();
            if (at < p.length()) throw error("unexpected '" + p.charAt(at) + "'");
            return f;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("pattern /" + p + "/ at " + at + ": " + what
                    + " (supported: literals, ., [classes], \\d \\w \\s, groups, |, * + ? {n,m}, ^ and $)");
        }

        private int[] alternation() {
            List<int[]> options = new ArrayList<>();
            options.add(sequence());
            while (at < p.length() && p.charAt(at) == '|') {
                at++;
                options.add(sequence());
            }
            if (options.size() == 1) return options.getFirst();
            int in = newState(), out = newState();
            for (int[] f : options) {
                epsilon(in, f[0]);
                epsilon(f[1], out);
            }
            return new int[] {in, out};
        }

        private int[] sequence() {
            int in = newState();
            int out = in;
            while (at < p.length() && p.charAt(at) != '|' && p.charAt(at) != ')') {
                if (p.charAt(at) == '$' && at == p.length() - 1) {
                    anchoredEnd = true;
                    at++;
                    break;
                }
                out = link(out, repeated());
            }
            return new int[] {in, out};
        }

        private int[] repeated() {
            int atomStart = at;
            int[] f = atom();
            if (at >= p.length()) return f;
            char q = p.charAt(at);
            if (q == '*' || q == '+' || q == '?') {
                at++;
                if (at < p.length() && p.charAt(at) == '?') at++; // lazy: same language
                if (q == '*') return star(f);
                if (q == '?') return optional(f);
                int[] loop = star(copyOf(atomStart));
                epsilon(f[1], loop[0]);
                return new int[] {f[0], loop[1]};
            }
            if (q == '{'
                    && p.indexOf('}', at) > at
                    && p.substring(at + 1, p.indexOf('}', at)).matches("\\d+(,\\d*)?")) {
                String[] bounds = p.substring(at + 1, p.indexOf('}', at)).split(",", -1);
                int min = Integer.parseInt(bounds[0]);
                int max = bounds.length == 1 ? min : bounds[1].isEmpty() ? -1 : Integer.parseInt(bounds[1]);
                if (max >= 0 && max < min) throw error("{" + min + "," + max + "}: max below min");
                int end = p.indexOf('}', at) + 1;
                int in = newState();
                int out = in;
                for (int i = 0; i < Math.max(min, 1); i++) {
                    int[] copy = i == 0 ? f : copyOf(atomStart);
                    out = link(out, min == 0 ? optional(copy) : copy);
                }
                if (max < 0) out = link(out, star(copyOf(atomStart)));
                else for (int i = Math.max(min, 1); i < max; i++) out = link(out, optional(copyOf(atomStart)));
                at = end;
                return new int[] {in, out};
            }
            return f;
        }

        private int[] optional(int[] f) {
            epsilon(f[0], f[1]);
            return f;
        }

        /** Parses the atom at {@code from} again, as a fresh fragment, leaving the position where it was. */
        private int[] copyOf(int from) {
            int saved = at;
            at = from;
            int[] f = atom();
            at = saved;
            return f;
        }

        private int[] atom() {
            char c = p.charAt(at);
            switch (c) {
                case '(' -> {
                    at++;
                    if (p.startsWith("?:", at)) at += 2;
                    else if (at < p.length() && p.charAt(at) == '?') throw error("lookarounds and named groups");
                    int[] f = alternation();
                    if (at >= p.length() || p.charAt(at) != ')') throw error("unclosed group");
                    at++;
                    return f;
                }
                case '[' -> {
                    return symbolFragment(charClass());
                }
                case '.' -> {
                    at++;
                    BitSet b = all();
                    b.clear('\n');
                    b.clear('\r');
                    return symbolFragment(b);
                }
                case '\\' -> {
                    return symbolFragment(escape(false));
                }
                case '*', '+', '?', '{', ')', '^', '$' -> throw error("'" + c + "' out of place");
                default -> {
                    if (c >= 0x80) throw error("non-ASCII characters");
                    at++;
                    BitSet b = new BitSet();
                    b.set(c);
                    return symbolFragment(b);
                }
            }
        }

        private BitSet charClass() {
            at++; // [
            boolean negated = at < p.length() && p.charAt(at) == '^';
            if (negated) at++;
            BitSet set = new BitSet();
            boolean first = true;
            while (at < p.length() && (p.charAt(at) != ']' || first)) {
                first = false;
                BitSet item;
                int lo;
                if (p.charAt(at) == '\\') {
                    item = escape(true);
                    lo = item.cardinality() == 1 ? item.nextSetBit(0) : -1;
                } else {
                    lo = p.charAt(at++);
                    if (lo >= 0x80) throw error("non-ASCII characters");
                    item = new BitSet();
                    item.set(lo);
                }
                if (lo >= 0 && at + 1 < p.length() && p.charAt(at) == '-' && p.charAt(at + 1) != ']') {
                    at++;
                    int hi = p.charAt(at) == '\\' ? escape(true).nextSetBit(0) : p.charAt(at++);
                    if (hi >= 0x80 || hi < lo) throw error("bad range");
                    item.set(lo, hi + 1);
                }
                set.or(item);
            }
            if (at >= p.length()) throw error("unclosed class");
            at++; // ]
            if (negated) set.flip(0, NON_ASCII + 1);
            return set;
        }

        private BitSet escape(boolean inClass) {
            at++; // backslash
            if (at >= p.length()) throw error("trailing backslash");
            char e = p.charAt(at++);
            BitSet b = new BitSet();
            switch (e) {
                case 'd' -> b.set('0', '9' + 1);
                case 'D' -> negate(b, 'd');
                case 'w' -> word(b);
                case 'W' -> negate(b, 'w');
                case 's' -> space(b);
                case 'S' -> negate(b, 's');
                case 'n' -> b.set('\n');
                case 't' -> b.set('\t');
                case 'r' -> b.set('\r');
                case 'f' -> b.set('\f');
                case 'v' -> b.set(0x0B);
                default -> {
                    if (Character.isLetterOrDigit(e) || e >= 0x80)
                        throw error("escape \\" + e + (inClass ? " in a class" : ""));
                    b.set(e);
                }
            }
            return b;
        }

        private static void word(BitSet b) {
            b.set('a', 'z' + 1);
            b.set('A', 'Z' + 1);
            b.set('0', '9' + 1);
            b.set('_');
        }

        private static void space(BitSet b) {
            for (char c : new char[] {' ', '\t', '\n', '\r', '\f', 0x0B}) b.set(c);
        }

        private static void negate(BitSet b, char of) {
            BitSet base = new BitSet();
            if (of == 'd') base.set('0', '9' + 1);
            else if (of == 'w') word(base);
            else space(base);
            b.set(0, NON_ASCII + 1);
            b.andNot(base);
        }
    }
}
