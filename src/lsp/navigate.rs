//! Hover, go to definition and find references: what a field is, what an
//! id names, and which records name it.

use std::str::FromStr;

use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location,
    MarkupContent, MarkupKind, ReferenceParams, TextDocumentPositionParams, Uri,
};

use super::log::Log;
use super::ranges::{front_matter_lines, token_range};
use super::text::{LineIndex, path_to_uri, word_at};
use crate::check::refs::references as refs_of;
use crate::frontmatter;
use crate::record::Record;
use crate::schema::Kind;

/// What is under the cursor.
enum Target {
    /// A front matter key.
    Key(String),
    /// The value of `status`.
    Status(String),
    /// A word that may be an id.
    Word(String),
}

fn target(log: &Log, at: &TextDocumentPositionParams) -> Option<(String, Target)> {
    let rel = super::relative(log, &at.text_document.uri)?;
    let text = log.text(&rel)?;
    let index = LineIndex::new(&text);
    let line = at.position.line as usize;
    let line_text = index.line(line);
    let col =
        index.offset(at.position) - index.offset(lsp_types::Position::new(at.position.line, 0));
    let in_front = front_matter_lines(&text).is_some_and(|f| f.contains(&line));
    if let Some((key, value)) = frontmatter::key_value_spans(line_text).filter(|_| in_front) {
        let name = line_text[key.clone()].trim_matches(['"', '\'']).to_string();
        if key.contains(&col) || col == key.end {
            return Some((rel, Target::Key(name)));
        }
        if name == "status" && col >= value.start && col <= value.end && !value.is_empty() {
            return Some((
                rel,
                Target::Status(line_text[value].trim_matches(['"', '\'']).to_string()),
            ));
        }
    }
    let word = word_at(line_text, col);
    (!word.is_empty()).then(|| (rel, Target::Word(line_text[word].to_string())))
}

fn uri_of(log: &Log, rel: &str) -> Option<Uri> {
    match log.docs.get(rel) {
        Some(doc) => Some(doc.uri.clone()),
        None => Uri::from_str(&path_to_uri(&log.full_path(rel))).ok(),
    }
}

fn markdown(value: String) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: None,
    }
}

/// Hover: a field's type and purpose, a status's allowed moves, an id's
/// title, status and path.
pub(crate) fn hover(log: &Log, params: HoverParams) -> Option<Hover> {
    let (rel, target) = target(log, &params.text_document_position_params)?;
    let kind = log.kind(&rel)?;
    match target {
        Target::Key(key) => {
            let spec = kind.fields.iter().find(|f| f.key == key)?;
            let mut text = format!(
                "**`{}`** — {}{}",
                spec.key,
                spec.ty.describe(),
                if spec.required { ", required" } else { "" }
            );
            if let Some(about) = &spec.about {
                text.push_str(&format!("\n\n{about}"));
            }
            if spec.name == "status" {
                if let Some(status) = log.record(&rel).and_then(Record::status) {
                    text.push_str(&format!("\n\n{}", moves(kind, &status)));
                }
            }
            Some(markdown(text))
        }
        Target::Status(status) => {
            let mut text = moves(kind, &status);
            if let Some(committed) = log.committed_status(&rel) {
                if committed != status {
                    text.push_str(&format!(
                        "\n\nCommitted status: `{committed}`; {}",
                        moves(kind, committed)
                    ));
                }
            }
            Some(markdown(text))
        }
        Target::Word(word) => {
            let record = log.by_id(&word)?;
            Some(markdown(format!(
                "**{}** — {}\n\n{} · {} · `{}`",
                word,
                record.title().unwrap_or_else(|| "(no title)".into()),
                record.status().unwrap_or_else(|| "(no status)".into()),
                record.kind,
                record.path
            )))
        }
    }
}

/// "From `running`: `done`, `abandoned`."
fn moves(kind: &Kind, from: &str) -> String {
    match kind.allowed_moves(from) {
        None => format!("From `{from}` any status may follow."),
        Some(to) if to.is_empty() => format!("From `{from}` no move is allowed."),
        Some(to) => format!(
            "From `{from}` the status may move to: {}.",
            to.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Where a record's id is written.
fn declaration(log: &Log, record: &Record) -> Option<Location> {
    let text = log.text(&record.path).unwrap_or_default();
    let id = record.id.as_deref()?;
    let raw = id.rsplit_once('-').map_or(id, |(_, n)| n);
    let mut range = token_range(&text, record.id_line, id);
    if range.start == range.end
        || text
            .lines()
            .nth(record.id_line - 1)
            .is_some_and(|l| !l.contains(id))
    {
        range = token_range(&text, record.id_line, raw);
    }
    Some(Location::new(uri_of(log, &record.path)?, range))
}

/// Go to definition: the record an id names.
pub(crate) fn definition(
    log: &Log,
    params: GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let (_, Target::Word(word)) = target(log, &params.text_document_position_params)? else {
        return None;
    };
    let record = log.by_id(&word)?;
    declaration(log, record).map(GotoDefinitionResponse::Scalar)
}

/// Find references: every record that refers to an id — a reference
/// field in its front matter, or a mention in its body — in path order.
pub(crate) fn references(log: &Log, params: ReferenceParams) -> Option<Vec<Location>> {
    let (_, target) = target(log, &params.text_document_position)?;
    let id = match target {
        Target::Word(word) => word,
        // On the `id` line itself: the record's own id.
        Target::Key(key) if key == "id" => {
            let rel = super::relative(log, &params.text_document_position.text_document.uri)?;
            log.record(&rel)?.id.clone()?
        }
        _ => return None,
    };
    let mut out = Vec::new();
    if params.context.include_declaration {
        if let Some(record) = log.by_id(&id) {
            out.extend(declaration(log, record));
        }
    }
    let texts = log.texts_holding(&id);
    for (record, text) in log.snapshot.records.iter().zip(texts) {
        out.extend(mentions(log, record, text.as_deref(), &id));
    }
    Some(out)
}

/// Where one record refers to `id`: its reference fields naming it, and
/// the words of its body that are the id. `text` is the record's text when
/// it holds the id at all.
fn mentions(log: &Log, record: &Record, text: Option<&str>, id: &str) -> Vec<Location> {
    let Some(text) = text else {
        return Vec::new();
    };
    // A record's own id in its own body (its heading, say) refers to nothing.
    let own = record.id.as_deref() == Some(id);
    let fields: Vec<usize> = log
        .schema
        .kind(&record.kind)
        .map(|kind| {
            kind.fields
                .iter()
                .filter_map(|spec| {
                    let field = record.front.get(&spec.key)?;
                    refs_of(&spec.ty, &field.value)
                        .iter()
                        .any(|(target, ..)| *target == id)
                        .then_some(field.line)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut ranges: Vec<lsp_types::Range> = fields
        .into_iter()
        .map(|line| token_range(text, line, id))
        .collect();
    let index = LineIndex::new(text);
    let body_start = front_matter_lines(text).map_or(0, |lines| lines.end + 1);
    for line in (body_start..index.len()).filter(|_| !own) {
        let line_text = index.line(line);
        let mut from = 0;
        while let Some(at) = line_text[from..].find(id).map(|at| from + at) {
            from = at + id.len();
            if word_at(line_text, at) == (at..at + id.len()) {
                ranges.push(index.range(line, at, at + id.len()));
            }
        }
    }
    let Some(uri) = uri_of(log, &record.path) else {
        return Vec::new();
    };
    ranges
        .into_iter()
        .map(|range| Location::new(uri.clone(), range))
        .collect()
}
