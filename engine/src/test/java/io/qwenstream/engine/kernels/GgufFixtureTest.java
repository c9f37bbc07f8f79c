package io.qwenstream.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Our quantizers against llama.cpp's converter: the fixture GGUF was written from the BF16
 * safetensors checkpoint, so quantizing the same float32 values must give the very same bytes.
 */
class GgufFixtureTest {

    @Test
    void everyTensorOfTheConvertedGgufIsReproducedByteForByte() throws Exception {
        Map<String, Tensor> gguf = FixtureFiles.gguf(FixtureFiles.root().resolve("gguf/tiny-qwen3-moe.Q8_0.gguf"));
        Map<String, float[]> hf =
                FixtureFiles.safetensorsAsFloats(FixtureFiles.root().resolve("models/tiny-qwen3-moe"));
        int q8Tensors = 0;
        for (Tensor t : gguf.values()) {
            float[] source = sourceOf(t.name(), hf);
            assertEquals(t.elementCount(), source.length, t.name());
            byte[] ours = new byte[(int) t.data().byteSize()];
            Quants.quantize(t.type(), source, 0, source.length, MemorySegment.ofArray(ours), 0);
            assertArrayEquals(t.data().toArray(ValueLayout.JAVA_BYTE), ours, t.name() + " (" + t.type() + ")");
            if (t.type() == GGMLType.Q8_0) q8Tensors++;
        }
        assertEquals(3 * 7 + 2, q8Tensors, "q, k, v, o and three expert stacks per layer, plus output and token_embd");
    }

    @Test
    void dotOverTheGgufMatchesTheDequantizedWeights() throws Exception {
        Map<String, Tensor> gguf = FixtureFiles.gguf(FixtureFiles.root().resolve("gguf/tiny-qwen3-moe.Q8_0.gguf"));
        Matrix output = gguf.get("output.weight").asMatrix();
        assertEquals(151936, output.rows());
        float[] x = new float[output.cols()];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i + 1);
        float[] logits = new float[output.rows()];
        output.matvec(x, logits);
        float[] row = new float[output.cols()];
        for (int r = 0; r < output.rows(); r += 997) {
            output.dequantizeRow(r, row, 0);
            double expected = 0, magnitude = 0;
            for (int j = 0; j < row.length; j++) {
                expected += (double) row[j] * x[j];
                magnitude += Math.abs((double) row[j] * x[j]);
            }
            assertEquals(expected, logits[r], 1e-5 * magnitude + 1e-7, "row " + r);
        }
        // Sanity: the file's Q8_0 rows are close to the BF16 source rows (Q8_0 rounding only).
        float[] source = FixtureFiles.safetensorsAsFloats(FixtureFiles.root().resolve("models/tiny-qwen3-moe"))
                .get("lm_head.weight");
        output.dequantizeRow(5, row, 0);
        for (int j = 0; j < row.length; j++) assertEquals(source[5 * 32 + j], row[j], 0.01f);
    }

    private static final Pattern LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)\\.weight");

    /** The float32 values llama.cpp's converter started from, in GGUF element order. */
    private static float[] sourceOf(String ggufName, Map<String, float[]> hf) {
        switch (ggufName) {
            case "output.weight":
                return hf.get("lm_head.weight");
            case "token_embd.weight":
                return hf.get("model.embed_tokens.weight");
            case "output_norm.weight":
                return hf.get("model.norm.weight");
            default:
                break;
        }
        Matcher m = LAYER.matcher(ggufName);
        if (!m.matches()) throw new AssertionError("unexpected tensor " + ggufName);
        String layer = "model.layers." + m.group(1) + ".";
        String part = m.group(2);
        String hfName = switch (part) {
            case "attn_q" -> "self_attn.q_proj";
            case "attn_k" -> "self_attn.k_proj";
            case "attn_v" -> "self_attn.v_proj";
            case "attn_output" -> "self_attn.o_proj";
            case "attn_q_norm" -> "self_attn.q_norm";
            case "attn_k_norm" -> "self_attn.k_norm";
            case "attn_norm" -> "input_layernorm";
            case "ffn_norm" -> "post_attention_layernorm";
            case "ffn_gate_inp" -> "mlp.gate";
            case "ffn_gate_exps", "ffn_up_exps", "ffn_down_exps" -> null;
            default -> throw new AssertionError("unexpected tensor " + ggufName);
        };
        if (hfName != null) return hf.get(layer + hfName + ".weight");
        // Experts are stacked: expert e's matrix follows expert e-1's.
        String proj = part.substring(4, part.length() - 5) + "_proj";
        int experts = 8;
        float[] first = hf.get(layer + "mlp.experts.0." + proj + ".weight");
        float[] stacked = new float[first.length * experts];
        for (int e = 0; e < experts; e++) {
            System.arraycopy(
                    hf.get(layer + "mlp.experts." + e + "." + proj + ".weight"),
                    0,
                    stacked,
                    e * first.length,
                    first.length);
        }
        return stacked;
    }
}
