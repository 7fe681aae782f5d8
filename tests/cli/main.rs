//! The integration tests: every scenario runs the real `cairn` binary in a
//! temporary folder or git repository built by the test itself.

mod action;
mod adopt;
mod bad_input;
mod cache;
mod corpus;
mod diff;
mod follow;
mod history;
mod history_rules;
mod hostile;
mod index;
mod install_docs;
mod list;
mod lsp;
mod new_init;
mod practice;
mod precommit;
mod report;
mod schema;
mod set;
mod support;
mod validate;
