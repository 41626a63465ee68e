//! The step graph: what the parser produces and the interpreter walks.
//! Plain serde structs; `runbook graph --format json` prints them as they are.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One incident procedure: an authored playbook or one section of a real runbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Playbook {
    pub id: String,
    pub title: String,
    /// What `run`/`show`/`graph` accept to find this playbook again: `path[#slug]` or an id.
    pub source: String,
    pub service: Option<String>,
    /// `sev1`..`sev4`, the session default.
    pub severity: Option<String>,
    /// `en` or `es`.
    pub lang: String,
    pub tags: Vec<String>,
    /// Default step timeout from front matter, in milliseconds.
    pub timeout_ms: Option<u64>,
    pub variables: Vec<Variable>,
    /// Typical causes: candidate hypotheses for the session and the postmortem.
    pub hypotheses: Vec<String>,
    /// Prevention items: follow-up actions for the postmortem.
    pub prevention: Vec<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Problems found while parsing (reported by `lint`, never fatal).
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    pub name: String,
    pub default: Option<String>,
    pub secret: bool,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Symptom,
    Check,
    Action,
    Decision,
    Manual,
    Note,
    Escalate,
    End,
}

impl NodeKind {
    /// The kind as SPEC §2 writes it (`check`, `decision`...).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Symptom => "symptom",
            NodeKind::Check => "check",
            NodeKind::Action => "action",
            NodeKind::Decision => "decision",
            NodeKind::Manual => "manual",
            NodeKind::Note => "note",
            NodeKind::Escalate => "escalate",
            NodeKind::End => "end",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub title: String,
    /// 1-based line in the source file.
    pub line: usize,
    /// Prose: the instruction of a manual step, the text of a note or symptom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(default)]
    pub destructive: bool,
    #[serde(default)]
    pub watch: bool,
    #[serde(default)]
    pub confirm: bool,
    #[serde(default)]
    pub skip: bool,
    /// A REPL transcript or an interactive client: needs the terminal, never runs unattended.
    #[serde(default)]
    pub interactive: bool,
    #[serde(default)]
    pub expect: Vec<Expectation>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub choices: Vec<Choice>,
}

impl Node {
    /// A node with only the required fields set; the rest empty.
    pub fn new(
        id: impl Into<String>,
        kind: NodeKind,
        title: impl Into<String>,
        line: usize,
    ) -> Self {
        Node {
            id: id.into(),
            kind,
            title: title.into(),
            line,
            text: None,
            command: None,
            shell: None,
            cwd: None,
            timeout_ms: None,
            destructive: false,
            watch: false,
            confirm: false,
            skip: false,
            interactive: false,
            expect: Vec::new(),
            findings: Vec::new(),
            choices: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    #[serde(rename = "type")]
    pub kind: ExpectKind,
    /// contains/exact/regex: the text; exit/status: the number; threshold: `field OP number`.
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExpectKind {
    Contains,
    Exact,
    Regex,
    Exit,
    Status,
    Threshold,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    #[serde(rename = "type")]
    pub kind: FindKind,
    pub value: String,
    /// Names the `find:<label>` edge; defaults to the value.
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindKind {
    Contains,
    Regex,
    Threshold,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub label: String,
    /// Target node id.
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub on: EdgeOn,
}

/// When an edge is taken. Serialized as `next`, `ok`, `fail`, `find:<label>`, `choice:<label>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum EdgeOn {
    Next,
    Ok,
    Fail,
    Find(String),
    Choice(String),
}

impl fmt::Display for EdgeOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EdgeOn::Next => f.write_str("next"),
            EdgeOn::Ok => f.write_str("ok"),
            EdgeOn::Fail => f.write_str("fail"),
            EdgeOn::Find(label) => write!(f, "find:{label}"),
            EdgeOn::Choice(label) => write!(f, "choice:{label}"),
        }
    }
}

impl From<EdgeOn> for String {
    fn from(on: EdgeOn) -> String {
        on.to_string()
    }
}

impl TryFrom<String> for EdgeOn {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "next" => Ok(EdgeOn::Next),
            "ok" => Ok(EdgeOn::Ok),
            "fail" => Ok(EdgeOn::Fail),
            _ => match s.split_once(':') {
                Some(("find", label)) => Ok(EdgeOn::Find(label.to_string())),
                Some(("choice", label)) => Ok(EdgeOn::Choice(label.to_string())),
                _ => Err(format!("unknown edge kind `{s}`")),
            },
        }
    }
}

/// A non-fatal problem found in a source document, with its position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

/// The id of the terminal node every graph ends in; `on-ok=end` targets it.
pub const END: &str = "end";

impl Playbook {
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The first node the interpreter visits.
    pub fn start(&self) -> Option<&Node> {
        self.nodes.first()
    }

    pub fn edges_from<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Edge> + 'a {
        self.edges.iter().filter(move |e| e.from == id)
    }

    pub fn symptoms(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.kind == NodeKind::Symptom)
    }

    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }
}
