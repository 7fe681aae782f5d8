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

const EXP2: &str = "research/experiments/EXP-0002-cnn.md";

#[test]
fn a_branch_may_start_and_finish_an_experiment_in_separate_commits() {
    let mut repo = branched();
    repo.write(EXP2, experiment("EXP-0002", "planned"));
    repo.commit("plan EXP-0002");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.write(EXP2, experiment("EXP-0002", "planned"));
    repo.commit("plan EXP-0002 on main's side");
    repo.git(&["checkout", "-q", "work"]);
    repo.git(&["branch", "-q", "-f", "main", "work"]);
    // main now holds EXP-0002 planned; a branch moves it in two commits.
    repo.git(&["checkout", "-q", "-b", "finish", "main"]);
    repo.write(EXP2, experiment("EXP-0002", "running"));
    repo.commit("start EXP-0002");
    repo.write(EXP2, experiment("EXP-0002", "done"));
    repo.commit("finish EXP-0002");
    let run = repo.cairn(&["validate", "--base", "main", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(codes(&run), vec![]);
    // Compared only end to end, planned → done is not a move the kind allows.
    let squashed = repo.cairn(&["diff", "main...HEAD", "--format", "json"]);
    assert!(
        squashed.stdout.contains("\"old\": \"planned\""),
        "{}",
        squashed.stdout
    );
}

#[test]
fn the_last_step_may_be_in_the_working_tree() {
    let mut repo = branched();
    repo.write(EXP2, experiment("EXP-0002", "planned"));
    repo.commit("plan EXP-0002");
    repo.git(&["branch", "-q", "-f", "main", "HEAD"]);
    repo.write(EXP2, experiment("EXP-0002", "running"));
    repo.commit("start EXP-0002");
    repo.write(EXP2, experiment("EXP-0002", "done"));
    let run = repo.cairn(&["validate", "--base", "main"]);
    assert_eq!(run.code, 0, "{}", run.render());
    // Staged, the index is the last step; a step back to planned is not allowed.
    repo.write(EXP2, experiment("EXP-0002", "abandoned"));
    repo.git(&["add", "-A"]);
    repo.write(EXP2, experiment("EXP-0002", "done"));
    let run = repo.cairn(&["validate", "--base", "main", "--cached"]);
    assert_eq!(run.code, 0, "{}", run.render());
    repo.write(EXP2, experiment("EXP-0002", "planned"));
    repo.commit("abandon");
    repo.write(EXP2, experiment("EXP-0002", "done"));
    let run = repo.cairn(&["validate", "--base", "main", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.render());
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let messages: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["message"].as_str().unwrap_or_default())
        .collect();
    // The committed step back and the step in the working tree, each once.
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].ends_with("(abandon): status moved from running to planned, which the experiment kind does not allow; from running an experiment may move to done, abandoned"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("status moved from planned to done"),
        "{messages:?}"
    );
    assert!(v["diagnostics"][0].get("commit").is_some());
    assert!(v["diagnostics"][1].get("commit").is_none());
}

#[test]
fn a_forbidden_step_names_its_commit() {
    let mut repo = branched();
    repo.write(
        DEC1,
        decision("DEC-0001", "accepted").replace("status: accepted", "status: proposed"),
    );
    let reopened = repo.commit("reopen the decision");
    repo.write(DEC1, decision("DEC-0001", "accepted"));
    repo.commit("accept it again");
    // End to end nothing changed; the step in between is still reported.
    let run = repo.cairn(&["validate", "--base", "main", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.render());
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let found = &v["diagnostics"][0];
    assert_eq!(found["code"], "history/transition");
    assert_eq!(found["line"], 4);
    assert_eq!(found["commit"], reopened.as_str());
    let text = repo.cairn(&["validate", "--base", "main"]);
    assert!(
        text.stdout.contains(&format!(
            "in commit {} (reopen the decision): status moved from accepted to proposed",
            &reopened[..7]
        )),
        "{}",
        text.stdout
    );
}

/// A finding made in an earlier commit sits on the line its field has in
/// the checked snapshot, also when a later commit or the working tree
/// moved it.
#[test]
fn a_commits_finding_sits_where_its_field_is_now() {
    let mut repo = branched();
    let reopened_text =
        decision("DEC-0001", "accepted").replace("status: accepted", "status: proposed");
    repo.write(DEC1, &reopened_text);
    let reopened = repo.commit("reopen the decision");
    repo.write(
        DEC1,
        reopened_text.replace("title:", "tags: [audio]\ntitle:"),
    );
    repo.commit("tag it");
    let line_of_status = |repo: &TestRepo, args: &[&str]| {
        let run = repo.cairn(args);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        let found = v["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .find(|d| d["commit"] == reopened.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("no finding of the reopening commit: {}", run.render()));
        assert_eq!(found["code"], "history/transition");
        found["line"].as_u64().expect("a line")
    };
    assert_eq!(
        line_of_status(&repo, &["validate", "--base", "main", "--format", "json"]),
        5
    );
    assert_eq!(
        line_of_status(
            &repo,
            &[
                "validate", "--rev", "HEAD", "--base", "main", "--format", "json"
            ]
        ),
        5
    );
    // The working tree moves it once more.
    repo.write(
        DEC1,
        reopened_text.replace("title:", "tags: [audio]\nauthors: [Ana]\ntitle:"),
    );
    assert_eq!(
        line_of_status(&repo, &["validate", "--base", "main", "--format", "json"]),
        6
    );
}

/// `main` holds an old record that breaks a rule (a missing hypothesis)
/// and an old dangling link; a branch edits it above the finding and adds
/// a record with a problem of its own.
#[test]
fn new_reports_only_what_the_branch_introduced() {
    let mut repo = TestRepo::new();
    let old = experiment("EXP-0001", "running")
        .replace("hypothesis: mel features beat MFCC\n", "")
        .replace("## Setup\n", "## Setup\n\nSee [notes](notes.md).\n");
    repo.write(EXP1, &old);
    repo.write(DEC1, decision("DEC-0001", "accepted"));
    repo.commit("old log");
    repo.git(&["checkout", "-q", "-b", "work"]);
    // An edit above both old findings moves their lines.
    repo.write(EXP1, old.replace("title:", "tags: [audio]\ntitle:"));
    repo.write(
        EXP2,
        experiment("EXP-0002", "running").replace("status: running", "status: runing"),
    );
    repo.commit("tag EXP-0001, add EXP-0002");
    let all = repo.cairn(&["validate", "--base", "main"]);
    assert_eq!(all.code, 1);
    assert!(all.stdout.contains("2 errors, 1 warning"), "{}", all.stdout);
    let run = repo.cairn(&["validate", "--base", "main", "--new"]);
    assert_eq!(run.code, 1, "{}", run.render());
    insta::assert_snapshot!(run.render());
    let json = repo.cairn(&["validate", "--base", "main", "--new", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["left_out"], 2);
    assert_eq!(v["errors"], 1);
    // Fixing the new problem leaves only old findings: exit 0.
    repo.write(EXP2, experiment("EXP-0002", "running"));
    repo.commit("fix the status");
    let run = repo.cairn(&["validate", "--base", "main", "--new"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .contains("0 errors, 0 warnings in 3 records; 2 old findings left out (they were at the merge base already)"),
        "{}",
        run.stdout
    );
    // A second, new finding of the same code in the old record is new.
    repo.write(
        EXP1,
        old.replace("## Setup\n", "## Setup\n\nAnd [more](more.md).\n"),
    );
    let run = repo.cairn(&["validate", "--base", "main", "--new", "--format", "json"]);
    assert_eq!(
        codes(&run),
        vec![("link/broken".to_string(), EXP1.to_string(), 12)]
    );
    assert_eq!(run.code, 0, "warnings alone do not fail");
    // History findings are always new.
    repo.write(
        DEC1,
        decision("DEC-0001", "accepted").replace("status: accepted", "status: proposed"),
    );
    let run = repo.cairn(&["validate", "--base", "main", "--new", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("history/transition"));
}

#[test]
fn new_needs_base() {
    let repo = TestRepo::new();
    let run = repo.cairn(&["validate", "--new"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--base"), "{}", run.stderr);
}
