package io.qwenstream.engine.model;

import io.qwenstream.engine.gguf.GGUFWriter;
import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.kernels.Matrix;
import io.qwenstream.engine.kernels.Quants;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a Qwen3 / Qwen3-MoE model as GGUF the way llama.cpp's converter does: its tensor names
 * ({@code blk.N.attn_q.weight}, experts stacked in {@code ffn_*_exps}), its metadata keys, the
 * tokenizer and chat template; norms and the router stay F32. Tensors stream row by row, so a
 * multi-GB file never sits in memory.
 */
public final class GgufModelWriter {

    /** The float32 rows that fill one tensor (a 1-D tensor is one row). */
    public interface Rows {
        void read(int row, float[] out);
    }

    private record Entry(String name, int rows, int cols, long[] shape, GGMLType type, Rows source) {}

    private final ModelConfig config;
    private final GGMLType requested;
    private final List<Entry> entries = new ArrayList<>();

    public GgufModelWriter(ModelConfig config, GGMLType requested) {
        this.config = config;
        this.requested = requested;
    }

    /** A weight matrix of {@code rows x cols} (PyTorch order), stored at the requested type. */
    public void matrix(String name, int rows, int cols, Rows source) {
        boolean fits = cols % requested.blockSize == 0;
        entries.add(new Entry(name, rows, cols, new long[] {cols, rows}, fits ? requested : GGMLType.F32, source));
    }

    /** {@code count} stacked matrices of {@code rows x cols} (ggml shape {cols, rows, count}), e.g. experts. */
    public void stacked(String name, int count, int rows, int cols, Rows source) {
        boolean fits = cols % requested.blockSize == 0;
        entries.add(new Entry(
                name, count * rows, cols, new long[] {cols, rows, count}, fits ? requested : GGMLType.F32, source));
    }

    /** A tensor kept in float32 whatever the requested type: norms, biases and the MoE router. */
    public void f32(String name, int rows, int cols, Rows source) {
        long[] shape = rows == 1 ? new long[] {cols} : new long[] {cols, rows};
        entries.add(new Entry(name, rows, cols, shape, GGMLType.F32, source));
    }

    /** Every tensor of loaded weights under llama.cpp's names (the converter's path from safetensors). */
    public void addWeights(Weights weights) {
        matrix("token_embd.weight", weights.tokenEmbedding());
        for (int i = 0; i < weights.layers().size(); i++) {
            Weights.Layer l = weights.layers().get(i);
            String p = "blk." + i + ".";
            vector(p + "attn_norm.weight", l.attnNorm());
            matrix(p + "attn_q.weight", l.wq());
            matrix(p + "attn_k.weight", l.wk());
            matrix(p + "attn_v.weight", l.wv());
            matrix(p + "attn_output.weight", l.wo());
            vector(p + "attn_q.bias", l.qBias());
            vector(p + "attn_k.bias", l.kBias());
            vector(p + "attn_v.bias", l.vBias());
            vector(p + "attn_output.bias", l.oBias());
            vector(p + "attn_q_norm.weight", l.qNorm());
            vector(p + "attn_k_norm.weight", l.kNorm());
            vector(p + "ffn_norm.weight", l.ffnNorm());
            switch (l.ffn()) {
                case Weights.Dense d -> {
                    matrix(p + "ffn_gate.weight", d.gate());
                    matrix(p + "ffn_up.weight", d.up());
                    matrix(p + "ffn_down.weight", d.down());
                }
                case Weights.Moe m -> {
                    Matrix router = m.router();
                    f32(
                            p + "ffn_gate_inp.weight",
                            router.rows(),
                            router.cols(),
                            (r, out) -> router.dequantizeRow(r, out, 0));
                    experts(p + "ffn_gate_exps.weight", m.experts(), Weights.Dense::gate);
                    experts(p + "ffn_up_exps.weight", m.experts(), Weights.Dense::up);
                    experts(p + "ffn_down_exps.weight", m.experts(), Weights.Dense::down);
                }
            }
        }
        vector("output_norm.weight", weights.outputNorm());
        if (!config.tiedEmbeddings()) matrix("output.weight", weights.output());
    }

    private void matrix(String name, Matrix m) {
        matrix(name, m.rows(), m.cols(), (r, out) -> m.dequantizeRow(r, out, 0));
    }

    private void vector(String name, float[] v) {
        if (v != null) f32(name, 1, v.length, (r, out) -> System.arraycopy(v, 0, out, 0, v.length));
    }

