//! Front matter values, independent of the YAML library that produced them.
//!
//! Every other module sees `Value`, never a YAML type, so the parser can be
//! swapped without touching the rules, the diff or the renderers. Maps keep
//! the order of their keys as written.

use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// A front matter value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// An empty value (`key:` or `key: null`).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Any string, including dates, which YAML 1.2 keeps as strings.
    String(String),
    /// A sequence.
    List(Vec<Value>),
    /// A mapping, in the order written.
    Map(Vec<(String, Value)>),
}

impl Value {
    /// A list of `items`, holding no spare room: a parser grows its lists
    /// as it reads, and every record of a log keeps its values for the
    /// whole command.
    pub fn list(mut items: Vec<Value>) -> Value {
        items.shrink_to_fit();
        Value::List(items)
    }

    /// A mapping of `entries` in their order, holding no spare room (as
    /// [`Value::list`]).
    pub fn map(mut entries: Vec<(String, Value)>) -> Value {
        entries.shrink_to_fit();
        Value::Map(entries)
    }

    /// Whether the value counts as absent for a required field: null, an
    /// empty or blank string, an empty list or an empty map.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty(),
            Value::List(items) => items.is_empty(),
            Value::Map(entries) => entries.is_empty(),
            _ => false,
        }
    }

    /// The string, when the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, when the value is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// Scalars as text: what a user would type for them (`0.81`, `done`).
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(n) => Some(n.to_string()),
            Value::Float(x) => Some(format_float(*x)),
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// The strings of a list of scalars, or of a single scalar.
    pub fn string_items(&self) -> Vec<String> {
        match self {
            Value::List(items) => items.iter().filter_map(Value::scalar_text).collect(),
            Value::Null => Vec::new(),
            other => other.scalar_text().into_iter().collect(),
        }
    }

    /// Looks up a key of a map.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Formats a float the way people write it: `0.84`, not `0.84000000001`.
pub fn format_float(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.1}")
    } else {
        let s = format!("{x:.6}");
        let s = s.trim_end_matches('0');
        s.trim_end_matches('.').to_string()
    }
}

/// A difference with its sign always shown: `+0.03`, `-2.0`.
pub fn signed(d: f64) -> String {
    if d < 0.0 {
        format!("-{}", format_float(-d))
    } else {
        format!("+{}", format_float(d))
    }
}

/// Rounds away float noise: `0.84 - 0.81` is `0.03`, not `0.0299999`.
pub fn without_noise(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            scalar => f.write_str(&scalar.scalar_text().unwrap_or_default()),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(n) => serializer.serialize_i64(*n),
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::String(s) => serializer.serialize_str(s),
            Value::List(items) => items.serialize(serializer),
            Value::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_written() {
        assert_eq!(format_float(0.84), "0.84");
        assert_eq!(format_float(0.1 + 0.2), "0.3");
        assert_eq!(format_float(3.0), "3.0");
        assert_eq!(format_float(-0.03), "-0.03");
    }

    #[test]
    fn emptiness_follows_what_a_reader_sees() {
        assert!(Value::Null.is_empty());
        assert!(Value::String("  ".into()).is_empty());
        assert!(Value::List(vec![]).is_empty());
        assert!(!Value::Int(0).is_empty());
        assert!(!Value::Bool(false).is_empty());
    }

    #[test]
    fn display_is_compact() {
        let v = Value::Map(vec![
            ("recall".into(), Value::Float(0.81)),
            ("tags".into(), Value::List(vec![Value::String("a".into())])),
        ]);
        assert_eq!(v.to_string(), "{recall: 0.81, tags: [a]}");
    }
}
