//! `validate --format sarif`: SARIF 2.1.0, the format code-scanning tools
//! (GitHub code scanning among them) read. One run, one rule per code.

use std::io::{self, Write};

use serde::Serialize;

use crate::check::Report;
use crate::diagnostic::{Code, Severity};

#[derive(Serialize)]
struct Log<'a> {
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool,
    results: Vec<Finding<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    short_description: Text<'static>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Finding<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: Physical<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical<'a> {
    artifact_location: Artifact<'a>,
    region: Region,
}

#[derive(Serialize)]
struct Artifact<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

/// Writes the report as one SARIF log.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let rules = Code::ALL
        .iter()
        .map(|code| Rule {
            id: code.as_str(),
            short_description: Text {
                text: code.description(),
            },
        })
        .collect();
    let results = report
        .diagnostics
        .iter()
        .map(|d| Finding {
            rule_id: d.code.as_str(),
            rule_index: Code::ALL
                .iter()
                .position(|c| *c == d.code)
                .unwrap_or_default(),
            level: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            message: Text { text: &d.message },
            locations: [Location {
                physical_location: Physical {
                    artifact_location: Artifact { uri: &d.file },
                    region: Region { start_line: d.line },
                },
            }],
        })
        .collect();
    let log = Log {
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "cairn",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
        }],
    };
    super::json(out, &log)
}
