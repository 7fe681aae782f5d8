use super::tree::{common_parent, normalize_dirs};
use super::*;
use std::fs;
use std::process::Command;

/// Runs git in `dir` with a fixed identity and date, isolated from the host's config.
fn git(dir: &Path, args: &[&str]) -> String {
    git_at(dir, args, "2024-01-01T12:00:00+00:00")
}

fn git_at(dir: &Path, args: &[&str], date: &str) -> String {
    let output = git_output(dir, args, date);
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Runs git as [`git_at`] does, and gives what it did, failed or not.
fn git_output(dir: &Path, args: &[&str], date: &str) -> std::process::Output {
    let home = dir.parent().unwrap_or(dir);
    Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_DATE", date)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git runs")
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

/// A temp folder holding `repo/`, an initialised repository.
fn new_repo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("repo");
    fs::create_dir(&dir).expect("mkdir");
    git(&dir, &["init", "-q"]);
    (tmp, dir)
}

fn commit_all(dir: &Path, message: &str) -> ObjectId {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    ObjectId::from_hex(git(dir, &["rev-parse", "HEAD"]))
}

/// The files of the repository's pack folder whose names end in `.ext`.
fn pack_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    fs::read_dir(dir.join(".git/objects/pack"))
        .expect("pack folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == ext))
        .collect()
}

/// `git verify-pack -v` of the repository's one pack: each object's delta
/// chain, and the lengths of the chains.
fn verify_pack(dir: &Path) -> String {
    let index = pack_files(dir, "idx").pop().expect("a pack index");
    git(dir, &["verify-pack", "-v", index.to_str().expect("utf-8")])
}

