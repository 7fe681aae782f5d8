//! What the unit tests share.

/// A xorshift generator from `seed` (not zero): the same numbers on every
/// run, so a test that feeds it random edits is still deterministic.
pub(crate) fn xorshift(mut state: u64) -> impl FnMut() -> usize {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    }
}

/// The names of the entries in `dir`, sorted: what a write left there.
pub(crate) fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
