//! History rules of `validate --base`: what a branch did to the records
//! that existed at its merge base — status moves the kind does not allow,
//! frozen parts rewritten, ids changed in place — and ids it added that
//! the base revision has meanwhile given to another record.

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::frontmatter::FrontMatter;
use crate::git::{GitError, ObjectId, Repo, TreeChange};
use crate::markdown::Body;
use crate::range;
use crate::record::Record;
use crate::schema::{Kind, Schema};
use crate::snapshot::{Loader, Select, Snapshot, Source};

/// Which head a `--base` check compares with the merge base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Head {
    /// The working tree, on top of HEAD.
    Worktree,
    /// The index, on top of HEAD.
    Index,
    /// A revision given with `--rev`.
    Rev(String),
}

/// What `--base` found: the history findings, and the merge base (for
/// `--new`, which compares findings with its own).
#[derive(Debug)]
pub struct BaseCheck {
    /// The merge base of the base revision and the head's commit.
    pub merge_base: ObjectId,
    /// Findings of the history rules, in the order of the steps.
    pub findings: Vec<Diagnostic>,
}

/// The history findings for `head` (already loaded) against `base_rev`.
///
/// The history rules (transitions, frozen parts, ids changed in place)
/// apply to each step the branch took: every first-parent commit reachable
/// from the head and not from `base_rev`, oldest first, each against its
/// own first parent — then the working tree or index against HEAD when
/// that is the head. So a move along allowed transitions over several
/// commits passes, and a forbidden step names its commit. Ids added since
/// the merge base are checked against `base_rev` itself for collisions.
///
/// `outlined` reads whole snapshots as outlines (the merge base's and the
/// base revision's, for collisions); `whole` reads the records each step
/// changed, whole, through its parse cache. `head_source` is where the
/// head's snapshot was loaded from. `worktree` is the blob id of
/// each record file of the working tree, sorted by path, when the head is
/// the working tree and each was known or read: what it changed since
/// HEAD is then found from them, not by comparing every file with HEAD
/// again.
pub fn against_base(
    repo: &Repo,
    schema: &Schema,
    (base_rev, head): (&str, &Head),
    (head_source, head_snapshot, worktree): (&Source, &Snapshot, Option<&[(String, String)]>),
    (outlined, whole): (&Loader<'_>, &Loader<'_>),
) -> Result<BaseCheck, GitError> {
    let head_rev = match head {
        Head::Worktree | Head::Index => None,
        Head::Rev(rev) => Some(rev.as_str()),
    };
    let range::Base {
        base: base_commit,
        head: head_commit,
        merge_base,
    } = range::base(repo, base_rev, head_rev)?;
    let loader = whole;
    let mut findings = Vec::new();
    let mut commits = repo.walk(&head_commit, Some(&base_commit), true)?;
    commits.reverse();
    let mut steps = Vec::with_capacity(commits.len());
    for id in commits {
        let info = repo.commit(&id)?;
        steps.push((info.parents.first().cloned(), info));
    }
    let pairs: Vec<(Option<ObjectId>, ObjectId)> = steps
        .iter()
        .map(|(parent, info)| (parent.clone(), info.id.clone()))
        .collect();
    let dirs = schema.dirs();
    let changes = repo.diff_many(&pairs, &dirs)?;
    for ((parent, info), changes) in steps.iter().zip(changes) {
        if changes.is_empty() {
            continue;
        }
        let old = match parent {
            Some(parent) => loader.load(
                &Source::Commit(parent.clone()),
                Select::Files(changes.iter().filter_map(TreeChange::old_file).collect()),
                parent.short(),
            )?,
            None => Snapshot::default(),
        };
        let new = loader.load(
            &Source::Commit(info.id.clone()),
            Select::Files(changes.iter().filter_map(TreeChange::new_file).collect()),
            info.id.short(),
        )?;
        for mut found in steps_rules(schema, &old, &new) {
            found.message = format!(
                "in commit {} ({}): {}",
                info.id.short(),
                info.summary,
                found.message
            );
            found.commit = Some(info.id.to_string().into_boxed_str());
            findings.push(found);
        }
    }
    // Each finding made in a commit sits where its field or section now
    // is: the records it names are read again, outlined, as the head has
    // them (the head's snapshot holds what the checks across records
    // read of each record, not every field's line).
    let named: Vec<String> = {
        let mut named: Vec<String> = findings.iter().map(|f| f.file.clone()).collect();
        named.sort_unstable();
        named.dedup();
        named
    };
    if !named.is_empty() {
        let label = &head_snapshot.label;
        let now = outlined.load(head_source, Select::Paths(&named), label)?;
        for found in &mut findings {
            found.line = line_in(&now, found);
        }
    }
    if matches!(head, Head::Worktree | Head::Index) {
        let cached = *head == Head::Index;
        let paths = match worktree.filter(|_| !cached) {
            Some(files) => changed_records(repo, schema, &head_commit, files)?,
            None => repo.changed_paths_to_worktree(&head_commit, cached, &schema.dirs())?,
        };
        let old = loader.load(
            &Source::Commit(head_commit.clone()),
            Select::Paths(&paths),
            "HEAD",
        )?;
        let (source, label) = if cached {
            (Source::Index, "index")
        } else {
            (Source::Worktree, "worktree")
        };
        let new = loader.load(&source, Select::Paths(&paths), label)?;
        findings.extend(steps_rules(schema, &old, &new));
    }
    // Only a base that moved on since the merge base can have given an id
    // the branch added to another record.
    if base_commit != merge_base {
        // Only ids and paths are compared: each record is cut to them as
        // it loads.
        let ids_only = |record: &mut Record| {
            record.front = FrontMatter {
                line: record.front.line,
                ..FrontMatter::default()
            };
            record.body = Body::default();
        };
        let ids = outlined.clone().each(&ids_only);
        let before = ids.load(
            &Source::Commit(merge_base.clone()),
            Select::All,
            merge_base.short(),
        )?;
        let other = ids.load(&Source::Commit(base_commit), Select::All, base_rev)?;
        findings.extend(collisions(&before, head_snapshot, (base_rev, &other)));
        rayon::spawn(move || drop((before, other)));
    }
    Ok(BaseCheck {
        merge_base,
        findings,
    })
}

