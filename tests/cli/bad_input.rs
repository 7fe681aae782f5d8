//! Malformed and hostile files a working tree can hold (DESIGN.md, "Safety
//! on bad input"): each becomes a diagnostic, never a panic, and the other
//! files are still checked.

use std::time::{Duration, Instant};

use crate::support::{Run, TestRepo, experiment};

const EXP: &str = "research/experiments";

fn alias_bomb() -> String {
    let mut text = String::from(
        "---\na: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    let mut prev = 'a';
    for name in 'b'..='i' {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        prev = name;
    }
    text + "---\n\n# Billion laughs\n"
}

/// One file per kind of bad input, plus a record with a status typo that
/// must still be found.
pub(crate) fn hostile_tree(outside: &TestRepo) -> TestRepo {
    let repo = TestRepo::plain();
    outside.write("secret.md", experiment("EXP-0999", "running"));
    repo.write(
        &format!("{EXP}/EXP-0001-canary.md"),
        experiment("EXP-0001", "running").replace("status: running", "status: runing"),
    )
    .write(
        &format!("{EXP}/EXP-0002-latin1.md"),
        b"---\nid: EXP-0002\ntitle: Caf\xe9 noise\n---\n".as_slice(),
    )
    .write(
        &format!("{EXP}/EXP-0003-unterminated.md"),
        "---\nid: EXP-0003\n",
    )
    .write(
        &format!("{EXP}/EXP-0004-scalar.md"),
        "---\njust a sentence\n---\n",
    )
    .write(
        &format!("{EXP}/EXP-0005-syntax.md"),
        "---\nid: EXP-0005\ntags: [a, b\n---\n",
    )
    .write(
        &format!("{EXP}/EXP-0006-duplicate.md"),
        "---\nid: EXP-0006\nstatus: done\nstatus: running\n---\n",
    )
    .write(&format!("{EXP}/EXP-0007-empty.md"), "")
    .write(
        &format!("{EXP}/EXP-0008-binary.md"),
        b"\x00\x01\x02\x03PNG\x00\x00\xff\xd8".as_slice(),
    )
    .symlink(
        outside.path().join("secret.md"),
        &format!("{EXP}/EXP-0009-outside.md"),
    )
    .write(&format!("{EXP}/EXP-0010-bomb.md"), alias_bomb())
    .write_huge(&format!("{EXP}/EXP-0011-huge.md"), 50 * 1024 * 1024)
    .write(
        &format!("{EXP}/EXP-0012-escapes.md"),
        experiment("EXP-0012", "running")
            .replace(
                "title: Experiment EXP-0012",
                "title: \"Mel \\e[2J\\e[31mfeatures\\a\"",
            )
            .replace("status: running", "status: \"running\\e[5m\""),
    )
    .write(
        &format!("{EXP}/EXP-0013-raw-control.md"),
        experiment("EXP-0013", "running")
            .replace("hypothesis:", "colour\u{1b}[5m: red\nhypothesis:"),
    );
    repo
}

fn validate(repo: &TestRepo, args: &[&str]) -> Run {
    let started = Instant::now();
    let run = repo.run(args);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "validate took {:?}",
        started.elapsed()
    );
    run.assert_no_panic();
    run
}

#[test]
fn every_bad_file_gets_a_diagnostic_and_the_rest_are_checked() {
    let outside = TestRepo::plain();
    let repo = hostile_tree(&outside);
    let run = validate(&repo, &["validate", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.render());
    let found = run.findings();
    let expect = [
        ("schema/enum", "EXP-0001-canary.md", 4),
        ("parse/encoding", "EXP-0002-latin1.md", 3),
        ("parse/unterminated", "EXP-0003-unterminated.md", 1),
        ("parse/not-mapping", "EXP-0004-scalar.md", 2),
        ("parse/yaml", "EXP-0005-syntax.md", 4),
        ("parse/duplicate-key", "EXP-0006-duplicate.md", 4),
        ("parse/no-front-matter", "EXP-0007-empty.md", 1),
        ("parse/encoding", "EXP-0008-binary.md", 1),
        ("parse/symlink", "EXP-0009-outside.md", 1),
        ("parse/yaml", "EXP-0010-bomb.md", 2),
        ("parse/too-large", "EXP-0011-huge.md", 1),
        ("schema/enum", "EXP-0012-escapes.md", 4),
        ("parse/yaml", "EXP-0013-raw-control.md", 6),
    ];
    for (code, name, line) in expect {
        let file = format!("{EXP}/{name}");
        assert!(
            found.contains(&(code.to_string(), file.clone(), line)),
            "no {code} at {file}:{line} in {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    let text = validate(&repo, &["validate"]);
    assert!(!text.stdout.contains('\u{1b}'));
    // The secret behind the symlink is never read.
    assert!(!text.stdout.contains("EXP-0999"));
    insta::assert_snapshot!(text.render());
}

#[test]
fn an_alias_bomb_is_refused_quickly() {
    let repo = TestRepo::plain();
    repo.write(&format!("{EXP}/EXP-0001-bomb.md"), alias_bomb());
    let run = validate(&repo, &["validate"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.render());
}

#[test]
fn terminal_escapes_in_a_title_are_shown_escaped() {
    let repo = TestRepo::plain();
    repo.write(
        &format!("{EXP}/EXP-0001-escapes.md"),
        experiment("EXP-0001", "running")
            .replace(
                "title: Experiment EXP-0001",
                "title: \"Mel \\e]0;owned\\a\\e[31mfeatures\\r\"",
            )
            .replace("status: running", "status: \"running\\e[5m\""),
    );
    // `--color always` keeps escape bytes that a pipe would strip: the only
    // ones left must be cairn's own styles, never the title's.
    let run = validate(&repo, &["--color", "always", "validate"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains("status `running\\u{1b}[5m`"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("\u{1b}[5m"));
    let list = repo.run(&["--color", "always", "list"]);
    assert_eq!(list.code, 0, "{}", list.render());
    assert!(
        list.stdout
            .contains("Mel \\u{1b}]0;owned\\u{7}\\u{1b}[31mfeatures\\u{d}"),
        "{}",
        list.stdout
    );
    assert!(!list.stdout.contains("\u{1b}]0;") && !list.stdout.contains("\u{1b}[31m"));
    let plain = repo.run(&["list"]);
    insta::assert_snapshot!(plain.render());
}

#[test]
fn a_fifo_is_reported_not_read() {
    let repo = TestRepo::plain();
    repo.write(
        &format!("{EXP}/EXP-0001-a.md"),
        experiment("EXP-0001", "running"),
    );
    let fifo = repo.path().join(EXP).join("EXP-0002-pipe.md");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let run = validate(&repo, &["validate", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_eq!(
        run.findings(),
        [(
            "parse/unreadable".to_string(),
            format!("{EXP}/EXP-0002-pipe.md"),
            1
        )]
    );
}

#[test]
fn list_skips_broken_files_with_a_note() {
    let outside = TestRepo::plain();
    let repo = hostile_tree(&outside);
    let run = repo.run(&["list"]);
    run.assert_no_panic();
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.render());
}
