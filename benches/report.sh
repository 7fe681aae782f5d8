#!/usr/bin/env bash
# Times `cairn report` beside `cairn summary` on a corpus (one run each,
# the same revision and history walk), and prints the seconds, the peak
# memory and the report's size.
#
#   benches/report.sh [REPO]     (default: benches/corpus.sh's corpus)
#
# Builds the release binary first. The corpus is only read; the report is
# written to a temporary folder.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
repo=$("$here/benches/corpus.sh" "${1:-}")
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
cairn="$here/target/release/cairn"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

measure() {
    local label=$1
    shift
    /usr/bin/time -f "$label: %e s, %M KiB peak" "$@" >/dev/null
}

measure "cairn summary" "$cairn" -C "$repo" summary --format json
measure "cairn report" "$cairn" -C "$repo" report -o "$out/report.html"
echo "report size: $(du -h "$out/report.html" | cut -f1)"
