"""Trains the demo model (run on a machine with PyTorch + transformers, ideally a GPU):

    python3 train.py --tokenizer TOKENIZER_DIR --out OUT [--steps N] [--resume OUT_OF_A_RUN]

Generates the dialogues (gen_data.py, seed 1; held-out seed 2), renders each prompt with the real
Qwen3 chat template and tokenizer, and trains a small Qwen3MoeForCausalLM on the assistant's
tokens only. The model is trained over the tokens the data uses (a compact vocabulary); the
exported model has all 151,936 rows, the unused ones exactly zero, so at inference each unused
token gets logit exactly 0. The loss already sees them: the softmax runs over the used tokens'
logits plus one logit log(number of unused tokens), which is exactly the total of the unused
tokens' exp(0). So the full-vocabulary softmax of the exported model is the trained one.

Writes OUT/weights-N.safetensors (compact, float32, in shards under the device's 16 MiB a returned
file; rewritten every --save-every steps, so a run cut short keeps its last weights), OUT/used_ids.json, OUT/config.json (compact),
OUT/loss.tsv (step, train loss, held-out loss) and OUT/meta.json. A run resumes from another
run's weights (fresh optimizer, short warm-up): the checkpoint that comes back is the weights.
"""
import argparse
import json
import math
import multiprocessing as mp
import os
import random
import sys
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer, Qwen3MoeConfig, Qwen3MoeForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_data  # noqa: E402

FULL_VOCAB = 151936
MAX_LEN = 640
MODEL = dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, head_dim=64,
             num_experts=8, num_experts_per_tok=2, moe_intermediate_size=192, intermediate_size=512,
             norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[], tie_word_embeddings=True,
             max_position_embeddings=2048, rope_theta=1000000.0, rms_norm_eps=1e-6,
             router_aux_loss_coef=0.01, output_router_logits=True)

_tok = None


def _init(tokenizer_dir):
    global _tok
    _tok = AutoTokenizer.from_pretrained(tokenizer_dir)


def completion_text(ex):
    """What the model must produce after the prompt, as Qwen3 writes it (<|im_end|> ends it)."""
    if not ex["enable_thinking"]:
        return ex["answer"] + "<|im_end|>"
    return "<think>\n" + ex["think"] + ("\n" if ex["think"] else "") + "</think>\n\n" + ex["answer"] + "<|im_end|>"


def prompt_text(tok, ex):
    return tok.apply_chat_template(ex["messages"], tokenize=False, add_generation_prompt=True,
                                   enable_thinking=ex["enable_thinking"])


def _encode(ex):
    prompt = _tok(prompt_text(_tok, ex), add_special_tokens=False)["input_ids"]
    completion = _tok(completion_text(ex), add_special_tokens=False)["input_ids"]
    return prompt, completion


def encode_all(examples, tokenizer_dir):
    with mp.Pool(min(16, os.cpu_count()), initializer=_init, initargs=(tokenizer_dir,)) as pool:
        return pool.map(_encode, examples, chunksize=256)


def batches(encoded, batch_size, rng):
    """Batches of similar length (less padding), in random order."""
    order = list(range(len(encoded)))
    rng.shuffle(order)
    out = []
    for start in range(0, len(order), batch_size * 64):
        chunk = sorted(order[start:start + batch_size * 64], key=lambda i: len(encoded[i][0]) + len(encoded[i][1]))
        out += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(out)
    return out


def tensors(encoded, idx, remap, device):
    seqs = [encoded[i] for i in idx]
    length = max(len(p) + len(c) for p, c in seqs)
    ids = torch.zeros(len(seqs), length, dtype=torch.long)
    labels = torch.full((len(seqs), length), -100, dtype=torch.long)
    mask = torch.zeros(len(seqs), length, dtype=torch.long)
    for b, (p, c) in enumerate(seqs):
        full = [remap[t] for t in p + c]
        ids[b, :len(full)] = torch.tensor(full)
        labels[b, len(p):len(full)] = torch.tensor(full[len(p):])
        mask[b, :len(full)] = 1
    return ids.to(device), labels.to(device), mask.to(device)


