#!/usr/bin/env bash
# Prints the parity matrix (every architecture x tensor type, infer4j against llama-server over HTTP) as the
# markdown the README's "Parity with llama.cpp" section holds: runs ParityMatrixTest (server test scope; it builds
# nothing but the reactor, and asks the llama.cpp peer, built once and cached by ../shared/tools/llama-cpp-peer),
# then prints the table it wrote to server/target/parity-matrix.md under a line saying when, where and how.
# Usage (from anywhere): scripts/parity-matrix.sh [extra mvn args, e.g. -o]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/fetch-tokenizers.sh >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$(date +%s)
status=0
mvn -B -q "$@" -pl server -am test -Dtest=ParityMatrixTest -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1 || status=$?
seconds=$(( $(date +%s) - start ))
if [[ ! -f server/target/parity-matrix.md ]]; then
  cat "$log" >&2
  echo "parity-matrix: no table written (mvn exit $status)" >&2
  exit 1
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
peer=$("$(../shared/tools/llama-cpp-peer)/llama-server" --version 2>&1 | grep -o 'commit [0-9a-f]*' || echo 'commit unknown')
echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores of an $cpu against llama.cpp $peer, by \`scripts/parity-matrix.sh\` ($seconds s including the build; mvn exit $status):"
echo
cat server/target/parity-matrix.md
if [[ $status -ne 0 ]]; then
  grep -E '^\[ERROR\] .*(matchesLlamaServer|Expect)|^(Expecting|to be less|but was)' "$log" >&2 || true
fi
exit "$status"
