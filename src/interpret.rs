//! Pure graph walking: (graph, node, outcome or choice) → next node. Never spawns,
//! never prints, never reads a file: the session loop asks, this module answers.
//!
//! Rules (the README's "How a run walks the graph" is written from these):
//! - After a step, the edge matching its outcome is taken, else its `next` edge:
//!   `ok` → `ok`; `fail`, `timeout`, `error` → `fail`; `find` → `find:<label>` (the label
//!   of the first finding, matched exactly, then case-insensitively, then a `find:*` or
//!   bare `find:` edge), else `fail` (trouble found is a failed verification).
//!   A skipped step has no outcome to branch on: `next`, else `ok` (the path a healthy
//!   system takes).
//! - The graph is explicit: a node with no edge to follow ends the walk. The parser
//!   writes the document-order `next` edges; falling back to document order here would
//!   run `# Option 1/2/3` alternatives as a sequence.
//! - A decision takes exactly one choice, by label; the walk never visits two choices.
//! - `end` (the id or a node of kind `end`) finishes the walk.
//! - A run is resolved only by evidence (see [`Progress::suggested_status`]).

use crate::graph::{Choice, EdgeOn, Node, NodeKind, Playbook, END};
use crate::incident::event::{Event, EventBody, Milestone, SessionStatus};
use crate::judge::Outcome;
use std::collections::{BTreeSet, VecDeque};

/// How many times one node may come up in a walk before it is called a loop
/// (retry loops such as "wait, check again" are legitimate; endless ones are not).
pub const MAX_VISITS: usize = 5;

/// Where the walk goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Node(String),
    End,
}

/// The graph is malformed where the walk needed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalkError {
    #[error("step `{from}` leads to `{to}`, which is not a step of this playbook")]
    Dangling { from: String, to: String },
    #[error("`{answer}` is not a choice of decision `{node}` (choices: {})", .choices.join(", "))]
    UnknownChoice {
        node: String,
        answer: String,
        choices: Vec<String>,
    },
}

/// The next node after a step that ended with `outcome` (`finding`: the label that made
/// it `find`).
pub fn next_after(
    playbook: &Playbook,
    node: &Node,
    outcome: Outcome,
    finding: Option<&str>,
) -> Result<Next, WalkError> {
    let edges: Vec<&EdgeOn> = playbook.edges_from(&node.id).map(|e| &e.on).collect();
    let wanted = match outcome {
        Outcome::Ok => pick(&edges, &[EdgeOn::Ok, EdgeOn::Next]),
        Outcome::Fail | Outcome::Timeout | Outcome::Error => {
            pick(&edges, &[EdgeOn::Fail, EdgeOn::Next])
        }
        Outcome::Find => find_edge(&edges, finding.unwrap_or(""))
            .or_else(|| pick(&edges, &[EdgeOn::Fail, EdgeOn::Next])),
        Outcome::Skipped => pick(&edges, &[EdgeOn::Next, EdgeOn::Ok]),
    };
    match wanted {
        None => Ok(Next::End),
        Some(on) => {
            let to = playbook
                .edges_from(&node.id)
                .find(|e| &e.on == on)
                .map(|e| e.to.as_str())
                .unwrap_or(END);
            target(playbook, &node.id, to)
        }
    }
}

/// The first of `preferred` that is among `edges`.
fn pick<'a>(edges: &[&'a EdgeOn], preferred: &[EdgeOn]) -> Option<&'a EdgeOn> {
    preferred
        .iter()
        .find_map(|p| edges.iter().copied().find(|e| *e == p))
}

fn find_edge<'a>(edges: &[&'a EdgeOn], label: &str) -> Option<&'a EdgeOn> {
    let finds = || {
        edges.iter().copied().filter_map(|e| match e {
            EdgeOn::Find(l) => Some((e, l.as_str())),
            _ => None,
        })
    };
    finds()
        .find(|(_, l)| *l == label)
        .or_else(|| finds().find(|(_, l)| l.eq_ignore_ascii_case(label)))
        .or_else(|| finds().find(|(_, l)| l.is_empty() || *l == "*"))
        .map(|(e, _)| e)
}

