//! The history cache in `.git/cairn/`: the same bytes with it, without it
//! (`--no-cache`), cold or warm, after history is rewritten (amend, rebase),
//! from a linked worktree, and when the cache file is damaged; never a
//! file in the work tree.

use std::path::Path;

use crate::support::{TestRepo, decision, experiment};

/// A history of a few dozen commits: records added, changed, renamed and
/// removed, with code-only commits between.
fn generated_repo() -> TestRepo {
    let mut repo = TestRepo::new();
    let statuses = ["planned", "running", "done"];
    for step in 0..24usize {
        let n = step % 6 + 1;
        let id = format!("EXP-{n:04}");
        let status = statuses[(step / 6).min(2)];
        match step % 4 {
            0 | 1 => {
                repo.write(
                    &format!("research/experiments/{id}-run.md"),
                    experiment(&id, status),
                );
            }
            2 => {
                repo.write(&format!("src/model_{n}.py"), format!("step = {step}\n"));
            }
            _ => {
                let dec = format!("DEC-{:04}", step / 4 + 1);
                repo.write(
                    &format!("research/decisions/{dec}-choice.md"),
                    decision(&dec, if step > 12 { "accepted" } else { "proposed" }),
                );
            }
        }
        repo.commit(&format!("step {step}"));
    }
    repo.remove("research/experiments/EXP-0002-run.md").write(
        "research/experiments/EXP-0002-renamed.md",
        experiment("EXP-0002", "done"),
    );
    repo.commit("rename EXP-0002");
    // A record made unreadable and mended, and one titled by its heading.
    repo.write(
        "research/experiments/EXP-0003-run.md",
        "---\nid: EXP-0003\nstatus: [done\n---\n# Broken\n",
    );
    repo.commit("break EXP-0003");
    repo.write(
        "research/experiments/EXP-0003-run.md",
        experiment("EXP-0003", "done"),
    );
    repo.write(
        "research/experiments/EXP-0007-heading.md",
        "---\nid: EXP-0007\nstatus: running\n---\n# Titled by its heading\n\n## Setup\n\nx\n",
    );
    repo.commit("mend EXP-0003, start EXP-0007");
    repo.remove("research/decisions/DEC-0003-choice.md");
    repo.commit("drop DEC-0003");
    repo
}

