//! `cairn log` and `cairn summary`: ids followed through renames, moves,
//! deletions and merges; time in each status against hand-computed
//! histories; the summary's Markdown, text and JSON.

use serde_json::Value as Json;

use crate::support::{EPOCH, TestRepo, assert_shallow_advice, decision, experiment, scope};

const DAY: i64 = 86_400;

fn json(run: &crate::support::Run) -> Json {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.render()))
}

fn changes(log: &Json) -> Vec<(String, String)> {
    log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["change"].as_str().expect("change").to_string(),
                e["path"].as_str().expect("path").to_string(),
            )
        })
        .collect()
}

/// EXP-0001 is added, renamed twice, moved into a subfolder, deleted and
/// restored; EXP-0002 is an unrelated neighbour.
fn renamed_repo() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(
        "research/experiments/EXP-0001-a.md",
        experiment("EXP-0001", "planned"),
    )
    .write(
        "research/experiments/EXP-0002-x.md",
        experiment("EXP-0002", "planned"),
    );
    repo.commit("add experiments");
    repo.git(&[
        "mv",
        "research/experiments/EXP-0001-a.md",
        "research/experiments/EXP-0001-b.md",
    ]);
    repo.commit("rename once");
    repo.remove("research/experiments/EXP-0001-b.md").write(
        "research/experiments/EXP-0001-c.md",
        experiment("EXP-0001", "running"),
    );
    repo.commit("rename again and start");
    repo.remove("research/experiments/EXP-0001-c.md").write(
        "research/experiments/audio/EXP-0001-c.md",
        experiment("EXP-0001", "running"),
    );
    repo.commit("move into audio/");
    repo.remove("research/experiments/audio/EXP-0001-c.md");
    repo.commit("delete by mistake");
    repo.write(
        "research/experiments/audio/EXP-0001-c.md",
        experiment("EXP-0001", "done"),
    );
    repo.commit("restore, done\n\nRefs: EXP-0001");
    repo
}

