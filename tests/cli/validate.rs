//! `cairn validate`: every non-history diagnostic code at its file and
//! line, every output format, every exit code, path filters, and the
//! examples folder.

use cairn::diagnostic::Code;

use crate::support::{TestRepo, decision, experiment, scope};

const EXP: &str = "research/experiments";
const DEC: &str = "research/decisions";

fn at(dir: &str, name: &str) -> String {
    format!("{dir}/{name}")
}

/// A log holding one instance of every non-history finding, each in its
/// own file where it can be, and a clean record of each kind.
fn every_finding(outside: &TestRepo) -> TestRepo {
    let repo = TestRepo::plain();
    outside.write("outside.md", experiment("EXP-0900", "running"));
    let good = experiment("EXP-0001", "running");
    repo.write(&at(EXP, "EXP-0001-good.md"), &good)
        .write("research/scopes/SCOPE-0001-good.md", scope("SCOPE-0001", "draft"))
        .write(&at(EXP, "EXP-0002-no-front-matter.md"), "# Just a heading\n\nNo fields.\n")
        .write(&at(EXP, "EXP-0003-unterminated.md"), "---\nid: EXP-0003\ntitle: Open\n")
        // The YAML error is on YAML line 2, which is file line 3.
        .write(
            &at(EXP, "EXP-0004-yaml.md"),
            "---\nid: EXP-0004\ntitle: a: b\nstatus: running\n---\n",
        )
        .write(&at(EXP, "EXP-0005-not-mapping.md"), "---\n- a\n- b\n---\n")
        .write(
            &at(EXP, "EXP-0006-latin1.md"),
            b"---\nid: EXP-0006\ntitle: caf\xe9\n---\n".as_slice(),
        )
        .write(
            &at(EXP, "EXP-0007-duplicate-key.md"),
            good.replace("created: 2024-03-01\n", "created: 2024-03-01\ntitle: Again\n")
                .replace("EXP-0001", "EXP-0007"),
        )
        .write_huge(&at(EXP, "EXP-0008-huge.md"), 50 * 1024 * 1024)
        .symlink(outside.path().join("outside.md"), &at(EXP, "EXP-0009-outside.md"))
        .symlink("nowhere.md", &at(EXP, "EXP-0010-dangling-link.md"))
        .write(
            &at(EXP, "EXP-0011-missing-field.md"),
            good.replace("hypothesis: mel features beat MFCC\n", "")
                .replace("EXP-0001", "EXP-0011"),
        )
        .write(
            &at(EXP, "EXP-0012-types.md"),
            good.replace("2024-03-01", "2023-14-05")
                .replace("hypothesis:", "tags: audio\nhypothesis:")
                .replace("EXP-0001", "EXP-0012"),
        )
        .write(
            &at(EXP, "EXP-0013-enum.md"),
            good.replace("status: running", "status: runing")
                .replace("EXP-0001", "EXP-0013"),
        )
        .write(
            &at(EXP, "EXP-14-id-format.md"),
            good.replace("EXP-0001", "EXP-14"),
        )
        .write(
            &at(EXP, "EXP-0015-unknown-field.md"),
            good.replace("hypothesis:", "outcme: supported\nhypothesis:")
                .replace("EXP-0001", "EXP-0015"),
        )
        .write(
            &at(EXP, "EXP-0016-missing-section.md"),
            good.replace("## Setup", "## Set-up").replace("EXP-0001", "EXP-0016"),
        )
        .write(
            &at(EXP, "EXP-0017-references.md"),
            good.replace("hypothesis:", "scope: SCOPE-0404\nbaseline: DEC-0001\nhypothesis:")
                .replace("EXP-0001", "EXP-0017")
                + "\nSee [the data](../../data/README.md) and [the scope](../scopes/SCOPE-0001-good.md).\n",
        )
        .write(&at(DEC, "DEC-0001-mel.md"), decision("DEC-0001", "accepted"))
        .write(&at(DEC, "DEC-0001-raw-audio.md"), decision("DEC-0001", "proposed"))
        .write(
            &at(DEC, "DEC-0002-old.md"),
            decision("DEC-0002", "superseded").replace(
                "decided: 2024-03-02\n",
                "decided: 2024-03-02\nsuperseded_by: DEC-0003\n",
            ),
        )
        .write(&at(DEC, "DEC-0003-new.md"), decision("DEC-0003", "accepted"))
        .write(
            &at(EXP, "EXP-0021-placeholder.md"),
            good.replace("hypothesis: mel features beat MFCC", "hypothesis: \"TODO: the claim\"")
                .replace("EXP-0001", "EXP-0021"),
        )
        .write(&at(DEC, "DEC-0005-old.md"), superseded("DEC-0005", "DEC-0006"))
        .write(&at(DEC, "DEC-0006-rejected.md"), successor("DEC-0006", "rejected", "DEC-0005"))
        .write(&at(DEC, "DEC-0007-old.md"), superseded("DEC-0007", "DEC-0008"))
        .write(&at(DEC, "DEC-0008-proposed.md"), successor("DEC-0008", "proposed", "DEC-0007"))
        .write(
            &at(DEC, "DEC-0004-review.md"),
            decision("DEC-0004", "accepted").replace(
                "decided: 2024-03-02\n",
                "decided: 2024-03-02\nreview_by: 2024-02-01\n",
            ),
        );
    for id in ["EXP-0018", "EXP-0019", "EXP-0020"] {
        repo.write(
            &at(EXP, &format!("{id}-busy.md")),
            experiment(id, "running").replace(
                "created: 2024-03-01\n",
                "created: 2024-03-01\nauthors: [Ada Park]\n",
            ),
        );
    }
    repo
}

