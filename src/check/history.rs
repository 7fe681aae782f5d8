//! History rules of `validate --base`: what a branch did to the records
//! that existed at its merge base — status moves the kind does not allow,
//! frozen parts rewritten, ids changed in place — and ids it added that
//! the base revision has meanwhile given to another record.

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::git::{GitError, Repo};
use crate::record::Record;
use crate::schema::Schema;
use crate::snapshot::{Loader, ParseCache, Select, Snapshot, Source};

/// Which head a `--base` check compares with the merge base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Head {
    /// The working tree or the index, on top of HEAD.
    Checkout,
    /// A revision given with `--rev`.
    Rev(String),
}

/// The history findings for `head` (already loaded) against `base_rev`:
/// the merge base of `base_rev` and the head's commit is the "before";
/// `base_rev` itself is checked for id collisions.
pub fn against_base(
    repo: &Repo,
    schema: &Schema,
    base_rev: &str,
    head: &Head,
    head_snapshot: &Snapshot,
    cache: &ParseCache,
) -> Result<Vec<Diagnostic>, GitError> {
    let base_commit = repo.resolve(base_rev)?;
    let head_commit = match head {
        Head::Checkout => repo.head()?,
        Head::Rev(rev) => repo.resolve(rev)?,
    };
    let merge_base = repo.merge_base(&base_commit, &head_commit)?;
    let loader = Loader::of_repo(schema, repo).cache(cache);
    let before = loader.load(
        &Source::Commit(merge_base.clone()),
        Select::All,
        merge_base.short(),
    )?;
    let other = if base_commit == merge_base {
        None
    } else {
        Some(loader.load(&Source::Commit(base_commit), Select::All, base_rev)?)
    };
    Ok(check(
        schema,
        &before,
        head_snapshot,
        other.as_ref().map(|s| (base_rev, s)),
    ))
}

/// The history findings of `after` against `before`; `other` is the base
/// revision's own snapshot (with its name) when it moved on since the
/// merge base.
pub fn check(
    schema: &Schema,
    before: &Snapshot,
    after: &Snapshot,
    other: Option<(&str, &Snapshot)>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let before_by_id: HashMap<&str, &Record> = before
        .records
        .iter()
        .filter_map(|r| Some((r.id.as_deref()?, r)))
        .collect();
    let before_by_path: HashMap<&str, &Record> = before
        .records
        .iter()
        .map(|r| (r.path.as_str(), r))
        .collect();
    for record in &after.records {
        let id = record.id.as_deref();
        if let (Some(old), Some(new_id)) = (before_by_path.get(record.path.as_str()), id) {
            if let Some(old_id) = old.id.as_deref().filter(|old_id| *old_id != new_id) {
                if !before_by_id.contains_key(new_id)
                    || before_by_id
                        .get(new_id)
                        .is_some_and(|r| r.path != record.path)
                {
                    out.push(
                        Diagnostic::error(
                            Code::IdChanged,
                            &record.path,
                            record.id_line,
                            format!("this file had the id `{old_id}` at the merge base, and ids are identities: restore `{old_id}`, or write a new record with `cairn new`"),
                        )
                        .with_id(id),
                    );
                    continue;
                }
            }
        }
        let Some(new_id) = id else { continue };
        match before_by_id.get(new_id) {
            Some(old) => compare(schema, old, record, &mut out),
            None => {
                if let Some((name, other)) = other {
                    if let Some(taken) = other.by_id(new_id).filter(|r| r.path != record.path) {
                        out.push(
                            Diagnostic::error(
                                Code::IdCollision,
                                &record.path,
                                record.id_line,
                                format!("`{new_id}` was added on this branch, but {name} gives it to {}; renumber this record (the next free id is what `cairn new` picks)", taken.path),
                            )
                            .with_id(id),
                        );
                    }
                }
            }
        }
    }
    out
}

