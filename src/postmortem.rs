//! The postmortem draft: handlebars over the event log.
// OWNER: record helper. Stub until implemented.

use crate::cli::{Global, PostmortemArgs};
use crate::error::{Error, Result};

pub fn command(_g: &Global, _a: &PostmortemArgs) -> Result<i32> {
    Err(Error::Other("postmortem: not implemented yet".into()))
}
