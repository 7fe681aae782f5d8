#!/usr/bin/env bash
# Time and peak memory of cairn on each small hostile input that used to
# cost minutes or gigabytes (docs/reliability.md keeps the figures).
#
#   benches/hostile.sh [CAIRN_BINARY]
#
# CAIRN_BINARY defaults to target/release/cairn (built if missing). Each
# case runs under a 120 s timeout and 4 GB of address space; a case that
# hits the timeout prints "timeout", one that runs out of memory a failure.
# Needs git, python3 and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${1:-}" ]; then
    cargo build --release --quiet
fi
cairn=$(realpath "${1:-target/release/cairn}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

record() { # record FILE ID  (front matter up to hypothesis; the caller appends)
    mkdir -p "$(dirname "$1")"
    printf -- '---\nid: %s\ntitle: T\nstatus: running\ncreated: 2024-01-01\nhypothesis: h\n' "$2" > "$1"
}

repo() { # a fresh git repository at $work/$1 with a fixed author
    rm -rf "${work:?}/$1"
    mkdir -p "$work/$1" && git -C "$work/$1" init -q
    git -C "$work/$1" config user.name Bench && git -C "$work/$1" config user.email b@x
}

measure() { # measure NAME DIR ARGS...
    local name=$1 dir=$2
    shift 2
    local out status
    # At most 4 GB of address space: a runaway case fails instead of
    # taking the machine down.
    (cd "$dir" && ulimit -v 4000000 && /usr/bin/time -o "$work/time" -f '%e s %M KB' timeout 120 "$cairn" "$@" >/dev/null 2>&1) && status=0 || status=$?
    out=$(tail -1 "$work/time")
    if [ "$status" = 124 ]; then out="timeout (over 120 s)"; fi
    printf '%-28s exit %-3s %s\n' "$name" "$status" "$out"
}

E=research/experiments

repo nesting
record "$work/nesting/$E/EXP-0001-deep.md" EXP-0001
python3 -c "import sys; n=200000; sys.stdout.write('params: ' + '['*n + ']'*n + '\n---\n')" >> "$work/nesting/$E/EXP-0001-deep.md"
measure "flow nesting 200,000" "$work/nesting" validate

repo keys
record "$work/keys/$E/EXP-0001-keys.md" EXP-0001
python3 -c "import sys; sys.stdout.write(''.join(f'k{i}: {i}\n' for i in range(40000)) + '---\n')" >> "$work/keys/$E/EXP-0001-keys.md"
measure "40,000 keys" "$work/keys" validate

for n in 20000 200000; do
    repo "headings$n"
    record "$work/headings$n/$E/EXP-0001-h.md" EXP-0001
    python3 -c "import sys; sys.stdout.write('---\n' + ''.join(f'## Heading {i}\n\ntext\n\n' for i in range($n)))" >> "$work/headings$n/$E/EXP-0001-h.md"
    measure "$n headings" "$work/headings$n" validate
done

repo links
record "$work/links/$E/EXP-0001-l.md" EXP-0001
python3 -c "import sys; sys.stdout.write('---\n' + ''.join(f'[l{i}](f{i}.md)\n' for i in range(100000)))" >> "$work/links/$E/EXP-0001-l.md"
measure "100,000 links" "$work/links" validate

repo glob
mkdir -p "$work/glob/src" && echo x > "$work/glob/src/a.py"
record "$work/glob/$E/EXP-0001-g.md" EXP-0001
printf -- '---\n' >> "$work/glob/$E/EXP-0001-g.md"
git -C "$work/glob" add -A && git -C "$work/glob" commit -qm one
python3 -c "import sys; sys.stdout.write('covers: [\"src/{' + ','.join(f'a{i}' for i in range(1000000)) + '}\"]\n')" > "$work/glob/covers"
python3 - "$work/glob/$E/EXP-0001-g.md" "$work/glob/covers" <<'PY'
import sys
path, covers = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read().replace("hypothesis: h\n", "hypothesis: h\n" + covers, 1)
open(path, "w").write(text)
PY
echo y >> "$work/glob/src/a.py"
measure "glob of 1,000,000 options" "$work/glob" diff

repo blobs
record "$work/blobs/$E/EXP-0001-a.md" EXP-0001
printf -- '---\n' >> "$work/blobs/$E/EXP-0001-a.md"
for i in 2 3 4 5; do
    head -c $((101 * 1024 * 1024)) /dev/zero | tr '\0' 'x' > "$work/blobs/$E/EXP-000$i-big.md"
done
git -C "$work/blobs" add -A && git -C "$work/blobs" commit -qm big
rm "$work"/blobs/$E/EXP-000[2-5]-big.md
measure "4 blobs of 101 MiB (--rev)" "$work/blobs" validate --rev HEAD

repo devzero
measure "--config /dev/zero" "$work/devzero" --config /dev/zero validate
