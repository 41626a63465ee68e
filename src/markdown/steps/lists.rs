//! Lists: the role's items, procedural lists, option and condition items, `¿…?`
//! decision items with their choices, and the text of items and blocks.

use super::branches::option_rest;
use super::classify::{classify, is_shell_block, Class};
use super::commands::inline_commands;
use super::ids::explicit_id;
use super::manual::is_escalation_text;
use super::prose::leading_strong;
use super::{Branch, Family, Frame, Item, ITEM_LEVEL};
use crate::graph::NodeKind;
use crate::markdown::blocks::{item_lead, links, marked, plain, Block, Item as MdItem, List, Span};
use crate::markdown::fence;
use crate::markdown::roles::{self, Role};

impl super::Walker {
    pub(super) fn list(&mut self, list: &List) {
        let role = self.transient.take().unwrap_or(self.role);
        match role {
            Role::Symptoms => {
                for item in &list.items {
                    if let Some(lead) = item_lead(item) {
                        self.symptom(&lead.spans, item.line);
                    }
                }
            }
            Role::Causes => {
                for item in &list.items {
                    self.out.hypotheses.push(item_text(item));
                }
            }
            Role::Prevention => {
                for item in &list.items {
                    self.out.prevention.push(item_text(item));
                }
            }
            Role::LookFor => {
                for item in &list.items {
                    if let Some(lead) = item_lead(item) {
                        self.look_for(&lead.spans);
                    }
                }
            }
            Role::Expected => {
                let leads: Vec<(&[Span], usize)> = list
                    .items
                    .iter()
                    .filter_map(|item| item_lead(item).map(|l| (&l.spans[..], item.line)))
                    .collect();
                if alternatives(&leads) {
                    self.expect_any(&leads);
                } else {
                    for (spans, line) in leads {
                        self.expect_text(spans, line);
                    }
                }
            }
            Role::IfFails if !self.in_fail_frame() && list_has_commands(list) => {
                match self.last_command.clone() {
                    Some(check) => {
                        self.frames.push(Frame::Fail {
                            check,
                            items: Vec::new(),
                            level: ITEM_LEVEL,
                        });
                        self.procedural_list(list);
                        self.close_frame();
                    }
                    None => self.procedural_list(list),
                }
            }
            Role::IfFails if !self.in_fail_frame() => {
                let title = self
                    .role_title
                    .clone()
                    .unwrap_or_else(|| self.if_fails_title());
                self.fail_branch(&title, &list_text(list), list.line);
            }
            Role::IfFails if list_has_commands(list) => self.procedural_list(list),
            Role::IfFails => {
                let title = self
                    .role_title
                    .clone()
                    .unwrap_or_else(|| self.if_fails_title());
                self.manual(&title, Some(list_text(list)), list.line);
            }
            Role::Escalation => self.escalate(&list_text(list), list.line),
            Role::Info | Role::Avoid => self.note(
                self.role_title.clone().as_deref(),
                &list_text(list),
                list.line,
            ),
            _ if self.in_item() && self.created_in_item() => {
                // Details of the step this list item made ("Esto: - crea ...").
                let lead = self.description.take();
                let mut text = list_text(list);
                if let Some(lead) = lead {
                    text = format!("{lead}:\n{text}");
                }
                self.append_text_to_last(&text);
            }
            Role::Neutral
                if !list.ordered
                    && !self.authored
                    && !list_has_code(list)
                    && !list_has_commands(list)
                    && !list_has_decision(list) =>
            {
                let title = self.take_title().map(|t| t.0);
                self.note(title.as_deref(), &list_text(list), list.line);
            }
            _ => self.procedural_list(list),
        }
    }

    pub(super) fn procedural_list(&mut self, list: &List) {
        let items = &list.items;
        let mut i = 0;
        while i < items.len() {
            if self.decision_item(&items[i]) {
                i += 1;
                continue;
            }
            let family = if is_option_item(&items[i]) {
                Some(Family::Option)
            } else if !self.authored && is_condition_item(&items[i]) {
                Some(Family::Condition)
            } else {
                None
            };
            if let Some(family) = family {
                let run = items[i..]
                    .iter()
                    .take_while(|it| match family {
                        Family::Option => is_option_item(it),
                        Family::Condition | Family::Scenario => is_condition_item(it),
                    })
                    .count();
                if run >= 2 {
                    self.item_branches(&items[i..i + run], family);
                    i += run;
                    continue;
                }
                if family == Family::Condition && self.case_item(&items[i]) {
                    i += 1;
                    continue;
                }
            }
            match self.optional_item(&items[i]) {
                Some(title) => {
                    self.open_optional(&title, ITEM_LEVEL, items[i].line);
                    self.item(&items[i]);
                    self.close_frame();
                }
                None => self.item(&items[i]),
            }
            i += 1;
        }
    }

