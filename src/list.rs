//! `list`: which records a listing shows and in what order.
//!
//! A [`Filter`] keeps records by kind, status, tags and `--where`
//! conditions on any field, nested keys included (`metrics.recall>0.8`); a
//! [`SortKey`] orders them. A record that lacks the field a condition
//! names never matches it, whatever the operator. Both parse from the
//! command line's text and fail with a [`ListError`] that shows the forms
//! they accept. [`find`] is `cairn list` as one call on a project.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::cache::{OutlineCache, results};
use crate::calendar::is_date;
use crate::diagnostic::did_you_mean;
use crate::project::{Error, Project};
use crate::record::{Brief, Parts, Record};
use crate::schema::Schema;
use crate::snapshot::{Select, Source, owned_blobs};
use crate::value::Value;

/// The forms `--where` accepts, for error messages.
const CONDITION_FORMS: &str = "write FIELD=VALUE, FIELD!=VALUE, or FIELD>N, FIELD<N, FIELD>=N, FIELD<=N where N is a number or a YYYY-MM-DD date; nested keys take dots (e.g. `status=done`, `metrics.recall>0.8`, `created>=2024-03-01`)";

/// A filter or sort that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// A `--where` condition that does not parse.
    #[error("malformed condition `{text}`: {reason}; {CONDITION_FORMS}", text = .text.escape_debug())]
    Condition {
        /// The condition as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `--kind` the schema does not define.
    #[error("unknown kind `{name}`; {hint}the kinds are: {kinds}", name = .name.escape_debug())]
    UnknownKind {
        /// The kind as given.
        name: String,
        /// `did you mean `x`? ` or nothing.
        hint: String,
        /// The schema's kinds, comma-separated.
        kinds: String,
    },
    /// A `--status` no kind in the filter has.
    #[error("unknown status `{name}`; {hint}the statuses are: {statuses}", name = .name.escape_debug())]
    UnknownStatus {
        /// The status as given.
        name: String,
        /// `did you mean `x`? ` or nothing.
        hint: String,
        /// The statuses of the kinds listed, comma-separated.
        statuses: String,
    },
    /// A `--where` field that neither the schema nor any record has.
    #[error("no record has a field `{name}`, and the schema does not define one; {hint}the fields are: {fields}", name = .name.escape_debug())]
    UnknownField {
        /// The field as given.
        name: String,
        /// `did you mean `x`? ` or nothing.
        hint: String,
        /// The known fields, comma-separated.
        fields: String,
    },
    /// A `--sort` key that names no field.
    #[error("cannot sort by `{text}`; give a field name such as `created`, or `-created` for newest first", text = .text.escape_debug())]
    Sort {
        /// The key as given.
        text: String,
    },
}

/// A comparison of a `--where` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=`: equal (numbers numerically, else as text; a list matches if an item does).
    Eq,
    /// `!=`: present and not equal.
    Ne,
    /// `>`.
    Gt,
    /// `<`.
    Lt,
    /// `>=`.
    Ge,
    /// `<=`.
    Le,
}

/// The operand of an ordering comparison.
#[derive(Clone, Debug, PartialEq)]
enum Bound {
    Number(f64),
    Date(String),
}

/// One `--where FIELD OP VALUE` condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The field, split at dots (`metrics.recall` → `["metrics", "recall"]`).
    pub field: Vec<String>,
    /// The comparison.
    pub op: Op,
    /// The value as written.
    pub value: String,
    bound: Option<Bound>,
}

