//! `cairn set`: values edited in place, checked against the schema and the
//! transitions, refused with nothing written unless forced.

use crate::support::{TestRepo, decision, experiment};

const EXP2: &str = "research/experiments/EXP-0002-cnn.md";

/// A running experiment with comments, a block list and a block mapping.
const RUNNING: &str = "---\r\nid: EXP-0002\r\ntitle: \"CNN: log-mel\"\r\nstatus: running   # since May\r\ncreated: 2024-03-01\r\nhypothesis: a small CNN beats MFCC\r\ntags:\r\n  - audio\r\nmetrics:\r\n  recall: 0.81   # validation set\r\n---\r\n\r\n## Setup\r\n\r\nA CNN.\r\n\r\n## Results\r\n\r\nRecall 0.83.\r\n\r\n## Conclusion\r\n\r\nKeep it.\r\n";

fn log() -> TestRepo {
    let repo = TestRepo::plain();
    repo.write(EXP2, RUNNING);
    repo.write(
        "research/experiments/EXP-0001-mfcc.md",
        experiment("EXP-0001", "done"),
    );
    repo
}

#[test]
fn set_finishes_an_experiment_changing_only_those_bytes() {
    let repo = log();
    let run = repo.run(&[
        "set",
        "EXP-0002",
        "status=done",
        "outcome=supported",
        "metrics.recall=0.83",
        "tags+=cnn",
    ]);
    assert_eq!(run.code, 0, "{}", run.render());
    insta::assert_snapshot!(run.render());
    assert_eq!(
        repo.read(EXP2),
        RUNNING
            .replace("status: running   # since May", "status: done # since May")
            .replace(
                "recall: 0.81   # validation set",
                "recall: 0.83 # validation set"
            )
            .replace("  - audio\r\n", "  - audio\r\n  - cnn\r\n")
            .replace(
                "# validation set\r\n---",
                "# validation set\r\noutcome: supported\r\n---"
            )
    );
    assert_eq!(repo.run(&["validate"]).code, 0);
}

#[test]
fn a_forbidden_move_is_refused_and_nothing_is_written() {
    let repo = log();
    let run = repo.run(&["set", "EXP-0002", "status=planned"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "cairn: error: refusing to edit EXP-0002 in `research/experiments/EXP-0002-cnn.md`: status may not move from running to planned: from running an experiment may move to done, abandoned (line 4, history/transition); nothing was written (--force writes it anyway)\n"
    );
    assert_eq!(repo.read(EXP2), RUNNING);
    let forced = repo.run(&["set", "EXP-0002", "status=planned", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.render());
    assert!(forced.stdout.contains("forced past history/transition"));
    assert!(repo.read(EXP2).contains("status: planned # since May"));
}

#[test]
fn a_change_that_breaks_the_schema_is_refused() {
    let repo = log();
    let before = repo.read(EXP2);
    for (arg, wanted) in [
        ("outcome=maybe", "schema/enum"),
        ("metrics.recall=high", "schema/type"),
        ("hypothesis=", "schema/missing-field"),
        ("baseline=EXP-0404", "ref/dangling"),
    ] {
        let run = repo.run(&["set", "EXP-0002", arg]);
        assert_eq!(run.code, 2, "{arg}: {}", run.render());
        assert!(run.stderr.contains(wanted), "{arg}: {}", run.stderr);
        assert_eq!(repo.read(EXP2), before, "{arg}");
    }
    // Old problems of the record do not block an unrelated edit.
    repo.write(
        EXP2,
        RUNNING.replace("hypothesis: a small CNN beats MFCC\r\n", ""),
    );
    let run = repo.run(&["set", "EXP-0002", "baseline=EXP-0001"]);
    assert_eq!(run.code, 0, "{}", run.render());
}

#[test]
fn bad_arguments_get_a_clear_line() {
    let repo = log();
    for (args, wanted) in [
        (
            vec!["set", "EXP-0020", "status=done"],
            "no record has the id `EXP-0020`, so nothing was written; did you mean `EXP-0002`?",
        ),
        (
            vec!["set", "EXP-0002", "status"],
            "`status` is not KEY=VALUE or KEY+=VALUE",
        ),
        (
            vec!["set", "EXP-0002", "title.main=x"],
            "`title` in `research/experiments/EXP-0002-cnn.md` is a string, not a mapping",
        ),
        (
            vec!["set", "EXP-0002", "status+=x"],
            "`+=` appends to lists only",
        ),
        (
            vec!["set", "EXP-0002", "metrics=1"],
            "`metrics` has a value over several lines; edit it by hand",
        ),
    ] {
        let run = repo.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.render());
        assert!(run.stderr.contains(wanted), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
    assert_eq!(repo.read(EXP2), RUNNING);
    let run = repo.run(&["set", "EXP-0002"]);
    assert_eq!(run.code, 2);
}

#[test]
fn dry_run_writes_nothing() {
    let repo = log();
    let run = repo.run(&["set", "EXP-0002", "metrics.f1=0.8", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(
        run.stdout,
        "research/experiments/EXP-0002-cnn.md (dry run: nothing written)\n  metrics.f1: (none) → 0.8\n"
    );
    assert_eq!(repo.read(EXP2), RUNNING);
}

#[test]
fn set_supersedes_like_new_does() {
    let repo = TestRepo::plain();
    let old = "research/decisions/DEC-0001-a.md";
    repo.write(old, decision("DEC-0001", "accepted"));
    repo.write(
        "research/decisions/DEC-0002-b.md",
        decision("DEC-0002", "accepted").replace(
            "created: 2024-03-01\n",
            "created: 2024-03-01\nsupersedes: [DEC-0001]\n",
        ),
    );
    let run = repo.run(&[
        "set",
        "DEC-0001",
        "status=superseded",
        "superseded_by=DEC-0002",
    ]);
    assert_eq!(run.code, 0, "{}", run.render());
    let check = repo.run(&["validate"]);
    assert_eq!(check.code, 0, "{}", check.render());
    assert_eq!(check.stdout, "0 errors, 0 warnings in 2 records\n");
    // A superseded decision may not move back.
    let run = repo.run(&["set", "DEC-0001", "status=accepted"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("a decision superseded stays superseded"),
        "{}",
        run.stderr
    );
}
