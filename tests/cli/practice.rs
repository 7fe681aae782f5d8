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
    assert!(text.contains("\nauthors: [\"Grace Hopper\"]\n"), "{text}");
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
