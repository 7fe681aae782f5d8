//! `cairn init` and `cairn new`: what they write, the ids they pick, and
//! that they never overwrite or half-write anything.

use std::process::Stdio;

use crate::support::{TestRepo, decision, experiment};

const EXP: &str = "research/experiments";
const DEC: &str = "research/decisions";

#[test]
fn init_writes_the_builtin_config_and_the_folders() {
    let repo = TestRepo::new();
    let run = repo.run(&["init"]);
    assert_eq!(run.code, 0, "{}", run.render());
    insta::assert_snapshot!(run.render());
    assert_eq!(repo.read(".cairn/config.yaml"), cairn::config::BUILTIN);
    for dir in [EXP, "research/scopes", DEC] {
        assert!(repo.path().join(dir).is_dir(), "{dir}");
    }
    // The written schema is the one in force: a new record validates clean.
    assert_eq!(repo.run(&["new", "scope", "Bird calls"]).code, 0);
}

#[test]
fn a_second_init_refuses_and_changes_nothing() {
    let repo = TestRepo::new();
    assert_eq!(repo.run(&["init"]).code, 0);
    repo.write(
        ".cairn/config.yaml",
        "# edited\nversion: 1\nkinds: {note: {dir: notes}}\n",
    );
    let before = repo.read_bytes(".cairn/config.yaml");
    let run = repo.run(&["init"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(run.render());
    assert_eq!(repo.read_bytes(".cairn/config.yaml"), before);
}

#[test]
fn the_example_config_is_the_builtin_one() {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/.cairn/config.yaml"
    ))
    .expect("examples/.cairn/config.yaml");
    assert!(
        example == cairn::config::BUILTIN,
        "examples/.cairn/config.yaml differs from src/builtin/config.yaml; copy it over"
    );
}

/// A git repository with a user name and one commit.
fn git_log() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.git(&["config", "user.name", "Grace Hopper"]);
    repo.write("README.md", "# Birds\n");
    repo.commit("start");
    repo
}

