#!/usr/bin/env bash
# The cairn GitHub Action's work, run in the folder to check (see action.yml):
#
# 1. validate the records as workflow annotations (`--format github`), with
#    the history rules against the base on a pull request (`--base`, and
#    `--new` when asked or available);
# 2. append `cairn summary --format markdown` to the job summary;
# 3. with INPUT_COMMENT=true on a pull request, create or update ONE comment
#    holding `cairn diff BASE...HEAD --format markdown`, found again by its
#    first line, the marker `<!-- cairn:diff -->`. When the pull request no
#    longer changes any record, an existing comment is updated to say so (a
#    reader who saw the old one is not left wondering); none is created.
#    A body over GitHub's 65,536-character limit is cut, with a note.
#
# Exit status: validate's verdict under INPUT_FAIL_ON (errors | warnings |
# never), after the summary and comment are written; 2 when cairn cannot
# run at all (a shallow checkout, a bad input, a git error).
#
# Reads GITHUB_EVENT_NAME, GITHUB_REPOSITORY and GITHUB_STEP_SUMMARY as
# GitHub sets them, and the pull request's number and target branch as
# action.yml passes them from the event (CAIRN_PR_NUMBER, CAIRN_PR_BASE);
# CAIRN names the binary (default `cairn`). Needs git, and gh for comments
# (whose own --jq filters the comment list: no jq is needed).
set -uo pipefail
export LC_ALL=C.UTF-8

readonly MARKER='<!-- cairn:diff -->'
readonly LIMIT=65536
cairn=${CAIRN:-cairn}

fail() {
    echo "::error title=cairn::$*"
    exit 2
}

is_true() {
    case "$1" in
    true | True | TRUE | yes | 1) return 0 ;;
    false | False | FALSE | no | 0 | "") return 1 ;;
    *) fail "expected true or false, got \`$1\`" ;;
    esac
}

fail_on=${INPUT_FAIL_ON:-errors}
case "$fail_on" in
errors | warnings | never) ;;
*) fail "fail-on must be errors, warnings or never, not \`$fail_on\`" ;;
esac
case "${INPUT_NEW:-auto}" in
auto | true | false) ;;
*) fail "new must be auto, true or false, not \`${INPUT_NEW}\`" ;;
esac
want_comment=false
is_true "${INPUT_COMMENT:-false}" && want_comment=true
want_summary=true
is_true "${INPUT_SUMMARY:-true}" || want_summary=false

command -v "$cairn" >/dev/null || fail "cairn is not installed (the install step should have put it on PATH)"
git rev-parse --git-dir >/dev/null 2>&1 ||
    fail "$(pwd) is not inside a git repository; check out the repository first (actions/checkout)"
if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
    fail "the checkout is shallow, and cairn reads history (the merge base, the branch's commits, record history); give actions/checkout \`fetch-depth: 0\`"
fi

# The pull request, as action.yml passes it from the event.
pr=""
base=${INPUT_BASE:-}
case "${GITHUB_EVENT_NAME:-}" in
pull_request | pull_request_target)
    pr=${CAIRN_PR_NUMBER:-}
    case "$pr" in
    "" | *[!0-9]*) fail "the $GITHUB_EVENT_NAME event gave no pull request number (CAIRN_PR_NUMBER is \`$pr\`); run this script through action.yml" ;;
    esac
    if [ -z "$base" ]; then
        [ -n "${CAIRN_PR_BASE:-}" ] || fail "the $GITHUB_EVENT_NAME event gave no target branch (CAIRN_PR_BASE); set the \`base\` input"
        base="origin/$CAIRN_PR_BASE"
    fi
    ;;
esac
if [ -n "$base" ] && ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
    fail "the base \`$base\` is not a revision in this checkout; fetch it (actions/checkout with \`fetch-depth: 0\` fetches every branch) or set the \`base\` input"
fi

global=()
[ -n "${INPUT_CONFIG:-}" ] && global+=(--config "$INPUT_CONFIG")

