package io.qwenstream.engine.model;

import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.kernels.Matrix;
import io.qwenstream.engine.kernels.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Binds named tensors to {@link Weights}, checking every shape against the config. Two naming
 * schemes: llama.cpp's GGUF names ({@code blk.N.attn_q.weight}, stacked {@code ffn_*_exps}) and
 * Hugging Face names ({@code model.layers.N.self_attn.q_proj.weight}, per-expert tensors or
 * transformers 5's fused {@code mlp.experts.gate_up_proj}).
 */
public final class WeightsBinder {

    private final String source;
    private final Map<String, Tensor> tensors;
    private final ModelConfig config;

    private WeightsBinder(String source, Map<String, Tensor> tensors, ModelConfig config) {
        this.source = source;
        this.tensors = tensors;
        this.config = config;
    }

    public static Weights bindGguf(String source, Map<String, Tensor> tensors, ModelConfig config) {
        WeightsBinder b = new WeightsBinder(source, tensors, config);
        int hidden = config.hiddenSize();
        List<Weights.Layer> layers = new ArrayList<>();
        for (int i = 0; i < config.layerCount(); i++) {
            String p = "blk." + i + ".";
            Weights.Ffn ffn;
            if (config.isMoeLayer(i)) {
                int e = config.expertCount();
                int ff = config.expertFeedForward();
                Tensor gate = b.tensor(p + "ffn_gate_exps.weight", hidden, ff, e);
                Tensor up = b.tensor(p + "ffn_up_exps.weight", hidden, ff, e);
                Tensor down = b.tensor(p + "ffn_down_exps.weight", ff, hidden, e);
                Weights.Dense[] experts = new Weights.Dense[e];
                for (int x = 0; x < e; x++) experts[x] = new Weights.Dense(gate.slice(x), up.slice(x), down.slice(x));
                ffn = new Weights.Moe(b.matrix(p + "ffn_gate_inp.weight", e, hidden), experts);
            } else {
                int ff = config.denseFeedForward();
                ffn = new Weights.Dense(
                        b.matrix(p + "ffn_gate.weight", ff, hidden),
                        b.matrix(p + "ffn_up.weight", ff, hidden),
                        b.matrix(p + "ffn_down.weight", hidden, ff));
            }
            layers.add(b.layer(
                    p + "attn_norm.weight",
                    p + "attn_q",
                    p + "attn_k",
                    p + "attn_v",
                    p + "attn_output",
                    p + "attn_q_norm.weight",
                    p + "attn_k_norm.weight",
                    p + "ffn_norm.weight",
                    ffn));
        }
        return b.finish("token_embd.weight", "output_norm.weight", "output.weight", layers);
    }

    public static Weights bindHf(String source, Map<String, Tensor> tensors, ModelConfig config) {
        WeightsBinder b = new WeightsBinder(source, tensors, config);
        int hidden = config.hiddenSize();
        List<Weights.Layer> layers = new ArrayList<>();
        for (int i = 0; i < config.layerCount(); i++) {
            String p = "model.layers." + i + ".";
            Weights.Ffn ffn;
            if (config.isMoeLayer(i)) {
                ffn = new Weights.Moe(
                        b.matrix(p + "mlp.gate.weight", config.expertCount(), hidden), b.hfExperts(p + "mlp.experts."));
            } else {
                int ff = config.denseFeedForward();
                ffn = new Weights.Dense(
                        b.matrix(p + "mlp.gate_proj.weight", ff, hidden),
                        b.matrix(p + "mlp.up_proj.weight", ff, hidden),
                        b.matrix(p + "mlp.down_proj.weight", hidden, ff));
            }
            layers.add(b.layer(
                    p + "input_layernorm.weight",
                    p + "self_attn.q_proj",
                    p + "self_attn.k_proj",
                    p + "self_attn.v_proj",
                    p + "self_attn.o_proj",
                    p + "self_attn.q_norm.weight",
                    p + "self_attn.k_norm.weight",
                    p + "post_attention_layernorm.weight",
                    ffn));
        }
        return b.finish("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight", layers);
    }

    private Weights.Dense[] hfExperts(String p) {
        int e = config.expertCount();
        int ff = config.expertFeedForward();
        int hidden = config.hiddenSize();
        Weights.Dense[] experts = new Weights.Dense[e];
        if (tensors.containsKey(p + "gate_up_proj")) {
            // transformers 5 keeps experts fused: gate_up_proj [E, 2*ff, hidden], down_proj [E, hidden, ff].
            Tensor gateUp = tensor(p + "gate_up_proj", hidden, 2L * ff, e);
            Tensor down = tensor(p + "down_proj", ff, hidden, e);
            for (int x = 0; x < e; x++) {
                Matrix both = gateUp.slice(x);
                experts[x] = new Weights.Dense(rows(both, 0, ff), rows(both, ff, ff), down.slice(x));
            }
            return experts;
        }
        for (int x = 0; x < e; x++) {
            String q = p + x + ".";
            experts[x] = new Weights.Dense(
                    matrix(q + "gate_proj.weight", ff, hidden),
                    matrix(q + "up_proj.weight", ff, hidden),
                    matrix(q + "down_proj.weight", hidden, ff));
        }
        return experts;
    }

    private static Matrix rows(Matrix m, int first, int count) {
        return new Matrix(
                m.name() + "[rows " + first + ".." + (first + count) + ")",
                m.type(),
                count,
                m.cols(),
                m.data().asSlice(first * m.rowBytes(), count * m.rowBytes()));
    }

    private Weights.Layer layer(
            String attnNorm,
            String q,
            String k,
            String v,
            String o,
            String qNorm,
            String kNorm,
            String ffnNorm,
            Weights.Ffn ffn) {
        int hidden = config.hiddenSize();
        int qDim = config.queryDim();
        int kvDim = config.kvDim();
        boolean bias = config.attentionBias();
        return new Weights.Layer(
                vector(attnNorm, hidden),
                matrix(q + ".weight", qDim, hidden),
                matrix(k + ".weight", kvDim, hidden),
                matrix(v + ".weight", kvDim, hidden),
                matrix(o + ".weight", hidden, qDim),
                bias ? vector(q + ".bias", qDim) : null,
                bias ? vector(k + ".bias", kvDim) : null,
                bias ? vector(v + ".bias", kvDim) : null,
                optionalVector(o + ".bias", hidden),
                vector(qNorm, config.headDim()),
                vector(kNorm, config.headDim()),
                vector(ffnNorm, hidden),
                ffn);
    }

    private Weights finish(String embedding, String norm, String output, List<Weights.Layer> layers) {
        Matrix emb = matrix(embedding, config.vocabSize(), config.hiddenSize());
        Matrix head = config.tiedEmbeddings() && !tensors.containsKey(output)
                ? emb
                : matrix(output, config.vocabSize(), config.hiddenSize());
        return new Weights(emb, List.copyOf(layers), vector(norm, config.hiddenSize()), head);
    }

    private Tensor tensor(String name, long... shape) {
        Tensor t = tensors.get(name);
        if (t == null) throw new ModelFormatException(source + ": missing tensor " + name);
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException(source + ": tensor " + name + " has shape " + t.shapeString()
                    + " (ggml order), expected " + java.util.Arrays.toString(shape) + " from the model config");
        }
        return t;
    }

    private Matrix matrix(String name, int rows, int cols) {
        return tensor(name, cols, rows).asMatrix();
    }

    private float[] vector(String name, int size) {
        Matrix m = tensor(name, size).asMatrix();
        float[] v = new float[size];
        m.dequantizeRow(0, v, 0);
        return v;
    }

    private float[] optionalVector(String name, int size) {
        return tensors.containsKey(name) ? vector(name, size) : null;
    }
}
