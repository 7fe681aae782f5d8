//! `--supersedes`: what marking the old record superseded changes in it,
//! worked out — and refused, with the reason — before anything is written.

use std::path::{Path, PathBuf};

use super::NewError;
use crate::check::history::allowed_phrase;
use crate::containment;
use crate::diagnostic::did_you_mean_id;
use crate::edit;
use crate::record::{MAX_RECORD_BYTES, Record};
use crate::schema::Kind;
use crate::snapshot::Snapshot;
use crate::value::Value;

/// The planned edit of the record a new one supersedes.
#[derive(Clone, Debug)]
pub struct Supersede {
    /// The old record's id.
    pub old_id: String,
    /// Its status before the edit.
    pub old_status: String,
    /// Its file.
    pub path: PathBuf,
    /// Its repository-relative path, for messages.
    pub shown: String,
    /// Its text before the edit.
    pub text: String,
    /// The front matter key of its status.
    pub status_key: String,
    /// The status it moves to.
    pub status: String,
    /// The key that names its successor (`superseded_by`).
    pub back_key: String,
    /// The key of the new record that lists it (`supersedes`).
    pub list_key: String,
}

impl Supersede {
    /// Plans superseding `old_id` (a record of `snapshot`) with a new
    /// record of `kind`, reading its file under `root`. Refuses when the
    /// kind cannot supersede, the id is unknown or of another kind, the
    /// record is superseded already, the move is not allowed, or the edit
    /// cannot be made.
    pub fn plan(
        root: &Path,
        kind: &Kind,
        snapshot: &Snapshot,
        old_id: &str,
    ) -> Result<Supersede, NewError> {
        let refuse = |message: String| Err(NewError::Refused(message));
        let (Some(list), Some(back)) = (kind.field("supersedes"), kind.field("superseded_by"))
        else {
            return refuse(format!(
                "a {} cannot supersede another record: the kind has no `supersedes` and `superseded_by` fields",
                kind.name
            ));
        };
        let Some(old): Option<&Record> = snapshot.by_id(old_id) else {
            let ids: Vec<&str> = snapshot
                .records
                .iter()
                .filter(|r| r.kind == kind.name)
                .filter_map(|r| r.id.as_deref())
                .collect();
            let hint = did_you_mean_id(old_id, ids.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return refuse(format!(
                "no record has the id `{old_id}`, so nothing was written{hint}"
            ));
        };
        if old.kind != kind.name {
            return refuse(format!(
                "`{old_id}` is a {}, not a {}; nothing was written",
                old.kind, kind.name
            ));
        }
        // The status to set is the one whose rule requires `superseded_by`.
        let status = kind
            .rules
            .iter()
            .find(|r| r.require.contains(&back.name))
            .and_then(|r| r.when.fields.iter().find(|(f, _)| f == "status"))
            .and_then(|(_, values)| values.first().cloned())
            .unwrap_or_else(|| "superseded".to_string());
        let old_status = old.status().unwrap_or_default();
        if let Some(successor) = old.text(&back.name).filter(|s| !s.trim().is_empty()) {
            return refuse(format!(
                "`{old_id}` is already superseded by {successor}; supersede {successor} instead (`cairn new {} TITLE --supersedes {successor}`); nothing was written",
                kind.name
            ));
        }
        if old_status == status {
            return refuse(format!(
                "`{old_id}` is {status} already, without `{}`; set it with `cairn set {old_id} {}=ID`; nothing was written",
                back.key, back.key
            ));
        }
        if let Some(allowed) = kind.forbidden_move(&old_status, &status) {
            return refuse(format!(
                "`{old_id}` is {old_status}, and the {} kind does not allow a move to {status}: {}; nothing was written",
                kind.name,
                allowed_phrase(kind, &old_status, &allowed)
            ));
        }
        let path = root.join(&old.path);
        let bytes = containment::read(root, &path, MAX_RECORD_BYTES)?;
        let text = String::from_utf8(bytes).map_err(|source| NewError::NotUtf8 {
            what: format!("`{}` is not UTF-8", old.path),
            source,
        })?;
        let plan = Supersede {
            old_id: old_id.to_string(),
            old_status,
            path,
            shown: old.path.clone(),
            text,
            status_key: kind.key_of("status").to_string(),
            status,
            back_key: back.key.clone(),
            list_key: list.key.clone(),
        };
        // Fail now, before any number is claimed.
        plan.edited(&kind.format_id(0))?;
        Ok(plan)
    }

    /// The old record's text, marked superseded by `new_id`.
    pub fn edited(&self, new_id: &str) -> Result<String, NewError> {
        edit::set_all(
            &self.text,
            &[
                (self.status_key.as_str(), Value::String(self.status.clone())),
                (self.back_key.as_str(), Value::String(new_id.to_string())),
            ],
            None,
        )
        .map_err(|source| NewError::Edit {
            context: format!("cannot edit `{}`; nothing was written", self.shown),
            source,
        })
    }

    /// The new record's text `text` with its `supersedes` list naming the old record.
    pub fn listed_in(&self, text: &str) -> Result<String, NewError> {
        edit::set(
            text,
            &self.list_key,
            &Value::List(vec![Value::String(self.old_id.clone())]),
            Some("status"),
        )
        .map_err(|source| NewError::Edit {
            context: format!("cannot add `{}` to the template", self.list_key),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    const PROPOSED: &str =
        "---\nid: DEC-0001\ntitle: Old\nstatus: accepted\ndate: 2024-01-01\n---\n\n## Context\n";

    fn refusal(snapshot: &Snapshot, kind: &str, old_id: &str) -> String {
        let schema = config::builtin();
        let kind = schema.kind(kind).expect("kind");
        let dir = tempfile::tempdir().expect("tempdir");
        match Supersede::plan(dir.path(), kind, snapshot, old_id) {
            Err(NewError::Refused(message)) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn plans_the_edit_of_the_old_record() {
        let schema = config::builtin();
        let kind = schema.kind("decision").expect("decision");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = "research/decisions/DEC-0001-old.md";
        std::fs::create_dir_all(dir.path().join("research/decisions")).expect("mkdir");
        std::fs::write(dir.path().join(path), PROPOSED).expect("write");
        let snapshot = Snapshot::from_texts("worktree", &schema, &[(path, PROPOSED)]);
        let plan = Supersede::plan(dir.path(), kind, &snapshot, "DEC-0001").expect("plan");
        assert_eq!(plan.old_status, "accepted");
        assert_eq!(plan.status, "superseded");
        let edited = plan.edited("DEC-0002").expect("edit");
        assert!(edited.contains("status: superseded\n"), "{edited}");
        assert!(edited.contains("superseded_by: DEC-0002\n"), "{edited}");
        let listed = plan
            .listed_in("---\nid: DEC-0002\nstatus: proposed\n---\n")
            .expect("list");
        assert!(listed.contains("supersedes: [DEC-0001]"), "{listed}");
    }

    #[test]
    fn refuses_unknown_ids_with_a_suggestion_and_other_kinds() {
        let schema = config::builtin();
        let snapshot = Snapshot::from_texts(
            "worktree",
            &schema,
            &[("research/decisions/DEC-0001-old.md", PROPOSED)],
        );
        assert_eq!(
            refusal(&snapshot, "decision", "DEC-0011"),
            "no record has the id `DEC-0011`, so nothing was written; did you mean `DEC-0001`?"
        );
        let superseded = PROPOSED.replace(
            "status: accepted",
            "status: superseded\nsuperseded_by: DEC-0009",
        );
        let snapshot = Snapshot::from_texts(
            "worktree",
            &schema,
            &[("research/decisions/DEC-0001-old.md", superseded.as_str())],
        );
        assert!(
            refusal(&snapshot, "decision", "DEC-0001")
                .starts_with("`DEC-0001` is already superseded by DEC-0009;")
        );
    }
}
