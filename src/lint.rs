//! `lint`: dangling targets, unreachable steps, undefined variables, checks without
//! expectations, unguarded destructive actions.
// OWNER: parser helper. Stub until implemented.

use crate::cli::{Global, LintArgs};
use crate::error::{Error, Result};

pub fn command(_g: &Global, _a: &LintArgs) -> Result<i32> {
    Err(Error::Other("lint: not implemented yet".into()))
}
