//! `cairn schema`, `cairn completions` and `cairn man`: the readable schema,
//! JSON Schema checked by an independent validator against the example
//! records and broken ones, and the generated shell files.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::support::{TestRepo, experiment};

/// The front matter of a record file as JSON, read as cairn reads it.
fn front_matter_json(text: &str) -> Value {
    let split = cairn::frontmatter::split(text).expect("front matter");
    let front = cairn::frontmatter::parse(&split).expect("a mapping");
    let map: Map<String, Value> = front
        .fields
        .into_iter()
        .map(|f| (f.key, serde_json::to_value(&f.value).expect("serializable")))
        .collect();
    Value::Object(map)
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// `cairn schema ARGS --format json-schema` run in `repo`, parsed.
fn json_schema(repo: &TestRepo, kind: Option<&str>) -> Value {
    json_schema_in(repo, None, kind)
}

/// The same with `-C DIR`.
fn json_schema_in(repo: &TestRepo, dir: Option<&Path>, kind: Option<&str>) -> Value {
    let dir = dir.map(|d| d.display().to_string());
    let mut args = vec!["schema", "--format", "json-schema"];
    if let Some(dir) = &dir {
        args.extend(["-C", dir.as_str()]);
    }
    args.extend(kind);
    let run = repo.run(&args);
    assert_eq!(run.code, 0, "{}", run.render());
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(
        jsonschema::meta::is_valid(&doc),
        "not a valid JSON Schema:\n{}",
        run.stdout
    );
    doc
}

/// The messages of the validator, as `/path: message`, empty when valid.
fn violations(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("a compilable schema");
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn example_records() -> Vec<(String, PathBuf)> {
    let root = examples().join("research");
    let mut out = Vec::new();
    for (kind, dir) in [
        ("experiment", "experiments"),
        ("scope", "scopes"),
        ("decision", "decisions"),
        ("milestone", "milestones"),
        ("lesson", "lessons"),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "md") {
                out.push((kind.to_string(), path));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_example_record_satisfies_its_kinds_json_schema_and_the_combined_one() {
    let repo = TestRepo::plain();
    let examples = examples();
    let all = json_schema_in(&repo, Some(&examples), None);
    let records = example_records();
    assert!(records.len() >= 6, "examples: {records:?}");
    for (kind, path) in records {
        let schema = json_schema_in(&repo, Some(&examples), Some(&kind));
        let text = std::fs::read_to_string(&path).expect("example record");
        let instance = front_matter_json(&text);
        assert_eq!(
            violations(&schema, &instance),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        assert_eq!(
            violations(&all, &instance),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn broken_front_matter_is_rejected_where_validate_rejects_it() {
    let repo = TestRepo::plain();
    let schema = json_schema(&repo, Some("experiment"));
    let all = json_schema(&repo, None);
    let good = experiment("EXP-0001", "done");
    assert_eq!(
        violations(&schema, &front_matter_json(&good)),
        Vec::<String>::new()
    );
    let cases = [
        ("status: done", "status: finised", "/status"),
        ("id: EXP-0001", "id: EXP-1", "/id"),
        ("created: 2024-03-01", "created: March 1st", "/created"),
        ("title: Experiment EXP-0001", "title: \"  \"", "/title"),
        ("outcome: supported", "outcome: maybe", "/outcome"),
        ("recall: 0.81", "recall: high", "/metrics/recall"),
        ("outcome: supported\n", "", ""),
    ];
    for (from, to, at) in cases {
        assert!(good.contains(from), "fixture lacks {from:?}");
        let broken = good.replacen(from, to, 1);
        let instance = front_matter_json(&broken);
        let found = violations(&schema, &instance);
        assert!(
            found.iter().any(|v| v.starts_with(&format!("{at}:"))),
            "{to:?} should be rejected at {at:?}, got {found:?}"
        );
        assert!(
            !violations(&all, &instance).is_empty(),
            "{to:?} should be rejected by the combined schema"
        );
    }
    // A missing required field names the field.
    let without = good.replacen("hypothesis:", "notes:", 1);
    let found = violations(&schema, &front_matter_json(&without));
    assert!(
        found.iter().any(|v| v.contains("\"hypothesis\"")),
        "{found:?}"
    );
}

#[test]
fn optional_fields_may_be_empty_and_unknown_fields_are_allowed() {
    let repo = TestRepo::plain();
    let schema = json_schema(&repo, Some("experiment"));
    let record = experiment("EXP-0001", "running").replacen(
        "hypothesis:",
        "baseline:\ntags: []\nnotes: free text\nhypothesis:",
        1,
    );
    assert_eq!(
        violations(&schema, &front_matter_json(&record)),
        Vec::<String>::new()
    );
}

#[test]
fn json_schema_follows_the_projects_configuration() {
    let repo = TestRepo::plain();
    repo.write(
        ".cairn/config.yaml",
        "version: 1\nkinds:\n  note:\n    dir: notes\n    prefix: NOTE\n    statuses: [open, closed]\n    fields:\n      created: {key: date, type: date, required: true}\n      owner: {type: string, required: true, about: who answers for it}\n",
    );
    let schema = json_schema(&repo, Some("note"));
    assert_eq!(
        schema["properties"]["status"]["enum"],
        serde_json::json!(["open", "closed"])
    );
    assert_eq!(
        schema["properties"]["owner"]["description"],
        "who answers for it"
    );
    let required = schema["required"].as_array().expect("required");
    assert!(required.contains(&"date".into()), "{required:?}");
    assert!(!required.contains(&"created".into()), "{required:?}");
    let good = "---\nid: NOTE-0001\ntitle: A\nstatus: open\ndate: 2024-01-02\nowner: ana\n---\n";
    assert_eq!(
        violations(&schema, &front_matter_json(good)),
        Vec::<String>::new()
    );
    let bad = good.replace("status: open", "status: done");
    assert!(!violations(&schema, &front_matter_json(&bad)).is_empty());
}

#[test]
fn the_readable_schema_shows_fields_statuses_and_rules() {
    let repo = TestRepo::plain();
    let run = repo.run(&["schema", "experiment"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let lines: Vec<&str> = run.stdout.lines().map(str::trim_end).collect();
    assert_eq!(
        lines[0],
        r"experiment — folder research/experiments, ids EXP-0001 (pattern ^EXP-[0-9]{4,}$)"
    );
    for expected in [
        "  statuses     planned, running, done, abandoned",
        "  moves        planned → running, abandoned",
        "    hypothesis  required  a string — the claim the experiment tests, stated so it can fail",
        "    baseline    optional  the id of an experiment — the experiment whose metrics this one must beat",
        "    metrics     optional  a mapping of names to numbers",
        "  sections     Setup",
        "  rules        when status is done: require metrics, outcome; sections Results, Conclusion",
    ] {
        assert!(
            lines.contains(&expected),
            "missing {expected:?} in:\n{}",
            run.stdout
        );
    }
    let all = repo.run(&["schema"]);
    assert_eq!(all.code, 0);
    for kind in ["experiment —", "scope —", "decision —"] {
        assert!(
            all.stdout.lines().any(|l| l.starts_with(kind)),
            "{}",
            all.stdout
        );
    }
    assert!(all.stdout.contains(
        "  frozen       once status is accepted, superseded or deprecated: sections Context, Decision; fields decided"
    ));
}

#[test]
fn an_unknown_kind_is_a_usage_error_with_the_nearest_one() {
    let repo = TestRepo::plain();
    for format in ["text", "json-schema"] {
        let run = repo.run(&["schema", "experimnt", "--format", format]);
        assert_eq!(run.code, 2);
        assert_eq!(run.stdout, "");
        assert_eq!(
            run.stderr,
            "cairn: error: unknown kind `experimnt`; did you mean `experiment`? the kinds are: experiment, scope, decision, milestone, lesson\n"
        );
    }
}

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    let repo = TestRepo::plain();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = repo.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in ["validate", "summary", "completions", "format"] {
            assert!(run.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    let bash = repo.run(&["completions", "bash"]);
    assert!(
        bash.stdout.contains("complete -F _cairn"),
        "{}",
        bash.stdout
    );
    let bad = repo.run(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("invalid value 'tcsh'")
            && bad.stderr.contains("bash, elvish, fish, powershell, zsh"),
        "{}",
        bad.stderr
    );
}

#[test]
fn the_man_page_is_roff_with_every_subcommand() {
    let repo = TestRepo::plain();
    let run = repo.run(&["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.lines().any(|l| l.starts_with(".TH cairn 1")),
        "{}",
        run.stdout
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS"] {
        assert!(run.stdout.contains(section), "missing {section}");
    }
    for sub in ["validate", "diff", "schema", "completions"] {
        assert!(
            run.stdout.contains(&format!("cairn\\-{sub}(1)")),
            "missing {sub}"
        );
    }
}