fn dirs(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Three commits: c1 adds research/a.md, research/b.md, src/main.rs;
/// c2 modifies a.md, deletes b.md, adds research/sub/c.md; c3 changes only src/.
fn history() -> (tempfile::TempDir, PathBuf, [ObjectId; 3]) {
    let (tmp, dir) = new_repo();
    write(&dir, "research/a.md", "a1\n");
    write(&dir, "research/b.md", "b1\n");
    write(&dir, "src/main.rs", "fn main() {}\n");
    let c1 = commit_all(&dir, "first");
    git(&dir, &["tag", "v1.0"]);
    write(&dir, "research/a.md", "a2\n");
    fs::remove_file(dir.join("research/b.md")).expect("rm");
    write(&dir, "research/sub/c.md", "c1\n");
    let c2 = commit_all(&dir, "second\n\nbody line");
    git(&dir, &["tag", "-a", "v2.0", "-m", "annotated"]);
    write(&dir, "src/main.rs", "fn main() { println!(); }\n");
    let c3 = commit_all(&dir, "third");
    (tmp, dir, [c1, c2, c3])
}

#[test]
fn object_id_short_and_display() {
    let id = ObjectId::from_hex("0123456789abcdef0123456789abcdef01234567".to_owned());
    assert_eq!(id.short(), "0123456");
    assert_eq!(id.to_string(), id.as_str());
    assert_eq!(ObjectId::from_hex("ab".to_owned()).short(), "ab");
}

#[test]
fn resolves_revisions() {
    let (_tmp, dir, [c1, c2, c3]) = history();
    let repo = Repo::discover(&dir.join("research")).expect("discover");
    assert_eq!(repo.resolve("HEAD").expect("HEAD"), c3);
    assert_eq!(repo.head().expect("head"), c3);
    assert_eq!(repo.resolve("HEAD~1").expect("HEAD~1"), c2);
    assert_eq!(repo.resolve("main").expect("branch"), c3);
    assert_eq!(repo.resolve("v1.0").expect("tag"), c1);
    assert_eq!(repo.resolve("v2.0").expect("annotated tag"), c2);
    assert_eq!(repo.resolve(&c1.as_str()[..10]).expect("prefix"), c1);
    assert!(!repo.is_shallow());
    for rev in ["nope", "HEAD~10", "main..", "HEAD^{tree}"] {
        let err = repo.resolve(rev).expect_err(rev);
        assert!(
            matches!(err, GitError::UnknownRevision { .. } | GitError::Git { .. }),
            "{rev}: {err:?}"
        );
    }
    let err = repo.resolve("nope").expect_err("unknown");
    assert!(matches!(err, GitError::UnknownRevision { ref rev } if rev == "nope"));
    assert_eq!(
        err.to_string(),
        "unknown revision `nope`; check the name with `git rev-parse nope`"
    );
}

#[test]
fn empty_repository() {
    let (_tmp, dir) = new_repo();
    let repo = Repo::discover(&dir).expect("discover");
    assert!(matches!(repo.head(), Err(GitError::EmptyRepository)));
    assert!(matches!(
        repo.resolve("HEAD~1"),
        Err(GitError::EmptyRepository)
    ));
    assert!(matches!(
        repo.resolve("main"),
        Err(GitError::EmptyRepository)
    ));
    assert_eq!(repo.workdir().map(canon), Some(canon(&dir)));
}

#[test]
fn not_a_repository() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // A ceiling would be ideal; a temp dir is normally outside any repository.
    match Repo::discover(tmp.path()) {
        Err(GitError::NotARepository { path }) => assert_eq!(path, tmp.path()),
        // The host put its temp dir inside a repository: nothing to test here.
        Ok(_) => assert!(
            std::env::temp_dir()
                .ancestors()
                .any(|d| d.join(".git").exists())
        ),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

#[test]
fn commit_metadata() {
    let (_tmp, dir, [c1, c2, _]) = history();
    let repo = Repo::discover(&dir).expect("discover");
    let info = repo.commit(&c2).expect("commit");
    assert_eq!(info.id, c2);
    assert_eq!(info.parents, vec![c1.clone()]);
    assert_eq!(info.author, "Ada Lovelace");
    assert_eq!(info.email, "ada@example.com");
    assert_eq!(info.time, 1_704_110_400);
    assert_eq!(info.offset_minutes, 0);
    assert_eq!(info.summary, "second");
    assert_eq!(info.message, "second\n\nbody line\n");
    assert!(repo.commit(&c1).expect("root").parents.is_empty());
    let bogus = ObjectId::from_hex("1".repeat(40));
    assert!(repo.commit(&bogus).is_err());
    assert!(matches!(
        repo.commit(&ObjectId::from_hex("abc".to_owned())),
        Err(GitError::UnknownRevision { .. })
    ));
}

#[test]
fn tree_files_under_prefixes() {
    let (_tmp, dir, [c1, c2, _]) = history();
    let repo = Repo::discover(&dir).expect("discover");
    let paths = |files: Vec<TreeFile>| files.into_iter().map(|f| f.path).collect::<Vec<_>>();
    assert_eq!(
        paths(repo.tree_files(&c2, &dirs(&["research"])).expect("files")),
        ["research/a.md", "research/sub/c.md"]
    );
    assert_eq!(
        paths(
            repo.tree_files(&c2, &dirs(&["research/", "research/sub", "src"]))
                .expect("files")
        ),
        ["research/a.md", "research/sub/c.md", "src/main.rs"]
    );
    assert_eq!(
        paths(repo.tree_files(&c1, &dirs(&["."])).expect("files")),
        ["research/a.md", "research/b.md", "src/main.rs"]
    );
    assert!(
        repo.tree_files(&c1, &dirs(&["missing"]))
            .expect("files")
            .is_empty()
    );
    assert!(repo.exists_in_commit(&c2, "research/sub").expect("exists"));
    assert!(repo.exists_in_commit(&c2, "research/a.md").expect("exists"));
    assert!(!repo.exists_in_commit(&c2, "research/b.md").expect("exists"));
    assert!(repo.exists_in_commit(&c1, "research/b.md").expect("exists"));
    assert!(
        !repo
            .exists_in_commit(&c1, "research/a.md/x")
            .expect("exists")
    );
}

#[cfg(unix)]
#[test]
fn blob_bytes_and_symlinks() {
    let (_tmp, dir) = new_repo();
    write(&dir, "docs/note.md", "hello\n");
    std::os::unix::fs::symlink("note.md", dir.join("docs/link.md")).expect("symlink");
    let c = commit_all(&dir, "docs");
    let repo = Repo::discover(&dir).expect("discover");
    let files = repo.tree_files(&c, &dirs(&["docs"])).expect("files");
    assert_eq!(files.len(), 2);
    assert_eq!(
        (files[0].path.as_str(), files[0].symlink),
        ("docs/link.md", true)
    );
    assert_eq!(
        (files[1].path.as_str(), files[1].symlink),
        ("docs/note.md", false)
    );
    assert_eq!(repo.blob(&files[0].blob).expect("blob"), b"note.md");
    assert_eq!(repo.blob(&files[1].blob).expect("blob"), b"hello\n");
    let absent = ObjectId::from_hex("2".repeat(40));
    assert!(
        matches!(repo.blob(&absent), Err(GitError::MissingObject { ref what, .. }) if what == "blob")
    );
}

#[test]
fn index_files_after_add() {
    let (_tmp, dir, [_, _, c3]) = history();
    let repo = Repo::discover(&dir).expect("discover");
    write(&dir, "research/new.md", "new\n");
    write(&dir, "research/unstaged.md", "no\n");
    git(&dir, &["add", "research/new.md"]);
    let files = repo.index_files(&dirs(&["research"])).expect("index");
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["research/a.md", "research/new.md", "research/sub/c.md"]
    );
    assert_eq!(repo.blob(&files[1].blob).expect("blob"), b"new\n");
    assert!(repo.exists_in_index("research/new.md").expect("exists"));
    assert!(repo.exists_in_index("research/sub").expect("exists"));
    assert!(repo.exists_in_index("research/sub/").expect("exists"));
    assert!(
        !repo
            .exists_in_index("research/unstaged.md")
            .expect("exists")
    );
    assert!(!repo.exists_in_index("research/su").expect("exists"));
    assert_eq!(
        repo.changed_paths_to_worktree(&c3, true, &[])
            .expect("cached"),
        ["research/new.md"]
    );
}

#[test]
fn diff_between_commits() {
    let (_tmp, dir, [c1, c2, c3]) = history();
    let repo = Repo::discover(&dir).expect("discover");
    let research = dirs(&["research"]);
    let changes = repo.diff_commits(Some(&c1), &c2, &research).expect("diff");
    assert_eq!(
        statuses(&changes),
        [
            (ChangeStatus::Modified, "research/a.md"),
            (ChangeStatus::Deleted, "research/b.md"),
            (ChangeStatus::Added, "research/sub/c.md"),
        ]
    );
    assert!(changes[0].old_blob.is_some() && changes[0].new_blob.is_some());
    assert!(changes[1].new_blob.is_none());
    assert_eq!(
        repo.blob(changes[2].new_blob.as_ref().expect("new"))
            .expect("blob"),
        b"c1\n"
    );
    // c3 only touched src/: the research subtree is identical and skipped.
    assert!(
        repo.diff_commits(Some(&c2), &c3, &research)
            .expect("diff")
            .is_empty()
    );
    assert_eq!(
        repo.diff_commits(Some(&c2), &c3, &[]).expect("diff")[0].path,
        "src/main.rs"
    );
    // Root commit against the empty tree.
    let root: Vec<_> = repo.diff_commits(None, &c1, &[]).expect("diff");
    assert!(
        root.iter()
            .all(|c| c.status == ChangeStatus::Added && c.old_blob.is_none())
    );
    assert_eq!(root.len(), 3);
    assert!(
        repo.diff_commits(None, &c1, &dirs(&["nowhere"]))
            .expect("diff")
            .is_empty()
    );
    assert_eq!(
        repo.changed_paths(&c1, &c3).expect("paths"),
        [
            "research/a.md",
            "research/b.md",
            "research/sub/c.md",
            "src/main.rs"
        ]
    );
}

#[test]
fn diff_file_replaced_by_folder() {
    let (_tmp, dir) = new_repo();
    write(&dir, "notes", "file\n");
    let c1 = commit_all(&dir, "file");
    fs::remove_file(dir.join("notes")).expect("rm");
    write(&dir, "notes/x.md", "x\n");
    let c2 = commit_all(&dir, "folder");
    let repo = Repo::discover(&dir).expect("discover");
    let changes = repo
        .diff_commits(Some(&c1), &c2, &dirs(&["notes"]))
        .expect("diff");
    assert_eq!(
        statuses(&changes),
        [
            (ChangeStatus::Deleted, "notes"),
            (ChangeStatus::Added, "notes/x.md")
        ]
    );
}

#[test]
fn changed_paths_to_worktree_includes_untracked() {
    let (_tmp, dir, [c1, _, c3]) = history();
    write(&dir, ".gitignore", "*.log\n");
    write(&dir, "debug.log", "ignored\n");
    write(&dir, "src/new/lib.rs", "untracked\n");
    write(&dir, "src/main.rs", "edited\n");
    let repo = Repo::discover(&dir).expect("discover");
    assert_eq!(
        repo.changed_paths_to_worktree(&c3, false, &[])
            .expect("worktree"),
        [".gitignore", "src/main.rs", "src/new/lib.rs"]
    );
    assert!(
        repo.changed_paths_to_worktree(&c3, true, &[])
            .expect("cached")
            .is_empty()
    );
    let from_c1 = repo
        .changed_paths_to_worktree(&c1, false, &[])
        .expect("worktree");
    assert!(from_c1.contains(&"research/b.md".to_owned()), "{from_c1:?}");
}

#[test]
fn walk_merge_base_and_first_parent() {
    let (_tmp, dir) = new_repo();
    write(&dir, "f", "0\n");
    let base = commit_all(&dir, "base");
    git(&dir, &["checkout", "-q", "-b", "topic"]);
    write(&dir, "t", "1\n");
    let topic = ObjectId::from_hex({
        git_at(&dir, &["add", "-A"], "2024-01-02T12:00:00+00:00");
        git_at(
            &dir,
            &["commit", "-q", "-m", "topic"],
            "2024-01-02T12:00:00+00:00",
        );
        git(&dir, &["rev-parse", "HEAD"])
    });
    git(&dir, &["checkout", "-q", "main"]);
    write(&dir, "m", "1\n");
    git_at(&dir, &["add", "-A"], "2024-01-03T12:00:00+00:00");
    git_at(
        &dir,
        &["commit", "-q", "-m", "main"],
        "2024-01-03T12:00:00+00:00",
    );
    let main = ObjectId::from_hex(git(&dir, &["rev-parse", "HEAD"]));
    git_at(
        &dir,
        &["merge", "-q", "--no-ff", "-m", "merge", "topic"],
        "2024-01-04T12:00:00+00:00",
    );
    let merge = ObjectId::from_hex(git(&dir, &["rev-parse", "HEAD"]));
    let repo = Repo::discover(&dir).expect("discover");

    let all = repo.walk(&merge, None, false).expect("walk");
    assert_eq!(
        all,
        [merge.clone(), main.clone(), topic.clone(), base.clone()]
    );
    let first = repo.walk(&merge, None, true).expect("walk");
    assert_eq!(first, [merge.clone(), main.clone(), base.clone()]);
    let hidden = repo.walk(&merge, Some(&main), false).expect("walk");
    assert_eq!(hidden, [merge.clone(), topic.clone()]);
    assert_eq!(repo.merge_base(&main, &topic).expect("base"), base);
    assert_eq!(repo.commit(&merge).expect("merge").parents, [main, topic]);
}

#[test]
fn branch_tips_include_remote_tracking() {
    let (tmp, dir, [_, c2, c3]) = history();
    git(&dir, &["branch", "old", c2.as_str()]);
    let clone = tmp.path().join("clone");
    let url = format!("file://{}", dir.display());
    git(
        tmp.path(),
        &["clone", "-q", url.as_str(), clone.to_str().expect("utf-8")],
    );
    git(&clone, &["checkout", "-q", "-b", "local", c2.as_str()]);
    let repo = Repo::discover(&clone).expect("discover");
    let tips = repo.branch_tips().expect("tips");
    let expected = [
        ("local".to_owned(), c2.clone()),
        ("main".to_owned(), c3.clone()),
        ("origin/main".to_owned(), c3.clone()),
        ("origin/old".to_owned(), c2.clone()),
    ];
    assert_eq!(tips, expected);
    assert_eq!(repo.resolve("origin/old").expect("remote branch"), c2);
}

#[test]
fn shallow_clone_reports_missing_history() {
    let (tmp, dir, [_, _, c3]) = history();
    let clone = tmp.path().join("shallow");
    let url = format!("file://{}", dir.display());
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            url.as_str(),
            clone.to_str().expect("utf-8"),
        ],
    );
    let repo = Repo::discover(&clone).expect("discover");
    assert!(repo.is_shallow());
    assert_eq!(repo.resolve("HEAD").expect("HEAD"), c3);
    for rev in ["HEAD~1", "HEAD~50", "HEAD^2", "v1.0"] {
        match repo.resolve(rev) {
            Err(GitError::Shallow { rev: r }) => assert_eq!(r, rev),
            other => panic!("{rev}: expected Shallow, got {other:?}"),
        }
    }
    let err = repo.walk(&c3, None, false).expect_err("walk past boundary");
    assert!(matches!(err, GitError::Shallow { .. }), "{err:?}");
    assert!(err.to_string().contains("fetch-depth: 0"));
    assert!(repo.commit(&c3).expect("commit").parents.is_empty());
    assert_eq!(
        repo.tree_files(&c3, &dirs(&["research"]))
            .expect("files")
            .len(),
        2
    );
}

