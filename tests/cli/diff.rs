//! `cairn diff`: revision forms, renames and moves by id, broken records,
//! merges, divergent branches, shallow clones, empty repositories, detached
//! HEADs, linked worktrees, the three formats and the exit code.

use crate::support::{TestRepo, assert_shallow_advice, decision, experiment};

const EXP1: &str = "research/experiments/EXP-0001-mel.md";
const DEC1: &str = "research/decisions/DEC-0001-mel.md";

/// A repository with one experiment and one decision, committed.
fn base() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(EXP1, experiment("EXP-0001", "running"));
    repo.write(DEC1, decision("DEC-0001", "proposed"));
    repo.write("src/model.py", "print('model')\n");
    repo.commit("start");
    repo
}

fn done_with_recall(recall: &str) -> String {
    experiment("EXP-0001", "done").replace("recall: 0.81", &format!("recall: {recall}"))
}

#[test]
fn nothing_changed_in_every_format() {
    let repo = base();
    let text = repo.cairn(&["diff"]);
    insta::assert_snapshot!(text.render());
    let md = repo.cairn(&["diff", "--format", "markdown"]);
    assert!(md.stdout.starts_with("<!-- cairn:diff -->\n"));
    assert!(md.stdout.contains("No research records changed."));
    let json = repo.cairn(&["diff", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["summary"], "No research records changed.");
    assert_eq!(v["changes"].as_array().map(Vec::len), Some(0));
}

#[test]
fn worktree_edit_with_metric_deltas() {
    let mut repo = base();
    repo.write(EXP1, experiment("EXP-0001", "done"));
    repo.commit("done");
    repo.write(
        EXP1,
        done_with_recall("0.84").replace("precision: 0.7", "precision: 0.65"),
    );
    let run = repo.cairn(&["diff"]);
    insta::assert_snapshot!(run.render());
    assert!(run.stdout.contains("metrics.recall: 0.81 → 0.84 (+0.03)"));
    assert!(run.stdout.contains("metrics.precision: 0.7 → 0.65 (-0.05)"));
}

#[test]
fn rename_with_edits_is_one_change() {
    let mut repo = base();
    repo.remove(EXP1);
    repo.write(
        "research/experiments/EXP-0001-mel-features.md",
        experiment("EXP-0001", "running").replace("2,000 clips", "4,000 clips"),
    );
    repo.commit("rename");
    let run = repo.cairn(&["diff", "HEAD~1", "HEAD"]);
    insta::assert_snapshot!(run.render());
    assert!(run.stdout.starts_with("renamed EXP-0001 research/experiments/EXP-0001-mel.md → research/experiments/EXP-0001-mel-features.md"));
}

#[test]
fn move_between_folders() {
    let mut repo = base();
    let text = repo.read(EXP1);
    repo.remove(EXP1);
    repo.write("research/experiments/2024/EXP-0001-mel.md", text);
    repo.commit("move");
    let run = repo.cairn(&["diff", "HEAD~1..HEAD"]);
    insta::assert_snapshot!(run.render());
}

#[test]
fn deletion() {
    let mut repo = base();
    repo.remove(DEC1);
    repo.commit("drop");
    let run = repo.cairn(&["diff", "HEAD~1", "HEAD"]);
    insta::assert_snapshot!(run.render());
}

#[test]
fn record_broken_on_one_side() {
    let mut repo = base();
    repo.write(EXP1, "---\nid: EXP-0001\ntitle: [unclosed\n---\n");
    repo.commit("break");
    let run = repo.cairn(&["diff", "HEAD~1", "HEAD"]);
    insta::assert_snapshot!(run.render());
    let back = repo.cairn(&["diff", "HEAD", "HEAD~1"]);
    assert!(
        back.stdout.contains("broken on the old side"),
        "{}",
        back.stdout
    );
}

#[test]
fn across_a_merge_commit() {
    let mut repo = base();
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(
        "research/decisions/DEC-0002-raw.md",
        decision("DEC-0002", "proposed"),
    );
    repo.commit("topic adds a decision");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(EXP1, experiment("EXP-0001", "abandoned"));
    repo.commit("main abandons the experiment");
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge topic", "topic"]);
    // First parent: what the merge brought in.
    let run = repo.cairn(&["diff", "HEAD^1", "HEAD"]);
    insta::assert_snapshot!("merge_first_parent", run.render());
    // Second parent: what main did meanwhile.
    let run = repo.cairn(&["diff", "HEAD^2", "HEAD"]);
    insta::assert_snapshot!("merge_second_parent", run.render());
}

#[test]
fn three_dots_compare_from_the_merge_base() {
    let mut repo = base();
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(DEC1, decision("DEC-0001", "accepted"));
    repo.commit("accept");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(EXP1, experiment("EXP-0001", "abandoned"));
    repo.commit("main moves on");
    let run = repo.cairn(&["diff", "main...topic"]);
    insta::assert_snapshot!(run.render());
    assert!(!run.stdout.contains("EXP-0001"), "{}", run.stdout);
    // Two dots compare the tips: main's change shows, reversed.
    let two = repo.cairn(&["diff", "main..topic"]);
    assert!(two.stdout.contains("EXP-0001"), "{}", two.stdout);
    let json = repo.cairn(&["diff", "main...topic", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["from"], "main...topic");
    assert_eq!(v["to"], "topic");
    let base = repo.git(&["merge-base", "main", "topic"]);
    assert_eq!(v["from_commit"], base.trim());
}

#[test]
fn cached_compares_with_the_index() {
    let repo = base();
    repo.write(DEC1, decision("DEC-0001", "accepted"));
    repo.git(&["add", DEC1]);
    repo.write(EXP1, experiment("EXP-0001", "abandoned")); // not staged
    let run = repo.cairn(&["diff", "--cached"]);
    insta::assert_snapshot!(run.render());
    assert!(!run.stdout.contains("EXP-0001"));
    let all = repo.cairn(&["diff"]);
    assert!(all.stdout.contains("EXP-0001") && all.stdout.contains("DEC-0001"));
    let bad = repo.cairn(&["diff", "--cached", "HEAD", "HEAD"]);
    assert_eq!(bad.code, 2, "{}", bad.render());
}

#[test]
fn governing_records_of_changed_code() {
    let mut repo = base();
    repo.write(
        "research/decisions/DEC-0002-features.md",
        decision("DEC-0002", "accepted").replace(
            "created: 2024-03-01\n",
            "created: 2024-03-01\ncovers: [\"src/features/**\"]\n",
        ),
    );
    repo.commit("decide");
    repo.write("src/features/mel.py", "def mel(): pass\n");
    repo.write("src/model.py", "print('other')\n");
    repo.commit("code");
    let run = repo.cairn(&["diff", "HEAD~1", "HEAD"]);
    insta::assert_snapshot!(run.render());
    assert!(run.stdout.contains("src/features/mel.py"));
    let md = repo.cairn(&["diff", "HEAD~1", "HEAD", "--format", "markdown"]);
    insta::assert_snapshot!("governing_markdown", md.stdout);
    // Uncommitted code counts too.
    repo.write("src/features/mfcc.py", "def mfcc(): pass\n");
    let wt = repo.cairn(&["diff", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&wt.stdout).expect("json");
    assert_eq!(v["governing"][0]["id"], "DEC-0002");
    assert_eq!(v["governing"][0]["files"][0], "src/features/mfcc.py");
}

#[test]
fn markdown_escapes_user_text() {
    let mut repo = base();
    let hostile = experiment("EXP-0001", "running")
        .replace(
            "title: Experiment EXP-0001",
            "title: \"<script>alert(1)</script> a | b\"",
        )
        .replace(
            "Logistic regression on 2,000 clips.",
            "````\n</details>\n```\nRun `make` then ``x``.",
        );
    repo.write(EXP1, hostile);
    repo.commit("hostile");
    let run = repo.cairn(&["diff", "HEAD~1", "HEAD", "--format", "markdown"]);
    insta::assert_snapshot!(run.stdout);
    assert!(run.stdout.starts_with("<!-- cairn:diff -->\n"));
    assert!(!run.stdout.contains("<script>"));
    assert!(run.stdout.contains("&lt;script&gt;"));
    assert!(run.stdout.contains("a \\| b"));
    // The fence is longer than the longest backtick run inside (4).
    assert!(run.stdout.contains("`````diff\n"));
}

#[test]
fn markdown_stays_under_the_comment_limit() {
    let mut repo = TestRepo::new();
    let long: String = (0..40)
        .map(|i| format!("Line {i} of a long setup that explains the data in detail.\n"))
        .collect();
    for i in 1..=400 {
        let id = format!("EXP-{i:04}");
        repo.write(
            &format!("research/experiments/{id}-x.md"),
            experiment(&id, "running"),
        );
    }
    repo.commit("many");
    for i in 1..=400 {
        let id = format!("EXP-{i:04}");
        repo.write(
            &format!("research/experiments/{id}-x.md"),
            experiment(&id, "running")
                .replace(
                    &format!("title: Experiment {id}"),
                    &format!("title: Experiment {id} {}", "with a long title ".repeat(8)),
                )
                .replace("Logistic regression on 2,000 clips.\n", &long)
                .replace("running", "abandoned"),
        );
    }
    repo.commit("long sections");
    let run = repo.cairn(&["diff", "HEAD~1", "HEAD", "--format", "markdown"]);
    assert_eq!(run.code, 0);
    let len = run.stdout.len();
    assert!(len < 65_536, "{len}");
    assert!(len > 30_000, "{len}");
    assert!(run.stdout.contains("Section diffs are left out"));
    assert!(run.stdout.contains("rows were left out"));
    assert!(run.stdout.contains("run cairn diff HEAD\\~1 HEAD locally"));
    assert!(run.stdout.contains("400 experiments abandoned"));
}

#[test]
fn exit_code_both_ways() {
    let repo = base();
    assert_eq!(repo.cairn(&["diff", "--exit-code"]).code, 0);
    repo.write(EXP1, experiment("EXP-0001", "abandoned"));
    assert_eq!(repo.cairn(&["diff", "--exit-code"]).code, 1);
    assert_eq!(repo.cairn(&["diff"]).code, 0);
}

#[test]
fn json_shape() {
    let mut repo = base();
    repo.write(EXP1, done_with_recall("0.9"));
    repo.write(
        "research/experiments/EXP-0002-new.md",
        experiment("EXP-0002", "planned"),
    );
    repo.commit("more");
    let run = repo.cairn(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&v),
        [
            "changes",
            "from",
            "from_commit",
            "governing",
            "summary",
            "to",
            "to_commit",
            "version"
        ]
    );
    assert_eq!(v["version"], 1);
    assert_eq!(v["from"], "HEAD~1");
    assert_eq!(v["to"], "HEAD");
    let change = &v["changes"][0];
    assert_eq!(
        keys(change),
        [
            "change",
            "fields",
            "id",
            "kind",
            "new_status",
            "old_path",
            "old_status",
            "path",
            "sections",
            "title"
        ]
    );
    assert_eq!(change["id"], "EXP-0001");
    assert_eq!(change["change"], "modified");
    let metrics = change["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["field"] == "metrics")
        .expect("metrics");
    assert_eq!(keys(metrics), ["field", "new", "old"]);
    assert_eq!(metrics["old"], serde_json::Value::Null);
    assert_eq!(metrics["new"]["recall"], 0.9);
    let sections = change["sections"].as_array().expect("sections");
    assert_eq!(keys(&sections[0]), ["change", "diff", "section"]);
    assert_eq!(v["changes"][1]["change"], "added");
    let status = v["changes"][0]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["field"] == "status")
        .expect("status");
    assert_eq!(
        (status["old"].clone(), status["new"].clone()),
        ("running".into(), "done".into())
    );
}

#[test]
fn git_trouble_is_one_line_and_exit_2() {
    let plain = TestRepo::plain();
    let run = plain.cairn(&["diff"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not inside a git repository"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1);

    let empty = TestRepo::new();
    let run = empty.cairn(&["diff"]);
    insta::assert_snapshot!("empty_repository", run.render());

    let repo = base();
    let run = repo.cairn(&["diff", "no-such-branch"]);
    insta::assert_snapshot!("unknown_revision", run.render());
    let run = repo.cairn(&["diff", "HEAD", "HEAD", "HEAD"]);
    assert_eq!(run.code, 2);
}

#[test]
fn shallow_clone_lacking_the_base() {
    let mut origin = base();
    for status in ["abandoned", "planned", "running"] {
        origin.write(EXP1, experiment("EXP-0001", status));
        origin.commit(status);
    }
    let clone = TestRepo::plain();
    let url = format!("file://{}", origin.path().display());
    clone.git(&["clone", "-q", "--depth", "1", &url, "shallow"]);
    let run = clone.cairn(&["-C", "shallow", "diff", "HEAD~3", "HEAD"]);
    insta::assert_snapshot!(run.render());
    assert_shallow_advice(&run);
    let run = clone.cairn(&["-C", "shallow", "diff", "origin/main...HEAD"]);
    assert_eq!(run.code, 0, "{}", run.render());
}

#[test]
fn detached_head() {
    let mut repo = base();
    repo.write(DEC1, decision("DEC-0001", "accepted"));
    repo.commit("accept");
    repo.git(&["checkout", "-q", "--detach", "HEAD~1"]);
    repo.write(EXP1, experiment("EXP-0001", "abandoned"));
    let run = repo.cairn(&["diff"]);
    insta::assert_snapshot!(run.render());
    assert!(!run.stdout.contains("DEC-0001"));
    let run = repo.cairn(&["diff", "HEAD", "main"]);
    assert!(run.stdout.contains("proposed → accepted"), "{}", run.stdout);
}

#[test]
fn linked_worktree() {
    let repo = base();
    repo.git(&["worktree", "add", "-q", "-b", "side", "linked"]);
    repo.write(
        "linked/research/decisions/DEC-0001-mel.md",
        decision("DEC-0001", "rejected"),
    );
    let run = repo.cairn(&["-C", "linked", "diff"]);
    insta::assert_snapshot!(run.render());
    // The main checkout is untouched.
    let main = repo.cairn(&["diff"]);
    assert!(main.stdout.contains("No research records changed."));
}

#[test]
fn a_project_in_a_subfolder_reads_git_paths_from_the_repository_root() {
    let mut repo = TestRepo::new();
    repo.write(
        "proj/.cairn/config.yaml",
        include_str!("../../src/builtin/config.yaml"),
    );
    repo.write(&format!("proj/{EXP1}"), experiment("EXP-0001", "running"));
    repo.write(
        "proj/research/decisions/DEC-0001-mel.md",
        decision("DEC-0001", "accepted").replace(
            "decided: 2024-03-02\n",
            "decided: 2024-03-02\ncovers: [\"src/**\"]\n",
        ),
    );
    repo.write("proj/src/model.py", "print('model')\n");
    repo.commit("start");
    repo.write(&format!("proj/{EXP1}"), done_with_recall("0.84"));
    repo.write("proj/src/model.py", "print('better model')\n");
    repo.commit("finish");

    let diff = repo.cairn(&["-C", "proj", "diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let v: serde_json::Value = serde_json::from_str(&diff.stdout).expect("json");
    assert_eq!(v["changes"][0]["path"], format!("proj/{EXP1}"));
    assert_eq!(v["governing"][0]["id"], "DEC-0001");
    assert_eq!(v["governing"][0]["files"][0], "proj/src/model.py");

    let log = repo.cairn(&["-C", "proj", "log", "EXP-0001", "--format", "json"]);
    assert_eq!(log.code, 0, "{}", log.stderr);
    let v: serde_json::Value = serde_json::from_str(&log.stdout).expect("json");
    assert_eq!(v["entries"].as_array().map(Vec::len), Some(2));

    repo.write(&format!("proj/{EXP1}"), experiment("EXP-0001", "runing"));
    let validate = repo.cairn(&["-C", "proj", "validate", "--format", "json"]);
    assert_eq!(validate.code, 1);
    let v: serde_json::Value = serde_json::from_str(&validate.stdout).expect("json");
    assert_eq!(v["diagnostics"][0]["file"], format!("proj/{EXP1}"));
}