    /// `2. Restart the deployment if needed: `kubectl rollout restart …``: the words
    /// before its first command title an optional step (see `open_optional`).
    fn optional_item(&self, item: &MdItem) -> Option<String> {
        let lead = item_lead(item)?;
        let words: Vec<Span> = lead
            .spans
            .iter()
            .take_while(|s| !matches!(s, Span::Code(_)))
            .cloned()
            .collect();
        let title = plain(&words);
        let title = title.trim().trim_end_matches([':', ',', '-']).trim();
        let runnable = !inline_commands(&lead.spans).is_empty() || blocks_have_code(&item.blocks);
        (runnable && !title.is_empty() && self.optional_step(title)).then(|| title.to_string())
    }

    /// Consecutive `Si …:`/`Option N:` list items: one decision, a branch per item.
    pub(super) fn item_branches(&mut self, items: &[MdItem], family: Family) {
        let question = self.question(family);
        let decision = self.new_node(NodeKind::Decision, &question, items[0].line);
        self.frames.push(Frame::Alt {
            decision: Box::new(decision),
            branches: Vec::new(),
            level: ITEM_LEVEL,
            family,
        });
        for item in items {
            let lead = item_lead(item).map(|p| p.text.clone()).unwrap_or_default();
            let (label, consequence) = roles::split_condition(&lead);
            if let Some(Frame::Alt { branches, .. }) = self.frames.last_mut() {
                branches.push(Branch {
                    label: label.clone(),
                    items: Vec::new(),
                    link: None,
                    text: consequence.clone(),
                    line: item.line,
                });
            }
            self.last_command = None;
            if item.blocks.len() > 1 {
                let title = if family == Family::Option {
                    option_rest(&label)
                } else {
                    label.clone()
                };
                let title = if title.is_empty() {
                    label.clone()
                } else {
                    title
                };
                self.item_with_title(item, &title);
            } else if !consequence.is_empty() {
                let spans = item_lead(item).map(|p| p.spans.clone()).unwrap_or_default();
                let commands = inline_commands(&spans);
                if commands.is_empty() {
                    self.manual(&consequence, None, item.line);
                } else {
                    self.command_node(
                        &consequence,
                        item.line,
                        &commands.join("\n"),
                        None,
                        None,
                        &[],
                    );
                }
            }
        }
        // Close the item frame (and anything a nested heading could not have opened).
        self.close_frames_above_item();
        self.close_frame();
    }

    /// One `2. Si el problema persiste, restaurar el backup:` item over its own blocks:
    /// a case, like a condition lead-in over a block. It hangs off the step above when
    /// it says that step failed; otherwise it is a decision whose "Si no" goes on
    /// without it. `When …` / `Cuando …` items are steps in order.
    fn case_item(&mut self, item: &MdItem) -> bool {
        let Some(lead) = item_lead(item) else {
            return false;
        };
        let folded = roles::fold_label(&lead.text);
        if folded.starts_with("when ")
            || folded.starts_with("cuando ")
            || !roles::condition_label(&lead.text)
            || roles::else_label(&lead.text)
            || !blocks_have_code(&item.blocks[1..])
        {
            return false;
        }
        let (condition, consequence) = roles::split_condition(&lead.text);
        let title = if consequence.is_empty() {
            condition.clone()
        } else {
            consequence
        };
        let title = title.trim().trim_end_matches(':').trim().to_string();
        self.title = None;
        if let Some(check) = self.fail_target(&condition) {
            self.frames.push(Frame::Fail {
                check,
                items: Vec::new(),
                level: ITEM_LEVEL,
            });
            self.last_command = None;
            self.item_with_title(item, &title);
            self.close_item_frames();
            return true;
        }
        if self.judged_after_action(&condition) {
            self.open_helped_decision(ITEM_LEVEL, item.line);
        } else {
            self.open_decision(Family::Condition, ITEM_LEVEL, item.line);
        }
        self.add_branch(&condition, item.line);
        self.item_with_title(item, &title);
        self.add_otherwise_at_item();
        true
    }

    /// Closes what the item opened, then the item's own frame.
    fn close_item_frames(&mut self) {
        while !matches!(
            self.frames.last(),
            Some(Frame::Alt {
                level: ITEM_LEVEL,
                ..
            }) | Some(Frame::Fail {
                level: ITEM_LEVEL,
                ..
            })
        ) && self.frames.len() > 1
        {
            self.close_frame();
        }
        self.close_frame();
    }

    fn add_otherwise_at_item(&mut self) {
        self.close_frames_above_item();
        self.add_otherwise();
        self.close_frame();
    }