#[test]
fn linked_worktree() {
    let (tmp, dir, [_, c2, _]) = history();
    let linked = tmp.path().join("linked");
    git(
        &dir,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "wt",
            linked.to_str().expect("utf-8"),
            c2.as_str(),
        ],
    );
    write(&linked, "research/wt.md", "wt\n");
    let repo = Repo::discover(&linked.join("research")).expect("discover");
    assert_eq!(repo.workdir().map(canon), Some(canon(&linked)));
    assert_eq!(repo.head().expect("head"), c2);
    assert_eq!(
        repo.changed_paths_to_worktree(&c2, false, &[])
            .expect("worktree"),
        ["research/wt.md"]
    );
    let tips = repo.branch_tips().expect("tips");
    assert!(tips.iter().any(|(name, id)| name == "wt" && *id == c2));
}

#[test]
fn bare_repository() {
    let (tmp, dir, [_, _, c3]) = history();
    let bare = tmp.path().join("bare.git");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            "--bare",
            dir.to_str().expect("utf-8"),
            bare.to_str().expect("utf-8"),
        ],
    );
    let repo = Repo::discover(&bare).expect("discover");
    assert!(repo.workdir().is_none());
    assert_eq!(repo.head().expect("head"), c3);
    assert!(matches!(
        repo.changed_paths_to_worktree(&c3, false, &[]),
        Err(GitError::BareRepository)
    ));
    assert!(matches!(
        repo.index_files(&[]),
        Err(GitError::BareRepository)
    ));
}

