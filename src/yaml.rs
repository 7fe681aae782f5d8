//! The one place that parses YAML.
//!
//! serde_yaml is used here and nowhere else, so that it can be swapped for a
//! maintained fork by changing this file alone. Callers get the project's
//! own [`Value`] or their own `Deserialize` types, and errors carry the
//! 1-based line within the YAML text they were given.

use serde::Deserialize;
use serde::de::{
    DeserializeOwned, Deserializer, EnumAccess, Error as _, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};

use crate::value::Value;

/// A YAML document that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line within the YAML text, when the parser knows it.
    pub line: Option<usize>,
    /// What the parser said, without its own position suffix.
    pub message: String,
}

/// Parses one YAML document into a [`Value`]. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    let Document(value) = serde_yaml::from_str(text).map_err(to_error)?;
    Ok(value)
}

/// Deserializes one YAML document into `T` (used for the configuration).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(to_error)
}

fn to_error(err: serde_yaml::Error) -> YamlError {
    let line = err.location().map(|loc| loc.line());
    let mut message = err.to_string();
    // serde_yaml appends " at line L column C"; the caller reports the
    // line itself, translated to the file's numbering.
    if let Some(pos) = message.find(" at line ") {
        message.truncate(pos);
    }
    YamlError { line, message }
}

/// A [`Value`] deserialized straight from the parser's events, with no
/// intermediate YAML tree: records are parsed by the thousand.
struct Document(Value);

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(Document)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Int(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(i64::try_from(n).map_or(Value::Float(n as f64), Value::Int))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Float(x))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Document(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Value)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(Document(key)) = map.next_key()? {
            let key = key_text(key);
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(A::Error::custom(format!(
                    "duplicate entry with key \"{key}\""
                )));
            }
            let Document(value) = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }

    /// A tagged value (`!float 1`): the tag is dropped, the value kept.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (_tag, variant): (serde::de::IgnoredAny, _) = data.variant()?;
        let Document(value) = variant.newtype_variant()?;
        Ok(value)
    }
}

/// Keys are strings in every schema; `1: x` or `true: y` keep their text.
fn key_text(key: Value) -> String {
    match key {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_keeps_order_and_types() {
        let v = parse("b: 1\na: 0.5\nc: [x, y]\nd: 2023-14-05\n").unwrap();
        let Value::Map(entries) = v else {
            panic!("not a map")
        };
        let keys: Vec<_> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "c", "d"]);
        assert_eq!(entries[0].1, Value::Int(1));
        assert_eq!(entries[1].1, Value::Float(0.5));
        // YAML 1.2 keeps dates as strings; the schema checks them.
        assert_eq!(entries[3].1, Value::String("2023-14-05".into()));
    }

    #[test]
    fn syntax_errors_carry_the_yaml_line() {
        let err = parse("a: 1\nb: [unclosed\nc: 3\n").unwrap_err();
        assert!(err.line.is_some());
        assert!(!err.message.contains(" at line "));
    }

    #[test]
    fn tags_nesting_and_duplicates() {
        let v = parse("a: !custom 5\nb: {c: [1, {d: null}]}\n").unwrap();
        assert_eq!(v.get("a"), Some(&Value::Int(5)));
        assert_eq!(
            v.get("b")
                .and_then(|b| b.get("c"))
                .map(ToString::to_string)
                .as_deref(),
            Some("[1, {d: null}]")
        );
        let err = parse("m:\n  r: 1\n  r: 2\n").unwrap_err();
        assert!(err.message.contains("duplicate entry"), "{}", err.message);
        assert_eq!(
            parse("1: x\ntrue: y\n").unwrap().to_string(),
            "{1: x, true: y}"
        );
    }

    #[test]
    fn empty_document_is_null() {
        assert_eq!(parse("").unwrap(), Value::Null);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in 'b'..='z' {
            text.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        assert!(parse(&text).is_err());
    }
}
