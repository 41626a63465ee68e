//! Markdown → playbooks. Authored playbooks (front matter) and real multi-incident runbooks.
// OWNER: parser helper. Stub until implemented.

use crate::error::{Error, Result};
use crate::graph::Playbook;
use std::path::Path;

/// Every playbook in a document: one for an authored playbook, one per incident section otherwise.
pub fn parse_document(_text: &str, path: &Path) -> Result<Vec<Playbook>> {
    Err(Error::Other(format!(
        "{}: parser not implemented yet",
        path.display()
    )))
}

/// Reads and parses a file (errors name the file).
pub fn parse_file(path: &Path) -> Result<Vec<Playbook>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_document(&text, path)
}
