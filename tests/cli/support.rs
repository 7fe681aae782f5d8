//! Shared test helpers: temporary folders and git repositories with fixed
//! authors and dates, and a way to run cairn in them and capture what a
//! user sees (stdout, stderr, exit code).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

/// A temporary folder, optionally a git repository, removed when dropped.
pub(crate) struct TestRepo {
    dir: tempfile::TempDir,
    clock: i64,
}

/// What one run of cairn produced.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// stdout, stderr and the exit code, for snapshots.
    pub(crate) fn render(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// 2024-03-01T09:00:00Z: the first commit's time; each commit adds an hour
/// unless a date is given.
pub(crate) const EPOCH: i64 = 1_709_283_600;

impl TestRepo {
    /// An empty folder that is not a git repository.
    pub(crate) fn plain() -> TestRepo {
        TestRepo {
            dir: tempfile::tempdir().expect("temp dir"),
            clock: EPOCH,
        }
    }

    /// An empty git repository on branch `main`.
    pub(crate) fn new() -> TestRepo {
        let repo = TestRepo::plain();
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// The folder.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders).
    pub(crate) fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> &Self {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
        self
    }

    /// Reads a file.
    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).expect("read")
    }

    /// Removes a file.
    pub(crate) fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.path().join(rel)).expect("remove");
        self
    }

    /// A git command with a fixed identity, no user or system config.
    pub(crate) fn git_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(self.path());
        isolate(&mut cmd, self.path());
        cmd
    }

    /// Runs git and returns its stdout; panics when git fails.
    pub(crate) fn git(&self, args: &[&str]) -> String {
        let out = self.git_cmd(args).output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Stages everything and commits with the next fixed date; returns the commit id.
    pub(crate) fn commit(&mut self, message: &str) -> String {
        self.clock += 3600;
        let when = self.clock;
        self.commit_at(message, when)
    }

    /// Stages everything and commits at a unix time.
    pub(crate) fn commit_at(&mut self, message: &str, unix: i64) -> String {
        self.clock = self.clock.max(unix);
        self.git(&["add", "-A"]);
        let date = format!("@{unix} +0000");
        let out = self
            .git_cmd(&["commit", "-q", "--allow-empty", "-m", message])
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git commit");
        assert!(
            out.status.success(),
            "commit failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// A cairn command run in this folder.
    pub(crate) fn cairn_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("cairn").expect("cairn binary");
        cmd.args(args).current_dir(self.path());
        isolate(&mut cmd, self.path());
        cmd.env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("GITHUB_ACTIONS");
        cmd
    }

    /// Runs cairn and captures what a user sees.
    pub(crate) fn cairn(&self, args: &[&str]) -> Run {
        let out = self.cairn_cmd(args).output().expect("run cairn");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// A clone of this repository in a new temporary folder, made with
    /// `git clone -q OPTIONS file://...`; panics when git fails.
    pub(crate) fn clone_with(&self, options: &[&str]) -> TestRepo {
        let clone = TestRepo::plain();
        let url = format!("file://{}", self.path().display());
        let mut args = vec!["clone", "-q"];
        args.extend_from_slice(options);
        args.extend([url.as_str(), "."]);
        clone.git(&args);
        clone
    }

    /// The folder as a `PathBuf`.
    pub(crate) fn path_buf(&self) -> PathBuf {
        self.path().to_path_buf()
    }
}

/// Keeps git and cairn away from the host's configuration and identity.
pub(crate) fn isolate(cmd: &mut Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Ada Park")
        .env("GIT_AUTHOR_EMAIL", "ada@example.org")
        .env("GIT_COMMITTER_NAME", "Ada Park")
        .env("GIT_COMMITTER_EMAIL", "ada@example.org")
        .env("GIT_AUTHOR_DATE", "@1709283600 +0000")
        .env("GIT_COMMITTER_DATE", "@1709283600 +0000")
        .env("TZ", "UTC")
        .env("CAIRN_TODAY", "2024-03-01")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
}

/// A valid experiment record.
pub(crate) fn experiment(id: &str, status: &str) -> String {
    let done = if status == "done" {
        "metrics:\n  recall: 0.81\n  precision: 0.7\noutcome: supported\n"
    } else {
        ""
    };
    let sections = if status == "done" {
        "\n## Results\n\nRecall 0.81.\n\n## Conclusion\n\nKeep it.\n"
    } else {
        ""
    };
    format!(
        "---\nid: {id}\ntitle: Experiment {id}\nstatus: {status}\ncreated: 2024-03-01\nhypothesis: mel features beat MFCC\n{done}---\n\n# Experiment {id}\n\n## Setup\n\nLogistic regression on 2,000 clips.\n{sections}"
    )
}

/// A valid decision record.
pub(crate) fn decision(id: &str, status: &str) -> String {
    let accepted = if status == "proposed" || status == "rejected" {
        ""
    } else {
        "deciders: [Ada Park]\ndecided: 2024-03-02\n"
    };
    format!(
        "---\nid: {id}\ntitle: Decision {id}\nstatus: {status}\ncreated: 2024-03-01\n{accepted}---\n\n# Decision {id}\n\n## Context\n\nWe need features.\n\n## Options\n\nMel or MFCC.\n\n## Decision\n\nMel.\n\n## Consequences\n\nRetrain.\n"
    )
}

/// A valid scope record.
pub(crate) fn scope(id: &str, status: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Scope {id}\nstatus: {status}\ncreated: 2024-03-01\nowner: Ada Park\nassumptions: [labels exist for 2023]\nsuccess_criteria: [recall above 0.8]\n---\n\n# Scope {id}\n\n## Problem\n\nFind bird calls.\n\n## Inputs and outputs\n\nClips in, labels out.\n"
    )
}

impl Run {
    /// The same run with the folder's absolute path shown as `[REPO]`, so
    /// that messages naming files snapshot the same on every machine.
    pub(crate) fn redact(mut self, repo: &TestRepo) -> Run {
        let mut roots = vec![repo.path().display().to_string()];
        if let Ok(real) = std::fs::canonicalize(repo.path()) {
            roots.insert(0, real.display().to_string());
        }
        for root in roots {
            self.stdout = self.stdout.replace(&root, "[REPO]");
            self.stderr = self.stderr.replace(&root, "[REPO]");
        }
        self
    }

    /// The findings of a `--format json` run as (code, file, line).
    pub(crate) fn findings(&self) -> Vec<(String, String, u64)> {
        let doc: serde_json::Value =
            serde_json::from_str(&self.stdout).expect("validate printed JSON");
        doc["diagnostics"]
            .as_array()
            .expect("a diagnostics array")
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().expect("code").to_string(),
                    d["file"].as_str().expect("file").to_string(),
                    d["line"].as_u64().expect("line"),
                )
            })
            .collect()
    }

    /// Fails the test if cairn panicked.
    pub(crate) fn assert_no_panic(&self) -> &Self {
        assert!(
            !self.stderr.contains("panicked"),
            "cairn panicked:\n{}",
            self.stderr
        );
        self
    }
}