#[test]
fn new_prints_the_path_and_writes_a_valid_record() {
    let repo = git_log();
    let run = repo.run(&[
        "new",
        "experiment",
        "Mel features: better?",
        "--date",
        "2024-03-05",
    ]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(
        run.stdout,
        "research/experiments/EXP-0001-mel-features-better.md\n"
    );
    let text = repo.read("research/experiments/EXP-0001-mel-features-better.md");
    assert!(
        text.contains("\ntitle: 'Mel features: better?'\n"),
        "{text}"
    );
    assert!(text.contains("\ncreated: 2024-03-05\n"), "{text}");
    assert!(text.contains("\nauthors: [Grace Hopper]\n"), "{text}");
    insta::assert_snapshot!(text);
    let check = repo.run(&["validate"]);
    assert_eq!(check.code, 0, "{}", check.render());
    assert_eq!(check.stdout, "0 errors, 0 warnings in 1 record\n");
}

#[test]
fn new_without_a_date_writes_today() {
    let repo = git_log();
    let run = repo.run(&["new", "decision", "Use PCEN"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let text = repo.read(run.stdout.trim());
    let created = text
        .lines()
        .find_map(|l| l.strip_prefix("created: "))
        .expect("a created line");
    assert!(cairn::calendar::is_date(created), "{created}");
}

#[test]
fn a_bad_date_is_a_usage_error() {
    let repo = git_log();
    let run = repo.run(&["new", "experiment", "x", "--date", "2024-02-30"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.render());
    assert!(!repo.path().join(EXP).exists());
}

#[test]
fn new_paths_are_relative_to_where_cairn_runs() {
    let repo = git_log();
    std::fs::create_dir_all(repo.path().join(EXP)).expect("mkdir");
    let run = repo.run(&["-C", EXP, "new", "experiment", "Inside"]);
    assert_eq!(run.stdout, "EXP-0001-inside.md\n", "{}", run.render());
}

#[test]
fn ids_continue_from_the_highest_across_gaps() {
    let repo = git_log();
    repo.write(
        &format!("{EXP}/EXP-0001-a.md"),
        experiment("EXP-0001", "running"),
    )
    .write(
        &format!("{EXP}/EXP-0003-c.md"),
        experiment("EXP-0003", "running"),
    )
    // A broken file still holds its number.
    .write(&format!("{EXP}/EXP-0005-broken.md"), "no front matter\n")
    // Other kinds do not count.
    .write(
        &format!("{DEC}/DEC-0009-x.md"),
        decision("DEC-0009", "proposed"),
    );
    let run = repo.run(&["new", "experiment", "Next"]);
    assert_eq!(
        run.stdout,
        "research/experiments/EXP-0006-next.md\n",
        "{}",
        run.render()
    );
    let run = repo.run(&["new", "decision", "Next"]);
    assert_eq!(run.stdout, "research/decisions/DEC-0010-next.md\n");
}

#[test]
fn ids_on_another_local_branch_are_taken() {
    let mut repo = git_log();
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.write(
        &format!("{EXP}/EXP-0007-other.md"),
        experiment("EXP-0007", "running"),
    );
    repo.commit("other work");
    repo.git(&["checkout", "-q", "main"]);
    assert!(!repo.path().join(EXP).join("EXP-0007-other.md").exists());
    let run = repo.run(&["new", "experiment", "Mine"]);
    assert_eq!(
        run.stdout,
        "research/experiments/EXP-0008-mine.md\n",
        "{}",
        run.render()
    );
}

#[test]
fn ids_on_a_remote_tracking_branch_are_taken() {
    let mut origin = git_log();
    origin.git(&["checkout", "-q", "-b", "feature"]);
    origin.write(
        &format!("{EXP}/EXP-0012-remote.md"),
        experiment("EXP-0012", "running"),
    );
    origin.commit("remote work");
    origin.git(&["checkout", "-q", "main"]);
    let clone = origin.clone_with(&[]);
    let branches = clone.git(&["branch", "-a"]);
    assert!(branches.contains("remotes/origin/feature"), "{branches}");
    assert!(!branches.contains(" feature\n"), "{branches}");
    // A local branch of the clone holds a higher id still.
    let mut clone = clone;
    clone.git(&["checkout", "-q", "-b", "local"]);
    clone.write(
        &format!("{EXP}/EXP-0015-local.md"),
        experiment("EXP-0015", "running"),
    );
    clone.commit("local work");
    clone.git(&["checkout", "-q", "main"]);
    let run = clone.run(&["new", "experiment", "Here"]);
    assert_eq!(
        run.stdout,
        "research/experiments/EXP-0016-here.md\n",
        "{}",
        run.render()
    );
    clone.git(&["branch", "-q", "-D", "local"]);
    std::fs::remove_file(clone.path().join(run.stdout.trim())).expect("rm");
    let run = clone.run(&["new", "experiment", "Here"]);
    assert_eq!(
        run.stdout,
        "research/experiments/EXP-0013-here.md\n",
        "{}",
        run.render()
    );
}

#[test]
fn a_user_template_overrides_the_builtin_one() {
    let repo = git_log();
    repo.write(
        ".cairn/templates/experiment.md",
        "---\nid: {{id}}\ntitle: {{title}}\nstatus: planned\ncreated: {{date}}\nauthors: [{{author}}]\nhypothesis: \"TODO\"\n---\n\n# {{title}} ({{id}})\n\n## Setup\n\nOur lab's checklist.\n",
    );
    let run = repo.run(&["new", "experiment", "Lab \"style\"", "--date", "2024-03-05"]);
    assert_eq!(run.code, 0, "{}", run.render());
    insta::assert_snapshot!(repo.read(run.stdout.trim()));
    assert_eq!(repo.run(&["validate"]).code, 0);
}

#[test]
fn an_unknown_kind_lists_the_kinds() {
    let repo = git_log();
    let run = repo.run(&["new", "experimnt", "x"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.render());
    assert!(!repo.path().join("research").exists());
}

const OLD_DECISION: &str = "---\r\n# Decided at the March review.\r\nid: DEC-0001\r\ntitle: \"Use MFCC features\"\r\nstatus: accepted   # for now\r\ncreated: 2024-03-01\r\ndeciders: [Ada Park]\r\ndecided: 2024-03-02\r\n# evidence comes later\r\n---\r\n\r\n# Use MFCC features\r\n\r\n## Context\r\n\r\nWe need features.\r\n\r\n## Options\r\n\r\nMFCC or mel.\r\n\r\n## Decision\r\n\r\nMFCC.\r\n\r\n## Consequences\r\n\r\nFast.\r\n";

#[test]
fn supersedes_marks_the_old_decision_and_changes_nothing_else() {
    let repo = git_log();
    repo.write(&format!("{DEC}/DEC-0001-use-mfcc.md"), OLD_DECISION);
    let run = repo.run(&[
        "new",
        "decision",
        "Use mel features",
        "--supersedes",
        "DEC-0001",
        "--date",
        "2024-04-01",
    ]);
    assert_eq!(run.code, 0, "{}", run.render());
    insta::assert_snapshot!(run.render());
    let new = repo.read("research/decisions/DEC-0002-use-mel-features.md");
    assert!(new.contains("\nsupersedes: [DEC-0001]\n"), "{new}");
    let old = repo.read(&format!("{DEC}/DEC-0001-use-mfcc.md"));
    assert_eq!(
        old,
        OLD_DECISION.replace(
            "status: accepted   # for now\r\n",
            "status: superseded # for now\r\nsuperseded_by: DEC-0002\r\n"
        )
    );
    // The pair agrees: no ref/supersede-mismatch, nothing to fix in the
    // old one; until the new decision is accepted, none is in force.
    let check = repo.run(&["validate", "--format", "json"]);
    assert_eq!(check.code, 0, "{}", check.render());
    assert_eq!(
        check.findings(),
        vec![(
            "ref/target-status".to_string(),
            format!("{DEC}/DEC-0001-use-mfcc.md"),
            6
        )]
    );
}

#[test]
fn supersedes_a_superseded_decision_is_refused_naming_its_successor() {
    let repo = git_log();
    repo.write(&format!("{DEC}/DEC-0001-use-mfcc.md"), OLD_DECISION);
    let first = repo.run(&["new", "decision", "Use mel", "--supersedes", "DEC-0001"]);
    assert_eq!(first.code, 0, "{}", first.render());
    let old = repo.read(&format!("{DEC}/DEC-0001-use-mfcc.md"));
    let before = repo.listing("research");
    let run = repo.run(&[
        "new",
        "decision",
        "Use raw audio",
        "--supersedes",
        "DEC-0001",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "cairn: error: `DEC-0001` is already superseded by DEC-0002; supersede DEC-0002 instead (`cairn new decision TITLE --supersedes DEC-0002`); nothing was written\n"
    );
    assert_eq!(repo.listing("research"), before);
    assert_eq!(repo.read(&format!("{DEC}/DEC-0001-use-mfcc.md")), old);
}

#[test]
fn supersedes_an_unknown_id_writes_nothing() {
    let repo = git_log();
    repo.write(&format!("{DEC}/DEC-0001-use-mfcc.md"), OLD_DECISION);
    let before = repo.listing("research");
    let run = repo.run(&["new", "decision", "x", "--supersedes", "DEC-0404"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.render());
    assert_eq!(repo.listing("research"), before);
    assert_eq!(
        repo.read(&format!("{DEC}/DEC-0001-use-mfcc.md")),
        OLD_DECISION
    );
}

#[test]
fn supersedes_a_proposed_decision_is_refused() {
    let repo = git_log();
    repo.write(
        &format!("{DEC}/DEC-0001-a.md"),
        decision("DEC-0001", "proposed"),
    );
    let before = repo.listing("research");
    let run = repo.run(&["new", "decision", "x", "--supersedes", "DEC-0001"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.render());
    assert_eq!(repo.listing("research"), before);
    assert_eq!(
        repo.read(&format!("{DEC}/DEC-0001-a.md")),
        decision("DEC-0001", "proposed")
    );
}

#[test]
fn parallel_news_take_distinct_ids() {
    let repo = git_log();
    std::fs::create_dir_all(repo.path().join(EXP)).expect("mkdir");
    let children: Vec<_> = (1..=8)
        .map(|n| {
            repo.cairn_cmd(&["new", "experiment", &format!("x {n}")])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn cairn")
        })
        .collect();
    let mut paths = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        paths.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    let files = repo.listing(EXP);
    assert_eq!(files.len(), 8, "{files:?}");
    let mut ids: Vec<String> = files.iter().map(|f| f[..8].to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 8, "{files:?}");
    // Each process printed its own file, and each file holds its own title.
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 8, "{paths:?}");
    for path in &paths {
        let text = repo.read(path);
        let name = path.rsplit('/').next().expect("name");
        assert!(
            text.contains(&format!("id: {}", &name[..8])),
            "{path}: {text}"
        );
    }
    for n in 1..=8 {
        let title = format!("title: x {n}\n");
        let holders = files
            .iter()
            .filter(|f| repo.read(&format!("{EXP}/{f}")).contains(&title))
            .count();
        assert_eq!(holders, 1, "x {n}");
    }
    assert_eq!(repo.run(&["validate"]).code, 0);
}

const NOTE_KIND: &str = "version: 1\nkinds:\n  note:\n    dir: notes\n    prefix: NOTE\n    statuses: [draft, final]\n    fields:\n      summary: {type: string, required: true, about: the gist in one line}\n      confidence: {type: enum, values: [low, high], required: true}\n      pages: {type: integer, required: true}\n    sections: [Summary, Details]\n";

#[test]
fn a_custom_kind_gets_a_generated_template() {
    let repo = git_log();
    repo.write(".cairn/config.yaml", NOTE_KIND);
    let run = repo.run(&["new", "note", "Field trip", "--date", "2024-03-05"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(run.stdout, "research/notes/NOTE-0001-field-trip.md\n");
    let text = repo.read(run.stdout.trim());
    insta::assert_snapshot!(text);
    let check = repo.run(&["validate"]);
    assert_eq!(check.code, 0, "{}", check.render());
    assert_eq!(check.stdout, "0 errors, 0 warnings in 1 record\n");
}

#[test]
fn a_generated_template_with_a_required_list_validates() {
    let repo = git_log();
    repo.write(
        ".cairn/config.yaml",
        NOTE_KIND.replace(
            "    sections:",
            "      audience: {type: list, required: true}\n    sections:",
        ),
    );
    let run = repo.run(&["new", "note", "Field trip"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let check = repo.run(&["validate"]);
    assert_eq!(check.code, 0, "{}", check.render());
}
