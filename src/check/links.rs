//! Relative Markdown links in record bodies must point to files that
//! exist in the same snapshot.

use crate::diagnostic::{Code, Diagnostic};
use crate::record::Record;
use crate::snapshot::{Snapshot, Tree, resolve_link};

/// A warning for every relative link whose target is missing.
pub fn check(snapshot: &Snapshot, tree: &dyn Tree) -> Vec<Diagnostic> {
    snapshot
        .records
        .iter()
        .flat_map(|record| check_record(record, tree))
        .collect()
}

/// The link warnings of one record.
pub fn check_record(record: &Record, tree: &dyn Tree) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for link in &record.body.links {
        let message = match resolve_link(&record.path, &link.target) {
            None => format!(
                "link to `{}` points outside the repository; link to a file inside it",
                link.target
            ),
            Some(path) if path.is_empty() || tree.exists(&path) => continue,
            // Static sites (Jekyll, MkDocs) link pages without `.md`.
            Some(path) if !path.ends_with('/') && tree.exists(&format!("{path}.md")) => {
                continue;
            }
            Some(_) => format!(
                "link to `{}` points to a file that does not exist; fix the path or remove the link",
                link.target
            ),
        };
        out.push(
            Diagnostic::warning(Code::BrokenLink, &record.path, link.line, message)
                .with_id(record.id.as_deref())
                .about(&link.target),
        );
    }
    out
}
