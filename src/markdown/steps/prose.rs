//! Paragraphs: bold labels and field lines, the severity field, and what a paragraph's
//! content becomes under the role of the part it is in.

use super::classify::is_shell_block;
use super::commands::inline_commands;
use super::{Family, LABEL_LEVEL};
use crate::markdown::blocks::{marked, plain, Block, Heading, Item, List, Para, Span};
use crate::markdown::expect;
use crate::markdown::roles::{self, Role};

impl super::Walker {
    pub(super) fn paragraph(&mut self, p: &Para, next: Option<&Block>) {
        let text = &p.text;
        if text.is_empty() {
            return;
        }
        // Field lines without blank lines between them (`**Síntoma**: …` then
        // `**Acción**:`) are one paragraph to Markdown, and one label each to a reader.
        if let Some(lines) = label_lines(&p.spans) {
            let last = lines.len() - 1;
            for (i, (offset, spans)) in lines.into_iter().enumerate() {
                let line = Para::new(spans, p.line + offset);
                self.paragraph(&line, if i == last { next } else { None });
            }
            return;
        }
        if self.severity_field(&p.spans) {
            return;
        }
        if let Some((label, rest)) = leading_strong(&p.spans) {
            if self.bold_label(&label, &rest, p.line) {
                return;
            }
        }
        if let Some((head, tail)) = split_label(text) {
            if let Some(role) = roles::role_of(head) {
                if matches!(
                    role,
                    Role::Symptoms
                        | Role::Causes
                        | Role::Prevention
                        | Role::Escalation
                        | Role::Info
                        | Role::Diagnosis
                        | Role::Action
                        | Role::Verification
                        | Role::Prerequisites
                ) && tail.is_empty()
                    && !self.in_item()
                {
                    self.close_label_frames();
                    self.set_role(role, LABEL_LEVEL, head, p.line);
                } else {
                    self.transient = Some(role);
                }
                if !tail.is_empty() {
                    let tail_spans = vec![Span::Text(tail.to_string())];
                    let spans = strip_label_spans(&p.spans, head).unwrap_or(tail_spans);
                    let role = self.transient.take().unwrap_or(role);
                    self.content(role, &spans, p.line, next);
                }
                return;
            }
        }
        if let Some(stripped) = text.strip_suffix(':') {
            if self.result_target.is_some() && expect::is_result_lead_in(stripped) {
                // "Expected response when healthy:" after a command: the block below is
                // that command's output.
                self.transient = Some(Role::Expected);
                return;
            }
            if roles::causes_lead_in(stripped)
                && matches!(next, Some(Block::List(l)) if !super::lists::list_has_commands(l))
            {
                // "There are two possible causes:" then a list without commands:
                // hypotheses, whatever part of the section the sentence is in.
                self.transient = Some(Role::Causes);
                return;
            }
            if roles::generic_lead_in(stripped) {
                self.title = self.title.take();
            } else if self.title.is_none() {
                self.title = Some((stripped.trim().to_string(), p.line));
            } else {
                self.description = Some(stripped.trim().to_string());
            }
            return;
        }
        let role = self.transient.take().unwrap_or(self.role);
        self.content(role, &p.spans, p.line, next);
    }

    /// A list, with the plain role labels Markdown glued to its items walked as labels.
    pub(super) fn list_with_labels(&mut self, list: &List) {
        match split_glued_label(list) {
            Some((head, label, rest)) => {
                self.list(&head);
                self.paragraph(&label, None);
                if !rest.items.is_empty() {
                    self.list_with_labels(&rest);
                }
            }
            None => self.list(list),
        }
    }

