//! The GitHub Action's script (`action/run.sh`), run as the Action runs it:
//! in a clone whose `origin/main` is the pull request's base, with the
//! pull request's number and target branch as action.yml passes them, a
//! job-summary file, and a stand-in for `gh` on PATH that
//! records every call and keeps the pull request's comments as files.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{TestRepo, experiment, isolate};

const EXP1: &str = "research/experiments/EXP-0001-mel.md";
const MARKER: &str = "<!-- cairn:diff -->";
/// How the script lists the pull request's comments, as the stand-in records it.
const LIST_CALL: &str = r#"api repos/acme/birds/issues/7/comments --paginate --jq .[] | select(.body | startswith("<!-- cairn:diff -->")) | .id"#;

/// A stand-in for `gh api`: appends each call to `$FAKE_GH/calls`, keeps
/// comments as `$FAKE_GH/comments/<id>.md`, creates and updates them. A listing must come with the one `--jq` filter
/// the script is meant to pass (the ids of comments that start with the
/// marker), which the stand-in applies itself.
const FAKE_GH: &str = r#"#!/usr/bin/env bash
set -euo pipefail
printf '%s\n' "$*" >>"$FAKE_GH/calls"
state="$FAKE_GH/comments"
mkdir -p "$state"
[ "$1" = api ] || { echo "fake gh: only api" >&2; exit 1; }
path=$2
shift 2
method=GET
body=""
filter=""
while [ $# -gt 0 ]; do
    case "$1" in
    -X) method=$2; shift 2 ;;
    -F) body=${2#body=@}; shift 2 ;;
    --jq) filter=$2; shift 2 ;;
    --paginate) shift ;;
    *) echo "fake gh: unexpected $1" >&2; exit 1 ;;
    esac
done
case "$method $path" in
"GET repos/acme/birds/issues/7/comments")
    marker='<!-- cairn:diff -->'
    expected=".[] | select(.body | startswith(\"$marker\")) | .id"
    [ "$filter" = "$expected" ] || { echo "fake gh: unexpected --jq $filter" >&2; exit 1; }
    for f in "$state"/*.md; do
        [ -e "$f" ] || continue
        [ "$(head -c ${#marker} "$f")" = "$marker" ] && basename "$f" .md
    done
    ;;
"POST repos/acme/birds/issues/7/comments")
    n=$(( $(find "$state" -name '*.md' | wc -l) + 1001 ))
    cp "$body" "$state/$n.md"
    echo "{\"id\": $n}"
    ;;
"PATCH repos/acme/birds/issues/comments/"*)
    id=${path##*/}
    [ -e "$state/$id.md" ] || { echo "gh: Not Found (HTTP 404)" >&2; exit 1; }
    cp "$body" "$state/$id.md"
    echo "{\"id\": $id}"
    ;;
*) echo "fake gh: unexpected $method $path" >&2; exit 1 ;;
esac
"#;

/// A pull request: `origin/main` holds EXP-0001 running; the checked-out
/// branch `feature` is what the pull request adds.
struct Pr {
    _origin: TestRepo,
    clone: TestRepo,
    tools: tempfile::TempDir,
}

/// What one run of the script produced.
struct ActionRun {
    code: i32,
    stdout: String,
    summary: String,
}

impl Pr {
    fn new() -> Pr {
        let mut origin = TestRepo::new();
        origin.write(EXP1, experiment("EXP-0001", "running"));
        origin.write("src/model.py", "print('v1')\n");
        origin.commit("start EXP-0001");
        let clone = origin.clone_with(&[]);
        clone.git(&["checkout", "-q", "-b", "feature"]);
        let tools = tempfile::tempdir().expect("temp dir");
        let bin = tools.path().join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        write_executable(&bin.join("gh"), FAKE_GH);
        Pr {
            _origin: origin,
            clone,
            tools,
        }
    }

    fn push(&mut self, rel: &str, text: &str) {
        self.clone.write(rel, text);
        self.clone.commit("work on the branch");
    }

