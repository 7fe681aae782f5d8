//! `cairn index`: a Markdown index of the log kept between two marker
//! comments in a file people read (default `research/README.md`).
//!
//! [`build`] makes the model from a snapshot (a table per kind; progress
//! for kinds that gather others; superseded records marked), the renderer
//! `render::index_markdown` writes the block, and [`splice`] puts the block
//! between the markers, leaving every byte outside them as it was. The
//! index depends on the records only — never on today's date — so
//! `cairn index --check` gives the same answer every day. [`update`] is
//! `cairn index` as one call: read the file, build, splice, write.

use serde::Serialize;

use crate::practice::{self, Progress};
use crate::project::{Error, Project};
use crate::schema::{FieldType, Schema};
use crate::snapshot::Snapshot;
use crate::write::Plan;

/// The line that opens the generated block.
pub const START: &str = "<!-- cairn:index:start -->";
/// The line that closes it.
pub const END: &str = "<!-- cairn:index:end -->";

/// What `cairn index` did to the index file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// It was up to date; nothing was written.
    UpToDate,
    /// It is stale (with `--check`: nothing was written).
    Stale,
    /// It was rewritten.
    Updated,
    /// It did not exist and was created.
    Created,
}

/// The index file and what was done to it.
#[derive(Clone, Debug, Serialize)]
pub struct Refresh {
    /// The file, repository-relative.
    pub path: String,
    /// What was done.
    pub state: State,
}

/// Brings the project's index file up to date with the working tree
/// (`check`: only says whether it is). The file must be a regular UTF-8
/// file or absent; only the block between the markers changes.
pub fn update(project: &Project, check: bool) -> Result<Refresh, Error> {
    let root = project.root();
    let rel = project.schema().index.clone();
    let path = root.join(&rel);
    if path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        return Err(Error::Refused(format!(
            "`{rel}` is a symlink; cairn index writes only a regular file (set `index:` in .cairn/config.yaml to another path)"
        )));
    }
    let existing = match std::fs::read(&path) {
        Ok(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
            Error::Refused(format!(
                "`{rel}` is not UTF-8 text; cairn index does not rewrite it"
            ))
        })?),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(Error::io(format!("cannot read `{rel}`"), err)),
    };
    let snapshot = project.loader().at(None)?;
    let model = build(project.schema(), &snapshot, &rel);
    let text = refresh(&model, existing.as_deref()).map_err(|source| Error::Splice {
        path: rel.clone(),
        source,
    })?;
    let state = match &existing {
        Some(old) if *old == text => State::UpToDate,
        _ if check => State::Stale,
        Some(old) => {
            Plan::new(root)
                .replace(&path, old.as_bytes(), text.as_bytes())
                .apply()?;
            State::Updated
        }
        None => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|err| Error::io(format!("cannot create `{}`", dir.display()), err))?;
            }
            Plan::new(root).create(&path, text.as_bytes()).apply()?;
            State::Created
        }
    };
    Ok(Refresh { path: rel, state })
}

/// The index of a snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct Index {
    /// The index file, repository-relative: links are made relative to its folder.
    pub path: String,
    /// One section per kind that has records, in schema order.
    pub kinds: Vec<KindIndex>,
}

/// The records of one kind.
#[derive(Clone, Debug, Serialize)]
pub struct KindIndex {
    /// The kind.
    pub kind: String,
    /// Its id prefix.
    pub prefix: String,
    /// Whether its records have progress (a `progress` list in the schema).
    pub has_progress: bool,
    /// Its records, by id.
    pub records: Vec<Entry>,
}

/// One row.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: Option<String>,
    /// Its status.
    pub status: Option<String>,
    /// Its `created` date.
    pub date: Option<String>,
    /// Its file, relative to the index file's folder.
    pub link: String,
    /// The record that supersedes it (`superseded_by`), if any.
    pub superseded_by: Option<Target>,
    /// The records its reference fields name, in field order.
    pub refs: Vec<Target>,
    /// For kinds with progress fields: how many gathered records settled.
    pub progress: Option<(usize, usize)>,
}

/// A record another one links to.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// The id as written.
    pub id: String,
    /// Its file relative to the index's folder, when the record exists.
    pub link: Option<String>,
}

/// A file whose markers cannot be trusted.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpliceError {
    /// One marker without the other, a repeated one, or the end before the start.
    #[error(
        "line {line}: the markers {START} and {END} must appear once each, start first; fix them by hand (cairn does not guess which text is yours)"
    )]
    Markers {
        /// The 1-based line of the offending marker.
        line: usize,
    },
}