/// Resolves an edge or choice target: `end`, a node of kind `end`, or an existing node.
fn target(playbook: &Playbook, from: &str, to: &str) -> Result<Next, WalkError> {
    if to == END {
        return Ok(Next::End);
    }
    match playbook.node(to) {
        Some(n) if n.kind == NodeKind::End => Ok(Next::End),
        Some(n) => Ok(Next::Node(n.id.clone())),
        None => Err(WalkError::Dangling {
            from: from.to_string(),
            to: to.to_string(),
        }),
    }
}

/// The choices of a decision: its own list, else its `choice:<label>` edges.
pub fn choices(playbook: &Playbook, node: &Node) -> Vec<Choice> {
    if !node.choices.is_empty() {
        return node.choices.clone();
    }
    playbook
        .edges_from(&node.id)
        .filter_map(|e| match &e.on {
            EdgeOn::Choice(label) => Some(Choice {
                label: label.clone(),
                to: e.to.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// The choice an answer names: its label (exactly, then ignoring case and accents),
/// its target step id, or its 1-based position.
pub fn match_choice(choices: &[Choice], answer: &str) -> Option<Choice> {
    let answer = answer.trim();
    let folded = fold(answer);
    choices
        .iter()
        .find(|c| c.label == answer)
        .or_else(|| choices.iter().find(|c| fold(&c.label) == folded))
        .or_else(|| choices.iter().find(|c| c.to == answer))
        .or_else(|| {
            let n: usize = answer.parse().ok()?;
            choices.get(n.checked_sub(1)?)
        })
        .cloned()
}

fn fold(s: &str) -> String {
    deunicode::deunicode(s).trim().to_lowercase()
}

/// The next node after taking `answer` at a decision.
pub fn after_choice(playbook: &Playbook, node: &Node, answer: &str) -> Result<Next, WalkError> {
    let all = choices(playbook, node);
    let choice = match_choice(&all, answer).ok_or_else(|| WalkError::UnknownChoice {
        node: node.id.clone(),
        answer: answer.to_string(),
        choices: all.iter().map(|c| c.label.clone()).collect(),
    })?;
    target(playbook, &node.id, &choice.to)
}

/// Whether the walk stops at a decision for an answer (a decision with one choice, or
/// none, needs nobody).
pub fn needs_answer(playbook: &Playbook, node: &Node) -> bool {
    node.kind == NodeKind::Decision && choices(playbook, node).len() > 1
}

/// Every node a run could visit, in breadth-first order from `from` (default: the
/// start): all outcome edges are followed; at a decision, only the choice `decide`
/// returns, or every choice when it returns `None` (so what lies on any path is seen).
pub fn reachable<'a>(
    playbook: &'a Playbook,
    from: Option<&str>,
    decide: &dyn Fn(&Node) -> Option<Choice>,
) -> Vec<&'a Node> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let first = match from {
        Some(id) => playbook.node(id),
        None => playbook.start(),
    };
    let mut queue: VecDeque<&Node> = first.into_iter().collect();
    while let Some(node) = queue.pop_front() {
        if !seen.insert(node.id.as_str()) {
            continue;
        }
        order.push(node);
        let targets: Vec<String> = if node.kind == NodeKind::Decision {
            match decide(node) {
                Some(choice) => vec![choice.to],
                None => choices(playbook, node).into_iter().map(|c| c.to).collect(),
            }
        } else {
            playbook
                .edges_from(&node.id)
                .map(|e| e.to.clone())
                .collect()
        };
        queue.extend(targets.iter().filter_map(|to| playbook.node(to)));
    }
    order
}

/// The path `--dry-run` shows: every check assumed ok, decisions as answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Node ids in the order they would run.
    pub path: Vec<String>,
    pub stop: PlanStop,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlanStop {
    End,
    /// A decision nobody answered: the walk cannot know which way it goes.
    Undecided {
        node: String,
        choices: Vec<Choice>,
    },
    /// The ok-path comes back to a node it already visited.
    Loop {
        node: String,
    },
    Broken(WalkError),
}

pub fn plan(playbook: &Playbook, decide: &dyn Fn(&Node) -> Option<Choice>) -> Plan {
    let mut path = Vec::new();
    let mut current = playbook.start().map(|n| n.id.clone());
    while let Some(id) = current.take() {
        let Some(node) = playbook.node(&id) else {
            break;
        };
        if node.kind == NodeKind::End {
            break;
        }
        if path.contains(&id) {
            return Plan {
                path,
                stop: PlanStop::Loop { node: id },
            };
        }
        path.push(id.clone());
        let next = if node.kind == NodeKind::Decision && !choices(playbook, node).is_empty() {
            match decide(node).or_else(|| only_choice(playbook, node)) {
                Some(choice) => target(playbook, &id, &choice.to),
                None => {
                    return Plan {
                        path,
                        stop: PlanStop::Undecided {
                            node: id,
                            choices: choices(playbook, node),
                        },
                    }
                }
            }
        } else {
            next_after(playbook, node, Outcome::Ok, None)
        };
        match next {
            Ok(Next::Node(n)) => current = Some(n),
            Ok(Next::End) => {}
            Err(e) => {
                return Plan {
                    path,
                    stop: PlanStop::Broken(e),
                }
            }
        }
    }
    Plan {
        path,
        stop: PlanStop::End,
    }
}

/// The choice of a decision that has exactly one.
pub fn only_choice(playbook: &Playbook, node: &Node) -> Option<Choice> {
    let all = choices(playbook, node);
    match all.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Why a step was not run (`step_finished.reason`).
pub mod reason {
    /// A destructive step held back: no --allow-destructive, no confirmation.
    pub const DESTRUCTIVE: &str = "destructive";
    /// An interactive step (REPL) in an unattended run.
    pub const INTERACTIVE: &str = "interactive";
    /// Marked `skip` in the playbook.
    pub const MARKED_SKIP: &str = "skip";
    /// Skipped by the answers file.
    pub const ANSWERS: &str = "answers";
    /// Skipped by the person at the prompt.
    pub const PERSON: &str = "person";
    /// A manual step nobody confirmed as done.
    pub const MANUAL_PENDING: &str = "manual-pending";
}

/// What a session has established so far, folded from its events: where it is, and
/// the evidence that decides how it may end. `resume` rebuilds it from events.jsonl,
/// so the live loop and a resumed one reach the same conclusion.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Step started and not finished: the step to run again on resume.
    pub unfinished: Option<String>,
    /// Where the walk continues after the last finished step or decision
    /// (`Some(None)`: it reached the end).
    pub continue_at: Option<Option<String>>,
    /// Outcome of the last check that ran (skipped checks prove nothing).
    pub last_check: Option<Outcome>,
    /// Outcome of the last command (check or action) that ran.
    pub last_command: Option<Outcome>,
    /// Steps that were held back because they are destructive.
    pub held_back: Vec<String>,
    pub manual_done: usize,
    pub manual_pending: Vec<String>,
    /// An action ran since the last failed check (so an ok check now means mitigated).
    pub acted: bool,
    pub mitigated: bool,
    pub ended: Option<SessionStatus>,
}

impl Progress {
    pub fn from_events<'a>(
        playbook: &Playbook,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Self {
        let mut p = Progress::default();
        for e in events {
            p.apply(playbook, &e.body);
        }
        p
    }

    pub fn apply(&mut self, playbook: &Playbook, body: &EventBody) {
        match body {
            EventBody::SessionStarted { .. } => self.ended = None,
            EventBody::StepStarted { step, .. } => {
                self.unfinished = Some(step.clone());
            }
            EventBody::StepFinished {
                step,
                outcome,
                next,
                reason,
                command,
                ..
            } => {
                self.unfinished = None;
                self.continue_at = Some(next.clone().filter(|n| n != END));
                let kind = playbook.node(step).map(|n| n.kind);
                self.record_outcome(step, kind, *outcome, command.is_some(), reason.as_deref());
            }
            EventBody::Decision { to, .. } => {
                self.continue_at = Some(Some(to.clone()).filter(|n| n != END));
            }
            EventBody::Milestone {
                milestone: Milestone::Mitigated,
            } => self.mitigated = true,
            EventBody::SessionEnded { status, .. } => self.ended = Some(*status),
            _ => {}
        }
    }

    fn record_outcome(
        &mut self,
        step: &str,
        kind: Option<NodeKind>,
        outcome: Outcome,
        ran_command: bool,
        reason: Option<&str>,
    ) {
        if outcome == Outcome::Skipped {
            match reason {
                Some(reason::DESTRUCTIVE) => self.held_back.push(step.to_string()),
                Some(reason::MANUAL_PENDING) => self.manual_pending.push(step.to_string()),
                _ => {}
            }
            return;
        }
        if !ran_command {
            // A manual step confirmed done.
            self.manual_done += 1;
            self.acted = true;
            return;
        }
        self.last_command = Some(outcome);
        match kind {
            Some(NodeKind::Check) => {
                self.last_check = Some(outcome);
                if outcome != Outcome::Ok {
                    self.acted = false;
                }
            }
            _ => self.acted = true,
        }
    }

    /// Whether the check that just finished ok proves an earlier action worked.
    pub fn newly_mitigated(&self) -> bool {
        !self.mitigated && self.acted && self.last_check == Some(Outcome::Ok)
    }

    /// Whether what ran last proves the trouble gone: the last check was ok and no
    /// command (an action) failed after it, with nothing destructive held back.
    pub fn fixed(&self) -> bool {
        self.held_back.is_empty()
            && self.last_check == Some(Outcome::Ok)
            && self.last_command == Some(Outcome::Ok)
    }

    /// How a run that reached the end may close, from the evidence:
    /// - a destructive step held back → unresolved;
    /// - else if any check ran: resolved iff the last check was ok and no action
    ///   failed after it;
    /// - else if any command ran: resolved iff the last command was ok;
    /// - else (only manual steps): resolved iff every manual step was confirmed done and
    ///   at least one was.
    pub fn suggested_status(&self) -> SessionStatus {
        let resolved = if !self.held_back.is_empty() {
            false
        } else if self.last_check.is_some() {
            self.fixed()
        } else if let Some(command) = self.last_command {
            command == Outcome::Ok
        } else {
            self.manual_done > 0 && self.manual_pending.is_empty()
        };
        if resolved {
            SessionStatus::Resolved
        } else {
            SessionStatus::Unresolved
        }
    }

    /// The node a resumed session runs first: the unfinished step, else where the last
    /// finished one led, else the start. `None`: the walk already reached the end.
    pub fn resume_point(&self, playbook: &Playbook) -> Option<String> {
        if let Some(step) = &self.unfinished {
            return Some(step.clone());
        }
        match &self.continue_at {
            Some(next) => next.clone(),
            None => playbook.start().map(|n| n.id.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Edge;
    use chrono::Utc;

    fn node(id: &str, kind: NodeKind) -> Node {
        Node::new(id, kind, id.to_uppercase(), 1)
    }

    fn edge(from: &str, to: &str, on: &str) -> Edge {
        Edge {
            from: from.into(),
            to: to.into(),
            on: EdgeOn::try_from(on.to_string()).unwrap(),
        }
    }

    /// check `a` (ok→b, fail→fix, find:oom→oom) ; `b` decision (Yes→c, No→end);
    /// `c` action → end; `fix` action → a; `oom` manual → end.
    fn sample() -> Playbook {
        let mut b = node("b", NodeKind::Decision);
        b.choices = vec![
            Choice {
                label: "Yes".into(),
                to: "c".into(),
            },
            Choice {
                label: "No".into(),
                to: END.into(),
            },
        ];
        Playbook {
            id: "p".into(),
            nodes: vec![
                node("a", NodeKind::Check),
                b,
                node("c", NodeKind::Action),
                node("fix", NodeKind::Action),
                node("oom", NodeKind::Manual),
                node("end", NodeKind::End),
            ],
            edges: vec![
                edge("a", "b", "ok"),
                edge("a", "fix", "fail"),
                edge("a", "oom", "find:OOM"),
                edge("b", "c", "choice:Yes"),
                edge("b", "end", "choice:No"),
                edge("c", "end", "next"),
                edge("fix", "a", "next"),
                edge("oom", "end", "next"),
            ],
            ..Playbook::default()
        }
    }

    fn next(p: &Playbook, id: &str, outcome: Outcome, finding: Option<&str>) -> Next {
        next_after(p, p.node(id).unwrap(), outcome, finding).unwrap()
    }

    fn at(id: &str) -> Next {
        Next::Node(id.into())
    }

    #[test]
    fn outcome_edges() {
        let p = sample();
        assert_eq!(next(&p, "a", Outcome::Ok, None), at("b"));
        assert_eq!(next(&p, "a", Outcome::Fail, None), at("fix"));
        assert_eq!(next(&p, "a", Outcome::Timeout, None), at("fix"));
        assert_eq!(next(&p, "a", Outcome::Error, None), at("fix"));
        assert_eq!(next(&p, "a", Outcome::Find, Some("OOM")), at("oom"));
        assert_eq!(next(&p, "a", Outcome::Find, Some("oom")), at("oom"));
        // An unknown finding is trouble: the fail edge.
        assert_eq!(next(&p, "a", Outcome::Find, Some("disk")), at("fix"));
        // Skipped: no next edge, so the ok path.
        assert_eq!(next(&p, "a", Outcome::Skipped, None), at("b"));
        assert_eq!(next(&p, "c", Outcome::Ok, None), Next::End);
        assert_eq!(next(&p, "fix", Outcome::Fail, None), at("a"));
    }

    #[test]
    fn next_edge_is_the_fallback_and_no_edge_ends() {
        let mut p = sample();
        p.edges.push(edge("oom", "c", "ok"));
        assert_eq!(next(&p, "oom", Outcome::Ok, None), at("c"));
        assert_eq!(next(&p, "oom", Outcome::Fail, None), Next::End);
        p.edges.retain(|e| e.from != "oom");
        assert_eq!(next(&p, "oom", Outcome::Ok, None), Next::End);
    }

    #[test]
    fn wildcard_find_edge() {
        let mut p = sample();
        p.edges.push(edge("c", "fix", "find:*"));
        assert_eq!(next(&p, "c", Outcome::Find, Some("anything")), at("fix"));
    }

    #[test]
    fn dangling_target_is_an_error() {
        let mut p = sample();
        p.edges.push(edge("oom", "nowhere", "ok"));
        let err = next_after(&p, p.node("oom").unwrap(), Outcome::Ok, None).unwrap_err();
        assert!(err.to_string().contains("nowhere"), "{err}");
    }

    #[test]
    fn decisions_by_label_id_or_position() {
        let p = sample();
        let b = p.node("b").unwrap();
        assert_eq!(after_choice(&p, b, "Yes").unwrap(), at("c"));
        assert_eq!(after_choice(&p, b, " yes ").unwrap(), at("c"));
        assert_eq!(after_choice(&p, b, "c").unwrap(), at("c"));
        assert_eq!(after_choice(&p, b, "2").unwrap(), Next::End);
        assert_eq!(after_choice(&p, b, "No").unwrap(), Next::End);
        let err = after_choice(&p, b, "Maybe").unwrap_err();
        assert!(err.to_string().contains("Yes, No"), "{err}");
        assert!(after_choice(&p, b, "0").is_err());
        assert!(needs_answer(&p, b));
    }

    #[test]
    fn accents_fold_in_labels() {
        let choices = vec![Choice {
            label: "Sí".into(),
            to: "x".into(),
        }];
        assert_eq!(match_choice(&choices, "si").unwrap().to, "x");
    }

    #[test]
    fn choices_from_edges_when_the_node_lists_none() {
        let mut p = sample();
        p.nodes[1].choices.clear();
        let b = p.node("b").unwrap();
        let labels: Vec<_> = choices(&p, b).into_iter().map(|c| c.label).collect();
        assert_eq!(labels, ["Yes", "No"]);
        assert_eq!(after_choice(&p, b, "yes").unwrap(), at("c"));
    }

    #[test]
    fn reachable_follows_every_outcome_and_the_answered_choice() {
        let p = sample();
        let ids = |v: Vec<&Node>| v.into_iter().map(|n| n.id.clone()).collect::<Vec<_>>();
        let all = ids(reachable(&p, None, &|_| None));
        assert_eq!(ids(reachable(&p, Some("oom"), &|_| None)), ["oom", "end"]);
        assert_eq!(all, ["a", "b", "fix", "oom", "c", "end"]);
        let no = ids(reachable(&p, None, &|n| {
            match_choice(&choices(&p, n), "No")
        }));
        assert!(!no.contains(&"c".to_string()), "{no:?}");
    }

    #[test]
    fn plan_assumes_ok_and_stops_at_unanswered_decisions() {
        let p = sample();
        let plan = plan(&p, &|_| None);
        assert_eq!(plan.path, ["a", "b"]);
        assert!(
            matches!(plan.stop, PlanStop::Undecided { ref node, ref choices } if node == "b" && choices.len() == 2)
        );
        let yes = super::plan(&p, &|n| match_choice(&choices(&p, n), "Yes"));
        assert_eq!(yes.path, ["a", "b", "c"]);
        assert_eq!(yes.stop, PlanStop::End);
    }

    #[test]
    fn plan_detects_an_ok_loop() {
        let mut p = sample();
        p.edges.push(edge("c", "a", "ok"));
        let plan = plan(&p, &|n| match_choice(&choices(&p, n), "Yes"));
        assert_eq!(plan.stop, PlanStop::Loop { node: "a".into() });
    }

    fn ev(body: EventBody) -> Event {
        Event {
            seq: 0,
            ts: Utc::now(),
            actor: "runbook".into(),
            body,
        }
    }

    fn finished(step: &str, outcome: Outcome, next: Option<&str>, reason: Option<&str>) -> Event {
        ev(EventBody::StepFinished {
            step: step.into(),
            title: step.into(),
            command: (reason.is_none() && step != "oom").then(|| "true".to_string()),
            exit_code: None,
            duration_ms: 1,
            outcome,
            finding: None,
            output: String::new(),
            failed: vec![],
            diff: None,
            next: next.map(String::from),
            reason: reason.map(String::from),
        })
    }

    fn started(step: &str) -> Event {
        ev(EventBody::StepStarted {
            step: step.into(),
            title: step.into(),
            command: None,
        })
    }

    #[test]
    fn resolved_only_when_the_last_check_is_ok() {
        let p = sample();
        let failed_then_fixed = [
            started("a"),
            finished("a", Outcome::Fail, Some("fix"), None),
            started("fix"),
            finished("fix", Outcome::Ok, Some("a"), None),
        ];
        let mut progress = Progress::from_events(&p, &failed_then_fixed);
        assert_eq!(progress.suggested_status(), SessionStatus::Unresolved);
        assert_eq!(progress.resume_point(&p).as_deref(), Some("a"));
        progress.apply(&p, &started("a").body);
        progress.apply(&p, &finished("a", Outcome::Ok, Some("b"), None).body);
        assert!(progress.newly_mitigated());
        assert_eq!(progress.suggested_status(), SessionStatus::Resolved);
    }

    #[test]
    fn a_failed_action_after_an_ok_check_is_not_fixed() {
        let p = sample();
        let events = [
            started("a"),
            finished("a", Outcome::Ok, Some("fix"), None),
            started("fix"),
            finished("fix", Outcome::Fail, Some("b"), None),
        ];
        let progress = Progress::from_events(&p, &events);
        assert!(!progress.fixed());
        assert_eq!(progress.suggested_status(), SessionStatus::Unresolved);
    }

    #[test]
    fn held_back_destructive_step_means_unresolved() {
        let p = sample();
        let events = [
            started("a"),
            finished("a", Outcome::Ok, Some("b"), None),
            started("c"),
            finished("c", Outcome::Skipped, None, Some(reason::DESTRUCTIVE)),
        ];
        let progress = Progress::from_events(&p, &events);
        assert_eq!(progress.held_back, ["c"]);
        assert_eq!(progress.suggested_status(), SessionStatus::Unresolved);
        assert_eq!(progress.resume_point(&p), None);
    }

    #[test]
    fn unfinished_step_is_the_resume_point() {
        let p = sample();
        let events = [
            started("a"),
            finished("a", Outcome::Fail, Some("fix"), None),
            started("fix"),
        ];
        let progress = Progress::from_events(&p, &events);
        assert_eq!(progress.resume_point(&p).as_deref(), Some("fix"));
        assert_eq!(Progress::default().resume_point(&p).as_deref(), Some("a"));
    }

    #[test]
    fn manual_only_runs_need_every_step_confirmed() {
        let p = sample();
        let done = [started("oom"), finished("oom", Outcome::Ok, None, None)];
        assert_eq!(
            Progress::from_events(&p, &done).suggested_status(),
            SessionStatus::Resolved
        );
        let pending = [
            started("oom"),
            finished("oom", Outcome::Skipped, None, Some(reason::MANUAL_PENDING)),
        ];
        assert_eq!(
            Progress::from_events(&p, &pending).suggested_status(),
            SessionStatus::Unresolved
        );
        assert_eq!(
            Progress::default().suggested_status(),
            SessionStatus::Unresolved
        );
    }
}
