//! Code actions: the fixes findings already name, as edits — the
//! did-you-mean replacement, quoting a value that holds `: `, adding a
//! missing required field with a placeholder, and writing the other side
//! of a `supersedes` / `superseded_by` pair.
//!
//! Edits of front matter go through `edit::set`, which changes only the
//! line it must, as `cairn set` does.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, NumberOrString, TextEdit,
    Uri, WorkspaceEdit,
};
use regex::Regex;

use super::log::Log;
use super::ranges::front_keys;
use super::text::{LineIndex, path_to_uri};
use crate::edit;
use crate::frontmatter;
use crate::schema::{FieldType, IdRule, Kind};
use crate::value::Value;

static DID_YOU_MEAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"did you mean `([^`]+)`\?").expect("a valid pattern"));
static SET_OTHER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"set `([^`:]+): ([^`]+)` in (\S+)$").expect("a valid pattern"));
static ADD_OTHER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"add (\S+) to `([^`]+)` in (\S+)$").expect("a valid pattern"));

/// The fixes for the findings the editor sends with the request.
pub(crate) fn code_actions(
    log: &Log,
    params: CodeActionParams,
) -> Option<Vec<CodeActionOrCommand>> {
    let uri = params.text_document.uri;
    let rel = super::relative(log, &uri)?;
    let text = log.text(&rel)?;
    let kind = log.kind(&rel)?;
    let mut out = Vec::new();
    for found in &params.context.diagnostics {
        let Some(NumberOrString::String(code)) = &found.code else {
            continue;
        };
        let action = |title: String, changes: HashMap<Uri, Vec<TextEdit>>| {
            CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![found.clone()]),
                edit: Some(WorkspaceEdit::new(changes)),
                is_preferred: Some(true),
                ..CodeAction::default()
            })
        };
        let here = |edits: Vec<TextEdit>| HashMap::from([(uri.clone(), edits)]);
        if let Some(m) = DID_YOU_MEAN.captures(&found.message) {
            let better = m[1].to_string();
            out.push(action(
                format!("Replace with `{better}`"),
                here(vec![TextEdit::new(found.range, better)]),
            ));
            continue;
        }
        match code.as_str() {
            "parse/yaml" => {
                if let Some((key, edit)) = quote_value(&text, found.range.start.line as usize) {
                    out.push(action(
                        format!("Quote the value of `{key}`"),
                        here(vec![edit]),
                    ));
                }
            }
            "schema/missing-field" => {
                let Some(key) = found.message.split('`').nth(1) else {
                    continue;
                };
                let present = front_keys(&text).iter().any(|(k, _)| k == key);
                if present {
                    continue;
                }
                let value = placeholder(log, kind, key);
                if let Ok(new) = edit::set(&text, key, &value, None) {
                    out.push(action(
                        format!("Add `{key}: {}`", crate::yaml::inline(&value)),
                        here(vec![whole_edit(&text, &new)]),
                    ));
                }
            }
            "ref/supersede-mismatch" => {
                if let Some((title, other, edit)) = other_side(log, &found.message) {
                    out.push(action(title, HashMap::from([(other, vec![edit])])));
                }
            }
            _ => {}
        }
    }
    Some(out)
}

/// Wraps the value on 0-based `line` in double quotes, when it holds `: `.
fn quote_value(text: &str, line: usize) -> Option<(String, TextEdit)> {
    let index = LineIndex::new(text);
    let line_text = index.line(line);
    let (key, value) = frontmatter::key_value_spans(line_text)?;
    let raw = &line_text[value.clone()];
    if !raw.contains(": ") || raw.starts_with(['"', '\'']) {
        return None;
    }
    // Single quotes, as the finding suggests: nothing inside is an escape
    // but a doubled quote.
    let quoted = format!("'{}'", raw.replace('\'', "''"));
    Some((
        line_text[key].to_string(),
        TextEdit::new(index.range(line, value.start, value.end), quoted),
    ))
}