impl Condition {
    /// Parses `FIELD=VALUE`, `FIELD!=VALUE`, `FIELD>N`, `FIELD<N`,
    /// `FIELD>=N` or `FIELD<=N`, where N is a number or a date.
    pub fn parse(text: &str) -> Result<Condition, ListError> {
        let fail = |reason: &str| ListError::Condition {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let Some(at) = text.find(['=', '!', '<', '>']) else {
            return Err(fail("it has no comparison"));
        };
        let (field, rest) = text.split_at(at);
        for (wrong, right) in [
            ("=>", ">="),
            ("=<", "<="),
            ("==", "="),
            ("=!", "!="),
            ("<>", "!="),
        ] {
            if rest.starts_with(wrong) {
                return Err(fail(&format!(
                    "`{wrong}` is not a comparison; did you mean `{right}`?"
                )));
            }
        }
        let (op, value) = if let Some(v) = rest.strip_prefix("!=") {
            (Op::Ne, v)
        } else if let Some(v) = rest.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = rest.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = rest.strip_prefix('=') {
            (Op::Eq, v)
        } else if let Some(v) = rest.strip_prefix('>') {
            (Op::Gt, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Op::Lt, v)
        } else {
            return Err(fail("`!` must be followed by `=`"));
        };
        let field = parse_field(field.trim())
            .ok_or_else(|| fail("the field name is missing or not a name"))?;
        let value = value.trim();
        if value.is_empty() {
            return Err(fail("the value is missing"));
        }
        let bound = match op {
            Op::Eq | Op::Ne => None,
            _ => Some(if let Ok(n) = value.parse::<f64>() {
                Bound::Number(n)
            } else if is_date(value) {
                Bound::Date(value.to_string())
            } else {
                return Err(fail(&format!(
                    "`{}` compares only numbers and dates",
                    &rest[..rest.len() - value.len()].trim()
                )));
            }),
        };
        Ok(Condition {
            field,
            op,
            value: value.to_string(),
            bound,
        })
    }

    /// Whether `record` satisfies the condition; a record without the field never does.
    pub fn matches(&self, record: &Record) -> bool {
        let Some(found) = lookup(record, &self.field) else {
            return false;
        };
        let items: Vec<&Value> = match &found {
            Value::List(items) => items.iter().collect(),
            Value::Null => return false,
            other => vec![other],
        };
        match self.op {
            Op::Eq => items.iter().any(|v| self.equals(v)),
            Op::Ne => !items.is_empty() && !items.iter().any(|v| self.equals(v)),
            Op::Gt | Op::Lt | Op::Ge | Op::Le => items.iter().any(|v| {
                self.order(v).is_some_and(|o| match self.op {
                    Op::Gt => o == Ordering::Greater,
                    Op::Lt => o == Ordering::Less,
                    Op::Ge => o != Ordering::Less,
                    _ => o != Ordering::Greater,
                })
            }),
        }
    }

    fn equals(&self, value: &Value) -> bool {
        let Some(text) = value.scalar_text() else {
            return false;
        };
        match (number(value), self.value.parse::<f64>()) {
            (Some(a), Ok(b)) => a == b,
            _ => text == self.value,
        }
    }

    /// How `value` compares with the bound, when they are comparable.
    fn order(&self, value: &Value) -> Option<Ordering> {
        match self.bound.as_ref()? {
            Bound::Number(b) => number(value)?.partial_cmp(b),
            Bound::Date(b) => {
                let text = value.as_str()?.trim();
                is_date(text).then(|| text.cmp(b.as_str()))
            }
        }
    }
}

/// A number, or a string that is one (`"0.8"` in quotes still compares).
fn number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

fn parse_field(text: &str) -> Option<Vec<String>> {
    let parts: Vec<String> = text.split('.').map(str::to_string).collect();
    parts
        .iter()
        .all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
        })
        .then_some(parts)
}

/// The value a field path names in a record. `id`, `kind`, `path` and
/// `title` are the record's own (the derived id, the title falling back
/// to the first heading); other names are front matter keys, following
/// renamed fields; later parts index into mappings.
pub fn lookup(record: &Record, field: &[String]) -> Option<Value> {
    let (first, rest) = field.split_first()?;
    let top = match first.as_str() {
        "id" => record.id.clone().map(Value::String),
        "kind" => Some(Value::String(record.kind.clone())),
        "path" => Some(Value::String(record.path.clone())),
        "title" => record.title().map(Value::String),
        name => record.value(name).cloned(),
    }?;
    let mut current = &top;
    for key in rest {
        current = current.get(key)?;
    }
    Some(current.clone())
}

/// What records a listing keeps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Kinds, any of which matches; empty for all.
    pub kinds: Vec<String>,
    /// Statuses, any of which matches; empty for all.
    pub statuses: Vec<String>,
    /// Tags, all of which the record must carry.
    pub tags: Vec<String>,
    /// Conditions, all of which must hold.
    pub conditions: Vec<Condition>,
}

