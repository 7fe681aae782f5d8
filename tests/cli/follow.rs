//! `cairn log ID` walks like `git log --follow`: only the commits that touch
//! the record's paths are read. On a linear history its answer must be the
//! one a walk over every commit gives (`--all-parents` takes that walk, and
//! without merges it compares the same commits), for every id, in JSON and
//! in text: renames, moves, id changes, broken and mended YAML, removal and
//! restore, two files with one id.

use crate::support::{TestRepo, decision, experiment, scope};

/// A linear history that moves records in every way the log follows.
fn eventful_repo() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(
        "research/scopes/SCOPE-0001-birds.md",
        scope("SCOPE-0001", "draft"),
    )
    .write(
        "research/experiments/EXP-0001-mel.md",
        experiment("EXP-0001", "planned"),
    )
    .write(
        "research/experiments/EXP-0002-mfcc.md",
        experiment("EXP-0002", "planned"),
    )
    .write(
        "research/decisions/DEC-0001-features.md",
        decision("DEC-0001", "proposed"),
    )
    .write("src/train.py", "print('v1')\n");
    repo.commit("start the log");
    repo.write("src/train.py", "print('v2')\n");
    repo.commit("code only");
    repo.write(
        "research/experiments/EXP-0001-mel.md",
        experiment("EXP-0001", "running"),
    );
    repo.commit("start EXP-0001");
    repo.remove("research/experiments/EXP-0001-mel.md").write(
        "research/experiments/EXP-0001-mel-features.md",
        experiment("EXP-0001", "running"),
    );
    repo.commit("rename EXP-0001");
    repo.write(
        "research/experiments/EXP-0002-mfcc.md",
        "---\nid: EXP-0002\ntitle: [unclosed\n---\n\n# Broken\n",
    );
    repo.commit("break EXP-0002");
    repo.write(
        "research/experiments/EXP-0002-mfcc.md",
        experiment("EXP-0002", "running"),
    );
    repo.commit("mend EXP-0002");
    // The file keeps its path but now holds another id.
    repo.write(
        "research/experiments/EXP-0002-mfcc.md",
        experiment("EXP-0003", "running"),
    );
    repo.commit("EXP-0002 becomes EXP-0003");
    repo.remove("research/decisions/DEC-0001-features.md");
    repo.commit("drop DEC-0001");
    repo.write("src/train.py", "print('v3')\n");
    repo.commit("code again\n\nRefs: DEC-0001");
    repo.write(
        "research/decisions/DEC-0001-features.md",
        decision("DEC-0001", "accepted"),
    );
    repo.commit("restore DEC-0001, accepted");
    // Moved into a subfolder and changed in the same commit.
    repo.remove("research/experiments/EXP-0001-mel-features.md")
        .write(
            "research/experiments/audio/EXP-0001-mel-features.md",
            experiment("EXP-0001", "done"),
        );
    repo.commit("move EXP-0001 into audio/ and finish it");
    // A second file claims EXP-0001 (an error validate reports).
    repo.write(
        "research/experiments/EXP-0001-copy.md",
        experiment("EXP-0001", "planned"),
    );
    repo.commit("copy EXP-0001");
    repo.write(
        "research/scopes/SCOPE-0001-birds.md",
        scope("SCOPE-0001", "agreed"),
    );
    repo.commit("agree SCOPE-0001");
    repo
}

#[test]
fn follow_gives_what_a_whole_walk_gives() {
    let repo = eventful_repo();
    for id in [
        "EXP-0001",
        "EXP-0002",
        "EXP-0003",
        "DEC-0001",
        "SCOPE-0001",
        "EXP-0009",
    ] {
        for format in ["json", "text"] {
            for extra in [&[][..], &["--patch"][..], &["--code"][..]] {
                let args: Vec<&str> = ["log", id, "--format", format]
                    .into_iter()
                    .chain(extra.iter().copied())
                    .collect();
                let followed = repo.cairn(&args);
                let mut whole_args = args.clone();
                whole_args.push("--all-parents");
                let whole = repo.cairn(&whole_args);
                assert_eq!(
                    followed.render(),
                    whole.render(),
                    "cairn {}",
                    args.join(" ")
                );
                followed.assert_no_panic();
            }
        }
    }
}

#[test]
fn follow_sees_renames_id_changes_and_restores() {
    let repo = eventful_repo();
    let changes = |id: &str| -> Vec<String> {
        let run = repo.cairn(&["log", id, "--format", "json"]);
        let log: serde_json::Value =
            serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.render()));
        log["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| format!("{} {}", e["change"].as_str().unwrap_or(""), e["path"]))
            .collect()
    };
    assert_eq!(
        changes("EXP-0001"),
        [
            "added \"research/experiments/EXP-0001-copy.md\"",
            "renamed \"research/experiments/audio/EXP-0001-mel-features.md\"",
            "renamed \"research/experiments/EXP-0001-mel-features.md\"",
            "modified \"research/experiments/EXP-0001-mel.md\"",
            "added \"research/experiments/EXP-0001-mel.md\"",
        ]
    );
    assert_eq!(
        changes("DEC-0001"),
        [
            "added \"research/decisions/DEC-0001-features.md\"",
            "removed \"research/decisions/DEC-0001-features.md\"",
            "added \"research/decisions/DEC-0001-features.md\"",
        ]
    );
    assert_eq!(
        changes("EXP-0003"),
        ["added \"research/experiments/EXP-0002-mfcc.md\""]
    );
}
