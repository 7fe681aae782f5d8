#!/usr/bin/env bash
# Prints the path of the benchmark corpus, generating it first if needed:
#   benches/gen-corpus DIR --records 10000 --commits 20000
# DIR is $1, else $CAIRN_CORPUS, else target/bench/10k (the corpus
# benches/commands.sh uses too).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-${CAIRN_CORPUS:-$here/target/bench/10k}}
if [[ ! -d "$dir/.git" ]]; then
    mkdir -p "$(dirname "$dir")"
    "$here/benches/gen-corpus" "$dir" --records 10000 --commits 20000 >&2
fi
echo "$dir"