/// A value to start a missing field with: one the field's type accepts
/// where there is an obvious one, else an empty one to fill in.
fn placeholder(log: &Log, kind: &Kind, key: &str) -> Value {
    let empty = || Value::String(String::new());
    if key == kind.key_of("id") && matches!(kind.id, IdRule::Standard { .. }) {
        let next = log
            .snapshot
            .records
            .iter()
            .filter_map(|r| r.id.as_deref().and_then(|id| kind.number_in(id)))
            .max()
            .unwrap_or(0)
            + 1;
        return Value::String(kind.format_id(next));
    }
    let Some(spec) = kind.fields.iter().find(|f| f.key == key) else {
        return empty();
    };
    match &spec.ty {
        FieldType::Date => Value::String(super::today()),
        FieldType::Enum(values) => values.first().cloned().map_or_else(empty, Value::String),
        FieldType::List(_) => Value::List(Vec::new()),
        FieldType::Map(_) => Value::Map(Vec::new()),
        FieldType::Boolean => Value::Bool(false),
        FieldType::Number | FieldType::Integer => Value::Int(0),
        _ if spec.name == "status" => kind
            .statuses
            .as_ref()
            .and_then(|s| s.first().cloned())
            .map_or_else(empty, Value::String),
        _ => empty(),
    }
}

/// The edit in the other record of a pair that a mismatch message names.
fn other_side(log: &Log, message: &str) -> Option<(String, Uri, TextEdit)> {
    let (title, path, new_text, old) = if let Some(m) = SET_OTHER.captures(message) {
        let (key, value, path) = (&m[1], &m[2], m[3].to_string());
        let old = log.text(&path)?;
        let new = edit::set(&old, key, &Value::String(value.to_string()), Some("status")).ok()?;
        (format!("Set `{key}: {value}` in {path}"), path, new, old)
    } else {
        let m = ADD_OTHER.captures(message)?;
        let (id, key, path) = (&m[1], &m[2], m[3].to_string());
        let old = log.text(&path)?;
        let record = log.record(&path)?;
        let mut items = match record.front.get(key).map(|f| &f.value) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::List(items)) => items.clone(),
            Some(_) => return None,
        };
        items.push(Value::String(id.to_string()));
        let new = edit::set(&old, key, &Value::List(items), Some("status")).ok()?;
        (format!("Add {id} to `{key}` in {path}"), path, new, old)
    };
    let uri = match log.docs.get(&path) {
        Some(doc) => doc.uri.clone(),
        None => Uri::from_str(&path_to_uri(&log.full_path(&path))).ok()?,
    };
    Some((title, uri, whole_edit(&old, &new_text)))
}

/// One edit turning `old` into `new`: the span between their common
/// prefix and suffix.
fn whole_edit(old: &str, new: &str) -> TextEdit {
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    let index = LineIndex::new(old);
    let at = |offset: usize| {
        let line = old[..offset].matches('\n').count();
        let start = old[..offset].rfind('\n').map_or(0, |i| i + 1);
        index.position(line, offset - start)
    };
    TextEdit::new(
        lsp_types::Range::new(at(prefix), at(old.len() - suffix)),
        new[prefix..new.len() - suffix].to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_covers_only_what_changed() {
        let e = whole_edit("---\nid: A\n---\n", "---\nid: A\nstatus: x\n---\n");
        assert_eq!(e.new_text, "status: x\n");
        assert_eq!((e.range.start.line, e.range.start.character), (2, 0));
        assert_eq!(e.range.start, e.range.end);
        let e = whole_edit("title: a: b", "title: \"a: b\"");
        assert_eq!(e.new_text, "\"a: b\"");
    }

    #[test]
    fn values_with_colons_are_quoted() {
        let (key, e) = quote_value("---\ntitle: Mel: a \"study\"\n---\n", 1).unwrap();
        assert_eq!(key, "title");
        assert_eq!(e.new_text, "'Mel: a \"study\"'");
        assert!(quote_value("---\ntitle: \"a: b\"\n---\n", 1).is_none());
    }
}
