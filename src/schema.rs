//! The schema: kinds, their fields, statuses, sections, rules, transitions
//! and frozen parts. All of it is data, loaded from the configuration (or
//! the built-in default) by `config`; nothing here knows a kind by name.

use std::collections::{HashMap, HashSet};

use globset::GlobSet;
use regex::Regex;

use crate::diagnostic::did_you_mean;
use crate::value::Value;

/// The rules of a research log.
#[derive(Clone, Debug)]
pub struct Schema {
    /// The records root, repository-relative (`research`), `""` for the root itself.
    pub root: String,
    /// Globs of paths that are never records (relative to the project root).
    pub ignore: GlobSet,
    /// Where the project root (the folder holding `.cairn/`) lies inside the
    /// repository, `""` when they are the same. Kind folders include it;
    /// `ignore` and `covers` globs are relative to the project root.
    pub base: String,
    /// The kinds, in configuration order.
    pub kinds: Vec<Kind>,
    /// The file `cairn index` keeps, repository-relative (`research/README.md`).
    pub index: String,
}

impl Schema {
    /// The kind with this name.
    pub fn kind(&self, name: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.name == name)
    }

    /// Where the kind with this name is in the schema's order.
    pub fn kind_index(&self, name: &str) -> Option<usize> {
        self.kinds.iter().position(|k| k.name == name)
    }

    /// For each kind, in the schema's order: the front matter keys the
    /// schema fields `names` are read from in that kind, and the names
    /// themselves: what a command that reads those fields keeps of a
    /// record of the kind.
    pub fn keys_per_kind(&self, names: &[&str]) -> Vec<HashSet<String>> {
        self.kinds
            .iter()
            .map(|kind| {
                names
                    .iter()
                    .flat_map(|name| [name.to_string(), kind.key_of(name).to_string()])
                    .collect()
            })
            .collect()
    }

    /// Each kind's place in the schema, by name: the order listings and
    /// reports sort records in.
    pub fn kind_order(&self) -> HashMap<&str, usize> {
        self.kinds
            .iter()
            .enumerate()
            .map(|(i, k)| (k.name.as_str(), i))
            .collect()
    }

    /// The kind with this name, or an error that lists the kinds and the
    /// nearest one.
    pub fn kind_named(&self, name: &str) -> Result<&Kind, UnknownKind> {
        self.kind(name).ok_or_else(|| {
            let names = self.kinds.iter().map(|k| k.name.as_str());
            UnknownKind {
                name: name.to_string(),
                hint: did_you_mean(name, names.clone())
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default(),
                kinds: names.collect::<Vec<_>>().join(", "),
            }
        })
    }

    /// The kind whose folder holds `path` (the deepest folder wins).
    pub fn kind_of_path(&self, path: &str) -> Option<&Kind> {
        self.kinds
            .iter()
            .filter(|k| k.contains(path))
            .max_by_key(|k| k.dir.len())
    }

    /// The kind that gives out ids with this prefix (`DEC-0004` → decision).
    pub fn kind_of_id(&self, id: &str) -> Option<&Kind> {
        self.kinds
            .iter()
            .filter(|k| {
                id.len() > k.prefix.len()
                    && id.starts_with(&k.prefix)
                    && id[k.prefix.len()..].starts_with('-')
            })
            .max_by_key(|k| k.prefix.len())
    }

    /// A repository-relative path as seen from the project root, or `None`
    /// when it lies outside the project.
    pub fn project_path<'p>(&self, path: &'p str) -> Option<&'p str> {
        if self.base.is_empty() {
            return Some(path);
        }
        path.strip_prefix(&self.base)?.strip_prefix('/')
    }

    /// Moves the schema's folders under `base`, the project root's path
    /// inside the repository, so that paths read from git (relative to the
    /// repository) and from the working tree agree.
    pub fn rebase(&mut self, base: &str) {
        let join = |dir: &str| match (base.is_empty(), dir.is_empty()) {
            (true, _) => dir.to_string(),
            (false, true) => base.to_string(),
            (false, false) => format!("{base}/{dir}"),
        };
        self.root = join(&self.root);
        for kind in &mut self.kinds {
            kind.dir = join(&kind.dir);
        }
        self.index = join(&self.index);
        self.base = join(&self.base);
    }

    /// Every kind folder, repository-relative.
    pub fn dirs(&self) -> Vec<String> {
        let mut dirs: Vec<String> = self.kinds.iter().map(|k| k.dir.clone()).collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// Whether a repository-relative path is a record file of some kind:
    /// a `.md` file in a kind folder that no `ignore` glob matches.
    pub fn is_record_path(&self, path: &str) -> bool {
        path.ends_with(".md")
            && self.kind_of_path(path).is_some()
            && !self
                .project_path(path)
                .is_some_and(|p| self.ignore.is_match(p))
    }
}

