"""Random-weight Qwen3 / Qwen3-MoE checkpoints with config semantics the shared fixtures lack,
and their Hugging Face transformers reference outputs (float32, on CPU).

Run where torch + transformers are installed:  python3 make_heldout.py OUT_DIR
Writes OUT_DIR/<name>/{config.json, *.safetensors, reference.json} for every model below. The
engine's HeldOutModelsTest reads the copies kept in engine/src/test/resources/heldout/.
A 1,000-token vocabulary keeps the files small: the tests feed token ids, no tokenizer needed.
"""
import base64, json, os, sys
import torch
import transformers
from transformers import Qwen3Config, Qwen3ForCausalLM, Qwen3MoeConfig, Qwen3MoeForCausalLM

MODELS = {
    # Dense, head_dim 24 != hidden/heads, GQA 3:1, tied embeddings, F32 weights, YaRN factor 2
    # from 4,096 with a given beta_fast, rms eps 1e-5, rope theta 10,000.
    "dense-gqa3-tied-f32-yarn2": (Qwen3Config, Qwen3ForCausalLM, torch.float32, None, dict(
        vocab_size=1000, hidden_size=48, intermediate_size=80, num_hidden_layers=3,
        num_attention_heads=6, num_key_value_heads=2, head_dim=24, tie_word_embeddings=True,
        rms_norm_eps=1e-5, max_position_embeddings=16384, rope_theta=10000.0,
        rope_scaling={"rope_type": "yarn", "factor": 2.0, "original_max_position_embeddings": 4096,
                      "beta_fast": 16.0})),
    # MoE with a dense layer (mlp_only_layers), no top-k renormalisation, GQA 8:1, head_dim 12,
    # BF16 in two shards, untied head.
    "moe-mlponly-nonorm-bf16": (Qwen3MoeConfig, Qwen3MoeForCausalLM, torch.bfloat16, "300KB", dict(
        vocab_size=1000, hidden_size=32, intermediate_size=56, moe_intermediate_size=20,
        num_hidden_layers=3, num_attention_heads=8, num_key_value_heads=1, head_dim=12,
        num_experts=6, num_experts_per_tok=3, norm_topk_prob=False, mlp_only_layers=[1],
        decoder_sparse_step=1, tie_word_embeddings=False, max_position_embeddings=8192,
        rope_theta=500000.0)),
    # MoE every second layer (decoder_sparse_step 2), renormalised top-1 of 4, F16 weights,
    # YaRN with an explicit attention factor.
    "moe-sparsestep2-f16-yarn": (Qwen3MoeConfig, Qwen3MoeForCausalLM, torch.float16, None, dict(
        vocab_size=1000, hidden_size=32, intermediate_size=48, moe_intermediate_size=16,
        num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4, head_dim=8,
        num_experts=4, num_experts_per_tok=1, norm_topk_prob=True, decoder_sparse_step=2,
        mlp_only_layers=[], tie_word_embeddings=False, max_position_embeddings=65536,
        rope_theta=1000000.0,
        rope_scaling={"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 8192,
                      "attention_factor": 1.25})),
}

SEQUENCES = [
    [1, 5, 9, 200, 999, 0, 17, 17, 17, 512, 3, 64, 128, 256, 700, 42, 8, 8, 91, 450, 333, 2, 777, 10],
    [998],
]


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)


def reference(model, ids):
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].float()
        top = torch.topk(logits, 10, dim=-1)
        lse = torch.logsumexp(logits, dim=-1)
        greedy, past, step = [], None, torch.tensor([ids])
        for _ in range(8):
            out = model(step, past_key_values=past, use_cache=True)
            past = out.past_key_values
            nxt = int(out.logits[0, -1].argmax())
            greedy.append(nxt)
            step = torch.tensor([[nxt]])
    return {
        "ids": ids,
        "top10_ids": top.indices.tolist(),
        "top10_logits": [[round(v, 5) for v in row] for row in top.values.tolist()],
        "logsumexp": [round(v, 5) for v in lse.tolist()],
        "last_logits_f32_b64": base64.b64encode(logits[-1].numpy().astype("<f4").tobytes()).decode(),
        "greedy_ids": greedy,
    }


def main(out_dir):
    torch.manual_seed(0)
    for i, (name, (config_cls, model_cls, dtype, shard, cfg)) in enumerate(MODELS.items()):
        path = os.path.join(out_dir, name)
        model = model_cls(config_cls(**cfg))
        randomize(model, 1000 + i)
        model.to(dtype).save_pretrained(path, max_shard_size=shard or "50GB")
        loaded = model_cls.from_pretrained(path, dtype=torch.float32).eval()
        ref = {
            "transformers": transformers.__version__, "torch": torch.__version__,
            "config": cfg, "dtype": str(dtype),
            "sequences": [reference(loaded, ids) for ids in SEQUENCES],
        }
        rotary = loaded.model.rotary_emb
        ref["inv_freq"] = rotary.inv_freq.tolist()
        ref["attention_scaling"] = float(rotary.attention_scaling)
        with open(os.path.join(path, "reference.json"), "w") as f:
            json.dump(ref, f)
        print(name, sorted(os.listdir(path)), "scaling", ref["attention_scaling"],
              [type(layer.mlp).__name__ for layer in loaded.model.layers])
        print(open(os.path.join(path, "config.json")).read())


if __name__ == "__main__":
    main(sys.argv[1])
