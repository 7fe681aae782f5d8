#!/usr/bin/env bash
# Times every cairn command beside its git (or cat) baseline, in the same
# run, on generated research logs, with peak memory, and writes the figures
# into docs/performance.md (between its bench markers).
#
#   benches/commands.sh [CORPUS...]
#
# CORPUS names a generated log: 1k (1,000 records, 2,000 commits), 10k
# (10,000 / 20,000), 100k (100,000 / 200,000) or eips (a look-alike of the
# ethereum/EIPs history). Default: 1k 10k eips. Each is made once with
# benches/gen-corpus in target/bench/NAME and only read afterwards.
#
# Environment:
#   RUNS=5            timed runs of each command (the median is reported)
#   CAIRN=path        the binary to time (default: a fresh release build)
#   CAIRN_BEFORE=path another binary to time beside it (e.g. main's), so a
#                     change is measured before and after in one run
#   OUT=path          where to write the figures (default docs/performance.md;
#                     "-" prints them instead)
#   HISTORY=0         leave out log and summary (their cold runs take
#                     minutes on 100k)
#
# Peak memory comes from GNU time (/usr/bin/time), installed with apt-get
# when missing and possible. Needs git, awk and bash.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
out=${OUT:-$here/docs/performance.md}
corpora=("$@")
[[ ${#corpora[@]} -gt 0 ]] || corpora=(1k 10k eips)

if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        apt-get install -y -qq time >/dev/null
    fi
fi
[[ -x /usr/bin/time ]] || { echo "commands.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }

if [[ -n "${CAIRN:-}" ]]; then
    cairn=$(realpath "$CAIRN")
else
    cargo build --release --quiet --manifest-path "$here/Cargo.toml"
    cairn="$here/target/release/cairn"
fi
before=${CAIRN_BEFORE:+$(realpath "$CAIRN_BEFORE")}

# Makes a corpus if it is missing and prints its path.
corpus() {
    local name=$1 dir="$here/target/bench/$1"
    if [[ ! -d "$dir/.git" ]]; then
        mkdir -p "$here/target/bench"
        case $name in
            1k) "$here/benches/gen-corpus" "$dir" --records 1000 --commits 2000 ;;
            10k) "$here/benches/gen-corpus" "$dir" --records 10000 --commits 20000 ;;
            100k) "$here/benches/gen-corpus" "$dir" --records 100000 --commits 200000 --fanout 1000 ;;
            eips) "$here/benches/gen-corpus" "$dir" --shape eips ;;
            *) echo "commands.sh: unknown corpus $name (1k, 10k, 100k or eips)" >&2; exit 2 ;;
        esac >&2
    fi
    echo "$dir"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One run: prints "wall_seconds cpu_seconds peak_kib". With COLD=1, the
# cache in the git directory is removed first (outside the timing).
# With EDIT=path, a line is added to that record file first, so that it
# holds new bytes for each run (the caller restores it).
once() {
    [[ -z "${COLD:-}" ]] || rm -rf "$(git rev-parse --git-common-dir)/cairn"
    [[ -z "${EDIT:-}" ]] || printf '\n<!-- edit %s -->\n' "$RANDOM$RANDOM" >>"$EDIT"
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || {
        local rc=$?
        # cairn exits 1 on findings; anything else is a failure to report.
        if [[ $rc -gt 1 ]]; then
            echo "commands.sh: '$*' failed ($rc):" >&2
            cat "$tmp/err" >&2
            exit 2
        fi
    }
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" '{ printf "%.4f %.2f %d\n", b - a, $1 + $2, $3 }' "$tmp/time"
}

# RUNS runs after one warm-up (which also fills the cache, unless COLD):
# prints the median wall seconds, median CPU seconds and the largest peak
# memory in MB.
measure() {
    local i
    once "$@" >/dev/null
    for ((i = 0; i < runs; i++)); do once "$@"; done >"$tmp/runs"
    local wall cpu peak
    wall=$(cut -d' ' -f1 "$tmp/runs" | sort -g | median)
    cpu=$(cut -d' ' -f2 "$tmp/runs" | sort -g | median)
    peak=$(cut -d' ' -f3 "$tmp/runs" | sort -g | tail -n 1)
    echo "$wall $cpu $((peak / 1024))"
}

