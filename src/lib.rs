//! cairn keeps the research records of an applied-ML team — scopes,
//! experiment specs and decision logs — as Markdown files with YAML front
//! matter in the project's git repository, and validates, diffs and
//! summarizes them.
//!
//! The library never prints: it returns models (`Diagnostic`, changes,
//! summaries) that the binary renders.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod config;
pub mod diagnostic;
pub mod frontmatter;
pub mod markdown;
pub mod schema;
pub mod value;
pub mod yaml;
pub mod check;
pub mod record;
pub mod snapshot;
