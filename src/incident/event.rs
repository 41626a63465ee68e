//! The incident event stream: every view (screen, events.jsonl, log.md, postmortem)
//! is rendered from these.

use crate::judge::Outcome;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One line of `events.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    /// Who caused it: `runbook`, `answers`, or the user's login name.
    pub actor: String,
    #[serde(flatten)]
    pub body: EventBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    SessionStarted {
        incident: String,
        playbook: String,
        title: String,
        source: String,
        service: Option<String>,
        severity: String,
        lang: String,
        /// `guided`, `unattended` or `resumed`.
        mode: String,
        /// Names only; values never leave memory.
        variables: Vec<String>,
    },
    Symptom {
        text: String,
        #[serde(default)]
        step: Option<String>,
    },
    Hypothesis {
        /// Stable id so later events can confirm or refute it.
        id: String,
        text: String,
        state: HypothesisState,
        /// What would disprove it.
        #[serde(default)]
        disproof: Option<String>,
        #[serde(default)]
        step: Option<String>,
    },
    StepStarted {
        step: String,
        title: String,
        #[serde(default)]
        command: Option<String>,
    },
    StepFinished {
        step: String,
        title: String,
        #[serde(default)]
        command: Option<String>,
        #[serde(default)]
        exit_code: Option<i32>,
        duration_ms: u64,
        outcome: Outcome,
        /// Label of the finding that made the outcome `find`.
        #[serde(default)]
        finding: Option<String>,
        /// Excerpt of the output (head and tail), redacted.
        #[serde(default)]
        output: String,
        /// Expectations that did not hold, and the diff.
        #[serde(default)]
        failed: Vec<String>,
        #[serde(default)]
        diff: Option<String>,
        /// The node taken next.
        #[serde(default)]
        next: Option<String>,
        /// Why a step was not run (outcome `skipped`): `destructive` (held back: needs
        /// --allow-destructive or a confirmation), `interactive`, `skip` (marked skip in
        /// the playbook), `answers`, `person`, `manual-pending`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Decision {
        step: String,
        question: String,
        choice: String,
        to: String,
    },
    /// Something done: a manual step confirmed, or an action taken outside the tool.
    Action {
        text: String,
        #[serde(default)]
        step: Option<String>,
    },
    Note {
        text: String,
    },
    StatusUpdate {
        text: String,
    },
    Milestone {
        milestone: Milestone,
    },
    SessionEnded {
        status: SessionStatus,
        /// Escalation level, when escalated.
        #[serde(default)]
        level: Option<String>,
        #[serde(default)]
        summary: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HypothesisState {
    Open,
    Confirmed,
    Refuted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Milestone {
    Detected,
    Acknowledged,
    Mitigated,
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    Resolved,
    Mitigated,
    Unresolved,
    Escalated,
    Interrupted,
}

impl SessionStatus {
    /// Exit code of `run`/`resume` for a session that ended this way.
    pub fn exit_code(self) -> i32 {
        match self {
            SessionStatus::Resolved => 0,
            SessionStatus::Interrupted => 130,
            _ => 1,
        }
    }
}