    /// `**Symptoms:**`, `**Paso 1**: ...`, `**Option 2:**`. Returns whether it was a label.
    pub(super) fn bold_label(&mut self, label: &str, rest: &[Span], line: usize) -> bool {
        let label = label.trim();
        let rest_text = plain(rest);
        let rest_text = rest_text.trim_start_matches(':').trim();
        if let Some(role) = roles::role_of(label) {
            // "Expected:", "Look for:", "If it fails:" speak of the step at hand; the
            // other labels (Symptoms, Resolution...) open a part of the section.
            if role == Role::IfFails && !self.authored && self.judged_after_action(label) {
                // `**Si no funciona:**` after an action: a case with a way past, not
                // the action's exit status.
                self.close_label_frames();
                self.open_helped_decision(LABEL_LEVEL, line);
                self.add_branch(label, line);
                if !rest_text.is_empty() {
                    let spans = strip_leading_colon(rest);
                    self.content(Role::Action, &spans, line, None);
                }
                return true;
            }
            if matches!(role, Role::LookFor | Role::Expected | Role::IfFails) {
                self.transient = Some(role);
            } else {
                self.close_label_frames();
                self.set_role(role, LABEL_LEVEL, label, line);
                // `**Recovery**:` under an emergency action undoes it later, when the
                // trouble is over: a case of its own, never the next step.
                let undoes = self.acted > 0 && !self.authored && roles::recovery_label(label);
                if (self.reversal_part(label) || undoes) && !self.in_item() {
                    self.open_branch(Family::Condition, label, LABEL_LEVEL, line);
                }
            }
            if !rest_text.is_empty() {
                let spans = strip_leading_colon(rest);
                let role = self.transient.take().unwrap_or(role);
                self.content(role, &spans, line, None);
            }
            return true;
        }
        if let Some(step) = roles::step_label(label) {
            let title = if rest_text.is_empty() {
                step
            } else {
                rest_text.to_string()
            };
            let title = if title.is_empty() {
                label.trim_end_matches(':').to_string()
            } else {
                title
            };
            self.title = Some((title, line));
            return true;
        }
        if self.reversal_part(label) && !self.in_item() {
            self.close_label_frames();
            self.open_branch(Family::Condition, label, LABEL_LEVEL, line);
            if !rest_text.is_empty() {
                self.title = Some((rest_text.to_string(), line));
            }
            return true;
        }
        if roles::option_label(label) && !self.in_item() {
            self.open_branch(Family::Option, label, LABEL_LEVEL, line);
            if !rest_text.is_empty() {
                self.title = Some((rest_text.to_string(), line));
            }
            return true;
        }
        false
    }

    /// `**Severity**: critical`, `*Severidad*: Alta`, `Priority: P1`, `**🔴 Criticidad:
    /// CRÍTICA**`: the incident's severity, not a step. A value that names no level
    /// stays in the text.
    pub(super) fn severity_field(&mut self, spans: &[Span]) -> bool {
        let level = severity_in(spans);
        if let Some(level) = level {
            self.out.severity.get_or_insert_with(|| level.to_string());
        }
        level.is_some()
    }

