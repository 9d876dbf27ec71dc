#!/usr/bin/env bash
# Side-by-side speed of infer4j and llama.cpp's llama-bench on the same files, same machine, same threads.
#
#   bench/run.sh [-r REPS] [-t THREADS] [-p PROMPT] [-n GEN] [--skip-q4k]
#
# Models (random weights, real shapes; generated once into build-cache/bench/ by the project's own fixture
# generator RandomLlamaModel, on the llama architecture):
#   qwen2.5-0.5b  dim 896, 24 layers, 14/2 heads, FFN 4864, vocab 151936, tied output   Q8_0 and Q4_0
#   llama-3.2-1b  dim 2048, 16 layers, 32/8 heads, FFN 8192, vocab 128256, tied output  Q4_K_M (llama-quantize from F16)
# Each round runs llama-bench -r 1 and infer4j bench -r 1 back to back, alternating, so both see the same
# machine load; the table gives the mean t/s over the rounds, their ratio (and each round's), and generation's weight-read
# rate against the machine's streaming-read bandwidth (bench/stream.c, same thread count).
# Before the rounds, one start per model lays out its weights and writes them to the layout cache
# (build-cache/bench/relaid, emptied first); the rounds then map them, as every start after a model's first
# does. The last column is infer4j's load time, file open to model ready: that first start (ready while it
# re-lays its weights in the background; in brackets, when the re-laid weights are in use), and the mean over
# the rounds.
#
# llama.cpp runs with its AMX path disabled (bench/no-amx.c): its AMX matrix multiply crashes here.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=$root/build-cache/bench
reps=3 threads=2 prompt=512 gen=128 q4k=1
while (($#)); do
  case $1 in
    -r) reps=$2; shift 2 ;;
    -t) threads=$2; shift 2 ;;
    -p) prompt=$2; shift 2 ;;
    -n) gen=$2; shift 2 ;;
    --skip-q4k) q4k=0; shift ;;
    *) echo "usage: bench/run.sh [-r REPS] [-t THREADS] [-p PROMPT] [-n GEN] [--skip-q4k]" >&2; exit 2 ;;
  esac
done
. "$root/bench/common.sh"
cc -O3 -march=native -pthread -o "$cache/stream" "$root/bench/stream.c"

generate() { # FILE TYPE SHAPE
  [[ -f $1 ]] && return
  echo "== generating $1" >&2
  "$java" --add-modules jdk.incubator.vector -Xmx8g -cp "$cp" org.infer4j.engine.model.RandomLlamaModel bench-tied "$1.tmp" "$2" "$3" 2>/dev/null
  mv "$1.tmp" "$1"
}
models=()
generate "$cache/qwen2.5-0.5b-Q8_0.gguf" Q8_0 qwen2.5-0.5b && models+=("$cache/qwen2.5-0.5b-Q8_0.gguf")
generate "$cache/qwen2.5-0.5b-Q4_0.gguf" Q4_0 qwen2.5-0.5b && models+=("$cache/qwen2.5-0.5b-Q4_0.gguf")
if ((q4k)); then
  if [[ ! -f $cache/llama-3.2-1b-Q4_K_M.gguf ]]; then
    generate "$cache/llama-3.2-1b-F16.gguf" F16 llama-3.2-1b
    "$bin/llama-quantize" "$cache/llama-3.2-1b-F16.gguf" "$cache/llama-3.2-1b-Q4_K_M.gguf.tmp" Q4_K_M 2 >/dev/null 2>&1
    mv "$cache/llama-3.2-1b-Q4_K_M.gguf.tmp" "$cache/llama-3.2-1b-Q4_K_M.gguf"
    rm -f "$cache/llama-3.2-1b-F16.gguf"
  fi
  models+=("$cache/llama-3.2-1b-Q4_K_M.gguf")
fi

# The machine is shared: bandwidth is measured again before every round and the best figure is kept.
bandwidth=0
measure_bandwidth() {
  local b; b=$("$cache/stream" "$threads")
  bandwidth=$(python3 -c "print(max($bandwidth, $b))")
  echo "   streaming-read bandwidth, $threads threads: $b GB/s (best so far $bandwidth)" >&2
}