# 1. validate
validate=(validate --format github)
if [ -n "$base" ]; then
    validate+=(--base "$base")
    has_new=false
    "$cairn" validate --help 2>/dev/null | grep -q -- '--new' && has_new=true
    case "${INPUT_NEW:-auto}" in
    true)
        $has_new || fail "this cairn has no \`validate --new\`; use a newer version or set \`new: false\`"
        validate+=(--new)
        ;;
    auto) $has_new && validate+=(--new) ;;
    esac
fi
[ "$fail_on" = warnings ] && validate+=(--strict)
if [ -n "${INPUT_PATHS:-}" ]; then
    read -r -d '' -a paths <<<"$INPUT_PATHS"
    validate+=("${paths[@]}")
fi
echo "::group::cairn ${validate[*]}"
"$cairn" ${global[@]+"${global[@]}"} "${validate[@]}"
verdict=$?
echo "::endgroup::"
[ "$verdict" -le 1 ] || fail "cairn validate could not run (exit $verdict); see the line above"

# 2. the job summary
if $want_summary; then
    summary=(summary --format markdown)
    [ -n "$base" ] && summary+=(--range "$base...HEAD")
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        "$cairn" ${global[@]+"${global[@]}"} "${summary[@]}" >>"$GITHUB_STEP_SUMMARY" ||
            fail "cairn ${summary[*]} failed"
    else
        echo "cairn: GITHUB_STEP_SUMMARY is not set; no job summary written"
    fi
fi

# 3. the pull-request comment
if $want_comment; then
    if [ -z "$pr" ]; then
        echo "cairn: not a pull request (${GITHUB_EVENT_NAME:-no event}); no comment"
    else
        command -v gh >/dev/null || fail "gh is required to comment (preinstalled on GitHub-hosted runners)"
        [ -n "${GITHUB_REPOSITORY:-}" ] || fail "GITHUB_REPOSITORY is not set"
        body_file=$(mktemp)
        trap 'rm -f "$body_file"' EXIT
        "$cairn" ${global[@]+"${global[@]}"} diff "$base...HEAD" --format markdown --exit-code >"$body_file"
        changed=$?
        [ "$changed" -le 1 ] || fail "cairn diff $base...HEAD could not run (exit $changed)"

        # gh applies --jq to each page: the ids of comments that start with
        # the marker, oldest first; the first one is cairn's.
        ids=$(gh api "repos/$GITHUB_REPOSITORY/issues/$pr/comments" --paginate \
            --jq ".[] | select(.body | startswith(\"$MARKER\")) | .id") ||
            fail "cannot list the comments of pull request #$pr (does the job have \`pull-requests: write\`?)"
        existing=${ids%%$'\n'*}

        if [ "$changed" -eq 0 ]; then
            printf '%s\n### Research records\n\nThis pull request no longer changes any research records.\n' \
                "$MARKER" >"$body_file"
        fi
        body=$(cat "$body_file")
        if [ "${#body}" -ge "$LIMIT" ]; then
            # shellcheck disable=SC2016 # the backticks are Markdown
            note=$(printf '\n\n---\n*The research-log diff is %s characters, over GitHub'"'"'s limit of %s: it is cut here. Run `cairn diff %s...HEAD` for all of it.*\n' \
                "${#body}" "$LIMIT" "$base")
            keep=$((LIMIT - ${#note} - 1))
            body="${body:0:keep}"
            # End on a whole line, not inside a table row or a word.
            body="${body%$'\n'*}$note"
            printf '%s\n' "$body" >"$body_file"
        fi

        if [ -n "$existing" ]; then
            gh api "repos/$GITHUB_REPOSITORY/issues/comments/$existing" -X PATCH -F "body=@$body_file" >/dev/null ||
                fail "cannot update comment $existing on pull request #$pr"
            echo "cairn: updated the research-log comment on pull request #$pr"
        elif [ "$changed" -eq 1 ]; then
            gh api "repos/$GITHUB_REPOSITORY/issues/$pr/comments" -X POST -F "body=@$body_file" >/dev/null ||
                fail "cannot comment on pull request #$pr (does the job have \`pull-requests: write\`?)"
            echo "cairn: commented the research-log diff on pull request #$pr"
        else
            echo "cairn: this pull request changes no research records; no comment"
        fi
    fi
fi

case "$fail_on" in
never) exit 0 ;;
*) exit "$verdict" ;;
esac
