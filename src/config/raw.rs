//! The configuration file as written: serde's view of the YAML, before
//! any check. `kinds.rs`, `fields.rs` and `rules.rs` turn it into a
//! [`crate::schema::Schema`].

use indexmap::IndexMap;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) version: Option<u32>,
    pub(super) root: Option<String>,
    pub(super) ignore: Option<Vec<String>>,
    pub(super) index: Option<String>,
    pub(super) fields: Option<IndexMap<String, RawField>>,
    pub(super) kinds: IndexMap<String, RawKind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKind {
    pub(super) dir: String,
    pub(super) prefix: Option<String>,
    pub(super) id: Option<RawId>,
    pub(super) statuses: Option<Vec<String>>,
    pub(super) transitions: Option<IndexMap<String, Vec<String>>>,
    pub(super) fields: Option<IndexMap<String, RawField>>,
    pub(super) sections: Option<Vec<String>>,
    pub(super) rules: Option<Vec<RawRule>>,
    pub(super) frozen: Option<Vec<RawFrozen>>,
    pub(super) unknown_fields: Option<String>,
    pub(super) progress: Option<Vec<String>>,
    pub(super) as_warnings: Option<IndexMap<String, OneOrMany>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawId {
    pub(super) field: Option<String>,
    pub(super) from: Option<String>,
    pub(super) pattern: Option<String>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawField {
    #[serde(rename = "type")]
    pub(super) ty: Option<String>,
    pub(super) required: Option<bool>,
    pub(super) values: Option<RawValues>,
    pub(super) items: Option<RawItems>,
    pub(super) to: Option<Vec<String>>,
    pub(super) key: Option<String>,
    pub(super) inverse: Option<String>,
    pub(super) about: Option<String>,
}

#[derive(Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawValues {
    List(Vec<String>),
    Type(String),
}

#[derive(Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawItems {
    Type(String),
    Spec(Box<RawField>),
}

#[derive(Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) when: IndexMap<String, OneOrMany>,
    pub(super) require: Option<Vec<String>>,
    pub(super) sections: Option<Vec<String>>,
    pub(super) review: Option<String>,
    pub(super) limit: Option<RawLimit>,
    pub(super) target: Option<String>,
    pub(super) target_warning: Option<IndexMap<String, OneOrMany>>,
    pub(super) target_error: Option<IndexMap<String, OneOrMany>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimit {
    pub(super) per: String,
    pub(super) max: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFrozen {
    pub(super) when: IndexMap<String, OneOrMany>,
    pub(super) sections: Option<Vec<String>>,
    pub(super) fields: Option<Vec<String>>,
}

impl OneOrMany {
    /// The value or values, as a list.
    pub(super) fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(v) => v,
        }
    }
}