    /// Closes the frames opened inside a list item's decision, down to that decision.
    fn close_frames_above_item(&mut self) {
        while !matches!(
            self.frames.last(),
            Some(Frame::Alt {
                level: ITEM_LEVEL,
                ..
            })
        ) && self.frames.len() > 1
        {
            self.close_frame();
        }
    }

    /// `- ¿Falla solo un usuario?` with `- Sí → …` / `- No → …` sub-items.
    pub(super) fn decision_item(&mut self, item: &MdItem) -> bool {
        let Some(lead) = item_lead(item) else {
            return false;
        };
        let (question, named) = explicit_id(&lead.text);
        if !question.trim_end_matches([':', ' ']).ends_with('?') {
            return false;
        }
        let Some(Block::List(choices)) = item.blocks.iter().find(|b| matches!(b, Block::List(_)))
        else {
            return false;
        };
        let parsed: Vec<_> = choices
            .items
            .iter()
            .filter_map(|c| item_lead(c).map(|p| (c, p)))
            .filter_map(|(c, p)| choice_parts(&p.spans).map(|parts| (c, parts)))
            .collect();
        if parsed.len() < 2 || parsed.len() != choices.items.len() {
            return false;
        }
        let title = question.trim().trim_end_matches(':').trim().to_string();
        let decision = self.new_named_node(NodeKind::Decision, &title, item.line, named);
        let mut branches = Vec::new();
        for (choice_item, (label, text, link, commands)) in parsed {
            self.frames.push(Frame::Main(Vec::new()));
            if link.is_none() {
                let nested = choice_item.blocks.iter().skip(1).find_map(|b| match b {
                    Block::List(l) => Some(l),
                    _ => None,
                });
                let mut handled = false;
                if let Some(nested) = nested {
                    if nested.items.len() == 1 && self.decision_item(&nested.items[0]) {
                        handled = true;
                    }
                }
                if !handled && !text.is_empty() {
                    if commands.is_empty() {
                        self.manual(&text, None, choice_item.line);
                    } else {
                        self.command_node(
                            &text,
                            choice_item.line,
                            &commands.join("\n"),
                            None,
                            None,
                            &[],
                        );
                    }
                }
            }
            let items = match self.frames.pop() {
                Some(Frame::Main(items)) => items,
                _ => Vec::new(),
            };
            branches.push(Branch {
                label,
                items,
                link,
                text,
                line: choice_item.line,
            });
        }
        self.push(Item::Branches {
            decision: Box::new(decision),
            branches,
        });
        true
    }

    pub(super) fn item(&mut self, item: &MdItem) {
        let lead = item_lead(item);
        let title = lead
            .map(|p| p.text.as_str())
            .unwrap_or_default()
            .trim()
            .trim_end_matches(':')
            .trim()
            .to_string();
        if item.blocks.len() > usize::from(lead.is_some()) {
            self.item_with_title(item, &title);
            return;
        }
        let Some(lead) = lead else {
            return;
        };
        self.bullet(&lead.spans, item.line);
    }

    /// A list item with content under its lead: the lead titles the steps inside.
    pub(super) fn item_with_title(&mut self, item: &MdItem, title: &str) {
        let lead = item_lead(item);
        let rest = &item.blocks[usize::from(lead.is_some())..];
        if !blocks_have_code(rest) {
            let mut text = String::new();
            for block in rest {
                let t = block_text(block);
                if !t.is_empty() {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(&t);
                }
            }
            let commands = lead.map(|p| inline_commands(&p.spans)).unwrap_or_default();
            if !commands.is_empty() {
                self.command_node(
                    title,
                    item.line,
                    &commands.join("\n"),
                    Some(text),
                    None,
                    &[],
                );
            } else if is_escalation_text(title) {
                self.escalate(&format!("{title}\n{text}"), item.line);
            } else {
                self.manual(title, Some(text).filter(|t| !t.is_empty()), item.line);
            }
            return;
        }
        let saved_created = self.created;
        let saved_title = self.title.take();
        if !title.is_empty() {
            self.title = Some((title.to_string(), item.line));
        }
        self.item_stack.push(saved_created);
        self.walk(rest);
        self.item_stack.pop();
        if let Some((pending, line)) = self.title.take() {
            if self.created == saved_created {
                self.manual(&pending, None, line);
            }
        }
        if saved_title.is_some() && self.title.is_none() {
            // The outer title was consumed by this item's lead; do not resurrect it.
        }
    }

