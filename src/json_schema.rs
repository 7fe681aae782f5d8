//! The schema of each kind's front matter as JSON Schema (draft 2020-12),
//! for editors and `check-jsonschema`.
//!
//! It says what JSON Schema can say about one file's front matter: types,
//! statuses and other enums, required fields (present and non-empty), the
//! id pattern, and the conditional rules (`when: {status: done}` →
//! `if`/`then`). What needs the body or other records — sections,
//! references that must exist, history rules — stays with `cairn validate`;
//! the kind's description names the sections. Unknown fields are allowed,
//! as `validate` only warns about them.

use serde_json::{Map, Value, json};

use crate::schema::{FieldSpec, FieldType, IdRule, Kind, Schema, UnknownKind};

/// What `cairn schema` shows: every kind, or the one named.
#[derive(Clone, Copy, Debug)]
pub struct Shown<'a> {
    /// The schema in force.
    pub schema: &'a Schema,
    /// The kind asked for; `None` for all.
    pub kind: Option<&'a Kind>,
}

impl<'a> Shown<'a> {
    /// The kind named `name` of `schema` (an error suggests the nearest),
    /// or every kind when `None`.
    pub fn of(schema: &'a Schema, name: Option<&str>) -> Result<Shown<'a>, UnknownKind> {
        let kind = name.map(|n| schema.kind_named(n)).transpose()?;
        Ok(Shown { schema, kind })
    }

    /// The kinds shown, in schema order.
    pub fn kinds(&self) -> Vec<&'a Kind> {
        match self.kind {
            Some(kind) => vec![kind],
            None => self.schema.kinds.iter().collect(),
        }
    }

    /// The JSON Schema of what is shown.
    pub fn json_schema(&self) -> Value {
        match self.kind {
            Some(kind) => for_kind(self.schema, kind),
            None => for_schema(self.schema),
        }
    }
}

/// The dialect every document declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The JSON Schema of one kind's front matter.
pub fn for_kind(schema: &Schema, kind: &Kind) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for spec in &kind.fields {
        // A kind whose ids come from another field or the file name does
        // not need an `id` key.
        let id_elsewhere = spec.name == "id" && !matches!(kind.id, IdRule::Standard { .. });
        let is_required = spec.required && !id_elsewhere;
        properties.insert(
            spec.key.clone(),
            field_schema(schema, kind, spec, is_required),
        );
        if is_required {
            required.push(Value::from(spec.key.clone()));
        }
    }
    let mut doc = Map::new();
    doc.insert("$schema".into(), DIALECT.into());
    doc.insert("title".into(), format!("cairn {} record", kind.name).into());
    doc.insert("description".into(), describe_kind(kind).into());
    doc.insert("type".into(), "object".into());
    doc.insert("properties".into(), Value::Object(properties));
    doc.insert("required".into(), Value::Array(required));
    let rules = conditional_rules(kind);
    if !rules.is_empty() {
        doc.insert("allOf".into(), Value::Array(rules));
    }
    Value::Object(doc)
}

/// One document for every kind: each kind's schema under `$defs`, applied
/// to a record whose `id` carries the kind's prefix. For a single folder,
/// [`for_kind`] is stricter: it needs no id to tell the kind.
pub fn for_schema(schema: &Schema) -> Value {
    let mut defs = Map::new();
    let mut dispatch = Vec::new();
    for kind in &schema.kinds {
        let mut one = for_kind(schema, kind);
        if let Value::Object(map) = &mut one {
            map.remove("$schema");
        }
        defs.insert(kind.name.clone(), one);
        if let IdRule::Standard { .. } = kind.id {
            dispatch.push(json!({
                "if": {
                    "properties": {"id": {"type": "string", "pattern": format!("^{}-", regex_escape(&kind.prefix))}},
                    "required": ["id"]
                },
                "then": {"$ref": format!("#/$defs/{}", pointer_escape(&kind.name))}
            }));
        }
    }
    let kinds: Vec<&str> = schema.kinds.iter().map(|k| k.name.as_str()).collect();
    json!({
        "$schema": DIALECT,
        "title": "cairn record",
        "description": format!(
            "Front matter of a cairn record of any kind ({}); a record is checked against its kind's schema by the prefix of its id.",
            kinds.join(", ")
        ),
        "type": "object",
        "$defs": defs,
        "allOf": dispatch,
    })
}

fn describe_kind(kind: &Kind) -> String {
    let mut text = format!(
        "Front matter of a `{}` record (folder `{}`, ids like `{}`).",
        kind.name,
        if kind.dir.is_empty() { "." } else { &kind.dir },
        kind.format_id(1)
    );
    if !kind.sections.is_empty() {
        text.push_str(&format!(
            " The body needs the sections {}.",
            kind.sections.join(", ")
        ));
    }
    for rule in &kind.rules {
        if !rule.sections.is_empty() {
            text.push_str(&format!(
                " When {}, also {}.",
                rule.when.describe(),
                rule.sections.join(", ")
            ));
        }
    }
    text
}

