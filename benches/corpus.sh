#!/usr/bin/env bash
# Prints the path of the benchmark corpus, generating it first if needed:
#   ../shared/bench/gen-corpus DIR --records 10000 --commits 20000
# DIR is $1, else $CAIRN_CORPUS, else target/bench-corpus; GEN_CORPUS names
# the generator if it is not at ../shared/bench/gen-corpus.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-${CAIRN_CORPUS:-$here/target/bench-corpus}}
if [[ ! -d "$dir/.git" ]]; then
    gen=${GEN_CORPUS:-$here/../shared/bench/gen-corpus}
    "$gen" "$dir" --records 10000 --commits 20000 >&2
fi
echo "$dir"
