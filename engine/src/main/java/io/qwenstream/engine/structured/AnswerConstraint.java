package io.qwenstream.engine.structured;

import io.qwenstream.engine.Qwen3;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One answer's constraint, token by token: {@link #mask} leaves only the tokens whose bytes the
 * grammar can read from its state (end of sequence only where the answer may end), {@link #accept}
 * moves the state on. Masks are memoised per state: inside a free string the state repeats, and its
 * mask is the one walk of the token trie that costs.
 */
public final class AnswerConstraint {

    private static final int MEMO_ENTRIES = 64;

    private final Grammar grammar;
    private final Qwen3Tokenizer tokenizer;
    private final TokenTrie trie;
    private final Map<Matcher.Stack, long[]> memo = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Matcher.Stack, long[]> eldest) {
            return size() > MEMO_ENTRIES;
        }
    };
    private Matcher.Stack state;
    private boolean ended;

    public AnswerConstraint(Grammar grammar, Qwen3Tokenizer tokenizer) {
        this.grammar = grammar;
        this.tokenizer = tokenizer;
        this.trie = TokenTrie.of(tokenizer);
        this.state = Matcher.start(grammar.root);
    }

    /** Completions this close to the token budget are checked token by token. */
    private static final int WINDOW = 32;

    /**
     * Sets every logit the grammar forbids now to -infinity, and, near the end of the budget, those of
     * tokens after which the answer could no longer be completed within {@code tokensAfter} more tokens.
     */
    public void mask(float[] logits, int tokensAfter) {
        long[] allowed = allowed();
        if (Matcher.completion(state).length + 1 + WINDOW >= tokensAfter) allowed = withinBudget(allowed, tokensAfter);
        for (int i = 0; i < logits.length; i++) {
            if (i >= allowed.length << 6 || (allowed[i >>> 6] & (1L << i)) == 0) logits[i] = Float.NEGATIVE_INFINITY;
        }
    }

    private long[] withinBudget(long[] allowed, int tokensAfter) {
        long[] kept = allowed.clone();
        for (int w = 0; w < kept.length; w++) {
            for (long m = kept[w]; m != 0; m &= m - 1) {
                int id = (w << 6) + Long.numberOfTrailingZeros(m);
                if (id == Qwen3.IM_END || id == Qwen3.END_OF_TEXT) continue;
                Matcher.Stack next = readAll(state, tokenizer.tokenBytes(id));
                if (next == null || Matcher.completion(next).length + 1 > tokensAfter) kept[w] &= ~(1L << id);
            }
        }
        return kept;
    }

    /** The tokens allowed from the current state, as a bit set over ids. */
    long[] allowed() {
        if (ended) throw new IllegalStateException("the answer has ended");
        long[] bits = memo.get(state);
        if (bits != null) return bits;
        bits = new long[(Math.max(tokenizer.vocabSize(), Qwen3.THINK_END + 1) + 63) >>> 6];
        walk(0, state, bits);
        if (Matcher.accepting(state)) {
            set(bits, Qwen3.IM_END);
            set(bits, Qwen3.END_OF_TEXT);
        }
        if (grammar.toolCall) {
            for (int id : new int[] {Qwen3.TOOL_CALL_START, Qwen3.TOOL_CALL_END}) {
                if (readAll(state, tokenizer.tokenBytes(id)) != null) set(bits, id);
            }
        }
        memo.put(state, bits);
        return bits;
    }

    private void walk(int node, Matcher.Stack s, long[] bits) {
        int end = trie.edgeStart[node] + trie.edgeCount[node];
        for (int e = trie.edgeStart[node]; e < end; e++) {
            Matcher.Stack next = Matcher.advance(s, trie.edgeByte[e] & 0xFF);
            if (next == null) continue;
            int child = trie.edgeChild[e];
            int from = trie.tokensStart[child];
            for (int i = from; i < from + trie.tokensCount[child]; i++) set(bits, trie.ids[i]);
            walk(child, next, bits);
        }
    }

    private static void set(long[] bits, int id) {
        bits[id >>> 6] |= 1L << id;
    }

    private static Matcher.Stack readAll(Matcher.Stack s, byte[] bytes) {
        for (int i = 0; i < bytes.length && s != null; i++) s = Matcher.advance(s, bytes[i] & 0xFF);
        return s;
    }

    /**
     * Moves the state on by {@code token}, chosen under the mask or forced.
     *
     * @throws IllegalStateException when the grammar cannot read it
     */
    public void accept(int token) {
        if (ended) throw new IllegalStateException("the answer has ended");
        if (token == Qwen3.IM_END || token == Qwen3.END_OF_TEXT) {
            if (!Matcher.accepting(state)) throw new IllegalStateException("the answer cannot end here");
            ended = true;
            return;
        }
        Matcher.Stack next = readAll(state, tokenizer.tokenBytes(token));
        if (next == null || (token >= Qwen3.END_OF_TEXT && !grammar.toolCall))
            throw new IllegalStateException("token " + token + " cannot come next in the answer");
        state = next;
    }

    /** Takes {@code other}'s state, not its memo (for measuring a mask's first computation). */
    void moveTo(AnswerConstraint other) {
        this.state = other.state;
    }

    /** Whether the answer may end now. */
    public boolean accepting() {
        return Matcher.accepting(state);
    }

    /**
     * The tokens the completion from here may take at most, the end of sequence included: one per byte.
     * The budget is kept in this measure, which no token can exceed, so the completion always fits.
     */
    public int completionCost() {
        return Matcher.completion(state).length + 1;
    }

    /** Tokens that complete the answer from here (the tokenizer's own encoding), then the end of sequence. */
    public int[] completionTokens() {
        byte[] bytes = Matcher.completion(state);
        int start = 0;
        while (start < bytes.length && (bytes[start] & 0xC0) == 0x80) start++; // ends a character begun
        List<Integer> tokens = new ArrayList<>();
        for (int i = 0; i < start; i++) tokens.add(tokenizer.byteTokenId(bytes[i] & 0xFF));
        try {
            String rest = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes, start, bytes.length - start))
                    .toString();
            for (int id : tokenizer.encode(rest)) tokens.add(id);
        } catch (CharacterCodingException e) { // not text: byte by byte
            for (int i = start; i < bytes.length; i++) tokens.add(tokenizer.byteTokenId(bytes[i] & 0xFF));
        }
        tokens.add(Qwen3.IM_END);
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }
}
