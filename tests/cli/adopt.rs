//! Adopting an existing corpus without rewriting a file: a folder of MADR
//! decision records (ids from file names, `date` for `created`, titles from
//! the first heading, an open status set) and proposals numbered by a field.

use crate::support::TestRepo;

const MADR_CONFIG: &str = r#"version: 1
ignore:
  - "**/README.md"
  - "**/index.md"
  - "docs/decisions/adr-template.md"
kinds:
  adr:
    dir: /docs/decisions
    prefix: ADR
    id: {from: filename, pattern: '^(\d{4})-'}
    fields:
      title: {required: false}
      status: {required: false}
      created: {key: date, required: false}
      decision-makers: {type: list, items: string}
      consulted: {type: list, items: string}
      informed: {type: list, items: string}
    sections:
      - Context and Problem Statement
      - Considered Options
      - Decision Outcome
    rules:
      - when: {status: accepted}
        require: [decision-makers]
"#;

fn madr(status: &str, title: &str) -> String {
    format!(
        "---\nstatus: {status}\ndate: 2023-05-10\ndecision-makers: [Ana Ruiz]\nconsulted: [Platform team]\n---\n\n# {title}\n\n## Context and Problem Statement\n\nWhy.\n\n## Considered Options\n\n* A\n* B\n\n## Decision Outcome\n\nChosen option: A.\n"
    )
}

fn madr_repo() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(".cairn/config.yaml", MADR_CONFIG);
    repo.write("docs/decisions/README.md", "# Decisions\n");
    repo.write(
        "docs/decisions/adr-template.md",
        "---\nstatus: {proposed}\n---\n# {title}\n",
    );
    repo.write(
        "docs/decisions/0001-use-markdown-architectural-decision-records.md",
        madr("accepted", "Use Markdown Architectural Decision Records"),
    );
    repo.write(
        "docs/decisions/0002-use-postgresql-for-the-feature-store.md",
        madr(
            "superseded by [ADR-0005](0005-example.md)",
            "Use PostgreSQL for the feature store",
        ),
    );
    repo.commit("adopt the decision records");
    repo
}

