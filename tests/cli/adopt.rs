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