impl Filter {
    /// A filter from the command line's texts; kinds are checked against `schema`.
    pub fn new(
        schema: &Schema,
        kinds: &[String],
        statuses: &[String],
        tags: &[String],
        conditions: &[String],
    ) -> Result<Filter, ListError> {
        for name in kinds {
            if schema.kind(name).is_none() {
                let names: Vec<&str> = schema.kinds.iter().map(|k| k.name.as_str()).collect();
                return Err(ListError::UnknownKind {
                    name: name.clone(),
                    hint: did_you_mean(name, names.iter().copied())
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default(),
                    kinds: names.join(", "),
                });
            }
        }
        Ok(Filter {
            kinds: kinds.to_vec(),
            statuses: statuses.to_vec(),
            tags: tags.to_vec(),
            conditions: conditions
                .iter()
                .map(|c| Condition::parse(c))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Checks the statuses and `--where` fields against the schema and the
    /// records read, as `validate` would: a status no listed kind has, or a
    /// field that neither the schema nor any record has, is an error with
    /// the nearest known one — never a silent "no records match".
    pub fn check(&self, schema: &Schema, records: &[Record]) -> Result<(), ListError> {
        let keys = records
            .iter()
            .filter(|r| self.keeps_kind(&r.kind))
            .flat_map(|r| r.front.fields.iter().map(|f| f.key.as_str()));
        self.check_keys(schema, keys)
    }

    /// [`Filter::check`], given the front matter keys of the records read
    /// of the kinds the filter keeps.
    pub fn check_keys<'k>(
        &self,
        schema: &'k Schema,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<(), ListError> {
        let kinds: Vec<&crate::schema::Kind> = schema
            .kinds
            .iter()
            .filter(|k| self.keeps_kind(&k.name))
            .collect();
        // A kind without a list of statuses accepts any status.
        if kinds.iter().all(|k| k.statuses.is_some()) {
            let mut known: Vec<&str> = kinds
                .iter()
                .flat_map(|k| k.statuses.iter().flatten().map(String::as_str))
                .collect();
            known.sort_unstable();
            known.dedup();
            for status in &self.statuses {
                if !known.contains(&status.as_str()) {
                    return Err(ListError::UnknownStatus {
                        name: status.clone(),
                        hint: did_you_mean(status, known.iter().copied())
                            .map(|s| format!("did you mean `{s}`? "))
                            .unwrap_or_default(),
                        statuses: known.join(", "),
                    });
                }
            }
        }
        let mut fields: Vec<&str> = kinds
            .iter()
            .flat_map(|k| {
                k.fields
                    .iter()
                    .flat_map(|f| [f.name.as_str(), f.key.as_str()])
            })
            .chain(["id", "kind", "path"])
            .collect();
        fields.extend(keys);
        fields.sort_unstable();
        fields.dedup();
        for condition in &self.conditions {
            let top = condition.field[0].as_str();
            if !fields.contains(&top) {
                return Err(ListError::UnknownField {
                    name: condition.field.join("."),
                    hint: did_you_mean(top, fields.iter().copied())
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default(),
                    fields: fields.join(", "),
                });
            }
        }
        Ok(())
    }

    /// Whether the filter keeps files of this kind at all.
    pub fn keeps_kind(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind)
    }

    /// Whether the filter keeps `record`.
    pub fn matches(&self, record: &Record) -> bool {
        if !self.keeps_kind(&record.kind) {
            return false;
        }
        if !self.statuses.is_empty() && !record.status().is_some_and(|s| self.statuses.contains(&s))
        {
            return false;
        }
        if !self.tags.is_empty() {
            let tags = record
                .value("tags")
                .map(Value::string_items)
                .unwrap_or_default();
            if !self.tags.iter().all(|t| tags.contains(t)) {
                return false;
            }
        }
        self.conditions.iter().all(|c| c.matches(record))
    }
}

/// The order of a listing: one field, ascending or descending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortKey {
    /// The field, split at dots.
    pub field: Vec<String>,
    /// Largest first.
    pub descending: bool,
}

impl SortKey {
    /// Parses `FIELD` or `-FIELD` (descending).
    pub fn parse(text: &str) -> Result<SortKey, ListError> {
        let (descending, name) = match text.trim().strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.trim()),
        };
        let field = parse_field(name).ok_or_else(|| ListError::Sort {
            text: text.to_string(),
        })?;
        Ok(SortKey { field, descending })
    }
}

impl Default for SortKey {
    fn default() -> Self {
        SortKey {
            field: vec!["id".to_string()],
            descending: false,
        }
    }
}

/// A sort value: numbers sort before text, and compare numerically.
#[derive(Clone, Debug, PartialEq)]
enum SortValue {
    Number(f64),
    /// An id such as `EXP-0012`: by prefix, then by number, so `EXP-10000`
    /// follows `EXP-9999`.
    Id(String, u64),
    Text(String),
}