/// The record files of the working tree that differ from HEAD's
/// (`head_commit`), given the blob id of each of the working tree's record
/// files (`worktree`, sorted by path): those changed or removed, and those
/// added that git would show (not ignored, or in the index). The record
/// files among what [`Repo::changed_paths_to_worktree`] finds.
fn changed_records(
    repo: &Repo,
    schema: &Schema,
    head_commit: &ObjectId,
    worktree: &[(String, String)],
) -> Result<Vec<String>, GitError> {
    let at_head = repo.tree_files(head_commit, &schema.dirs())?;
    let mut at_head = at_head
        .iter()
        .filter(|f| schema.is_record_path(&f.path))
        .peekable();
    let mut changed = Vec::new();
    let mut added = Vec::new();
    let mut here = worktree.iter().peekable();
    loop {
        match (at_head.peek(), here.peek()) {
            (None, None) => break,
            (Some(old), Some((path, blob))) if old.path == *path => {
                if old.blob.as_str() != blob {
                    changed.push(path.clone());
                }
                at_head.next();
                here.next();
            }
            (Some(old), Some((path, _))) if old.path < *path => {
                changed.push(old.path.clone());
                at_head.next();
            }
            (Some(old), None) => {
                changed.push(old.path.clone());
                at_head.next();
            }
            (_, Some((path, _))) => {
                added.push(path.clone());
                here.next();
            }
        }
    }
    changed.extend(repo.shown_untracked(added)?);
    changed.sort_unstable();
    Ok(changed)
}

/// The line of a finding made in an earlier commit, in the checked
/// snapshot: where its field or section now is, when the record is still
/// at that path; else the line it had in that commit.
fn line_in(snapshot: &Snapshot, found: &Diagnostic) -> usize {
    let record = snapshot.records.iter().find(|r| r.path == found.file);
    match (record, found.subject.as_deref()) {
        (Some(record), Some(subject)) => match subject.strip_prefix("## ") {
            Some(section) => record.body.section(section).map_or(1, |s| s.line),
            None => record.front.get(subject).map_or(found.line, |f| f.line),
        },
        (Some(record), None) if found.code == Code::IdChanged => record.id_line,
        _ => found.line,
    }
}