    /// `## Nivel de severidad` over `**Alta** - afecta a todos los usuarios`: the level
    /// the paragraph starts with is the incident's severity; the paragraph stays text.
    pub(super) fn severity_part(&mut self, heading: &Heading, next: Option<&Block>) {
        let Some(Block::Para(p)) = next else {
            return;
        };
        if self.authored || !roles::severity_label(&heading.text) {
            return;
        }
        let lead = match leading_strong(&p.spans) {
            Some((label, _)) => label,
            None => p
                .text
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        if let Some(level) = roles::severity_of(&lead) {
            self.out.severity.get_or_insert_with(|| level.to_string());
        }
    }

    /// `*Message*: KubeAPI has disappeared`, `Symptom: 502 errors` in a list of alert
    /// fields: what the on-call sees, not a step.
    pub(super) fn symptom_field(&mut self, spans: &[Span], line: usize) -> bool {
        let Some((label, value)) = field(spans) else {
            return false;
        };
        if value.is_empty() || roles::role_of(&label) != Some(Role::Symptoms) {
            return false;
        }
        let first = spans
            .iter()
            .position(|s| !matches!(s, Span::Text(t) if t.trim().is_empty()));
        let rest = match first.map(|i| (i, &spans[i])) {
            Some((i, Span::Strong(_) | Span::Emph(_))) => strip_leading_colon(&spans[i + 1..]),
            _ => {
                strip_label_spans(spans, &label).unwrap_or_else(|| vec![Span::Text(value.clone())])
            }
        };
        self.symptom(&rest, line);
        true
    }

    /// A paragraph's content under `role`.
    pub(super) fn content(
        &mut self,
        role: Role,
        spans: &[Span],
        line: usize,
        next: Option<&Block>,
    ) {
        if self.result_sentence(role, spans) || self.step_fact(spans) {
            return;
        }
        let text = plain(spans);
        match role {
            Role::Symptoms => self.symptom(spans, line),
            Role::Causes => self.out.hypotheses.push(marked(spans)),
            Role::Prevention => self.out.prevention.push(marked(spans)),
            Role::Expected => self.expect_text(spans, line),
            Role::LookFor => self.look_for(spans),
            Role::Info | Role::DecisionTree | Role::Avoid => {
                self.note(self.role_title.clone().as_deref(), &marked(spans), line)
            }
            Role::Escalation => self.escalate(&marked(spans), line),
            Role::IfFails if !self.in_fail_frame() => {
                let title = self
                    .role_title
                    .clone()
                    .unwrap_or_else(|| self.if_fails_title());
                self.fail_branch(&title, &marked(spans), line);
            }
            _ => {
                if matches!(next, Some(Block::Code(c)) if is_shell_block(c)) {
                    self.description = Some(marked(spans));
                    return;
                }
                if self.or_commands(spans, line) {
                    return;
                }
                let commands = inline_commands(spans);
                if !commands.is_empty() && self.intro && !instruction(&text) {
                    // "…when commands such as `kubectl top pod` stop working": the
                    // introduction describes; the parts below say what to run. "First,
                    // run `x`" still asks for it.
                    self.note(None, &marked(spans), line);
                } else if !commands.is_empty() {
                    let title = self
                        .take_title()
                        .map(|t| t.0)
                        .unwrap_or_else(|| text.clone());
                    self.command_node(
                        &title,
                        line,
                        &commands.join("\n"),
                        Some(marked(spans)),
                        None,
                        &[],
                    );
                } else if self.role == Role::Neutral && self.title.is_none() {
                    self.note(None, &marked(spans), line);
                } else {
                    self.manual(&text, Some(marked(spans)), line);
                }
            }
        }
    }
}

/// A paragraph's lines split where a line starts with a bold label, each with its
/// line offset; `None` when there is nothing to split.
pub(super) fn label_lines(spans: &[Span]) -> Option<Vec<(usize, Vec<Span>)>> {
    let mut lines: Vec<(usize, Vec<Span>)> = vec![(0, Vec::new())];
    let mut breaks = 0;
    for (i, span) in spans.iter().enumerate() {
        if matches!(span, Span::Break) {
            breaks += 1;
            if label_starts(&spans[i + 1..]) {
                lines.push((breaks, Vec::new()));
                continue;
            }
        }
        if let Some((_, current)) = lines.last_mut() {
            current.push(span.clone());
        }
    }
    for (_, line) in &mut lines {
        while matches!(line.last(), Some(Span::Break))
            || matches!(line.last(), Some(Span::Text(t)) if t.trim().is_empty())
        {
            line.pop();
        }
    }
    lines.retain(|(_, line)| !line.is_empty());
    (lines.len() >= 2).then_some(lines)
}

/// Whether spans start with a bold label: `**Acción**:`, `**Paso 2:**`, `**Symptoms**`.
pub(super) fn label_starts(spans: &[Span]) -> bool {
    // A plain label alone on its line: `Prevención:`.
    if let [Span::Text(t), Span::Break, ..] | [Span::Text(t)] = spans {
        if plain_label(t) {
            return true;
        }
    }
    let Some((label, rest)) = leading_strong(spans) else {
        return false;
    };
    let colon = label.trim_end().ends_with(':')
        || matches!(rest.first(), Some(Span::Text(t)) if t.trim_start().starts_with(':'));
    colon
        || roles::role_of(&label).is_some()
        || roles::step_label(&label).is_some()
        || roles::option_label(&label)
}

/// `**Label**: value`, `*Label*: value` or `Label: value` → (label, value).
/// The level a severity field names on a paragraph's first line: `**Severity**: P0 -
/// Critical`, `Priority: P1`, or label and value in one bold span, `**🔴 Criticidad:
/// CRÍTICA**`. A value on the lines below counts when the first line has none.
pub(in crate::markdown) fn severity_in(spans: &[Span]) -> Option<&'static str> {
    let first_line = spans.split(|s| matches!(s, Span::Break)).next()?;
    let (label, value) = match field(first_line)? {
        (label, value) if value.is_empty() && label.contains(':') => {
            let (label, value) = label.split_once(':')?;
            (label.to_string(), value.to_string())
        }
        (label, value) if value.is_empty() => (label, field(spans)?.1),
        field => field,
    };
    roles::severity_label(&label)
        .then(|| roles::severity_of(&value))
        .flatten()
}

pub(super) fn field(spans: &[Span]) -> Option<(String, String)> {
    let first = spans
        .iter()
        .position(|s| !matches!(s, Span::Text(t) if t.trim().is_empty()))?;
    if let Span::Strong(inner) | Span::Emph(inner) = &spans[first] {
        let value = plain(&spans[first + 1..]);
        return Some((
            plain(inner),
            value.trim().trim_start_matches(':').trim().to_string(),
        ));
    }
    let text = plain(spans);
    split_label(&text).map(|(head, tail)| (head.to_string(), tail.to_string()))
}

