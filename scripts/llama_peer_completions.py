#!/usr/bin/env python3
"""Asks a running llama.cpp llama-server (the peer) for greedy completions of the prompts a Hugging Face
reference was computed for, and compares them with that reference (scripts/hf_llama_reference.py output).

Usage: python3 scripts/llama_peer_completions.py PORT REFERENCE.json N_PREDICT [TOLERANCE] > PEER.json
The server must run the converted GGUF with an F32 KV cache and without flash attention, so that it
computes in F32 throughout like the float64 reference (its defaults, an F16 cache and F16 flash attention,
move logprobs by up to 1e-2):
    $BIN/llama-server -m out.gguf --port PORT -t 2 -c 512 -ctk f32 -ctv f32 -fa off
Greedy ids must be equal up to the first end-of-sequence token (where the server stops), and every
top-5 logprob must agree within TOLERANCE (default 1e-4); the top-5 id sets may differ only by candidates
that tie with the last one within TOLERANCE. Exits 1 on a mismatch.
"""
import json
import sys
import urllib.request


def complete(port, ids, n_predict):
    body = json.dumps({"prompt": ids, "n_predict": n_predict, "temperature": 0, "n_probs": 5,
                       "cache_prompt": False, "return_tokens": True}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/completion", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def main():
    port, reference_file, n_predict = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tolerance = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-4
    with open(reference_file) as f:
        reference = json.load(f)
    results, ok, worst = [], True, 0.0
    for ref in reference:
        out = complete(port, ref["ids"], n_predict)
        greedy = out["tokens"]
        # the server gives no probabilities for a token that ends inside a UTF-8 character (it is sent joined with
        # the next one); such steps stay None
        top = [None] * len(greedy)
        step = 0
        for p in out["completion_probabilities"]:
            while greedy[step] != p["id"]:
                step += 1
            top[step] = [{"id": t["id"], "logprob": round(t["logprob"], 6)} for t in p["top_logprobs"]]
            step += 1
        results.append({"text": ref["text"], "ids": ref["ids"], "greedy": greedy, "top5": top,
                        "stop_type": out.get("stop_type")})
        if greedy != ref["greedy"][:len(greedy)]:
            print(f"greedy mismatch for {ref['text']!r}: {greedy} vs {ref['greedy']}", file=sys.stderr)
            ok = False
        for step, (mine, theirs) in enumerate(zip(top, ref["top5"])):
            if mine is None:
                continue
            # the same ids; where candidates within the tolerance swap places, a different id may enter at the
            # end of one list, and it must then be as close to the other list's last logprob
            a_ids, b_ids = {t["id"]: t["logprob"] for t in mine}, {t["id"]: t["logprob"] for t in theirs}
            for i in a_ids.keys() & b_ids.keys():
                worst = max(worst, abs(a_ids[i] - b_ids[i]))
            for extra, other in ((a_ids.keys() - b_ids.keys(), theirs), (b_ids.keys() - a_ids.keys(), mine)):
                for i in extra:
                    lp = a_ids.get(i, b_ids.get(i))
                    if lp - other[-1]["logprob"] > tolerance:
                        print(f"top-5 ids differ for {ref['text']!r} at step {step}", file=sys.stderr)
                        ok = False
    if worst > tolerance:
        print(f"logprobs differ by up to {worst}", file=sys.stderr)
        ok = False
    json.dump({"max_abs_logprob_diff": round(worst, 6), "results": results}, sys.stdout, indent=1)
    print()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