/// Builds the index of `snapshot`, with links relative to `path`'s folder.
pub fn build(schema: &Schema, snapshot: &Snapshot, path: &str) -> Index {
    let progress: Vec<Progress> = practice::progress(schema, snapshot);
    let folder = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let link_to = |id: &str| snapshot.by_id(id).map(|r| relative(folder, &r.path));
    let mut kinds = Vec::new();
    for kind in &schema.kinds {
        let mut records: Vec<Entry> = snapshot
            .records
            .iter()
            .filter(|r| r.kind == kind.name)
            .filter_map(|r| {
                let id = r.id.clone()?;
                let mut refs: Vec<Target> = Vec::new();
                for field in &kind.fields {
                    if field.name == "superseded_by" || !is_ref(&field.ty) {
                        continue;
                    }
                    let ids = match r.value(&field.name) {
                        Some(crate::value::Value::List(items)) => {
                            items.iter().filter_map(|v| v.scalar_text()).collect()
                        }
                        Some(v) => v.scalar_text().into_iter().collect::<Vec<_>>(),
                        None => Vec::new(),
                    };
                    for target in ids {
                        if !refs.iter().any(|t| t.id == target) && target != id {
                            refs.push(Target {
                                link: link_to(&target),
                                id: target,
                            });
                        }
                    }
                }
                let superseded_by = r.text("superseded_by").map(|target| Target {
                    link: link_to(&target),
                    id: target,
                });
                Some(Entry {
                    progress: progress
                        .iter()
                        .find(|p| p.record.id == id && p.record.path == r.path)
                        .map(|p| (p.settled, p.total)),
                    title: r.title(),
                    status: r.status(),
                    date: r.text("created"),
                    link: relative(folder, &r.path),
                    superseded_by,
                    refs,
                    id,
                })
            })
            .collect();
        if records.is_empty() {
            continue;
        }
        records.sort_by(|a, b| (&a.id, &a.link).cmp(&(&b.id, &b.link)));
        kinds.push(KindIndex {
            kind: kind.name.clone(),
            prefix: kind.prefix.clone(),
            has_progress: !kind.progress.is_empty(),
            records,
        });
    }
    Index {
        path: path.to_string(),
        kinds,
    }
}

fn is_ref(ty: &FieldType) -> bool {
    match ty {
        FieldType::Ref { .. } => true,
        FieldType::List(item) => matches!(**item, FieldType::Ref { .. }),
        _ => false,
    }
}

/// The index file's new text: the block rendered from `index`, spliced
/// into `existing` (see [`splice`]).
pub fn refresh(index: &Index, existing: Option<&str>) -> Result<String, SpliceError> {
    let mut block = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = crate::render::index_markdown::write(&mut block, index);
    splice(existing, &String::from_utf8_lossy(&block), "Research log")
}

/// `to` (repository-relative) as seen from the folder `from`.
pub fn relative(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to_parts[common..]);
    parts.join("/")
}

