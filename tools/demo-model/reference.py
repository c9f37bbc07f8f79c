"""Transformers' outputs for the shipped GGUF, and the held-out evaluation (run where torch and
transformers are installed; the reference part runs on the CPU in float32, as fixtures/ does):

    python3 reference.py --gguf qwenstream-demo.Q8_0.gguf.gz --tokenizer DIR --out OUT

Reads every tensor of the GGUF (F32 and Q8_0, dequantized exactly as ggml does), writes them
back under Hugging Face names, loads that with Qwen3MoeForCausalLM and writes
  OUT/reference.json  fixtures/reference's fields (ids, top10_ids, top10_logits, logsumexp,
                      greedy_ids) for a few chat prompts, for the engine's DemoModelReferenceTest
  OUT/eval.json       evaluate.py's scores on 400 held-out dialogues (gen_data seed 2), sampled
                      with the pipeline's per-mode defaults, and greedy
  OUT/eval-unseen.json  the same on 400 dialogues whose customers write with the phrasings kept out
                      of training (gen_data --wording unseen, seed 2)
  OUT/samples.jsonl   what the model wrote for the first 80 of the held-out dialogues
"""
import argparse
import base64
import gzip
import json
import os
import struct
import sys
import tempfile
import time

import numpy as np
import torch
from transformers import AutoTokenizer, Qwen3MoeForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate  # noqa: E402
import export  # noqa: E402
import gen_data  # noqa: E402

SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def read_gguf(data):
    """(metadata, {name: float32 array in PyTorch order}) of a GGUF holding F32 and Q8_0 tensors."""
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)[0]
        pos += struct.calcsize(fmt)
        return v

    def string():
        nonlocal pos
        n = take("<Q")
        pos += n
        return data[pos - n:pos].decode("utf-8")

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            inner, n = take("<I"), take("<Q")
            return [value(inner) for _ in range(n)]
        return take(SCALARS[t])

    assert data[:4] == b"GGUF"
    pos = 4
    take("<I")
    n_tensors, n_kv = take("<Q"), take("<Q")
    meta = {}
    for _ in range(n_kv):
        key = string()
        meta[key] = value(take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        dims = [take("<Q") for _ in range(take("<I"))]
        infos.append((name, dims, take("<I"), take("<Q")))
    align = meta.get("general.alignment", 32)
    base = (pos + align - 1) // align * align
    tensors = {}
    for name, dims, kind, offset in infos:
        count = int(np.prod(dims))
        start = base + offset
        if kind == 0:
            flat = np.frombuffer(data, "<f4", count, start)
        elif kind == 8:  # Q8_0: blocks of an f16 scale and 32 int8
            blocks = np.frombuffer(data, np.dtype([("d", "<f2"), ("q", "i1", 32)]), count // 32, start)
            flat = (blocks["d"].astype(np.float32)[:, None] * blocks["q"].astype(np.float32)).reshape(-1)
        else:
            raise ValueError(f"{name}: GGML type {kind} not handled")
        tensors[name] = flat.reshape(list(reversed(dims)))
    return meta, tensors


def hf_names(tensors):
    """llama.cpp's names back to Hugging Face's (experts unstacked)."""
    out = {}
    simple = {"attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm", "attn_q": "self_attn.q_proj",
              "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
              "attn_q_norm": "self_attn.q_norm", "attn_k_norm": "self_attn.k_norm", "ffn_gate_inp": "mlp.gate"}
    for name, t in tensors.items():
        if name == "token_embd.weight":
            out["model.embed_tokens.weight"] = t
        elif name == "output_norm.weight":
            out["model.norm.weight"] = t
        elif name == "output.weight":
            out["lm_head.weight"] = t
        else:
            _, layer, part, _ = name.split(".")
            p = f"model.layers.{layer}."
            if part in simple:
                out[p + simple[part] + ".weight"] = t
            else:
                proj = {"ffn_gate_exps": "gate_proj", "ffn_up_exps": "up_proj", "ffn_down_exps": "down_proj"}[part]
                for j in range(t.shape[0]):
                    out[f"{p}mlp.experts.{j}.{proj}.weight"] = t[j]
    return out


def state_for(model, hf):
    """The GGUF's weights (Hugging Face per-expert names) under the names of `model`'s state dict."""
    state = {}
    for key in model.state_dict():
        if key in hf:
            t = hf[key]
        elif key == "lm_head.weight":
            t = hf["model.embed_tokens.weight"]
        elif key.endswith("mlp.experts.gate_up_proj"):
            p = key[: -len("gate_up_proj")]
            n = export.MODEL["num_experts"]
            t = np.stack([np.concatenate([hf[f"{p}{j}.gate_proj.weight"], hf[f"{p}{j}.up_proj.weight"]]) for j in range(n)])
        elif key.endswith("mlp.experts.down_proj"):
            p = key[: -len("down_proj")]
            t = np.stack([hf[f"{p}{j}.down_proj.weight"] for j in range(export.MODEL["num_experts"])])
        else:
            raise KeyError(f"{key}: not in the GGUF")
        state[key] = torch.from_numpy(np.array(t, dtype=np.float32))
    return state


def greedy_tokens(model, ids, count, stop=None):
    """Argmax decoding with a KV cache, as the engine's greedy path runs it: `count` tokens, never
    stopping at eos unless `stop` names a token to stop after."""
    out, past, step = [], None, torch.tensor([ids])
    with torch.no_grad():
        for _ in range(count):
            o = model(step, past_key_values=past, use_cache=True)
            past = o.past_key_values
            nxt = int(o.logits[0, -1].argmax())
            out.append(nxt)
            if nxt == stop:
                break
            step = torch.tensor([[nxt]])
    return out


def reference(model, tok):
    """fixtures/reference's fields (tools/heldout/make_heldout.py computes them the same way) for chat
    prompts followed by up to 24 tokens of the model's own greedy answer."""
    prompts = [
        ([{"role": "user", "content": "Hello, my parcel for order 4827193 was supposed to arrive on March 3, but it still hasn't come."}], True),
        ([{"role": "user", "content": "Bonjour, je voudrais annuler la commande 5510287. /no_think"}], True),
        ([{"role": "system", "content": gen_data.translate_instructions("German", None)},
          {"role": "user", "content": "Your order 3318842 has been cancelled."}], False),
    ]
    sequences = []
    for messages, thinking in prompts:
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, enable_thinking=thinking)
        ids = tok(text, add_special_tokens=False)["input_ids"]
        ids = ids + greedy_tokens(model, ids, 24, stop=151645)
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].float()
        top = logits.topk(10, dim=-1)
        sequences.append(dict(ids=ids, top10_ids=top.indices.tolist(), top10_logits=top.values.tolist(),
                              logsumexp=torch.logsumexp(logits, -1).tolist(),
                              last_logits_f32_b64=base64.b64encode(logits[-1].numpy().astype("<f4").tobytes()).decode(),
                              greedy_ids=greedy_tokens(model, ids, 16)))
        print(f"reference: {len(ids)} ids, {tok.decode(ids[-24:])!r}", flush=True)
    return sequences


