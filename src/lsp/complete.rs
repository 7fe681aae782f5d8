//! Completion in front matter: the fields a kind allows, and for a value
//! what its field accepts — statuses (the moves allowed from the committed
//! status first), enum values, ids of the right kind, today's date, the
//! tags the log already uses.

use std::collections::HashMap;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionList, CompletionParams, CompletionResponse,
    CompletionTextEdit, Documentation, MarkupContent, MarkupKind, TextEdit,
};

use super::log::Log;
use super::ranges::{front_keys, front_matter_lines, owning_key};
use super::text::{LineIndex, word_at};
use crate::frontmatter;
use crate::schema::{FieldSpec, FieldType, Kind};

/// At most this many ids are offered at once; typing narrows them.
const MAX_IDS: usize = 100;

/// The completion items at a position, or nothing outside front matter.
pub(crate) fn completion(log: &Log, params: CompletionParams) -> Option<CompletionResponse> {
    let at = params.text_document_position;
    let rel = super::relative(log, &at.text_document.uri)?;
    let doc = log.docs.get(&rel)?;
    let kind = log.kind(&rel)?;
    let index = LineIndex::new(&doc.text);
    let fields = front_matter_lines(&doc.text)?;
    let line = at.position.line as usize;
    if !fields.contains(&line) {
        return None;
    }
    let line_text = index.line(line);
    let line_start = index.offset(lsp_types::Position::new(at.position.line, 0));
    let col = index.offset(at.position) - line_start;
    let word = word_at(line_text, col);
    let word = word.start..col.max(word.start);
    let prefix = &line_text[word.clone()];
    let range = index.range(line, word.start, word.end);
    let edit = |label: &str, insert: String| {
        Some(CompletionTextEdit::Edit(TextEdit::new(range, insert))).filter(|_| !label.is_empty())
    };
    let spans = frontmatter::key_value_spans(line_text);
    let in_value = match &spans {
        Some((key, _)) => col > key.end,
        None => line_text.starts_with([' ', '\t', '-']),
    };
    if !in_value {
        let present: Vec<String> = front_keys(&doc.text).into_iter().map(|(k, _)| k).collect();
        let items = field_items(kind, &present)
            .into_iter()
            .map(|mut item| {
                item.text_edit = edit(&item.label, format!("{}: ", item.label));
                item
            })
            .collect();
        return Some(CompletionResponse::Array(items));
    }
    let (_, key) = owning_key(&index, &fields, line)?;
    let spec = kind.fields.iter().find(|f| f.key == key)?;
    let (mut items, complete) = value_items(log, kind, spec, log.committed_status(&rel), prefix);
    for item in &mut items {
        let insert = item
            .insert_text
            .take()
            .unwrap_or_else(|| item.label.clone());
        item.text_edit = edit(&item.label, insert);
    }
    Some(CompletionResponse::List(CompletionList {
        is_incomplete: !complete,
        items,
    }))
}

fn markdown(text: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: text,
    })
}

/// The fields of a kind a record does not have yet, required ones first.
fn field_items(kind: &Kind, present: &[String]) -> Vec<CompletionItem> {
    kind.fields
        .iter()
        .filter(|f| !present.contains(&f.key))
        .map(|f| CompletionItem {
            label: f.key.clone(),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(format!(
                "{}{}",
                f.ty.describe(),
                if f.required { " (required)" } else { "" }
            )),
            documentation: f.about.clone().map(markdown),
            sort_text: Some(format!("{}{}", if f.required { 0 } else { 1 }, f.key)),
            ..CompletionItem::default()
        })
        .collect()
}