impl SortValue {
    fn of(field: &[String], value: &Value) -> Option<SortValue> {
        if let Some(n) = value.as_f64() {
            return Some(SortValue::Number(n));
        }
        let text = match value {
            Value::List(items) => items.first()?.scalar_text()?,
            other => other.scalar_text()?,
        };
        if field == ["id"] {
            if let Some((prefix, digits)) = text.rsplit_once('-') {
                if let Ok(n) = digits.parse() {
                    return Some(SortValue::Id(prefix.to_string(), n));
                }
            }
        }
        Some(SortValue::Text(text))
    }

    fn rank(&self) -> u8 {
        match self {
            SortValue::Number(_) => 0,
            SortValue::Id(..) => 1,
            SortValue::Text(_) => 2,
        }
    }

    fn compare(&self, other: &SortValue) -> Ordering {
        match (self, other) {
            (SortValue::Number(a), SortValue::Number(b)) => a.total_cmp(b),
            (SortValue::Id(pa, na), SortValue::Id(pb, nb)) => (pa, na).cmp(&(pb, nb)),
            (SortValue::Text(a), SortValue::Text(b)) => a.cmp(b),
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }
}

/// The records `filter` keeps, in the order of `key`: records that lack
/// the field come last in either direction; ties keep path order.
pub fn select<'a>(records: &'a [Record], filter: &Filter, key: &SortKey) -> Vec<&'a Record> {
    let mut keyed: Vec<(Option<SortValue>, &Record)> = records
        .iter()
        .filter(|r| filter.matches(r))
        .map(|r| {
            let value = lookup(r, &key.field).and_then(|v| SortValue::of(&key.field, &v));
            (value, r)
        })
        .collect();
    keyed.sort_by(|(a, ra), (b, rb)| {
        let by_value = match (a, b) {
            (Some(a), Some(b)) if key.descending => b.compare(a),
            (Some(a), Some(b)) => a.compare(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_value.then_with(|| ra.path.cmp(&rb.path))
    });
    keyed.into_iter().map(|(_, r)| r).collect()
}

/// What to list, as the command line gives it.
#[derive(Clone, Debug, Default)]
pub struct Query<'a> {
    /// `--kind`: any of these kinds.
    pub kinds: &'a [String],
    /// `--status`: any of these statuses.
    pub statuses: &'a [String],
    /// `--tag`: all of these tags.
    pub tags: &'a [String],
    /// `--where`: all of these conditions.
    pub conditions: &'a [String],
    /// `--sort`.
    pub sort: &'a str,
    /// `--rev`: a revision instead of the working tree.
    pub rev: Option<&'a str>,
}

/// The records of the working tree (or a revision) that `query` keeps, in
/// its order, with how many files of the kinds listed could not be read.
pub fn find(project: &Project, query: &Query<'_>) -> Result<Listing, Error> {
    match answer(project, query, None)? {
        Answer::Listing(listing) => Ok(listing),
        Answer::Shown(_) => unreachable!("a view was not asked for"),
    }
}

/// How a caller shows a listing: its `name` tells apart every way of
/// showing that gives other bytes (format, width, colours), and `render`
/// writes the listing that way.
pub struct View<'a> {
    /// The format and colours the bytes are made for.
    pub name: &'a str,
    /// The width the table is fitted to ([`Listing::width`]).
    pub width: Option<usize>,
    /// The listing, rendered.
    pub render: &'a dyn Fn(&Listing) -> std::io::Result<Vec<u8>>,
}

/// A listing as a [`View`] shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    /// The rendered listing.
    pub text: String,
    /// How many records it shows.
    pub records: usize,
    /// Files of the kinds listed that could not be read.
    pub broken: usize,
}

impl Shown {
    /// What is kept beside the text: `records,broken`.
    fn head(&self) -> String {
        format!("{},{}", self.records, self.broken)
    }

    /// The listing shown, from its [`Shown::head`] and text.
    fn from_text((head, text): (String, String)) -> Option<Shown> {
        let (records, broken) = head.split_once(',')?;
        Some(Shown {
            text,
            records: records.parse().ok()?,
            broken: broken.parse().ok()?,
        })
    }
}

/// [`find`], rendered by `view`: the same query of the same files shown
/// the same way repeats the bytes shown before, and nothing is parsed or
/// rendered again.
pub fn find_shown(project: &Project, query: &Query<'_>, view: &View<'_>) -> Result<Shown, Error> {
    match answer(project, query, Some(view))? {
        Answer::Shown(shown) => Ok(shown),
        Answer::Listing(mut listing) => show(view, &mut listing),
    }
}