def loss_fn(model, ids, labels, mask, log_unused):
    out = model(input_ids=ids, attention_mask=mask)
    logits = out.logits[:, :-1].float()
    unused = torch.full(logits.shape[:-1] + (1,), log_unused, device=logits.device)
    ce = F.cross_entropy(torch.cat([logits, unused], -1).flatten(0, 1), labels[:, 1:].flatten(), ignore_index=-100)
    return ce, out.aux_loss


SHARD_BYTES = 12 << 20


def write_weights(model, out):
    """The compact float32 weights in shards of at most SHARD_BYTES (files that come back are capped)."""
    state = {k: v.float().contiguous().cpu() for k, v in model.state_dict().items() if k != "lm_head.weight"}
    shards, size = [{}], 0
    for name, t in state.items():
        if size and size + t.numel() * 4 > SHARD_BYTES:
            shards.append({})
            size = 0
        shards[-1][name] = t
        size += t.numel() * 4
    for f in os.listdir(out):
        if f.startswith("weights-") and f.endswith(".safetensors"):
            os.remove(os.path.join(out, f))
    for i, shard in enumerate(shards):
        save_file(shard, os.path.join(out, f"weights-{i}.safetensors"))


def read_weights(run):
    state = {}
    for f in sorted(os.listdir(run)):
        if f.startswith("weights-") and f.endswith(".safetensors"):
            state.update(load_file(os.path.join(run, f)))
    return state


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--count", type=int, default=150000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--resume")
    p.add_argument("--experts", default="grouped_mm", help="transformers' experts implementation")
    p.add_argument("--time-budget", type=float, default=0,
                   help="seconds for the whole run, data included (a device command is capped at 600 s): the "
                        "learning-rate schedule then follows the time left rather than --steps, which stays a cap")
    p.add_argument("--data-seed", type=int, default=1,
                   help="gen_data's seed for the training dialogues (2 is the held-out set's); a resumed run "
                        "may take fresh dialogues")
    p.add_argument("--save-every", type=int, default=1000)
    a = p.parse_args()
    torch.manual_seed(1)
    rng = random.Random(1)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(a.out, exist_ok=True)

    t0 = time.time()
    assert a.data_seed != 2, "seed 2 is the held-out set"
    train = gen_data.generate(a.data_seed, a.count)
    held = gen_data.generate(2, 512)
    enc = encode_all(train, a.tokenizer)
    held_enc = encode_all(held, a.tokenizer)
    keep = [i for i, (pr, c) in enumerate(enc) if len(pr) + len(c) <= MAX_LEN]
    enc = [enc[i] for i in keep]
    held_enc = [e for e in held_enc if len(e[0]) + len(e[1]) <= MAX_LEN]
    lengths = sorted(len(pr) + len(c) for pr, c in enc)
    print(f"data: {len(enc)} train, {len(held_enc)} held out, tokens/seq median {lengths[len(lengths) // 2]} "
          f"max {lengths[-1]}, {time.time() - t0:.0f}s", flush=True)

    if a.resume:
        used = json.load(open(os.path.join(a.resume, "used_ids.json")))
    else:
        used = sorted({t for pr, c in enc for t in pr + c})
    remap = {t: i for i, t in enumerate(used)}
    # The held-out loss skips the rare held-out dialogue with a token training never saw.
    held_enc = [(pr, c) for pr, c in held_enc if all(t in remap for t in pr + c)]
    # Likewise a resumed run's fresh dialogues: its vocabulary is the first run's.
    enc = [(pr, c) for pr, c in enc if all(t in remap for t in pr + c)]
    log_unused = math.log(FULL_VOCAB - len(used))
    print(f"vocabulary: {len(used)} used tokens of {FULL_VOCAB}", flush=True)

    config = Qwen3MoeConfig(vocab_size=len(used), **MODEL)
    config._experts_implementation = a.experts
    model = Qwen3MoeForCausalLM(config).to(device)
    try:
        with torch.autocast(device, dtype=torch.bfloat16):
            loss_fn(model, *tensors(enc, range(2), remap, device), math.log(FULL_VOCAB - len(used)))
    except Exception as e:  # an implementation this transformers lacks: its default is exact, only slower
        print(f"experts implementation {a.experts} failed ({e}); using the default", flush=True)
        config._experts_implementation = None
        model = Qwen3MoeForCausalLM(config).to(device)
    if a.resume:
        model.load_state_dict(read_weights(a.resume), strict=False)
        model.tie_weights()
    print(f"parameters: {sum(t.numel() for t in model.parameters()):,}", flush=True)

    decay = [t for n, t in model.named_parameters() if t.dim() >= 2]
    no_decay = [t for n, t in model.named_parameters() if t.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), fused=device == "cuda")
    warmup = 100 if a.resume else 300

    train_start = [None]
    train_seconds = a.time_budget - (time.time() - t0) - 20 if a.time_budget else 0  # 20 s: last save, exit

    def progress(step):
        """How far the schedule is, 0 to 1: by the clock under --time-budget (steps get faster once
        warm, so a rate measured early undercounts them), else by steps."""
        if train_seconds:
            return min(1.0, (time.time() - train_start[0]) / train_seconds) if train_start[0] else 0.0
        return (step - warmup) / max(1, a.steps - warmup)

    def lr_at(step):
        if step < warmup:
            return a.lr * (step + 1) / warmup
        if train_start[0] is None:
            train_start[0] = time.time()
        return a.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress(step))))

    def held_out_loss():
        model.eval()
        total, n = 0.0, 0
        with torch.no_grad(), torch.autocast(device, dtype=torch.bfloat16):
            for i in range(0, len(held_enc), 64):
                ids, labels, mask = tensors(held_enc, range(i, min(i + 64, len(held_enc))), remap, device)
                ce, _ = loss_fn(model, ids, labels, mask, log_unused)
                count = (labels[:, 1:] != -100).sum().item()
                total += ce.item() * count
                n += count
        model.train()
        return total / n

    log = open(os.path.join(a.out, "loss.tsv"), "w")
    log.write("step\ttrain_loss\theld_out_loss\n")
    plan = []
    step, t1, running = 0, time.time(), []
    model.train()
    while step < a.steps:
        if not plan:
            plan = batches(enc, a.batch, rng)
        ids, labels, mask = tensors(enc, plan.pop(), remap, device)
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        with torch.autocast(device, dtype=torch.bfloat16):
            ce, aux = loss_fn(model, ids, labels, mask, log_unused)
        loss = ce + MODEL["router_aux_loss_coef"] * aux
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running.append(ce.item())
        step += 1
        if train_seconds and step > warmup and progress(step) >= 1.0 and step < a.steps:
            print(f"time budget spent at step {step}: stopping", flush=True)
            a.steps = step  # so the last log line and save below run for this step, and the loop ends
        if step % 100 == 0 or step == a.steps:
            held_loss = held_out_loss() if step % 500 == 0 or step == a.steps else float("nan")
            log.write(f"{step}\t{sum(running) / len(running):.4f}\t{held_loss:.4f}\n")
            log.flush()
            print(f"step {step} loss {sum(running) / len(running):.4f} held-out {held_loss:.4f} "
                  f"lr {lr_at(step):.2e} {(time.time() - t1) / step:.3f}s/step", flush=True)
            running = []
        if step % a.save_every == 0 or step == a.steps:
            write_weights(model, a.out)
            json.dump(used, open(os.path.join(a.out, "used_ids.json"), "w"))

    cfg = config.to_dict()
    cfg.pop("_experts_implementation", None)
    json.dump(cfg, open(os.path.join(a.out, "config.json"), "w"), indent=1)
    json.dump(dict(steps=a.steps, batch=a.batch, lr=a.lr, count=a.count, resumed_from=a.resume,
                   train_examples=len(enc), seconds=time.time() - t0, torch=torch.__version__),
              open(os.path.join(a.out, "meta.json"), "w"), indent=1)
    print(f"done in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