    /// Runs the script with the Action's inputs as `INPUT_*` variables.
    fn run(&self, inputs: &[(&str, &str)]) -> ActionRun {
        self.run_with(inputs, &cairn_bin())
    }

    fn run_with(&self, inputs: &[(&str, &str)], cairn: &Path) -> ActionRun {
        self.run_as("pull_request", inputs, cairn)
    }

    fn run_as(&self, event: &str, inputs: &[(&str, &str)], cairn: &Path) -> ActionRun {
        let summary = self.tools.path().join("summary.md");
        std::fs::write(&summary, "").expect("summary file");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("action/run.sh");
        let mut cmd = Command::new("bash");
        cmd.arg(script).current_dir(self.clone.path());
        isolate(&mut cmd, self.clone.path());
        let path = format!(
            "{}:{}",
            self.tools.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.env("PATH", path)
            .env("CAIRN", cairn)
            .env("FAKE_GH", self.tools.path())
            .env("GITHUB_EVENT_NAME", event)
            .env("CAIRN_PR_NUMBER", "7")
            .env("CAIRN_PR_BASE", "main")
            .env("GITHUB_REPOSITORY", "acme/birds")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env_remove("GH_TOKEN");
        for var in [
            "INPUT_BASE",
            "INPUT_NEW",
            "INPUT_PATHS",
            "INPUT_CONFIG",
            "INPUT_COMMENT",
            "INPUT_SUMMARY",
            "INPUT_FAIL_ON",
        ] {
            cmd.env_remove(var);
        }
        for (key, value) in inputs {
            cmd.env(key, value);
        }
        let out = cmd.output().expect("run action/run.sh");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        ActionRun {
            code: out.status.code().unwrap_or(-1),
            stdout: format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr),
            summary: std::fs::read_to_string(&summary).expect("summary"),
        }
    }

