#!/usr/bin/env bash
# Times `cairn diff A B` against `git diff --name-status -M A B -- research/`
# in the same repository and prints both medians and their ratio.
#
# usage: benches/diff.sh [REPO] [A] [B] [RUNS]
#   REPO  a repository with a research log   (default: benches/corpus.sh makes one)
#   A B   the revisions to compare            (default HEAD~1000 HEAD)
#   RUNS  timed runs of each command          (default 15; 2 warm-up runs first)
#
# The repository is only read. cairn is built in release mode first,
# unless CAIRN names a binary to time instead.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
repo=$("$here/benches/corpus.sh" "${1:-}")
a=${2:-HEAD~1000}
b=${3:-HEAD}
runs=${4:-15}

if [[ -n "${CAIRN:-}" ]]; then
    cairn=$CAIRN
else
    cargo build --release --quiet --manifest-path "$here/Cargo.toml"
    cairn="$here/target/release/cairn"
fi

# Seconds (as a float) that one run of the command takes.
time_once() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
}

# The median of `runs` timed runs of the command, in milliseconds.
median_ms() {
    local i
    for i in 1 2; do "$@" >/dev/null; done
    for ((i = 0; i < runs; i++)); do time_once "$@"; done |
        sort -g |
        awk '{ t[NR] = $1 } END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.1f\n", m * 1000 }'
}

cd "$repo"
changed=$(git diff --name-status -M "$a" "$b" -- research/ | wc -l)
cairn_ms=$(median_ms "$cairn" diff "$a" "$b")
git_ms=$(median_ms git diff --name-status -M "$a" "$b" -- research/)
patch_ms=$(median_ms git diff "$a" "$b" -- research/)
ratio=$(awk -v a="$cairn_ms" -v b="$git_ms" 'BEGIN { print a / b }')
patch_ratio=$(awk -v a="$cairn_ms" -v b="$patch_ms" 'BEGIN { print a / b }')

echo "repository: $repo ($a..$b, $changed changed record paths, $runs runs each)"
printf 'cairn diff %s %s                          median %8.1f ms\n' "$a" "$b" "$cairn_ms"
printf 'git diff --name-status -M %s %s -- research/  median %8.1f ms\n' "$a" "$b" "$git_ms"
printf 'git diff %s %s -- research/ (whole patch)     median %8.1f ms\n' "$a" "$b" "$patch_ms"
printf 'ratio cairn/git --name-status: %.2f\n' "$ratio"
printf 'ratio cairn/git whole patch:   %.2f\n' "$patch_ratio"