/// The listing as `view` shows it, fitted to its width (text: the
/// renderers write strings).
fn show(view: &View<'_>, listing: &mut Listing) -> Result<Shown, Error> {
    listing.width = view.width;
    let bytes =
        (view.render)(listing).map_err(|err| Error::io("cannot render the listing", err))?;
    Ok(Shown {
        text: String::from_utf8_lossy(&bytes).into_owned(),
        records: listing.records.len(),
        broken: listing.broken,
    })
}

/// What [`answer`] found: the listing, or (with a view) its rendering.
enum Answer {
    Listing(Listing),
    Shown(Shown),
}

/// The listing `query` asks for, or with `view` its rendering (never
/// the listing then): repeated from the results cache when the same
/// files were listed (and shown that way) before; else found, rendered
/// and stored.
fn answer(project: &Project, query: &Query<'_>, view: Option<&View<'_>>) -> Result<Answer, Error> {
    let schema = project.schema();
    let filter = Filter::new(
        schema,
        query.kinds,
        query.statuses,
        query.tags,
        query.conditions,
    )?;
    let sort_key = SortKey::parse(query.sort)?;
    let (source, label) = match query.rev {
        None => (Source::Worktree, "worktree"),
        Some(rev) => (Source::Commit(project.repo()?.resolve(rev)?), rev),
    };
    // A listing shows front matter (and the `#` heading a record without a
    // `title` field is named by): bodies are not read.
    let mut outlines = project.outline_cache();
    let stats = project.worktree_cache();
    let results = project.result_cache();
    let loader = project
        .loader()
        .parts(Parts::Front)
        .outlines(outlines.as_ref())
        .stats(stats.as_ref());
    let files = match &results {
        Some(_) => loader.list_files(&source)?,
        None => None,
    };
    // The same query of the same files is answered as it was before.
    let place = if query.rev.is_some() {
        "commit"
    } else {
        "worktree"
    };
    let mut command = vec!["list", place, query.sort];
    for (flag, values) in [
        ("--kind", query.kinds),
        ("--status", query.statuses),
        ("--tag", query.tags),
        ("--where", query.conditions),
    ] {
        command.push(flag);
        command.extend(values.iter().map(String::as_str));
    }
    let width = view.and_then(|view| view.width).map(|w| w.to_string());
    let viewed: Option<Vec<&str>> = view.map(|view| {
        let mut viewed = command.clone();
        viewed.extend(["--view", view.name, "--width"]);
        viewed.extend(width.as_deref());
        viewed
    });
    let blobs = files.as_ref().and_then(|files| files.blobs(schema));
    let key_of = |command: &[&str]| {
        blobs
            .as_ref()
            .and_then(|blobs| results::key_once_read(command, schema, blobs, |_| None))
    };
    let shown_key = viewed.as_deref().and_then(key_of);
    let shown = results
        .as_ref()
        .zip(shown_key.as_deref())
        .and_then(|(results, key)| Shown::from_text(results.get_text(key)?));
    if let Some(shown) = shown {
        return Ok(Answer::Shown(shown));
    }
    let key = key_of(&command);
    // Loading takes the listing the paths and ids are borrowed from.
    let blobs = blobs.map(owned_blobs);
    let answered = results
        .as_ref()
        .zip(key.as_deref())
        .and_then(|(results, key)| results.get_as::<Kept>(key));
    // Files read now are keyed by the blob ids they were read as.
    let read_key = |command: &[&str]| {
        results::key_once_read(command, schema, blobs.as_ref()?, |path| {
            stats.as_ref()?.learned(path)
        })
    };
    let mut listing = match answered {
        Some(kept) => {
            let mut listing = Listing::new([]);
            listing.records = kept.records;
            listing.broken = kept.broken;
            listing
        }
        None => {
            let trim = Trim::new(schema, &filter, &sort_key);
            let visit = |record: &mut Record| trim.visit(record);
            let loader = loader.clone().each(&visit);
            let snapshot = match files {
                Some(files) => loader.load_files(files, &source, label)?,
                None => loader.load(&source, Select::All, label)?,
            };
            // Nothing more is read from the outlines: what this load
            // learned is written, and the file's text (on a large log, tens
            // of megabytes) freed before the listing is rendered.
            let _ = outlines.take().map(OutlineCache::save);
            // The loader hands every record over: their keys were noted.
            let keys = trim.seen.into_inner().unwrap_or_else(|p| p.into_inner());
            filter.check_keys(schema, keys.iter().map(String::as_str))?;
            let mut listing = Listing::new(select(&snapshot.records, &filter, &sort_key));
            listing.broken = snapshot
                .broken
                .iter()
                .filter(|b| filter.keeps_kind(&b.kind))
                .count();
            if let (Some(results), Some(key)) = (&results, key.or_else(|| read_key(&command))) {
                let kept = Kept {
                    records: listing.records,
                    broken: listing.broken,
                };
                results.put_as(key, &kept);
                listing.records = kept.records;
            }
            listing
        }
    };
    let answer = match (view, &viewed) {
        (Some(view), Some(viewed)) => {
            let shown = show(view, &mut listing)?;
            let key = shown_key.or_else(|| read_key(viewed));
            if let (Some(results), Some(key)) = (&results, key) {
                results.put_text(key, &shown.head(), &shown.text);
            }
            Answer::Shown(shown)
        }
        _ => Answer::Listing(listing),
    };
    crate::cache::save_snapshot_caches(outlines, stats, results);
    Ok(answer)
}

