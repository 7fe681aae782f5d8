//! `cairn list`: filters, sorting, the three formats, `--rev`, and errors.

use crate::support::{Run, TestRepo, decision, experiment, scope};

const EXP: &str = "research/experiments";

fn log() -> TestRepo {
    let repo = TestRepo::new();
    let exp = |id: &str, status: &str, extra: &str| {
        experiment(id, status).replace("hypothesis:", &format!("{extra}hypothesis:"))
    };
    repo.write(
        &format!("{EXP}/EXP-0001-mfcc.md"),
        exp("EXP-0001", "done", "tags: [audio, baseline]\n")
            .replace("recall: 0.81", "recall: 0.71"),
    )
    .write(
        &format!("{EXP}/EXP-0002-mel.md"),
        exp("EXP-0002", "done", "tags: [audio]\n")
            .replace("recall: 0.81", "recall: 0.84")
            .replace("created: 2024-03-01", "created: 2024-03-20"),
    )
    .write(
        &format!("{EXP}/EXP-0010-pcen.md"),
        exp("EXP-0010", "running", "tags: [audio, noise]\n").replace(
            "title: Experiment EXP-0010",
            "title: PCEN for rain and wind on the long overnight recordings from all four sites",
        ),
    )
    .write(
        "research/scopes/SCOPE-0001-birds.md",
        scope("SCOPE-0001", "agreed"),
    )
    .write(
        "research/decisions/DEC-0001-mel.md",
        decision("DEC-0001", "accepted"),
    );
    repo
}

fn list(repo: &TestRepo, args: &[&str]) -> Run {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    let run = repo.run(&all);
    run.assert_no_panic();
    run
}

