//! `list`, `show`, `graph`: views of parsed playbooks.
// OWNER: parser helper. Stub until implemented.

use crate::cli::{Global, GraphArgs, ListArgs, ShowArgs};
use crate::error::{Error, Result};

pub fn list(_g: &Global, _a: &ListArgs) -> Result<i32> {
    Err(Error::Other("list: not implemented yet".into()))
}

pub fn show(_g: &Global, _a: &ShowArgs) -> Result<i32> {
    Err(Error::Other("show: not implemented yet".into()))
}

pub fn graph(_g: &Global, _a: &GraphArgs) -> Result<i32> {
    Err(Error::Other("graph: not implemented yet".into()))
}
