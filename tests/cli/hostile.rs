//! A stranger's pull request (docs/reliability.md): nothing outside the
//! repository is read or written through a symlink, small inputs cost
//! little, writes are exact or refused, and output cannot be misread.

use crate::support::{TestRepo, decision, experiment};

const EXP: &str = "research/experiments";
const DEC: &str = "research/decisions";
const SECRET: &str = "ghp_SECRETTOKEN0123456789";

/// A folder outside the repository holding a "credentials" file and a
/// record whose values must never show up.
fn outside() -> TestRepo {
    let out = TestRepo::plain();
    out.write("credentials", format!("token: {SECRET}\n"));
    out.write(
        "experiments/EXP-0999-stolen.md",
        experiment("EXP-0999", "running").replace("Experiment EXP-0999", SECRET),
    );
    out.write(
        "template.md",
        format!("---\nid: {{{{id}}}}\ntitle: {SECRET}\n---\n"),
    );
    out
}

fn assert_secret_kept(run: &crate::support::Run) {
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "{}",
        run.render()
    );
    assert!(!run.stdout.contains("EXP-0999"), "{}", run.render());
}

// ----- containment ---------------------------------------------------------

#[test]
fn a_config_symlinked_out_of_the_repository_is_an_error_naming_the_link() {
    let out = outside();
    let repo = TestRepo::new();
    repo.symlink(out.path().join("credentials"), ".cairn/config.yaml");
    for args in [&["validate"][..], &["list"], &["new", "experiment", "x"]] {
        let run = repo.run(args);
        assert_eq!(run.code, 2, "{}", run.render());
        assert_secret_kept(&run);
        assert!(
            run.stderr.contains("`.cairn/config.yaml`"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("outside the repository"),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

#[test]
fn a_kind_folder_symlinked_elsewhere_is_reported_in_the_worktree_and_in_history() {
    let out = outside();
    let mut repo = TestRepo::new();
    repo.write(
        &format!("{DEC}/DEC-0001-a.md"),
        decision("DEC-0001", "accepted"),
    )
    .symlink(out.path().join("experiments"), EXP);
    let run = repo.run(&["validate", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_secret_kept(&run);
    assert_eq!(
        run.findings(),
        [("parse/symlink".to_string(), EXP.to_string(), 1)]
    );
    let list = repo.run(&["list", "--format", "paths"]);
    assert_secret_kept(&list);
    assert_eq!(list.stdout, format!("{DEC}/DEC-0001-a.md\n"));
    // `new` writes nothing through the link.
    let new = repo.run(&["new", "experiment", "Through the link"]);
    assert_eq!(new.code, 2, "{}", new.render());
    assert!(new.stderr.contains(EXP), "{}", new.stderr);
    assert_eq!(out.listing("experiments"), ["EXP-0999-stolen.md"]);
    // History sees the same link the same way.
    repo.commit("link");
    let rev = repo.run(&["validate", "--rev", "HEAD", "--format", "json"]);
    assert_eq!(rev.code, 1, "{}", rev.render());
    assert_secret_kept(&rev);
    assert_eq!(
        rev.findings(),
        [("parse/symlink".to_string(), EXP.to_string(), 1)]
    );
}

#[test]
fn a_folder_above_the_kind_folders_symlinked_is_reported_in_the_worktree_index_and_history() {
    let mut repo = TestRepo::new();
    repo.write(
        "elsewhere/experiments/EXP-0001-a.md",
        experiment("EXP-0001", "running"),
    )
    .symlink("elsewhere", "research");
    // One finding on the link for each kind folder under it, the same from
    // the working tree, the index and a commit.
    let run = repo.run(&["validate", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.render());
    let expected = run.findings();
    assert_eq!(expected.len(), 5, "{}", run.render());
    assert!(
        expected
            .iter()
            .all(|f| f == &("parse/symlink".to_string(), "research".to_string(), 1)),
        "{}",
        run.render()
    );
    assert!(
        run.stdout
            .contains("so the records under `research/experiments` are not read"),
        "{}",
        run.stdout
    );
    repo.git(&["add", "-A"]);
    let cached = repo.run(&["validate", "--cached", "--format", "json"]);
    assert_eq!(cached.code, 1, "{}", cached.render());
    assert_eq!(cached.findings(), expected, "{}", cached.render());
    repo.commit("link the records folder");
    let rev = repo.run(&["validate", "--rev", "HEAD", "--format", "json"]);
    assert_eq!(rev.code, 1, "{}", rev.render());
    assert_eq!(rev.findings(), expected, "{}", rev.render());
}

#[test]
fn a_record_symlinked_into_the_git_folder_is_not_read() {
    let repo = TestRepo::new();
    repo.git(&["config", "http.extraheader", SECRET]);
    repo.symlink("../../.git/config", &format!("{EXP}/EXP-0001-config.md"));
    let run = repo.run(&["validate"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_secret_kept(&run);
    assert!(run.stdout.contains("parse/symlink"), "{}", run.stdout);
}

#[test]
fn a_template_symlinked_out_of_the_repository_is_refused() {
    let out = outside();
    let repo = TestRepo::new();
    repo.symlink(
        out.path().join("template.md"),
        ".cairn/templates/experiment.md",
    );
    let run = repo.run(&["new", "experiment", "Copy the secret"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert_secret_kept(&run);
    assert!(
        run.stderr.contains(".cairn/templates/experiment.md"),
        "{}",
        run.stderr
    );
    assert!(!repo.path().join(EXP).exists());
}

// ----- bounded cost --------------------------------------------------------

#[test]
fn nesting_keys_and_globs_over_the_limits_are_findings() {
    let repo = TestRepo::plain();
    let base = experiment("EXP-0001", "running");
    let deep = format!("params: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let keys: String = (0..10_001).map(|i| format!("  k{i}: {i}\n")).collect();
    let glob = format!("covers: [\"src/{{{}}}\"]\n", vec!["a"; 2000].join(","));
    let cases = [
        (
            "EXP-0001-deep.md",
            deep,
            "parse/yaml",
            6,
            "nested more than 64",
        ),
        (
            "EXP-0002-keys.md",
            format!("params:\n{keys}"),
            "parse/yaml",
            2,
            "more than the 10000",
        ),
        (
            "EXP-0003-glob.md",
            glob,
            "schema/type",
            6,
            "characters long",
        ),
    ];
    for (name, extra, ..) in &cases {
        let id = &name[..8];
        let text = base
            .replace("EXP-0001", id)
            .replace("hypothesis:", &format!("{extra}hypothesis:"));
        repo.write(&format!("{EXP}/{name}"), text);
    }
    let run = repo.run(&["validate", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.render());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    for (name, _, code, line, words) in cases {
        let found = doc["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .find(|d| d["file"] == format!("{EXP}/{name}"))
            .unwrap_or_else(|| panic!("no finding for {name}: {}", run.stdout));
        assert_eq!(found["code"], code, "{found}");
        assert!(
            found["message"].as_str().expect("message").contains(words),
            "{found}"
        );
        if code != "parse/yaml" || words.contains("nested") {
            assert_eq!(found["line"], line, "{found}");
        }
    }
}

#[test]
fn many_headings_and_links_are_read() {
    let repo = TestRepo::plain();
    let body: String = (0..20_000)
        .map(|i| format!("## Part {i}\n\nSee [x](missing-{i}.md).\n\n"))
        .collect();
    let text = experiment("EXP-0001", "running") + &body;
    let last_link = 1 + text
        .lines()
        .position(|l| l.contains("missing-19999.md"))
        .expect("last link");
    repo.write(&format!("{EXP}/EXP-0001-long.md"), &text);
    let run = repo.run(&["validate", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let findings = run.findings();
    assert_eq!(findings.len(), 20_000);
    // Line numbers stay right to the end of a long body.
    assert_eq!(findings.iter().map(|f| f.2).max(), Some(last_link as u64));
}

#[test]
fn a_committed_blob_over_the_limit_is_a_finding() {
    let mut repo = TestRepo::new();
    repo.write(
        &format!("{EXP}/EXP-0001-a.md"),
        experiment("EXP-0001", "running"),
    )
    .write_huge(&format!("{EXP}/EXP-0002-huge.md"), 11 * 1024 * 1024);
    repo.commit("huge");
    let run = repo.run(&["validate", "--rev", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_eq!(
        run.findings(),
        [(
            "parse/too-large".to_string(),
            format!("{EXP}/EXP-0002-huge.md"),
            1
        )]
    );
}

#[test]
fn a_config_that_is_a_device_fifo_or_folder_is_an_error() {
    let repo = TestRepo::new();
    let run = repo.run(&["--config", "/dev/zero", "validate"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains("a device, not a regular file"),
        "{}",
        run.stderr
    );

    std::fs::create_dir_all(repo.path().join(".cairn/config.yaml")).expect("mkdir");
    let run = repo.run(&["validate"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains("a folder, not a regular file"),
        "{}",
        run.stderr
    );

    std::fs::remove_dir(repo.path().join(".cairn/config.yaml")).expect("rmdir");
    let made = std::process::Command::new("mkfifo")
        .arg(repo.path().join(".cairn/config.yaml"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let run = repo.run(&["validate"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains("a FIFO, not a regular file"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_kind_written_twice_in_the_config_is_an_error() {
    let repo = TestRepo::plain();
    repo.write(
        ".cairn/config.yaml",
        "version: 1\nkinds:\n  note:\n    dir: notes\n    prefix: NOTE\n  note:\n    dir: other\n    prefix: OTHER\n",
    );
    let run = repo.run(&["validate"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(run.stderr.contains(".cairn/config.yaml:"), "{}", run.stderr);
    assert!(run.stderr.contains("duplicate"), "{}", run.stderr);
    assert!(run.stderr.contains("note"), "{}", run.stderr);
}

// ----- exact writes --------------------------------------------------------

fn superseding(old: &str) -> (TestRepo, crate::support::Run) {
    let mut repo = TestRepo::new();
    repo.git(&["config", "user.name", "Grace Hopper"]);
    repo.write(&format!("{DEC}/DEC-0001-old.md"), old);
    repo.commit("old");
    let run = repo.run(&["new", "decision", "Use mel", "--supersedes", "DEC-0001"]);
    (repo, run)
}

#[test]
fn supersede_refuses_flow_style_and_anchored_front_matter_and_writes_nothing() {
    let flow = "---\n{id: DEC-0001, title: Old, status: accepted, created: 2024-03-01, deciders: [Ada], decided: 2024-03-02}\n---\n\n# Old\n";
    let anchored = decision("DEC-0001", "accepted")
        .replace("status: accepted", "status: &state accepted\nwas: *state");
    for (old, words) in [
        (flow.to_string(), "flow style"),
        (anchored, "anchor, alias or tag"),
    ] {
        let (repo, run) = superseding(&old);
        assert_eq!(run.code, 2, "{}", run.render());
        assert!(run.stderr.contains(words), "{}", run.stderr);
        assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
        assert_eq!(repo.read(&format!("{DEC}/DEC-0001-old.md")), old);
        assert_eq!(repo.listing(DEC), ["DEC-0001-old.md"]);
    }
}

#[test]
fn supersede_edits_a_symlinked_record_through_its_link() {
    let mut repo = TestRepo::new();
    repo.write("archive/DEC-0001-old.md", decision("DEC-0001", "accepted"))
        .symlink(
            "../../archive/DEC-0001-old.md",
            &format!("{DEC}/DEC-0001-old.md"),
        );
    repo.commit("old");
    let run = repo.run(&["new", "decision", "Use mel", "--supersedes", "DEC-0001"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let link = repo.path().join(DEC).join("DEC-0001-old.md");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    let text = repo.read("archive/DEC-0001-old.md");
    assert!(
        text.contains("status: superseded\nsuperseded_by: DEC-0002\n"),
        "{text}"
    );
}

#[test]
fn supersede_of_a_record_symlinked_outside_writes_nothing() {
    let out = TestRepo::plain();
    out.write("DEC-0001-old.md", decision("DEC-0001", "accepted"));
    let mut repo = TestRepo::new();
    repo.write("README.md", "x\n");
    repo.symlink(
        out.path().join("DEC-0001-old.md"),
        &format!("{DEC}/DEC-0001-old.md"),
    );
    repo.commit("old");
    let run = repo.run(&["new", "decision", "Use mel", "--supersedes", "DEC-0001"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert_eq!(
        out.read("DEC-0001-old.md"),
        decision("DEC-0001", "accepted")
    );
    assert_eq!(repo.listing(DEC), ["DEC-0001-old.md"]);
}

#[test]
fn new_records_honour_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let repo = TestRepo::new();
    for (umask, mode) in [("022", 0o644), ("077", 0o600)] {
        let cmd = repo.cairn_cmd(&["new", "lesson", &format!("Umask {umask}")]);
        let program = cmd.get_program().to_owned();
        let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
        let mut shell = std::process::Command::new("sh");
        shell
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
            .arg(program)
            .args(args)
            .current_dir(repo.path());
        for (key, value) in cmd.get_envs() {
            match value {
                Some(v) => shell.env(key, v),
                None => shell.env_remove(key),
            };
        }
        let output = shell.output().expect("run");
        assert!(output.status.success(), "{output:?}");
        let path = String::from_utf8(output.stdout).expect("utf-8");
        let meta = std::fs::metadata(repo.path().join(path.trim())).expect("written");
        assert_eq!(meta.permissions().mode() & 0o777, mode, "umask {umask}");
    }
}

#[test]
fn a_title_holding_placeholders_and_quotes_makes_a_valid_record() {
    let repo = TestRepo::new();
    repo.git(&["config", "user.name", "Grace \"G\" Hopper"]);
    let title = "Ask {{author}} about it: \"why\" #1, [maybe]";
    let run = repo.run(&["new", "experiment", title]);
    assert_eq!(run.code, 0, "{}", run.render());
    let run = repo.run(&["list", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(doc["records"][0]["title"], title);
    let run = repo.run(&["validate", "--format", "json"]);
    assert!(
        run.findings().iter().all(|f| !f.0.starts_with("parse/")),
        "{}",
        run.stdout
    );
}

// ----- output --------------------------------------------------------------

#[test]
fn a_title_with_line_breaks_never_starts_a_line_of_its_own() {
    let mut repo = TestRepo::new();
    repo.write(
        &format!("{EXP}/EXP-0001-a.md"),
        experiment("EXP-0001", "running").replace(
            "title: Experiment EXP-0001",
            "title: \"x\\n::error::forged\\n::add-mask::y\"",
        ),
    );
    repo.commit("one");
    for args in [
        &["summary", "--format", "text"][..],
        &["list"],
        &["diff", "HEAD~0"],
    ] {
        let run = repo.run(args);
        assert!(run.code == 0 || run.code == 1, "{}", run.render());
        for line in run.stdout.lines().chain(run.stderr.lines()) {
            assert!(!line.trim_start().starts_with("::"), "{args:?}: {line}");
        }
    }
    let summary = repo.run(&["summary", "--format", "text"]);
    assert!(
        summary.stdout.contains("x\\n::error::forged"),
        "{}",
        summary.stdout
    );
}

#[test]
fn paths_are_quoted_or_nul_terminated() {
    let repo = TestRepo::plain();
    repo.write(
        &format!("{EXP}/EXP-0001-a\nb.md"),
        experiment("EXP-0001", "running"),
    )
    .write(
        &format!("{EXP}/EXP-0002-plain.md"),
        experiment("EXP-0002", "running"),
    );
    let run = repo.run(&["list", "--format", "paths"]);
    assert_eq!(
        run.stdout,
        format!("\"{EXP}/EXP-0001-a\\nb.md\"\n{EXP}/EXP-0002-plain.md\n")
    );
    let run = repo.run(&["list", "-z"]);
    assert_eq!(
        run.stdout,
        format!("{EXP}/EXP-0001-a\nb.md\0{EXP}/EXP-0002-plain.md\0")
    );
    let run = repo.run(&["list", "-z", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.render());
}

#[test]
fn sarif_uris_are_percent_encoded() {
    let repo = TestRepo::plain();
    repo.write(
        &format!("{EXP}/EXP-0001-a b#c%.md"),
        experiment("EXP-0001", "runing"),
    );
    let run = repo.run(&["validate", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout
            .contains(&format!("\"uri\": \"{EXP}/EXP-0001-a%20b%23c%25.md\"")),
        "{}",
        run.stdout
    );
}

#[test]
fn markdown_and_mermaid_output_cannot_be_hijacked() {
    let mut repo = TestRepo::new();
    let hostile = "%%{init: {'theme':'dark'}}%% <img src=x> https://evil.example @octocat";
    repo.write(
        &format!("{EXP}/EXP-0001-a.md"),
        experiment("EXP-0001", "running").replace(
            "title: Experiment EXP-0001",
            &format!("title: \"{hostile}\""),
        ),
    )
    .write(
        &format!("{DEC}/DEC-0001-a.md"),
        decision("DEC-0001", "accepted")
            .replace("title: Decision DEC-0001", &format!("title: \"{hostile}\""))
            .replace(
                "created: 2024-03-01\n",
                "created: 2024-03-01\nevidence: [EXP-0001]\n",
            ),
    );
    repo.commit("one");
    let run = repo.run(&["summary", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.render());
    for bad in ["<img", "https://evil", "@octocat"] {
        assert!(!run.stdout.contains(bad), "{bad} in\n{}", run.stdout);
    }
    // A Mermaid block holds no directive and no raw HTML.
    let blocks: Vec<&str> = run.stdout.split("```mermaid").skip(1).collect();
    assert!(!blocks.is_empty(), "{}", run.stdout);
    for block in blocks {
        let block = block.split("```").next().unwrap_or("");
        assert!(!block.contains("%%") && !block.contains('<'), "{block}");
    }
}

// ----- exit codes ----------------------------------------------------------

#[test]
fn validate_of_a_missing_or_outside_path_exits_2() {
    let repo = TestRepo::new();
    repo.write(
        &format!("{EXP}/EXP-0001-a.md"),
        experiment("EXP-0001", "running"),
    );
    for (path, words) in [
        ("research/experimnets", "does not exist"),
        ("../..", "outside the repository"),
    ] {
        let run = repo.run(&["validate", path]);
        assert_eq!(run.code, 2, "{}", run.render());
        assert!(run.stderr.contains(words), "{}", run.stderr);
    }
    assert_eq!(repo.run(&["validate", "research/scopes"]).code, 0);
}

#[test]
fn diff_sees_file_names_that_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let mut repo = TestRepo::new();
    let dir = repo.path().join(EXP);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let name = |n: &str| {
        dir.join(std::ffi::OsStr::from_bytes(
            &[b"EXP-".as_slice(), n.as_bytes(), b"-caf\xe9.md"].concat(),
        ))
    };
    std::fs::write(name("0001"), experiment("EXP-0001", "planned")).expect("write");
    repo.commit("one");
    std::fs::write(name("0001"), experiment("EXP-0001", "running")).expect("write");
    std::fs::write(name("0002"), experiment("EXP-0002", "planned")).expect("write");
    let run = repo.run(&["diff", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let changes: Vec<(String, String)> = doc["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("").to_string(),
                c["change"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("EXP-0001".to_string(), "modified".to_string()),
            ("EXP-0002".to_string(), "added".to_string())
        ]
    );
}

#[test]
fn records_whose_names_are_not_utf8_are_read_by_validate_and_list() {
    use std::os::unix::ffi::OsStrExt;
    let mut repo = TestRepo::new();
    let sub = repo
        .path()
        .join(EXP)
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    std::fs::create_dir_all(&sub).expect("mkdir");
    let file = sub.join(std::ffi::OsStr::from_bytes(b"EXP-0001-caf\xe9.md"));
    std::fs::write(&file, experiment("EXP-0001", "planned")).expect("write");
    repo.commit("one");
    std::fs::write(&file, experiment("EXP-0001", "running")).expect("write");
    for extra in [&[][..], &["--no-cache"], &[]] {
        let mut args = vec!["validate"];
        args.extend_from_slice(extra);
        let run = repo.run(&args);
        assert_eq!(run.code, 0, "{}", run.render());
        assert!(run.stdout.contains("in 1 record"), "{}", run.render());
        let mut args = vec!["list", "--format", "json"];
        args.extend_from_slice(extra);
        let run = repo.run(&args);
        assert_eq!(run.code, 0, "{}", run.render());
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        assert_eq!(doc["records"][0]["status"], "running", "{}", run.stdout);
        assert_eq!(
            doc["records"][0]["path"],
            "research/experiments/caf\u{fffd}/EXP-0001-caf\u{fffd}.md"
        );
    }
}
