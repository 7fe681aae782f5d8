//! The hash maps of the history walk, the parse cache and the cache files'
//! indexes: std's maps with foldhash's hasher instead of SipHash.
//!
//! A warm `summary` of 10,000 records and 20,000 commits spent a tenth of
//! its time in SipHash, hashing paths and blob ids. foldhash is several
//! times faster on such short keys and, like std's hasher, seeded at
//! random per process, so a repository's paths cannot be chosen to
//! collide in its tables.

/// A `HashMap` hashed by foldhash; make one with `default()`.
pub type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` hashed by foldhash; make one with `default()`.
pub type Set<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
