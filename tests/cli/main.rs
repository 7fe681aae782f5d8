//! The integration tests: every scenario runs the real `cairn` binary in a
//! temporary folder or git repository built by the test itself.

mod support;
mod validate;
mod bad_input;
mod new_init;
