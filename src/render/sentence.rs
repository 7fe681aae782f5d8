//! The English of counts: a [`Tally`] of changes as one sentence ("2
//! decisions accepted, 1 experiment done, 3 records added.") and the
//! plural of a kind's name. The text, Markdown and JSON renderers all use
//! it: in JSON a tally is written as its sentence.

use serde::{Serialize, Serializer};

use crate::diff::Tally;

/// One sentence that sums the changes up: "2 decisions accepted,
/// 1 experiment done, 3 records added."
pub fn sentence(tally: &Tally) -> String {
    let mut parts: Vec<String> = tally
        .moves
        .iter()
        .map(|(kind, status, n)| {
            let kind = if *n == 1 { kind.clone() } else { plural(kind) };
            format!("{n} {kind} {status}")
        })
        .collect();
    for (n, label) in [
        (tally.added, "added"),
        (tally.renamed, "renamed"),
        (tally.modified, "modified"),
        (tally.removed, "removed"),
    ] {
        if n > 0 {
            parts.push(format!("{} {label}", super::count(n, "record", "records")));
        }
    }
    if parts.is_empty() {
        return "No research records changed.".to_string();
    }
    let s = parts.join(", ");
    let mut chars = s.chars();
    let first = chars.next().map(|c| c.to_uppercase().to_string());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

/// English plural of a kind name.
pub fn plural(word: &str) -> String {
    if word.ends_with('s') || word.ends_with('x') || word.ends_with("ch") {
        format!("{word}es")
    } else if word.ends_with('y') && !word.ends_with("ay") && !word.ends_with("ey") {
        format!("{}ies", &word[..word.len() - 1])
    } else {
        format!("{word}s")
    }
}

impl Serialize for Tally {
    /// As its sentence: the JSON of `diff` and `summary` carries the words
    /// the text shows.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&sentence(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_reads_as_one_sentence() {
        assert_eq!(sentence(&Tally::default()), "No research records changed.");
        let tally = Tally {
            moves: vec![
                ("decision".into(), "accepted".into(), 2),
                ("experiment".into(), "done".into(), 1),
            ],
            added: 3,
            removed: 1,
            ..Tally::default()
        };
        assert_eq!(
            sentence(&tally),
            "2 decisions accepted, 1 experiment done, 3 records added, 1 record removed."
        );
    }

    #[test]
    fn kinds_take_english_plurals() {
        assert_eq!(plural("decision"), "decisions");
        assert_eq!(plural("hypothesis"), "hypothesises");
        assert_eq!(plural("study"), "studies");
        assert_eq!(plural("survey"), "surveys");
        assert_eq!(plural("batch"), "batches");
    }
}