/// What the history commands print, run in `dir` with `extra` flags.
fn outputs(repo: &TestRepo, dir: &Path, extra: &[&str]) -> Vec<String> {
    let runs: [&[&str]; 8] = [
        &["summary", "--format", "json"],
        &["summary", "--format", "markdown"],
        &["log", "EXP-0002", "--format", "json"],
        &["log", "DEC-0003", "--format", "json"],
        &["log", "EXP-0004", "--all-parents"],
        &["log", "EXP-0003", "--patch"],
        &["log", "EXP-0007", "--format", "json", "--patch"],
        &["summary", "--since", "2000-01-01", "--format", "json"],
    ];
    runs.iter()
        .map(|args| {
            let mut cmd = repo.cairn_cmd(args);
            cmd.args(extra).current_dir(dir);
            let out = cmd.output().expect("run cairn");
            format!(
                "{}\n{}{}",
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .collect()
}

fn cache_file(repo: &TestRepo) -> std::path::PathBuf {
    repo.path().join(".git/cairn/changes")
}

fn blobs_file(repo: &TestRepo) -> std::path::PathBuf {
    repo.path().join(".git/cairn/blobs")
}

#[test]
fn the_cache_changes_nothing_but_time() {
    let repo = generated_repo();
    let here = repo.path().to_path_buf();
    let without = outputs(&repo, &here, &["--no-cache"]);
    assert!(
        !repo.path().join(".git/cairn").exists(),
        "--no-cache wrote a cache"
    );
    assert!(without[5].contains("YAML"), "{}", without[5]);
    assert!(
        without[6].contains("Titled by its heading"),
        "{}",
        without[6]
    );
    let cold = outputs(&repo, &here, &[]);
    assert!(cache_file(&repo).exists(), "no cache in .git/cairn");
    let blobs = std::fs::read_to_string(blobs_file(&repo)).expect("a blobs cache");
    assert!(blobs.contains("\t+EXP-0007\t+running\t-\n"), "{blobs}");
    let warm = outputs(&repo, &here, &[]);
    assert_eq!(cold, without);
    assert_eq!(warm, without);
    // Read-only commands leave the work tree as it was.
    assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");

    // Amend: the tip is a new commit with new content.
    repo.write(
        "research/experiments/EXP-0005-run.md",
        experiment("EXP-0005", "done"),
    );
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "-m",
        "drop DEC-0003, finish EXP-0005",
    ]);
    let without = outputs(&repo, &here, &["--no-cache"]);
    assert_eq!(outputs(&repo, &here, &[]), without);
    assert_eq!(outputs(&repo, &here, &[]), without);

    // Rebase: drop a commit from the middle; every later commit is rewritten.
    repo.git(&["rebase", "-q", "--onto", "HEAD~3", "HEAD~2"]);
    let without = outputs(&repo, &here, &["--no-cache"]);
    assert_eq!(outputs(&repo, &here, &[]), without);
    assert_eq!(outputs(&repo, &here, &[]), without);
}

#[test]
fn a_linked_worktree_shares_the_cache_of_the_repository() {
    let repo = generated_repo();
    let outside = tempfile::tempdir().expect("temp dir");
    let linked = outside.path().join("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "side",
        linked.to_str().expect("utf-8 path"),
    ]);
    let without = outputs(&repo, &linked, &["--no-cache"]);
    assert_eq!(outputs(&repo, &linked, &[]), without);
    assert!(
        cache_file(&repo).exists(),
        "the cache is in the common git directory"
    );
    assert!(!linked.join("cairn").exists() && !linked.join(".git").is_dir());
    assert_eq!(outputs(&repo, &linked, &[]), without);
    let main = repo.path().to_path_buf();
    assert_eq!(
        outputs(&repo, &main, &[]),
        outputs(&repo, &main, &["--no-cache"])
    );
}

#[test]
fn a_damaged_cache_is_rebuilt() {
    let repo = generated_repo();
    let here = repo.path().to_path_buf();
    let without = outputs(&repo, &here, &["--no-cache"]);
    outputs(&repo, &here, &[]);
    for (file, header) in [
        (cache_file(&repo), "cairn-changes 1 "),
        (blobs_file(&repo), "cairn-blobs 1 "),
    ] {
        let good = std::fs::read(&file).expect("cache written");
        for damaged in [
            b"not a cache at all\n".to_vec(),
            good[..good.len() / 2].to_vec(),
            String::from_utf8_lossy(&good)
                .replacen(header, &format!("{header}0.0.0-other "), 1)
                .into_bytes(),
            String::from_utf8_lossy(&good)
                .replacen("\t+", "\t+\\q", 1)
                .into_bytes(),
            vec![0xff, 0x00, 0x13],
        ] {
            std::fs::write(&file, &damaged).expect("damage the cache");
            assert_eq!(outputs(&repo, &here, &[]), without);
            let rebuilt = std::fs::read_to_string(&file).expect("cache rewritten");
            assert!(rebuilt.starts_with(header), "{rebuilt:.80}");
            assert!(rebuilt.ends_with('\n'));
        }
    }
}

#[test]
fn no_cache_is_also_read_from_the_environment() {
    let repo = generated_repo();
    let run = repo
        .cairn_cmd(&["summary"])
        .env("CAIRN_NO_CACHE", "1")
        .output()
        .expect("run cairn");
    assert_eq!(run.status.code(), Some(0));
    assert!(!repo.path().join(".git/cairn").exists());
}
