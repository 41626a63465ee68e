//! Everything a person would answer during a session, behind one trait, so the
//! session loop is the same whether a person (inquire on a terminal), an answers
//! file, or `--yes` is answering.

use crate::error::Result;
use crate::graph::{Node, Variable};
use crate::incident::event::{Event, SessionStatus};
use crate::judge::Verdict;

/// What to do with the step about to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepChoice {
    Run,
    Skip,
    /// Run this command instead (already edited by the person).
    Edit(String),
    /// Record a note, then ask again.
    Note(String),
    /// Record a manual action taken outside the tool, then ask again.
    ManualAction(String),
    /// Record a status update, then ask again.
    StatusUpdate(String),
    Abort,
}

/// A hypothesis the person records after a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HypothesisInput {
    pub text: String,
    /// What would disprove it.
    pub disproof: Option<String>,
}

/// How the person closes the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub status: SessionStatus,
    /// Escalation level when escalated (e.g. "Level 2 - On-Call Engineer").
    pub level: Option<String>,
    pub summary: Option<String>,
}

pub trait Prompter {
    /// Whether a person is answering (guided) or not (answers file / --yes).
    fn is_interactive(&self) -> bool;

    /// A value for a variable no source provided. `None`: still missing.
    fn variable(&mut self, var: &Variable) -> Result<Option<String>>;

    /// Which of the playbook's symptoms are observed (node ids).
    fn observed_symptoms(&mut self, symptoms: &[&Node]) -> Result<Vec<String>>;

    /// The session severity, `sev1`..`sev4`.
    fn severity(&mut self, default: &str) -> Result<String>;

    /// Before a command runs: run, skip, edit, note, abort...
    fn before_step(&mut self, node: &Node, command: &str) -> Result<StepChoice>;

    /// Whether a destructive command may run.
    fn confirm_destructive(&mut self, node: &Node, command: &str) -> Result<bool>;

    /// After a check: shown the verdict, optionally record a hypothesis.
    /// `suggested` is pre-filled from what was found.
    fn after_check(
        &mut self,
        node: &Node,
        verdict: &Verdict,
        suggested: Option<&str>,
    ) -> Result<Option<HypothesisInput>>;

    /// The label of the choice taken at a decision node. `None`: no answer available.
    fn decide(&mut self, node: &Node) -> Result<Option<String>>;

    /// A manual step: `true` once done, `false` if skipped.
    fn manual(&mut self, node: &Node) -> Result<bool>;

    /// A status update is due: `draft` is prepared from the log; returns the text to record.
    fn status_update(&mut self, draft: &str) -> Result<Option<String>>;

    /// How the session ends; `suggested` is what the interpreter concluded.
    fn finish(&mut self, suggested: SessionStatus) -> Result<Ending>;

    /// Every event, right after it is recorded (already redacted). The guided prompter
    /// keeps them to draft status updates and to time reminders by severity;
    /// prompters that need nothing from the log ignore them.
    fn observe(&mut self, _event: &Event) {}
}