/// The file's new text: `block` (which holds the markers) in place of the
/// old block, or after the existing text when there is none, or as a new
/// file under `title`. Line endings follow the file's (CRLF if it uses it).
pub fn splice(existing: Option<&str>, block: &str, title: &str) -> Result<String, SpliceError> {
    let Some(text) = existing else {
        return Ok(format!("# {title}\n\n{block}"));
    };
    let crlf = text.contains("\r\n");
    let block = if crlf {
        block.replace('\n', "\r\n")
    } else {
        block.to_string()
    };
    let marker_lines = |marker: &str| -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        let mut offset = 0;
        for (n, line) in text.split_inclusive('\n').enumerate() {
            if line.trim() == marker {
                found.push((n + 1, offset));
            }
            offset += line.len();
        }
        found
    };
    let starts = marker_lines(START);
    let ends = marker_lines(END);
    match (starts.as_slice(), ends.as_slice()) {
        ([], []) => {
            let newline = if crlf { "\r\n" } else { "\n" };
            let mut out = text.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push_str(newline);
            }
            if !out.is_empty() {
                out.push_str(newline);
            }
            out.push_str(&block);
            Ok(out)
        }
        ([(_, start)], [(_, end)]) if start < end => {
            let after_end = text[*end..].find('\n').map_or(text.len(), |i| end + i + 1);
            let mut out = String::with_capacity(text.len() + block.len());
            out.push_str(&text[..*start]);
            out.push_str(&block);
            out.push_str(&text[after_end..]);
            Ok(out)
        }
        ([(line, _), ..], []) | ([], [(line, _), ..]) => Err(SpliceError::Markers { line: *line }),
        ([_, (line, _), ..], _) | (_, [_, (line, _), ..]) => {
            Err(SpliceError::Markers { line: *line })
        }
        (_, [(line, _)]) => Err(SpliceError::Markers { line: *line }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_creates_then_keeps_then_finds_the_index_stale() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("research/decisions");
        std::fs::create_dir_all(&folder).unwrap();
        let record = "---\nid: DEC-0001\ntitle: Use mel\nstatus: accepted\ncreated: 2024-03-01\ndeciders: [ada]\n---\n\n## Context\n\nc\n\n## Decision\n\nd\n\n## Consequences\n\ne\n";
        std::fs::write(folder.join("DEC-0001-use-mel.md"), record).unwrap();
        let project = Project::open(dir.path(), None).unwrap();
        let state = |check| update(&project, check).unwrap().state;
        assert_eq!(state(false), State::Created);
        assert_eq!(state(true), State::UpToDate);
        let index = dir.path().join("research/README.md");
        let text = std::fs::read_to_string(&index).unwrap();
        assert!(text.contains("Use mel"), "{text}");
        std::fs::write(&index, text.replace("Use mel", "Old title")).unwrap();
        assert_eq!(state(true), State::Stale);
        assert_eq!(state(false), State::Updated);
        assert!(std::fs::read_to_string(&index).unwrap().contains("Use mel"));
    }

    const BLOCK: &str = "<!-- cairn:index:start -->\nnew\n<!-- cairn:index:end -->\n";

    #[test]
    fn splice_replaces_only_the_block() {
        let text = "# Log\n\nOur notes.\n\n<!-- cairn:index:start -->\nold\nlines\n<!-- cairn:index:end -->\n\nMore notes.\n";
        assert_eq!(
            splice(Some(text), BLOCK, "x").unwrap(),
            "# Log\n\nOur notes.\n\n<!-- cairn:index:start -->\nnew\n<!-- cairn:index:end -->\n\nMore notes.\n"
        );
    }

    #[test]
    fn splice_appends_creates_and_keeps_crlf() {
        assert_eq!(
            splice(Some("# Log\nnotes"), BLOCK, "x").unwrap(),
            format!("# Log\nnotes\n\n{BLOCK}")
        );
        assert_eq!(
            splice(None, BLOCK, "Research log").unwrap(),
            format!("# Research log\n\n{BLOCK}")
        );
        let crlf = "# Log\r\n\r\n<!-- cairn:index:start -->\r\nold\r\n<!-- cairn:index:end -->\r\ntail\r\n";
        assert_eq!(
            splice(Some(crlf), BLOCK, "x").unwrap(),
            "# Log\r\n\r\n<!-- cairn:index:start -->\r\nnew\r\n<!-- cairn:index:end -->\r\ntail\r\n"
        );
    }

    #[test]
    fn splice_refuses_markers_it_cannot_trust() {
        let cases = [
            ("a\n<!-- cairn:index:start -->\nb\n", 2),
            ("<!-- cairn:index:end -->\n", 1),
            ("<!-- cairn:index:end -->\n<!-- cairn:index:start -->\n", 1),
            (
                "<!-- cairn:index:start -->\n<!-- cairn:index:end -->\n<!-- cairn:index:start -->\n<!-- cairn:index:end -->\n",
                3,
            ),
        ];
        for (text, line) in cases {
            assert_eq!(
                splice(Some(text), BLOCK, "x"),
                Err(SpliceError::Markers { line }),
                "{text}"
            );
        }
    }

    #[test]
    fn relative_paths_climb_as_needed() {
        assert_eq!(
            relative("research", "research/decisions/DEC-0001.md"),
            "decisions/DEC-0001.md"
        );
        assert_eq!(relative("", "research/a.md"), "research/a.md");
        assert_eq!(relative("docs/log", "research/a.md"), "../../research/a.md");
    }

    #[test]
    fn build_marks_supersession_links_refs_and_counts_progress() {
        let schema = crate::config::builtin();
        let snapshot = Snapshot::from_texts(
            "t",
            &schema,
            &[
                (
                    "research/decisions/DEC-0001-a.md",
                    "---\nid: DEC-0001\ntitle: A\nstatus: superseded\ncreated: 2024-01-01\nsuperseded_by: DEC-0002\n---\n",
                ),
                (
                    "research/decisions/DEC-0002-b.md",
                    "---\nid: DEC-0002\ntitle: B\nstatus: accepted\ncreated: 2024-01-02\nsupersedes: [DEC-0001]\nevidence: [EXP-0404]\n---\n",
                ),
                (
                    "research/milestones/MS-0001-m.md",
                    "---\nid: MS-0001\ntitle: M\nstatus: active\ncreated: 2024-01-01\ngoal: g\nexperiments: [EXP-0404]\n---\n",
                ),
            ],
        );
        let index = build(&schema, &snapshot, "research/README.md");
        let kinds: Vec<&str> = index.kinds.iter().map(|k| k.kind.as_str()).collect();
        assert_eq!(kinds, ["decision", "milestone"]);
        let old = &index.kinds[0].records[0];
        assert_eq!(old.link, "decisions/DEC-0001-a.md");
        let by = old.superseded_by.as_ref().unwrap();
        assert_eq!(
            (by.id.as_str(), by.link.as_deref()),
            ("DEC-0002", Some("decisions/DEC-0002-b.md"))
        );
        let new = &index.kinds[0].records[1];
        let refs: Vec<(&str, Option<&str>)> = new
            .refs
            .iter()
            .map(|t| (t.id.as_str(), t.link.as_deref()))
            .collect();
        assert_eq!(
            refs,
            [
                ("DEC-0001", Some("decisions/DEC-0001-a.md")),
                ("EXP-0404", None)
            ]
        );
        assert_eq!(index.kinds[1].records[0].progress, Some((0, 1)));
    }
}
