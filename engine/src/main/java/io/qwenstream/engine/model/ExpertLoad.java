package io.qwenstream.engine.model;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;

/**
 * Tokens routed to each expert of each mixture-of-experts layer since the model was loaded: the
 * load balance an operator watches (one hot expert per layer bounds a batch's speed, since every
 * routed expert streams its weights once per batch). One atomic add per expert a batch used, per
 * layer: nothing beside the matrix products.
 */
public final class ExpertLoad {

    private final AtomicLongArray[] tokens;
    private final List<Integer> moeLayers;

    ExpertLoad(Weights weights, int experts) {
        List<Weights.Layer> layers = weights.layers();
        tokens = new AtomicLongArray[layers.size()];
        for (int l = 0; l < layers.size(); l++) {
            if (layers.get(l).ffn() instanceof Weights.Moe) tokens[l] = new AtomicLongArray(experts);
        }
        moeLayers = IntStream.range(0, tokens.length)
                .filter(l -> tokens[l] != null)
                .boxed()
                .toList();
    }

    /** The layers whose feed-forward is a mixture of experts (none for a dense model). */
    public List<Integer> moeLayers() {
        return moeLayers;
    }

    /** Experts per MoE layer. */
    public int experts() {
        return moeLayers.isEmpty() ? 0 : tokens[moeLayers.getFirst()].length();
    }

    /** Tokens routed so far to {@code expert} of MoE layer {@code layer}. */
    public long tokens(int layer, int expert) {
        return tokens[layer].get(expert);
    }

    void add(int layer, int expert, int count) {
        tokens[layer].addAndGet(expert, count);
    }
}
