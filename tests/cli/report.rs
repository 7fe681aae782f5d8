//! `cairn report`: one self-contained HTML file, written atomically and
//! replacing only a report cairn wrote; and, in headless Chromium, a page
//! that loads without console errors and shows what it should.

use std::path::Path;
use std::process::Command;

use crate::support::{TestRepo, decision, experiment};

/// A committed log with hostile text, metrics against a baseline, a
/// milestone, a superseded decision and a review date that has passed.
fn log() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(
        "research/experiments/EXP-0001-base.md",
        experiment("EXP-0001", "done"),
    );
    repo.commit("baseline");
    repo.write(
        "research/experiments/EXP-0002-mel.md",
        experiment("EXP-0002", "running")
            .replace("title: Experiment EXP-0002", "title: \"<img src=x onerror=alert(1)> Mel\"")
            .replace(
                "created: 2024-03-01\n",
                "created: 2024-03-01\nbaseline: EXP-0001\ntags: [features]\nauthors: [Ada Park]\n",
            )
            + "\n<script>alert('body')</script>\n\n![plot](plot.png) and [the baseline](EXP-0001-base.md).\n",
    )
    .write(
        "research/decisions/DEC-0001-old.md",
        decision("DEC-0001", "superseded").replace(
            "decided: 2024-03-02\n",
            "decided: 2024-03-02\nsuperseded_by: DEC-0002\n",
        ),
    )
    .write(
        "research/decisions/DEC-0002-new.md",
        decision("DEC-0002", "accepted").replace(
            "decided: 2024-03-02\n",
            "decided: 2024-03-02\nsupersedes: [DEC-0001]\nevidence: [EXP-0001]\nreview_by: 2024-02-01\n",
        ),
    )
    .write(
        "research/milestones/MS-0001-ready.md",
        "---\nid: MS-0001\ntitle: Ready\nstatus: active\ncreated: 2024-03-01\ngoal: g\ndue: 2024-04-01\ncriteria: [c]\nexperiments: [EXP-0001, EXP-0002]\n---\n\n# Ready\n",
    );
    repo.commit("more");
    repo.write(
        "research/experiments/EXP-0002-mel.md",
        repo.read("research/experiments/EXP-0002-mel.md").replace(
            "status: running\n",
            "status: running\nmetrics: {recall: 0.9, precision: 0.6}\n",
        ),
    );
    repo.commit("metrics");
    repo
}

#[test]
fn the_report_is_one_self_contained_file() {
    let repo = log();
    let run = repo.run(&["report", "-o", "out.html"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(run.stdout, "wrote out.html (5 records)\n");
    let html = repo.read("out.html");
    assert!(html.starts_with("<!-- cairn:report -->\n<!DOCTYPE html>"));
    // Nothing outside the file: no external scripts, styles, fonts or images.
    for external in ["<link", " src=\"", "@import", "url(", "<img", "<iframe"] {
        assert!(!html.contains(external), "{external} in the report");
    }
    assert_eq!(html.matches("<script").count(), 1, "only the filter script");
    // Hostile text is text.
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt; Mel"));
    assert!(
        html.contains("&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;")
            || html.contains("&lt;script&gt;alert('body')&lt;/script&gt;")
    );
    // What a reader looks for.
    for part in [
        "id=\"rec-EXP-0002\"",
        "data-kind=\"experiment\" data-status=\"running\" data-tags=\"features\" data-authors=\"Ada Park\"",
        "<a href=\"#rec-EXP-0001\">the baseline</a>",
        "0.9 vs 0.81 (+0.09)",
        "<progress value=\"1\" max=\"2\">",
        "<article class=\"record superseded\" id=\"rec-DEC-0001\"",
        "2024-02-01 (review_by)",
        "added as running",
        "running → running",
    ] {
        if part == "running → running" {
            assert!(
                !html.contains(part),
                "a status that did not change is not a change"
            );
        } else {
            assert!(html.contains(part), "no {part} in the report");
        }
    }
    // Run again: it replaces its own report.
    assert_eq!(repo.run(&["report", "-o", "out.html"]).code, 0);
}

#[test]
fn the_report_never_overwrites_another_file() {
    let repo = log();
    repo.write("notes.html", "<p>mine</p>\n");
    let run = repo.run(&["report", "-o", "notes.html"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert_eq!(
        run.stderr,
        "cairn: error: `notes.html` exists and was not written by cairn report; choose another -o FILE or remove it\n"
    );
    assert_eq!(repo.read("notes.html"), "<p>mine</p>\n");
    let run = repo.run(&["report", "-o", "research"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is a folder"), "{}", run.stderr);
    let plain = TestRepo::plain();
    let run = plain.run(&["report"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not inside a git repository"),
        "{}",
        run.stderr
    );
}

/// The browser the report test opens: `$CAIRN_CHROMIUM`, else `chromium`.
fn chromium() -> String {
    std::env::var("CAIRN_CHROMIUM").unwrap_or_else(|_| "chromium".to_string())
}

/// Loads `file` in headless Chromium; returns the DOM after scripts ran
/// and every console message.
fn open_in_chromium(file: &Path, profile: &Path) -> (String, Vec<String>) {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs (.ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

#[test]
#[ignore = "needs Chromium; .ci/run installs it and runs this test"]
fn the_report_loads_in_chromium_without_console_errors() {
    let repo = log();
    assert_eq!(repo.run(&["report", "-o", "out.html"]).code, 0);
    let profile = tempfile::tempdir().expect("profile");
    let (dom, console) = open_in_chromium(&repo.path().join("out.html"), profile.path());
    assert_eq!(console, Vec::<String>::new(), "console messages");
    // The script ran: the filter is shown and counts the records.
    assert!(
        dom.contains("<form id=\"filter\" class=\"filter\">"),
        "{dom}"
    );
    assert!(
        dom.contains("<span id=\"shown\" class=\"muted\">5 of 5 records</span>"),
        "{dom}"
    );
    for part in [
        "id=\"overview\"",
        "id=\"review-due\"",
        "id=\"graph\"",
        "<svg",
        "id=\"rec-MS-0001\"",
    ] {
        assert!(dom.contains(part), "no {part} in the DOM");
    }

    // The example log's report, as docs/report.png shows it.
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let out = repo.path().join("example.html");
    let out_arg = out.display().to_string();
    let run = repo.run(&["-C", examples, "report", "-o", &out_arg]);
    assert_eq!(run.code, 0, "{}", run.render());
    let profile = tempfile::tempdir().expect("profile");
    let (dom, console) = open_in_chromium(&out, profile.path());
    assert_eq!(console, Vec::<String>::new(), "console messages");
    assert!(dom.contains("id=\"rec-LSN-0005\""), "the example's lessons");
}
