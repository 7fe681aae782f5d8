//! History rules of `validate --base`: what a branch did to records that
//! existed at its base.