    /// The `gh` calls so far, one line each.
    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.tools.path().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The pull request's comments kept by the stand-in: (id, body).
    fn comments(&self) -> Vec<(String, String)> {
        let dir = self.tools.path().join("comments");
        let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .map(|e| {
                        let path = e.expect("entry").path();
                        let id = path.file_stem().expect("stem").to_string_lossy().into();
                        (id, std::fs::read_to_string(&path).expect("comment"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

fn cairn_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("cairn")
}

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

const COMMENT: [(&str, &str); 1] = [("INPUT_COMMENT", "true")];

#[test]
fn the_first_run_comments_and_the_next_updates_the_same_comment() {
    let mut pr = Pr::new();
    pr.push(EXP1, &experiment("EXP-0001", "done"));
    let first = pr.run(&COMMENT);
    assert_eq!(first.code, 0, "{}", first.stdout);
    assert!(
        first
            .stdout
            .contains("::group::cairn validate --format github --base origin/main --new\n"),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("commented the research-log diff on pull request #7")
    );
    assert_eq!(
        pr.calls(),
        [
            LIST_CALL,
            &format!(
                "api repos/acme/birds/issues/7/comments -X POST -F body=@{}",
                body_path(&pr)
            ),
        ]
    );
    let comments = pr.comments();
    assert_eq!(comments.len(), 1);
    let (id, body) = &comments[0];
    assert_eq!(id, "1001");
    assert!(body.starts_with(MARKER), "{body}");
    assert!(body.contains("EXP-0001") && body.contains("running") && body.contains("done"));
    assert!(!first.summary.is_empty(), "the job summary is written");

    // A later push: the same comment is found by its marker and updated.
    pr.push(
        "research/experiments/EXP-0002-pcen.md",
        &experiment("EXP-0002", "planned"),
    );
    let second = pr.run(&COMMENT);
    assert_eq!(second.code, 0, "{}", second.stdout);
    assert!(
        second
            .stdout
            .contains("updated the research-log comment on pull request #7")
    );
    let calls = pr.calls();
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(
        calls[3].starts_with("api repos/acme/birds/issues/comments/1001 -X PATCH -F body=@"),
        "{calls:?}"
    );
    let comments = pr.comments();
    assert_eq!(comments.len(), 1, "still one comment");
    assert!(comments[0].1.starts_with(MARKER));
    assert!(comments[0].1.contains("EXP-0002"), "{}", comments[0].1);
}

/// The body file's path is a fresh temporary name; the calls show it as is.
fn body_path(pr: &Pr) -> String {
    pr.calls()
        .iter()
        .find_map(|c| c.split("body=@").nth(1).map(str::to_string))
        .unwrap_or_default()
}

#[test]
fn without_record_changes_no_comment_is_made_and_an_old_one_says_so() {
    let mut pr = Pr::new();
    pr.push("src/model.py", "print('v2')\n");
    let quiet = pr.run(&COMMENT);
    assert_eq!(quiet.code, 0, "{}", quiet.stdout);
    assert!(
        quiet
            .stdout
            .contains("changes no research records; no comment")
    );
    assert_eq!(pr.calls(), [LIST_CALL]);
    assert!(pr.comments().is_empty());

    // The branch added a record, was commented, then took it out again.
    let exp2 = "research/experiments/EXP-0002-pcen.md";
    pr.push(exp2, &experiment("EXP-0002", "planned"));
    assert_eq!(pr.run(&COMMENT).code, 0);
    assert_eq!(pr.comments().len(), 1);
    pr.clone.remove(exp2);
    pr.clone.commit("drop EXP-0002");
    let undone = pr.run(&COMMENT);
    assert_eq!(undone.code, 0, "{}", undone.stdout);
    let comments = pr.comments();
    assert_eq!(comments.len(), 1);
    assert_eq!(
        comments[0].1,
        format!(
            "{MARKER}\n### Research records\n\nThis pull request no longer changes any research records.\n"
        )
    );
}

#[test]
fn a_comment_over_githubs_limit_is_cut_with_a_note() {
    let mut pr = Pr::new();
    pr.push(EXP1, &experiment("EXP-0001", "done"));
    // cairn keeps its own comment under the limit; a stand-in that prints a
    // longer one shows what the script does if it ever does not.
    let wrapper = pr.tools.path().join("long-cairn");
    write_executable(
        &wrapper,
        &format!(
            "#!/usr/bin/env bash\nif [ \"$1\" = diff ]; then\n  echo '{MARKER}'\n  for i in $(seq 1 2000); do echo \"| EXP-$i | modified | ünïcode row padding padding padding |\"; done\n  exit 1\nfi\nexec '{}' \"$@\"\n",
            cairn_bin().display()
        ),
    );
    let run = pr.run_with(&COMMENT, &wrapper);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let comments = pr.comments();
    assert_eq!(comments.len(), 1);
    let body = &comments[0].1;
    assert!(
        body.chars().count() < 65_536,
        "{} characters",
        body.chars().count()
    );
    assert!(
        body.chars().count() > 60_000,
        "cut near the limit, not far below"
    );
    assert!(body.starts_with(MARKER), "{}", &body[..200]);
    assert!(
        body.ends_with(
            "characters, over GitHub's limit of 65536: it is cut here. Run `cairn diff origin/main...HEAD` for all of it.*\n"
        ),
        "{}",
        &body[body.len() - 300..]
    );
    let before_note = body.split("\n\n---\n").next().expect("text");
    assert!(before_note.ends_with('|'), "cut at a whole line");
}

#[test]
fn a_shallow_checkout_fails_with_the_fix() {
    let mut pr = Pr::new();
    pr.push(EXP1, &experiment("EXP-0001", "done"));
    let shallow = pr.clone.clone_with(&["--depth", "1"]);
    let shallow_pr = Pr {
        _origin: TestRepo::plain(),
        clone: shallow,
        tools: pr.tools,
    };
    let run = shallow_pr.run(&COMMENT);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.starts_with(
            "::error title=cairn::the checkout is shallow, and cairn reads history (the merge base, the branch's commits, record history); give actions/checkout `fetch-depth: 0`\n"
        ),
        "{}",
        run.stdout
    );
    assert!(shallow_pr.calls().is_empty());
}

#[test]
fn fail_on_decides_which_findings_fail_the_step() {
    let mut pr = Pr::new();
    // An error (done without outcome) on the branch.
    pr.push(
        EXP1,
        &experiment("EXP-0001", "done").replace("outcome: supported\n", ""),
    );
    let errors = pr.run(&[]);
    assert_eq!(errors.code, 1, "{}", errors.stdout);
    assert!(
        errors.stdout.contains(&format!(
            "::error file={EXP1},line=4,title=schema/missing-field::"
        )),
        "{}",
        errors.stdout
    );
    assert!(
        !errors.summary.is_empty(),
        "the summary is written even when validate fails"
    );
    assert_eq!(pr.run(&[("INPUT_FAIL_ON", "never")]).code, 0);

    // Only a warning (an unknown field): fails with fail-on: warnings alone.
    let mut pr = Pr::new();
    pr.push(
        EXP1,
        &experiment("EXP-0001", "running").replace("hypothesis:", "hypothesys: typo\nhypothesis:"),
    );
    let warned = pr.run(&[]);
    assert_eq!(warned.code, 0, "{}", warned.stdout);
    assert!(
        warned.stdout.contains("::warning file="),
        "{}",
        warned.stdout
    );
    let strict = pr.run(&[("INPUT_FAIL_ON", "warnings")]);
    assert_eq!(strict.code, 1, "{}", strict.stdout);
    assert!(strict.stdout.contains("--strict"), "{}", strict.stdout);
}

#[test]
fn inputs_choose_base_paths_config_and_summary() {
    let mut pr = Pr::new();
    pr.push(EXP1, &experiment("EXP-0001", "done"));
    let run = pr.run(&[
        ("INPUT_BASE", "HEAD~1"),
        ("INPUT_NEW", "false"),
        ("INPUT_PATHS", "research/experiments\nresearch/scopes"),
        ("INPUT_SUMMARY", "false"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "::group::cairn validate --format github --base HEAD~1 research/experiments research/scopes\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(run.summary, "", "summary: false writes no job summary");
    assert!(pr.calls().is_empty(), "comment defaults to false");

    let missing = pr.run(&[("INPUT_CONFIG", "nope.yaml")]);
    assert_eq!(missing.code, 2, "{}", missing.stdout);
    assert!(missing.stdout.contains("nope.yaml"), "{}", missing.stdout);
}

#[test]
fn bad_inputs_and_a_missing_base_are_told_in_one_line() {
    let pr = Pr::new();
    for (input, value, message) in [
        (
            "INPUT_FAIL_ON",
            "sometimes",
            "fail-on must be errors, warnings or never, not `sometimes`",
        ),
        (
            "INPUT_COMMENT",
            "maybe",
            "expected true or false, got `maybe`",
        ),
        (
            "INPUT_NEW",
            "yes please",
            "new must be auto, true or false, not `yes please`",
        ),
        (
            "INPUT_BASE",
            "origin/nope",
            "the base `origin/nope` is not a revision in this checkout",
        ),
        (
            "CAIRN_PR_NUMBER",
            "",
            "the pull_request event gave no pull request number (CAIRN_PR_NUMBER is ``); run this script through action.yml",
        ),
        (
            "CAIRN_PR_BASE",
            "",
            "the pull_request event gave no target branch (CAIRN_PR_BASE); set the `base` input",
        ),
    ] {
        let run = pr.run(&[(input, value)]);
        assert_eq!(run.code, 2, "{input}: {}", run.stdout);
        assert!(
            run.stdout
                .starts_with(&format!("::error title=cairn::{message}")),
            "{input}: {}",
            run.stdout
        );
    }
}

#[test]
fn on_a_push_it_validates_without_history_rules_and_never_comments() {
    let mut pr = Pr::new();
    pr.push(EXP1, &experiment("EXP-0001", "done"));
    let run = pr.run_as("push", &COMMENT, &cairn_bin());
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("::group::cairn validate --format github\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("not a pull request (push); no comment"));
    assert!(!run.summary.is_empty());
    assert_eq!(pr.calls(), Vec::<String>::new());
}
