#!/usr/bin/env python3
"""Independent reference for the Hugging Face -> GGUF converter (numpy only, no torch).

Implements transformers' LlamaForCausalLM forward pass directly from a model folder's config.json and
model.safetensors, with Hugging Face's rotate-half RoPE applied to the UNPERMUTED q_proj/k_proj weights,
in float64. For each prompt (token ids as Hugging Face's tokenizer produced them) it records the greedy
continuation and, at each generated position, the top-5 log-probabilities.

Usage: python3 scripts/hf_llama_reference.py MODEL_DIR PROMPTS.json N_PREDICT > OUT.json
PROMPTS.json: [{"text": ..., "ids": [...]}, ...]
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16}


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        raw = data[begin:end]
        if e["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(DTYPES[e["dtype"]]).newbyteorder("<"))
        tensors[name] = arr.reshape(e["shape"]).astype(np.float64)
    for alias, target in meta.items():  # shared tensors saved once
        if alias not in tensors and target in tensors:
            tensors[alias] = tensors[target]
    return tensors


def rms_norm(x, w, eps):
    return w * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(cfg, w, ids):
    """Logits (T, vocab) of transformers' LlamaForCausalLM for the token ids."""
    hidden, n_head = cfg["hidden_size"], cfg["num_attention_heads"]
    n_kv = cfg.get("num_key_value_heads", n_head)
    hd = cfg.get("head_dim", hidden // n_head)
    eps, theta = cfg["rms_norm_eps"], cfg.get("rope_theta", 10000.0)
    T = len(ids)
    x = w["model.embed_tokens.weight"][ids]                                  # (T, hidden)
    inv_freq = 1.0 / theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd)   # (hd/2)
    freqs = np.outer(np.arange(T, dtype=np.float64), inv_freq)               # (T, hd/2)
    emb = np.concatenate([freqs, freqs], axis=-1)                            # (T, hd)
    cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).reshape(T, n_head, hd)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).reshape(T, n_kv, hd)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(T, n_kv, hd)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        group = n_head // n_kv
        out = np.empty((T, n_head, hd))
        for head in range(n_head):
            kv = head // group
            scores = q[:, head, :] @ k[:, kv, :].T / np.sqrt(hd) + mask      # (T, T)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            out[:, head, :] = scores @ v[:, kv, :]
        x = x + out.reshape(T, n_head * hd) @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        x = x + ((gate / (1 + np.exp(-gate))) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    return x @ head.T


def main():
    model_dir, prompts_file, n_predict = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(f"{model_dir}/config.json") as f:
        cfg = json.load(f)
    w = load_safetensors(f"{model_dir}/model.safetensors")
    with open(prompts_file) as f:
        prompts = json.load(f)
    results = []
    for prompt in prompts:
        ids = list(prompt["ids"])
        greedy, top = [], []
        for _ in range(n_predict):
            logits = forward(cfg, w, ids)[-1]
            logprobs = logits - logits.max()
            logprobs -= np.log(np.exp(logprobs).sum())
            order = np.argsort(-logprobs, kind="stable")[:5]
            top.append([{"id": int(i), "logprob": round(float(logprobs[i]), 6)} for i in order])
            greedy.append(int(order[0]))
            ids.append(int(order[0]))
        results.append({"text": prompt["text"], "ids": prompt["ids"], "greedy": greedy, "top5": top})
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