fn compare(schema: &Schema, old: &Record, new: &Record, out: &mut Vec<Diagnostic>) {
    let Some(kind) = schema.kind(&new.kind) else {
        return;
    };
    let id = new.id.as_deref();
    let (old_status, new_status) = (old.status(), new.status());
    if let (Some(from), Some(to)) = (&old_status, &new_status) {
        if from != to {
            if let Some(allowed) = kind.allowed_moves(from) {
                if !allowed.contains(&to.as_str()) {
                    let options = if allowed.is_empty() {
                        format!("a {} {from} stays {from}", kind.name)
                    } else {
                        format!(
                            "from {from} a {} may move to {}",
                            kind.name,
                            allowed.join(", ")
                        )
                    };
                    out.push(
                        Diagnostic::error(
                            Code::Transition,
                            &new.path,
                            new.line_of("status"),
                            format!("status moved from {from} to {to}, which the {} kind does not allow; {options}", kind.name),
                        )
                        .with_id(id),
                    );
                }
            }
        }
    }
    for frozen in &kind.frozen {
        if !frozen.when.matches(|name| old.value(name)) {
            continue;
        }
        let why = format!("frozen once {}", frozen.when.describe());
        let instead = match (kind.field("supersedes"), id) {
            (Some(_), Some(id)) => format!(
                "write a new {} that supersedes it (`cairn new {} TITLE --supersedes {id}`)",
                kind.name, kind.name
            ),
            _ => format!("write a new {} instead", kind.name),
        };
        for section in &frozen.sections {
            let before = old.body.section(section).map(|s| s.text.as_str());
            let after = new.body.section(section);
            if before.is_some() && before != after.map(|s| s.text.as_str()) {
                let (line, what) = match after {
                    Some(s) => (s.line, "changed"),
                    None => (1, "was removed"),
                };
                out.push(
                    Diagnostic::error(
                        Code::Frozen,
                        &new.path,
                        line,
                        format!("section `{section}` {what}, but it is {why}; {instead}"),
                    )
                    .with_id(id),
                );
            }
        }
        for field in &frozen.fields {
            if old.value(field) != new.value(field) {
                let shown = |v: Option<&crate::value::Value>| {
                    v.map_or("nothing".to_string(), ToString::to_string)
                };
                out.push(
                    Diagnostic::error(
                        Code::Frozen,
                        &new.path,
                        new.line_of(field),
                        format!(
                            "`{}` changed from {} to {}, but it is {why}; {instead}",
                            kind.key_of(field),
                            shown(old.value(field)),
                            shown(new.value(field))
                        ),
                    )
                    .with_id(id),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn snap(files: &[(&str, &str)]) -> Snapshot {
        Snapshot::from_texts("t", &config::builtin(), files)
    }

    const P: &str = "research/decisions/DEC-0001-a.md";
    const ACCEPTED: &str = "---\nid: DEC-0001\nstatus: accepted\ndecided: 2024-01-02\n---\n## Context\nc\n## Decision\nd\n";

    fn codes(before: &Snapshot, after: &Snapshot) -> Vec<(Code, usize, String)> {
        check(&config::builtin(), before, after, None)
            .into_iter()
            .map(|d| (d.code, d.line, d.message))
            .collect()
    }

    #[test]
    fn transitions_are_checked() {
        let got = codes(
            &snap(&[(P, ACCEPTED)]),
            &snap(&[(P, &ACCEPTED.replace("accepted", "proposed"))]),
        );
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].0, got[0].1), (Code::Transition, 3));
        assert!(
            got[0].2.contains("may move to superseded, deprecated"),
            "{}",
            got[0].2
        );
        assert_eq!(
            codes(
                &snap(&[(P, ACCEPTED)]),
                &snap(&[(
                    P,
                    &ACCEPTED.replace("status: accepted", "status: deprecated")
                )])
            ),
            vec![]
        );
    }

    #[test]
    fn frozen_parts_name_what_changed() {
        let got = codes(
            &snap(&[(P, ACCEPTED)]),
            &snap(&[(
                P,
                &ACCEPTED
                    .replace("\nd\n", "\nother\n")
                    .replace("2024-01-02", "2024-02-02"),
            )]),
        );
        let got: Vec<_> = got
            .iter()
            .map(|(c, l, m)| (*c, *l, m.contains("--supersedes DEC-0001")))
            .collect();
        assert_eq!(got, [(Code::Frozen, 8, true), (Code::Frozen, 4, true)]);
        let proposed = ACCEPTED.replace("accepted", "proposed");
        assert_eq!(
            codes(
                &snap(&[(P, &proposed)]),
                &snap(&[(P, &proposed.replace("\nd\n", "\nx\n"))])
            ),
            vec![]
        );
    }

    #[test]
    fn id_changed_in_place_and_collisions() {
        let got = codes(
            &snap(&[(P, ACCEPTED)]),
            &snap(&[(P, &ACCEPTED.replace("DEC-0001", "DEC-0009"))]),
        );
        assert_eq!(got[0].0, Code::IdChanged);
        let base = snap(&[]);
        let ours = snap(&[(
            "research/decisions/DEC-0002-ours.md",
            "---\nid: DEC-0002\n---\n",
        )]);
        let theirs = snap(&[(
            "research/decisions/DEC-0002-theirs.md",
            "---\nid: DEC-0002\n---\n",
        )]);
        let found = check(&config::builtin(), &base, &ours, Some(("main", &theirs)));
        assert_eq!(found[0].code, Code::IdCollision);
        assert!(
            found[0]
                .message
                .contains("main gives it to research/decisions/DEC-0002-theirs.md")
        );
    }
}
