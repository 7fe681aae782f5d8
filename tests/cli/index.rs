//! `cairn index`: the Markdown index between its markers, written through
//! the same atomic path as `new`, and `--check` for CI.

use crate::support::{TestRepo, decision, experiment};

const README: &str = "research/README.md";

fn log() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        "research/experiments/EXP-0001-a.md",
        experiment("EXP-0001", "done"),
    )
    .write(
        "research/decisions/DEC-0001-old.md",
        decision("DEC-0001", "superseded").replace(
            "decided: 2024-03-02\n",
            "decided: 2024-03-02\nsuperseded_by: DEC-0002\n",
        ),
    )
    .write(
        "research/decisions/DEC-0002-new.md",
        decision("DEC-0002", "accepted").replace(
            "decided: 2024-03-02\n",
            "decided: 2024-03-02\nsupersedes: [DEC-0001]\nevidence: [EXP-0001]\n",
        ),
    );
    repo
}

#[test]
fn index_creates_then_refreshes_only_its_block() {
    let repo = log();
    let run = repo.run(&["index", "--check"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_eq!(
        run.stdout,
        "research/README.md is stale; run `cairn index` to refresh it\n"
    );
    assert!(!repo.path().join(README).exists());
    let run = repo.run(&["index"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(run.stdout, "created research/README.md\n");
    insta::assert_snapshot!(repo.read(README));
    assert_eq!(repo.run(&["index", "--check"]).code, 0);

    // Text around the block is the user's: a new record changes only the block.
    let text = repo.read(README).replace(
        "# Research log\n",
        "# Research log\n\nOur notes, kept by hand.\n",
    ) + "\nFooter stays.\n";
    repo.write(README, &text);
    repo.write(
        "research/experiments/EXP-0002-b.md",
        experiment("EXP-0002", "running"),
    );
    assert_eq!(repo.run(&["index", "--check"]).code, 1);
    let run = repo.run(&["index"]);
    assert_eq!(run.stdout, "updated research/README.md\n");
    let after = repo.read(README);
    assert!(
        after.starts_with(
            "# Research log\n\nOur notes, kept by hand.\n\n<!-- cairn:index:start -->\n"
        ),
        "{after}"
    );
    assert!(
        after.ends_with("<!-- cairn:index:end -->\n\nFooter stays.\n"),
        "{after}"
    );
    assert!(after.contains("| [EXP-0002](experiments/EXP-0002-b.md) | Experiment EXP-0002 | running | 2024-03-01 |  |"), "{after}");
    let run = repo.run(&["index"]);
    assert_eq!(run.stdout, "research/README.md is up to date\n");
    assert_eq!(repo.read(README), after);
}

#[test]
fn broken_markers_are_refused_and_nothing_is_written() {
    let repo = log();
    let text = "# Log\n\n<!-- cairn:index:start -->\nmine\n";
    repo.write(README, text);
    let run = repo.run(&["index"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert_eq!(
        run.stderr,
        "cairn: error: `research/README.md`: line 3: the markers <!-- cairn:index:start --> and <!-- cairn:index:end --> must appear once each, start first; fix them by hand (cairn does not guess which text is yours)\n"
    );
    assert_eq!(repo.read(README), text);
    assert_eq!(repo.run(&["index", "--check"]).code, 2);
}

#[test]
fn the_index_file_is_configurable_and_never_a_symlink() {
    let repo = log();
    let config =
        cairn::config::BUILTIN.replace("index: research/README.md", "index: docs/RESEARCH.md");
    repo.write(".cairn/config.yaml", config);
    let run = repo.run(&["index"]);
    assert_eq!(run.stdout, "created docs/RESEARCH.md\n", "{}", run.render());
    assert!(
        repo.read("docs/RESEARCH.md")
            .contains("| [EXP-0001](../research/experiments/EXP-0001-a.md) |")
    );

    let other = log();
    other.write("elsewhere.md", "# not yours\n");
    other.symlink("../elsewhere.md", README);
    let run = other.run(&["index"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(run.stderr.contains("is a symlink"), "{}", run.stderr);
    assert_eq!(other.read("elsewhere.md"), "# not yours\n");

    let bad = TestRepo::new();
    bad.write(
        ".cairn/config.yaml",
        cairn::config::BUILTIN.replace("index: research/README.md", "index: ../outside.md"),
    );
    let run = bad.run(&["index"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("must be a Markdown file (`.md`) inside the repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_example_index_is_up_to_date() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let repo = TestRepo::plain();
    let run = repo.run(&["-C", examples, "index", "--check"]);
    assert_eq!(
        run.code,
        0,
        "run `cargo run -- index -C examples`: {}",
        run.render()
    );
}