/// A field's schema: its type, its description, and for a required field
/// that its value is not empty.
fn field_schema(schema: &Schema, kind: &Kind, spec: &FieldSpec, required: bool) -> Value {
    let mut out = if spec.name == "status" {
        match &kind.statuses {
            Some(statuses) => json!({"enum": statuses}),
            None => type_schema(schema, &spec.ty),
        }
    } else if spec.name == "id" {
        match &kind.id {
            IdRule::Standard { pattern } => {
                json!({"type": "string", "pattern": pattern.as_str()})
            }
            _ => type_schema(schema, &spec.ty),
        }
    } else {
        type_schema(schema, &spec.ty)
    };
    let description = match &spec.about {
        Some(about) => about.clone(),
        None if spec.name == "status" => "one of the kind's statuses".into(),
        None => spec.ty.describe(),
    };
    if let Value::Object(map) = &mut out {
        map.insert("description".into(), description.into());
        if required {
            map.insert("not".into(), empty());
        } else {
            allow_null(map);
        }
    }
    out
}

/// The schema of a value of type `ty`.
fn type_schema(schema: &Schema, ty: &FieldType) -> Value {
    match ty {
        // Numbers and booleans are read as their text, as `validate` does.
        FieldType::String | FieldType::Glob => json!({"type": ["string", "number", "boolean"]}),
        FieldType::Number => json!({"type": "number"}),
        FieldType::Integer => json!({"type": "integer"}),
        FieldType::Boolean => json!({"type": "boolean"}),
        FieldType::Date => json!({
            "type": "string",
            "format": "date",
            "pattern": r"^\d{4}-\d{2}-\d{2}$"
        }),
        FieldType::Enum(values) => json!({"enum": values}),
        FieldType::Ref { to, .. } => ref_schema(schema, to),
        FieldType::List(item) => {
            let mut items = type_schema(schema, item);
            if let Value::Object(map) = &mut items {
                allow_null(map);
            }
            json!({"type": "array", "items": items})
        }
        FieldType::Map(None) => json!({"type": "object"}),
        FieldType::Map(Some(values)) => {
            json!({"type": "object", "additionalProperties": type_schema(schema, values)})
        }
    }
}

/// An id of one of the `to` kinds (any kind when empty): the kind's own
/// pattern for standard ids, else its prefix.
fn ref_schema(schema: &Schema, to: &[String]) -> Value {
    let kinds: Vec<&Kind> = if to.is_empty() {
        schema.kinds.iter().collect()
    } else {
        to.iter().filter_map(|name| schema.kind(name)).collect()
    };
    let patterns: Vec<String> = kinds
        .iter()
        .map(|kind| match &kind.id {
            IdRule::Standard { pattern } => pattern.as_str().to_string(),
            _ => format!("^{}-", regex_escape(&kind.prefix)),
        })
        .collect();
    match patterns.as_slice() {
        [] => json!({"type": "string"}),
        [one] => json!({"type": "string", "pattern": one}),
        many => json!({
            "type": "string",
            "anyOf": many.iter().map(|p| json!({"pattern": p})).collect::<Vec<_>>()
        }),
    }
}

/// The `when` → `require` rules as `if`/`then`.
fn conditional_rules(kind: &Kind) -> Vec<Value> {
    kind.rules
        .iter()
        .filter(|rule| !rule.require.is_empty())
        .map(|rule| {
            let mut when = Map::new();
            let mut when_required = Vec::new();
            for (field, values) in &rule.when.fields {
                let key = kind.key_of(field);
                when.insert(key.to_string(), json!({"enum": values}));
                when_required.push(Value::from(key));
            }
            let keys: Vec<&str> = rule.require.iter().map(|f| kind.key_of(f)).collect();
            let not_empty: Map<String, Value> = keys
                .iter()
                .map(|key| (key.to_string(), json!({"not": empty()})))
                .collect();
            json!({
                "if": {"properties": when, "required": when_required},
                "then": {"required": keys, "properties": not_empty}
            })
        })
        .collect()
}

/// What `validate` counts as absent: null, a blank string, an empty list or mapping.
fn empty() -> Value {
    json!({"anyOf": [
        {"type": "null"},
        {"type": "string", "pattern": r"^\s*$"},
        {"type": "array", "maxItems": 0},
        {"type": "object", "maxProperties": 0}
    ]})
}

/// An optional field may be written empty (`key:`), which reads as null.
fn allow_null(map: &mut Map<String, Value>) {
    match map.get_mut("type") {
        Some(Value::String(one)) => {
            let one = one.clone();
            map.insert("type".into(), json!([one, "null"]));
        }
        Some(Value::Array(types)) => types.push("null".into()),
        _ => {}
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.push(Value::Null);
    }
}

fn regex_escape(text: &str) -> String {
    regex::escape(text)
}

/// Escapes a name for a JSON pointer (`~` → `~0`, `/` → `~1`).
fn pointer_escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn builtin() -> Schema {
        config::builtin()
    }

    #[test]
    fn statuses_are_an_enum_and_the_id_has_its_pattern() {
        let schema = builtin();
        let kind = schema.kind("experiment").expect("built-in kind");
        let doc = for_kind(&schema, kind);
        assert_eq!(
            doc["properties"]["status"]["enum"],
            json!(["planned", "running", "done", "abandoned"])
        );
        assert_eq!(doc["properties"]["id"]["pattern"], json!("^EXP-[0-9]{4,}$"));
        assert!(
            doc["required"]
                .as_array()
                .expect("required")
                .contains(&json!("hypothesis"))
        );
    }

    #[test]
    fn a_rule_becomes_if_then() {
        let schema = builtin();
        let kind = schema.kind("experiment").expect("built-in kind");
        let doc = for_kind(&schema, kind);
        assert_eq!(
            doc["allOf"][0]["if"]["properties"]["status"]["enum"],
            json!(["done"])
        );
        assert_eq!(
            doc["allOf"][0]["then"]["required"],
            json!(["metrics", "outcome"])
        );
    }
}