/// A kind name the schema does not define.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind `{name}`; {hint}the kinds are: {kinds}", name = .name.escape_debug())]
pub struct UnknownKind {
    /// The name as given.
    pub name: String,
    /// `did you mean `x`? ` or nothing.
    pub hint: String,
    /// The schema's kinds, comma-separated.
    pub kinds: String,
}

/// The longest path glob cairn compiles (`covers`, `ignore`): a glob's
/// compiled size grows with its text, and one of a million alternatives
/// would take gigabytes.
pub const MAX_GLOB_CHARS: usize = 1000;

/// The most globs one `covers` list may hold.
pub const MAX_GLOBS: usize = 1000;

/// Compiles a path glob, refusing one longer than [`MAX_GLOB_CHARS`]; the
/// error says what is wrong.
pub fn glob(pattern: &str) -> Result<globset::Glob, String> {
    let chars = pattern.chars().count();
    if chars > MAX_GLOB_CHARS {
        return Err(format!(
            "the glob is {chars} characters long, more than the {MAX_GLOB_CHARS} cairn reads; split it into several shorter ones"
        ));
    }
    globset::Glob::new(pattern).map_err(|e| format!("not a valid glob: {}", e.kind()))
}

/// One kind of record.
#[derive(Clone, Debug)]
pub struct Kind {
    /// Its name (`experiment`).
    pub name: String,
    /// Its folder, repository-relative without a trailing slash (`""` is the root).
    pub dir: String,
    /// Its id prefix (`EXP`).
    pub prefix: String,
    /// Where its ids come from.
    pub id: IdRule,
    /// Allowed statuses; `None` accepts any status.
    pub statuses: Option<Vec<String>>,
    /// Allowed status moves; `None` allows every move.
    pub transitions: Option<Vec<(String, Vec<String>)>>,
    /// Every field: the common ones, overridden or extended by the kind's.
    pub fields: Vec<FieldSpec>,
    /// Sections every record of the kind must have.
    pub sections: Vec<String>,
    /// Conditional requirements.
    pub rules: Vec<Rule>,
    /// Parts that must not change once a condition held.
    pub frozen: Vec<Frozen>,
    /// Whether fields outside the schema are reported.
    pub warn_unknown_fields: bool,
    /// Records that match this are dormant: their findings are warnings.
    pub as_warnings: Option<Condition>,
    /// Reference fields whose records measure this one's progress (a
    /// milestone's `experiments`): settled targets count as done.
    pub progress: Vec<String>,
}

