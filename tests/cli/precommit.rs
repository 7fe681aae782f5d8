//! The pre-commit hook this repository publishes (`.pre-commit-hooks.yaml`):
//! its entry command, run as pre-commit runs it, checks what is staged.
//! Running it through `pre-commit try-repo` builds cairn in release mode,
//! too slow for the suite; docs/ci.md gives that check by hand.

use std::path::Path;

use crate::support::{TestRepo, experiment};

const EXP1: &str = "research/experiments/EXP-0001-mel.md";

/// `key: value` of the `cairn-validate` hook, as written in the file.
fn hook_setting(key: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(path).expect(".pre-commit-hooks.yaml");
    let hook = text
        .split("\n- id: ")
        .find(|block| block.starts_with("cairn-validate\n"))
        .expect("a cairn-validate hook");
    hook.lines()
        .find_map(|line| line.trim().strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("the hook has no `{key}`"))
        .trim()
        .to_string()
}

#[test]
fn the_hook_is_a_rust_hook_that_takes_no_file_names() {
    assert_eq!(hook_setting("language"), "rust");
    assert_eq!(hook_setting("pass_filenames"), "false");
    assert_eq!(hook_setting("entry"), "cairn validate --cached");
}

#[test]
fn the_hooks_entry_checks_the_staged_records_not_the_working_tree() {
    let entry = hook_setting("entry");
    let args: Vec<&str> = entry.split_whitespace().collect();
    assert_eq!(args[0], "cairn");
    let mut repo = TestRepo::new();
    repo.write(EXP1, experiment("EXP-0001", "running"));
    repo.commit("start");

    // Staged: done without its outcome. Working tree: fixed but not staged.
    repo.write(
        EXP1,
        experiment("EXP-0001", "done").replace("outcome: supported\n", ""),
    );
    repo.git(&["add", EXP1]);
    repo.write(EXP1, experiment("EXP-0001", "done"));
    let blocked = repo.run(&args[1..]);
    assert_eq!(blocked.code, 1, "{}", blocked.render());
    assert!(
        blocked.stdout.contains(&format!("{EXP1}\n"))
            && blocked.stdout.contains(
                "error    schema/missing-field `outcome` is required when status is done"
            ),
        "{}",
        blocked.stdout
    );

    // Staging the fix lets the commit through.
    repo.git(&["add", EXP1]);
    let passed = repo.run(&args[1..]);
    assert_eq!(passed.code, 0, "{}", passed.render());
}
