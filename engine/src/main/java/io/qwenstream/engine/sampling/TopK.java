package io.qwenstream.engine.sampling;

/** The k largest entries of an array, best first; ties keep the lower index first. */
public final class TopK {

    private TopK() {}

    /** The indices of the k largest of {@code values}, best first. */
    public static int[] indices(float[] values, int k) {
        int[] best = new int[k];
        select(values, values.length, k, best);
        return best;
    }

    /**
     * Writes the indices of the k largest of values[0..n) into out[0..k), best first, without
     * allocating (the sampler's hot path); returns how many were written (min(k, n)).
     */
    public static int select(float[] values, int n, int k, int[] out) {
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = values[i];
            if (size == k && v <= values[out[k - 1]]) continue;
            int pos = size < k ? size++ : k - 1;
            while (pos > 0 && values[out[pos - 1]] < v) {
                out[pos] = out[pos - 1];
                pos--;
            }
            out[pos] = i;
        }
        return size;
    }
}