def generate_all(model, tok, examples, sample, device):
    """Batched by mode, since the per-mode sampling defaults differ; outputs in the examples' order."""
    outputs = [None] * len(examples)
    tok.padding_side = "left"
    for thinking in (True, False):
        idx = [i for i, e in enumerate(examples) if e["enable_thinking"] == thinking]
        kw = dict(do_sample=False)
        if sample:
            kw = dict(do_sample=True, temperature=0.6, top_p=0.95, top_k=20) if thinking else \
                dict(do_sample=True, temperature=0.7, top_p=0.8, top_k=20)
        for start in range(0, len(idx), 64):
            chunk = idx[start:start + 64]
            texts = [tok.apply_chat_template(examples[i]["messages"], tokenize=False, add_generation_prompt=True,
                                             enable_thinking=thinking) for i in chunk]
            batch = tok(texts, add_special_tokens=False, return_tensors="pt", padding=True).to(device)
            with torch.no_grad():
                rows = model.generate(**batch, max_new_tokens=320, eos_token_id=151645, pad_token_id=151643, **kw)
            for i, row in zip(chunk, rows[:, batch["input_ids"].shape[1]:].tolist()):
                finished = 151645 in row
                row = row[:row.index(151645)] if finished else row
                outputs[i] = dict(text=tok.decode(row), finished=finished)
    return outputs


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--gguf", required=True)
    a.add_argument("--tokenizer", required=True)
    a.add_argument("--out", required=True)
    args = a.parse_args()
    os.makedirs(args.out, exist_ok=True)
    raw = open(args.gguf, "rb").read()
    raw = gzip.decompress(raw) if args.gguf.endswith(".gz") else raw
    meta, tensors = read_gguf(raw)
    hf_dir = tempfile.mkdtemp()
    export.write_safetensors(os.path.join(hf_dir, "model.safetensors"), hf_names(tensors))
    config = dict(architectures=["Qwen3MoeForCausalLM"], model_type="qwen3_moe", vocab_size=export.FULL_VOCAB,
                  torch_dtype="float32", bos_token_id=151643, eos_token_id=151645, hidden_act="silu",
                  attention_bias=False, attention_dropout=0.0, **export.MODEL)
    json.dump(config, open(os.path.join(hf_dir, "config.json"), "w"))
    tok = AutoTokenizer.from_pretrained(args.tokenizer)
    torch.backends.cuda.matmul.allow_tf32 = False
    model, info = Qwen3MoeForCausalLM.from_pretrained(hf_dir, dtype=torch.float32, output_loading_info=True)
    model.eval()
    print(f"loading info: {info}", flush=True)
    # Then every weight set again from the GGUF under the names this transformers uses (experts
    # stacked or not), strictly: a weight left random would make the reference another model's.
    model.load_state_dict(state_for(model, hf_names(tensors)), strict=True)
    assert torch.equal(model.lm_head.weight, model.model.embed_tokens.weight)
    print(f"loaded {len(tensors)} GGUF tensors, {sum(t.numel() for t in model.parameters()):,} parameters", flush=True)
    import transformers
    json.dump(dict(transformers=transformers.__version__, torch=torch.__version__,
                   models={"qwenstream-demo": dict(sequences=reference(model, tok))}),
              open(os.path.join(args.out, "reference.json"), "w"))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    held = gen_data.generate(2, 400)
    sampled, greedy = evaluation(model, tok, held, device, os.path.join(args.out, "eval.json"))
    with open(os.path.join(args.out, "samples.jsonl"), "w") as f:
        for e, o, g in list(zip(held, sampled, greedy))[:80]:
            f.write(json.dumps(dict(kind=e["kind"], lang=e["lang"], enable_thinking=e["enable_thinking"],
                                    facts=e["facts"], prompt=e["messages"], sampled=o, greedy=g),
                               ensure_ascii=False) + "\n")
    gen_data.WORDING = "unseen"
    unseen = gen_data.generate(2, 400)
    gen_data.WORDING = "customer"
    evaluation(model, tok, unseen, device, os.path.join(args.out, "eval-unseen.json"))


def evaluation(model, tok, held, device, path):
    """evaluate.py's scores of the model's outputs for held, sampled and greedy, written to path."""
    torch.manual_seed(2)
    t0 = time.time()
    sampled = generate_all(model, tok, held, True, device)
    print(f"sampled {len(held)} in {time.time() - t0:.0f}s", flush=True)
    greedy = generate_all(model, tok, held, False, device)
    print(f"greedy {len(held)} in {time.time() - t0:.0f}s", flush=True)
    by = {}
    for key in ("lang", "kind"):
        for value in sorted({e[key] for e in held}):
            idx = [i for i, e in enumerate(held) if e[key] == value]
            by[f"{key}={value}"] = evaluate.score([held[i] for i in idx], [sampled[i] for i in idx])
    json.dump(dict(examples=len(held), sampled=evaluate.score(held, sampled), greedy=evaluate.score(held, greedy),
                   sampled_by=by), open(path, "w"), indent=1)
    print(path, json.dumps(dict(sampled=evaluate.score(held, sampled), greedy=evaluate.score(held, greedy))), flush=True)
    return sampled, greedy


if __name__ == "__main__":
    main()
