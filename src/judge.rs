//! Judging a command's output against the expectations and findings of its step.

use serde::{Deserialize, Serialize};

/// How a step ended (SPEC §4 `step_finished.outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Fail,
    Find,
    Timeout,
    Skipped,
    Error,
}

/// A finding that held, with the output lines that matched it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingHit {
    pub label: String,
    pub lines: Vec<String>,
}

/// The judgement of one run of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub outcome: Outcome,
    /// Human descriptions of the expectations that did not hold.
    pub failed: Vec<String>,
    /// Expected vs actual, as a unified diff, when an expectation on text failed.
    pub diff: Option<String>,
    pub findings: Vec<FindingHit>,
}

impl Verdict {
    /// The label of the first finding, which names the `find:<label>` edge to take.
    pub fn finding_label(&self) -> Option<&str> {
        self.findings.first().map(|f| f.label.as_str())
    }
}
