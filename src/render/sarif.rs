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
    locations: [Location; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: Physical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

/// A repository path as a relative URI reference (RFC 3986): every byte
/// but unreserved characters and `/` percent-encoded, so a file named
/// `a b#c?.md` or `%2e%2e` stays the one file it is.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
                    artifact_location: Artifact { uri: uri(&d.file) },
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
