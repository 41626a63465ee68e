//! What attaches to the last command: expected text and output, look-for findings,
//! result sentences and sample output.

use super::text::append;
use crate::graph::{ExpectKind, Expectation, Node};
use crate::markdown::blocks::{marked, Span};
use crate::markdown::chunks::Output;
use crate::markdown::expect;
use crate::markdown::roles::{self, Role};
use crate::markdown::shell;
use once_cell::sync::Lazy;
use regex::Regex;

impl super::Walker {
    pub(super) fn expect_text(&mut self, spans: &[Span], line: usize) {
        if self.fresh_heading && self.role != Role::Expected {
            self.pending_expect.push(spans.to_vec());
            return;
        }
        let Some(id) = self.last_command.clone() else {
            self.note(self.role_title.clone().as_deref(), &marked(spans), line);
            return;
        };
        let prefix = if self.spanish { "Esperado" } else { "Expected" };
        if let Some(node) = self.node_mut(&id) {
            let command = node.command.clone().unwrap_or_default();
            let found = expect::expectations_from_text(spans, &command);
            for e in found {
                if judgeable(node, &e) && !node.expect.contains(&e) {
                    node.expect.push(e);
                }
            }
            append(&mut node.text, &format!("{prefix}: {}", marked(spans)));
        }
    }

    /// An `Expected:` list of alternatives: one expectation any of them satisfies when
    /// each names one literal; otherwise none is judged (the list is shown), since
    /// holding the output to one alternative would fail the others.
    pub(super) fn expect_any(&mut self, items: &[(&[Span], usize)]) {
        // Before the heading's command ("Expected" above it): shown, never judged.
        let target = self
            .last_command
            .clone()
            .filter(|_| !self.fresh_heading || self.role == Role::Expected);
        let Some(id) = target else {
            for (spans, line) in items {
                self.note(self.role_title.clone().as_deref(), &marked(spans), *line);
            }
            return;
        };
        let prefix = if self.spanish {
            "Esperado, uno de"
        } else {
            "Expected, one of"
        };
        if let Some(node) = self.node_mut(&id) {
            let command = node.command.clone().unwrap_or_default();
            let literals: Vec<Option<String>> = items
                .iter()
                .map(|(spans, _)| one_literal(&expect::expectations_from_text(spans, &command)))
                .collect();
            if literals.iter().all(Option::is_some) {
                let pattern: Vec<String> = literals
                    .iter()
                    .flatten()
                    .map(|l| regex::escape(l))
                    .collect();
                let e = Expectation {
                    kind: ExpectKind::Regex,
                    value: pattern.join("|"),
                };
                if !node.expect.contains(&e) {
                    node.expect.push(e);
                }
            }
            let shown: Vec<String> = items.iter().map(|(spans, _)| marked(spans)).collect();
            append(&mut node.text, &format!("{prefix}: {}", shown.join(" / ")));
        }
    }

    pub(super) fn expect_output(&mut self, body: &str, line: usize) {
        let Some(id) = self.last_command.clone() else {
            self.note(None, body.trim_end(), line);
            return;
        };
        let prefix = if self.spanish {
            "Salida esperada"
        } else {
            "Expected output"
        };
        self.output_attached = true;
        if let Some(node) = self.node_mut(&id) {
            // One plain line is judged; a table or several lines are shown only.
            if let Some(value) = expect::sample_expectation(body, usize::MAX) {
                let e = Expectation {
                    kind: ExpectKind::Contains,
                    value,
                };
                if !node.expect.contains(&e) {
                    node.expect.push(e);
                }
            }
            append(&mut node.text, &format!("{prefix}:\n{}", body.trim_end()));
        }
    }

    pub(super) fn look_for(&mut self, spans: &[Span]) {
        if self.fresh_heading && self.role != Role::LookFor {
            self.pending_look_for.push(spans.to_vec());
            return;
        }
        let target = self.last_command.clone().or_else(|| self.last_node.clone());
        let Some(id) = target else {
            return;
        };
        let prefix = if self.spanish { "Buscar" } else { "Look for" };
        let finding = expect::finding_from_item(spans);
        if let Some(node) = self.node_mut(&id) {
            match finding {
                Some(f) if node.command.is_some() => {
                    if !node.findings.iter().any(|x| x.value == f.value) {
                        node.findings.push(f);
                    }
                }
                _ => append(&mut node.text, &format!("{prefix}: {}", marked(spans))),
            }
        }
    }

    /// A result sentence right after a command block ("Should return `PONG`.", "Look for
    /// `X` or `Y`."): an expectation or findings of that block's command. Returns whether
    /// the paragraph was one.
    pub(super) fn result_sentence(&mut self, role: Role, spans: &[Span]) -> bool {
        let Some(id) = self.result_target.clone() else {
            return false;
        };
        if matches!(role, Role::Expected | Role::LookFor) {
            return false;
        }
        let Some(kind) = expect::result_sentence(spans) else {
            return false;
        };
        self.result_target = None;
        for id in self.result_targets(&id) {
            self.give_result_sentence(&id, kind, spans);
        }
        true
    }

