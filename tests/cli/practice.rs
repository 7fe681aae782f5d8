//! Research practice: milestones and lessons, review dates and
//! work-in-progress limits, as `new`, `validate` and `summary` show them.

use crate::support::{TestRepo, decision, experiment};

const DEC: &str = "research/decisions";
const EXP: &str = "research/experiments";

#[test]
fn a_lesson_takes_one_command_and_validates_clean() {
    let mut repo = TestRepo::new();
    repo.git(&["config", "user.name", "Grace Hopper"]);
    repo.write("README.md", "# Birds\n");
    repo.commit("start");
    let run = repo.run(&[
        "new",
        "lesson",
        "Check the sample rate before blaming the model",
    ]);
    assert_eq!(run.code, 0, "{}", run.render());
    let path = "research/lessons/LSN-0001-check-the-sample-rate-before-blaming-the-model.md";
    assert_eq!(run.stdout, format!("{path}\n"));
    let text = repo.read(path);
    assert!(text.contains("\nstatus: noted\n"), "{text}");
    assert!(text.contains("\ncreated: 2024-03-01\n"), "{text}");
    assert!(text.contains("\nauthors: [Grace Hopper]\n"), "{text}");
    assert!(text.contains("\n## What happened\n"), "{text}");
    let run = repo.run(&["new", "milestone", "Detector ready for the spring survey"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(
        run.stdout,
        "research/milestones/MS-0001-detector-ready-for-the-spring-survey.md\n"
    );
    let run = repo.run(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("0 errors, 0 warnings in 2 records"),
        "{}",
        run.render()
    );
}

#[test]
fn cairn_today_must_be_a_date() {
    let repo = TestRepo::new();
    let run = repo
        .cairn_cmd(&["validate"])
        .env("CAIRN_TODAY", "tomorrow")
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "cairn: error: CAIRN_TODAY=`tomorrow` is not a date; write it as YYYY-MM-DD (e.g. 2024-03-01), or unset it\n"
    );
}

fn reviewed(id: &str, status: &str, review_by: &str) -> String {
    decision(id, status).replace(
        "created: 2024-03-01\n",
        &format!("created: 2024-03-01\nreview_by: {review_by}\n"),
    )
}

#[test]
fn a_review_falls_due_the_day_after_its_date() {
    let repo = TestRepo::new();
    repo.write(
        &format!("{DEC}/DEC-0001-a.md"),
        reviewed("DEC-0001", "accepted", "2024-06-01"),
    )
    .write(
        &format!("{DEC}/DEC-0002-b.md"),
        reviewed("DEC-0002", "proposed", "2024-01-01"),
    );
    let on = |day: &str| {
        let out = repo
            .cairn_cmd(&["validate", "--format", "json"])
            .env("CAIRN_TODAY", day)
            .output()
            .expect("run");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        doc["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| {
                format!(
                    "{} {} {}",
                    d["code"].as_str().unwrap_or(""),
                    d["id"].as_str().unwrap_or(""),
                    d["line"]
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(on("2024-06-01"), Vec::<String>::new());
    // A proposed decision is not reviewed; the accepted one is, on its date's line.
    assert_eq!(on("2024-06-02"), ["review/due DEC-0001 6"]);
}

#[test]
fn the_wip_limit_is_data_a_team_can_raise() {
    let repo = TestRepo::new();
    for id in ["EXP-0001", "EXP-0002", "EXP-0003"] {
        repo.write(
            &format!("{EXP}/{id}-x.md"),
            experiment(id, "running").replace(
                "created: 2024-03-01\n",
                "created: 2024-03-01\nauthors: [Ada Park, Bo Chen]\n",
            ),
        );
    }
    let run = repo.run(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains(
            "Ada Park has 3 running experiments (EXP-0001, EXP-0002, EXP-0003); the limit is 2"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Bo Chen has 3 running experiments"),
        "{}",
        run.stdout
    );
    assert_eq!(repo.run(&["validate", "--strict"]).code, 1);
    let config = cairn::config::BUILTIN.replace(
        "limit: {per: authors, max: 2}",
        "limit: {per: authors, max: 3}",
    );
    repo.write(".cairn/config.yaml", config);
    let run = repo.run(&["validate"]);
    assert!(
        run.stdout.contains("0 errors, 0 warnings in 3 records"),
        "{}",
        run.render()
    );
}

/// A committed log with a milestone, a decision past its review date and
/// one author over the work-in-progress limit.
fn practice_repo() -> TestRepo {
    let mut repo = TestRepo::new();
    for id in ["EXP-0001", "EXP-0002", "EXP-0003"] {
        repo.write(
            &format!("{EXP}/{id}-x.md"),
            experiment(id, "running").replace(
                "created: 2024-03-01\n",
                "created: 2024-03-01\nauthors: [Ada Park]\n",
            ),
        );
    }
    repo.write(&format!("{EXP}/EXP-0004-x.md"), experiment("EXP-0004", "done"))
        .write(
            &format!("{DEC}/DEC-0001-a.md"),
            reviewed("DEC-0001", "accepted", "2024-02-20"),
        )
        .write(
            "research/milestones/MS-0001-ready.md",
            "---\nid: MS-0001\ntitle: Ready for spring\nstatus: active\ncreated: 2024-03-01\ngoal: find every territory\ndue: 2024-04-01\ncriteria: [recall 0.9]\nexperiments: [EXP-0001, EXP-0004]\n---\n\n# Ready\n",
        );
    repo.commit("log");
    repo
}

#[test]
fn summary_shows_reviews_work_in_progress_and_progress() {
    let repo = practice_repo();
    let run = repo.run(&["summary", "--format", "text"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let from = run
        .stdout
        .find("\nDue for review")
        .expect("a review section");
    let to = run.stdout.find("\nExperiments:").expect("experiments");
    insta::assert_snapshot!(&run.stdout[from..to]);
    let md = repo.run(&["summary"]).stdout;
    assert!(md.contains("### Due for review (today is 2024-03-01)\n\n| id | title | status | review date | overdue |"), "{md}");
    assert!(
        md.contains(
            "| Ada Park | experiment | running | EXP-0001, EXP-0002, EXP-0003 | **3 over 2** |"
        ),
        "{md}"
    );
    assert!(
        md.contains(
            "| MS-0001 | Ready for spring | active | 2024-04-01 | 1 of 2 | EXP-0001 (running) |"
        ),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&repo.run(&["summary", "--format", "json"]).stdout).expect("json");
    assert_eq!(json["today"], "2024-03-01");
    assert_eq!(json["reviews"][0]["id"], "DEC-0001");
    assert_eq!(json["reviews"][0]["days_overdue"], 10);
    assert_eq!(json["workloads"][0]["over"], true);
    assert_eq!(json["progress"][0]["settled"], 1);
}
