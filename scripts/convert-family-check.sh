#!/usr/bin/env bash
# Proves the Hugging Face -> GGUF conversion of every family the converter reads, on random-weight checkpoints,
# against references nobody here wrote the runtime of, and records the result as FamilyConversionTest's fixture.
# For each FAMILY (default: all):
#  1. writes the synthetic checkpoint (SyntheticFamilies: config.json as transformers writes it for the class,
#     F32 model.safetensors from a fixed seed, a real tokenizer from build-cache/npm),
#  2. tokenizes the prompts with Hugging Face's tokenizer semantics (hf_tokenize.js),
#  3. runs the transformers class's forward pass in numpy on the Hugging Face weights (hf_family_reference.py),
#     exact and with ggml's float16 GELU table (only Gemma uses GELU),
#  4. converts with HfCheckpointConverter, runs llama.cpp's llama-server (the peer) on the GGUF and requires its
#     greedy tokens to equal the reference's and its top-5 logprobs to agree within the tolerances below,
#  5. writes engine/src/test/resources/convert/families/FAMILY.json with the prompts, both references, the peer's
#     results, the converted file's metadata (without the vocabulary arrays) and the sha256 of every tensor.
# Usage (repository root, after `mvn -o -q test-compile -pl engine -am` and scripts/fetch-tokenizers.sh):
#   scripts/convert-family-check.sh [FAMILY...]     FAMILY: llama qwen2 qwen3 gemma gemma2 gemma3 phi3 chatglm glm4
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
families=("$@")
[[ ${#families[@]} -gt 0 ]] || families=(llama qwen2 qwen3 gemma gemma2 gemma3 phi3 chatglm glm4)
texts=engine/src/test/resources/convert/family-texts.json
out_dir=engine/src/test/resources/convert/families
mkdir -p "$out_dir"
work="$(mktemp -d)"
server=""
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
port=18473
n_predict=16
# ggml-rounded reference: summation order only; exact reference: plus ggml's float16 GELU (Gemma)
tol_ggml=2e-3
tol_exact=5e-3

java_bin=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
classpath=engine/target/test-classes:engine/target/classes:gguf/target/classes
peer_bin="$(../shared/tools/llama-cpp-peer)"

for family in "${families[@]}"; do
  # a neutral folder name (it becomes general.name, from which llama.cpp infers vocabulary quirks, e.g. for "phi3")
  dir="$work/$family/synthetic"
  echo "== $family"
  "$java_bin" -cp "$classpath" org.infer4j.engine.convert.SyntheticFamilies "$family" "$dir"
  NODE_PATH=build-cache/npm/node_modules node scripts/hf_tokenize.js "$dir" "$texts" \
    | python3 -c "import json, sys; print(json.dumps(json.load(sys.stdin)['cases']))" > "$work/prompts.json"
  python3 scripts/hf_family_reference.py "$dir" "$work/prompts.json" $n_predict > "$work/reference.json"
  python3 scripts/hf_family_reference.py "$dir" "$work/prompts.json" $n_predict --ggml-gelu > "$work/reference-ggml.json"
  "$java_bin" -cp engine/target/classes:gguf/target/classes scripts/ConvertCheckpoint.java "$dir" "$work/out.gguf" SOURCE
  "$peer_bin"/llama-server -m "$work/out.gguf" --port $port -t 2 -c 512 -ctk f32 -ctv f32 -fa off > "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
    sleep 0.5
  done
  python3 scripts/llama_peer_completions.py $port "$work/reference-ggml.json" $n_predict $tol_ggml > "$work/peer.json"
  python3 scripts/llama_peer_completions.py $port "$work/reference.json" $n_predict $tol_exact > "$work/peer-exact.json"
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""

  python3 - "$work" "$out_dir/$family.json" "$family" "$peer_bin/../.." $n_predict $tol_ggml $tol_exact <<'PY'
import hashlib, json, sys
work, fixture, family, llama_src, n_predict, tol_ggml, tol_exact = sys.argv[1:8]
sys.path.insert(0, llama_src + "/gguf-py")
from gguf import GGUFReader, GGUFValueType
reader = GGUFReader(work + "/out.gguf")
tensors = {t.name: {"type": t.tensor_type.name, "shape": [int(d) for d in t.shape],
                    "sha256": hashlib.sha256(t.data.tobytes()).hexdigest()} for t in reader.tensors}
metadata = {}
for key, field in reader.fields.items():
    if key.startswith("GGUF.") or key in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type",
                                          "tokenizer.ggml.merges", "tokenizer.chat_template"):
        continue
    value = field.contents()
    metadata[key] = float(f"{value:.9g}") if isinstance(value, float) else value
config = json.load(open(f"{work}/{family}/synthetic/config.json"))
peer = json.load(open(work + "/peer.json"))
out = {
  "about": f"{config['architectures'][0]} random-weight checkpoint (SyntheticFamilies.{family.upper()}) converted by "
           "HfCheckpointConverter (OutputType.SOURCE). llama.cpp on the conversion reproduced the numpy implementation "
           "of the transformers class on the Hugging Face weights. Produced by scripts/convert-family-check.sh.",
  "peer": "llama.cpp as built by shared/tools/llama-cpp-peer (node-llama-cpp 3.22.1), llama-server -c 512 -ctk f32 -ctv f32 -fa off",
  "n_predict": int(n_predict),
  "tolerance_ggml_gelu": float(tol_ggml),
  "tolerance_exact": float(tol_exact),
  "metadata": metadata,
  "tensors": tensors,
  "reference": json.load(open(work + "/reference.json")),
  "reference_ggml_gelu": json.load(open(work + "/reference-ggml.json")),
  "peer_results": peer,
  "peer_max_abs_logprob_diff_exact": json.load(open(work + "/peer-exact.json"))["max_abs_logprob_diff"],
}
with open(fixture, "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
    f.write("\n")
print(f"wrote {fixture}: max |logprob diff| {peer['max_abs_logprob_diff']} (ggml GELU), "
      f"{out['peer_max_abs_logprob_diff_exact']} (exact)")
PY
  rm -rf "${work:?}/$family"
done