/// A decision superseded by `by`.
fn superseded(id: &str, by: &str) -> String {
    decision(id, "superseded").replace(
        "decided: 2024-03-02\n",
        &format!("decided: 2024-03-02\nsuperseded_by: {by}\n"),
    )
}

/// A decision in `status` that supersedes `old`.
fn successor(id: &str, status: &str, old: &str) -> String {
    decision(id, status).replace(
        "created: 2024-03-01\n",
        &format!("created: 2024-03-01\nsupersedes: [{old}]\n"),
    )
}

#[test]
fn every_code_is_reported_at_its_file_and_line() {
    let outside = TestRepo::plain();
    let repo = every_finding(&outside);
    let run = repo.run(&["validate", "--format", "json"]);
    run.assert_no_panic();
    assert_eq!(run.code, 1, "{}", run.render());
    let found = run.findings();
    let expect = [
        ("parse/no-front-matter", "EXP-0002-no-front-matter.md", 1),
        ("parse/unterminated", "EXP-0003-unterminated.md", 1),
        ("parse/yaml", "EXP-0004-yaml.md", 3),
        ("parse/not-mapping", "EXP-0005-not-mapping.md", 2),
        ("parse/encoding", "EXP-0006-latin1.md", 3),
        ("parse/duplicate-key", "EXP-0007-duplicate-key.md", 6),
        ("parse/too-large", "EXP-0008-huge.md", 1),
        ("parse/symlink", "EXP-0009-outside.md", 1),
        ("parse/symlink", "EXP-0010-dangling-link.md", 1),
        ("schema/missing-field", "EXP-0011-missing-field.md", 1),
        ("schema/type", "EXP-0012-types.md", 5),
        ("schema/type", "EXP-0012-types.md", 6),
        ("schema/enum", "EXP-0013-enum.md", 4),
        ("schema/id-format", "EXP-14-id-format.md", 2),
        ("schema/unknown-field", "EXP-0015-unknown-field.md", 6),
        ("schema/missing-section", "EXP-0016-missing-section.md", 1),
        ("ref/dangling", "EXP-0017-references.md", 6),
        ("ref/wrong-kind", "EXP-0017-references.md", 7),
        ("link/broken", "EXP-0017-references.md", 17),
        ("wip/limit", "EXP-0020-busy.md", 4),
        ("schema/placeholder", "EXP-0021-placeholder.md", 6),
    ];
    for (code, name, line) in expect {
        let file = at(EXP, name);
        assert!(
            found.contains(&(code.to_string(), file.clone(), line)),
            "no {code} at {file}:{line} in {found:#?}"
        );
    }
    for name in ["DEC-0001-mel.md", "DEC-0001-raw-audio.md"] {
        assert!(
            found.contains(&("ref/duplicate-id".into(), at(DEC, name), 2)),
            "{found:#?}"
        );
    }
    assert!(found.contains(&("review/due".into(), at(DEC, "DEC-0004-review.md"), 8)));
    // A successor rejected is an error, one only proposed a warning.
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let successors: Vec<(&str, &str)> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "ref/target-status")
        .map(|d| {
            (
                d["file"].as_str().unwrap_or_default(),
                d["severity"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        successors,
        [
            ("research/decisions/DEC-0005-old.md", "error"),
            ("research/decisions/DEC-0007-old.md", "warning")
        ]
    );
    assert!(found.contains(&(
        "ref/supersede-mismatch".into(),
        at(DEC, "DEC-0002-old.md"),
        8
    )));
    // The clean records have no findings, and nothing is reported twice.
    assert!(
        !found
            .iter()
            .any(|(_, f, _)| f.contains("-good.md") || f.contains("DEC-0003"))
    );
    // Every code but the history ones (checked with --base) and
    // parse/unreadable (see bad_input) is covered here.
    for code in Code::ALL {
        let text = code.as_str();
        if text.starts_with("history/") || *code == Code::Unreadable {
            continue;
        }
        assert!(
            found.iter().any(|(c, _, _)| c == text),
            "{text} not covered"
        );
    }
    insta::assert_snapshot!(repo.run(&["validate"]).render());
}

#[test]
fn json_has_the_documented_shape() {
    let outside = TestRepo::plain();
    let repo = every_finding(&outside);
    let run = repo.run(&["validate", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["records"], 31);
    let diagnostics = doc["diagnostics"].as_array().expect("array");
    let errors = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d["severity"] == "warning")
        .count();
    assert_eq!(doc["errors"], errors);
    assert_eq!(doc["warnings"], warnings);
    for d in diagnostics {
        let mut keys: Vec<&str> = d
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["code", "file", "id", "line", "message", "severity"]);
    }
    let enum_finding = diagnostics
        .iter()
        .find(|d| d["code"] == "schema/enum")
        .expect("an enum finding");
    insta::assert_json_snapshot!(enum_finding);
    // Without a parsed id the id is null.
    let yaml = diagnostics
        .iter()
        .find(|d| d["code"] == "parse/yaml")
        .expect("yaml");
    assert!(yaml["id"].is_null());
}

#[test]
fn github_format_annotates_every_finding() {
    let outside = TestRepo::plain();
    let repo = every_finding(&outside);
    let run = repo.run(&["validate", "--format", "github"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.render());
}

#[test]
fn sarif_carries_every_finding_with_its_rule_and_location() {
    let outside = TestRepo::plain();
    let repo = every_finding(&outside);
    let json = repo.run(&["validate", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let run = repo.run(&["validate", "--format", "sarif"]);
    assert_eq!(run.code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF");
    assert_eq!(sarif["version"], "2.1.0");
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "cairn");
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Code::ALL.len());
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(results.len(), diagnostics.len());
    for (result, d) in results.iter().zip(diagnostics) {
        assert_eq!(result["ruleId"], d["code"]);
        assert_eq!(
            rules[result["ruleIndex"].as_u64().expect("index") as usize]["id"],
            d["code"]
        );
        assert_eq!(result["level"], d["severity"]);
        assert_eq!(result["message"]["text"], d["message"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], d["file"]);
        assert_eq!(location["region"]["startLine"], d["line"]);
    }
}

#[test]
fn github_format_escapes_properties_and_messages() {
    let repo = TestRepo::plain();
    repo.write(
        &at(EXP, "EXP-0001-50%,a:b.md"),
        experiment("EXP-0001", "running")
            .replace("status: running", "status: \"runing\\nfake: 100%\\e[31m\""),
    );
    let run = repo.run(&["validate", "--format", "github"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("file=research/experiments/EXP-0001-50%25%2Ca%3Ab.md,line=4,")
    );
    assert!(!run.stdout.contains('\u{1b}'));
    insta::assert_snapshot!(run.render());
    // The text format keeps the finding on one line.
    let text = repo.run(&["validate"]);
    assert!(
        text.stdout
            .contains("status `runing\\nfake: 100%\\u{1b}[31m` is not one of")
    );
    insta::assert_snapshot!("github_format_escapes_text", text.render());
}

fn clean_log() -> TestRepo {
    let repo = TestRepo::plain();
    repo.write(&at(EXP, "EXP-0001-a.md"), experiment("EXP-0001", "done"))
        .write(
            "research/scopes/SCOPE-0001-a.md",
            scope("SCOPE-0001", "agreed"),
        )
        .write(&at(DEC, "DEC-0001-a.md"), decision("DEC-0001", "accepted"));
    repo
}

#[test]
fn a_clean_log_exits_0() {
    let repo = clean_log();
    insta::assert_snapshot!(repo.run(&["validate"]).render());
    let json = repo.run(&["validate", "--format", "json"]);
    assert_eq!(json.code, 0);
    insta::assert_snapshot!("a_clean_log_json", json.stdout);
}

#[test]
fn warnings_exit_0_unless_strict() {
    let repo = clean_log();
    repo.write(
        &at(EXP, "EXP-0002-b.md"),
        experiment("EXP-0002", "running").replace("hypothesis:", "colour: red\nhypothesis:"),
    );
    let run = repo.run(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.render());
    insta::assert_snapshot!(run.render());
    let strict = repo.run(&["validate", "--strict"]);
    assert_eq!(strict.code, 1);
    assert_eq!(strict.stdout, run.stdout);
}

#[test]
fn errors_exit_1() {
    let repo = clean_log();
    repo.write(
        &at(EXP, "EXP-0002-b.md"),
        experiment("EXP-0002", "running").replace("status: running", "status: finished"),
    );
    let run = repo.run(&["validate"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.render());
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let run = clean_log().run(&["validate", "--strikt"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.render());
}

fn with_config(text: &str) -> TestRepo {
    let repo = clean_log();
    repo.write(".cairn/config.yaml", text);
    repo
}

/// Runs validate under a broken configuration: exit 2, one line on stderr
/// that names the file and `line`.
fn config_error(text: &str, line: usize) -> crate::support::Run {
    let run = with_config(text).run(&["validate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!(".cairn/config.yaml:{line}: ")),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    run
}

#[test]
fn an_unknown_field_type_names_the_config_file_and_line() {
    let run = config_error(
        "version: 1\nkinds:\n  note:\n    dir: notes\n    fields:\n      body:\n        type: strng\n",
        6,
    );
    insta::assert_snapshot!(run.render());
}

#[test]
fn a_bad_regex_in_the_config_exits_2() {
    let run = config_error(
        "kinds:\n  adr:\n    dir: /docs/adr\n    id: {from: filename, pattern: '^(\\d{4}-'}\n",
        4,
    );
    insta::assert_snapshot!(run.render());
}

#[test]
fn a_kind_without_a_folder_exits_2() {
    let run = config_error("kinds:\n  note:\n    prefix: NOTE\n", 3);
    insta::assert_snapshot!(run.render());
}

#[test]
fn a_yaml_error_in_the_config_exits_2() {
    let run = config_error("version: 1\nkinds:\n  note:\n    dir: a: b\n", 4);
    insta::assert_snapshot!(run.render());
}

#[test]
fn rev_outside_a_git_repository_exits_2() {
    let run = clean_log().run(&["validate", "--rev", "HEAD"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(run.render());
}

#[test]
fn paths_restrict_the_report() {
    let outside = TestRepo::plain();
    let repo = every_finding(&outside);
    let one = repo.run(&["validate", &at(EXP, "EXP-0013-enum.md")]);
    assert_eq!(one.code, 1);
    insta::assert_snapshot!(one.render());
    // A folder selects the files under it; cross-record checks still see
    // every record (DEC-0001 is duplicated across two files).
    let folder = repo.run(&["validate", "--format", "json", DEC]);
    let files: Vec<String> = folder.findings().into_iter().map(|(_, f, _)| f).collect();
    assert!(
        files.iter().all(|f| f.starts_with("research/decisions/")),
        "{files:?}"
    );
    assert!(files.contains(&at(DEC, "DEC-0001-raw-audio.md")));
    // A clean file among broken ones: exit 0.
    let clean = repo.run(&["validate", &at(EXP, "EXP-0001-good.md")]);
    assert_eq!(clean.code, 0, "{}", clean.render());
    assert_eq!(clean.stdout, "0 errors, 0 warnings in 1 record\n");
    // Paths are taken relative to where cairn runs (the root is the
    // folder that holds `.cairn/`).
    assert_eq!(repo.run(&["init"]).code, 0);
    let from_inside = repo.run(&["-C", EXP, "validate", "EXP-0013-enum.md"]);
    assert_eq!(from_inside.stdout, one.stdout);
}

#[test]
fn validate_works_outside_git() {
    let repo = clean_log();
    assert!(!repo.path().join(".git").exists());
    let run = repo.run(&["validate"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, "0 errors, 0 warnings in 3 records\n");
}

#[test]
fn the_examples_validate_clean() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let repo = TestRepo::plain();
    let run = repo.run(&["-C", examples, "validate"]);
    assert_eq!(run.code, 0, "{}", run.render());
    insta::assert_snapshot!(run.render());
    // The day after DEC-0002's review date, it is due for review.
    let out = repo
        .cairn_cmd(&["-C", examples, "validate"])
        .env("CAIRN_TODAY", "2024-09-03")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("warning  review/due           `review_by` 2024-09-02 passed 1 day ago"),
        "{text}"
    );
    assert!(
        text.ends_with("0 errors, 1 warning in 12 records\n"),
        "{text}"
    );
}

/// An experiment kind of its own, with `extra` lines appended.
fn experiment_kind(extra: &str) -> String {
    format!(
        "kinds:\n  experiment:\n    dir: experiments\n    prefix: EXP\n    statuses: [planned, running, done, abandoned]\n    fields:\n      hypothesis: {{type: string, required: true}}\n{extra}"
    )
}

#[test]
fn findings_in_dormant_records_are_warnings() {
    let repo = with_config(&experiment_kind("    as_warnings: {status: [abandoned]}\n"));
    let broken = |id: &str, status: &str| {
        experiment(id, status).replace("hypothesis: mel features beat MFCC\n", "")
    };
    repo.write(&at(EXP, "EXP-0002-old.md"), broken("EXP-0002", "abandoned"));
    let run = repo.run(&["validate", &at(EXP, "EXP-0002-old.md")]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("warning  schema/missing-field"),
        "{}",
        run.stdout
    );
    repo.write(&at(EXP, "EXP-0002-old.md"), broken("EXP-0002", "running"));
    let run = repo.run(&["validate", &at(EXP, "EXP-0002-old.md")]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains("error    schema/missing-field"),
        "{}",
        run.stdout
    );
}

#[test]
fn severity_and_target_rules_are_checked_in_the_config() {
    let run = config_error(
        &experiment_kind("    as_warnings: {stats: [abandoned]}\n"),
        8,
    );
    assert!(
        run.stderr.contains("did you mean `status`?"),
        "{}",
        run.stderr
    );
    let run = config_error(
        &experiment_kind("    as_warnings: {status: [abandonned]}\n"),
        8,
    );
    assert!(
        run.stderr.contains("is not one of its statuses"),
        "{}",
        run.stderr
    );
    let run = config_error(
        &experiment_kind(
            "    rules:\n      - when: {status: done}\n        target: hypothesis\n        target_error: {status: rejected}\n",
        ),
        8,
    );
    assert!(
        run.stderr.contains("must name a reference field"),
        "{}",
        run.stderr
    );
    let run = config_error(
        &experiment_kind(
            "      baseline: {type: ref, to: [experiment]}\n    rules:\n      - when: {status: done}\n        target: baseline\n",
        ),
        9,
    );
    assert!(
        run.stderr.contains("has no effect without"),
        "{}",
        run.stderr
    );
}

#[test]
fn yaml_errors_name_the_fix_for_common_slips() {
    let repo = TestRepo::plain();
    let slips = [
        (
            "title: CNN: log-mel beats MFCC",
            "put the value in quotes: `title: 'CNN: log-mel beats MFCC'`",
        ),
        (
            "authors:\n  - @ada",
            "`@` cannot start a plain YAML value; put the item in quotes: `  - '@ada'`",
        ),
        (
            "tags:[]",
            "a space must follow the colon after a key: `tags: []`",
        ),
        (
            "title: **bold** claim",
            "put the value in quotes: `title: '**bold** claim'`",
        ),
        (
            "code: [the repo](https://x.org/a)",
            "a Markdown link is not a YAML value: `[` starts a list; put the value in quotes: `code: '[the repo](https://x.org/a)'`",
        ),
    ];
    for (n, (line, _)) in slips.iter().enumerate() {
        repo.write(
            &at(EXP, &format!("EXP-000{}-slip.md", n + 1)),
            format!("---\nid: EXP-000{}\n{line}\nstatus: running\n---\n", n + 1),
        );
    }
    let run = repo.run(&["validate", "--format", "json"]);
    assert_eq!(run.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let found = doc["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(found.len(), slips.len());
    for ((_, fix), d) in slips.iter().zip(found) {
        assert_eq!(d["code"], "parse/yaml");
        let message = d["message"].as_str().unwrap_or_default();
        assert!(message.ends_with(fix), "{message}");
        // The line of the slip, not the line where the parser stopped.
        let wanted = if fix.contains("@ada") { 4 } else { 3 };
        assert_eq!(d["line"], wanted, "{message}");
    }
}

#[test]
fn a_reference_to_an_unreadable_record_says_so() {
    let repo = TestRepo::plain();
    repo.write(
        "research/scopes/SCOPE-0002-birds.md",
        "---\nid: SCOPE-0002\ntitle: Birds: all of them\n---\n",
    );
    repo.write(
        "research/scopes/SCOPE-0001-bats.md",
        scope("SCOPE-0001", "draft"),
    );
    repo.write(
        &at(EXP, "EXP-0001-a.md"),
        experiment("EXP-0001", "running").replace("hypothesis:", "scope: SCOPE-0002\nhypothesis:"),
    );
    let run = repo.run(&["validate"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("warning  ref/dangling         scope `SCOPE-0002` is most likely research/scopes/SCOPE-0002-birds.md, which cannot be read (parse/yaml); fix that file and this reference resolves\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("did you mean"), "{}", run.stdout);
}

#[test]
fn links_follow_github_markdown() {
    let repo = TestRepo::plain();
    repo.write("research/notes.md", "# Notes\n");
    repo.write(
        &at(EXP, "EXP-0001-a.md"),
        experiment("EXP-0001", "running")
            + "\nSee [notes](../notes), mail <ada@example.org>, `[x](gone.md)`.[^1]\n\n[^1]: Output:\n\n    ```\n    [y](also-gone.md)\n    ```\n\nAnd [missing](missing).\n",
    );
    let run = repo.run(&["validate", "--format", "json"]);
    assert_eq!(
        run.findings(),
        [("link/broken".to_string(), at(EXP, "EXP-0001-a.md"), 23)]
    );
}

/// A revision's records are read in the order git stores them, not by
/// path: whether they are loose objects, in one pack, spread over two or
/// indexed by a multi-pack index, the findings, their order and the exit
/// code are the same.
#[test]
fn where_git_stores_the_records_changes_no_finding() {
    let outside = TestRepo::plain();
    let mut repo = every_finding(&outside);
    repo.git(&["init", "-q", "-b", "main"]);
    // Enough records that two threads read them, each taking runs.
    for n in 100..300 {
        let id = format!("EXP-{n:04}");
        repo.write(
            &at(EXP, &format!("{id}-more.md")),
            experiment(&id, "planned"),
        );
    }
    repo.commit("records");
    let validate = [
        "validate",
        "--rev",
        "HEAD",
        "--format",
        "json",
        "--no-cache",
    ];
    let loose = repo.cairn(&validate);
    assert_eq!(loose.code, 1, "{}", loose.stderr);
    let report: serde_json::Value = serde_json::from_str(&loose.stdout).expect("json");
    assert_eq!(report["records"], 231);
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().expect("code"))
        .collect();
    for code in [
        "ref/duplicate-id",
        "link/broken",
        "parse/too-large",
        "schema/missing-field",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }

    repo.git(&["repack", "-a", "-d", "-q"]);
    let objects = repo.git(&["count-objects", "-v"]);
    assert!(
        objects.starts_with("count: 0\n"),
        "no loose objects: {objects}"
    );
    assert_eq!(repo.cairn(&validate).render(), loose.render(), "one pack");

    // A second commit's objects stay loose beside the pack, then go to a
    // second pack of their own.
    for n in 300..340 {
        let id = format!("EXP-{n:04}");
        repo.write(
            &at(EXP, &format!("{id}-later.md")),
            experiment(&id, "planned"),
        );
    }
    repo.write(
        &at(EXP, "EXP-0150-more.md"),
        experiment("EXP-0150", "running"),
    );
    repo.commit("more records");
    let mixed = repo.cairn(&validate);
    assert_eq!(mixed.code, 1, "{}", mixed.stderr);
    let later: serde_json::Value = serde_json::from_str(&mixed.stdout).expect("json");
    assert_eq!(
        later["records"],
        report["records"].as_u64().expect("records") + 40
    );
    repo.git(&["repack", "-d", "-q"]);
    let packs = std::fs::read_dir(repo.path().join(".git/objects/pack"))
        .expect("pack folder")
        .filter(|e| {
            e.as_ref()
                .expect("entry")
                .path()
                .extension()
                .is_some_and(|x| x == "pack")
        })
        .count();
    assert_eq!(packs, 2);
    assert_eq!(repo.cairn(&validate).render(), mixed.render(), "two packs");
    // `git maintenance` indexes the packs together in a multi-pack index.
    repo.git(&["multi-pack-index", "write"]);
    assert!(
        repo.path()
            .join(".git/objects/pack/multi-pack-index")
            .is_file()
    );
    assert_eq!(
        repo.cairn(&validate).render(),
        mixed.render(),
        "a multi-pack index"
    );
}
