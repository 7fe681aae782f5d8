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
            shown(&mut cmd)
        })
        .collect()
}

/// A run's exit code, standard output and standard error, as one text.
fn shown(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("run cairn");
    format!(
        "{}\n{}{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The names of the entries of `dir`, sorted.
fn entry_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("a folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// A file of the cache in the repository's git directory.
fn cache(repo: &TestRepo, file: &str) -> std::path::PathBuf {
    repo.path().join(".git/cairn").join(file)
}

/// A linked worktree of `repo` on a new branch `side`, in a temporary
/// folder outside it (removed when the returned handle is dropped).
fn linked_worktree(repo: &TestRepo) -> (tempfile::TempDir, std::path::PathBuf) {
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
    (outside, linked)
}

/// Runs `outputs` from a linked worktree of `repo` and from the main one:
/// the same with and without the cache, which lives in the common git
/// directory (`file`), never in the linked worktree.
fn shared_by_a_linked_worktree(
    repo: &TestRepo,
    file: &str,
    outputs: fn(&TestRepo, &Path, &[&str]) -> Vec<String>,
) {
    let (_outside, linked) = linked_worktree(repo);
    let without = outputs(repo, &linked, &["--no-cache"]);
    assert_eq!(outputs(repo, &linked, &[]), without);
    assert!(
        cache(repo, file).exists(),
        "the cache is in the common git directory"
    );
    assert!(!linked.join("cairn").exists() && !linked.join(".git").is_dir());
    assert_eq!(outputs(repo, &linked, &[]), without);
    let main = repo.path().to_path_buf();
    assert_eq!(
        outputs(repo, &main, &[]),
        outputs(repo, &main, &["--no-cache"])
    );
}

/// Writes each of `damaged` over the cache file `file` in turn: `outputs`
/// stays `without`, and the file is rewritten whole under its `header`.
fn rebuilt_when_damaged(
    repo: &TestRepo,
    file: &str,
    header: &str,
    damaged: Vec<Vec<u8>>,
    outputs: fn(&TestRepo, &Path, &[&str]) -> Vec<String>,
    without: &[String],
) {
    let here = repo.path().to_path_buf();
    for bytes in damaged {
        std::fs::write(cache(repo, file), &bytes).expect("damage the cache");
        assert_eq!(outputs(repo, &here, &[]), without);
        let rebuilt = std::fs::read_to_string(cache(repo, file)).expect("cache rewritten");
        assert!(rebuilt.starts_with(header), "{rebuilt:.80}");
        assert!(rebuilt.ends_with('\n'));
    }
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
    assert!(cache(&repo, "changes").exists(), "no cache in .git/cairn");
    // The commits that changed a record keep their metadata: a warm walk
    // reads no commit.
    let changes = std::fs::read_to_string(cache(&repo, "changes")).expect("a changes cache");
    assert!(changes.contains("\nI "), "{changes:.300}");
    let blobs = std::fs::read_to_string(cache(&repo, "blobs")).expect("a blobs cache");
    assert!(blobs.contains("\t+EXP-0007\t+running\t-\n"), "{blobs}");
    let fronts = std::fs::read_to_string(cache(&repo, "fronts")).expect("a fronts cache");
    // Records with a title field are kept; EXP-0007 is titled by its heading.
    assert!(fronts.contains("\"EXP-0001\""), "{fronts:.300}");
    assert!(!fronts.contains("\"EXP-0007\""), "{fronts:.300}");
    let warm = outputs(&repo, &here, &[]);
    assert_eq!(cold, without);
    assert_eq!(warm, without);
    assert!(
        cache(&repo, "follows").exists(),
        "log keeps the commits it found"
    );
    // What a walk wrote out as it learned (the spill) became the files:
    // nothing else is left beside them.
    let left = entry_names(&repo.path().join(".git/cairn"));
    assert_eq!(left, ["blobs", "changes", "follows", "fronts"], "{left:?}");

    // log alone, twice: the second run replays the commits the first found.
    std::fs::remove_dir_all(repo.path().join(".git/cairn")).expect("remove the cache");
    let ids = ["EXP-0002", "EXP-0003", "EXP-0007", "DEC-0001"];
    let log = |id: &str, extra: &[&str]| {
        let mut args = vec!["log", id, "--format", "json"];
        args.extend_from_slice(extra);
        let run = repo.cairn(&args);
        (run.code, run.stdout, run.stderr)
    };
    let expected: Vec<_> = ids.iter().map(|id| log(id, &["--no-cache"])).collect();
    for _ in 0..2 {
        let got: Vec<_> = ids.iter().map(|id| log(id, &[])).collect();
        assert_eq!(got, expected);
    }
    assert!(cache(&repo, "follows").exists());
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
    shared_by_a_linked_worktree(&generated_repo(), "changes", outputs);
}

#[test]
fn a_damaged_cache_is_rebuilt() {
    let repo = generated_repo();
    let here = repo.path().to_path_buf();
    let without = outputs(&repo, &here, &["--no-cache"]);
    outputs(&repo, &here, &[]);
    for (file, header) in [
        ("changes", "cairn-changes 3 "),
        ("blobs", "cairn-blobs 1 "),
        ("fronts", "cairn-fronts 2 "),
        ("follows", "cairn-follows 1 "),
    ] {
        let good = std::fs::read(cache(&repo, file)).expect("cache written");
        let damaged = vec![
            b"not a cache at all\n".to_vec(),
            good[..good.len() / 2].to_vec(),
            String::from_utf8_lossy(&good)
                .replacen(header, &format!("{header}0.0.0-other "), 1)
                .into_bytes(),
            String::from_utf8_lossy(&good)
                .replacen("\t+", "\t+\\q", 1)
                .replacen(",[[", ",[{", 1)
                .replacen("\nI ", "\nI x", 1)
                .into_bytes(),
            vec![0xff, 0x00, 0x13],
        ];
        rebuilt_when_damaged(&repo, file, header, damaged, outputs, &without);
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

/// A history where records govern code through `covers`: globs added,
/// changed and removed, code changed alone and with records, a record
/// reached through a symlink, and one record folder left untouched.
fn covering_repo() -> TestRepo {
    let mut repo = TestRepo::new();
    let covering = |id: &str, globs: &str| {
        decision(id, "accepted").replace(
            "created: 2024-03-01\n",
            &format!("created: 2024-03-01\ncovers: [{globs}]\n"),
        )
    };
    repo.write(
        "research/scopes/SCOPE-0001-birds.md",
        crate::support::scope("SCOPE-0001", "agreed"),
    );
    repo.write(
        "research/decisions/DEC-0001-mel.md",
        covering("DEC-0001", "\"src/features/**\""),
    );
    repo.write(
        "research/decisions/DEC-0002-plain.md",
        decision("DEC-0002", "proposed"),
    );
    repo.write("src/features/mel.py", "mel = 1\n");
    repo.commit("start");
    for step in 0..12usize {
        match step % 4 {
            0 => {
                repo.write("src/features/mel.py", format!("mel = {step}\n"));
            }
            1 => {
                repo.write("src/model.py", format!("model = {step}\n"));
                repo.write(
                    &format!("research/experiments/EXP-{:04}-run.md", step + 1),
                    experiment(&format!("EXP-{:04}", step + 1), "running"),
                );
            }
            2 => {
                let globs = if step == 6 {
                    "\"src/*.py\", \"docs/**\""
                } else {
                    "\"src/**\""
                };
                repo.write(
                    &format!("research/decisions/DEC-{:04}-code.md", step + 1),
                    covering(&format!("DEC-{:04}", step + 1), globs),
                );
                repo.write("docs/notes.md", format!("notes {step}\n"));
            }
            _ => {
                repo.write("src/features/mfcc.py", format!("mfcc = {step}\n"));
            }
        }
        repo.commit(&format!("step {step}"));
    }
    repo.remove("research/decisions/DEC-0003-code.md");
    repo.write("src/model.py", "model = 'last'\n");
    repo.commit("drop DEC-0003");
    repo.symlink("DEC-0001-mel.md", "research/decisions/DEC-0099-link.md");
    repo.write("src/features/mel.py", "mel = 'linked'\n");
    repo.commit("link a record");
    repo
}

/// What `cairn diff` prints for every one-commit span of the branch and
/// for a few longer ones, and for the index with staged code.
fn diff_outputs(repo: &TestRepo, dir: &Path, extra: &[&str]) -> Vec<String> {
    let commits = repo.git(&["rev-list", "--count", "HEAD"]);
    let commits: usize = commits.trim().parse().expect("a count");
    let mut spans: Vec<Vec<String>> = (1..commits)
        .map(|k| vec![format!("HEAD~{k}"), format!("HEAD~{}", k - 1)])
        .collect();
    spans.push(vec![format!("HEAD~{}", commits - 1), "HEAD".into()]);
    spans.push(vec!["HEAD~5".into(), "HEAD".into()]);
    spans.push(vec!["--cached".into(), "HEAD~3".into()]);
    spans
        .iter()
        .map(|span| {
            let mut cmd = repo.cairn_cmd(&["diff", "--format", "json"]);
            cmd.args(span).args(extra).current_dir(dir);
            format!("{span:?} {}", shown(&mut cmd))
        })
        .collect()
}

#[test]
fn the_covers_cache_changes_no_diff() {
    let repo = covering_repo();
    let here = repo.path().to_path_buf();
    let without = diff_outputs(&repo, &here, &["--no-cache"]);
    assert!(!cache(&repo, "covers").exists(), "--no-cache wrote a cache");
    // The records do govern code in these spans.
    let governed = without
        .iter()
        .filter(|out| out.contains("\"governing\": [\n"))
        .count();
    assert!(governed >= 8, "{without:#?}");
    assert!(without.iter().any(|out| out.contains("DEC-0099")));
    assert_eq!(diff_outputs(&repo, &here, &[]), without);
    assert!(
        cache(&repo, "covers").exists(),
        "no covers cache in .git/cairn"
    );
    assert_eq!(diff_outputs(&repo, &here, &[]), without);
    assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");

    // Staged code is governed through the index.
    repo.write("src/features/new.py", "new = 1\n");
    repo.git(&["add", "src/features/new.py"]);
    let staged = diff_outputs(&repo, &here, &["--no-cache"]);
    assert_eq!(diff_outputs(&repo, &here, &[]), staged);
    repo.git(&["reset", "-q"]);
    std::fs::remove_file(repo.path().join("src/features/new.py")).expect("remove");

    // Amend: a record's globs change in the tip commit.
    repo.write(
        "research/decisions/DEC-0002-plain.md",
        decision("DEC-0002", "proposed").replace(
            "created: 2024-03-01\n",
            "created: 2024-03-01\ncovers: [\"src/model.py\"]\n",
        ),
    );
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "-m",
        "link a record, govern the model",
    ]);
    let without = diff_outputs(&repo, &here, &["--no-cache"]);
    assert!(without.iter().any(|out| out.contains("DEC-0002")));
    assert_eq!(diff_outputs(&repo, &here, &[]), without);
    assert_eq!(diff_outputs(&repo, &here, &[]), without);

    // Rebase: drop a commit from the middle; every later one is rewritten.
    repo.git(&["rebase", "-q", "--onto", "HEAD~4", "HEAD~3"]);
    let without = diff_outputs(&repo, &here, &["--no-cache"]);
    assert_eq!(diff_outputs(&repo, &here, &[]), without);
    assert_eq!(diff_outputs(&repo, &here, &[]), without);
}

#[test]
fn a_damaged_covers_cache_is_rebuilt() {
    let repo = covering_repo();
    let here = repo.path().to_path_buf();
    let without = diff_outputs(&repo, &here, &["--no-cache"]);
    diff_outputs(&repo, &here, &[]);
    let good = std::fs::read(cache(&repo, "covers")).expect("cache written");
    let text = String::from_utf8_lossy(&good).into_owned();
    // A folder entry that lost its one mentioning file would hide a
    // governing record, were the damage not seen.
    let lost_line = text.replacen(" 1 research/decisions\n", " 2 research/decisions\n", 1);
    assert_ne!(lost_line, text);
    let damaged = vec![
        b"not a cache at all\n".to_vec(),
        good[..good.len() / 2].to_vec(),
        text.replacen("cairn-covers 1 ", "cairn-covers 1 0.0.0-other ", 1)
            .into_bytes(),
        lost_line.into_bytes(),
        vec![0xff, 0x00, 0x13],
    ];
    let header = "cairn-covers 1 ";
    rebuilt_when_damaged(&repo, "covers", header, damaged, diff_outputs, &without);
}

#[test]
fn a_linked_worktree_shares_the_covers_cache() {
    shared_by_a_linked_worktree(&covering_repo(), "covers", diff_outputs);
}

/// Records for `validate` and `list`: findings of each sort (a missing
/// section, a broken link, an unknown status, a duplicate id through a
/// symlink), one that does not parse, one titled by its heading, numbers
/// that JSON cannot hold, and values of every shape.
fn validating_repo() -> TestRepo {
    let mut repo = generated_repo();
    repo.write(
        "research/experiments/EXP-0010-links.md",
        experiment("EXP-0010", "running")
            + "\nSee [the choice](../decisions/DEC-0001-choice.md) and [a gap](../decisions/DEC-0404.md).\n",
    );
    repo.write(
        "research/experiments/EXP-0011-inf.md",
        experiment("EXP-0011", "running")
            .replace("hypothesis:", "gain: .inf\nloss: -0.0\nhypothesis:"),
    );
    repo.write(
        "research/decisions/DEC-0010-thin.md",
        "---\nid: DEC-0010\ntitle: Thin\nstatus: accepted\ncreated: 2024-03-01\n---\n\n# Thin\n",
    );
    repo.write(
        "research/experiments/EXP-0012-odd.md",
        "---\nid: EXP-0012\ntitle: \"Tabs\\tand \\\"quotes\\\"\"\nstatus: wishful\ncreated: 2024-03-01\nmetrics: {recall: 0.1, nested: {a: [1, 2.5e-300, null, true]}}\n---\n\n# Odd\n\n## Setup ✓\n",
    );
    repo.symlink("EXP-0010-links.md", "research/experiments/EXP-0013-link.md");
    repo.commit("records for validation");
    repo
}

/// What `validate` and `list` print for the working tree, the index and
/// revisions, run in `dir` with `extra` flags.
fn validate_outputs(repo: &TestRepo, dir: &Path, extra: &[&str]) -> Vec<String> {
    let runs: [&[&str]; 10] = [
        &["validate", "--format", "json"],
        &["validate"],
        &["validate", "--rev", "HEAD", "--format", "json"],
        &["validate", "--rev", "HEAD~1", "--format", "json"],
        &["validate", "--rev", "HEAD~3"],
        &["validate", "--cached", "--format", "json"],
        &["list", "--format", "json"],
        &["list"],
        &["list", "--rev", "HEAD~3", "--format", "json"],
        &["list", "--rev", "HEAD", "--where", "metrics.recall>0.05"],
    ];
    runs.iter()
        .map(|args| {
            let mut cmd = repo.cairn_cmd(args);
            cmd.args(extra).current_dir(dir);
            format!("{args:?} {}", shown(&mut cmd))
        })
        .collect()
}

#[test]
fn the_outline_cache_changes_no_validation() {
    let repo = validating_repo();
    let here = repo.path().to_path_buf();
    let without = validate_outputs(&repo, &here, &["--no-cache"]);
    assert!(
        !repo.path().join(".git/cairn").exists(),
        "--no-cache wrote a cache"
    );
    // The findings are there to be kept or lost.
    for (run, seen) in [
        (2, "DEC-0404"),
        (2, "wishful"),
        (2, "EXP-0013"),
        (2, "DEC-0010"),
        (4, "YAML"),
        (6, "Tabs\\tand"),
        (8, "EXP-0002-renamed"),
        (9, "EXP-0012"),
    ] {
        assert!(without[run].contains(seen), "{seen}: {}", without[run]);
    }
    let cold = validate_outputs(&repo, &here, &[]);
    assert_eq!(cold, without);
    let outlines = std::fs::read_to_string(cache(&repo, "outlines")).expect("an outlines cache");
    assert!(outlines.starts_with("cairn-outlines 1 "), "{outlines:.80}");
    assert!(outlines.contains("\"EXP-0010\""), "{outlines:.300}");
    // Not finite: not kept. Titled by a heading: kept with its outline.
    assert!(!outlines.contains("\"EXP-0011\""), "{outlines:.300}");
    assert!(
        outlines.contains("\"Titled by its heading\",1,"),
        "{outlines:.300}"
    );
    assert_eq!(validate_outputs(&repo, &here, &[]), without);
    assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");

    // Amend: a record changes in the tip commit.
    repo.write(
        "research/experiments/EXP-0010-links.md",
        experiment("EXP-0010", "done"),
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--amend", "-m", "records, one done"]);
    let without = validate_outputs(&repo, &here, &["--no-cache"]);
    assert_eq!(validate_outputs(&repo, &here, &[]), without);
    assert_eq!(validate_outputs(&repo, &here, &[]), without);

    // Rebase: drop a commit from the middle; every later one is rewritten.
    repo.git(&["rebase", "-q", "--onto", "HEAD~3", "HEAD~2"]);
    let without = validate_outputs(&repo, &here, &["--no-cache"]);
    assert_eq!(validate_outputs(&repo, &here, &[]), without);
    assert_eq!(validate_outputs(&repo, &here, &[]), without);
}

/// What one kind of command prints, run in `dir` with `extra` flags.
type Outputs = fn(&TestRepo, &Path, &[&str]) -> Vec<String>;

#[test]
fn a_cache_folder_that_cannot_be_made_changes_nothing() {
    // A file where `.git/cairn` would be (a read-only git directory
    // refuses the same way, but not to root): every command answers as
    // without the cache, and nothing is written anywhere.
    let kinds: [(TestRepo, Outputs); 3] = [
        (generated_repo(), outputs),
        (validating_repo(), validate_outputs),
        (covering_repo(), diff_outputs),
    ];
    for (repo, run) in kinds {
        let here = repo.path().to_path_buf();
        let without = run(&repo, &here, &["--no-cache"]);
        let git_dir = repo.path().join(".git");
        let before: Vec<String> = entry_names(&git_dir);
        std::fs::write(git_dir.join("cairn"), "in the way\n").expect("a file in its place");
        assert_eq!(run(&repo, &here, &[]), without);
        assert_eq!(run(&repo, &here, &[]), without);
        assert_eq!(
            std::fs::read_to_string(git_dir.join("cairn")).expect("still a file"),
            "in the way\n"
        );
        let mut after = entry_names(&git_dir);
        after.retain(|name| name != "cairn");
        assert_eq!(after, before);
        assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");
    }
}

#[test]
fn a_damaged_outline_cache_is_rebuilt() {
    let repo = validating_repo();
    let here = repo.path().to_path_buf();
    let without = validate_outputs(&repo, &here, &["--no-cache"]);
    validate_outputs(&repo, &here, &[]);
    let good = std::fs::read(cache(&repo, "outlines")).expect("cache written");
    let text = String::from_utf8_lossy(&good).into_owned();
    let header = "cairn-outlines 1 ";
    let not_an_outline = text.replacen(" [1,[[", " [1,{[", 1);
    assert_ne!(not_an_outline, text);
    let damaged = vec![
        b"not a cache at all\n".to_vec(),
        good[..good.len() / 2].to_vec(),
        text.replacen(header, &format!("{header}0.0.0-other "), 1)
            .into_bytes(),
        not_an_outline.into_bytes(),
        vec![0xff, 0x00, 0x13],
    ];
    rebuilt_when_damaged(
        &repo,
        "outlines",
        header,
        damaged,
        validate_outputs,
        &without,
    );
}

#[test]
fn a_linked_worktree_shares_the_outline_cache() {
    shared_by_a_linked_worktree(&validating_repo(), "outlines", validate_outputs);
}

/// What `validate` and `list` print for the working tree.
fn worktree_outputs(repo: &TestRepo, dir: &Path, extra: &[&str]) -> Vec<String> {
    let runs: [&[&str]; 4] = [
        &["validate", "--format", "json"],
        &["validate"],
        &["list", "--format", "json"],
        &["list", "--where", "metrics.recall>0.05"],
    ];
    runs.iter()
        .map(|args| {
            let mut cmd = repo.cairn_cmd(args);
            cmd.args(extra).current_dir(dir);
            format!("{args:?} {}", shown(&mut cmd))
        })
        .collect()
}

/// The working tree's outputs without the cache, which a cold and a
/// warm run with it must match.
fn same_with_and_without(repo: &TestRepo, dir: &Path) -> Vec<String> {
    let without = worktree_outputs(repo, dir, &["--no-cache"]);
    assert_eq!(worktree_outputs(repo, dir, &[]), without);
    assert_eq!(worktree_outputs(repo, dir, &[]), without);
    without
}

/// Sets the modification time of the file `rel` in `repo`.
fn set_mtime(repo: &TestRepo, rel: &str, time: std::time::SystemTime) {
    std::fs::File::options()
        .append(true)
        .open(repo.path().join(rel))
        .and_then(|file| file.set_modified(time))
        .expect("set the modification time");
}

#[test]
fn the_worktree_cache_sees_every_change() {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, UNIX_EPOCH};

    let repo = validating_repo();
    let here = repo.path().to_path_buf();
    let before = same_with_and_without(&repo, &here);
    let stats = std::fs::read_to_string(cache(&repo, "worktree")).expect("a worktree cache");
    assert!(stats.starts_with("cairn-worktree 2 "), "{stats:.80}");
    // Regular files are kept with the id git gives their bytes; symlinks
    // are read every time.
    let linked = "research/experiments/EXP-0010-links.md";
    let id = repo.git(&["hash-object", linked]);
    assert!(
        stats.contains(&format!("{linked}\t")) && stats.contains(id.trim()),
        "{stats}"
    );
    // (Its folder's line lists it by name, as a symlink.)
    assert!(
        !stats
            .lines()
            .any(|l| l.starts_with("research/experiments/EXP-0013-link.md\t")),
        "{stats}"
    );
    assert!(stats.contains("\tlEXP-0013-link.md"), "{stats}");
    assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");

    // Edited in place, keeping its size and modification time.
    let modified = std::fs::metadata(repo.path().join(linked))
        .and_then(|m| m.modified())
        .expect("mtime");
    let text = repo.read(linked);
    repo.write(linked, text.replace("DEC-0404", "DEC-0405"));
    set_mtime(&repo, linked, modified);
    let edited = same_with_and_without(&repo, &here);
    assert_ne!(edited, before);
    assert!(edited[0].contains("DEC-0405"), "{}", edited[0]);

    // Dated in the future (newer than the cache: racy, read every time),
    // then edited keeping size and date.
    let future = UNIX_EPOCH + Duration::from_secs(4_102_444_800);
    set_mtime(&repo, linked, future);
    same_with_and_without(&repo, &here);
    repo.write(linked, text.replace("DEC-0404", "DEC-0406"));
    set_mtime(&repo, linked, future);
    let racy = same_with_and_without(&repo, &here);
    assert!(racy[0].contains("DEC-0406"), "{}", racy[0]);

    // Touched without a change; its mode changed.
    let odd = "research/experiments/EXP-0012-odd.md";
    set_mtime(&repo, odd, UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    assert_eq!(same_with_and_without(&repo, &here), racy);
    std::fs::set_permissions(
        repo.path().join(odd),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
    assert_eq!(same_with_and_without(&repo, &here), racy);

    // Replaced by a symlink: the duplicate id is found again.
    repo.remove(odd);
    repo.symlink("EXP-0011-inf.md", odd);
    let symlinked = same_with_and_without(&repo, &here);
    assert!(symlinked[0].contains("EXP-0012-odd.md"), "{}", symlinked[0]);

    // Too large, then deleted.
    let huge = "research/decisions/DEC-0011-huge.md";
    repo.write_huge(huge, 11 * 1024 * 1024);
    let large = same_with_and_without(&repo, &here);
    assert!(large[0].contains("too-large"), "{}", large[0]);
    repo.remove(huge).remove(linked);
    let deleted = same_with_and_without(&repo, &here);
    assert!(!deleted[2].contains("EXP-0010"), "{}", deleted[2]);
    let stats = std::fs::read_to_string(cache(&repo, "worktree")).expect("a worktree cache");
    assert!(!stats.contains(linked) && !stats.contains(huge), "{stats}");
}

#[test]
fn a_damaged_worktree_cache_is_rebuilt() {
    let repo = validating_repo();
    let here = repo.path().to_path_buf();
    let without = worktree_outputs(&repo, &here, &["--no-cache"]);
    worktree_outputs(&repo, &here, &[]);
    let good = std::fs::read(cache(&repo, "worktree")).expect("cache written");
    let text = String::from_utf8_lossy(&good).into_owned();
    let header = "cairn-worktree 2 ";
    // An entry that names another blob for a file: a wrong record, were
    // the damage not seen (its line no longer reads).
    let other_blob = text.replacen(".md\t", ".md\tx", 1);
    let damaged = vec![
        b"not a cache at all\n".to_vec(),
        good[..good.len() / 2].to_vec(),
        text.replacen(header, &format!("{header}0.0.0-other "), 1)
            .into_bytes(),
        other_blob.into_bytes(),
        vec![0xff, 0x00, 0x13],
    ];
    rebuilt_when_damaged(
        &repo,
        "worktree",
        header,
        damaged,
        worktree_outputs,
        &without,
    );
}

#[test]
fn each_worktree_keeps_the_stat_of_its_own_files() {
    let repo = validating_repo();
    let (_outside, linked) = linked_worktree(&repo);
    let main = repo.path().to_path_buf();
    let main_before = same_with_and_without(&repo, &main);
    // The same paths, other files: a change in one worktree is not seen
    // in the other.
    let rel = "research/experiments/EXP-0010-links.md";
    let text = std::fs::read_to_string(linked.join(rel)).expect("read");
    std::fs::write(linked.join(rel), text.replace("DEC-0404", "DEC-0405")).expect("write");
    let side = same_with_and_without(&repo, &linked);
    assert!(side[0].contains("DEC-0405"), "{}", side[0]);
    assert_eq!(same_with_and_without(&repo, &main), main_before);
    let own = repo.path().join(".git/worktrees/linked/cairn/worktree");
    assert!(
        own.exists(),
        "the linked worktree's stat is in its own git directory"
    );
    assert!(cache(&repo, "worktree").exists());
    assert!(!linked.join("cairn").exists() && !linked.join(".git").is_dir());
}

/// A log whose record files are all regular files (a symlink is read
/// every time, so a log with one is never answered from the results
/// cache), with a link to a file outside the records that is missing and
/// a decision due for review from 2024-03-15.
fn answering_repo() -> TestRepo {
    let mut repo = generated_repo();
    repo.write(
        "research/experiments/EXP-0010-links.md",
        experiment("EXP-0010", "running")
            + "\nSee [the data](../../data/README.md) and [the choice](../decisions/DEC-0001-choice.md).\n",
    );
    repo.write(
        "research/decisions/DEC-0010-due.md",
        "---\nid: DEC-0010\ntitle: Due\nstatus: accepted\ncreated: 2024-01-01\ndeciders: [Ada Park]\ndecided: 2024-01-02\nreview_by: 2024-03-15\n---\n\n# Due\n\n## Context\n\nx\n\n## Options\n\nx\n\n## Decision\n\nx\n\n## Consequences\n\nx\n",
    );
    repo.commit("records to answer");
    repo
}

/// `worktree_outputs` with today as `today`.
fn outputs_on(repo: &TestRepo, today: &str, extra: &[&str]) -> Vec<String> {
    let runs: [&[&str]; 9] = [
        &["validate", "--format", "json"],
        &["list", "--format", "json"],
        &["list", "--kind", "decision", "--sort", "-created"],
        &["validate", "research/decisions"],
        &["validate", "research/nowhere"],
        &["validate", "--cached", "--format", "json"],
        &["validate", "--rev", "HEAD~1"],
        &["list", "--rev", "HEAD~1", "--format", "json"],
        &["list", "--rev", "HEAD", "--status", "running"],
    ];
    runs.iter()
        .map(|args| {
            let mut cmd = repo.cairn_cmd(args);
            cmd.args(extra).env("CAIRN_TODAY", today);
            format!("{args:?} {}", shown(&mut cmd))
        })
        .collect()
}

/// The outputs without the cache, which a cold run, a warm one and one
/// answered from the results cache must match.
fn answered_alike(repo: &TestRepo, today: &str) -> Vec<String> {
    let without = outputs_on(repo, today, &["--no-cache"]);
    for _ in 0..3 {
        assert_eq!(outputs_on(repo, today, &[]), without);
    }
    without
}

#[test]
fn an_answer_is_repeated_only_for_the_same_files_schema_and_day() {
    let repo = answering_repo();
    let here = repo.path().to_path_buf();
    let before = same_with_and_without(&repo, &here);
    assert_eq!(same_with_and_without(&repo, &here), before);
    let first = answered_alike(&repo, "2024-03-01");
    assert!(first[0].contains("data/README.md"), "{}", first[0]);
    assert!(!first[0].contains("review/due"), "{}", first[0]);
    assert!(first[3].contains(" records"), "{}", first[3]);
    assert!(!first[3].contains("experiments"), "{}", first[3]);
    assert!(
        first[4].contains("] 2\n") && first[4].contains("does not exist"),
        "{}",
        first[4]
    );
    let results = answers(&repo);
    for (_, text) in &results {
        assert!(text.starts_with("cairn-results 1 "), "{text:.80}");
        assert!(text.ends_with("\nend 1\n"), "{text:.80}");
    }
    // `validate` of each snapshot (working tree, index, HEAD~1) once a
    // day, and each listing twice, as found and as shown: four here, one
    // with `--where` above.
    assert_eq!(results.len(), 3 + 2 * 5, "{results:?}");
    assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");

    // A first run stores its answer; the second repeats it.
    std::fs::remove_dir_all(repo.path().join(".git/cairn")).expect("no cache");
    let first_run = outputs_on(&repo, "2024-03-01", &[]);
    assert_eq!(first_run, first);
    assert_eq!(answers(&repo).len(), 3 + 2 * 4, "{:?}", answers(&repo));
    std::fs::remove_file(cache(&repo, "outlines")).expect("remove the outlines");
    assert_eq!(outputs_on(&repo, "2024-03-01", &[]), first);
    assert!(!cache(&repo, "outlines").exists());

    // Answered again without rebuilding a record: the outlines are not
    // read, so not written again.
    assert_eq!(outputs_on(&repo, "2024-03-01", &[]), first);
    assert!(!cache(&repo, "outlines").exists());

    // Another day: the decision is due.
    let later = answered_alike(&repo, "2024-04-01");
    assert!(later[0].contains("review/due"), "{}", later[0]);
    assert_eq!(answered_alike(&repo, "2024-03-01"), first);

    // The link's target appears, then goes again.
    repo.write("data/README.md", "# Data\n");
    let linked = answered_alike(&repo, "2024-03-01");
    assert!(!linked[0].contains("data/README.md"), "{}", linked[0]);
    repo.remove("data/README.md");
    assert_eq!(answered_alike(&repo, "2024-03-01"), first);

    // A record edited: its new status is listed; staged, the index has it.
    let path = "research/experiments/EXP-0010-links.md";
    repo.write(path, repo.read(path).replace("running", "planned"));
    let edited = answered_alike(&repo, "2024-04-01");
    assert!(edited[1].contains("\"planned\""), "{}", edited[1]);
    repo.write(path, repo.read(path).replace("planned", "wishful"));
    repo.git(&["add", path]);
    let staged = answered_alike(&repo, "2024-04-01");
    assert!(!edited[5].contains("wishful"), "{}", edited[5]);
    assert!(staged[5].contains("wishful"), "{}", staged[5]);

    // The schema changed: decisions are no longer due for review.
    let config = include_str!("../../src/builtin/config.yaml");
    let rule = "      - when: {status: accepted}\n        review: review_by\n";
    assert!(config.contains(rule));
    repo.write(".cairn/config.yaml", config.replacen(rule, "", 1));
    let unreviewed = answered_alike(&repo, "2024-04-01");
    assert!(!unreviewed[0].contains("review/due"), "{}", unreviewed[0]);
    assert_eq!(
        answers(&repo).len(),
        cairn::cache::results::MAX_ENTRIES,
        "the newest answers are kept"
    );
}

/// Each answer in the results cache: its file's name and text.
fn answers(repo: &TestRepo) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = std::fs::read_dir(cache(repo, "results"))
        .expect("a results folder")
        .map(|entry| {
            let entry = entry.expect("an entry");
            let text = std::fs::read_to_string(entry.path()).expect("an answer");
            (entry.file_name().to_string_lossy().into_owned(), text)
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_damaged_results_cache_is_rebuilt() {
    let repo = answering_repo();
    let here = repo.path().to_path_buf();
    let without = same_with_and_without(&repo, &here);
    same_with_and_without(&repo, &here);
    let good = answers(&repo);
    assert!(!good.is_empty());
    let header = "cairn-results 1 ";
    let damages: [fn(&str) -> Vec<u8>; 6] = [
        |_| b"not a cache at all\n".to_vec(),
        |text| text.as_bytes()[..text.len() / 2].to_vec(),
        |text| {
            text.replacen("cairn-results 1 ", "cairn-results 1 0.0.0-other ", 1)
                .into_bytes()
        },
        // Well formed, but no answer: answered anew.
        |text| text.replacen("\n{\"", "\n[\"", 1).into_bytes(),
        |text| text.replacen("\nend 1", "\nend 2", 1).into_bytes(),
        |_| vec![0xff, 0x00, 0x13],
    ];
    for damage in damages {
        for (name, text) in &good {
            std::fs::write(cache(&repo, "results").join(name), damage(text)).expect("damage");
        }
        assert_eq!(worktree_outputs(&repo, &here, &[]), without);
        for (name, text) in answers(&repo) {
            assert!(text.starts_with(header), "{name}: {text:.80}");
            assert!(text.ends_with("\nend 1\n"), "{name}: {text:.80}");
        }
    }
    assert_eq!(answers(&repo), good);
}

#[test]
fn each_worktree_keeps_its_own_answers() {
    let repo = answering_repo();
    let (_outside, linked) = linked_worktree(&repo);
    let main = repo.path().to_path_buf();
    let main_before = same_with_and_without(&repo, &main);
    same_with_and_without(&repo, &main);
    let rel = "research/experiments/EXP-0010-links.md";
    let text = std::fs::read_to_string(linked.join(rel)).expect("read");
    std::fs::write(linked.join(rel), text.replace("running", "planned")).expect("write");
    let side = same_with_and_without(&repo, &linked);
    assert_eq!(same_with_and_without(&repo, &linked), side);
    assert!(side[2].contains("\"planned\""), "{}", side[2]);
    assert_eq!(same_with_and_without(&repo, &main), main_before);
    assert!(
        repo.path()
            .join(".git/worktrees/linked/cairn/results")
            .exists()
    );
    assert!(cache(&repo, "results").exists());
}

#[test]
fn a_listing_is_shown_again_only_as_it_was_shown() {
    let repo = answering_repo();
    // Each way of showing, with what sets it apart: width, colours, format.
    let ways: [(&[&str], Option<&str>); 6] = [
        (&["list"], None),
        (&["list"], Some("60")),
        (&["list"], Some("200")),
        (&["list", "--color", "always"], None),
        (&["list", "--color", "always"], Some("60")),
        (&["list", "--format", "paths"], None),
    ];
    let run = |args: &[&str], columns: Option<&str>| {
        let mut cmd = repo.cairn_cmd(args);
        if let Some(columns) = columns {
            cmd.env("COLUMNS", columns);
        }
        let out = cmd.output().expect("run cairn");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        out.stdout
    };
    let mut seen = Vec::new();
    for (args, columns) in ways {
        let mut without = args.to_vec();
        without.push("--no-cache");
        let expected = run(&without, columns);
        let before = std::fs::read_dir(cache(&repo, "results")).map_or(0, Iterator::count);
        assert_eq!(run(args, columns), expected, "{args:?} {columns:?}, cold");
        let stored = answers(&repo);
        assert!(
            stored.len() > before,
            "{args:?} {columns:?} stores its answer"
        );
        assert_eq!(
            run(args, columns),
            expected,
            "{args:?} {columns:?}, repeated"
        );
        assert_eq!(answers(&repo), stored, "a repeated answer writes nothing");
        seen.push(expected);
    }
    for (a, b) in [(0, 1), (0, 3), (3, 4), (0, 5)] {
        assert_ne!(seen[a], seen[b], "ways {a} and {b} show other bytes");
    }
    let coloured = String::from_utf8_lossy(&seen[3]).into_owned();
    assert!(coloured.contains("\u{1b}["), "{coloured}");
    assert!(!String::from_utf8_lossy(&seen[0]).contains('\u{1b}'));
    assert!(
        String::from_utf8_lossy(&seen[1])
            .lines()
            .all(|line| line.chars().count() <= 60)
    );

    // An edited record is listed anew in every way.
    let path = "research/experiments/EXP-0010-links.md";
    repo.write(path, repo.read(path).replace("running", "planned"));
    for (args, columns) in ways {
        let mut without = args.to_vec();
        without.push("--no-cache");
        assert_eq!(run(args, columns), run(&without, columns), "{args:?}");
    }
}

#[test]
fn a_folder_changed_since_it_was_listed_is_listed_again() {
    let repo = answering_repo();
    let outputs = |repo: &TestRepo| {
        let with: Vec<String> = [&["validate"][..], &["list", "--format", "paths"]]
            .iter()
            .map(|args| repo.run(args).stdout)
            .collect();
        let mut without = Vec::new();
        for args in [
            &["validate", "--no-cache"][..],
            &["list", "--format", "paths", "--no-cache"],
        ] {
            without.push(repo.run(args).stdout);
        }
        assert_eq!(with, without);
        with
    };
    let first = outputs(&repo);
    assert_eq!(outputs(&repo), first);
    let noted = std::fs::read_to_string(cache(&repo, "worktree")).expect("the stat cache");
    assert!(noted.contains("research/experiments/\t"), "{noted}");

    // Added at the top and in a new subfolder, then in that subfolder
    // once it is noted; renamed; removed; replaced by a symlink.
    let exp = "research/experiments";
    type Step<'a> = (&'a str, &'a dyn Fn(&TestRepo));
    let steps: [Step; 6] = [
        ("added", &|repo| {
            repo.write(
                &format!("{exp}/EXP-0020-new.md"),
                experiment("EXP-0020", "planned"),
            );
        }),
        ("added in a new subfolder", &|repo| {
            repo.write(
                &format!("{exp}/2024/EXP-0021-deep.md"),
                experiment("EXP-0021", "planned"),
            );
        }),
        ("added in a noted subfolder", &|repo| {
            repo.write(
                &format!("{exp}/2024/EXP-0022-deeper.md"),
                experiment("EXP-0022", "planned"),
            );
        }),
        ("renamed", &|repo| {
            std::fs::rename(
                repo.path().join(format!("{exp}/2024/EXP-0022-deeper.md")),
                repo.path().join(format!("{exp}/2024/EXP-0022-moved.md")),
            )
            .expect("rename");
        }),
        ("removed", &|repo| {
            repo.remove(&format!("{exp}/EXP-0020-new.md"));
        }),
        ("a symlink in its place", &|repo| {
            repo.remove(&format!("{exp}/2024/EXP-0021-deep.md"));
            repo.symlink("EXP-0022-moved.md", &format!("{exp}/2024/EXP-0021-deep.md"));
        }),
    ];
    let mut last = first;
    for (what, step) in steps {
        step(&repo);
        let now = outputs(&repo);
        assert_ne!(now, last, "{what}: the listing changed");
        assert_eq!(outputs(&repo), now, "{what}: and stays");
        last = now;
    }
    assert!(last[1].contains("2024/EXP-0022-moved.md"), "{}", last[1]);
    assert!(!last[1].contains("EXP-0020-new.md"), "{}", last[1]);
}

/// A pull request's gate (`validate --base main --new`) on a branch that
/// commits a forbidden status move and a new broken record, then edits a
/// third record in the working tree: the same bytes without the cache,
/// cold and warm, from the working tree and from `--rev`.
#[test]
fn the_gate_of_a_branch_is_the_same_through_the_caches() {
    let repo = generated_repo();
    repo.git(&["checkout", "-q", "-b", "work"]);
    let mut repo = repo;
    repo.write(
        "research/decisions/DEC-0005-choice.md",
        decision("DEC-0005", "proposed"),
    );
    repo.write(
        "research/experiments/EXP-0008-new.md",
        experiment("EXP-0008", "runing"),
    );
    repo.commit("reopen DEC-0005, add EXP-0008");
    repo.write(
        "research/experiments/EXP-0001-run.md",
        experiment("EXP-0001", "planned"),
    );
    let runs: [&[&str]; 3] = [
        &["validate", "--base", "main", "--new", "--format", "json"],
        &["validate", "--base", "main"],
        &["validate", "--base", "main", "--new", "--rev", "HEAD"],
    ];
    let here = repo.path().to_path_buf();
    let outputs = |extra: &[&str]| -> Vec<String> {
        runs.iter()
            .map(|args| {
                let mut cmd = repo.cairn_cmd(args);
                cmd.args(extra).current_dir(&here);
                format!("{args:?} {}", shown(&mut cmd))
            })
            .collect()
    };
    let without = outputs(&["--no-cache"]);
    assert_eq!(outputs(&[]), without, "cold");
    assert!(cache(&repo, "outlines").exists());
    assert_eq!(outputs(&[]), without, "warm");
    // What the gate found: the two moves back (one committed, one in
    // the working tree) and the new record's unknown status.
    let json = &without[0];
    for expected in [
        "history/transition\", \"file\": \"research/decisions/DEC-0005-choice.md",
        "history/transition\", \"file\": \"research/experiments/EXP-0001-run.md",
        "research/experiments/EXP-0008-new.md",
    ] {
        assert!(
            json.replace(",\n      \"file\"", ", \"file\"")
                .contains(expected),
            "{expected} in {json}"
        );
    }
    assert!(
        json.starts_with(
            "[\"validate\", \"--base\", \"main\", \"--new\", \"--format\", \"json\"] 1\n"
        ),
        "{json}"
    );
}

#[test]
fn what_the_working_tree_changed_is_found_the_same_from_the_stat_cache() {
    // With the stat cache, the gate finds what the working tree changed
    // since HEAD from the blob id of each record file; without it, git
    // compares them. Both must agree on files git ignores (left out unless
    // the index holds them) and on files removed. Two records are moved
    // to ignored names with a status they may not move to: the move is a
    // step only where git shows the new name.
    let repo = generated_repo();
    repo.git(&["checkout", "-q", "-b", "work"]);
    repo.write(
        ".git/info/exclude",
        "research/experiments/EXP-0101-ignored.md\nresearch/experiments/EXP-0102-forced.md\n",
    );
    repo.write(
        "research/experiments/EXP-0001-run.md",
        experiment("EXP-0001", "planned"),
    );
    // Ignored and untracked: git shows no change, so no step has it.
    repo.remove("research/experiments/EXP-0002-renamed.md");
    repo.write(
        "research/experiments/EXP-0101-ignored.md",
        experiment("EXP-0002", "planned"),
    );
    // Ignored but in the index: git shows it added.
    repo.remove("research/experiments/EXP-0003-run.md");
    repo.write(
        "research/experiments/EXP-0102-forced.md",
        experiment("EXP-0003", "planned"),
    );
    repo.git(&["add", "-f", "research/experiments/EXP-0102-forced.md"]);
    repo.remove("research/decisions/DEC-0001-choice.md");
    let here = repo.path().to_path_buf();
    let run = |extra: &[&str]| {
        let mut cmd = repo.cairn_cmd(&["validate", "--base", "main", "--format", "json"]);
        cmd.args(extra).current_dir(&here);
        shown(&mut cmd)
    };
    let without = run(&["--no-cache"]);
    assert_eq!(run(&[]), without, "cold");
    assert!(cache(&repo, "worktree").exists());
    assert_eq!(run(&[]), without, "warm");
    let json = without.replace(",\n      \"file\"", ", \"file\"");
    for expected in ["EXP-0001-run.md", "EXP-0102-forced.md"] {
        let finding = format!("history/transition\", \"file\": \"research/experiments/{expected}");
        assert!(json.contains(&finding), "{finding} in {json}");
    }
    let ignored = "history/transition\", \"file\": \"research/experiments/EXP-0101-ignored.md";
    assert!(!json.contains(ignored), "{json}");
}