impl Kind {
    /// Whether `path` lies in this kind's folder.
    pub fn contains(&self, path: &str) -> bool {
        self.dir.is_empty()
            || path
                .strip_prefix(&self.dir)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    /// The field with this schema name.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The front matter key a schema field is read from.
    pub fn key_of<'a>(&'a self, name: &'a str) -> &'a str {
        self.field(name).map_or(name, |f| f.key.as_str())
    }

    /// The statuses a record may move to from `from`; `None` when any move is allowed.
    pub fn allowed_moves(&self, from: &str) -> Option<Vec<&str>> {
        let transitions = self.transitions.as_ref()?;
        Some(
            transitions
                .iter()
                .find(|(f, _)| f == from)
                .map(|(_, to)| to.iter().map(String::as_str).collect())
                .unwrap_or_default(),
        )
    }

    /// The statuses allowed from `from` when moving on to `to` breaks the
    /// kind's transitions; `None` when the move is allowed. A move from or
    /// to a status the kind does not list is no transition: the unknown
    /// status is a `schema/enum` finding of its own.
    pub fn forbidden_move(&self, from: &str, to: &str) -> Option<Vec<&str>> {
        if from == to {
            return None;
        }
        if let Some(statuses) = &self.statuses {
            if !statuses.iter().any(|s| s == from) || !statuses.iter().any(|s| s == to) {
                return None;
            }
        }
        let allowed = self.allowed_moves(from)?;
        (!allowed.contains(&to)).then_some(allowed)
    }

    /// Formats the id of number `n` (`EXP-0012`).
    pub fn format_id(&self, n: u64) -> String {
        match &self.id {
            IdRule::Field { .. } => format!("{}-{n}", self.prefix),
            _ => format!("{}-{n:04}", self.prefix),
        }
    }

    /// The number of this kind's id at the start of `text`: an id or a file
    /// name (`EXP-0012` or `EXP-0012-mel.md` → 12).
    pub fn number_in(&self, text: &str) -> Option<u64> {
        let rest = text.strip_prefix(&self.prefix)?.strip_prefix('-')?;
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        rest[..digits].parse().ok()
    }
}

/// Where a kind's ids come from.
#[derive(Clone, Debug)]
pub enum IdRule {
    /// The `id` field, which must match the pattern (default `^PREFIX-\d{4,}$`).
    Standard {
        /// The pattern every id must match.
        pattern: Regex,
    },
    /// Another field's value, shown with the prefix (`eip: 1559` → `EIP-1559`).
    Field {
        /// The front matter key.
        key: String,
        /// What the raw value must match.
        pattern: Option<Regex>,
    },
    /// The path inside the kind's folder, without `.md`
    /// (`network/ovn-egress.md` → `network/ovn-egress`): for collections
    /// whose files share names in different folders.
    Path,
    /// The file name's first capture group, shown with the prefix.
    Filename {
        /// Applied to the file name (without folders).
        pattern: Regex,
    },
}

/// A field of a kind.
#[derive(Clone, Debug)]
pub struct FieldSpec {
    /// Its schema name (what rules and messages call it).
    pub name: String,
    /// The front matter key it is read from.
    pub key: String,
    /// Its type.
    pub ty: FieldType,
    /// Whether it must be present and non-empty.
    pub required: bool,
    /// One line on what it is for.
    pub about: Option<String>,
}

/// The type of a field's value.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldType {
    /// Any string (numbers and booleans are accepted as their text).
    String,
    /// Any number.
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A real calendar date, `YYYY-MM-DD`.
    Date,
    /// One of a fixed set of strings.
    Enum(Vec<String>),
    /// The id of another record.
    Ref {
        /// The kinds it may point to; empty for any.
        to: Vec<String>,
        /// The target's field that must point back.
        inverse: Option<String>,
    },
    /// A path glob.
    Glob,
    /// A list of items of one type.
    List(Box<FieldType>),
    /// A mapping whose values have one type, or any type.
    Map(Option<Box<FieldType>>),
}