# The median of sorted numbers, one a line.
median() { awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Seconds as people read them.
fmt_s() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.0f ms", s * 1000; else printf "%.2f s", s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# One table row: label, baseline label, then the cairn command (after --),
# the baseline command taken from the array `base`.
row() {
    local label=$1 base_label=$2
    shift 2
    local c b bc w m cpu bw bm bcpu
    b=$(measure "${base[@]}")
    read -r bw bcpu bm <<<"$b"
    c=$(measure "$cairn" "$@")
    read -r w cpu m <<<"$c"
    local line="| \`$label\` | $(fmt_s "$w") | $(ratio "$w" "$bw") | $m MB | ${base_label} | $(fmt_s "$bw") | $bm MB |"
    if [[ -n "$before" && $label == *"(warm)"* ]]; then
        line+=" | | |"
    elif [[ -n "$before" ]]; then
        bc=$(measure "$before" "$@")
        read -r w2 cpu2 m2 <<<"$bc"
        line+=" $(fmt_s "$w2") | $(ratio "$w2" "$bw") | $m2 MB |"
    fi
    echo "$line" >>"$tmp/table"
    echo "  $line" >&2
}

report="$tmp/report"
{
    echo "Measured $(date -u +%Y-%m-%d) by \`benches/commands.sh ${corpora[*]}\` (RUNS=$runs: the median of"
    echo "$runs runs after one warm-up; memory is the largest peak RSS of those runs), on"
    echo "$(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)),"
    echo "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -s) $(uname -r | cut -d- -f1), $(git --version)."
    echo "Each ratio divides cairn's time by its baseline's, timed in the same run."
    echo "*Cold* runs start without cairn's cache (\`.git/cairn\` removed before each"
    echo "run); *warm* runs find it filled by the run before."
} >"$report"

for name in "${corpora[@]}"; do
    repo=$(corpus "$name")
    cd "$repo"
    records=$(git ls-files research | grep -c '\.md$' || true)
    commits=$(git rev-list --count HEAD)
    echo "== $name: $records files under research/, $commits commits" >&2
    # The newest record the log follows: the first experiment at HEAD.
    path=$(git ls-files 'research/experiments/*EXP-0004-*' | head -n 1)
    [[ -n "$path" ]] || path=$(git ls-files 'research/experiments' | head -n 1)
    id=$(basename "$path" | cut -d- -f1-2)
    # The newest commit that changes only code, and the span diffed.
    code_only=""
    for c in $(git rev-list --first-parent -n 200 HEAD); do
        if git rev-parse -q --verify "$c~1" >/dev/null && git diff --quiet "$c~1" "$c" -- research/; then
            code_only=$c
            break
        fi
    done
    span=1000
    [[ $commits -gt 1000 ]] || span=$((commits / 2))
    git ls-files research | grep '\.md$' >"$tmp/files"

    : >"$tmp/table"
    {
        echo
        echo "### $name: $records record files, $commits commits"
        echo
        if [[ -n "$before" ]]; then
            echo "| command | cairn | ratio | cairn RSS | baseline | baseline time | baseline RSS | before | before ratio | before RSS |"
            echo "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
        else
            echo "| command | cairn | ratio | cairn RSS | baseline | baseline time | baseline RSS |"
            echo "| --- | ---: | ---: | ---: | --- | ---: | ---: |"
        fi
    } >>"$report"

    base=(xargs -a "$tmp/files" cat)
    row "validate" "\`cat\` of the record files" validate
    COLD=1 row "validate (cold)" "\`cat\` of the record files" validate
    edited=$(grep -m 1 '^research/[^/]*/' "$tmp/files")
    EDIT=$edited row "validate (one record edited)" "\`cat\` of the record files" validate
    git checkout -q -- "$edited"
    row "list" "\`cat\` of the record files" list
    COLD=1 row "list (cold)" "\`cat\` of the record files" list
    EDIT=$edited row "list (one record edited)" "\`cat\` of the record files" list
    git checkout -q -- "$edited"
    base=(sh -c 'git ls-tree -r --object-only HEAD research | git cat-file --batch')
    row "validate --rev HEAD" "\`git ls-tree -r HEAD research \\| git cat-file --batch\`" validate --rev HEAD
    COLD=1 row "validate --rev HEAD (cold)" "\`git ls-tree -r HEAD research \\| git cat-file --batch\`" validate --rev HEAD
    # A pull request's gate: the last two commits as the branch, HEAD~2
    # as the base it forked from; the work tree is HEAD.
    base=(xargs -a "$tmp/files" cat)
    COLD=1 row "validate --base HEAD~2 --new (cold)" "\`cat\` of the record files" validate --base HEAD~2 --new
    row "validate --base HEAD~2 --new (warm)" "\`cat\` of the record files" validate --base HEAD~2 --new
    if [[ -n "$code_only" ]]; then
        base=(git diff "$code_only~1" "$code_only")
        row "diff C~1 C (code only)" "\`git diff C~1 C\`" diff "$code_only~1" "$code_only"
    fi
    base=(git diff HEAD~1 HEAD)
    row "diff HEAD~1 HEAD" "\`git diff HEAD~1 HEAD\`" diff HEAD~1 HEAD
    base=(git diff -M "HEAD~$span" HEAD -- research/)
    row "diff HEAD~$span HEAD" "\`git diff -M HEAD~$span HEAD -- research/\`" diff "HEAD~$span" HEAD
    if [[ ${HISTORY:-1} == 0 ]]; then
        cat "$tmp/table" >>"$report"
        cd "$here"
        continue
    fi
    base=(git log --follow -- "$path")
    COLD=1 row "log $id (cold)" "\`git log --follow -- <its path>\`" log "$id"
    row "log $id (warm)" "\`git log --follow -- <its path>\`" log "$id"
    base=(git log --name-status -M -- research/)
    COLD=1 row "summary (cold)" "\`git log --name-status -M -- research/\`" summary
    row "summary (warm)" "\`git log --name-status -M -- research/\`" summary
    if [[ $name == eips ]]; then
        base=(git log --first-parent --name-status -M -- research/)
        COLD=1 row "log $id (cold)" "\`git log --first-parent --name-status -M -- research/\`" log "$id"
        COLD=1 row "summary (cold)" "\`git log --first-parent --name-status -M -- research/\`" summary
    fi
    cat "$tmp/table" >>"$report"
    cd "$here"
done

# `list` and `validate` beside the Rust ADR tool `adrs` (cargo install adrs),
# in CPU seconds, on 1k turned into the same number of ADRs of the same
# size: adr-tools' layout (doc/adr/NNNN-title.md, `# N. Title`, a Status
# section) with each record's body.
if [[ " ${corpora[*]} " == *" 1k "* ]] && command -v adrs >/dev/null; then
    repo="$here/target/bench/1k"
    adr="$here/target/bench/adrs-1k"
    if [[ ! -d "$adr/doc/adr" ]]; then
        mkdir -p "$adr/doc/adr"
        printf 'doc/adr\n' >"$adr/.adr-dir"
        (cd "$repo" && git ls-files research/experiments research/decisions research/scopes | grep '\.md$') | python3 -c '
import os, re, sys
repo, out = sys.argv[1], sys.argv[2]
for n, rel in enumerate(sorted(sys.stdin.read().split()), 1):
    text = open(os.path.join(repo, rel), encoding="utf-8").read()
    front, _, body = text.partition("\n---\n")
    field = lambda k: (re.search(r"^" + k + r": *\"?([^\"\n]*)", front, re.M) or [None, ""])[1]
    title = field("title") or rel
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    body = re.sub(r"^# .*\n", "", body.lstrip(), count=1)
    with open(os.path.join(out, "%04d-%s.md" % (n, slug)), "w", encoding="utf-8") as f:
        f.write("# %d. %s\n\nDate: %s\n\n## Status\n\n%s\n\n%s" % (n, title, field("created"), field("status").capitalize(), body))
' "$repo" "$adr/doc/adr"
    fi
    adrs_version=$(adrs --version 2>/dev/null | head -n 1)
    # One run takes a few milliseconds, below GNU time's 10 ms resolution:
    # each figure is the CPU of 20 runs in a row, divided by 20.
    cpu20() {
        /usr/bin/time -f '%U %S %M' -o "$tmp/time" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do "$@" >/dev/null 2>&1 || true; done' sh "$@"
        awk '{ printf "%.4f %d\n", ($1 + $2) / 20, $3 / 1024 }' "$tmp/time"
    }
    median_cpu() {
        local i
        for ((i = 0; i < runs; i++)); do cpu20 "$@"; done | sort -g | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'
    }
    : >"$tmp/table"
    cd "$adr"
    cpu20 adrs list >/dev/null
    read -r bcpu bm <<<"$(median_cpu adrs list)"
    cd "$repo"
    for command in list validate; do
        cpu20 "$cairn" "$command" >/dev/null
        read -r cpu m <<<"$(median_cpu "$cairn" "$command")"
        line="| \`$command\` | $(fmt_s "$cpu") | $(ratio "$cpu" "$bcpu") | $m MB | \`adrs list\` | $(fmt_s "$bcpu") | $bm MB |"
        echo "$line" >>"$tmp/table"
        echo "  $line" >&2
    done
    cd "$here"
    {
        echo
        echo "### 1k beside adrs: CPU time (user + system)"
        echo
        echo "$(ls "$adr/doc/adr" | wc -l) ADRs made from the 1k records (same bodies), read by $adrs_version;"
        echo "each figure is the CPU of 20 runs in a row divided by 20 (the median of $runs such)."
        echo
        echo "| command | cairn CPU | ratio | cairn RSS | baseline | baseline CPU | baseline RSS |"
        echo "| --- | ---: | ---: | ---: | --- | ---: | ---: |"
        cat "$tmp/table"
    } >>"$report"
fi

if [[ $out == - ]]; then
    cat "$report"
elif grep -q '<!-- bench:begin -->' "$out" 2>/dev/null; then
    awk -v report="$report" '
        /<!-- bench:begin -->/ { print; while ((getline line < report) > 0) print line; skip = 1; next }
        /<!-- bench:end -->/ { skip = 0 }
        !skip' "$out" >"$tmp/out"
    cat "$tmp/out" >"$out"
    echo "figures written to $out" >&2
else
    { echo '<!-- bench:begin -->'; cat "$report"; echo '<!-- bench:end -->'; } >>"$out"
    echo "figures appended to $out" >&2
fi
