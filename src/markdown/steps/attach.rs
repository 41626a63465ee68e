//! What attaches to the last command: expected text and output, look-for findings,
//! result sentences and sample output.

use super::text::append;
use crate::graph::{ExpectKind, Expectation, Node};
use crate::markdown::blocks::{marked, Span};
use crate::markdown::chunks::Output;
use crate::markdown::expect;
use crate::markdown::roles::Role;

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
                if !node.expect.contains(&e) {
                    node.expect.push(e);
                }
            }
            append(&mut node.text, &format!("{prefix}: {}", marked(spans)));
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
        if let Some(node) = self.node_mut(&id) {
            let command = node.command.clone().unwrap_or_default();
            match kind {
                expect::ResultSentence::Expected => {
                    for e in expect::expectations_from_text(spans, &command) {
                        if !node.expect.contains(&e) {
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
        true
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
