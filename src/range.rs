//! Revision ranges as git writes them: `A..B`, and `A...B` (from the merge
//! base of A and B). Parsing is one linear scan; the sides are resolved by
//! the git module, which refuses what is not a revision.

/// A two-sided revision range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range<'a> {
    /// The older side (`HEAD` when written empty).
    pub from: &'a str,
    /// The newer side (`HEAD` when written empty).
    pub to: &'a str,
    /// Three dots: compare from the merge base of both sides.
    pub merge_base: bool,
}

impl<'a> Range<'a> {
    /// Reads `A..B` or `A...B`; an empty side is `HEAD`. `None` when `spec`
    /// is a single revision.
    pub fn parse(spec: &'a str) -> Option<Range<'a>> {
        let (from, to, merge_base) = match spec.split_once("...") {
            Some((a, b)) => (a, b, true),
            None => {
                let (a, b) = spec.split_once("..")?;
                (a, b, false)
            }
        };
        Some(Range {
            from: or_head(from),
            to: or_head(to),
            merge_base,
        })
    }
}

fn or_head(side: &str) -> &str {
    if side.is_empty() { "HEAD" } else { side }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_and_three_dots() {
        let r = |from, to, merge_base| {
            Some(Range {
                from,
                to,
                merge_base,
            })
        };
        assert_eq!(Range::parse("main..topic"), r("main", "topic", false));
        assert_eq!(Range::parse("main...topic"), r("main", "topic", true));
        assert_eq!(Range::parse("..topic"), r("HEAD", "topic", false));
        assert_eq!(Range::parse("main..."), r("main", "HEAD", true));
        assert_eq!(Range::parse("HEAD~2"), None);
        assert_eq!(Range::parse("a....b"), r("a", ".b", true));
    }
}