    private void experts(
            String name, Weights.Dense[] experts, java.util.function.Function<Weights.Dense, Matrix> part) {
        Matrix first = part.apply(experts[0]);
        int rows = first.rows();
        stacked(
                name,
                experts.length,
                rows,
                first.cols(),
                (r, out) -> part.apply(experts[r / rows]).dequantizeRow(r % rows, out, 0));
    }

    /** Writes the file; {@code tokenizer} may be null for a weights-only file (then run it with --tokenizer). */
    public void write(Path out, String modelName, Qwen3Tokenizer tokenizer, Consumer<String> progress)
            throws IOException {
        GGUFWriter w = new GGUFWriter();
        metadata(w, modelName);
        Map<String, Object> tokenizerKeys = tokenizer == null ? Map.of() : tokenizer.toGgufMetadata(config.vocabSize());
        for (Map.Entry<String, Object> e : tokenizerKeys.entrySet()) {
            switch (e.getValue()) {
                case String s -> w.putString(e.getKey(), s);
                case String[] a -> w.putArray(e.getKey(), a);
                case int[] a -> w.putArray(e.getKey(), a);
                case Integer i -> w.putU32(e.getKey(), i);
                case Boolean b -> w.putBool(e.getKey(), b);
                default -> throw new IllegalStateException("unexpected tokenizer metadata " + e.getKey());
            }
        }
        int[] done = {0};
        for (Entry entry : entries) {
            w.addTensor(entry.name(), entry.type(), entry.shape(), channel -> {
                long rowBytes = entry.type().bytesFor(entry.cols());
                float[] row = new float[entry.cols()];
                ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(rowBytes));
                MemorySegment segment = MemorySegment.ofBuffer(buffer);
                for (int r = 0; r < entry.rows(); r++) {
                    entry.source().read(r, row);
                    Quants.quantize(entry.type(), row, 0, row.length, segment, 0);
                    buffer.clear();
                    while (buffer.hasRemaining()) channel.write(buffer);
                }
                progress.accept(
                        "wrote " + entry.name() + " " + entry.type() + " (" + (++done[0]) + "/" + entries.size() + ")");
            });
        }
        w.write(out);
    }

    private void metadata(GGUFWriter w, String modelName) {
        boolean moe = config.architecture() == ModelConfig.Architecture.QWEN3_MOE;
        String arch = moe ? "qwen3moe" : "qwen3";
        String p = arch + ".";
        w.putString("general.architecture", arch);
        w.putString("general.type", "model");
        w.putString("general.name", modelName);
        w.putU32(p + "block_count", config.layerCount());
        w.putU32(p + "context_length", config.contextLength());
        w.putU32(p + "embedding_length", config.hiddenSize());
        w.putU32(p + "feed_forward_length", config.denseFeedForward());
        w.putU32(p + "attention.head_count", config.headCount());
        w.putU32(p + "attention.head_count_kv", config.kvHeadCount());
        w.putF32(p + "rope.freq_base", (float) config.rope().theta());
        w.putF32(p + "attention.layer_norm_rms_epsilon", config.rmsNormEps());
        if (moe) {
            w.putU32(p + "expert_count", config.expertCount());
            w.putU32(p + "expert_used_count", config.expertsPerToken());
        }
        w.putU32(p + "attention.key_length", config.headDim());
        w.putU32(p + "attention.value_length", config.headDim());
        ModelConfig.Rope rope = config.rope();
        if (!rope.type().equals("default")) {
            w.putString(p + "rope.scaling.type", rope.type());
            if (rope.factor() != null)
                w.putF32(p + "rope.scaling.factor", rope.factor().floatValue());
            if (rope.originalContextLength() != null)
                w.putU32(p + "rope.scaling.original_context_length", rope.originalContextLength());
            if (rope.attentionFactor() != null)
                w.putF32(p + "rope.scaling.attn_factor", rope.attentionFactor().floatValue());
            if (rope.betaFast() != null)
                w.putF32(p + "rope.scaling.yarn_beta_fast", rope.betaFast().floatValue());
            if (rope.betaSlow() != null)
                w.putF32(p + "rope.scaling.yarn_beta_slow", rope.betaSlow().floatValue());
        }
        w.putU32("general.file_type", fileType(requested));
        if (moe) {
            w.putU32(p + "expert_feed_forward_length", config.expertFeedForward());
            // llama.cpp renormalises qwen3moe's top-k weights unless this key says otherwise.
            if (!config.normTopKProb()) w.putBool(p + "expert_weights_norm", false);
        }
        w.putU32("general.quantization_version", 2);
    }

    /** llama.cpp's {@code general.file_type} (LLAMA_FTYPE) for a file mostly of {@code type}. */
    private static int fileType(GGMLType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q4_K -> 15;
            case Q6_K -> 18;
            case BF16 -> 32;
        };
    }
}
