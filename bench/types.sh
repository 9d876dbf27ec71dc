#!/usr/bin/env bash
# Generation speed of every weight type infer4j reads, beside llama.cpp's, and the garbage collections during it.
#
#   bench/types.sh [-n GEN] [-t THREADS] [TYPE ...]     (default types: the llama-quantize presets below)
#
# bench/run.sh holds the targets (three files); this is the sweep that catches a type whose one-token kernel went
# slow, such as a kernel body C2 compiled with its helper calls left out of line, boxing vectors (collections
# during generation are the sign: there should be none). One Llama-3.2-1B-shaped F16 file of random weights is
# written by RandomLlamaModel, each preset made from it by llama-quantize (cached in build-cache/bench/types/),
# then `llama-bench -p 0 -n GEN` and `infer4j bench -p 0 -n GEN -r 2` run on it. The presets mix types the way
# llama-quantize does (Q4_K_M: Q4_K with Q6_K for some tensors), so every k-quant kernel runs in some row.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=$root/build-cache/bench/types
gen=32 threads=2
types=()
while (($#)); do
  case $1 in
    -n) gen=$2; shift 2 ;;
    -t) threads=$2; shift 2 ;;
    -*) echo "usage: bench/types.sh [-n GEN] [-t THREADS] [TYPE ...]" >&2; exit 2 ;;
    *) types+=("$1"); shift ;;
  esac
done
((${#types[@]})) || types=(Q2_K Q3_K_M Q4_0 Q4_1 Q4_K_M Q5_0 Q5_1 Q5_K_M Q6_K Q8_0 F16)
. "$root/bench/common.sh"
f16=$cache/llama-3.2-1b-F16.gguf
if [[ ! -f $f16 ]]; then
  echo "== generating $f16" >&2
  "$java" --add-modules jdk.incubator.vector -Xmx8g -cp "$cp" org.infer4j.engine.model.RandomLlamaModel bench-tied "$f16.tmp" F16 llama-3.2-1b 2>/dev/null
  mv "$f16.tmp" "$f16"
fi

echo
echo "tg$gen, $threads threads, Llama-3.2-1B-shaped random weights"
echo
printf '| %-8s | %13s | %11s | %6s | %-32s |\n' preset "llama.cpp t/s" "infer4j t/s" ratio "infer4j collections (2 runs)"
printf '| %-8s | %13s | %11s | %6s | %-32s |\n' "--------" "------------:" "----------:" "-----:" "--------------------------------"
for t in "${types[@]}"; do
  m=$cache/llama-3.2-1b-$t.gguf
  if [[ $t == F16 ]]; then
    m=$f16
  elif [[ ! -f $m ]]; then
    echo "== quantizing $t" >&2
    "$bin/llama-quantize" "$f16" "$m.tmp" "$t" "$threads" >/dev/null 2>&1
    mv "$m.tmp" "$m"
  fi
  l=$(LD_PRELOAD=$cache/no-amx.so "$bin/llama-bench" -m "$m" -p 0 -n "$gen" -t "$threads" -r 1 -o jsonl 2>/dev/null \
    | python3 -c 'import json,sys; print(["%.2f" % json.loads(l)["avg_ts"] for l in sys.stdin][-1])' || echo NA)
  out=$("$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -jar "$root/server/target/infer4j.jar" bench -m "$m" -p 0 -n "$gen" -t "$threads" -r 2 --no-layout-cache 2>&1) || out=""
  j=$(awk -F'|' -v g="tg$gen" '{ gsub(/ /, "", $7); split($8, v, "±"); gsub(/ /, "", v[1]) } $7 == g { print v[1] }' <<<"$out")
  gc=$(sed -n 's/.*: \([0-9]*\) garbage collections.*/\1/p' <<<"$out")
  ratio=NA; [[ -n $j && $l != NA ]] && ratio=$(python3 -c "print('%.2f' % ($j / $l))")
  printf '| %-8s | %13s | %11s | %6s | %-32s |\n' "$t" "$l" "${j:-NA}" "$ratio" "${gc:-NA}"
done
