//! Finding playbooks: `--playbooks DIR`, RUNBOOK_PATH, ./playbooks, the built-in ones;
//! ids, paths and `FILE#section-slug`; "did you mean" suggestions.
// OWNER: parser helper. Stub until implemented.

use crate::cli::Global;
use crate::error::{Error, Result};
use crate::graph::Playbook;

/// The playbook a user named on the command line.
pub fn resolve(_global: &Global, name: &str) -> Result<Playbook> {
    Err(Error::NotFound {
        name: name.to_string(),
        suggestions: Vec::new(),
    })
}

/// Every playbook on the search path, first occurrence of an id wins.
pub fn all(_global: &Global) -> Result<Vec<Playbook>> {
    Ok(Vec::new())
}
