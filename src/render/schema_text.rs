//! `schema` as text: each kind's folder, ids, statuses and moves, fields
//! (required or not, type, what for), sections, rules and frozen parts, as
//! a reader checks them before writing a record.

use std::io::{self, Write};

use anstyle::Style;

use super::term;
use crate::schema::{FieldSpec, IdRule, Kind};

const HEADER: Style = Style::new().bold();

/// Writes the kinds, one block each, separated by a blank line.
pub fn write(out: &mut dyn Write, kinds: &[&Kind]) -> io::Result<()> {
    for (i, kind) in kinds.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_kind(out, kind)?;
    }
    Ok(())
}

fn write_kind(out: &mut dyn Write, kind: &Kind) -> io::Result<()> {
    let dir = if kind.dir.is_empty() { "." } else { &kind.dir };
    writeln!(
        out,
        "{HEADER}{}{HEADER:#} — folder {}, ids {}",
        term(&kind.name),
        term(dir),
        term(&id_rule(kind))
    )?;
    match &kind.statuses {
        Some(statuses) => writeln!(out, "  statuses     {}", term(&statuses.join(", ")))?,
        None => writeln!(out, "  statuses     any")?,
    }
    if let Some(transitions) = &kind.transitions {
        for (i, (from, to)) in transitions.iter().enumerate() {
            let label = if i == 0 { "moves" } else { "" };
            let to = if to.is_empty() {
                "(none)".to_string()
            } else {
                to.join(", ")
            };
            writeln!(out, "  {label:<12} {} → {}", term(from), term(&to))?;
        }
    }
    writeln!(out, "  fields")?;
    let width = kind.fields.iter().map(|f| f.key.chars().count()).max();
    for spec in &kind.fields {
        write_field(out, kind, spec, width.unwrap_or(0))?;
    }
    if !kind.sections.is_empty() {
        writeln!(out, "  sections     {}", term(&kind.sections.join(", ")))?;
    }
    for (i, rule) in kind.rules.iter().enumerate() {
        let label = if i == 0 { "rules" } else { "" };
        let mut then = Vec::new();
        if !rule.require.is_empty() {
            then.push(format!("require {}", rule.require.join(", ")));
        }
        if !rule.sections.is_empty() {
            then.push(format!("sections {}", rule.sections.join(", ")));
        }
        if let Some(field) = &rule.review {
            then.push(format!("due for review once `{field}` has passed"));
        }
        if let Some(limit) = &rule.limit {
            then.push(format!("at most {} per `{}`", limit.max, limit.per));
        }
        writeln!(
            out,
            "  {label:<12} when {}: {}",
            term(&rule.when.describe()),
            term(&then.join("; "))
        )?;
    }
    for (i, frozen) in kind.frozen.iter().enumerate() {
        let label = if i == 0 { "frozen" } else { "" };
        let mut parts = Vec::new();
        if !frozen.sections.is_empty() {
            parts.push(format!("sections {}", frozen.sections.join(", ")));
        }
        if !frozen.fields.is_empty() {
            parts.push(format!("fields {}", frozen.fields.join(", ")));
        }
        writeln!(
            out,
            "  {label:<12} once {}: {}",
            term(&frozen.when.describe()),
            term(&parts.join("; "))
        )?;
    }
    Ok(())
}

fn write_field(out: &mut dyn Write, kind: &Kind, spec: &FieldSpec, width: usize) -> io::Result<()> {
    let need = if spec.required {
        "required"
    } else {
        "optional"
    };
    let ty = if spec.name == "status" {
        match &kind.statuses {
            Some(statuses) => format!("one of {}", statuses.join(", ")),
            None => spec.ty.describe(),
        }
    } else {
        spec.ty.describe()
    };
    let about = spec
        .about
        .as_deref()
        .map(|a| format!(" — {a}"))
        .unwrap_or_default();
    let renamed = if spec.key == spec.name {
        String::new()
    } else {
        format!(" (the `{}` field)", spec.name)
    };
    writeln!(
        out,
        "    {:<width$}  {need}  {}{}{}",
        term(&spec.key),
        term(&ty),
        term(&renamed),
        term(&about)
    )
}

fn id_rule(kind: &Kind) -> String {
    match &kind.id {
        IdRule::Standard { pattern } => format!("{} (pattern {})", kind.format_id(1), pattern),
        IdRule::Field { key, .. } => {
            format!("{} (from the `{key}` field)", kind.format_id(1))
        }
        IdRule::Path => "the path inside the folder, without .md".to_string(),
        IdRule::Filename { pattern } => {
            format!(
                "{} (from the file name, pattern {pattern})",
                kind.format_id(1)
            )
        }
    }
}