#[test]
fn user_name_from_config() {
    let (_tmp, dir) = new_repo();
    git(&dir, &["config", "user.name", "Grace Hopper"]);
    let repo = Repo::discover(&dir).expect("discover");
    assert_eq!(repo.user_name().as_deref(), Some("Grace Hopper"));
}

#[test]
fn normalizes_prefixes() {
    assert_eq!(normalize_dirs(&[]), [""]);
    assert_eq!(normalize_dirs(&dirs(&["a", "."])), [""]);
    assert_eq!(
        normalize_dirs(&dirs(&["./a/", "a/b", "a-b", "a"])),
        ["a", "a-b"]
    );
    assert!(is_under("a/b", "a") && is_under("a", "a") && !is_under("ab", "a"));
    let dirs = |d: &[&str]| d.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        common_parent(&dirs(&["r/e", "r/s", "r/d/x"])).as_deref(),
        Some("r")
    );
    assert_eq!(common_parent(&dirs(&["r/e"])).as_deref(), Some("r/e"));
    assert_eq!(common_parent(&dirs(&["a/e", "b/e"])), None);
}

/// Each change as (status, path), for comparing with a literal.
fn statuses(changes: &[TreeChange]) -> Vec<(ChangeStatus, &str)> {
    changes
        .iter()
        .map(|c| (c.status, c.path.as_str()))
        .collect()
}

