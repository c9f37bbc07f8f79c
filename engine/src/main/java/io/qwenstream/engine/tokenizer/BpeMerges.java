package io.qwenstream.engine.tokenizer;

import java.util.Arrays;

/**
 * The merge table of a byte-pair encoding and the merge loop that applies it to one word.
 *
 * <p>The loop follows Hugging Face {@code tokenizers} exactly: a min-heap of candidate pairs
 * ordered by (merge rank, position of the left symbol); each pop merges one pair and pushes the
 * two new neighbour pairs; entries made stale by an earlier merge are skipped when the pair now
 * at that position no longer produces the same token.
 */
final class BpeMerges {

    private static final long EMPTY = -1L;

    // Open addressing: pair key (left id << 32 | right id) -> rank; rank -> merged token id.
    private final long[] keys;
    private final int[] ranks;
    private final int[] mergedIdByRank;
    private final int mask;

    BpeMerges(int[] leftIds, int[] rightIds, int[] mergedIds) {
        int count = leftIds.length;
        int capacity = Integer.highestOneBit(Math.max(4, count) * 2) * 2; // load factor <= 0.5
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        mask = capacity - 1;
        mergedIdByRank = mergedIds.clone();
        for (int rank = 0; rank < count; rank++) {
            long key = pairKey(leftIds[rank], rightIds[rank]);
            int slot = slotOf(key);
            keys[slot] = key;
            ranks[slot] = rank; // a repeated merge takes its last rank, as HF's table does
        }
    }

    /** The rank of merging {@code left} then {@code right}, or -1 when no merge exists. */
    int rank(int left, int right) {
        long key = pairKey(left, right);
        int slot = slotOf(key);
        return keys[slot] == EMPTY ? -1 : ranks[slot];
    }

    /** Merges the symbols of one word (initial token ids, one per byte) into final token ids. */
    int[] merge(int[] symbols) {
        int n = symbols.length;
        if (n < 2) {
            return symbols.clone();
        }
        int[] id = symbols.clone();
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] removed = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            queue.pushPair(rank(id[i], id[i + 1]), i);
        }
        int alive = n;
        while (!queue.isEmpty()) {
            long top = queue.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (removed[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            int currentRank = rank(id[pos], id[right]);
            if (currentRank < 0 || mergedIdByRank[currentRank] != mergedIdByRank[rank]) {
                continue; // stale: the pair at this position changed since it was queued
            }
            id[pos] = mergedIdByRank[rank];
            removed[right] = true;
            alive--;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
            }
            if (prev[pos] >= 0) {
                queue.pushPair(rank(id[prev[pos]], id[pos]), prev[pos]);
            }
            if (next[pos] >= 0) {
                queue.pushPair(rank(id[pos], id[next[pos]]), pos);
            }
        }
        int[] result = new int[alive];
        for (int i = 0, k = 0; i >= 0; i = next[i]) {
            result[k++] = id[i];
        }
        return result;
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slotOf(long key) {
        int slot = (int) mix(key) & mask;
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static long mix(long key) {
        key *= 0x9E3779B97F4A7C15L;
        return key ^ (key >>> 29);
    }

    /** Min-heap of (rank << 32 | position): smallest rank first, then leftmost position. */
    private static final class LongHeap {
        private long[] items;
        private int size;

        LongHeap(int capacity) {
            items = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void pushPair(int rank, int pos) {
            if (rank < 0) {
                return;
            }
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            long item = ((long) rank << 32) | pos;
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= item) {
                    break;
                }
                items[i] = items[parent];
                i = parent;
            }
            items[i] = item;
        }

        long pop() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && items[child + 1] < items[child]) {
                    child++;
                }
                if (items[child] >= last) {
                    break;
                }
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
            return top;
        }
    }
}