# Prints "pp tg" (t/s, 'NA' if the test failed) of one llama-bench / infer4j run.
llama_run() {
  LD_PRELOAD=$cache/no-amx.so "$bin/llama-bench" -m "$1" -p "$prompt" -n "$gen" -t "$threads" -r 1 -o jsonl 2>/dev/null \
    | python3 -c 'import json,sys
r={}
for l in sys.stdin:
    j=json.loads(l); r["pp" if j["n_prompt"]>0 else "tg"]=j["avg_ts"]
print(r.get("pp","NA"), r.get("tg","NA"))' || echo "NA NA"
}
# Prints "pp tg load relaid" (t/s, t/s, s, s) of one infer4j run of MODEL [-p P -n N]: ready, re-laid weights in use.
relaid=$cache/relaid
infer4j_run() {
  local out load inuse
  out=$("$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -jar "$root/server/target/infer4j.jar" bench -m "$1" -p "${2:-$prompt}" -n "${3:-$gen}" -t "$threads" -r 1 \
    --layout-cache "$relaid" 2>"$cache/infer4j.err") || { echo "NA NA NA NA"; return; }
  load=$(sed -n 's/^load: \([0-9.]*\) s.*/\1/p' "$cache/infer4j.err")
  inuse=$(sed -n 's/.* in use \([0-9.]*\) s after the load began.*/\1/p' "$cache/infer4j.err")
  awk -F'|' -v p="pp${2:-$prompt}" -v g="tg${3:-$gen}" -v load="${load:-NA}" -v inuse="${inuse:-NA}" '
    { gsub(/ /, "", $7); split($8, v, "±"); gsub(/ /, "", v[1]) }
    $7 == p { pp = v[1] } $7 == g { tg = v[1] }
    END { print (pp == "" ? "NA" : pp), (tg == "" ? "NA" : tg), load, inuse }' <<<"$out"
}
rm -rf "$relaid"

declare -A sum count bytes first relaidAt rounds
for m in "${models[@]}"; do
  name=$(basename "$m" .gguf)
  read -r _ _ first[$name] relaidAt[$name] < <(infer4j_run "$m" 0 1)
  echo "== $name: infer4j's first start (lays out, writes the layout cache) ready in ${first[$name]} s," \
    "re-laid weights in use at ${relaidAt[$name]} s" >&2
  for ((i = 1; i <= reps; i++)); do
    echo "== $name round $i/$reps" >&2
    measure_bandwidth
    read -r lpp ltg < <(llama_run "$m")
    read -r jpp jtg jload _ < <(infer4j_run "$m")
    echo "   llama.cpp pp $lpp tg $ltg | infer4j pp $jpp tg $jtg, load $jload s" >&2
    for t in pp tg; do
      l=l$t j=j$t r=NA
      [[ ${!l} != NA && ${!j} != NA ]] && r=$(python3 -c "print('%.2f' % (${!j} / ${!l}))")
      rounds[$name.$t]="${rounds[$name.$t]:+${rounds[$name.$t]} / }$r"
    done
    for k in lpp ltg jpp jtg jload; do
      v=${!k}
      [[ $v == NA ]] && continue
      sum[$name.$k]=$(python3 -c "print(${sum[$name.$k]:-0} + $v)")
      count[$name.$k]=$(( ${count[$name.$k]:-0} + 1 ))
    done
  done
  s=$(sed -n 's/.*weights streamed per generated token: \([0-9]*\) bytes.*/\1/p' "$cache/infer4j.err")
  [[ -n $s ]] || s=$(stat -c %s "$m")
  bytes[$name]=$s
done

mean() { [[ -n ${count[$1]:-} ]] && python3 -c "print('%.2f' % (${sum[$1]} / ${count[$1]}))" || echo NA; }
echo
echo "infer4j vs llama.cpp (llama-bench), $threads threads, $reps alternating rounds, best streaming-read bandwidth $bandwidth GB/s"
echo
printf '| %-22s | %-6s | %14s | %12s | %6s | %-20s | %-28s | %-20s |\n' model test "llama.cpp t/s" "infer4j t/s" ratio "ratio by round" "tg weight reads: llama.cpp / infer4j" "infer4j load s: first / mapped"
printf '| %-22s | %-6s | %14s | %12s | %6s | %-20s | %-28s | %-20s |\n' "----------------------" "------" "-------------:" "-----------:" "-----:" "--------------------" "----------------------------" "--------------------"
for m in "${models[@]}"; do
  name=$(basename "$m" .gguf)
  for t in pp tg; do
    l=$(mean "$name.l$t"); j=$(mean "$name.j$t")
    ratio=NA; [[ $l != NA && $j != NA ]] && ratio=$(python3 -c "print('%.2f' % ($j / $l))")
    bw="" load=""
    [[ $t == pp ]] && load="${first[$name]:-NA} (${relaidAt[$name]:-NA}) / $(mean "$name.jload")"
    if [[ $t == tg ]]; then
      bw=$(python3 -c "
b=${bytes[$name]}; B=$bandwidth
f=lambda x: 'NA' if x=='NA' else '%.1f GB/s (%.0f%%)' % (float(x)*b/1e9, 100*float(x)*b/1e9/B)
print(f('$l') + ' / ' + f('$j'))")
    fi
    n=$([[ $t == pp ]] && echo "$prompt" || echo "$gen")
    printf '| %-22s | %-6s | %14s | %12s | %6s | %-20s | %-28s | %-20s |\n' "$name" "$t$n" "$l" "$j" "$ratio" "${rounds[$name.$t]:-}" "$bw" "$load"
  done
done