/// What a listing reads of each record, cut down as records are loaded
/// ([`crate::snapshot::Loader::each`]) so that a large log is never held
/// whole: the front matter fields the brief (`status`, `title`), the
/// filter (`tags`, every `--where` field) and the sort key read, and the
/// first `#` heading (the title of a record without a `title` field);
/// other fields, sections and links are dropped. With `--where`, it notes
/// each key the records of the kinds listed have, for the filter's check
/// of its fields ([`Filter::check_keys`]).
struct Trim<'s> {
    schema: &'s Schema,
    filter: &'s Filter,
    /// For each kind, in the schema's order: the front matter keys kept.
    keys: Vec<HashSet<String>>,
    /// The keys the records have (with `--where` only).
    seen: Mutex<BTreeSet<String>>,
}

impl<'s> Trim<'s> {
    fn new(schema: &'s Schema, filter: &'s Filter, sort: &SortKey) -> Trim<'s> {
        let names: Vec<&str> = ["status", "title", "tags"]
            .into_iter()
            .chain(filter.conditions.iter().map(|c| c.field[0].as_str()))
            .chain(sort.field.first().map(String::as_str))
            .collect();
        Trim {
            schema,
            filter,
            keys: schema.keys_per_kind(&names),
            seen: Mutex::default(),
        }
    }

    /// Cuts `record` down to what the listing reads (a record of no kind
    /// is left whole).
    fn visit(&self, record: &mut Record) {
        let Some(at) = self.schema.kind_index(&record.kind) else {
            return;
        };
        if !self.filter.conditions.is_empty() && self.filter.keeps_kind(&record.kind) {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            for field in &record.front.fields {
                if !seen.contains(&field.key) {
                    seen.insert(field.key.clone());
                }
            }
        }
        record.keep_fields(&self.keys[at]);
        let body = &mut record.body;
        body.links = Vec::new();
        body.sections = match body.sections.iter().position(|s| s.level == 1) {
            Some(at) => vec![body.sections.swap_remove(at)],
            None => Vec::new(),
        };
    }
}

/// A listing kept to be repeated ([`crate::cache::results`]).
#[derive(Serialize, Deserialize)]
struct Kept {
    records: Vec<Brief>,
    broken: usize,
}

/// A listing: `list --format json` and the table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Listing {
    /// Always 1: the JSON shape's version.
    pub version: u32,
    /// The records shown.
    pub records: Vec<Brief>,
    /// Files of the kinds listed that could not be read (not in the JSON:
    /// `validate` reports them).
    #[serde(skip)]
    pub broken: usize,
    /// The width to fit the table to; `None` for whole lines.
    #[serde(skip)]
    pub width: Option<usize>,
}

