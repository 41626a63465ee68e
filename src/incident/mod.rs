//! The incident record: events.jsonl, log.md, `incidents`, `note`.
// OWNER: record helper. Stub until implemented.

pub mod event;

use crate::cli::{Global, IncidentsArgs, NoteArgs};
use crate::error::{Error, Result};

pub fn list_command(_g: &Global, _a: &IncidentsArgs) -> Result<i32> {
    Err(Error::Other("incidents: not implemented yet".into()))
}

pub fn note_command(_g: &Global, _a: &NoteArgs) -> Result<i32> {
    Err(Error::Other("note: not implemented yet".into()))
}