/// `**Label**: value` / `*Label:* value`: a field whose label is emphasised.
pub(super) fn bold_field(spans: &[Span]) -> Option<(String, String)> {
    let first = spans
        .iter()
        .position(|s| !matches!(s, Span::Text(t) if t.trim().is_empty()))?;
    matches!(spans[first], Span::Strong(_) | Span::Emph(_))
        .then(|| field(spans))
        .flatten()
}

/// `**Label:** rest` → ("Label:", rest spans).
pub(super) fn leading_strong(spans: &[Span]) -> Option<(String, Vec<Span>)> {
    let first = spans
        .iter()
        .position(|s| !matches!(s, Span::Text(t) if t.trim().is_empty()))?;
    match &spans[first] {
        Span::Strong(inner) => Some((plain(inner), spans[first + 1..].to_vec())),
        _ => None,
    }
}

/// The spans after a bold label, without the `:` that may follow it.
pub(super) fn strip_leading_colon(rest: &[Span]) -> Vec<Span> {
    let mut out = rest.to_vec();
    if let Some(Span::Text(t)) = out.first_mut() {
        *t = t.trim_start().trim_start_matches(':').to_string();
    }
    out
}

/// `Buscar: x` / `Esperado: 200` → ("Buscar", "x"). Only short heads count.
pub(super) fn split_label(text: &str) -> Option<(&str, &str)> {
    let (head, tail) = text.split_once(':')?;
    if head.split_whitespace().count() > 4 || head.trim().is_empty() {
        return None;
    }
    Some((head.trim(), tail.trim()))
}

/// The spans after a `Label:` prefix, keeping code spans.
pub(super) fn strip_label_spans(spans: &[Span], head: &str) -> Option<Vec<Span>> {
    let mut out = Vec::new();
    let mut stripped = false;
    for span in spans {
        if stripped {
            out.push(span.clone());
            continue;
        }
        if let Span::Text(t) = span {
            if let Some(i) = t.find(':') {
                if t[..i]
                    .trim()
                    .ends_with(head.split_whitespace().last().unwrap_or(head))
                {
                    let rest = t[i + 1..].to_string();
                    if !rest.trim().is_empty() {
                        out.push(Span::Text(rest));
                    }
                    stripped = true;
                    continue;
                }
            }
        }
        if let Span::Strong(_) = span {
            continue;
        }
        return None;
    }
    (stripped && !out.is_empty()).then_some(out)
}

/// `- Enable log rotation` with `Prevention:` on the next line: Markdown makes the label
/// part of the item (a lazy continuation line), a reader sees the start of a new part.
/// Returns the items before it, the label, and the items after it.
fn split_glued_label(list: &List) -> Option<(List, Para, List)> {
    list.items.iter().enumerate().find_map(|(i, item)| {
        let Some(Block::Para(p)) = item.blocks.last() else {
            return None;
        };
        let brk = p.spans.iter().rposition(|s| matches!(s, Span::Break))?;
        let tail = &p.spans[brk + 1..];
        if !tail.iter().all(|s| matches!(s, Span::Text(_))) || !plain_label(&plain(tail)) {
            return None;
        }
        let offset = p.spans[..=brk]
            .iter()
            .filter(|s| matches!(s, Span::Break))
            .count();
        let mut glued = item.clone();
        let kept = Para::new(p.spans[..brk].to_vec(), p.line);
        if let Some(last) = glued.blocks.last_mut() {
            *last = Block::Para(kept);
        }
        let mut head: Vec<Item> = list.items[..i].to_vec();
        head.push(glued);
        let part = |items: Vec<Item>, line: usize| List {
            ordered: list.ordered,
            items,
            line,
        };
        let rest = list.items[i + 1..].to_vec();
        let rest_line = rest.first().map_or(list.line, |it| it.line);
        Some((
            part(head, list.line),
            Para::new(tail.to_vec(), p.line + offset),
            part(rest, rest_line),
        ))
    })
}

/// A line that is exactly a role word and a colon: `Fix:`, `Prevention:`, `Solución:`.
pub(super) fn plain_label(text: &str) -> bool {
    text.trim()
        .strip_suffix(':')
        .and_then(roles::role_of)
        .is_some_and(Role::marks_incident)
}

/// A sentence that asks for something: `Run …`, `First, check …`, `Ejecuta …`.
fn instruction(text: &str) -> bool {
    const LEADS: &[&str] = &[
        "first", "primero", "then", "luego", "now", "ahora", "please",
    ];
    roles::fold_label(text)
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        .find(|w| !LEADS.contains(w))
        .is_some_and(roles::imperative_word)
}