#[test]
fn a_madr_folder_validates_as_it_is() {
    let repo = madr_repo();
    let run = repo.cairn(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(run.stdout, "0 errors, 0 warnings in 2 records\n");

    let list = repo.cairn(&["list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    let records = v["records"].as_array().expect("records");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["id"], "ADR-0001");
    assert_eq!(
        records[0]["title"],
        "Use Markdown Architectural Decision Records"
    );
    assert_eq!(records[0]["status"], "accepted");
    assert_eq!(
        records[1]["status"],
        "superseded by [ADR-0005](0005-example.md)"
    );
}

#[test]
fn madr_rules_still_apply() {
    let mut repo = madr_repo();
    repo.write(
        "docs/decisions/0003-drop-the-cache.md",
        madr("accepted", "Drop the cache")
            .replace("decision-makers: [Ana Ruiz]\n", "")
            .replace("date: 2023-05-10", "date: 2023-14-05")
            .replace("## Considered Options", "## Options"),
    );
    repo.write(
        "docs/decisions/notes-without-number.md",
        madr("proposed", "Notes"),
    );
    let run = repo.cairn(&["validate", "--format", "json"]);
    assert_eq!(run.code, 1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let found: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_string(),
                d["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let drop = "docs/decisions/0003-drop-the-cache.md".to_string();
    assert!(
        found.contains(&(drop.clone(), "schema/type".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&(drop.clone(), "schema/missing-field".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&(drop, "schema/missing-section".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "docs/decisions/notes-without-number.md".into(),
            "schema/id-format".into()
        )),
        "{found:?}"
    );

    // History follows the adopted ids too.
    repo.remove("docs/decisions/notes-without-number.md");
    repo.remove("docs/decisions/0003-drop-the-cache.md");
    repo.write(
        "docs/decisions/0001-use-markdown-architectural-decision-records.md",
        madr("deprecated", "Use Markdown Architectural Decision Records"),
    );
    repo.commit("deprecate ADR-0001");
    let log = repo.cairn(&["log", "ADR-0001", "--format", "json"]);
    assert_eq!(log.code, 0, "{}", log.render());
    let v: serde_json::Value = serde_json::from_str(&log.stdout).expect("json");
    assert_eq!(v["entries"][0]["fields"][0]["field"], "status");
    assert_eq!(v["entries"][0]["fields"][0]["new"], "deprecated");
}

#[test]
fn ids_from_another_field() {
    let repo = TestRepo::plain();
    repo.write(
        ".cairn/config.yaml",
        "kinds:\n  proposal:\n    dir: /proposals\n    prefix: EIP\n    id: {field: eip, pattern: '^[0-9]+$'}\n    fields:\n      created: {required: false}\n      related: {type: list, items: {type: ref, to: [proposal]}}\n",
    );
    repo.write(
        "proposals/eip-1559.md",
        "---\neip: 1559\ntitle: Fee market\nstatus: Final\n---\n# Fee market\n",
    );
    repo.write("proposals/eip-4844.md", "---\neip: 4844\ntitle: Blobs\nstatus: Draft\nrelated: [EIP-1559, EIP-9999]\n---\n# Blobs\n");
    repo.write(
        "proposals/eip-x.md",
        "---\neip: draft-one\ntitle: Draft\nstatus: Idea\n---\n",
    );
    let run = repo.cairn(&["validate"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.render());
}

/// An EIPs-like collection: ids from the `eip` field, Jekyll links without
/// `.md`, footnotes holding code, dormant proposals, and old records that
/// break a newer rule (a required `description`).
const EIPS_CONFIG: &str = r#"version: 1
kinds:
  eip:
    dir: /EIPS
    prefix: EIP
    id: {field: eip}
    statuses: [Draft, Review, Last Call, Final, Stagnant, Withdrawn, Living]
    unknown_fields: ignore
    as_warnings: {status: [Stagnant, Withdrawn]}
    fields:
      description: {required: true}
      requires: {type: list, items: {type: ref, to: [eip]}}
"#;

fn eip(n: u32, status: &str, description: bool) -> String {
    let description = if description {
        "description: A proposal\n"
    } else {
        ""
    };
    format!(
        "---\neip: {n}\ntitle: Proposal {n}\n{description}author: Ada (@ada)\nstatus: {status}\ncreated: 2021-01-0{}\n---\n\n## Abstract\n\nSee [EIP-1](./eip-1) and the note.[^1]\n\n[^1]: For example:\n\n    ```\n    [x](not-a-file.md)\n    ```\n",
        n % 9 + 1
    )
}

/// A pull request on `main`'s collection, `pr` branch checked out.
fn pull_request(config: &str, files: &[(&str, String)]) -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(".cairn/config.yaml", config);
    for (path, text) in files {
        repo.write(path, text);
    }
    repo.commit("the collection");
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo
}

#[test]
fn an_eips_like_pull_request_sees_only_its_own_findings() {
    let mut repo = pull_request(
        EIPS_CONFIG,
        &[
            ("EIPS/eip-1.md", eip(1, "Living", true)),
            ("EIPS/eip-2.md", eip(2, "Final", false)),
            ("EIPS/eip-3.md", eip(3, "Stagnant", false)),
            ("EIPS/eip-4.md", eip(4, "Review", true)),
        ],
    );
    let all = repo.run(&["validate"]);
    assert_eq!(all.code, 1, "{}", all.render());
    // The old EIP-2 fails the newer rule; the stagnant EIP-3 only warns;
    // no link is reported: extensionless, or in a footnote's code.
    assert!(
        all.stdout.contains("1 error, 1 warning in 4 records"),
        "{}",
        all.stdout
    );
    // The pull request edits EIP-4 (a typo in its status) and EIP-2 (above
    // its old finding).
    repo.write("EIPS/eip-4.md", eip(4, "Last Cal", true));
    repo.write(
        "EIPS/eip-2.md",
        eip(2, "Final", false).replace("author:", "discussions-to: https://x.org\nauthor:"),
    );
    repo.commit("update EIP-2 and EIP-4");
    let run = repo.run(&["validate", "--base", "main", "--new"]);
    assert_eq!(run.code, 1, "{}", run.render());
    insta::assert_snapshot!(run.render());
}

const ARCS_CONFIG: &str = r#"version: 1
kinds:
  arc:
    dir: /ARCs
    prefix: ARC
    id: {field: arc, pattern: '^\d+$'}
    statuses: [Draft, Review, Last Call, Final, Stagnant, Withdrawn, Living, Idle, Deprecated]
    transitions:
      Draft: [Review, Withdrawn, Stagnant]
      Review: [Last Call, Draft, Withdrawn, Stagnant]
      Last Call: [Final, Review, Withdrawn]
      Stagnant: [Draft]
    unknown_fields: ignore
    fields:
      sponsor: {required: true}
"#;

fn arc(n: u32, status: &str, sponsor: bool) -> String {
    let sponsor = if sponsor { "sponsor: Foundation\n" } else { "" };
    format!(
        "---\narc: {n}\ntitle: ARC {n}\n{sponsor}status: {status}\ncreated: 2022-02-02\n---\n\n## Abstract\n\nText.\n"
    )
}

#[test]
fn an_arcs_like_pull_request_moves_a_proposal_step_by_step() {
    let mut repo = pull_request(
        ARCS_CONFIG,
        &[
            ("ARCs/arc-0001.md", arc(1, "Final", false)),
            ("ARCs/arc-0002.md", arc(2, "Draft", true)),
        ],
    );
    repo.write("ARCs/arc-0002.md", arc(2, "Review", true));
    repo.commit("ARC-2 to review");
    repo.write("ARCs/arc-0002.md", arc(2, "Last Call", true));
    repo.commit("ARC-2 to last call");
    let run = repo.run(&["validate", "--base", "main", "--new"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.ends_with("0 errors, 0 warnings in 2 records; 1 old finding left out (it was at the merge base already)\n"),
        "{}",
        run.stdout
    );
    // Draft → Last Call in one commit is not allowed, and names its commit.
    repo.git(&["checkout", "-q", "-b", "jump", "main"]);
    repo.write("ARCs/arc-0002.md", arc(2, "Last Call", true));
    let jump = repo.commit("ARC-2 straight to last call");
    let run = repo.run(&["validate", "--base", "main", "--new"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(&format!(
            "in commit {} (ARC-2 straight to last call): status moved from Draft to Last Call",
            &jump[..7]
        )),
        "{}",
        run.stdout
    );
}

/// An openshift/enhancements-like collection: proposals in topic folders,
/// several with the same file name, identified by their path.
const ENHANCEMENTS_CONFIG: &str = r#"version: 1
kinds:
  enhancement:
    dir: /enhancements
    prefix: ENH
    id: {from: path}
    unknown_fields: ignore
    fields:
      created: {key: creation-date}
      status: {required: false}
      reviewers: {type: list, items: string, required: true}
"#;

fn enhancement(title: &str, reviewers: bool) -> String {
    let reviewers = if reviewers {
        "reviewers:\n  - \"@ada\"\n"
    } else {
        ""
    };
    format!(
        "---\ntitle: {title}\nauthors:\n  - \"@bo\"\n{reviewers}creation-date: 2020-05-05\nstatus: implementable\n---\n\n# {title}\n"
    )
}

#[test]
fn an_enhancements_like_pull_request_uses_paths_as_ids() {
    let mut repo = pull_request(
        ENHANCEMENTS_CONFIG,
        &[
            (
                "enhancements/network/dual-stack.md",
                enhancement("dual-stack", false),
            ),
            (
                "enhancements/storage/dual-stack.md",
                enhancement("dual stack storage", true),
            ),
            ("enhancements/README.md", "# Enhancements\n".to_string()),
        ],
    );
    let list = repo.run(&["list", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    let ids: Vec<&str> = doc["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["network/dual-stack", "storage/dual-stack"]);
    repo.write(
        "enhancements/storage/dual-stack.md",
        enhancement("dual stack storage", true).replace("- \"@ada\"", "- @ada"),
    );
    repo.commit("storage: reviewers");
    let run = repo.run(&["validate", "--base", "main", "--new", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.render());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let found: Vec<(&str, &str)> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default(),
                d["file"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("parse/yaml", "enhancements/storage/dual-stack.md")]
    );
    assert_eq!(doc["left_out"], 1);
}

#[test]
fn config_keys_that_cannot_take_effect_are_errors() {
    let repo = TestRepo::plain();
    for (config, line, wanted) in [
        (
            "kinds:\n  enhancement:\n    dir: /enhancements\n    fields:\n      id: {required: false}\n",
            5,
            "`fields: {id: ...}` has no effect: every record needs an identity; to take it from elsewhere, set the kind's `id:`",
        ),
        (
            "kinds:\n  enhancement:\n    dir: /enhancements\n    id: {from: path, pattern: '^(.*)$'}\n",
            4,
            "`pattern` has no effect with `from: path`",
        ),
        (
            "kinds:\n  enhancement:\n    dir: /enhancements\n    fields:\n      owner: {type: string, to: [enhancement]}\n",
            5,
            "`to` has no effect on a field of type string; it applies to ref",
        ),
    ] {
        repo.write(".cairn/config.yaml", config);
        let run = repo.run(&["validate"]);
        assert_eq!(run.code, 2, "{}", run.render());
        assert!(
            run.stderr.contains(&format!(".cairn/config.yaml:{line}: ")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(wanted), "{}", run.stderr);
    }
}
