//! `run` and `resume`: the session loop tying graph, variables, execution, judging,
//! prompts and the incident record together.
// OWNER: interpreter helper. Stub until implemented.

use crate::cli::{Global, ResumeArgs, RunArgs};
use crate::error::{Error, Result};

pub fn run(_g: &Global, a: &RunArgs) -> Result<i32> {
    Err(Error::NotFound {
        name: a.playbook.clone().unwrap_or_default(),
        suggestions: Vec::new(),
    })
}

pub fn resume(_g: &Global, _a: &ResumeArgs) -> Result<i32> {
    Err(Error::Other("resume: not implemented yet".into()))
}
