#!/usr/bin/env bash
# Proves the Hugging Face -> GGUF conversion of the tinystories-656k checkpoint against two references
# nobody here wrote the runtime of, and records the result as the converter test's fixture:
#  1. converts shared/models/tinystories-656k with HfCheckpointConverter (engine must be compiled),
#  2. runs transformers' LlamaForCausalLM math in numpy on the UNPERMUTED safetensors (hf_llama_reference.py),
#  3. runs llama.cpp's llama-server (the peer) on the converted GGUF and checks its greedy tokens and top-5
#     logprobs against (2) (llama_peer_completions.py),
#  4. writes engine/src/test/resources/convert/tinystories-656k.json with both results, the commands, and the
#     sha256 of the GGUF and of each tensor, which ConverterTinyStoriesTest then requires of a fresh conversion.
# Usage (from the repository root, after `mvn -o -q compile -pl engine -am`): scripts/convert-peer-check.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
model=../shared/models/tinystories-656k
prompts=engine/src/test/resources/convert/tinystories-prompts.json
fixture=engine/src/test/resources/convert/tinystories-656k.json
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
server=""
port=18471
n_predict=16

java_bin=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
convert_cmd="$java_bin -cp engine/target/classes:gguf/target/classes scripts/ConvertCheckpoint.java $model OUT.gguf SOURCE"
reference_cmd="python3 scripts/hf_llama_reference.py $model $prompts $n_predict"
peer_bin="$(../shared/tools/llama-cpp-peer)"
server_cmd="llama-server -m OUT.gguf --port $port -t 2 -c 512 -ctk f32 -ctv f32 -fa off"
peer_cmd="python3 scripts/llama_peer_completions.py $port REFERENCE.json $n_predict"

${convert_cmd/OUT.gguf/$work/out.gguf}
$reference_cmd > "$work/reference.json"
"$peer_bin"/${server_cmd/OUT.gguf/$work/out.gguf} > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
  sleep 0.5
done
${peer_cmd/REFERENCE.json/$work/reference.json} > "$work/peer.json"

python3 - "$work" "$fixture" "$peer_bin/../.." <<PY
import hashlib, json, sys
work, fixture, llama_src = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, llama_src + "/gguf-py")
from gguf import GGUFReader
gguf = work + "/out.gguf"
reader = GGUFReader(gguf)
tensors = {t.name: {"type": t.tensor_type.name, "shape": [int(d) for d in t.shape],
                    "sha256": hashlib.sha256(t.data.tobytes()).hexdigest()} for t in reader.tensors}
out = {
  "about": "tinystories-656k converted by HfCheckpointConverter (OutputType.SOURCE), checked against transformers' "
           "LlamaForCausalLM in numpy and against llama.cpp on the converted file. Produced by scripts/convert-peer-check.sh.",
  "commands": {"convert": "$convert_cmd", "reference": "$reference_cmd",
               "peer_server": "\$(../shared/tools/llama-cpp-peer)/$server_cmd", "peer": "$peer_cmd"},
  "peer": "llama.cpp de3ff81 as built by shared/tools/llama-cpp-peer (node-llama-cpp 3.22.1)",
  "n_predict": $n_predict,
  "gguf_sha256": hashlib.sha256(open(gguf, "rb").read()).hexdigest(),
  "tensors": tensors,
  "reference": json.load(open(work + "/reference.json")),
  "peer_results": json.load(open(work + "/peer.json")),
}
with open(fixture, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", fixture, "max |logprob diff| =", out["peer_results"]["max_abs_logprob_diff"])
PY
