//! The bad-input corpus: `tests/corpus/records/` holds small records with
//! the malformed patterns real collections hold (unquoted `@handles`,
//! `key:[]`, colons in titles, impossible dates, tabs, duplicate keys,
//! CRLF, BOM, template text left in values, several documents in one
//! block, …), and `tests/corpus/expected.tsv` the exit status and the
//! findings (code and line) `cairn validate` gives each one alone.

use std::path::Path;

use crate::support::TestRepo;

const EXP: &str = "research/experiments";

#[test]
fn every_corpus_record_gives_its_expected_findings() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let expected = std::fs::read_to_string(corpus.join("expected.tsv")).expect("expected.tsv");
    let mut seen = Vec::new();
    for line in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, exit, findings] = fields[..] else {
            panic!("expected.tsv: `{line}` is not `file<TAB>exit<TAB>findings`");
        };
        let bytes = std::fs::read(corpus.join("records").join(name)).expect(name);
        let repo = TestRepo::plain();
        repo.write(&format!("{EXP}/{name}"), bytes);
        let run = repo.run(&["validate", "--format", "json"]);
        run.assert_no_panic();
        assert_eq!(run.code.to_string(), exit, "{name}: {}", run.render());
        let got: Vec<String> = run
            .findings()
            .into_iter()
            .map(|(code, file, line)| {
                assert_eq!(file, format!("{EXP}/{name}"));
                format!("{code}:{line}")
            })
            .collect();
        let want: Vec<String> = match findings {
            "-" => Vec::new(),
            list => list.split(' ').map(str::to_string).collect(),
        };
        assert_eq!(got, want, "{name}: {}", run.stdout);
        // Every finding says something a user can act on.
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        for d in doc["diagnostics"].as_array().expect("diagnostics") {
            assert!(d["message"].as_str().is_some_and(|m| m.len() > 20), "{d}");
        }
        seen.push(name.to_string());
    }
    // Every file in the corpus has its expectation.
    let mut files: Vec<String> = std::fs::read_dir(corpus.join("records"))
        .expect("records")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    seen.sort();
    assert_eq!(files, seen);
}