/// The history findings of `after` against `before` as one step;
/// `other` is the base revision's own snapshot (with its name) when it
/// moved on since the merge base.
pub fn check(
    schema: &Schema,
    before: &Snapshot,
    after: &Snapshot,
    other: Option<(&str, &Snapshot)>,
) -> Vec<Diagnostic> {
    let mut out = steps_rules(schema, before, after);
    if let Some(other) = other {
        out.extend(collisions(before, after, other));
    }
    out
}

/// The rules of one step from `before` to `after`: transitions, frozen
/// parts, ids changed in place. Either side may hold only the files the
/// step changed.
fn steps_rules(schema: &Schema, before: &Snapshot, after: &Snapshot) -> Vec<Diagnostic> {
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
                if before_by_id
                    .get(new_id)
                    .is_none_or(|r| r.path != record.path)
                {
                    out.push(
                        Diagnostic::error(
                            Code::IdChanged,
                            &record.path,
                            record.id_line,
                            format!("this file had the id `{old_id}`, and ids are identities: restore `{old_id}`, or write a new record with `cairn new`"),
                        )
                        .with_id(id)
                        .about(old_id),
                    );
                    continue;
                }
            }
        }
        if let Some(old) = id.and_then(|id| before_by_id.get(id)) {
            compare(schema, old, record, &mut out);
        }
    }
    out
}

/// Ids `after` added since `before` that the base revision `other` (with
/// its name) gives to another record.
fn collisions(
    before: &Snapshot,
    after: &Snapshot,
    (name, other): (&str, &Snapshot),
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for record in &after.records {
        let Some(new_id) = record.id.as_deref() else {
            continue;
        };
        if before.by_id(new_id).is_some() {
            continue;
        }
        if let Some(taken) = other.by_id(new_id).filter(|r| r.path != record.path) {
            out.push(
                Diagnostic::error(
                    Code::IdCollision,
                    &record.path,
                    record.id_line,
                    format!("`{new_id}` was added on this branch, but {name} gives it to {}; renumber this record (the next free id is what `cairn new` picks)", taken.path),
                )
                .with_id(Some(new_id)),
            );
        }
    }
    out
}

fn compare(schema: &Schema, old: &Record, new: &Record, out: &mut Vec<Diagnostic>) {
    let Some(kind) = schema.kind(&new.kind) else {
        return;
    };
    let id = new.id.as_deref();
    if let (Some(from), Some(to)) = (old.status(), new.status()) {
        if let Some(allowed) = kind.forbidden_move(&from, &to) {
            out.push(
                Diagnostic::error(
                    Code::Transition,
                    &new.path,
                    new.line_of("status"),
                    format!(
                        "status moved from {from} to {to}, which the {} kind does not allow; {}",
                        kind.name,
                        allowed_phrase(kind, &from, &allowed)
                    ),
                )
                .with_id(id)
                .about(kind.key_of("status")),
            );
        }
    }
    for frozen in &kind.frozen {
        if !frozen.when.matches(|name| old.value(name)) {
            continue;
        }
        let why = format!("frozen once {}", frozen.when.describe());
        // A record already superseded is superseded again through its
        // successor, as `cairn new --supersedes` insists.
        let successor = kind
            .field("superseded_by")
            .and_then(|_| new.text("superseded_by"))
            .filter(|s| !s.trim().is_empty());
        let target = successor.as_deref().or(id);
        let instead = match (kind.field("supersedes"), target) {
            (Some(_), Some(id)) => format!(
                "write a new {} that supersedes it (`cairn new {} TITLE --supersedes {id}`)",
                kind.name, kind.name
            ),
            _ => format!("write a new {} instead", kind.name),
        };
        for section in &frozen.sections {
            let before = old.body.section(section).map(|s| s.text());
            let after = new.body.section(section);
            if before.is_some() && before != after.map(|s| s.text()) {
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
                    .with_id(id)
                    .about(format!("## {section}")),
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
                    .with_id(id)
                    .about(kind.key_of(field)),
                );
            }
        }
    }
}

/// "from accepted a decision may move to superseded, deprecated".
pub fn allowed_phrase(kind: &Kind, from: &str, allowed: &[&str]) -> String {
    let noun = super::refs::with_article(&kind.name);
    if allowed.is_empty() {
        format!("{noun} {from} stays {from}")
    } else {
        format!("from {from} {noun} may move to {}", allowed.join(", "))
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
