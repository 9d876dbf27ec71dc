#!/usr/bin/env python3
"""Records llama.cpp's next-token log-probabilities and greedy continuations for GGUF models.

usage: peer_logits.py OUT.json BIN_DIR NAME=MODEL.gguf[,SOURCE,TYPE] ...

For each model: starts llama-server on a free loopback port, tokenizes each prompt with /tokenize
(BOS added), asks /completion with the token ids, greedy sampling, 32 tokens and the top-10
log-probabilities of every step (computed from the raw logits, not after sampling), records CRC32 of
every tensor's data (so a test can check that its own quantizer wrote the same bytes), and stops the server.
"""
import json, os, socket, subprocess, sys, time, urllib.request, zlib

PROMPTS = [
    "Once upon a time",
    "The little dog",
    "Lily and Tom went to the park. They",
    "One day, a big bear found a",
    "Sam",
]
N_PREDICT = 32
N_PROBS = 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def tensor_crcs(path):
    sys.path.insert(0, os.path.join(BIN, "..", "..", "gguf-py"))
    from gguf import GGUFReader
    reader = GGUFReader(path)
    return {t.name: {"type": t.tensor_type.name, "crc32": zlib.crc32(t.data.tobytes()) & 0xFFFFFFFF}
            for t in reader.tensors}


def server_args(model, port):
    return [os.path.join(BIN, "llama-server"), "-m", model, "--host", "127.0.0.1", "--port", str(port),
            "-t", "2", "-c", "2048", "-np", "1", "-ctk", "f32", "-ctv", "f32", "-fa", "off", "--no-warmup", "--no-repack"]


def record(name, model, source, qtype):
    port = free_port()
    args = server_args(model, port)
    log = open(os.path.join(os.path.dirname(os.path.abspath(out)), ".peer-" + name + ".log"), "w")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"llama-server exited with {proc.returncode} for {name}, see {log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except Exception:
                time.sleep(0.1)
        cases = []
        for prompt in PROMPTS:
            ids = post(port, "/tokenize", {"content": prompt, "add_special": True})["tokens"]
            res = post(port, "/completion", {
                "prompt": ids, "n_predict": N_PREDICT, "n_probs": N_PROBS, "temperature": 0,
                "top_k": 1, "cache_prompt": False, "post_sampling_probs": False, "return_tokens": True,
                "ignore_eos": True, "samplers": ["top_k"]})
            steps = []
            for p in res["completion_probabilities"]:
                steps.append({"token": p["id"],
                              "top": [[t["id"], t["logprob"]] for t in p["top_logprobs"]]})
            if len(steps) != N_PREDICT:
                raise RuntimeError(f"{name}: {len(steps)} of {N_PREDICT} steps have probabilities for {prompt!r}: "
                                   "llama-server withholds those of tokens that end inside a UTF-8 character")
            cases.append({"prompt": prompt, "promptTokens": ids, "steps": steps})
        return {"name": name, "source": source, "type": qtype,
                "command": " ".join(os.path.basename(a) if a.startswith("/") else a for a in args),
                "tensors": tensor_crcs(model), "cases": cases}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        if proc.returncode in (0, -15):
            os.remove(log.name)


if __name__ == "__main__":
    out, BIN = sys.argv[1], sys.argv[2]
    models = []
    for spec in sys.argv[3:]:
        name, rest = spec.split("=", 1)
        parts = rest.split(",")
        models.append(record(name, parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None))
    doc = {"peer": "llama.cpp de3ff81 as built by shared/tools/llama-cpp-peer (node-llama-cpp 3.22.1)",
           "method": "llama-server /tokenize (add_special) then /completion with the ids: greedy, n_probs=10, "
                     "post_sampling_probs=false, F32 KV cache, no flash attention; regenerate with scripts/make-model-fixtures.sh",
           "models": models}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