impl TestRepo {
    /// Runs cairn and shows the folder's path as `[REPO]`.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.cairn(args).redact(self)
    }

    /// Creates a symlink at `rel` pointing to `target` (as given).
    pub(crate) fn symlink(&self, target: impl AsRef<Path>, rel: &str) -> &Self {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::os::unix::fs::symlink(target, path).expect("symlink");
        self
    }

    /// A sparse file of `len` bytes that starts like a record.
    pub(crate) fn write_huge(&self, rel: &str, len: u64) -> &Self {
        self.write(rel, "---\nid: EXP-9999\n---\n");
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(self.path().join(rel))
            .expect("open");
        file.set_len(len).expect("set_len");
        self
    }

    /// The files under `rel`, sorted, relative to it (for "nothing was written").
    pub(crate) fn listing(&self, rel: &str) -> Vec<String> {
        let root = self.path().join(rel);
        let mut out: Vec<String> = walk(&root)
            .into_iter()
            .map(|p| p.strip_prefix(&root).expect("inside").display().to_string())
            .collect();
        out.sort();
        out
    }

    /// Reads a file's bytes.
    pub(crate) fn read_bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path().join(rel)).expect("read")
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Asserts that a run failed with exit 2 and one line on stderr saying how
/// to fetch the history a shallow clone lacks.
pub(crate) fn assert_shallow_advice(run: &Run) {
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains("git fetch --unshallow"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}
