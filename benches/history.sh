#!/usr/bin/env bash
# Times `cairn log ID` and `cairn summary` against
# `git log --name-status -M -- research/` on a corpus, N runs each, and
# prints the medians and the ratios to git.
#
#   benches/history.sh [REPO] [ID] [N]     (defaults: benches/corpus.sh's corpus, EXP-0001, 5)
#
# Builds the release binary first. The corpus is only read.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
repo=$("$here/benches/corpus.sh" "${1:-}")
id=${2:-EXP-0001}
runs=${3:-5}

cargo build --release --quiet --manifest-path "$here/Cargo.toml"
cairn="$here/target/release/cairn"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

time_runs() {
  local i start end
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
  done | median
}

cd "$repo"
git_s=$(time_runs git log --name-status -M -- research/)
log_s=$(time_runs "$cairn" log "$id")
summary_s=$(time_runs "$cairn" summary)

printf '%-45s %8s %8s\n' command 'median s' 'vs git'
printf '%-45s %8.2f %8s\n' 'git log --name-status -M -- research/' "$git_s" 1.00
printf '%-45s %8.2f %8.2f\n' "cairn log $id" "$log_s" "$(awk -v a="$log_s" -v b="$git_s" 'BEGIN { print a / b }')"
printf '%-45s %8.2f %8.2f\n' 'cairn summary' "$summary_s" "$(awk -v a="$summary_s" -v b="$git_s" 'BEGIN { print a / b }')"