fn canon(path: &Path) -> PathBuf {
    path.canonicalize().expect("canonicalize")
}

/// `count` commits made by `git fast-import`, each changing one of eight
/// files under `research/` (adding, editing, then removing it in turn)
/// and every third one a file under `src/`.
fn long_history(count: usize) -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = new_repo();
    let mut stream = String::new();
    for n in 0..count {
        let time = 1_704_067_200 + n * 60;
        let message = format!("step {n}");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Ada Lovelace <ada@example.com> {time} +0000\ndata {}\n{message}\n",
            message.len()
        ));
        let file = format!("research/{}/r{}.md", ["a", "b"][n % 2], n % 8);
        if n % 11 == 10 {
            stream.push_str(&format!("D {file}\n"));
        } else {
            let text = format!("step {n}\n");
            stream.push_str(&format!(
                "M 100644 inline {file}\ndata {}\n{text}\n",
                text.len()
            ));
        }
        if n % 3 == 0 {
            let text = format!("code {n}\n");
            stream.push_str(&format!(
                "M 100644 inline src/main.rs\ndata {}\n{text}\n",
                text.len()
            ));
        }
    }
    let mut child = Command::new("git")
        .current_dir(&dir)
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git fast-import runs");
    std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), stream.as_bytes())
        .expect("stream written");
    assert!(child.wait().expect("fast-import ends").success());
    (tmp, dir)
}

