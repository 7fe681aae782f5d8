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