#[test]
fn log_follows_renames_moves_and_restores() {
    let repo = renamed_repo();
    let run = repo.cairn(&["log", "EXP-0001", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let log = json(&run);
    assert_eq!(log["version"], 1);
    assert_eq!(log["id"], "EXP-0001");
    let got = changes(&log);
    let want = [
        ("added", "research/experiments/audio/EXP-0001-c.md"),
        ("removed", "research/experiments/audio/EXP-0001-c.md"),
        ("renamed", "research/experiments/audio/EXP-0001-c.md"),
        ("renamed", "research/experiments/EXP-0001-c.md"),
        ("renamed", "research/experiments/EXP-0001-b.md"),
        ("added", "research/experiments/EXP-0001-a.md"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
    let entries = log["entries"].as_array().expect("entries");
    assert_eq!(entries[3]["old_path"], "research/experiments/EXP-0001-b.md");
    assert_eq!(entries[3]["fields"][0]["field"], "status");
    assert_eq!(entries[3]["fields"][0]["old"], "planned");
    assert_eq!(entries[3]["fields"][0]["new"], "running");
    assert_eq!(entries[0]["commit"].as_str().map(str::len), Some(40));
    assert_eq!(entries[0]["author"], "Ada Park");
    assert!(
        entries[0]["date"]
            .as_str()
            .expect("date")
            .ends_with("+00:00")
    );
    assert!(entries[4].get("old_path").is_some());
    assert!(log.get("code_commits").is_none());
}

#[test]
fn log_text_reads_like_git_log() {
    let repo = renamed_repo();
    let run = repo.cairn(&["log", "EXP-0001"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains(
            "renamed research/experiments/EXP-0001-b.md → research/experiments/EXP-0001-c.md"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("status: planned → running"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("2024-03-01 10:00 +0000  Ada Park"),
        "{}",
        run.stdout
    );
    let patch = repo.cairn(&["log", "EXP-0001", "--patch"]);
    assert!(patch.stdout.contains("+Recall 0.81."), "{}", patch.stdout);
}

#[test]
fn code_lists_commits_whose_message_names_the_id() {
    let mut repo = renamed_repo();
    repo.write("src/train.py", "print('mel')\n");
    repo.commit("Train with mel features\n\nRefs: EXP-0001");
    repo.write("src/train.py", "print('mfcc')\n");
    repo.commit("Unrelated: EXP-00012 is another id");
    let run = repo.cairn(&["log", "EXP-0001", "--code", "--format", "json"]);
    let log = json(&run);
    let code: Vec<&str> = log["code_commits"]
        .as_array()
        .expect("code_commits")
        .iter()
        .map(|c| c["summary"].as_str().expect("summary"))
        .collect();
    assert_eq!(code, ["Train with mel features", "restore, done"]);
    let text = repo.cairn(&["log", "EXP-0001", "--code"]);
    assert!(
        text.stdout.contains("Commits that name EXP-0001:"),
        "{}",
        text.stdout
    );
}

#[test]
fn unknown_id_suggests_the_nearest() {
    let repo = renamed_repo();
    let run = repo.cairn(&["log", "EXP-001"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert_eq!(
        run.stdout,
        "no record has the id EXP-001; did you mean EXP-0001?\n"
    );
}

/// main: DEC-0001 proposed; topic: accepted (two commits); merged with --no-ff.
fn merged_repo() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(
        "research/decisions/DEC-0001-a.md",
        decision("DEC-0001", "proposed"),
    );
    repo.commit("propose");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(
        "research/decisions/DEC-0001-a.md",
        decision("DEC-0001", "proposed").replace("Mel.", "Mel, surely."),
    );
    repo.commit("reword on topic");
    repo.write(
        "research/decisions/DEC-0001-a.md",
        decision("DEC-0001", "accepted"),
    );
    repo.commit("accept on topic");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("src/x.py", "x\n");
    repo.commit("code on main");
    let out = repo
        .git_cmd(&["merge", "-q", "--no-ff", "-m", "Merge topic", "topic"])
        .env("GIT_AUTHOR_DATE", format!("@{} +0000", EPOCH + 10 * 3600))
        .env(
            "GIT_COMMITTER_DATE",
            format!("@{} +0000", EPOCH + 10 * 3600),
        )
        .output()
        .expect("merge");
    assert!(out.status.success());
    repo
}

#[test]
fn a_merge_is_one_change_unless_all_parents() {
    let repo = merged_repo();
    let first = json(&repo.cairn(&["log", "DEC-0001", "--format", "json"]));
    let summaries: Vec<&str> = first["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["change"].as_str().expect("change"))
        .collect();
    assert_eq!(summaries, ["modified", "added"]);
    let fields = &first["entries"][0]["fields"];
    assert!(
        fields
            .as_array()
            .expect("fields")
            .iter()
            .any(|f| f["field"] == "status" && f["new"] == "accepted")
    );

    let all = repo.cairn(&["log", "DEC-0001", "--all-parents", "--format", "json"]);
    let all = json(&all);
    assert_eq!(
        all["entries"].as_array().expect("entries").len(),
        3,
        "{all:#}"
    );
    let statuses: Vec<&str> = all["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["accepted", "proposed", "proposed"]);
}

/// Commits at known times: EXP-0001 planned at day 0, running at day 2,
/// done at day 5.5; the log is summarized at day 10 (an unrelated commit).
/// EXP-0002 is added running at day 1 and untouched since: stale after 14
/// days but not after 10.
fn timed_repo() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(
        "research/experiments/EXP-0001-a.md",
        experiment("EXP-0001", "planned"),
    );
    repo.commit_at("plan", EPOCH);
    repo.write(
        "research/experiments/EXP-0002-b.md",
        experiment("EXP-0002", "running"),
    );
    repo.commit_at("start b", EPOCH + DAY);
    repo.write(
        "research/experiments/EXP-0001-a.md",
        experiment("EXP-0001", "running"),
    );
    repo.commit_at("start a", EPOCH + 2 * DAY);
    repo.write(
        "research/experiments/EXP-0001-a.md",
        experiment("EXP-0001", "done").replace(
            "created: 2024-03-01\n",
            "created: 2024-03-01\nbaseline: EXP-0002\n",
        ),
    );
    repo.write(
        "research/experiments/EXP-0002-b.md",
        experiment("EXP-0002", "running")
            .replace("hypothesis", "metrics:\n  recall: 0.75\nhypothesis"),
    );
    repo.commit_at("a is done", EPOCH + 5 * DAY + DAY / 2);
    repo.write(
        "research/scopes/SCOPE-0001-birds.md",
        scope("SCOPE-0001", "agreed").replace("owner", "due: 2024-03-05\nowner"),
    );
    repo.write(
        "research/decisions/DEC-0001-mel.md",
        decision("DEC-0001", "accepted").replace(
            "decided: 2024-03-02\n",
            "decided: 2024-03-02\nevidence: [EXP-0001]\n",
        ),
    );
    repo.commit_at("scope and decision", EPOCH + 6 * DAY);
    repo.write("src/x.py", "x\n");
    repo.commit_at("code", EPOCH + 10 * DAY);
    repo
}

#[test]
fn status_days_follow_the_commits() {
    let repo = timed_repo();
    let run = repo.cairn(&["summary", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let s = json(&run);
    let record = |id: &str| {
        s["records"]
            .as_array()
            .expect("records")
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let a = record("EXP-0001");
    assert_eq!(a["status_days"]["planned"], 2.0);
    assert_eq!(a["status_days"]["running"], 3.5);
    assert_eq!(a["status_days"]["done"], 4.5);
    let b = record("EXP-0002");
    assert_eq!(b["status_days"]["running"], 9.0);
    let plan = repo.git(&["rev-list", "--max-parents=0", "HEAD"]);
    assert_eq!(a["created_commit"], plan.trim());
    assert_eq!(a["last_changed"]["date"], "2024-03-06T21:00:00+00:00");
    assert_eq!(s["version"], 1);
    assert_eq!(s["rev"], "HEAD");
    assert_eq!(s["counts"]["experiment"]["done"], 1);
    assert_eq!(s["counts"]["experiment"]["running"], 1);
    assert_eq!(s["counts"]["decision"]["proposed"], 0);
    // Velocity: planned → done took 5.5 days for EXP-0001.
    let v = &s["velocity"][0];
    assert_eq!(
        (v["kind"].as_str(), v["from"].as_str(), v["to"].as_str()),
        (Some("experiment"), Some("planned"), Some("done"))
    );
    assert_eq!(v["median_days"], 5.5);
    // Metrics against the baseline.
    let e = s["experiments"]
        .as_array()
        .expect("experiments")
        .iter()
        .find(|e| e["id"] == "EXP-0001")
        .expect("EXP-0001")
        .clone();
    assert_eq!(e["baseline"], "EXP-0002");
    assert_eq!(e["metrics"][0]["name"], "recall");
    assert_eq!(e["metrics"][0]["delta"], 0.06);
    // The scope is open and overdue; the decision links to its evidence.
    assert_eq!(s["open"][0]["id"], "SCOPE-0001");
    assert_eq!(s["open"][0]["overdue"], true);
    assert_eq!(s["links"][0]["from"], "DEC-0001");
    assert_eq!(s["links"][0]["to"], "EXP-0001");
}

#[test]
fn stale_work_is_under_way_and_untouched() {
    let repo = timed_repo();
    let s = json(&repo.cairn(&["summary", "--format", "json", "--stale-days", "5"]));
    // EXP-0002 was last touched at day 5.5 (metrics): 4.5 days idle; the
    // agreed scope 4 days.
    assert_eq!(s["stale"], serde_json::json!([]));
    let s = json(&repo.cairn(&["summary", "--format", "json", "--stale-days", "4"]));
    assert_eq!(s["stale"], serde_json::json!(["EXP-0002", "SCOPE-0001"]));
    assert_eq!(s["stale_records"][0]["days"], 4.5);
}

#[test]
fn summary_markdown() {
    let repo = timed_repo();
    let run = repo.cairn(&["summary"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let stdout = regex::Regex::new("[0-9a-f]{40}|`[0-9a-f]{7}`")
        .expect("regex")
        .replace_all(&run.stdout, "<commit>");
    insta::assert_snapshot!(stdout);
}

#[test]
fn summary_text() {
    let repo = timed_repo();
    let run = repo.cairn(&["summary", "--format", "text"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("experiment       2  running 1, done 1"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("experiment planned → done: 5.5 (1 records)"),
        "{}",
        run.stdout
    );
}

#[test]
fn since_and_range_add_what_changed() {
    let repo = timed_repo();
    let s = json(&repo.cairn(&["summary", "--format", "json", "--since", "2024-03-06"]));
    let span = &s["span"];
    assert_eq!(
        span["sentence"], "1 experiment done, 2 records added, 2 records modified.",
        "{span:#}"
    );
    let s = json(&repo.cairn(&["summary", "--format", "json", "--range", "HEAD~2..HEAD~1"]));
    assert_eq!(s["span"]["sentence"], "2 records added.");
    let md = repo.cairn(&["summary", "--range", "HEAD~2..HEAD~1"]);
    assert!(md.stdout.contains("### What changed"), "{}", md.stdout);
    let bad = repo.cairn(&["summary", "--since", "March"]);
    assert_eq!(bad.code, 2, "{}", bad.render());
    assert_eq!(
        bad.stderr,
        "cairn: error: `March` is neither a date nor a span; write YYYY-MM-DD, or a number of days, weeks or months such as 7d, 2w or 1m\n"
    );
    // A span counts back from today: 7 days, 1 week, from 2024-03-13 is 2024-03-06.
    for span in ["7d", "1w"] {
        let out = repo
            .cairn_cmd(&["summary", "--format", "json", "--since", span])
            .env("CAIRN_TODAY", "2024-03-13")
            .output()
            .expect("run");
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(
            s["span"]["sentence"], "1 experiment done, 2 records added, 2 records modified.",
            "{span}"
        );
        assert_eq!(s["today"], "2024-03-13");
    }
}

#[test]
fn errors_are_one_line_and_exit_2() {
    let plain = TestRepo::plain();
    for args in [&["log", "EXP-0001"][..], &["summary"][..]] {
        let run = plain.cairn(args);
        assert_eq!(run.code, 2, "{}", run.render());
        assert!(
            run.stderr.contains("not inside a git repository"),
            "{}",
            run.stderr
        );
    }
    let repo = timed_repo();
    for args in [
        &["log", "EXP-0001", "--rev", "nope"][..],
        &["summary", "--rev", "nope"][..],
        &["summary", "--range", "nope..HEAD"][..],
    ] {
        let run = repo.cairn(args);
        assert_eq!(run.code, 2, "{}", run.render());
        assert!(
            run.stderr.contains("unknown revision `nope`"),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1);
    }
    let empty = TestRepo::new();
    let run = empty.cairn(&["summary"]);
    assert_eq!(run.code, 2, "{}", run.render());
}

#[test]
fn a_shallow_clone_says_how_to_fetch_the_history() {
    let clone = timed_repo().clone_with(&["--depth", "1"]);
    for args in [&["log", "EXP-0001"][..], &["summary"][..]] {
        let run = clone.cairn(args);
        assert_shallow_advice(&run);
        assert_eq!(run.stdout, "");
    }
}
