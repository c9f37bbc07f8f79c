package io.qwenstream.engine.structured;

import io.qwenstream.engine.Qwen3;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The vocabulary's ordinary tokens (every id below the added tokens) as a trie over their bytes, so
 * that a mask walks each shared prefix once and drops a whole subtree at the first byte the grammar
 * refuses. Built once per tokenizer (about 150,000 tokens).
 */
final class TokenTrie {

    private static final Map<Qwen3Tokenizer, TokenTrie> BY_TOKENIZER = new WeakHashMap<>();

    /** Per node: its first edge and edge count, and the range of {@link #ids} of tokens that end there. */
    final int[] edgeStart;

    final int[] edgeCount;
    final int[] tokensStart;
    final int[] tokensCount;
    final byte[] edgeByte;
    final int[] edgeChild;
    final int[] ids;
    final int nodes;

    static synchronized TokenTrie of(Qwen3Tokenizer tokenizer) {
        return BY_TOKENIZER.computeIfAbsent(tokenizer, TokenTrie::new);
    }

    private TokenTrie(Qwen3Tokenizer tokenizer) {
        int n = Math.min(tokenizer.vocabSize(), Qwen3.END_OF_TEXT);
        List<Integer> order = new ArrayList<>();
        byte[][] bytes = new byte[n][];
        for (int id = 0; id < n; id++) {
            bytes[id] = tokenizer.tokenBytes(id);
            if (bytes[id].length > 0) order.add(id);
        }
        order.sort((a, b) -> Arrays.compareUnsigned(bytes[a], bytes[b]));
        ids = order.stream().mapToInt(Integer::intValue).toArray();
        byte[][] sorted = new byte[ids.length][];
        for (int i = 0; i < ids.length; i++) sorted[i] = bytes[ids[i]];
        Builder b = new Builder(sorted, ids.length * 2 + 1);
        b.build(0, ids.length, 0);
        nodes = b.nodes;
        edgeStart = Arrays.copyOf(b.edgeStart, nodes);
        edgeCount = Arrays.copyOf(b.edgeCount, nodes);
        tokensStart = Arrays.copyOf(b.tokensStart, nodes);
        tokensCount = Arrays.copyOf(b.tokensCount, nodes);
        edgeByte = Arrays.copyOf(b.edgeByte, b.edges);
        edgeChild = Arrays.copyOf(b.edgeChild, b.edges);
    }

    private static final class Builder {
        final byte[][] sorted;
        int[] edgeStart, edgeCount, tokensStart, tokensCount, edgeChild;
        byte[] edgeByte;
        int nodes, edges;

        Builder(byte[][] sorted, int capacity) {
            this.sorted = sorted;
            edgeStart = new int[capacity];
            edgeCount = new int[capacity];
            tokensStart = new int[capacity];
            tokensCount = new int[capacity];
            edgeByte = new byte[capacity];
            edgeChild = new int[capacity];
        }

        /** The node of the tokens sorted[lo..hi), which share their first {@code depth} bytes. */
        int build(int lo, int hi, int depth) {
            int node = nodes++;
            grow();
            int i = lo;
            while (i < hi && sorted[i].length == depth) i++;
            tokensStart[node] = lo;
            tokensCount[node] = i - lo;
            List<int[]> children = new ArrayList<>();
            while (i < hi) {
                byte b = sorted[i][depth];
                int j = i;
                while (j < hi && sorted[j][depth] == b) j++;
                children.add(new int[] {b, build(i, j, depth + 1)});
                i = j;
            }
            edgeStart[node] = edges;
            edgeCount[node] = children.size();
            for (int[] c : children) {
                grow();
                edgeByte[edges] = (byte) c[0];
                edgeChild[edges++] = c[1];
            }
            return node;
        }

        private void grow() {
            int need = Math.max(nodes, edges) + 1;
            if (need <= edgeStart.length) return;
            int size = need * 2;
            edgeStart = Arrays.copyOf(edgeStart, size);
            edgeCount = Arrays.copyOf(edgeCount, size);
            tokensStart = Arrays.copyOf(tokensStart, size);
            tokensCount = Arrays.copyOf(tokensCount, size);
            edgeByte = Arrays.copyOf(edgeByte, size);
            edgeChild = Arrays.copyOf(edgeChild, size);
        }
    }
}
