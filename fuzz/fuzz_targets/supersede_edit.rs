//! Any record text, edited as `new --supersedes` edits the old decision:
//! the edit either refuses, or leaves a record whose front matter parses,
//! holds the intended values, and keeps every other key's value.
#![no_main]

use cairn::frontmatter;
use cairn::value::Value;
use libfuzzer_sys::fuzz_target;

fn fields(text: &str) -> Option<Vec<(String, Value)>> {
    let split = frontmatter::split(text).ok()?;
    let front = frontmatter::parse(&split).ok()?;
    Some(front.fields.into_iter().map(|f| (f.key, f.value)).collect())
}

fuzz_target!(|text: &str| {
    let Some(before) = fields(text) else { return };
    let edits = [
        ("status", Value::String("superseded".into())),
        ("superseded_by", Value::String("DEC-0002".into())),
    ];
    let Ok(after_text) = cairn::edit::set_all(text, &edits, Some("status")) else {
        return;
    };
    let after = fields(&after_text).expect("an accepted edit leaves front matter that parses");
    for (key, value) in &edits {
        let got = after.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        assert_eq!(got, Some(value), "{key} was not set");
    }
    for (key, value) in &before {
        if edits.iter().any(|(k, _)| k == key) {
            continue;
        }
        let got = after.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        assert_eq!(got, Some(value), "{key} changed");
    }
});