#[test]
fn many_pairs_compared_at_once_are_each_pair_compared() {
    let (_tmp, dir) = long_history(300);
    let repo = Repo::discover(&dir).expect("discover");
    let head = repo.resolve("main").expect("main");
    let chain = repo.first_parent_chain(&head).expect("chain");
    assert_eq!(chain.len(), 300);
    let research = dirs(&["research"]);
    let one_by_one: Vec<Vec<TreeChange>> = chain
        .iter()
        .map(|(commit, parent)| repo.diff_commits(parent.as_ref(), commit, &research))
        .collect::<Result<_, _>>()
        .expect("each diff");
    // Every pair changed one record file, or none (a code-only commit
    // after the file was removed is still a change: the file is new).
    assert!(one_by_one.iter().all(|changes| changes.len() <= 1));
    assert!(one_by_one.iter().filter(|c| c.is_empty()).count() < 30);
    // On three threads, so the pairs are split among them even on a
    // machine with one core.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .expect("pool");
    let at_once = pool.install(|| {
        let repo = Repo::discover(&dir).expect("discover on the pool");
        let pairs: Vec<(Option<&ObjectId>, &ObjectId)> =
            chain.iter().map(|(c, p)| (p.as_ref(), c)).collect();
        repo.diff_commits_each(&pairs, &research)
    });
    let at_once = at_once.expect("diffs at once");
    let paths = |all: &[Vec<TreeChange>]| -> Vec<Vec<(ChangeStatus, String)>> {
        all.iter()
            .map(|changes| changes.iter().map(|c| (c.status, c.path.clone())).collect())
            .collect()
    };
    assert_eq!(paths(&at_once), paths(&one_by_one));
    let blobs = |all: &[Vec<TreeChange>]| -> Vec<Option<ObjectId>> {
        all.iter().flatten().map(|c| c.new_blob.clone()).collect()
    };
    assert_eq!(blobs(&at_once), blobs(&one_by_one));
}

#[test]
fn work_done_abreast_keeps_order_and_reports_the_first_failure() {
    let (_tmp, dir) = new_repo();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .expect("pool");
    let items: Vec<usize> = (0..1000).collect();
    let (doubled, failed) = pool.install(|| {
        let repo = Repo::discover(&dir).expect("discover on the pool");
        let doubled = repo.abreast(&items, 7, |_, n| Ok(n * 2));
        let failed = repo.abreast(&items, 7, |_, &n| {
            if n == 300 || n == 301 || n == 900 {
                Err(GitError::Shallow { rev: n.to_string() })
            } else {
                Ok(n)
            }
        });
        (doubled, failed)
    });
    let doubled = doubled.expect("no failure");
    assert_eq!(doubled, (0..1000).map(|n| n * 2).collect::<Vec<_>>());
    match failed {
        Err(GitError::Shallow { rev }) => assert_eq!(rev, "300"),
        other => panic!("expected the failure at 300, got {other:?}"),
    }
}

#[test]
fn changed_paths_to_worktree_within_folders() {
    let (_tmp, dir, [_, _, c3]) = history();
    write(&dir, "research/a.md", "edited\n");
    write(
        &dir,
        "research-notes/x.md",
        "a sibling sharing the prefix\n",
    );
    write(&dir, "src/main.rs", "edited\n");
    write(&dir, "lab[1]/r.md", "untracked\n");
    write(
        &dir,
        "lab1/r.md",
        "what `lab[1]` would match as a pattern\n",
    );
    let repo = Repo::discover(&dir).expect("discover");
    assert_eq!(
        repo.changed_paths_to_worktree(&c3, false, &dirs(&["research"]))
            .expect("within research"),
        ["research/a.md"]
    );
    assert_eq!(
        repo.changed_paths_to_worktree(&c3, false, &dirs(&["lab[1]", "research/"]))
            .expect("within two folders"),
        ["lab[1]/r.md", "research/a.md"]
    );
    // A folder that is the whole tree is no restriction.
    assert_eq!(
        repo.changed_paths_to_worktree(&c3, false, &dirs(&["", "research"]))
            .expect("everything"),
        [
            "lab1/r.md",
            "lab[1]/r.md",
            "research-notes/x.md",
            "research/a.md",
            "src/main.rs"
        ]
    );
}

