"""Turns a training run's compact weights into a full-vocabulary Hugging Face model directory
(config.json + model.safetensors, float32) that `./qwenstream engine convert` writes as GGUF.

    python3 export.py --run RUN_DIR --out HF_DIR
    python3 export.py --dry-run --used-ids IDS.json --out HF_DIR   # random weights, same shapes

RUN_DIR is what train.py wrote (weights-N.safetensors, used_ids.json, config.json). Row t of the
exported embedding (tied to the output head) is the trained row of token t where t is used, and
exactly zero elsewhere: those ~145,000 rows compress away, and each gives logit exactly 0, which
the training loss accounted for. --dry-run fills the same shapes with random numbers to measure
the shipped size and check the conversion before a model is trained. Needs numpy.
"""
import argparse
import json
import os
import struct

import numpy as np

FULL_VOCAB = 151936
# train.py's model (kept here too: this script runs where torch is not installed).
MODEL = dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, head_dim=64,
             num_experts=8, num_experts_per_tok=2, moe_intermediate_size=192, intermediate_size=512,
             norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[], tie_word_embeddings=True,
             max_position_embeddings=2048, rope_theta=1000000.0, rms_norm_eps=1e-6)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", f"{name}: {info['dtype']}"
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"])
    return out


def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name, t in tensors.items():
        header[name] = dict(dtype="F32", shape=list(t.shape), data_offsets=[offset, offset + t.nbytes])
        offset += t.nbytes
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        for t in tensors.values():
            f.write(np.ascontiguousarray(t, dtype="<f4").tobytes())


def random_weights(used, seed):
    """Random compact weights with train.py's shapes and names (HF Qwen3-MoE, experts stacked)."""
    rng = np.random.default_rng(seed)
    c = MODEL
    h, hd, e, ff = c["hidden_size"], c["head_dim"], c["num_experts"], c["moe_intermediate_size"]
    w = {"model.embed_tokens.weight": rng.normal(0, 0.02, (len(used), h)), "model.norm.weight": np.ones(h)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = np.ones(h)
        w[p + "post_attention_layernorm.weight"] = np.ones(h)
        w[p + "self_attn.q_proj.weight"] = rng.normal(0, 0.02, (c["num_attention_heads"] * hd, h))
        w[p + "self_attn.k_proj.weight"] = rng.normal(0, 0.02, (c["num_key_value_heads"] * hd, h))
        w[p + "self_attn.v_proj.weight"] = rng.normal(0, 0.02, (c["num_key_value_heads"] * hd, h))
        w[p + "self_attn.o_proj.weight"] = rng.normal(0, 0.02, (h, c["num_attention_heads"] * hd))
        w[p + "self_attn.q_norm.weight"] = np.ones(hd)
        w[p + "self_attn.k_norm.weight"] = np.ones(hd)
        w[p + "mlp.gate.weight"] = rng.normal(0, 0.02, (e, h))
        for j in range(e):
            q = f"{p}mlp.experts.{j}."
            w[q + "gate_proj.weight"] = rng.normal(0, 0.02, (ff, h))
            w[q + "up_proj.weight"] = rng.normal(0, 0.02, (ff, h))
            w[q + "down_proj.weight"] = rng.normal(0, 0.02, (h, ff))
    return {k: v.astype("<f4") for k, v in w.items()}


def unstack_experts(weights):
    """transformers 5 may save experts stacked (mlp.experts.gate_up_proj / down_proj); the engine and
    llama.cpp's converter read the per-expert names, so write those."""
    out = {}
    for name, t in weights.items():
        if name.endswith("mlp.experts.gate_up_proj"):
            p = name[: -len("gate_up_proj")]
            ff = t.shape[1] // 2
            for j in range(t.shape[0]):
                out[f"{p}{j}.gate_proj.weight"] = t[j, :ff]
                out[f"{p}{j}.up_proj.weight"] = t[j, ff:]
        elif name.endswith("mlp.experts.down_proj"):
            p = name[: -len("down_proj")]
            for j in range(t.shape[0]):
                out[f"{p}{j}.down_proj.weight"] = t[j]
        else:
            out[name] = t
    return out


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--run")
    a.add_argument("--dry-run", action="store_true")
    a.add_argument("--used-ids")
    a.add_argument("--seed", type=int, default=1)
    a.add_argument("--out", required=True)
    args = a.parse_args()
    if args.dry_run:
        used = json.load(open(args.used_ids))
        weights = random_weights(used, args.seed)
    else:
        used = json.load(open(os.path.join(args.run, "used_ids.json")))
        shards = sorted(f for f in os.listdir(args.run) if f.startswith("weights-") and f.endswith(".safetensors"))
        weights = unstack_experts({k: v for f in shards for k, v in read_safetensors(os.path.join(args.run, f)).items()})
    compact = weights.pop("model.embed_tokens.weight")
    assert compact.shape[0] == len(used)
    full = np.zeros((FULL_VOCAB, compact.shape[1]), dtype="<f4")
    full[np.array(used)] = compact
    weights = {"model.embed_tokens.weight": full, **weights}
    os.makedirs(args.out, exist_ok=True)
    write_safetensors(os.path.join(args.out, "model.safetensors"), weights)
    config = dict(architectures=["Qwen3MoeForCausalLM"], model_type="qwen3_moe", vocab_size=FULL_VOCAB,
                  torch_dtype="float32", bos_token_id=151643, eos_token_id=151645, hidden_act="silu",
                  attention_bias=False, attention_dropout=0.0, **MODEL)
    json.dump(config, open(os.path.join(args.out, "config.json"), "w"), indent=1)
    print(json.dumps(dict(out=args.out, used_tokens=len(used), tensors=len(weights),
                          parameters_nonzero_rows=int(sum(t.size for t in weights.values()) - (FULL_VOCAB - len(used)) * full.shape[1]))))


if __name__ == "__main__":
    main()
