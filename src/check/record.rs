//! Checks one record against its kind: id, required fields, types, enums,
//! unknown fields, sections and conditional rules.

use crate::calendar;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::record::Record;
use crate::schema::{FieldSpec, FieldType, IdRule, Kind};
use crate::value::Value;

/// Every finding about `record` alone.
pub fn check(kind: &Kind, record: &Record) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    check_id(kind, record, &mut out);
    check_fields(kind, record, &mut out);
    check_placeholders(kind, record, &mut out);
    if kind.warn_unknown_fields {
        check_unknown_fields(kind, record, &mut out);
    }
    check_sections(kind, record, &mut out);
    check_rules(kind, record, &mut out);
    out
}

/// Required fields present and filled, each value of its type, the status one of the kind's.
fn check_fields(kind: &Kind, record: &Record, out: &mut Vec<Diagnostic>) {
    for spec in &kind.fields {
        if spec.name == "id" && !matches!(kind.id, IdRule::Standard { .. }) {
            continue;
        }
        // The id's absence is reported by `check_id`, with the next free id.
        let required = spec.required && spec.name != "id";
        match record.front.get(&spec.key) {
            None if required => out.push(
                err(
                    record,
                    Code::MissingField,
                    record.front.line,
                    format!(
                        "required field `{}` is missing; {}",
                        spec.key,
                        fill_hint(spec)
                    ),
                )
                .about(&spec.key),
            ),
            Some(field) if field.value.is_empty() && required => out.push(
                err(
                    record,
                    Code::MissingField,
                    field.line,
                    format!(
                        "required field `{}` is empty; {}",
                        spec.key,
                        fill_hint(spec)
                    ),
                )
                .about(&spec.key),
            ),
            None => {}
            Some(field) if field.value.is_empty() => {}
            Some(field) => {
                if spec.name == "status" {
                    if let Some(message) = status_problem(kind, &field.value) {
                        out.push(err(record, Code::Enum, field.line, message).about(&spec.key));
                        continue;
                    }
                }
                if let Some((code, message)) = value_problem(&spec.key, &spec.ty, &field.value) {
                    out.push(err(record, code, field.line, message).about(&spec.key));
                }
            }
        }
    }
}

