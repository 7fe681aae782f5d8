//! Findings of `validate`: a severity, a stable code, where, and what to do.
//!
//! Diagnostics are plain data that derive `Serialize`; the renderers in
//! `render/` turn them into text, JSON or GitHub workflow commands.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a finding is. Errors make `validate` exit 1; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The record breaks the schema.
    Error,
    /// Worth a look; the record is still valid.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

macro_rules! codes {
    ($($variant:ident => $text:literal, $doc:literal;)*) => {
        /// The stable code of a finding. Codes never change meaning; tools
        /// may match on them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as users see it, e.g. `schema/enum`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }

            /// One line on what the code reports.
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $doc,)*
                }
            }
        }
    };
}

codes! {
    NoFrontMatter => "parse/no-front-matter", "A file in a kind folder without front matter.";
    Unterminated => "parse/unterminated", "Front matter opened but never closed.";
    Yaml => "parse/yaml", "A YAML syntax error.";
    NotMapping => "parse/not-mapping", "Front matter that is not a mapping.";
    Encoding => "parse/encoding", "A file that is not valid UTF-8 text.";
    DuplicateKey => "parse/duplicate-key", "A front matter key written twice.";
    TooLarge => "parse/too-large", "A file too large to be a record.";
    Symlink => "parse/symlink", "A symlink that leads outside the repository or cannot be read.";
    Unreadable => "parse/unreadable", "A file that could not be read.";
    MissingField => "schema/missing-field", "A required field absent or empty.";
    Type => "schema/type", "A value of the wrong type.";
    Enum => "schema/enum", "A value outside its enum, including `status`.";
    IdFormat => "schema/id-format", "An id that does not match the kind's pattern.";
    UnknownField => "schema/unknown-field", "A field the schema does not know.";
    MissingSection => "schema/missing-section", "A required section absent.";
    Placeholder => "schema/placeholder", "A required field still holding the template's `TODO` text after the first status.";
    DuplicateId => "ref/duplicate-id", "Two records share an id.";
    Dangling => "ref/dangling", "A reference to an id that does not exist.";
    WrongKind => "ref/wrong-kind", "A reference to an id of the wrong kind.";
    SupersedeMismatch => "ref/supersede-mismatch", "`superseded_by` and `supersedes` disagree.";
    TargetStatus => "ref/target-status", "A referenced record in a status the rule forbids (a successor not in force).";
    BrokenLink => "link/broken", "A relative link to a file that does not exist.";
    Transition => "history/transition", "A status change the kind does not allow.";
    Frozen => "history/frozen", "A frozen section or field changed.";
    IdChanged => "history/id-changed", "A file kept its path but changed its id.";
    IdCollision => "history/id-collision", "An id added on this branch that the base gives to another record.";
    ReviewDue => "review/due", "A record whose review date has passed, in a status the schema reviews.";
    WipLimit => "wip/limit", "A person holding more records in a status than the schema's limit.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown code `{text}`")))
    }
}

/// One finding about one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code.
    pub code: Code,
    /// Repository-relative path with `/`.
    pub file: String,
    /// 1-based line: the key's, the heading's, or 1.
    pub line: usize,
    /// The record's id, when known.
    pub id: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
    /// The commit of a branch that made the change a history rule forbids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<Box<str>>,
    /// What in the record the finding is about — a field's key, a
    /// section's name, a link's target — so that the same finding can be
    /// recognised in another revision whatever line it moved to.
    #[serde(skip)]
    pub subject: Option<Box<str>>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: Code, file: &str, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.to_string(),
            line: line.max(1),
            id: None,
            message: message.into(),
            commit: None,
            subject: None,
        }
    }

    /// A warning.
    pub fn warning(code: Code, file: &str, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, line, message)
        }
    }

    /// The same finding, tied to a record id.
    pub fn with_id(mut self, id: Option<&str>) -> Self {
        self.id = id.map(str::to_string);
        self
    }

    /// The same finding, about this field, section or link target.
    pub fn about(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into().into_boxed_str());
        self
    }

    /// What identifies the finding across revisions: the record (its id,
    /// else its file), the code, and its subject (else its message) — not
    /// its line, which an edit above it moves.
    pub fn identity(&self) -> (&str, Code, &str) {
        (
            self.id.as_deref().unwrap_or(&self.file),
            self.code,
            self.subject.as_deref().unwrap_or(&self.message),
        )
    }
}

