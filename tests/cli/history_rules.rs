//! `validate --rev`, `--cached` and the history rules of `--base`:
//! transitions, frozen parts, ids changed in place and ids two branches took.

use crate::support::{TestRepo, assert_shallow_advice, decision, experiment};

const DEC1: &str = "research/decisions/DEC-0001-use-mel.md";
const EXP1: &str = "research/experiments/EXP-0001-mel.md";

/// `main` with an accepted decision and a running experiment, and a branch
/// `work` checked out from it.
fn branched() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(DEC1, decision("DEC-0001", "accepted"));
    repo.write(EXP1, experiment("EXP-0001", "running"));
    repo.commit("start the log");
    repo.git(&["checkout", "-q", "-b", "work"]);
    repo
}

fn codes(run: &crate::support::Run) -> Vec<(String, String, u64)> {
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["file"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_status_move_the_kind_does_not_allow() {
    let mut repo = branched();
    repo.write(
        DEC1,
        decision("DEC-0001", "accepted").replace("status: accepted", "status: proposed"),
    );
    repo.commit("reopen the decision");
    let run = repo.cairn(&["validate", "--base", "main"]);
    assert_eq!(run.code, 1, "{}", run.render());
    insta::assert_snapshot!(run.render());
    // Without --base the record itself is valid.
    assert_eq!(repo.cairn(&["validate"]).code, 0);
}

#[test]
fn allowed_moves_pass() {
    let mut repo = branched();
    repo.write(EXP1, experiment("EXP-0001", "done"));
    repo.write(DEC1, decision("DEC-0001", "deprecated"));
    repo.commit("finish");
    let run = repo.cairn(&["validate", "--base", "main", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(codes(&run), vec![]);
}

#[test]
fn a_frozen_section_and_field_of_an_accepted_decision() {
    let repo = branched();
    let edited = decision("DEC-0001", "accepted")
        .replace("\nMel.\n", "\nRaw audio after all.\n")
        .replace("decided: 2024-03-02", "decided: 2024-04-01");
    repo.write(DEC1, edited);
    // The working tree is checked, uncommitted.
    let run = repo.cairn(&["validate", "--base", "main"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.render());
    let json = repo.cairn(&["validate", "--base", "main", "--format", "json"]);
    assert_eq!(
        codes(&json),
        vec![
            ("history/frozen".to_string(), DEC1.to_string(), 7),
            ("history/frozen".to_string(), DEC1.to_string(), 20),
        ]
    );
}

#[test]
fn consequences_of_an_accepted_decision_may_change() {
    let repo = branched();
    repo.write(
        DEC1,
        decision("DEC-0001", "accepted").replace("\nRetrain.\n", "\nRetrain, and re-label.\n"),
    );
    let run = repo.cairn(&["validate", "--base", "main"]);
    assert_eq!(run.code, 0, "{}", run.render());
}

#[test]
fn an_id_changed_in_place() {
    let repo = branched();
    repo.write(EXP1, experiment("EXP-0007", "running"));
    let run = repo.cairn(&["validate", "--base", "main", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        codes(&run),
        vec![("history/id-changed".to_string(), EXP1.to_string(), 2)]
    );
    assert!(
        run.stdout.contains("had the id `EXP-0001`"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_id_both_branches_took() {
    let mut repo = branched();
    repo.write(
        "research/experiments/EXP-0002-ours.md",
        experiment("EXP-0002", "planned"),
    );
    repo.commit("our experiment");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        "research/experiments/EXP-0002-theirs.md",
        experiment("EXP-0002", "planned"),
    );
    repo.commit("their experiment");
    repo.git(&["checkout", "-q", "work"]);
    let run = repo.cairn(&["validate", "--base", "main"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.render());
    let github = repo.cairn(&["validate", "--base", "main", "--format", "github"]);
    assert!(
        github.stdout.starts_with(
            "::error file=research/experiments/EXP-0002-ours.md,line=2,title=history/id-collision::"
        ),
        "{}",
        github.stdout
    );
}

#[test]
fn rev_validates_a_revision_without_checking_it_out() {
    let mut repo = branched();
    repo.write(EXP1, experiment("EXP-0001", "runing"));
    repo.commit("typo");
    repo.write(EXP1, experiment("EXP-0001", "running"));
    assert_eq!(repo.cairn(&["validate"]).code, 0);
    let run = repo.cairn(&["validate", "--rev", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        codes(&run),
        vec![("schema/enum".to_string(), EXP1.to_string(), 4)]
    );
    let earlier = repo.cairn(&["validate", "--rev", "HEAD~1"]);
    assert_eq!(earlier.code, 0, "{}", earlier.render());
    // The working tree was not touched.
    assert!(repo.read(EXP1).contains("status: running"));
}

#[test]
fn cached_validates_what_would_be_committed() {
    let repo = branched();
    repo.write(
        EXP1,
        experiment("EXP-0001", "done").replace("outcome: supported\n", ""),
    );
    repo.git(&["add", EXP1]);
    repo.write(EXP1, experiment("EXP-0001", "running"));
    assert_eq!(repo.cairn(&["validate"]).code, 0);
    let run = repo.cairn(&["validate", "--cached", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        codes(&run),
        vec![("schema/missing-field".to_string(), EXP1.to_string(), 4)]
    );
}

#[test]
fn base_needs_the_history_it_compares_with() {
    let mut repo = branched();
    repo.write(EXP1, experiment("EXP-0001", "done"));
    repo.commit("finish");
    let unknown = repo.cairn(&["validate", "--base", "nope"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown revision `nope`"),
        "{}",
        unknown.stderr
    );

    let clone = repo.clone_with(&["--depth", "1", "--branch", "work"]);
    assert_shallow_advice(&clone.cairn(&["validate", "--base", "HEAD~1"]));
}

#[test]
fn a_partial_clone_missing_blobs_says_so() {
    let mut repo = branched();
    repo.write(EXP1, experiment("EXP-0001", "done"));
    repo.commit("finish");
    repo.git(&["config", "uploadpack.allowfilter", "true"]);
    let clone = repo.clone_with(&["--no-checkout", "--filter=blob:none", "--branch", "work"]);
    // The tip's blobs were never fetched: cairn reads git's object
    // database without fetching, so it must say what is missing.
    let run = clone.cairn(&["validate", "--rev", "HEAD~1"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(run.stderr.contains("partial clone"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}