#[test]
fn untracked_files_shown_are_those_a_comparison_with_head_shows() {
    let (_tmp, dir) = new_repo();
    write(&dir, ".gitignore", "ignored/\n");
    write(&dir, "ignored/c.md", "base\n");
    git(&dir, &["add", ".gitignore"]);
    git(&dir, &["add", "-f", "ignored/c.md"]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    // Deleted on main, changed on `other`: merging leaves a conflict the
    // index holds at stages 1 and 3, and HEAD without the file.
    git(&dir, &["checkout", "-q", "-b", "other"]);
    write(&dir, "ignored/c.md", "theirs\n");
    git(&dir, &["commit", "-q", "-am", "theirs"]);
    git(&dir, &["checkout", "-q", "main"]);
    git(&dir, &["rm", "-q", "ignored/c.md"]);
    git(&dir, &["commit", "-q", "-m", "delete"]);
    let merged = git_output(&dir, &["merge", "-q", "other"], "2024-01-01T12:00:00+00:00");
    assert!(!merged.status.success(), "the merge conflicts");
    write(&dir, "ignored/d.md", "untracked, ignored\n");
    write(&dir, "ignored/e.md", "ignored, but added\n");
    git(&dir, &["add", "-f", "ignored/e.md"]);
    write(&dir, "new.md", "untracked\n");
    let repo = Repo::discover(&dir).expect("discover");
    let head = repo.resolve("HEAD").expect("HEAD");
    let candidates = ["ignored/c.md", "ignored/d.md", "ignored/e.md", "new.md"];
    let shown = repo
        .shown_untracked(candidates.map(str::to_owned).to_vec())
        .expect("shown");
    assert_eq!(shown, ["ignored/c.md", "ignored/e.md", "new.md"]);
    let compared: Vec<String> = repo
        .changed_paths_to_worktree(&head, false, &[])
        .expect("compared")
        .into_iter()
        .filter(|p| candidates.contains(&p.as_str()))
        .collect();
    assert_eq!(shown, compared);
}

#[test]
fn every_reading_reads_the_same_blobs_from_a_pack() {
    let (_tmp, dir) = new_repo();
    let mut text = String::new();
    let mut commits = Vec::new();
    for version in 0..12 {
        text.push_str(&format!("line {version} of a record that grows\n"));
        write(&dir, "research/a.md", &text);
        commits.push((commit_all(&dir, "grow"), text.clone()));
    }
    git(&dir, &["gc", "-q", "--aggressive"]);
    let verified = verify_pack(&dir);
    assert!(
        verified.contains("chain length = 1"),
        "deltas in the pack:\n{verified}"
    );

    let repo = Repo::discover(&dir).expect("discover");
    for reading in [
        Reading::Compare,
        Reading::Follow,
        Reading::Walk,
        Reading::Snapshots,
    ] {
        assert!(
            repo.read_for(reading),
            "this build's libgit2 has the vendored option"
        );
        let fresh = Repo::discover(&dir).expect("discover");
        for (commit, text) in &commits {
            let files = fresh
                .tree_files(commit, &dirs(&["research"]))
                .expect("files");
            let blob = fresh.blob(&files[0].blob).expect("blob");
            assert_eq!(blob, text.as_bytes(), "{reading:?}");
        }
    }
}

/// Blobs are read in the order the pack stores them, loose ones after,
/// and each comes back in its place in the order asked.
#[test]
fn blobs_are_read_in_pack_order_and_given_back_in_the_order_asked() {
    let (_tmp, dir) = new_repo();
    for n in 0..150 {
        write(
            &dir,
            &format!("research/r{n:03}.md"),
            &format!("record {n}\n{}\n", "text ".repeat(n)),
        );
    }
    commit_all(&dir, "records");
    git(&dir, &["gc", "-q"]);
    // A blob written after the pack stays loose.
    write(&dir, "research/loose.md", "written after the pack\n");
    let commit = commit_all(&dir, "one more");
    let repo = Repo::discover(&dir).expect("discover");
    let files = repo
        .tree_files(&commit, &dirs(&["research"]))
        .expect("files");
    let ids: Vec<ObjectId> = files.iter().map(|f| f.blob.clone()).collect();

    // `git show-index` lists each packed object with its offset.
    let pack = pack_files(&dir, "idx").pop().expect("a pack index");
    let listing = Command::new("git")
        .arg("show-index")
        .stdin(fs::File::open(&pack).expect("open index"))
        .output()
        .expect("git show-index");
    let offsets: HashMap<String, u64> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|line| {
            let mut words = line.split_whitespace();
            let offset = words.next().expect("offset").parse().expect("a number");
            (words.next().expect("id").to_string(), offset)
        })
        .collect();
    let loose = files
        .iter()
        .position(|f| f.path == "research/loose.md")
        .expect("the loose file is listed");
    assert!(
        !offsets.contains_key(ids[loose].as_str()),
        "loose, not packed"
    );
    let mut expected: Vec<usize> = (0..ids.len()).filter(|&at| at != loose).collect();
    expected.sort_by_key(|&at| offsets[ids[at].as_str()]);
    expected.push(loose);
    let order = repo.in_pack_order(&ids);
    assert_eq!(order, expected);
    assert_ne!(
        order,
        (0..ids.len()).collect::<Vec<_>>(),
        "the pack's order is not the tree's"
    );

    let read = repo.blobs_within(&ids, 1 << 20).expect("read");
    let mapped = repo
        .map_blobs_within(&ids, 1 << 20, |at, read| (at, read.map(|b| b.len())))
        .expect("read");
    for (at, file) in files.iter().enumerate() {
        let bytes = fs::read(dir.join(&file.path)).expect("the file");
        assert_eq!(read[at].as_deref(), Ok(&bytes[..]), "{}", file.path);
        assert_eq!(mapped[at], (at, Ok(bytes.len())), "{}", file.path);
    }
}