impl FieldType {
    /// How the type reads in a message (`a list of ids`).
    pub fn describe(&self) -> String {
        match self {
            FieldType::String => "a string".into(),
            FieldType::Number => "a number".into(),
            FieldType::Integer => "a whole number".into(),
            FieldType::Boolean => "true or false".into(),
            FieldType::Date => "a date (YYYY-MM-DD)".into(),
            FieldType::Enum(values) => format!("one of {}", values.join(", ")),
            FieldType::Ref { to, .. } if to.len() == 1 => format!("the id of {}", article(&to[0])),
            FieldType::Ref { .. } => "a record id".into(),
            FieldType::Glob => "a path glob".into(),
            FieldType::List(item) => format!("a list of {}", plural(&item.describe())),
            FieldType::Map(None) => "a mapping".into(),
            FieldType::Map(Some(v)) => format!("a mapping of names to {}", plural(&v.describe())),
        }
    }
}

fn plural(s: &str) -> String {
    let s = s
        .strip_prefix("a ")
        .or_else(|| s.strip_prefix("the "))
        .unwrap_or(s);
    if s.starts_with("one of") || s.starts_with("true or") {
        format!("values that are {s}")
    } else if let Some(rest) = s
        .strip_prefix("id of an ")
        .or_else(|| s.strip_prefix("id of a "))
    {
        format!("ids of {rest}s")
    } else if s == "record id" || s == "path glob" {
        format!("{s}s")
    } else if let Some((head, tail)) = s.split_once(' ') {
        format!("{head}s {tail}")
    } else {
        format!("{s}s")
    }
}

/// `a scope`, `an experiment`.
fn article(noun: &str) -> String {
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// A condition on a record's field values: every listed field must hold
/// one of the listed values.
#[derive(Clone, Debug, Default)]
pub struct Condition {
    /// Field name and accepted values.
    pub fields: Vec<(String, Vec<String>)>,
}

impl Condition {
    /// Whether the condition holds, reading values through `get`.
    pub fn matches<'v>(&self, get: impl Fn(&str) -> Option<&'v Value>) -> bool {
        self.fields.iter().all(|(field, values)| {
            get(field)
                .and_then(Value::scalar_text)
                .is_some_and(|v| values.contains(&v))
        })
    }

    /// How the condition reads in a message (`status is done`,
    /// `status is accepted, superseded or deprecated`).
    pub fn describe(&self) -> String {
        self.fields
            .iter()
            .map(|(f, v)| {
                let values = match v.as_slice() {
                    [] => String::new(),
                    [one] => one.clone(),
                    [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
                };
                format!("{f} is {values}")
            })
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// Requirements that hold when a condition does.
#[derive(Clone, Debug)]
pub struct Rule {
    /// When the rule applies.
    pub when: Condition,
    /// Fields that must be present and non-empty.
    pub require: Vec<String>,
    /// Sections that must exist.
    pub sections: Vec<String>,
    /// A date field that, once past, makes a matching record due for review.
    pub review: Option<String>,
    /// At most this many matching records per person.
    pub limit: Option<Limit>,
    /// A test of the record a reference field names.
    pub target: Option<TargetRule>,
}

/// A rule about the record a reference field names: a superseded
/// decision's successor must be in force.
#[derive(Clone, Debug)]
pub struct TargetRule {
    /// The reference field (`superseded_by`).
    pub field: String,
    /// When the target matches this, a warning (`status: proposed`).
    pub warning: Option<Condition>,
    /// When the target matches this, an error (`status: rejected`).
    pub error: Option<Condition>,
}

/// A work-in-progress limit: at most `max` records that match the rule's
/// condition per value of the `per` field (a list of people, usually `authors`).
#[derive(Clone, Debug)]
pub struct Limit {
    /// The field whose every value is one person (or team, or machine).
    pub per: String,
    /// How many matching records each may hold.
    pub max: usize,
}

/// Parts that must not change once the earlier revision matched `when`.
#[derive(Clone, Debug)]
pub struct Frozen {
    /// Checked against the earlier revision of the record.
    pub when: Condition,
    /// Sections that must keep their text.
    pub sections: Vec<String>,
    /// Fields that must keep their value.
    pub fields: Vec<String>,
}