fn ids(run: &Run) -> Vec<String> {
    assert_eq!(run.code, 0, "{}", run.render());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    doc["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn the_table_lists_every_record_by_id() {
    let run = list(&log(), &[]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.render());
}

#[test]
fn the_table_is_cut_to_columns() {
    let repo = log();
    let run = repo
        .cairn_cmd(&["list"])
        .env("COLUMNS", "72")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(stdout.lines().all(|l| l.chars().count() <= 72), "{stdout}");
    assert!(stdout.contains('…'));
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_and_paths() {
    let repo = log();
    let json = list(
        &repo,
        &[
            "--format",
            "json",
            "--kind",
            "experiment",
            "--status",
            "done",
        ],
    );
    insta::assert_snapshot!(json.render());
    let paths = list(
        &repo,
        &["--format", "paths", "--tag", "audio", "--sort", "-created"],
    );
    assert_eq!(
        paths.stdout,
        "research/experiments/EXP-0002-mel.md\nresearch/experiments/EXP-0001-mfcc.md\nresearch/experiments/EXP-0010-pcen.md\n"
    );
}

#[test]
fn filters_combine() {
    let repo = log();
    let json = |args: &[&str]| {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        ids(&list(&repo, &all))
    };
    assert_eq!(
        json(&["--kind", "scope", "--kind", "decision"]),
        ["DEC-0001", "SCOPE-0001"]
    );
    assert_eq!(json(&["--tag", "audio", "--tag", "baseline"]), ["EXP-0001"]);
    assert_eq!(json(&["--where", "metrics.recall>0.8"]), ["EXP-0002"]);
    assert_eq!(json(&["--where", "metrics.recall<=0.71"]), ["EXP-0001"]);
    assert_eq!(json(&["--where", "created>=2024-03-15"]), ["EXP-0002"]);
    assert_eq!(
        json(&[
            "--where",
            "outcome=supported",
            "--where",
            "metrics.recall<0.8"
        ]),
        ["EXP-0001"]
    );
    // A record without the field never matches, even `!=`.
    assert_eq!(
        json(&["--where", "outcome!=refuted"]),
        ["EXP-0001", "EXP-0002"]
    );
    assert_eq!(json(&["--where", "tags=noise"]), ["EXP-0010"]);
    assert_eq!(json(&["--where", "owner=Ada Park"]), ["SCOPE-0001"]);
    assert_eq!(
        json(&["--sort", "-metrics.recall"]),
        ["EXP-0002", "EXP-0001", "DEC-0001", "EXP-0010", "SCOPE-0001"]
    );
    assert_eq!(
        json(&["--sort", "kind"]),
        ["DEC-0001", "EXP-0001", "EXP-0002", "EXP-0010", "SCOPE-0001"]
    );
}

#[test]
fn nothing_matching_is_not_an_error() {
    let run = list(&log(), &["--status", "abandoned"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.render());
}

#[test]
fn a_malformed_condition_shows_the_forms() {
    let repo = log();
    let run = list(&repo, &["--where", "metrics.recall>high"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.render());
    for bad in ["status", "=done", "status=", "a!b"] {
        let run = list(&repo, &["--where", bad]);
        assert_eq!(run.code, 2, "{bad}");
        assert!(run.stderr.contains("FIELD=VALUE"), "{bad}: {}", run.stderr);
    }
}

#[test]
fn an_unknown_kind_suggests_one() {
    let run = list(&log(), &["--kind", "experiments"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.render());
}

#[test]
fn a_revision_lists_what_was_committed() {
    let mut repo = log();
    repo.commit("records");
    repo.remove("research/decisions/DEC-0001-mel.md");
    repo.write(
        &format!("{EXP}/EXP-0011-new.md"),
        experiment("EXP-0011", "planned"),
    );
    let now = ids(&list(&repo, &["--format", "json"]));
    assert!(now.contains(&"EXP-0011".to_string()) && !now.contains(&"DEC-0001".to_string()));
    let then = ids(&list(&repo, &["--format", "json", "--rev", "HEAD"]));
    assert_eq!(
        then,
        ["DEC-0001", "EXP-0001", "EXP-0002", "EXP-0010", "SCOPE-0001"]
    );
    let unknown = list(&repo, &["--rev", "nope"]);
    assert_eq!(unknown.code, 2);
    insta::assert_snapshot!(unknown.render());
}

#[test]
fn rev_outside_git_exits_2() {
    let repo = TestRepo::plain();
    repo.write(
        &format!("{EXP}/EXP-0001-a.md"),
        experiment("EXP-0001", "running"),
    );
    let run = list(&repo, &["--rev", "HEAD"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
}

#[test]
fn statuses_fields_and_operators_are_checked_as_validate_does() {
    let repo = log();
    for (args, wanted) in [
        (
            vec!["--status", "runing"],
            "cairn: error: unknown status `runing`; did you mean `running`? the statuses are:",
        ),
        (
            vec!["--kind", "decision", "--status", "running"],
            "cairn: error: unknown status `running`; the statuses are: accepted, deprecated, proposed, rejected, superseded\n",
        ),
        (
            vec!["--where", "recall>0.5"],
            "cairn: error: no record has a field `recall`, and the schema does not define one;",
        ),
        (
            vec!["--where", "metrcs.recall>0.5"],
            "did you mean `metrics`?",
        ),
        (
            vec!["--where", "metrics.recall=>0.5"],
            "malformed condition `metrics.recall=>0.5`: `=>` is not a comparison; did you mean `>=`?",
        ),
    ] {
        let run = list(&repo, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.render());
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.contains(wanted), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
    // A known status that no record has yet, and a field some record has.
    assert_eq!(list(&repo, &["--status", "abandoned"]).code, 0);
    assert_eq!(
        ids(&list(&repo, &["--where", "tags=noise", "--format", "json"])),
        ["EXP-0010"]
    );
}

#[test]
fn records_in_nested_folders_are_listed_and_git_folders_skipped() {
    let repo = log();
    repo.write(
        &format!("{EXP}/2024/q1/EXP-0020-deep.md"),
        experiment("EXP-0020", "planned"),
    )
    // A repository kept inside a kind folder (a submodule, a vendored
    // copy): its `.git` is never read, whatever it holds.
    .write(
        &format!("{EXP}/vendored/.git/EXP-0030-hidden.md"),
        experiment("EXP-0030", "planned"),
    )
    .write(&format!("{EXP}/2024/notes.txt"), "not a record\n");
    let run = list(&repo, &["--format", "paths"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .contains("research/experiments/2024/q1/EXP-0020-deep.md"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("hidden") && !run.stdout.contains("notes"),
        "{}",
        run.stdout
    );
    // The same with and without the caches, twice.
    for _ in 0..2 {
        assert_eq!(list(&repo, &["--format", "paths"]).stdout, run.stdout);
        assert_eq!(
            list(&repo, &["--format", "paths", "--no-cache"]).stdout,
            run.stdout
        );
    }
}
