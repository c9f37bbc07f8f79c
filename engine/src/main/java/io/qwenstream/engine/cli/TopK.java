package io.qwenstream.engine.cli;

/** The k largest entries of an array, best first (ties: lower index first). */
final class TopK {

    private TopK() {}

    static int[] indices(float[] values, int k) {
        int[] best = new int[k];
        int size = 0;
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (size == k && v <= values[best[k - 1]]) continue;
            int pos = size < k ? size++ : k - 1;
            while (pos > 0 && values[best[pos - 1]] < v) {
                best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = i;
        }
        return best;
    }
}