/// Fields the kind does not define (a warning, with the nearest known key).
fn check_unknown_fields(kind: &Kind, record: &Record, out: &mut Vec<Diagnostic>) {
    let known: Vec<&str> = kind
        .fields
        .iter()
        .map(|f| f.key.as_str())
        .chain(id_key(kind))
        .collect();
    for field in &record.front.fields {
        if !known.contains(&field.key.as_str()) {
            let hint = did_you_mean(&field.key, known.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            out.push(
                Diagnostic::warning(
                    Code::UnknownField,
                    &record.path,
                    field.line,
                    format!("field `{}` is not in the {} schema; {hint}add it to the kind's fields in .cairn/config.yaml or remove it", field.key, kind.name),
                )
                .with_id(record.id.as_deref())
                .about(&field.key),
            );
        }
    }
}

/// The sections every record of the kind has.
fn check_sections(kind: &Kind, record: &Record, out: &mut Vec<Diagnostic>) {
    for section in &kind.sections {
        if record.body.section(section).is_none() {
            out.push(
                err(
                    record,
                    Code::MissingSection,
                    1,
                    format!("section `{section}` is missing; add a heading `## {section}`"),
                )
                .about(format!("## {section}")),
            );
        }
    }
}

/// The conditional rules: fields and sections required when the record's values match.
fn check_rules(kind: &Kind, record: &Record, out: &mut Vec<Diagnostic>) {
    for rule in &kind.rules {
        if !rule.when.matches(|name| record.value(name)) {
            continue;
        }
        let line = rule
            .when
            .fields
            .first()
            .map_or(record.front.line, |(f, _)| record.line_of(f));
        let when = rule.when.describe();
        for name in &rule.require {
            if record.value(name).is_none_or(Value::is_empty) {
                let key = kind.key_of(name);
                let hint = kind.field(name).map(fill_hint).unwrap_or_default();
                out.push(
                    err(
                        record,
                        Code::MissingField,
                        line,
                        format!("`{key}` is required when {when}; {hint}"),
                    )
                    .about(key),
                );
            }
        }
        for section in &rule.sections {
            if record.body.section(section).is_none() {
                out.push(err(
                    record,
                    Code::MissingSection,
                    line,
                    format!(
                        "section `{section}` is required when {when}; add a heading `## {section}`"
                    ),
                ).about(format!("## {section}")));
            }
        }
    }
}

/// An error about `record`.
fn err(record: &Record, code: Code, line: usize, message: String) -> Diagnostic {
    Diagnostic::error(code, &record.path, line, message).with_id(record.id.as_deref())
}

/// A required field that still holds the template's placeholder (`TODO:
/// …`) once the record has left its kind's first status: written from the
/// template, never filled in.
fn check_placeholders(kind: &Kind, record: &Record, out: &mut Vec<Diagnostic>) {
    let first = kind.statuses.as_ref().and_then(|s| s.first());
    let (Some(first), Some(status)) = (first, record.status()) else {
        return;
    };
    if &status == first {
        return;
    }
    let required = kind.fields.iter().filter(|f| {
        f.required
            || kind
                .rules
                .iter()
                .any(|r| r.require.contains(&f.name) && r.when.matches(|n| record.value(n)))
    });
    for spec in required {
        let Some(field) = record.front.get(&spec.key) else {
            continue;
        };
        if field
            .value
            .string_items()
            .iter()
            .any(|s| s.trim_start().starts_with("TODO"))
        {
            out.push(
                Diagnostic::warning(
                    Code::Placeholder,
                    &record.path,
                    field.line,
                    format!(
                        "`{}` still holds the template's placeholder, and the record is {status}; write the real value",
                        spec.key
                    ),
                )
                .with_id(record.id.as_deref())
                .about(&spec.key),
            );
        }
    }
}

fn id_key(kind: &Kind) -> Option<&str> {
    match &kind.id {
        IdRule::Field { key, .. } => Some(key.as_str()),
        _ => None,
    }
}

fn check_id(kind: &Kind, record: &Record, out: &mut Vec<Diagnostic>) {
    match (&kind.id, record.id.as_deref()) {
        (IdRule::Standard { .. }, None) | (IdRule::Field { .. }, None) => {
            let key = match &kind.id {
                IdRule::Field { key, .. } => key.as_str(),
                _ => kind.key_of("id"),
            };
            let present = record.front.get(key);
            let example = kind.format_id(1);
            let message = match present {
                Some(f) if !f.value.is_empty() => format!(
                    "`{key}` should be a single value such as `{example}`, found {}",
                    f.value.type_name()
                ),
                _ => format!(
                    "required field `{key}` is missing; add `{key}: {example}` (the next free id: run `cairn new {}` to pick one)",
                    kind.name
                ),
            };
            let code = if present.is_some_and(|f| !f.value.is_empty()) {
                Code::Type
            } else {
                Code::MissingField
            };
            out.push(err(
                record,
                code,
                present.map_or(record.front.line, |f| f.line),
                message,
            ));
        }
        (IdRule::Standard { pattern }, Some(id)) => {
            if !pattern.is_match(id) {
                let default = format!("^{}-[0-9]{{4,}}$", regex::escape(&kind.prefix));
                let expected = if pattern.as_str() == default {
                    format!(
                        "`{}-` and at least 4 digits, e.g. `{}`",
                        kind.prefix,
                        kind.format_id(12)
                    )
                } else {
                    format!("the pattern `{}`", pattern.as_str())
                };
                out.push(err(
                    record,
                    Code::IdFormat,
                    record.id_line,
                    format!("id `{id}` does not match {expected}"),
                ));
            }
        }
        (
            IdRule::Field {
                pattern: Some(pattern),
                key,
            },
            Some(id),
        ) => {
            let raw = &id[kind.prefix.len() + 1..];
            if !pattern.is_match(raw) {
                out.push(err(
                    record,
                    Code::IdFormat,
                    record.id_line,
                    format!(
                        "`{key}: {raw}` does not match the pattern `{}`",
                        pattern.as_str()
                    ),
                ));
            }
        }
        (IdRule::Field { pattern: None, .. }, Some(_)) => {}
        (IdRule::Filename { pattern }, None) => {
            out.push(err(record, Code::IdFormat, 1, format!("the file name does not match `{}`, so the record has no id; rename the file, e.g. `0001-{}`", pattern.as_str(), record.path.rsplit('/').next().unwrap_or(""))));
        }
        (IdRule::Filename { .. }, Some(_)) | (IdRule::Path, _) => {}
    }
}

fn fill_hint(spec: &FieldSpec) -> String {
    let what = spec.about.clone().unwrap_or_else(|| spec.ty.describe());
    format!("add `{}:` with {what}", spec.key)
}

fn status_problem(kind: &Kind, value: &Value) -> Option<String> {
    let statuses = kind.statuses.as_ref()?;
    let text = value.scalar_text()?;
    if statuses.contains(&text) {
        return None;
    }
    let hint = did_you_mean(&text, statuses.iter().map(String::as_str))
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    Some(format!(
        "status `{text}` is not one of {}{hint}",
        statuses.join(", ")
    ))
}

/// The first problem with a present, non-empty value of type `ty`.
pub fn value_problem(key: &str, ty: &FieldType, value: &Value) -> Option<(Code, String)> {
    let wrong = || {
        Some((
            Code::Type,
            format!(
                "`{key}` should be {}, found {} (`{}`)",
                ty.describe(),
                value.type_name(),
                short(value)
            ),
        ))
    };
    match (ty, value) {
        (_, Value::Null) => None,
        (
            FieldType::String | FieldType::Ref { .. },
            Value::String(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_),
        ) => None,
        (FieldType::Number, Value::Int(_) | Value::Float(_)) => None,
        (FieldType::Integer, Value::Int(_)) => None,
        (FieldType::Boolean, Value::Bool(_)) => None,
        (FieldType::Date, Value::String(s)) => {
            if calendar::is_date(s) {
                None
            } else {
                Some((
                    Code::Type,
                    format!(
                        "`{key}: {s}` is not a date; write a real calendar date as YYYY-MM-DD, e.g. 2024-03-18"
                    ),
                ))
            }
        }
        (FieldType::Glob, Value::String(s)) => match crate::schema::glob(s) {
            Ok(_) => None,
            Err(why) => Some((Code::Type, format!("`{key}`: `{}`: {why}", truncate(s)))),
        },
        (FieldType::Enum(values), v) if v.scalar_text().is_some() => {
            let text = v.scalar_text().unwrap_or_default();
            if values.contains(&text) {
                return None;
            }
            let hint = did_you_mean(&text, values.iter().map(String::as_str))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            Some((
                Code::Enum,
                format!("{key} `{text}` is not one of {}{hint}", values.join(", ")),
            ))
        }
        (FieldType::List(item), Value::List(items))
            if **item == FieldType::Glob && items.len() > crate::schema::MAX_GLOBS =>
        {
            Some((
                Code::Type,
                format!(
                    "`{key}` lists {} globs, more than the {} cairn reads; cover folders (`src/features/**`) instead of single files",
                    items.len(),
                    crate::schema::MAX_GLOBS
                ),
            ))
        }
        (FieldType::List(item), Value::List(items)) => {
            items.iter().enumerate().find_map(|(i, v)| {
                if v.is_empty() && !matches!(v, Value::Null) {
                    return None;
                }
                value_problem(&format!("{key}[{}]", i + 1), item, v)
            })
        }
        (FieldType::List(item), Value::String(s)) => Some((
            Code::Type,
            format!(
                "`{key}` should be {}, found the string `{}`; write `{key}: [{s}]` or one `- item` per line",
                FieldType::List(item.clone()).describe(),
                truncate(s)
            ),
        )),
        (FieldType::Map(None), Value::Map(_)) => None,
        (FieldType::Map(Some(vt)), Value::Map(entries)) => entries
            .iter()
            .find_map(|(k, v)| value_problem(&format!("{key}.{k}"), vt, v)),
        _ => wrong(),
    }
}

fn short(value: &Value) -> String {
    truncate(&value.to_string())
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::diagnostic::Severity;

    fn findings(kind: &str, text: &str) -> Vec<(usize, Code, String)> {
        let schema = config::builtin();
        let k = schema.kind(kind).unwrap();
        let r = crate::record::parse("r.md", k, text.as_bytes()).unwrap();
        check(k, &r)
            .into_iter()
            .map(|d| (d.line, d.code, d.message))
            .collect()
    }

    const GOOD_EXP: &str = "---\nid: EXP-0012\ntitle: Mel features\nstatus: running\ncreated: 2024-03-01\nhypothesis: mel beats raw audio\n---\n## Setup\nx\n";

    #[test]
    fn a_good_record_is_clean() {
        assert_eq!(findings("experiment", GOOD_EXP), vec![]);
    }

    #[test]
    fn status_typo_gets_a_suggestion() {
        let f = findings(
            "experiment",
            &GOOD_EXP.replace("status: running", "status: runing"),
        );
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].0, f[0].1), (4, Code::Enum));
        assert!(f[0].2.contains("did you mean `running`?"), "{}", f[0].2);
    }

    #[test]
    fn dates_are_checked_for_real() {
        let f = findings("experiment", &GOOD_EXP.replace("2024-03-01", "2023-14-05"));
        assert_eq!((f[0].0, f[0].1), (5, Code::Type));
        assert!(f[0].2.contains("is not a date"));
    }

    #[test]
    fn done_requires_metrics_outcome_and_sections() {
        let f = findings(
            "experiment",
            &GOOD_EXP.replace("status: running", "status: done"),
        );
        let codes: Vec<_> = f.iter().map(|(l, c, _)| (*l, *c)).collect();
        assert_eq!(
            codes,
            [
                (4, Code::MissingField),
                (4, Code::MissingField),
                (4, Code::MissingSection),
                (4, Code::MissingSection)
            ]
        );
        assert!(f[0].2.contains("`metrics` is required when status is done"));
    }

    #[test]
    fn id_format_and_unknown_fields() {
        let f = findings(
            "experiment",
            &GOOD_EXP
                .replace("EXP-0012", "EXP-12")
                .replace("hypothesis:", "hypothesis: x\nhypotesis:"),
        );
        assert_eq!(f[0].1, Code::IdFormat);
        assert!(f[0].2.contains("at least 4 digits"));
        let unknown = f.iter().find(|d| d.1 == Code::UnknownField).unwrap();
        assert!(
            unknown.2.contains("did you mean `hypothesis`?"),
            "{}",
            unknown.2
        );
        let schema = config::builtin();
        let k = schema.kind("experiment").unwrap();
        let r = crate::record::parse(
            "r.md",
            k,
            GOOD_EXP
                .replace("hypothesis:", "colour: red\nhypothesis:")
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(check(k, &r)[0].severity, Severity::Warning);
    }

    #[test]
    fn types_of_lists_and_maps() {
        let f = findings(
            "experiment",
            &GOOD_EXP.replace(
                "hypothesis:",
                "tags: audio\nmetrics: {recall: high}\nhypothesis:",
            ),
        );
        let msgs: Vec<_> = f.iter().map(|d| d.2.as_str()).collect();
        assert!(
            msgs[0].contains("`tags` should be a list of strings"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains("`metrics.recall` should be a number"),
            "{msgs:?}"
        );
    }

    #[test]
    fn missing_required_field_and_section() {
        let f = findings(
            "scope",
            "---\nid: SCOPE-0001\ntitle: t\nstatus: draft\ncreated: 2024-01-01\n---\n## Problem\n",
        );
        assert_eq!(f[0].1, Code::MissingField);
        assert!(f[0].2.contains("`owner`"));
        assert_eq!(f[1].1, Code::MissingSection);
        assert!(f[1].2.contains("Inputs and outputs"));
    }
}
