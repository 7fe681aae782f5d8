//! `cairn diff`: what changed between two snapshots, record by record, and
//! the records that govern code changed in the same span.
//!
//! Revisions read as in git: none is HEAD against the working tree, `REV`
//! is REV against the working tree, `A B` and `A..B` compare two commits,
//! `A...B` compares the merge base of A and B with B, and `--cached` puts
//! the index in place of the working tree.
//!
//! Only the paths git reports changed are read and parsed on either side:
//! a path with the same blob on both sides cannot contribute a change, and
//! a rename is an added and a removed path that hold the same id. So the
//! cost follows the size of the change, not of the log. The one exception
//! is `covers`: when code outside the record folders changed, the records
//! that govern it may be unchanged ones, so every record of the later side
//! is read once — and only those that mention the field are parsed.

use std::io::Write;

use anyhow::{Result, bail};
use cairn::config::Workspace;
use cairn::diff::{self, DiffReport};
use cairn::git::TreeFile;
use cairn::git::{ObjectId, Repo};
use cairn::render;
use cairn::snapshot::{Loader, ParseCache, Select, Snapshot, Source};

use super::{Ctx, Outcome, Side};
use crate::cli::{DiffArgs, DiffFormat};
use cairn::range::Range;

/// The two sides to compare, resolved.
struct Span {
    /// The earlier side as given.
    from: String,
    /// Its commit (the merge base for `A...B`).
    old: ObjectId,
    /// The later side as given (`worktree`, `index` or a revision).
    to: String,
    /// What the later side is.
    new: End,
}

/// The later side of a span.
enum End {
    /// The working tree or the index.
    Checkout(Side),
    /// A commit.
    Commit(ObjectId),
}

/// Runs `cairn diff`.
pub(crate) fn run(ctx: &Ctx, args: &DiffArgs, out: &mut dyn Write) -> Result<Outcome> {
    let repo = ctx.repo()?;
    let ws = ctx.workspace()?;
    let span = resolve(&repo, &args.revs, args.cached)?;
    let report = compare(&repo, &ws, &span)?;
    match args.format {
        DiffFormat::Text => render::diff_text::write(out, &report)?,
        DiffFormat::Markdown => render::diff_markdown::write(out, &report)?,
        DiffFormat::Json => render::json(out, &report)?,
    }
    Ok(if args.exit_code && !report.changes.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Reads the revision arguments as git does.
fn resolve(repo: &Repo, revs: &[String], cached: bool) -> Result<Span> {
    let checkout = || {
        if cached {
            ("index".to_string(), End::Checkout(Side::Index))
        } else {
            ("worktree".to_string(), End::Checkout(Side::Worktree))
        }
    };
    let two = |a: String, b: String| -> Result<Span> {
        if cached {
            bail!("--cached compares one revision with the index; give at most one revision");
        }
        let old = repo.resolve(&a)?;
        let new = repo.resolve(&b)?;
        Ok(Span {
            from: a,
            old,
            to: b.clone(),
            new: End::Commit(new),
        })
    };
    match revs {
        [] => {
            let (to, new) = checkout();
            Ok(Span {
                from: "HEAD".to_string(),
                old: repo.resolve("HEAD")?,
                to,
                new,
            })
        }
        [one] => match Range::parse(one) {
            Some(Range {
                from: a,
                to: b,
                merge_base: true,
            }) => {
                if cached {
                    bail!("--cached compares one revision with the index; `{one}` names two");
                }
                let head = repo.resolve(b)?;
                let base = repo.merge_base(&repo.resolve(a)?, &head)?;
                Ok(Span {
                    from: one.clone(),
                    old: base,
                    to: b.to_string(),
                    new: End::Commit(head),
                })
            }
            Some(Range {
                from: a,
                to: b,
                merge_base: false,
            }) => two(a.to_string(), b.to_string()),
            None => {
                let (to, new) = checkout();
                Ok(Span {
                    from: one.clone(),
                    old: repo.resolve(one)?,
                    to,
                    new,
                })
            }
        },
        [a, b] => two(a.clone(), b.clone()),
        _ => bail!("give at most two revisions (`cairn diff A B`)"),
    }
}

/// Loads what changed on both sides and compares it.
fn compare(repo: &Repo, ws: &Workspace, span: &Span) -> Result<DiffReport> {
    let schema = &ws.schema;
    let cache = ParseCache::default();
    let loader = Loader::new(schema, &ws.root).repo(Some(repo)).cache(&cache);
    let old_source = Source::Commit(span.old.clone());
    let (changed, old, new) = match &span.new {
        // Two commits: one tree comparison gives the changed paths and
        // their blobs on both sides; nothing else is listed or read.
        End::Commit(new_id) => {
            let tree_changes = repo.diff_commits(Some(&span.old), new_id, &[])?;
            let changed: Vec<String> = tree_changes.iter().map(|c| c.path.clone()).collect();
            let side = |blob_of: fn(&cairn::git::TreeChange) -> Option<&ObjectId>| {
                tree_changes
                    .iter()
                    .filter(|c| schema.is_record_path(&c.path))
                    .filter_map(|c| {
                        blob_of(c).map(|blob| TreeFile {
                            path: c.path.clone(),
                            blob: blob.clone(),
                            symlink: c.symlink,
                        })
                    })
                    .collect::<Vec<_>>()
            };
            let old = loader.load(
                &old_source,
                Select::Files(side(|c| c.old_blob.as_ref())),
                &span.from,
            )?;
            let new = loader.load(
                &Source::Commit(new_id.clone()),
                Select::Files(side(|c| c.new_blob.as_ref())),
                &span.to,
            )?;
            (changed, old, new)
        }
        End::Checkout(side) => {
            let changed = repo.changed_paths_to_worktree(&span.old, *side == Side::Index)?;
            let old = loader.load(&old_source, Select::Paths(&changed), &span.from)?;
            let (source, label) = if *side == Side::Index {
                (Source::Index, "index")
            } else {
                (Source::Worktree, "worktree")
            };
            let new = loader.load(&source, Select::Paths(&changed), label)?;
            (changed, old, new)
        }
    };
    let changes = diff::compare(schema, &old, &new);
    let code_changed = changed.iter().any(|p| !schema.is_record_path(p));
    let governing = if code_changed {
        let covering = covering_records(&loader, schema, span)?;
        diff::governing(schema, &covering, &changed)
    } else {
        Vec::new()
    };
    let to_commit = match &span.new {
        End::Commit(id) => Some(id.to_string()),
        End::Checkout(_) => None,
    };
    Ok(DiffReport::new(
        span.from.clone(),
        span.to.clone(),
        (span.old.to_string(), to_commit),
        changes,
        governing,
    ))
}

/// The records of the later side that may hold `covers`: every record file
/// is read, and only those that mention the field's key are parsed.
fn covering_records(
    loader: &Loader<'_>,
    schema: &cairn::schema::Schema,
    span: &Span,
) -> Result<Snapshot> {
    let mut keys: Vec<String> = schema
        .kinds
        .iter()
        .map(|k| regex::escape(k.key_of("covers")))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    // A literal search (memchr inside regex): far cheaper than parsing.
    let pattern = regex::bytes::Regex::new(&keys.join("|"))?;
    let mentions = |bytes: &[u8]| pattern.is_match(bytes);
    let (source, label) = match &span.new {
        End::Commit(id) => (Source::Commit(id.clone()), span.to.as_str()),
        End::Checkout(Side::Index) => (Source::Index, "index"),
        End::Checkout(_) => (Source::Worktree, "worktree"),
    };
    Ok(loader.load(&source, Select::Mentioning(&mentions), label)?)
}