/// Sorts findings by file, then line, then code, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.file.as_str(), a.line, a.code, &a.message).cmp(&(
            b.file.as_str(),
            b.line,
            b.code,
            &b.message,
        ))
    });
}

/// "did you mean `x`?" for the candidate nearest to `word`, if any is close.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// "did you mean `EXP-0012`?" for an id one typo away from a known one (a
/// wrong, missing, extra or swapped character). Ids share their prefix, so
/// a looser similarity would suggest any id of the kind.
pub fn did_you_mean_id<'a>(id: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let upper = id.to_uppercase();
    known
        .into_iter()
        // A log has thousands of ids: most are ruled out without a distance.
        .filter(|k| maybe_one_edit(&upper, k))
        .map(|k| (strsim::damerau_levenshtein(&upper, &k.to_uppercase()), k))
        .filter(|(distance, _)| *distance <= 1)
        .min_by_key(|(distance, k)| (*distance, *k))
        .map(|(_, k)| k)
}

/// Whether `k` may be at most one edit (a wrong, missing, extra or
/// swapped character) from `upper` (already upper case), ignoring case: a
/// quick test that never says no when the distance is 0 or 1. For ASCII
/// text it compares bytes; other text always passes.
fn maybe_one_edit(upper: &str, k: &str) -> bool {
    if !upper.is_ascii() || !k.is_ascii() {
        return true;
    }
    let (a, b) = (upper.as_bytes(), k.as_bytes());
    let same = |x: &u8, y: &u8| x.eq_ignore_ascii_case(y);
    match a.len().abs_diff(b.len()) {
        // A substitution differs in one place, a swap in two.
        0 => a.iter().zip(b).filter(|(x, y)| !same(x, y)).count() <= 2,
        // An insertion or deletion: what comes before it and after it agree.
        1 => {
            let shorter = a.len().min(b.len());
            let head = a.iter().zip(b).take_while(|(x, y)| same(x, y)).count();
            let tail = a
                .iter()
                .rev()
                .zip(b.iter().rev())
                .take_while(|(x, y)| same(x, y))
                .count();
            head + tail >= shorter
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_near_misses_only() {
        let statuses = ["planned", "running", "done", "abandoned"];
        assert_eq!(did_you_mean("runing", statuses), Some("running"));
        assert_eq!(did_you_mean("Done", statuses), Some("done"));
        assert_eq!(did_you_mean("xyzzy", statuses), None);
    }

    #[test]
    fn id_suggestions_need_a_single_typo() {
        let ids = ["EXP-0012", "EXP-0021", "EIP-1559"];
        assert_eq!(did_you_mean_id("EXP-0102", ids), Some("EXP-0012"));
        assert_eq!(did_you_mean_id("EXP-0345", ids), None);
        assert_eq!(did_you_mean_id("EXP-0013", ids), Some("EXP-0012"));
        assert_eq!(did_you_mean_id("exp-0012", ids), Some("EXP-0012"));
        assert_eq!(did_you_mean_id("EIP-9999", ids), None);
    }

    #[test]
    fn the_quick_test_keeps_every_id_one_edit_away() {
        let words = [
            "EXP-0012",
            "EXP-0021",
            "exp-0012",
            "EXP-012",
            "EXP-00012",
            "EXP-1012",
            "XEP-0012",
            "EXP0012",
            "EXP-0012X",
            "EIP-1559",
            "Ærø-0001",
            "ÆRØ-0001",
            "",
            "E",
        ];
        for a in words {
            for b in words {
                let upper = a.to_uppercase();
                let distance = strsim::damerau_levenshtein(&upper, &b.to_uppercase());
                if distance <= 1 {
                    assert!(maybe_one_edit(&upper, b), "{a} {b}");
                }
            }
        }
        assert!(!maybe_one_edit("EXP-0012", "EXP-3456"));
        assert!(!maybe_one_edit("EXP-0012", "EXP-001234"));
    }

    #[test]
    fn codes_are_unique() {
        let mut texts: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), Code::ALL.len());
    }
}