impl Listing {
    /// The listing of these records.
    pub fn new<'a>(records: impl IntoIterator<Item = &'a Record>) -> Listing {
        Listing {
            version: 1,
            records: records.into_iter().map(Record::brief).collect(),
            broken: 0,
            width: None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config;
    use crate::snapshot::Snapshot;

    fn records() -> (Schema, Snapshot) {
        let schema = config::builtin();
        let files = [
            (
                "research/experiments/EXP-0001-a.md",
                "---\nid: EXP-0001\ntitle: Alpha\nstatus: done\ncreated: 2024-03-05\ntags: [audio, mel]\nmetrics: {recall: 0.81, f1: 0.7}\n---\n",
            ),
            (
                "research/experiments/EXP-0002-b.md",
                "---\nid: EXP-0002\ntitle: Beta\nstatus: running\ncreated: 2024-02-01\ntags: [audio]\nmetrics: {recall: 0.9}\n---\n",
            ),
            (
                "research/experiments/EXP-0010-c.md",
                "---\nid: EXP-0010\ntitle: Gamma\nstatus: planned\ncreated: 2024-04-01\n---\n",
            ),
            (
                "research/decisions/DEC-0001-d.md",
                "---\nid: DEC-0001\ntitle: Delta\nstatus: accepted\ncreated: 2024-01-01\n---\n",
            ),
        ];
        let snap = Snapshot::from_texts("test", &schema, &files);
        (schema, snap)
    }

    fn ids(schema: &Schema, snap: &Snapshot, conds: &[&str], sort: &str) -> Vec<String> {
        let conds: Vec<String> = conds.iter().map(|c| c.to_string()).collect();
        let filter = Filter::new(schema, &[], &[], &[], &conds).unwrap();
        select(&snap.records, &filter, &SortKey::parse(sort).unwrap())
            .iter()
            .map(|r| r.id.clone().unwrap())
            .collect()
    }

    #[test]
    fn conditions_parse_every_operator() {
        let ops = [
            ("a=b", Op::Eq),
            ("a!=b", Op::Ne),
            ("a>1", Op::Gt),
            ("a<1", Op::Lt),
            ("a>=2024-01-01", Op::Ge),
            ("a.b<=0.5", Op::Le),
        ];
        for (text, op) in ops {
            assert_eq!(Condition::parse(text).unwrap().op, op, "{text}");
        }
        assert_eq!(
            Condition::parse("metrics.recall>0.8").unwrap().field,
            ["metrics", "recall"]
        );
        assert_eq!(Condition::parse("title=a=b").unwrap().value, "a=b");
    }

    #[test]
    fn malformed_conditions_show_the_forms() {
        for bad in [
            "status", "=done", "status=", "a>high", "a!b", "a..b=1", "a b=1",
        ] {
            let err = Condition::parse(bad).unwrap_err().to_string();
            assert!(err.contains("FIELD=VALUE"), "{bad}: {err}");
        }
    }

    #[test]
    fn filters_by_value_number_date_and_list() {
        let (schema, snap) = records();
        assert_eq!(ids(&schema, &snap, &["status=done"], "id"), ["EXP-0001"]);
        assert_eq!(
            ids(&schema, &snap, &["metrics.recall>0.8"], "id"),
            ["EXP-0001", "EXP-0002"]
        );
        assert_eq!(
            ids(&schema, &snap, &["metrics.recall>=0.9"], "id"),
            ["EXP-0002"]
        );
        assert_eq!(
            ids(&schema, &snap, &["metrics.recall=0.90"], "id"),
            ["EXP-0002"]
        );
        assert_eq!(
            ids(&schema, &snap, &["created<2024-02-15"], "id"),
            ["DEC-0001", "EXP-0002"]
        );
        assert_eq!(ids(&schema, &snap, &["tags=mel"], "id"), ["EXP-0001"]);
        // Lacking the field never matches, not even `!=`.
        assert_eq!(ids(&schema, &snap, &["tags!=mel"], "id"), ["EXP-0002"]);
        assert_eq!(
            ids(
                &schema,
                &snap,
                &["metrics.f1<=0.7", "status!=running"],
                "id"
            ),
            ["EXP-0001"]
        );
    }

    #[test]
    fn filters_by_kind_status_and_tags() {
        let (schema, snap) = records();
        let filter = Filter::new(
            &schema,
            &["experiment".into()],
            &["done".into(), "running".into()],
            &["audio".into()],
            &[],
        )
        .unwrap();
        let got: Vec<_> = select(&snap.records, &filter, &SortKey::default())
            .iter()
            .map(|r| r.id.clone().unwrap())
            .collect();
        assert_eq!(got, ["EXP-0001", "EXP-0002"]);
        let both_tags =
            Filter::new(&schema, &[], &[], &["audio".into(), "mel".into()], &[]).unwrap();
        assert_eq!(
            select(&snap.records, &both_tags, &SortKey::default()).len(),
            1
        );
        let err = Filter::new(&schema, &["experiments".into()], &[], &[], &[]).unwrap_err();
        assert!(
            err.to_string().contains("did you mean `experiment`?"),
            "{err}"
        );
    }

    #[test]
    fn sorts_numbers_numerically_and_missing_last() {
        let (schema, snap) = records();
        assert_eq!(
            ids(&schema, &snap, &[], "id"),
            ["DEC-0001", "EXP-0001", "EXP-0002", "EXP-0010"]
        );
        assert_eq!(
            ids(&schema, &snap, &[], "-metrics.recall"),
            ["EXP-0002", "EXP-0001", "DEC-0001", "EXP-0010"]
        );
        assert_eq!(
            ids(&schema, &snap, &[], "metrics.recall"),
            ["EXP-0001", "EXP-0002", "DEC-0001", "EXP-0010"]
        );
        assert_eq!(
            ids(&schema, &snap, &[], "-created"),
            ["EXP-0010", "EXP-0001", "EXP-0002", "DEC-0001"]
        );
        assert_eq!(
            ids(&schema, &snap, &[], "title"),
            ["EXP-0001", "EXP-0002", "DEC-0001", "EXP-0010"]
        );
        assert!(SortKey::parse("-").is_err());
    }

    #[test]
    fn ids_sort_by_number() {
        let a = SortValue::of(&["id".into()], &Value::String("EXP-9999".into())).unwrap();
        let b = SortValue::of(&["id".into()], &Value::String("EXP-10000".into())).unwrap();
        assert_eq!(a.compare(&b), Ordering::Less);
    }

    /// Records cut down as they load list as whole ones do, under every
    /// filter and sort; a record without a `title` keeps its heading.
    #[test]
    fn records_cut_down_as_they_load_list_as_whole_ones() {
        let (schema, mut snap) = records();
        snap.records.push(
            Snapshot::from_texts(
                "test",
                &schema,
                &[(
                    "research/experiments/EXP-0011-e.md",
                    "---\nid: EXP-0011\nstatus: done\nowner_note: x\nmetrics: {recall: 0.5}\n---\n## Setup\n# Epsilon\n[a](a.md)\n",
                )],
            )
            .records
            .remove(0),
        );
        // (`--where`, `--status`, `--tag`, `--sort`)
        type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str], &'a str);
        let cases: &[Case<'_>] = &[
            (&[], &[], &[], "id"),
            (&[], &["done"], &[], "-title"),
            (&[], &[], &["audio"], "created"),
            (&["metrics.recall>0.6"], &[], &[], "-metrics.recall"),
            (&["title=Epsilon"], &[], &[], "id"),
        ];
        for (conds, statuses, tags, sort) in cases {
            let text = |v: &[&str]| -> Vec<String> { v.iter().map(|c| c.to_string()).collect() };
            let filter =
                Filter::new(&schema, &[], &text(statuses), &text(tags), &text(conds)).unwrap();
            let key = SortKey::parse(sort).unwrap();
            let whole = Listing::new(select(&snap.records, &filter, &key));
            let trim = Trim::new(&schema, &filter, &key);
            let mut cut = snap.clone();
            for record in &mut cut.records {
                trim.visit(record);
            }
            assert!(cut.records.iter().all(|r| r.body.links.is_empty()));
            assert_eq!(
                Listing::new(select(&cut.records, &filter, &key)),
                whole,
                "{conds:?} {sort}"
            );
        }
        let epsilon = |s: &Snapshot| s.records.last().unwrap().brief();
        let filter = Filter::new(&schema, &[], &[], &[], &["owner_nte=x".to_string()]).unwrap();
        let key = SortKey::default();
        let trim = Trim::new(&schema, &filter, &key);
        let mut cut = snap.clone();
        for record in &mut cut.records {
            trim.visit(record);
        }
        assert_eq!(epsilon(&cut).title.as_deref(), Some("Epsilon"));
        assert_eq!(epsilon(&cut), epsilon(&snap));
        // The keys the records had before they were cut name the field meant.
        let seen = trim.seen.into_inner().unwrap();
        let err = filter
            .check_keys(&schema, seen.iter().map(String::as_str))
            .unwrap_err();
        assert_eq!(err, filter.check(&schema, &snap.records).unwrap_err());
        assert!(
            err.to_string().contains("did you mean `owner_note`?"),
            "{err}"
        );
    }
}