    /// `**Effect**: immediate`, `**Extra cost**: ~$40/month` right after a command: a
    /// short fact about that step, its text, not a step to do. Labels with a meaning of
    /// their own (roles, conditions, options) and values that give an order are not.
    pub(super) fn step_fact(&mut self, spans: &[Span]) -> bool {
        let Some(id) = self.result_target.clone() else {
            return false;
        };
        let Some((label, value)) = super::prose::bold_field(spans) else {
            return false;
        };
        let fact = !value.is_empty()
            && label.split_whitespace().count() <= 3
            && value.split_whitespace().count() <= 8
            && roles::role_of(&label).is_none()
            && !roles::condition_label(&label)
            && !roles::option_label(&label)
            && !roles::else_label(&label)
            && !value
                .split_whitespace()
                .next()
                .is_some_and(|w| roles::imperative_word(&w.to_lowercase()))
            && super::commands::inline_commands(spans).is_empty();
        if fact {
            if let Some(node) = self.node_mut(&id) {
                append(
                    &mut node.text,
                    &format!("{}: {value}", label.trim_end_matches(':')),
                );
            }
        }
        fact
    }

    /// The step a result sentence follows, and the other steps of its block that run the
    /// same command on another target (`ping 10.0.0.1` / `ping 10.0.0.2`, cut apart
    /// because each never ends): the sentence is about each of them.
    fn result_targets(&mut self, id: &str) -> Vec<String> {
        let shape = |w: &mut Self, id: &str| w.node_mut(id).and_then(|n| n.command.clone());
        let Some(last) = shape(self, id) else {
            return vec![id.to_string()];
        };
        let mut out: Vec<String> = Vec::new();
        for other in self.block_commands.clone() {
            if other != id && shape(self, &other).is_some_and(|c| same_shape(&c, &last)) {
                out.push(other);
            }
        }
        out.push(id.to_string());
        out
    }

    fn give_result_sentence(&mut self, id: &str, kind: expect::ResultSentence, spans: &[Span]) {
        if let Some(node) = self.node_mut(id) {
            let command = node.command.clone().unwrap_or_default();
            match kind {
                expect::ResultSentence::Expected => {
                    for e in expect::expectations_from_text(spans, &command) {
                        if judgeable(node, &e) && !node.expect.contains(&e) {
                            node.expect.push(e);
                        }
                    }
                }
                expect::ResultSentence::LookFor => {
                    for f in expect::findings_from_sentence(spans) {
                        if !node.findings.iter().any(|x| x.value == f.value) {
                            node.findings.push(f);
                        }
                    }
                }
            }
            append(&mut node.text, &marked(spans));
        }
    }

    pub(super) fn attach_output(&mut self, id: &str, output: &Output) {
        let spanish = self.spanish;
        if let Some(node) = self.node_mut(id) {
            apply_output(node, output, spanish);
        }
    }

    pub(super) fn append_text_to_last(&mut self, text: &str) {
        if let Some(id) = self.last_node.clone() {
            if let Some(node) = self.node_mut(&id) {
                append(&mut node.text, text);
            }
        }
    }
}

/// Output a block shows for a command: its literal becomes an expectation, its rows
/// findings, and the sample is shown with the step.
pub(super) fn apply_output(node: &mut Node, output: &Output, spanish: bool) {
    let command = node.command.clone().unwrap_or_default();
    if let Some(value) = &output.expect {
        let e = expect::expectation_from_value(value, &command);
        if !node.expect.contains(&e) {
            node.expect.push(e);
        }
    }
    for f in &output.findings {
        if !node.findings.iter().any(|x| x.value == f.value) {
            node.findings.push(f.clone());
        }
    }
    if let Some(text) = output_text(output, spanish) {
        append(&mut node.text, &text);
    }
}

/// The sample of an output entry as step text (`Output:` and its rows), unless the
/// expectation already says it all.
pub(super) fn output_text(output: &Output, spanish: bool) -> Option<String> {
    let sample = output.text.trim_end();
    if sample.trim().is_empty() || output.expect.as_deref() == Some(sample.trim()) {
        return None;
    }
    let label = output.label.clone().unwrap_or_else(|| {
        if spanish {
            "Salida de ejemplo".into()
        } else {
            "Example output".into()
        }
    });
    Some(format!("{label}:\n{sample}"))
}

/// One command, one line each, differing in one word at most: the same check on
/// another target.
fn same_shape(a: &str, b: &str) -> bool {
    if a.contains('\n') || b.contains('\n') {
        return false;
    }
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    a.len() == b.len()
        && a.first() == b.first()
        && a.iter().zip(&b).filter(|(x, y)| x != y).count() <= 1
}

/// Text only ping's interrupt summary prints ("100% packet loss") cannot be judged on a
/// ping that never ends: the interpreter ends a watch with SIGTERM, on which ping
/// prints no summary. The sentence stays in the step's text for the engineer.
static PING_SUMMARY: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)packet loss|packets transmitted|\breceived\b|rtt min|round-trip|ping statistics|estad[ií]sticas|paquetes")
        .expect("static regex")
});

/// The one text an alternative's expectations hold (`contains`), if that is all.
fn one_literal(found: &[Expectation]) -> Option<String> {
    match found {
        [e] if e.kind == ExpectKind::Contains => Some(e.value.clone()),
        _ => None,
    }
}

fn judgeable(node: &Node, e: &Expectation) -> bool {
    let pings = node.command.as_deref().is_some_and(|c| {
        shell::simple_commands(c)
            .iter()
            .any(|w| shell::program(w).is_some_and(|(p, _)| p == "ping"))
    });
    !(node.watch && pings && PING_SUMMARY.is_match(&e.value))
}
