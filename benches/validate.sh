#!/usr/bin/env bash
# Times `cairn validate` on a generated research log against reading the
# same files with `cat`, in the same run.
#
#   benches/validate.sh [CORPUS]
#
# CORPUS defaults to the one benches/corpus.sh makes.
# Needs hyperfine (`apt-get install hyperfine`).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(benches/corpus.sh "${1:-}")
cargo build --release --quiet
cairn=$PWD/target/release/cairn
cd "$corpus"
find research -name '*.md' > /tmp/cairn-bench-files
echo "records: $(wc -l < /tmp/cairn-bench-files) files under research/"
hyperfine --warmup 3 --runs 20 -N --export-markdown /tmp/cairn-bench-validate.md \
    "$cairn validate" \
    "xargs -a /tmp/cairn-bench-files cat"
cat /tmp/cairn-bench-validate.md