    /// A one-line bullet in a procedural part: a command if it holds one, else a manual step.
    pub(super) fn bullet(&mut self, spans: &[Span], line: usize) {
        let text = plain(spans);
        if text.is_empty() || self.severity_field(spans) || self.symptom_field(spans, line) {
            return;
        }
        if is_escalation_text(&text) {
            self.escalate(&marked(spans), line);
            return;
        }
        if self.or_commands(spans, line) {
            return;
        }
        let commands = inline_commands(spans);
        if !commands.is_empty() {
            let title = self
                .take_title()
                .map(|t| t.0)
                .unwrap_or_else(|| text.clone());
            let detail = marked(spans);
            self.command_node(&title, line, &commands.join("\n"), Some(detail), None, &[]);
        } else {
            let title = self.take_title().map(|t| t.0);
            match title {
                Some(t) => self.manual(&t, Some(marked(spans)), line),
                None => self.manual(&text, Some(marked(spans)), line),
            }
        }
    }
}

/// The parts of a choice item `Sí → text [link](#target)`: label, text, link, commands.
pub(super) fn choice_parts(
    spans: &[Span],
) -> Option<(String, String, Option<String>, Vec<String>)> {
    let text = plain(spans);
    let (label, rest) = ["→", "->", "=>", "⇒"]
        .iter()
        .find_map(|arrow| text.split_once(arrow))
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .or_else(|| {
            let (a, b) = text.split_once(':')?;
            let folded = deunicode::deunicode(a.trim()).to_lowercase();
            matches!(folded.as_str(), "yes" | "no" | "si" | "y" | "n")
                .then(|| (a.trim().to_string(), b.trim().to_string()))
        })?;
    if label.is_empty() || label.split_whitespace().count() > 6 {
        return None;
    }
    let link = links(spans)
        .into_iter()
        .find_map(|(dest, _)| dest.strip_prefix('#').map(str::to_string));
    let commands = inline_commands(spans);
    let rest = rest.trim_end_matches('.').trim().to_string();
    Some((
        label.trim_end_matches(':').to_string(),
        rest,
        link,
        commands,
    ))
}

pub(super) fn is_option_item(item: &MdItem) -> bool {
    item_lead(item).is_some_and(|p| {
        roles::option_label(&p.text)
            || leading_strong(&p.spans).is_some_and(|(label, _)| roles::variant_label(&label))
    })
}

pub(super) fn is_condition_item(item: &MdItem) -> bool {
    let Some(lead) = item_lead(item) else {
        return false;
    };
    let text = &lead.text;
    let folded = deunicode::deunicode(text).to_lowercase();
    let starts = ["si ", "if ", "when ", "cuando ", "en caso de "]
        .iter()
        .any(|w| folded.starts_with(w));
    starts
        && (item.blocks.len() > 1 || text.contains(':') || text.contains('→') || text.contains(','))
}

pub(super) fn item_text(item: &MdItem) -> String {
    let mut parts = Vec::new();
    for block in &item.blocks {
        let t = block_text(block);
        if !t.is_empty() {
            parts.push(t);
        }
    }
    parts.join("\n")
}

pub(super) fn list_text(list: &List) -> String {
    list.items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let bullet = if list.ordered {
                format!("{}.", i + 1)
            } else {
                "-".into()
            };
            format!("{bullet} {}", item_text(item).replace('\n', "\n  "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn block_text(block: &Block) -> String {
    match block {
        Block::Para(p) => marked(&p.spans),
        Block::Heading(h) => marked(&h.spans),
        Block::List(l) => list_text(l),
        Block::Code(c) => c.body.trim_end().to_string(),
        Block::Quote(q) => quote_text(&q.blocks),
        Block::Table(r) | Block::Html(r) => r.text.clone(),
        Block::Rule(_) => String::new(),
    }
}

pub(super) fn quote_text(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(block_text)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn blocks_have_code(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| match b {
        Block::Code(c) => {
            is_shell_block(c) || classify(&fence::lang_of(&c.info), &c.body) == Class::Sql
        }
        Block::List(l) => l.items.iter().any(|i| blocks_have_code(&i.blocks)),
        _ => false,
    })
}

pub(super) fn list_has_code(list: &List) -> bool {
    list.items.iter().any(|i| blocks_have_code(&i.blocks))
}

pub(super) fn list_has_commands(list: &List) -> bool {
    list.items
        .iter()
        .any(|i| item_lead(i).is_some_and(|p| !inline_commands(&p.spans).is_empty()))
}

pub(super) fn list_has_decision(list: &List) -> bool {
    list.items.iter().any(|i| {
        item_lead(i).is_some_and(|p| explicit_id(&p.text).0.trim_end().ends_with('?'))
            || is_condition_item(i)
            || is_option_item(i)
    })
}

/// The items of an `Expected:` list are alternatives: one after the first starts with
/// "or" (`- No CAA records` / `- OR a record allowing the CA`, `- O un registro …`).
fn alternatives(items: &[(&[Span], usize)]) -> bool {
    items.iter().skip(1).any(|(spans, _)| {
        let text = plain(spans);
        let first = text.split_whitespace().next().unwrap_or("");
        roles::or_word(first)
    })
}