/// More delta bases than the cache holds: every version of a large file,
/// each stored as a difference from another, read through the smallest
/// cache (a revision's records, 1 MiB) by two threads at once and then in
/// an order that jumps about the chains. The cache makes room by freeing
/// the bases used longest ago; each version must still come out whole.
#[test]
fn versions_beyond_the_delta_base_cache_read_whole() {
    let (_tmp, dir) = new_repo();
    let mut lines: Vec<String> = (0..6000)
        .map(|n| format!("line {n:04} of a long experiment log, kept as it was\n"))
        .collect();
    let mut texts = Vec::new();
    for version in 0..40 {
        lines[version * 149 % 6000] = format!("line changed in version {version}\n");
        let text = lines.concat();
        write(&dir, &format!("research/v{version:02}.md"), &text);
        texts.push(text);
    }
    commit_all(&dir, "forty versions");
    git(&dir, &["gc", "-q", "--aggressive"]);
    let verified = verify_pack(&dir);
    let longest = verified
        .lines()
        .filter_map(|line| line.strip_prefix("chain length = "))
        .filter_map(|rest| rest.split(':').next()?.parse::<usize>().ok())
        .max();
    assert!(
        longest.is_some_and(|n| n >= 10),
        "long chains of deltas in the pack:\n{verified}"
    );

    let repo = Repo::discover(&dir).expect("discover");
    assert!(repo.read_for(Reading::Snapshots));
    // Fewer than four versions fit in the cache.
    assert!(texts[0].len() * 4 > Reading::Snapshots.delta_bases(0));
    let head = repo.head().expect("HEAD");
    let files = repo.tree_files(&head, &dirs(&["research"])).expect("files");
    let ids: Vec<ObjectId> = files.iter().map(|f| f.blob.clone()).collect();
    let read = repo.blobs_within(&ids, u64::MAX).expect("read");
    for (at, blob) in read.into_iter().enumerate() {
        assert!(
            blob.expect("within the limit") == texts[at].as_bytes(),
            "v{at:02}"
        );
    }
    for at in (0..40).map(|n| n * 17 % 40) {
        assert!(
            repo.blob(&ids[at]).expect("blob") == texts[at].as_bytes(),
            "v{at:02}"
        );
    }
}

/// The packs a repository reads from, its own and those it borrows from
/// (a `git clone --shared` reads the source's through
/// `objects/info/alternates`), size what a history walk keeps of them.
#[test]
fn packed_bytes_count_borrowed_packs_and_size_a_walk() {
    let (tmp, dir) = new_repo();
    for n in 0..20 {
        write(
            &dir,
            &format!("research/r{n:02}.md"),
            &format!("record {n}\n"),
        );
    }
    commit_all(&dir, "records");
    let fresh = Repo::discover(&dir).expect("discover");
    assert_eq!(fresh.packed_bytes(), 0, "only loose objects");

    git(&dir, &["gc", "-q"]);
    let pack_len: u64 = pack_files(&dir, "pack")
        .iter()
        .map(|path| fs::metadata(path).expect("stat").len())
        .sum();
    assert!(pack_len > 0);
    assert_eq!(
        Repo::discover(&dir).expect("discover").packed_bytes(),
        pack_len
    );

    let shared = tmp.path().join("shared");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            "--shared",
            "repo",
            shared.to_str().expect("utf-8"),
        ],
    );
    assert!(shared.join(".git/objects/info/alternates").is_file());
    let borrowing = Repo::discover(&shared).expect("discover");
    assert_eq!(
        borrowing.packed_bytes(),
        pack_len,
        "the source's pack, once"
    );

    // A walk keeps a quarter of what is packed, between its bounds.
    let mib = |n: u64| n << 20;
    let walk = |packed| {
        (
            Reading::Walk.delta_bases(packed),
            Reading::Walk.windows(packed),
        )
    };
    assert_eq!(walk(0), (32 << 20, (16 << 20, 32 << 20)));
    assert_eq!(walk(mib(58)), (32 << 20, (16 << 20, 32 << 20)));
    assert_eq!(walk(mib(200)), (50 << 20, (25 << 20, 50 << 20)));
    assert_eq!(walk(mib(510)), (96 << 20, (32 << 20, 64 << 20)));
    assert_eq!(Reading::Follow.delta_bases(mib(510)), 16 << 20);
    assert_eq!(Reading::Compare.windows(mib(510)), (8 << 20, 16 << 20));
}
