//! In-process benchmarks of cairn's engine: parsing one record, checking a
//! log of records, and comparing the trees of two commits.
//!
//!     cargo bench --bench engine
//!
//! Records are made here, in memory; the tree comparisons run on a
//! repository that `benches/gen-corpus` writes into a temporary folder
//! (1,000 records, 2,000 commits). Command-level figures, beside their git
//! baselines, come from `benches/commands.sh`.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use cairn::check;
use cairn::config;
use cairn::git::{ObjectId, Repo};
use cairn::snapshot::{Snapshot, Tree};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

/// The day the checks take as today.
const TODAY: time::Date = time::macros::date!(2024 - 06 - 01);

/// An experiment as teams write them: front matter, three sections, a link.
fn experiment(n: usize) -> String {
    format!(
        "---\nid: EXP-{n:04}\ntitle: \"Mel spectrogram augmentation {n}\"\nstatus: done\n\
         created: 2024-03-01\nauthors:\n  - Ada Park\n  - Ben Osei\ntags: [audio, eval]\n\
         hypothesis: \"Mixup on mel spectrograms raises recall on quiet calls\"\n\
         scope: SCOPE-0001\nparams:\n  learning_rate: 0.001\n  batch_size: 32\n  epochs: 20\n\
         data: field-recordings-v3\nmetrics:\n  accuracy: 0.91\n  f1: 0.84\noutcome: supported\n---\n\n\
         # Mel spectrogram augmentation {n}\n\n## Setup\n\nBaseline encoder with cosine schedule and warmup; \
         batch size 32, learning rate 0.001, early stopping on the validation split.\n\n\
         ## Results\n\nRecall rose from 0.78 to 0.84 on the quiet-call subset; precision held. \
         See [the scope](../scopes/SCOPE-0001-birds.md).\n\n## Conclusion\n\nKeep mixup in the \
         default recipe.\n"
    )
}

fn scope() -> String {
    "---\nid: SCOPE-0001\ntitle: Birds\nstatus: agreed\ncreated: 2024-01-01\nauthors: [Ada Park]\n\
     owner: Ada Park\nassumptions:\n  - calls are labelled\nsuccess_criteria:\n  - recall above 0.8\n---\n\n\
     # Birds\n\n## Problem\n\nDetect bird calls.\n\n## Inputs and outputs\n\nAudio in, labels out.\n\n\
     ## Data\n\nField recordings.\n"
        .to_string()
}

#[divan::bench]
fn parse_record(bencher: Bencher) {
    let schema = config::builtin();
    let text = experiment(12);
    let path = "research/experiments/EXP-0012-mel.md";
    let kind = schema.kind_of_path(path).expect("an experiment folder");
    bencher.bench(|| cairn::record::parse(black_box(path), kind, black_box(text.as_bytes())));
}

/// Every path exists: the link check does its work without a file system.
struct AllExist;

impl Tree for AllExist {
    fn exists(&self, _path: &str) -> bool {
        true
    }
}

/// A log of `records` files: one scope and the experiments under it, as
/// (path, text).
fn log_texts(records: usize) -> Vec<(String, String)> {
    std::iter::once(("research/scopes/SCOPE-0001-birds.md".to_string(), scope()))
        .chain((1..records).map(|n| {
            (
                format!("research/experiments/EXP-{n:04}-mel.md"),
                experiment(n),
            )
        }))
        .collect()
}

fn as_files(texts: &[(String, String)]) -> Vec<(&str, &str)> {
    texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect()
}

#[divan::bench(args = [100, 1000, 10000])]
fn check_log(bencher: Bencher, records: usize) {
    let schema = config::builtin();
    let texts = log_texts(records);
    let snapshot = Snapshot::from_texts("bench", &schema, &as_files(&texts));
    bencher.bench(|| check::validate(&schema, black_box(&snapshot), &AllExist, TODAY));
}

#[divan::bench(args = [100, 1000, 10000])]
fn parse_and_check_log(bencher: Bencher, records: usize) {
    let schema = config::builtin();
    let texts = log_texts(records);
    let files = as_files(&texts);
    bencher.bench(|| {
        let snapshot = Snapshot::from_texts("bench", &schema, black_box(&files));
        check::validate(&schema, &snapshot, &AllExist, TODAY)
    });
}

/// A generated repository, made once per benchmark run.
fn corpus() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let out = dir.path().join("log");
        let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen-corpus");
        let status = Command::new("python3")
            .arg(generator)
            .arg(&out)
            .args(["--records", "1000", "--commits", "2000"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("python3 runs benches/gen-corpus");
        assert!(status.success(), "benches/gen-corpus failed");
        dir
    })
    .path()
}

#[divan::bench(args = [1, 10, 100, 1000])]
fn tree_diff(bencher: Bencher, span: usize) {
    let repo = Repo::discover(&corpus().join("log")).expect("the generated repository");
    let schema = config::builtin();
    let dirs = schema.dirs();
    let new = repo.resolve("HEAD").expect("HEAD");
    let old: ObjectId = repo
        .resolve(&format!("HEAD~{span}"))
        .expect("an older commit");
    bencher.bench_local(|| repo.diff_commits(Some(&old), black_box(&new), &dirs));
}
