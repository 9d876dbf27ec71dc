#!/usr/bin/env bash
# Regenerates engine/src/test/resources/org/infer4j/engine/model/llama-parity.json: llama.cpp's top-10
# log-probabilities and greedy continuations for stories260K (F32 as shipped, and F16/Q8_0/Q4_0 made with
# llama-quantize --pure) and for a generated dim-256 GQA model (F32, Q8_0, Q4_0). The test rebuilds each
# quantized file with our own quantizer and checks, through the recorded CRC32s, that its bytes equal
# llama-quantize's before comparing logits. The peer runs with --no-repack: its repacked Q8_0/Q4_0
# kernels crash on these tiny shapes (dim 64); repacking only reorders the same integer dot products.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${INFER4J_SHARED:-$ROOT/../shared}
BIN=$("$SHARED/tools/llama-cpp-peer")
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
OUT=$ROOT/engine/src/test/resources/org/infer4j/engine/model/llama-parity.json
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

(cd "$ROOT" && mvn -B -q -o test-compile -pl engine -am)
CP=$ROOT/engine/target/test-classes:$ROOT/engine/target/classes:$ROOT/gguf/target/classes
"$JAVA" --add-modules jdk.incubator.vector -cp "$CP" org.infer4j.engine.model.RandomLlamaModel \
    parity "$TMP/random-F32.gguf" "$SHARED/models/stories260K.gguf" 2>/dev/null

models=("stories260K=$SHARED/models/stories260K.gguf,stories260K,F32")
for t in F16 Q8_0 Q4_0; do
    "$BIN/llama-quantize" --pure "$SHARED/models/stories260K.gguf" "$TMP/stories260K-$t.gguf" "$t" 1 >/dev/null 2>&1
    models+=("stories260K-$t=$TMP/stories260K-$t.gguf,stories260K,$t")
done
models+=("random-F32=$TMP/random-F32.gguf,random,F32")
for t in Q8_0 Q4_0; do
    "$BIN/llama-quantize" --pure "$TMP/random-F32.gguf" "$TMP/random-$t.gguf" "$t" 1 >/dev/null 2>&1
    models+=("random-$t=$TMP/random-$t.gguf,random,$t")
done
python3 "$ROOT/scripts/peer_logits.py" "$OUT" "$BIN" "${models[@]}"
echo "wrote $OUT"
