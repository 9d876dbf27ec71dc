#!/usr/bin/env python3
"""Independent reference for the Hugging Face -> GGUF converter, every family it reads (numpy only, no torch).

Computes, in float64 from a model folder's config.json and model.safetensors (the Hugging Face weights, not the
converted ones), the forward pass of the transformers class config.json names, written from transformers'
modeling code for that class:
  LlamaForCausalLM / MistralForCausalLM  rotate-half RoPE (llama3 rope scaling), SiLU-gated MLP
  Qwen2ForCausalLM                       + Q/K/V biases
  Qwen3ForCausalLM                       + RMSNorm of each Q and K head before RoPE
  GemmaForCausalLM                       (1 + w) RMSNorm, embeddings scaled by sqrt(hidden), GELU-tanh gate, tied head
  Gemma2ForCausalLM                      + post-attention/pre-/post-FFN norms, query_pre_attn_scalar, attention and
                                           final logit soft-caps, sliding window on even layers
  Gemma3ForCausalLM                      + (1 + w) Q/K norms, sliding window on layer_types, local rope base for
                                           sliding layers, rope scaling (linear) for global ones, no attention cap
  Phi3ForCausalLM                        fused qkv_proj / gate_up_proj, LongRoPE (short factors below the original
                                           context, attention factor on cos/sin)
  GlmForCausalLM / Glm4ForCausalLM       interleaved (adjacent-pair) RoPE on the first partial_rotary_factor of each
                                           head, Q/K/V biases, fused gate_up_proj; Glm4 adds post-attention/post-MLP norms
For each prompt (token ids as Hugging Face's tokenizer produced them) it records the greedy continuation and the
top-5 log-probabilities at each generated position, and the smallest gap between the two best logits (a tie
would make the greedy path ambiguous).

Usage: python3 scripts/hf_family_reference.py MODEL_DIR PROMPTS.json N_PREDICT [--ggml-gelu] > OUT.json
--ggml-gelu rounds the GELU's input and output to float16 as ggml's CPU backend does (it reads GELU from a table
indexed by the float16 input), which moves Gemma's logprobs by a few 1e-3; with it the remaining difference to
llama.cpp is summation order, which separates the two effects.
"""
import json
import math
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16}


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        raw = data[begin:end]
        if e["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(DTYPES[e["dtype"]]).newbyteorder("<"))
        tensors[name] = arr.reshape(e["shape"]).astype(np.float64)
    return tensors


class Model:
    def __init__(self, cfg, w, ggml_gelu=False):
        self.cfg, self.w, self.ggml_gelu = cfg, w, ggml_gelu
        self.arch = cfg["architectures"][0]
        self.gemma = self.arch.startswith("Gemma")
        self.hidden = cfg["hidden_size"]
        self.n_head = cfg["num_attention_heads"]
        self.n_kv = cfg.get("num_key_value_heads", self.n_head)
        self.hd = cfg.get("head_dim") or self.hidden // self.n_head
        self.eps = cfg["rms_norm_eps"]
        self.layers = cfg["num_hidden_layers"]
        self.interleaved = self.arch in ("GlmForCausalLM", "Glm4ForCausalLM")
        default_partial = 0.5 if self.interleaved else 1.0
        self.rot = int(self.hd * cfg.get("partial_rotary_factor", default_partial))
        if self.arch in ("Gemma2ForCausalLM", "Gemma3ForCausalLM"):
            self.scaling = cfg["query_pre_attn_scalar"] ** -0.5
        else:
            self.scaling = self.hd ** -0.5
        self.attn_cap = cfg.get("attn_logit_softcapping") if self.arch == "Gemma2ForCausalLM" else None
        self.final_cap = cfg.get("final_logit_softcapping") if self.arch in ("Gemma2ForCausalLM", "Gemma3ForCausalLM") else None
        self.window = None
        self.sliding = [False] * self.layers
        if self.arch == "Gemma2ForCausalLM":
            self.window = cfg["sliding_window"]
            self.sliding = [layer % 2 == 0 for layer in range(self.layers)]
        if self.arch == "Gemma3ForCausalLM":
            self.window = cfg["sliding_window"]
            types = cfg.get("layer_types") or [
                "sliding_attention" if (i + 1) % cfg.get("sliding_window_pattern", 6) else "full_attention"
                for i in range(self.layers)]
            self.sliding = [t == "sliding_attention" for t in types]

    def norm(self, x, name):
        w = self.w[name]
        x = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps)
        return x * (1.0 + w) if self.gemma else x * w

    def inv_freq(self, sliding):
        """(rot/2) rotation frequencies and the factor on cos/sin, as the class's rotary embedding computes them."""
        cfg = self.cfg
        base = cfg.get("rope_theta", 10000.0)
        if sliding and self.arch == "Gemma3ForCausalLM":
            base = cfg.get("rope_local_base_freq", 10000.0)
        exponents = np.arange(0, self.rot, 2, dtype=np.float64) / self.rot
        inv = 1.0 / base ** exponents
        scaling = cfg.get("rope_scaling") or {}
        kind = scaling.get("rope_type", scaling.get("type"))
        if kind is None or kind == "default" or (sliding and self.arch == "Gemma3ForCausalLM"):
            return inv, 1.0
        if kind == "linear":
            return inv / scaling["factor"], 1.0
        if kind == "llama3":
            factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
            old = scaling["original_max_position_embeddings"]
            wavelen = 2 * math.pi / inv
            scaled = np.where(wavelen > old / low, inv / factor, inv)
            smooth = (old / wavelen - low) / (high - low)
            smoothed = (1 - smooth) * scaled / factor + smooth * scaled
            medium = ~(wavelen < old / high) & ~(wavelen > old / low)
            return np.where(medium, smoothed, scaled), 1.0
        if kind in ("longrope", "su"):
            original = cfg["original_max_position_embeddings"]
            factor = cfg["max_position_embeddings"] / original
            attention = math.sqrt(1 + math.log(factor) / math.log(original)) if factor > 1 else 1.0
            ext = np.array(scaling["short_factor"], dtype=np.float32).astype(np.float64)  # prompts stay below `original`
            return 1.0 / (ext * base ** exponents), attention
        raise ValueError(f"rope type {kind}")

    def rope(self, x, positions, sliding):
        """x (T, heads, hd) with the first `rot` dimensions rotated."""
        inv, attention = self.inv_freq(sliding)
        freqs = np.outer(positions, inv)                                     # (T, rot/2)
        rot, rest = x[..., :self.rot], x[..., self.rot:]
        if self.interleaved:
            cos = np.repeat(np.cos(freqs), 2, axis=-1)[:, None, :] * attention
            sin = np.repeat(np.sin(freqs), 2, axis=-1)[:, None, :] * attention
            turned = np.stack([-rot[..., 1::2], rot[..., 0::2]], axis=-1).reshape(rot.shape)
        else:
            emb = np.concatenate([freqs, freqs], axis=-1)
            cos, sin = np.cos(emb)[:, None, :] * attention, np.sin(emb)[:, None, :] * attention
            half = self.rot // 2
            turned = np.concatenate([-rot[..., half:], rot[..., :half]], axis=-1)
        return np.concatenate([rot * cos + turned * sin, rest], axis=-1)

    def linear(self, x, name):
        y = x @ self.w[name + ".weight"].T
        bias = self.w.get(name + ".bias")
        return y + bias if bias is not None else y

    def attention(self, h, p, T, layer):
        q_width, kv_width = self.n_head * self.hd, self.n_kv * self.hd
        if self.arch == "Phi3ForCausalLM":
            qkv = self.linear(h, p + "self_attn.qkv_proj")
            q, k, v = qkv[:, :q_width], qkv[:, q_width:q_width + kv_width], qkv[:, q_width + kv_width:]
        else:
            q, k, v = (self.linear(h, p + "self_attn." + n) for n in ("q_proj", "k_proj", "v_proj"))
        q, k, v = q.reshape(T, self.n_head, self.hd), k.reshape(T, self.n_kv, self.hd), v.reshape(T, self.n_kv, self.hd)
        if p + "self_attn.q_norm.weight" in self.w:
            q, k = self.norm(q, p + "self_attn.q_norm.weight"), self.norm(k, p + "self_attn.k_norm.weight")
        positions = np.arange(T, dtype=np.float64)
        sliding = self.sliding[layer]
        q, k = self.rope(q, positions, sliding), self.rope(k, positions, sliding)
        i, j = np.arange(T)[:, None], np.arange(T)[None, :]
        masked = j > i
        if sliding:
            masked |= (i - j) >= self.window
        group = self.n_head // self.n_kv
        out = np.empty((T, self.n_head, self.hd))
        for head in range(self.n_head):
            kv = head // group
            scores = q[:, head, :] @ k[:, kv, :].T * self.scaling
            if self.attn_cap:
                scores = np.tanh(scores / self.attn_cap) * self.attn_cap
            scores = np.where(masked, -np.inf, scores)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            out[:, head, :] = scores @ v[:, kv, :]
        return self.linear(out.reshape(T, q_width), p + "self_attn.o_proj")

    def mlp(self, h, p):
        if p + "mlp.gate_up_proj.weight" in self.w:
            gate, up = np.split(self.linear(h, p + "mlp.gate_up_proj"), 2, axis=-1)
        else:
            gate, up = self.linear(h, p + "mlp.gate_proj"), self.linear(h, p + "mlp.up_proj")
        if self.gemma:  # gelu_pytorch_tanh
            g = gate.astype(np.float16).astype(np.float64) if self.ggml_gelu else gate
            act = 0.5 * g * (1 + np.tanh(math.sqrt(2 / math.pi) * (g + 0.044715 * g ** 3)))
            if self.ggml_gelu:  # ggml passes |x| >= 10 through and maps x <= -10 to 0, else reads the float16 table
                act = np.where(np.abs(gate) >= 10, np.where(gate > 0, gate, 0.0), act.astype(np.float16).astype(np.float64))
        else:  # silu
            act = gate / (1 + np.exp(-gate))
        return self.linear(act * up, p + "mlp.down_proj")

    def forward(self, ids):
        """Logits (T, vocab) for the token ids."""
        T = len(ids)
        x = self.w["model.embed_tokens.weight"][ids]
        if self.gemma:
            x = x * math.sqrt(self.hidden)
        two_norms = self.arch in ("Gemma2ForCausalLM", "Gemma3ForCausalLM")
        for layer in range(self.layers):
            p = f"model.layers.{layer}."
            a = self.attention(self.norm(x, p + "input_layernorm.weight"), p, T, layer)
            if two_norms:
                a = self.norm(a, p + "post_attention_layernorm.weight")
            elif self.arch == "Glm4ForCausalLM":
                a = self.norm(a, p + "post_self_attn_layernorm.weight")
            x = x + a
            pre = "pre_feedforward_layernorm" if two_norms else "post_attention_layernorm"
            m = self.mlp(self.norm(x, p + pre + ".weight"), p)
            if two_norms:
                m = self.norm(m, p + "post_feedforward_layernorm.weight")
            elif self.arch == "Glm4ForCausalLM":
                m = self.norm(m, p + "post_mlp_layernorm.weight")
            x = x + m
        x = self.norm(x, "model.norm.weight")
        tied = self.cfg.get("tie_word_embeddings", self.gemma) or "lm_head.weight" not in self.w
        logits = x @ (self.w["model.embed_tokens.weight"] if tied else self.w["lm_head.weight"]).T
        if "lm_head.bias" in self.w and not tied:
            logits = logits + self.w["lm_head.bias"]
        if self.final_cap:
            logits = np.tanh(logits / self.final_cap) * self.final_cap
        return logits


def main():
    model_dir, prompts_file, n_predict = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(f"{model_dir}/config.json") as f:
        cfg = json.load(f)
    model = Model(cfg, load_safetensors(f"{model_dir}/model.safetensors"), "--ggml-gelu" in sys.argv[4:])
    with open(prompts_file) as f:
        prompts = json.load(f)
    results = []
    for prompt in prompts:
        ids = list(prompt["ids"])
        greedy, top, min_gap = [], [], float("inf")
        for _ in range(n_predict):
            logits = model.forward(ids)[-1]
            logprobs = logits - logits.max()
            logprobs -= np.log(np.exp(logprobs).sum())
            order = np.argsort(-logprobs, kind="stable")[:5]
            min_gap = min(min_gap, float(logprobs[order[0]] - logprobs[order[1]]))
            top.append([{"id": int(i), "logprob": round(float(logprobs[i]), 6)} for i in order])
            greedy.append(int(order[0]))
            ids.append(int(order[0]))
        results.append({"text": prompt["text"], "ids": prompt["ids"], "greedy": greedy, "top5": top,
                        "min_top2_gap": round(min_gap, 6)})
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
