//! cairn keeps the research records of an applied-ML team — scopes,
//! experiment specs and decision logs — as Markdown files with YAML front
//! matter in the project's git repository, and validates, diffs and
//! summarizes them.
//!
//! The library never prints: it returns models (`Diagnostic`, changes,
//! summaries) that the binary renders.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod cache;
pub mod calendar;
pub mod check;
pub mod config;
pub mod containment;
pub mod diagnostic;
pub mod diff;
pub mod edit;
pub mod frontmatter;
pub mod git;
pub mod hash;
pub mod history;
pub mod index;
pub mod json_schema;
pub mod list;
pub mod log;
pub mod lsp;
pub mod markdown;
pub mod new;
pub mod practice;
pub mod project;
pub mod range;
pub mod record;
pub mod render;
pub mod report;
pub mod schema;
pub mod set;
pub mod snapshot;
pub mod summary;
pub mod template;
#[cfg(test)]
mod testing;
pub mod value;
pub mod write;
pub mod yaml;