/// The values a field accepts, and whether the list is complete.
fn value_items(
    log: &Log,
    kind: &Kind,
    spec: &FieldSpec,
    committed: Option<&str>,
    prefix: &str,
) -> (Vec<CompletionItem>, bool) {
    let ty = match &spec.ty {
        FieldType::List(item) => item.as_ref(),
        other => other,
    };
    let value = |label: &str, detail: Option<String>, sort: usize| CompletionItem {
        label: label.to_string(),
        kind: Some(CompletionItemKind::VALUE),
        detail,
        sort_text: Some(format!("{sort}{label}")),
        ..CompletionItem::default()
    };
    if spec.name == "status" {
        if let Some(statuses) = &kind.statuses {
            // A committed status the kind does not know allows no order.
            let committed = committed.filter(|c| statuses.iter().any(|s| s == c));
            let allowed = committed.and_then(|c| kind.allowed_moves(c));
            let items = statuses
                .iter()
                .enumerate()
                .map(|(i, status)| {
                    let (rank, detail) = match (committed, &allowed) {
                        (Some(c), _) if c == status => (0, "the committed status".to_string()),
                        (Some(c), Some(moves)) if moves.contains(&status.as_str()) => {
                            (1, format!("allowed from `{c}`"))
                        }
                        (Some(c), Some(_)) => {
                            (2, format!("not allowed from `{c}` (history/transition)"))
                        }
                        _ => (1, String::new()),
                    };
                    let mut item = value(status, Some(detail).filter(|d| !d.is_empty()), rank);
                    item.sort_text = Some(format!("{rank}{i:03}"));
                    item
                })
                .collect();
            return (items, true);
        }
    }
    match ty {
        FieldType::Enum(values) => (
            values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let mut item = value(v, None, 0);
                    item.sort_text = Some(format!("{i:03}"));
                    item
                })
                .collect(),
            true,
        ),
        FieldType::Boolean => (vec![value("true", None, 0), value("false", None, 1)], true),
        FieldType::Date => {
            let today = super::today();
            (vec![value(&today, Some("today".into()), 0)], true)
        }
        FieldType::Ref { to, .. } => id_items(log, to, prefix),
        FieldType::String if spec.name == "tags" => (tag_items(log), true),
        _ => (Vec::new(), true),
    }
}

/// The ids of records of kinds `to` (any when empty) starting with or
/// containing `prefix`, with their titles.
fn id_items(log: &Log, to: &[String], prefix: &str) -> (Vec<CompletionItem>, bool) {
    let wanted = prefix.to_uppercase();
    let mut matching = log.snapshot.records.iter().filter(|r| {
        (to.is_empty() || to.contains(&r.kind))
            && r.id
                .as_deref()
                .is_some_and(|id| id.to_uppercase().contains(&wanted))
    });
    let items: Vec<CompletionItem> = matching
        .by_ref()
        .take(MAX_IDS)
        .map(|r| {
            let id = r.id.clone().unwrap_or_default();
            CompletionItem {
                label: id.clone(),
                kind: Some(CompletionItemKind::REFERENCE),
                detail: r.title(),
                documentation: Some(markdown(format!(
                    "{} · `{}`",
                    r.status().unwrap_or_else(|| "no status".into()),
                    r.path
                ))),
                filter_text: Some(format!("{id} {}", r.title().unwrap_or_default())),
                sort_text: Some(id),
                ..CompletionItem::default()
            }
        })
        .collect();
    let complete = matching.next().is_none();
    (items, complete)
}

/// Every tag the log uses, the most used first.
fn tag_items(log: &Log) -> Vec<CompletionItem> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for record in &log.snapshot.records {
        for tag in record
            .value("tags")
            .map(|v| v.string_items())
            .unwrap_or_default()
        {
            *counts.entry(tag.trim().to_string()).or_default() += 1;
        }
    }
    let mut tags: Vec<(String, usize)> =
        counts.into_iter().filter(|(t, _)| !t.is_empty()).collect();
    tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    tags.into_iter()
        .enumerate()
        .map(|(i, (tag, n))| CompletionItem {
            label: tag,
            kind: Some(CompletionItemKind::VALUE),
            detail: Some(format!(
                "used in {n} record{}",
                if n == 1 { "" } else { "s" }
            )),
            sort_text: Some(format!("{i:05}")),
            ..CompletionItem::default()
        })
        .collect()
}
