//! The blocks of one incident section → a tree of steps (`Item`s), in document order.
//!
//! The walker keeps the role of the part it is in (from headings and bold labels), a
//! pending step title (from step headings, list-item leads and lead-in paragraphs) and
//! the last command it made, so that "Buscar:", "Esperado" and "Si falla" attach to it.
//! Alternatives (`Option N`, `If …`/`Si …` cases, `¿…?` decision lists) become one
//! decision whose branches hold their own steps. `assemble` turns the tree into edges.

use super::blocks::{
    code_spans, item_lead, links, marked, plain, Block, Code, Heading, Item as MdItem, List, Para,
    Span,
};
use super::chunks::{self, Chunk, Entry, Output, Segment};
use super::expect;
use super::fence::{self, Attrs};
use super::roles::{self, Role};
use super::shell;
use super::slug::{clean_title, short_slug, slugify, SlugSet};
use crate::graph::{EdgeOn, ExpectKind, Expectation, Node, NodeKind, Warning, END};
use foldhash::HashMap;

/// A step, or a decision with the steps of each of its branches.
#[derive(Debug, Clone)]
pub enum Item {
    Node(Box<Node>),
    Branches {
        decision: Box<Node>,
        branches: Vec<Branch>,
    },
}

#[derive(Debug, Clone)]
pub struct Branch {
    pub label: String,
    pub items: Vec<Item>,
    /// `[text](#target)`: the branch leads to an existing step or heading.
    pub link: Option<String>,
    /// The choice's prose, for a manual step when the link leads nowhere.
    pub text: String,
    pub line: usize,
}

/// What the walker found, ready for `assemble`.
#[derive(Debug, Default)]
pub struct Walked {
    pub items: Vec<Item>,
    /// Steps to take when a check fails ("Si falla" / "If it fails").
    pub on_fail: HashMap<String, Vec<Item>>,
    /// `on-ok`/`on-fail`/`on-find` attributes: node id → (edge, target as written, line).
    pub explicit: HashMap<String, Vec<(EdgeOn, String, usize)>>,
    /// Heading slug → first node under that heading.
    pub anchors: HashMap<String, String>,
    pub hypotheses: Vec<String>,
    pub prevention: Vec<String>,
    pub warnings: Vec<Warning>,
    /// The first severity field of the section (`**Severity**: critical` → `sev1`).
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Option,
    Condition,
}

enum Frame {
    Main(Vec<Item>),
    Alt {
        decision: Box<Node>,
        branches: Vec<Branch>,
        level: u8,
        family: Family,
    },
    Fail {
        check: String,
        items: Vec<Item>,
        level: u8,
    },
}

/// Frames opened by bold labels close at any heading; frames of list items never close
/// on their own.
const LABEL_LEVEL: u8 = 7;
const ITEM_LEVEL: u8 = 9;

pub struct Walker {
    authored: bool,
    spanish: bool,
    ids: SlugSet,
    out: Walked,
    pending_anchors: Vec<String>,
    role: Role,
    role_level: u8,
    role_title: Option<String>,
    /// A lead-in such as "Buscar:" applies to the next block only.
    transient: Option<Role>,
    title: Option<(String, usize)>,
    description: Option<String>,
    frames: Vec<Frame>,
    last_command: Option<String>,
    last_node: Option<String>,
    open_note: Option<String>,
    /// The previous block was a shell block: a following output block is its output.
    after_shell: bool,
    symptoms: usize,
    created: usize,
    /// Nodes created before each enclosing list item started.
    item_stack: Vec<usize>,
    /// No command yet under the current step heading: "Esperado"/"Buscar" prose here
    /// is about the command that follows, not the one above the heading.
    fresh_heading: bool,
    /// Explicit ids already given to a step.
    explicit_used: foldhash::HashSet<String>,
    pending_expect: Vec<Vec<Span>>,
    pending_look_for: Vec<Vec<Span>>,
    /// The command the block just before made or judged: a result sentence here
    /// ("Should return `PONG`.") is about it, not a lead-in to the next block.
    result_target: Option<String>,
    /// The code block being walked was taken as the last command's expected output.
    output_attached: bool,
    /// The step that opened a shell elsewhere (`ssh host`, `oc rsh pod`): until the next
    /// heading, the commands after it are meant to be typed in that shell.
    shell_context: Option<String>,
}

impl Walker {
    /// `reserved`: ids given explicitly anywhere in the section, so generated ids avoid them.
    pub fn new(authored: bool, lang: &str, reserved: &[String]) -> Self {
        let mut ids = SlugSet::new();
        ids.reserve(END);
        for id in reserved {
            ids.reserve(id);
        }
        Walker {
            authored,
            spanish: lang == "es",
            ids,
            out: Walked::default(),
            pending_anchors: Vec::new(),
            role: Role::Neutral,
            role_level: 0,
            role_title: None,
            transient: None,
            title: None,
            description: None,
            frames: vec![Frame::Main(Vec::new())],
            last_command: None,
            last_node: None,
            open_note: None,
            after_shell: false,
            symptoms: 0,
            created: 0,
            item_stack: Vec::new(),
            fresh_heading: false,
            explicit_used: foldhash::HashSet::default(),
            pending_expect: Vec::new(),
            pending_look_for: Vec::new(),
            result_target: None,
            output_attached: false,
            shell_context: None,
        }
    }

    /// The section's own heading: its slug leads to the first step.
    pub fn anchor(&mut self, slug: &str) {
        self.pending_anchors.push(slug.to_string());
    }

    pub fn finish(mut self, end_line: usize) -> Walked {
        while self.frames.len() > 1 {
            self.close_frame();
        }
        if let Some(Frame::Main(items)) = self.frames.pop() {
            self.out.items = items;
        }
        for anchor in self.pending_anchors.drain(..) {
            self.out
                .anchors
                .entry(anchor)
                .or_insert_with(|| END.to_string());
        }
        let _ = end_line;
        self.out
    }

    pub fn walk(&mut self, blocks: &[Block]) {
        let mut skip = 0;
        for (i, block) in blocks.iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let taken = self.alternative_blocks(&blocks[i..]);
            if taken > 0 {
                skip = taken - 1;
                continue;
            }
            let next = blocks.get(i + 1);
            let was_shell = self.after_shell;
            self.after_shell = false;
            let target = self.result_target.take();
            match block {
                Block::Heading(h) => {
                    self.shell_context = None;
                    self.heading(h)
                }
                Block::Para(p) => {
                    self.result_target = target;
                    self.paragraph(p, next);
                    self.result_target = None;
                }
                Block::List(l) => self.list(l),
                Block::Code(c) => {
                    let before = self.last_command.clone();
                    self.code(c, was_shell);
                    let judged = std::mem::take(&mut self.output_attached);
                    if judged || self.last_command != before {
                        self.result_target = self.last_command.clone();
                    }
                }
                Block::Quote(q) => {
                    let text = quote_text(&q.blocks);
                    if !text.is_empty() {
                        self.note(None, &text, q.line);
                    }
                }
                Block::Table(t) => {
                    if self.role.is_procedural() || self.role == Role::Info {
                        self.note(None, &t.text, t.line);
                    }
                }
                Block::Html(_) | Block::Rule(_) => {}
            }
        }
    }

    // ----- headings and labels -------------------------------------------------------

    fn heading(&mut self, h: &Heading) {
        let text = clean_title(&h.text);
        self.pending_anchors.push(slugify(&text));
        self.transient = None;
        self.open_note = None;
        self.title = None;
        self.description = None;
        let family = if roles::option_label(&text) {
            Some(Family::Option)
        } else if !self.authored
            && roles::role_of(&text).is_none()
            && (roles::condition_label(&text)
                || (roles::else_label(&text) && self.open_condition_at(h.level)))
        {
            Some(Family::Condition)
        } else {
            None
        };
        self.close_frames_at(h.level, family);
        if let Some(role) = roles::role_of(&text) {
            self.set_role(role, h.level, &text, h.line);
            return;
        }
        self.fresh_heading = true;
        if h.level <= self.role_level {
            self.role = Role::Neutral;
            self.role_level = 0;
            self.role_title = None;
        }
        if let Some(family) = family {
            self.open_branch(family, &text, h.level, h.line);
            return;
        }
        let step = roles::step_label(&text).filter(|s| !s.is_empty());
        let title = step.unwrap_or_else(|| strip_numbering(&text));
        self.title = Some((title, h.line));
    }

    fn set_role(&mut self, role: Role, level: u8, text: &str, line: usize) {
        self.role = role;
        self.role_level = level;
        self.role_title = Some(text.trim().trim_end_matches(':').trim().to_string());
        if role == Role::IfFails {
            if let Some(check) = self.last_command.clone() {
                self.frames.push(Frame::Fail {
                    check,
                    items: Vec::new(),
                    level,
                });
            }
        }
        let _ = line;
    }

    /// Closes alternatives and failure branches that a heading of `level` ends, except
    /// the alternatives it continues (`### Option 2` after `### Option 1`).
    fn close_frames_at(&mut self, level: u8, family: Option<Family>) {
        loop {
            let close = match self.frames.last() {
                Some(Frame::Alt {
                    level: l,
                    family: f,
                    ..
                }) => *l > level || (*l == level && Some(*f) != family),
                Some(Frame::Fail { level: l, .. }) => *l >= level,
                _ => false,
            };
            if !close {
                break;
            }
            self.close_frame();
        }
    }

    /// `### Otherwise` continues the `### If …` cases open at its level.
    fn open_condition_at(&self, level: u8) -> bool {
        self.frames.iter().rev().any(
            |f| matches!(f, Frame::Alt { level: l, family: Family::Condition, .. } if *l == level),
        )
    }

    fn close_label_frames(&mut self) {
        while matches!(
            self.frames.last(),
            Some(Frame::Alt {
                level: LABEL_LEVEL,
                ..
            }) | Some(Frame::Fail {
                level: LABEL_LEVEL,
                ..
            })
        ) {
            self.close_frame();
        }
    }

    fn open_branch(&mut self, family: Family, label: &str, level: u8, line: usize) {
        let continues = matches!(
            self.frames.last(),
            Some(Frame::Alt { level: l, family: f, .. }) if *l == level && *f == family
        );
        if !continues {
            self.open_decision(family, level, line);
        }
        self.add_branch(label, line);
        if family == Family::Option {
            let rest = option_rest(label);
            if !rest.is_empty() {
                self.title = Some((rest, line));
            }
        }
    }

    /// A decision node whose choices the branches added next become.
    fn open_decision(&mut self, family: Family, level: u8, line: usize) {
        let question = self.question(family);
        let decision = self.new_node(NodeKind::Decision, &question, line);
        self.frames.push(Frame::Alt {
            decision: Box::new(decision),
            branches: Vec::new(),
            level,
            family,
        });
    }

    fn question(&self, family: Family) -> String {
        match (family, self.spanish) {
            (Family::Option, true) => "¿Qué opción?".into(),
            (Family::Option, false) => "Which option?".into(),
            (Family::Condition, true) => "¿Qué caso aplica?".into(),
            (Family::Condition, false) => "Which case applies?".into(),
        }
    }

    fn close_frame(&mut self) {
        if matches!(
            self.frames.last(),
            Some(Frame::Alt {
                level: 1..=6,
                family: Family::Condition,
                ..
            })
        ) {
            // `### If the restart does not help`: it may help, and then the steps go on.
            self.add_otherwise();
        }
        let Some(frame) = self.frames.pop() else {
            return;
        };
        match frame {
            Frame::Main(items) => self.frames.push(Frame::Main(items)),
            Frame::Alt {
                decision, branches, ..
            } => {
                let branches: Vec<Branch> = branches
                    .into_iter()
                    .filter(|b| !b.items.is_empty() || b.link.is_some() || !b.label.is_empty())
                    .collect();
                self.push(Item::Branches { decision, branches });
            }
            Frame::Fail { check, items, .. } => {
                if !items.is_empty() {
                    self.out.on_fail.entry(check).or_default().extend(items);
                }
            }
        }
    }

    // ----- paragraphs --------------------------------------------------------------

    fn paragraph(&mut self, p: &Para, next: Option<&Block>) {
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

    /// `**Symptoms:**`, `**Paso 1**: ...`, `**Option 2:**`. Returns whether it was a label.
    fn bold_label(&mut self, label: &str, rest: &[Span], line: usize) -> bool {
        let label = label.trim();
        let rest_text = plain(rest);
        let rest_text = rest_text.trim_start_matches(':').trim();
        if let Some(role) = roles::role_of(label) {
            // "Expected:", "Look for:", "If it fails:" speak of the step at hand; the
            // other labels (Symptoms, Resolution...) open a part of the section.
            if matches!(role, Role::LookFor | Role::Expected | Role::IfFails) {
                self.transient = Some(role);
            } else {
                self.close_label_frames();
                self.set_role(role, LABEL_LEVEL, label, line);
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
        if roles::option_label(label) && !self.in_item() {
            self.open_branch(Family::Option, label, LABEL_LEVEL, line);
            if !rest_text.is_empty() {
                self.title = Some((rest_text.to_string(), line));
            }
            return true;
        }
        false
    }

    /// `**Severity**: critical`, `*Severidad*: Alta`, `Priority: P1`: the incident's
    /// severity, not a step. A value that names no level stays in the text.
    fn severity_field(&mut self, spans: &[Span]) -> bool {
        let Some((label, value)) = field(spans) else {
            return false;
        };
        let level = roles::severity_label(&label)
            .then(|| roles::severity_of(&value))
            .flatten();
        if let Some(level) = level {
            self.out.severity.get_or_insert_with(|| level.to_string());
        }
        level.is_some()
    }

    /// A paragraph's content under `role`.
    fn content(&mut self, role: Role, spans: &[Span], line: usize, next: Option<&Block>) {
        if self.result_sentence(role, spans) {
            return;
        }
        let text = plain(spans);
        match role {
            Role::Symptoms => self.symptom(spans, line),
            Role::Causes => self.out.hypotheses.push(marked(spans)),
            Role::Prevention => self.out.prevention.push(marked(spans)),
            Role::Expected => self.expect_text(spans, line),
            Role::LookFor => self.look_for(spans),
            Role::Info | Role::DecisionTree => {
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
                if !commands.is_empty() {
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

    // ----- lists -------------------------------------------------------------------

    fn list(&mut self, list: &List) {
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
                for item in &list.items {
                    if let Some(lead) = item_lead(item) {
                        self.expect_text(&lead.spans, item.line);
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
            Role::Info => self.note(
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

    fn procedural_list(&mut self, list: &List) {
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
                        Family::Condition => is_condition_item(it),
                    })
                    .count();
                if run >= 2 {
                    self.item_branches(&items[i..i + run], family);
                    i += run;
                    continue;
                }
            }
            self.item(&items[i]);
            i += 1;
        }
    }

    /// Consecutive `Si …:`/`Option N:` list items: one decision, a branch per item.
    fn item_branches(&mut self, items: &[MdItem], family: Family) {
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
        self.close_frame();
    }

    /// `- ¿Falla solo un usuario?` with `- Sí → …` / `- No → …` sub-items.
    fn decision_item(&mut self, item: &MdItem) -> bool {
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

    fn item(&mut self, item: &MdItem) {
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
    fn item_with_title(&mut self, item: &MdItem, title: &str) {
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
    fn bullet(&mut self, spans: &[Span], line: usize) {
        let text = plain(spans);
        if text.is_empty() || self.severity_field(spans) {
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

    // ----- code blocks -------------------------------------------------------------

    fn code(&mut self, c: &Code, after_shell: bool) {
        let info = fence::parse(&c.info);
        for problem in &info.problems {
            self.out.warnings.push(Warning {
                line: c.line,
                message: format!("fence attributes: {problem}"),
            });
        }
        if !c.closed {
            self.out.warnings.push(Warning {
                line: c.line,
                message: "code fence is never closed: it runs to the end of the document".into(),
            });
        }
        let class = classify(&info.lang, &c.body);
        if class == Class::Output && info.lang.is_empty() {
            if let Some(script) = numbered_procedure(&c.body) {
                let procedure = Code {
                    body: script,
                    ..c.clone()
                };
                self.transient = None;
                self.shell_block(&procedure, &info);
                self.after_shell = true;
                return;
            }
        }
        let transient = self.transient.take();
        // Error text quoted under Symptoms: each line is something the engineer sees.
        if !matches!(class, Class::Shell)
            && (self.role == Role::Symptoms || transient == Some(Role::Symptoms))
        {
            for (i, line) in c.body.lines().enumerate() {
                if !line.trim().is_empty() {
                    self.symptom(&[Span::Code(line.trim().to_string())], c.body_line + i);
                }
            }
            return;
        }
        match class {
            Class::Shell => {
                if matches!(self.role, Role::Expected) || transient == Some(Role::Expected) {
                    self.expect_output(&c.body, c.body_line);
                    return;
                }
                self.shell_block(c, &info);
                self.after_shell = true;
            }
            Class::Output => {
                let expected = matches!(transient, Some(Role::Expected))
                    || self.role == Role::Expected
                    || (after_shell && self.last_command.is_some() && self.title.is_none());
                if expected {
                    self.expect_output(&c.body, c.body_line);
                } else if self.role.is_procedural() || self.role == Role::Info {
                    // A lead-in ("Run this query in the metrics console:") stays with
                    // its block, in a note of its own.
                    let title = self.take_title().map(|t| t.0);
                    let lead = self.description.take();
                    if title.is_some() || lead.is_some() {
                        self.open_note = None;
                    }
                    let text = join_text(lead.as_deref(), &[c.body.trim_end()]);
                    self.note(title.as_deref(), &text.unwrap_or_default(), c.line);
                }
            }
            Class::Data => {
                if transient == Some(Role::Expected) || self.role == Role::Expected {
                    self.expect_output(&c.body, c.body_line);
                } else if self.role.is_procedural() || self.role == Role::Info {
                    let title = self
                        .take_title()
                        .map(|t| t.0)
                        .unwrap_or_else(|| format!("{} snippet", info.lang));
                    self.note(Some(&title), c.body.trim_end(), c.line);
                }
            }
            Class::Sql => {
                let title = self.take_title().map(|t| t.0).unwrap_or_else(|| {
                    if self.spanish {
                        "Ejecutar en la base de datos".into()
                    } else {
                        "Run in the database".into()
                    }
                });
                self.manual(&title, Some(c.body.trim_end().to_string()), c.line);
            }
        }
    }

    fn shell_block(&mut self, c: &Code, info: &fence::FenceInfo) {
        let console = is_console_lang(&info.lang) && has_prompt(&c.body);
        let whole =
            (self.authored || !info.attrs.is_empty()) && !console && !has_option_headers(&c.body);
        let segments = if whole {
            vec![Segment::Step(whole_chunk(c))]
        } else {
            chunks::split(&c.body, c.body_line, console)
        };
        let mut attrs = Some(info.attrs.clone());
        let count = segments.len();
        for segment in segments {
            match segment {
                Segment::Step(chunk) => {
                    let a = if count == 1 {
                        attrs.take()
                    } else {
                        attrs.take().filter(|a| !a.is_empty())
                    };
                    self.chunk_steps(chunk, a.as_ref(), whole);
                }
                Segment::Options { line, chunks } => {
                    self.open_decision(Family::Option, ITEM_LEVEL, line);
                    let outer_title = self.take_title();
                    for chunk in chunks {
                        let label = chunk.title.clone().unwrap_or_else(|| {
                            chunk
                                .commands()
                                .first()
                                .map_or_else(String::new, |c| command_title(c))
                        });
                        if let Some(Frame::Alt { branches, .. }) = self.frames.last_mut() {
                            branches.push(Branch {
                                label: label.clone(),
                                items: Vec::new(),
                                link: None,
                                text: String::new(),
                                line: chunk.line,
                            });
                        }
                        let mut chunk = chunk;
                        let rest = option_rest(&label);
                        chunk.title = Some(if rest.is_empty() { label } else { rest });
                        self.branch_chunk_steps(chunk);
                    }
                    self.close_frame();
                    if let Some(t) = outer_title {
                        // The context title named the whole resolution block; keep it for notes.
                        let _ = t;
                    }
                }
                Segment::Cases { line, chunks } => self.cases(line, chunks),
            }
        }
    }

    /// `# If …` comments in a block (`# If pods are still pending, add a node`, `# Si
    /// falla, ver logs`, `# Otherwise …`): their commands never run right after the step
    /// above as if nothing happened. A single case that says the step above failed (or,
    /// after a check, that its trouble is still there) is that step's `fail` branch; any
    /// other case is a decision whose last choice, "Otherwise", goes on without it.
    fn cases(&mut self, line: usize, chunks: Vec<Chunk>) {
        // A title above the block named what comes first, not these cases.
        self.title = None;
        let label_of = |c: &Chunk| roles::split_condition(c.title.as_deref().unwrap_or_default());
        if let [chunk] = chunks.as_slice() {
            if let Some(check) = self.fail_target(&label_of(chunk).0) {
                let chunk = chunk.clone();
                self.frames.push(Frame::Fail {
                    check,
                    items: Vec::new(),
                    level: ITEM_LEVEL,
                });
                self.case_steps(chunk);
                self.close_frame();
                return;
            }
        }
        self.open_decision(Family::Condition, ITEM_LEVEL, line);
        for chunk in chunks {
            self.add_branch(&label_of(&chunk).0, chunk.line);
            self.case_steps(chunk);
        }
        self.add_otherwise();
        self.close_frame();
    }

    /// The steps of one case: its consequence (`add a node`) titles them.
    fn case_steps(&mut self, mut chunk: Chunk) {
        let (_, consequence) = roles::split_condition(chunk.title.as_deref().unwrap_or_default());
        chunk.numbered = !consequence.is_empty();
        chunk.title = Some(consequence).filter(|c| !c.is_empty());
        self.branch_chunk_steps(chunk);
    }

    /// A chunk that is a whole branch: split after a never-ending command inside it.
    fn branch_chunk_steps(&mut self, chunk: Chunk) {
        self.last_command = None;
        for piece in chunks::split_after_watch(chunk) {
            self.chunk_steps(piece, None, false);
        }
    }

    /// The check a failure case hangs off: the step above, when the case says that step
    /// failed, or that the trouble a check looked at is still there.
    fn fail_target(&mut self, condition: &str) -> Option<String> {
        let id = self.last_command.clone()?;
        match roles::condition_sense(condition) {
            roles::ConditionSense::Outcome if !roles::else_label(condition) => Some(id),
            roles::ConditionSense::Persists => self
                .node_mut(&id)
                .filter(|n| n.kind == NodeKind::Check)
                .map(|_| id),
            _ => None,
        }
    }

    /// "`systemctl restart redis` or `systemctl restart sentinel`": one choice per
    /// command, never both in a row.
    fn or_commands(&mut self, spans: &[Span], line: usize) -> bool {
        let Some(commands) = or_alternatives(spans) else {
            return false;
        };
        let text = marked(spans);
        self.take_title();
        self.open_alternatives(line, Some(text));
        for command in commands {
            let title = command_title(&command);
            self.add_branch(&title, line);
            self.command_node(&title, line, &command, None, None, &[]);
        }
        self.close_frame();
        true
    }

    /// Alternatives written as blocks: sibling variant labels each over its own commands
    /// (`**AWS EKS**:` + block, `**GCP GKE**:` + block), or commands joined by a
    /// paragraph that only says "or". Returns how many blocks it took (0: none).
    fn alternative_blocks(&mut self, blocks: &[Block]) -> usize {
        if self.authored {
            return 0;
        }
        let mut groups = variant_groups(blocks);
        if groups.len() < 2 {
            groups = or_groups(blocks);
        }
        if groups.len() < 2 {
            return 0;
        }
        let taken = groups.iter().map(|g| g.taken).sum();
        let text = self.take_title().map(|t| t.0);
        self.open_alternatives(groups[0].line, text);
        for group in groups {
            self.add_branch(&group.label, group.line);
            match group.inline {
                Some(command) => {
                    let title = command_title(&command);
                    self.command_node(&title, group.line, &command, None, None, &[]);
                }
                None => self.walk(group.blocks),
            }
            self.title = None;
        }
        self.close_frame();
        taken
    }

    fn open_alternatives(&mut self, line: usize, text: Option<String>) {
        let question = self.question(Family::Option);
        let mut decision = self.new_node(NodeKind::Decision, &question, line);
        decision.text = text;
        self.frames.push(Frame::Alt {
            decision: Box::new(decision),
            branches: Vec::new(),
            level: ITEM_LEVEL,
            family: Family::Option,
        });
    }

    /// The way past a decision on conditions: "Otherwise" / "Si no", unless the author
    /// wrote one.
    fn add_otherwise(&mut self) {
        let label = if self.spanish { "Si no" } else { "Otherwise" };
        if let Some(Frame::Alt { branches, .. }) = self.frames.last_mut() {
            if !branches.iter().any(|b| roles::else_label(&b.label)) {
                let line = branches.last().map_or(0, |b| b.line);
                branches.push(Branch {
                    label: label.into(),
                    items: Vec::new(),
                    link: None,
                    text: String::new(),
                    line,
                });
            }
        }
    }

    fn add_branch(&mut self, label: &str, line: usize) {
        if let Some(Frame::Alt { branches, .. }) = self.frames.last_mut() {
            branches.push(Branch {
                label: label.trim().trim_end_matches(':').trim().to_string(),
                items: Vec::new(),
                link: None,
                text: String::new(),
                line,
            });
        }
        self.last_command = None;
    }

    /// The step(s) of one chunk. A chunk with no title of its own and no context title
    /// splits into one step per command (setup lines stay with the command after them).
    fn chunk_steps(&mut self, chunk: Chunk, attrs: Option<&Attrs>, whole: bool) {
        let commands: Vec<String> = chunk.commands().iter().map(|s| s.to_string()).collect();
        let notes: Vec<String> = chunk.notes().iter().map(|s| s.to_string()).collect();
        let only_output = commands.is_empty() && notes.is_empty() && chunk.title.is_none();
        if let (true, Some(id)) = (only_output, self.last_command.clone()) {
            // A block of sample output only: the output of the command above.
            for output in chunk_outputs(&chunk) {
                self.attach_output(&id, output);
            }
            return;
        }
        let context = if chunk.numbered {
            None
        } else {
            self.take_title()
        };
        if commands.is_empty() {
            let title = chunk
                .title
                .clone()
                .or_else(|| context.as_ref().map(|c| c.0.clone()))
                .or_else(|| notes.first().cloned());
            if let Some(title) = title {
                let mut text: Vec<String> =
                    notes.iter().filter(|n| **n != title).cloned().collect();
                text.extend(chunk_outputs(&chunk).filter_map(|o| output_text(o, self.spanish)));
                let text = join_text(None, &text.iter().map(|s| s.as_str()).collect::<Vec<_>>());
                self.manual(&title, text, chunk.line);
                if chunk.interactive {
                    if let Some(id) = self.last_node.clone() {
                        if let Some(n) = self.node_mut(&id) {
                            n.interactive = true;
                        }
                    }
                }
            }
            return;
        }
        let (title, spare) = match (chunk.numbered, &chunk.title, &context) {
            (true, Some(t), _) => (Some(t.clone()), None),
            (false, Some(t), Some(c)) => (Some(c.0.clone()), Some(t.clone())),
            (false, Some(t), None) => (Some(t.clone()), None),
            (_, None, Some(c)) => (Some(c.0.clone()), None),
            _ => (None, None),
        };
        let description = self.description.take();
        let split =
            title.is_none() && commands.len() > 1 && attrs.is_none_or(Attrs::is_empty) && !whole;
        if split {
            self.per_command(&chunk, description);
            return;
        }
        let mut text_parts: Vec<&str> = Vec::new();
        if let Some(s) = &spare {
            text_parts.push(s);
        }
        text_parts.extend(notes.iter().map(String::as_str));
        let text = join_text(description.as_deref(), &text_parts);
        let command = commands.join("\n");
        let title = title.unwrap_or_else(|| command_title(&command));
        let line = chunk.command_line().unwrap_or(chunk.line);
        let line = if chunk.numbered { chunk.line } else { line };
        let outputs: Vec<Output> = chunk_outputs(&chunk).cloned().collect();
        self.command_node(&title, line, &command, text, attrs, &outputs);
        if chunk.interactive {
            if let Some(id) = self.last_command.clone() {
                if let Some(n) = self.node_mut(&id) {
                    n.interactive = true;
                }
            }
        }
    }

    fn per_command(&mut self, chunk: &Chunk, description: Option<String>) {
        let total = chunk.commands().len();
        let mut seen = 0;
        let mut setup: Vec<String> = Vec::new();
        let mut lead_notes: Vec<String> = Vec::new();
        let mut description = description;
        let mut made: Option<String> = None;
        for entry in &chunk.entries {
            match entry {
                Entry::Output(output) => match &made {
                    Some(id) => self.attach_output(id, output),
                    None => lead_notes.extend(output_text(output, self.spanish)),
                },
                Entry::Note { line, text } => {
                    if seen == 0 {
                        lead_notes.push(text.clone());
                    } else if seen < total {
                        self.manual(text, None, *line);
                    } else {
                        self.append_text_to_last(text);
                    }
                }
                Entry::Command { line, text } => {
                    seen += 1;
                    if seen < total && shell::is_setup(text) {
                        setup.push(text.clone());
                        continue;
                    }
                    let mut command = setup.join("\n");
                    if !command.is_empty() {
                        command.push('\n');
                    }
                    command.push_str(text);
                    setup.clear();
                    let notes: Vec<&str> = lead_notes.iter().map(String::as_str).collect();
                    let text_value = join_text(description.take().as_deref(), &notes);
                    lead_notes.clear();
                    self.command_node(&command_title(text), *line, &command, text_value, None, &[]);
                    made = self.last_node.clone();
                }
            }
        }
    }

    // ----- node makers -------------------------------------------------------------

    fn new_node(&mut self, kind: NodeKind, title: &str, line: usize) -> Node {
        self.new_named_node(kind, title, line, None)
    }

    /// An id the author gave (reserved when the walker was made): theirs, unless used
    /// twice or `end`, then renamed with a warning.
    fn claim_explicit_id(&mut self, id: &str, line: usize) -> String {
        if id != END && self.explicit_used.insert(id.to_string()) {
            return id.to_string();
        }
        let renamed = self.ids.unique(id);
        let why = if id == END {
            "names the end of the graph"
        } else {
            "is used twice"
        };
        self.out.warnings.push(Warning {
            line,
            message: format!("step id `{id}` {why}: this one is renamed `{renamed}`"),
        });
        renamed
    }

    /// A node whose id the author chose (`{#id}`), else one made from its title.
    fn new_named_node(
        &mut self,
        kind: NodeKind,
        title: &str,
        line: usize,
        named: Option<&str>,
    ) -> Node {
        let title = clean_title(title.trim());
        let id = match named {
            Some(id) => self.claim_explicit_id(id, line),
            None => self.generated_id(kind, &title),
        };
        self.bind_anchors(&id);
        self.created += 1;
        self.open_note = None;
        Node::new(id, kind, title, line)
    }

    fn generated_id(&mut self, kind: NodeKind, title: &str) -> String {
        let base = short_slug(title, 40);
        if base.is_empty() {
            self.ids.unique(&format!("{kind:?}").to_lowercase())
        } else {
            self.ids.unique(&base)
        }
    }

    fn bind_anchors(&mut self, id: &str) {
        for anchor in self.pending_anchors.drain(..) {
            self.out
                .anchors
                .entry(anchor)
                .or_insert_with(|| id.to_string());
        }
    }

    fn push(&mut self, item: Item) {
        if let Item::Node(n) = &item {
            self.last_node = Some(n.id.clone());
        }
        match self.frames.last_mut() {
            Some(Frame::Main(items)) | Some(Frame::Fail { items, .. }) => items.push(item),
            Some(Frame::Alt { branches, .. }) => {
                if let Some(b) = branches.last_mut() {
                    b.items.push(item);
                }
            }
            None => {}
        }
    }

    fn command_node(
        &mut self,
        title: &str,
        line: usize,
        command: &str,
        text: Option<String>,
        attrs: Option<&Attrs>,
        outputs: &[Output],
    ) {
        let default = Attrs::default();
        let a = attrs.unwrap_or(&default);
        if !self.authored && a.is_empty() && self.split_at_shell(title, line, command, &text) {
            return;
        }
        let cmds = shell::simple_commands(command);
        let destructive = a.destructive.unwrap_or_else(|| {
            super::destructive::detect_in(command, &cmds).is_some()
                || warned_next_to(title, text.as_deref(), command)
        });
        if a.is_empty() && self.typed_in_open_shell(title, command, text.as_deref(), destructive) {
            return;
        }
        let kind = a
            .kind
            .unwrap_or_else(|| self.command_kind(destructive, title, &cmds));
        let mut node = self.new_named_node(kind, title, line, a.id.as_deref());
        if let Some(t) = &a.title {
            node.title = t.clone();
        }
        node.command = Some(command.to_string());
        node.text = text.filter(|t| !t.trim().is_empty() && t.trim() != node.title);
        node.destructive = destructive;
        node.watch = a.watch.unwrap_or_else(|| shell::never_ending_in(&cmds));
        node.interactive = a
            .interactive
            .unwrap_or_else(|| shell::interactive_in(&cmds));
        node.confirm = a.confirm.unwrap_or(false);
        node.skip = a.skip.unwrap_or(false);
        node.timeout_ms = a.timeout_ms;
        node.shell = a.shell.clone();
        node.cwd = a.cwd.clone();
        node.expect = a.expect.clone();
        node.findings = a.findings.clone();
        for output in outputs {
            apply_output(&mut node, output, self.spanish);
        }
        let mut edges = Vec::new();
        if let Some(t) = &a.on_ok {
            edges.push((EdgeOn::Ok, t.clone(), line));
        }
        if let Some(t) = &a.on_fail {
            edges.push((EdgeOn::Fail, t.clone(), line));
        }
        if let Some(t) = &a.on_find {
            if node.findings.is_empty() {
                self.out.warnings.push(Warning {
                    line,
                    message: format!(
                        "step `{}` has on-find but no find/find-regex/find-threshold",
                        node.id
                    ),
                });
            }
            for f in &node.findings {
                edges.push((EdgeOn::Find(f.label.clone()), t.clone(), line));
            }
        }
        if !edges.is_empty() {
            self.out.explicit.insert(node.id.clone(), edges);
        }
        let expect_prefix = if self.spanish { "Esperado" } else { "Expected" };
        for spans in std::mem::take(&mut self.pending_expect) {
            for e in expect::expectations_from_text(&spans, command) {
                if !node.expect.contains(&e) {
                    node.expect.push(e);
                }
            }
            append(
                &mut node.text,
                &format!("{expect_prefix}: {}", marked(&spans)),
            );
        }
        for spans in std::mem::take(&mut self.pending_look_for) {
            match expect::finding_from_item(&spans) {
                Some(f) if !node.findings.iter().any(|x| x.value == f.value) => {
                    node.findings.push(f)
                }
                _ => append(&mut node.text, &marked(&spans)),
            }
        }
        self.fresh_heading = false;
        if node.kind == NodeKind::Check || node.kind == NodeKind::Action {
            self.last_command = Some(node.id.clone());
        }
        if !self.authored && shell::opens_shell_in(&cmds) {
            self.shell_context = Some(node.id.clone());
        }
        self.push(Item::Node(Box::new(node)));
    }

    /// `ssh host` followed, in the same step, by commands for that host: the commands
    /// before the shell, the shell, and the rest (typed in it) as steps of their own.
    fn split_at_shell(
        &mut self,
        title: &str,
        line: usize,
        command: &str,
        text: &Option<String>,
    ) -> bool {
        if !command.contains('\n') {
            return false;
        }
        let pieces: Vec<String> = shell::pieces(command, line)
            .into_iter()
            .filter_map(|p| match p.piece {
                shell::Piece::Command(c) => Some(c),
                _ => None,
            })
            .collect();
        let Some(at) = pieces.iter().position(|c| shell::opens_shell(c)) else {
            return false;
        };
        if at + 1 == pieces.len() {
            return false;
        }
        if at > 0 {
            let before = pieces[..at].join("\n");
            self.command_node(&command_title(&before), line, &before, None, None, &[]);
        }
        self.command_node(title, line, &pieces[at], text.clone(), None, &[]);
        for rest in &pieces[at + 1..] {
            self.command_node(&command_title(rest), line, rest, None, None, &[]);
        }
        true
    }

    /// A command after a step that opened a shell elsewhere joins that step's text, to
    /// be typed there: it never runs on this machine. Whether it destroys carries over.
    fn typed_in_open_shell(
        &mut self,
        title: &str,
        command: &str,
        text: Option<&str>,
        destructive: bool,
    ) -> bool {
        let Some(id) = self.shell_context.clone() else {
            return false;
        };
        if !self.in_current_frame(&id) {
            self.shell_context = None;
            return false;
        }
        let lead = if self.spanish {
            "En la shell que abre, ejecutar:"
        } else {
            "In the shell it opens, run:"
        };
        let mut lines = Vec::new();
        if title != command_title(command) {
            lines.push(format!("# {title}"));
        }
        if let Some(t) = text.and_then(|t| t.lines().next()).filter(|t| *t != title) {
            lines.push(format!("# {t}"));
        }
        lines.push(format!("$ {command}"));
        for spans in std::mem::take(&mut self.pending_expect) {
            lines.push(format!("# {}", marked(&spans)));
        }
        let Some(node) = self.node_mut(&id) else {
            return false;
        };
        let t = node.text.get_or_insert_with(String::new);
        if !t.contains(lead) {
            if !t.is_empty() {
                t.push('\n');
            }
            t.push_str(lead);
        }
        for l in lines {
            t.push('\n');
            t.push_str(&l);
        }
        if destructive {
            node.destructive = true;
            node.kind = NodeKind::Action;
        }
        if matches!(command.trim(), "exit" | "logout") {
            self.shell_context = None;
        }
        true
    }

    fn in_current_frame(&self, id: &str) -> bool {
        let items = match self.frames.last() {
            Some(Frame::Main(items)) | Some(Frame::Fail { items, .. }) => items.as_slice(),
            Some(Frame::Alt { branches, .. }) => {
                branches.last().map(|b| b.items.as_slice()).unwrap_or(&[])
            }
            None => &[],
        };
        items
            .iter()
            .any(|i| matches!(i, Item::Node(n) if n.id == id))
    }

    fn command_kind(&self, destructive: bool, title: &str, cmds: &[Vec<shell::Word>]) -> NodeKind {
        if destructive {
            return NodeKind::Action;
        }
        match self.role {
            Role::Action => NodeKind::Action,
            Role::Diagnosis | Role::Verification | Role::Prerequisites => NodeKind::Check,
            _ if changes_system(title, cmds) => NodeKind::Action,
            _ => NodeKind::Check,
        }
    }

    fn manual(&mut self, title: &str, text: Option<String>, line: usize) {
        let (title, overflow) = shorten_title(title);
        let mut node = self.new_node(NodeKind::Manual, &title, line);
        let text = text.or(overflow).filter(|t| t.trim() != node.title);
        node.text = text;
        self.push(Item::Node(Box::new(node)));
    }

    fn note(&mut self, title: Option<&str>, text: &str, line: usize) {
        if let Some(id) = self.open_note.clone() {
            if let Some(n) = self.node_mut(&id) {
                let t = n.text.get_or_insert_with(String::new);
                t.push('\n');
                t.push_str(text);
                return;
            }
        }
        let default_title = if self.spanish { "Nota" } else { "Note" };
        let title = title.map(str::to_string).unwrap_or_else(|| {
            let (short, _) = shorten_title(text.lines().next().unwrap_or(default_title));
            short
        });
        let mut node = self.new_node(NodeKind::Note, &title, line);
        node.text = Some(text.to_string());
        let id = node.id.clone();
        self.push(Item::Node(Box::new(node)));
        self.open_note = Some(id);
    }

    fn escalate(&mut self, text: &str, line: usize) {
        let title = self
            .role_title
            .clone()
            .filter(|_| self.role == Role::Escalation)
            .unwrap_or_else(|| {
                if self.spanish {
                    "Escalar".into()
                } else {
                    "Escalate".into()
                }
            });
        if let Some(id) = self.last_node.clone() {
            if let Some(n) = self.node_mut(&id) {
                if n.kind == NodeKind::Escalate && n.title == title {
                    let t = n.text.get_or_insert_with(String::new);
                    t.push('\n');
                    t.push_str(text);
                    return;
                }
            }
        }
        let mut node = self.new_node(NodeKind::Escalate, &title, line);
        node.text = Some(text.to_string());
        self.push(Item::Node(Box::new(node)));
    }

    fn symptom(&mut self, spans: &[Span], line: usize) {
        let text = plain(spans);
        if text.is_empty() {
            return;
        }
        self.symptoms += 1;
        let id = self.ids.unique(&format!("symptom-{}", self.symptoms));
        self.bind_anchors(&id);
        self.created += 1;
        let (title, _) = shorten_title(&text);
        let mut node = Node::new(id, NodeKind::Symptom, title, line);
        let marked_text = marked(spans);
        if marked_text != node.title {
            node.text = Some(marked_text);
        }
        self.push(Item::Node(Box::new(node)));
    }

    /// "Si falla" prose without a heading frame: a manual step taken when the last check fails.
    fn fail_branch(&mut self, title: &str, text: &str, line: usize) {
        let Some(check) = self.last_command.clone() else {
            self.manual(title, Some(text.to_string()), line);
            return;
        };
        self.frames.push(Frame::Fail {
            check,
            items: Vec::new(),
            level: ITEM_LEVEL,
        });
        self.manual(title, Some(text.to_string()), line);
        self.close_frame();
    }

    fn if_fails_title(&self) -> String {
        if self.spanish {
            "Si falla".into()
        } else {
            "If it fails".into()
        }
    }

    // ----- attaching to the last command ---------------------------------------------

    fn expect_text(&mut self, spans: &[Span], line: usize) {
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

    fn expect_output(&mut self, body: &str, line: usize) {
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

    fn look_for(&mut self, spans: &[Span]) {
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
    fn result_sentence(&mut self, role: Role, spans: &[Span]) -> bool {
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

    fn attach_output(&mut self, id: &str, output: &Output) {
        let spanish = self.spanish;
        if let Some(node) = self.node_mut(id) {
            apply_output(node, output, spanish);
        }
    }

    fn append_text_to_last(&mut self, text: &str) {
        if let Some(id) = self.last_node.clone() {
            if let Some(node) = self.node_mut(&id) {
                append(&mut node.text, text);
            }
        }
    }

    fn node_mut(&mut self, id: &str) -> Option<&mut Node> {
        for frame in self.frames.iter_mut().rev() {
            let found = match frame {
                Frame::Main(items) | Frame::Fail { items, .. } => find_in(items, id),
                Frame::Alt {
                    decision, branches, ..
                } => {
                    if decision.id == id {
                        return Some(decision);
                    }
                    branches.iter_mut().find_map(|b| find_in(&mut b.items, id))
                }
            };
            if found.is_some() {
                return found;
            }
        }
        for items in self.out.on_fail.values_mut() {
            if let Some(n) = find_in(items, id) {
                return Some(n);
            }
        }
        None
    }

    fn take_title(&mut self) -> Option<(String, usize)> {
        self.title.take()
    }

    fn in_item(&self) -> bool {
        !self.item_stack.is_empty()
    }

    fn created_in_item(&self) -> bool {
        self.item_stack
            .last()
            .is_some_and(|&start| self.created > start)
    }

    fn in_fail_frame(&self) -> bool {
        self.frames.iter().any(|f| matches!(f, Frame::Fail { .. }))
    }
}

fn find_in<'a>(items: &'a mut [Item], id: &str) -> Option<&'a mut Node> {
    for item in items.iter_mut() {
        match item {
            Item::Node(n) if n.id == id => return Some(n),
            Item::Node(_) => {}
            Item::Branches { decision, branches } => {
                if decision.id == id {
                    return Some(decision);
                }
                for b in branches.iter_mut() {
                    if let Some(n) = find_in(&mut b.items, id) {
                        return Some(n);
                    }
                }
            }
        }
    }
    None
}

/// Output a block shows for a command: its literal becomes an expectation, its rows
/// findings, and the sample is shown with the step.
fn apply_output(node: &mut Node, output: &Output, spanish: bool) {
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
fn output_text(output: &Output, spanish: bool) -> Option<String> {
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

fn chunk_outputs(chunk: &Chunk) -> impl Iterator<Item = &Output> {
    chunk.entries.iter().filter_map(|e| match e {
        Entry::Output(o) => Some(o),
        _ => None,
    })
}

fn append(text: &mut Option<String>, more: &str) {
    match text {
        Some(t) if !t.is_empty() => {
            t.push('\n');
            t.push_str(more);
        }
        _ => *text = Some(more.to_string()),
    }
}

fn join_text(description: Option<&str>, parts: &[&str]) -> Option<String> {
    let mut all: Vec<&str> = Vec::new();
    if let Some(d) = description {
        all.push(d);
    }
    all.extend(parts.iter().copied().filter(|p| !p.trim().is_empty()));
    (!all.is_empty()).then(|| all.join("\n"))
}

/// Titles stay one line and short; the rest goes to the text.
fn shorten_title(text: &str) -> (String, Option<String>) {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let max = 90;
    if one_line.chars().count() <= max {
        return (one_line, None);
    }
    let mut cut: String = one_line.chars().take(max).collect();
    if let Some(space) = cut.rfind(' ') {
        cut.truncate(space);
    }
    (format!("{cut}…"), Some(one_line))
}

/// A readable title for an untitled command: its first line, shortened.
fn command_title(command: &str) -> String {
    let first = command.lines().next().unwrap_or(command).trim();
    let first = first.trim_end_matches('\\').trim();
    shorten_title(first).0
}

/// `2. Verificar conectividad` → `Verificar conectividad` (the slug keeps the number).
fn strip_numbering(title: &str) -> String {
    let t = title.trim();
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 3 {
        return t.to_string();
    }
    match t[digits..].strip_prefix(['.', ')']) {
        Some(rest) if rest.starts_with(' ') && !rest.trim().is_empty() => rest.trim().to_string(),
        _ => t.to_string(),
    }
}

/// `Option 1: Force new deployment` → `Force new deployment`.
fn option_rest(label: &str) -> String {
    let label = label.trim();
    match label.find([':', '-', '—', '–', ')']) {
        Some(i) if i < 20 => label[i + 1..].trim().to_string(),
        _ => String::new(),
    }
}

/// The commands of "`A` or `B`" (`o`, `u`, `or alternatively`…): only when every gap
/// between them is such a word.
fn or_alternatives(spans: &[Span]) -> Option<Vec<String>> {
    let mut commands: Vec<String> = Vec::new();
    let mut gap = String::new();
    for span in spans {
        match span {
            Span::Code(c) if inline_commands(std::slice::from_ref(span)).len() == 1 => {
                if !commands.is_empty() && !roles::or_word(&gap) {
                    return None;
                }
                commands.push(c.trim().to_string());
                gap.clear();
            }
            Span::Code(c) => gap.push_str(c),
            other => gap.push_str(&plain(std::slice::from_ref(other))),
        }
    }
    (commands.len() >= 2).then_some(commands)
}

/// One alternative among blocks: its label, and its blocks or its one inline command.
struct AltGroup<'a> {
    label: String,
    line: usize,
    blocks: &'a [Block],
    inline: Option<String>,
    /// Blocks it spans, with its label or the "or" before the next one.
    taken: usize,
}

/// `**AWS EKS**:` + a shell block (or `**AWS EKS**: `aws eks …``), repeated.
fn variant_groups(blocks: &[Block]) -> Vec<AltGroup<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(Block::Para(p)) = blocks.get(i) {
        let Some((label, rest)) = leading_strong(&p.spans) else {
            break;
        };
        if !roles::variant_label(&label) {
            break;
        }
        let label = label.trim().trim_end_matches(':').trim().to_string();
        let rest = strip_leading_colon(&rest);
        if plain(&rest).trim().is_empty() {
            match blocks.get(i + 1) {
                Some(Block::Code(c)) if is_shell_block(c) => {
                    out.push(AltGroup {
                        label,
                        line: p.line,
                        blocks: &blocks[i + 1..i + 2],
                        inline: None,
                        taken: 2,
                    });
                    i += 2;
                }
                _ => break,
            }
        } else {
            let commands = inline_commands(&rest);
            if commands.len() != 1 {
                break;
            }
            out.push(AltGroup {
                label,
                line: p.line,
                blocks: &blocks[i..i + 1],
                inline: commands.into_iter().next(),
                taken: 1,
            });
            i += 1;
        }
    }
    out
}

/// A command (a paragraph that is only a command, or a shell block), then "or" and
/// another, repeated. The "or" paragraphs are not in any group.
fn or_groups(blocks: &[Block]) -> Vec<AltGroup<'_>> {
    let joined = |b: Option<&Block>| matches!(b, Some(Block::Para(p)) if p.text.len() <= 24 && roles::or_word(&p.text));
    if !joined(blocks.get(1)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(group) = blocks
        .get(i)
        .and_then(|b| command_group(b, &blocks[i..i + 1]))
    {
        out.push(group);
        if !(joined(blocks.get(i + 1)) && blocks.len() > i + 2) {
            break;
        }
        if let Some(last) = out.last_mut() {
            last.taken = 2;
        }
        i += 2;
    }
    if out.len() < 2 {
        return Vec::new();
    }
    out
}

fn command_group<'a>(block: &Block, blocks: &'a [Block]) -> Option<AltGroup<'a>> {
    match block {
        Block::Para(p) => {
            let commands = inline_commands(&p.spans);
            let only_code = plain(&p.spans)
                .trim_matches(|c: char| c.is_ascii_punctuation() || c == ' ')
                == commands
                    .first()?
                    .trim_matches(|c: char| c.is_ascii_punctuation() || c == ' ');
            (commands.len() == 1 && only_code).then(|| AltGroup {
                label: command_title(&commands[0]),
                line: p.line,
                blocks,
                inline: commands.into_iter().next(),
                taken: 1,
            })
        }
        Block::Code(c) if is_shell_block(c) => {
            let first = c
                .body
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))?;
            Some(AltGroup {
                label: command_title(first),
                line: c.line,
                blocks,
                inline: None,
                taken: 1,
            })
        }
        _ => None,
    }
}

/// The parts of a choice item `Sí → text [link](#target)`: label, text, link, commands.
fn choice_parts(spans: &[Span]) -> Option<(String, String, Option<String>, Vec<String>)> {
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

/// The step's title, lead-in or comments warn that it destroys ("CAUTION: DATA LOSS").
fn warned_next_to(title: &str, text: Option<&str>, command: &str) -> bool {
    let comments = || {
        command
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix('#'))
            .chain(command.lines().filter_map(|l| {
                let code = shell::strip_trailing_comment(l);
                l.get(code.len()..).filter(|c| c.contains('#'))
            }))
    };
    super::destructive::warned(title)
        || text.is_some_and(super::destructive::warned)
        || (command.contains('#') && comments().any(super::destructive::warned))
}

/// Code spans that are commands: `` `kubectl -n x get pods` ``, `` `alembic upgrade head` ``.
pub(super) fn inline_commands(spans: &[Span]) -> Vec<String> {
    code_spans(spans)
        .into_iter()
        .filter(|c| {
            let c = c.trim();
            c.split_whitespace().count() >= 2 && shell::looks_like_command(c)
        })
        .map(|c| c.trim().to_string())
        .collect()
}

/// "Escalate to the DBA", "Escalar al equipo de plataforma", "Page the on-call". The
/// Spanish verb also means "to scale" (`Escalar instancia`, `Escalar horizontalmente:
/// kubectl scale …`): it escalates only towards someone, a level or a condition.
fn is_escalation_text(text: &str) -> bool {
    let folded = deunicode::deunicode(text).to_lowercase();
    let folded = folded.trim_start();
    if [
        "escalate",
        "escalation",
        "escalamiento",
        "escalacion",
        "page the",
        "contact the on-call",
        "avisar al",
        "avisar a",
        "notificar al",
    ]
    .iter()
    .any(|w| folded.starts_with(w))
    {
        return true;
    }
    let Some(rest) = folded.strip_prefix("escalar") else {
        return false;
    };
    let words: Vec<&str> = rest
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    const TOWARDS: &[&str] = &[
        "equipo",
        "nivel",
        "guardia",
        "on-call",
        "oncall",
        "responsable",
        "lider",
        "jefe",
        "manager",
        "soporte",
        "sre",
        "dba",
        "dbas",
        "proveedor",
        "vendor",
        "incidente",
        "incidencia",
        "ticket",
        "caso",
        "l2",
        "l3",
        "n2",
        "n3",
    ];
    match words.as_slice() {
        ["al" | "con" | "si" | "cuando" | "inmediatamente", ..] => true,
        ["a", next, ..] => !next.starts_with(|c: char| c.is_ascii_digit()) || *next == "nivel",
        _ => words.iter().take(4).any(|w| TOWARDS.contains(w)),
    }
}

/// Commands that change something even when nobody would call them destructive.
fn changes_system(title: &str, cmds: &[Vec<shell::Word>]) -> bool {
    let folded = deunicode::deunicode(title).to_lowercase();
    const VERBS: &[&str] = &[
        "restart",
        "reiniciar",
        "start",
        "iniciar",
        "levantar",
        "apply",
        "aplicar",
        "deploy",
        "desplegar",
        "scale",
        "rollback",
        "revert",
        "revertir",
        "restore",
        "restaurar",
        "fix",
        "clear",
        "limpiar",
        "delete",
        "borrar",
        "eliminar",
        "disable",
        "deshabilitar",
        "desactivar",
        "enable",
        "habilitar",
        "activar",
        "increase",
        "aumentar",
        "update",
        "actualizar",
        "retry",
        "reintentar",
        "backup",
        "respaldar",
        "create",
        "crear",
        "stop",
        "detener",
        "rebuild",
        "force",
        "forzar",
        "pause",
        "pausar",
        "resume",
        "reanudar",
        "rotate",
        "rotar",
        "upgrade",
        "migrate",
        "migrar",
        "install",
        "instalar",
        "mark",
        "marcar",
    ];
    let first = folded.split_whitespace().next().unwrap_or("");
    if VERBS.iter().any(|v| first.starts_with(v)) {
        return true;
    }
    cmds.iter().any(|words| match shell::program(words) {
        Some(("docker" | "docker-compose" | "podman", args)) => args.iter().any(|a| {
            matches!(
                a.as_ref(),
                "up" | "start" | "build" | "pull" | "create" | "scale"
            )
        }),
        Some(("pg_dump" | "createdb" | "mongodump" | "mkdir" | "cp" | "mv" | "tee", _)) => true,
        Some(("make", args)) => args.iter().any(|a| {
            matches!(
                a.as_ref(),
                "up" | "up-detached" | "build" | "start" | "db-backup" | "backup"
            )
        }),
        _ => false,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Shell,
    /// Sample output or prose.
    Output,
    /// YAML, JSON, PromQL, source code: never run.
    Data,
    Sql,
}

const SHELL_LANGS: &[&str] = &[
    "bash",
    "sh",
    "shell",
    "zsh",
    "fish",
    "ksh",
    "console",
    "shell-session",
    "sh-session",
    "terminal",
    "shellsession",
    "shellscript",
    "bash-session",
    "cmd",
    "powershell",
    "ps1",
    "pwsh",
    "bat",
];
const OUTPUT_LANGS: &[&str] = &[
    "text",
    "txt",
    "output",
    "log",
    "logs",
    "plaintext",
    "plain",
    "none",
    "out",
    "stdout",
    "nohighlight",
    "ansi",
];

fn classify(lang: &str, body: &str) -> Class {
    if is_console_lang(lang) && !has_prompt(body) {
        // A transcript without `$ `: commands written bare, or a query for another
        // console (PromQL) that must stay visible instead of vanishing.
        return classify("", body);
    }
    if SHELL_LANGS.contains(&lang) {
        return Class::Shell;
    }
    if OUTPUT_LANGS.contains(&lang) {
        return Class::Output;
    }
    if matches!(
        lang,
        "sql" | "psql" | "pgsql" | "postgresql" | "postgres" | "mysql" | "plpgsql"
    ) {
        return Class::Sql;
    }
    if !lang.is_empty() {
        return Class::Data;
    }
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let Some(first) = lines.first() else {
        // Only comments: a shell block of notes.
        return if body.trim().is_empty() {
            Class::Output
        } else {
            Class::Shell
        };
    };
    let commandish = lines
        .iter()
        .filter(|l| shell::looks_like_command(l))
        .count();
    if shell::looks_like_command(first) && commandish * 2 >= lines.len() {
        Class::Shell
    } else {
        Class::Output
    }
}

fn is_console_lang(lang: &str) -> bool {
    matches!(
        lang,
        "console" | "shell-session" | "sh-session" | "terminal" | "shellsession" | "bash-session"
    )
}

fn has_prompt(body: &str) -> bool {
    body.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("$ ") || t.trim_end() == "$"
    })
}

/// A procedure written inside an unlabelled fence: `1. Check services` items with the
/// command indented under each. Returns it as a shell script with `# 1. …` headers (the
/// same lines, so line numbers hold); prose under an item becomes a comment.
fn numbered_procedure(body: &str) -> Option<String> {
    let numbered = |l: &str| {
        let t = l.trim_start();
        l.len() - t.len() <= 3
            && t.split_once(['.', ')']).is_some_and(|(n, rest)| {
                !n.is_empty()
                    && n.len() <= 2
                    && n.bytes().all(|b| b.is_ascii_digit())
                    && rest.starts_with(' ')
            })
    };
    let first = body.lines().find(|l| !l.trim().is_empty())?;
    if !numbered(first) {
        return None;
    }
    let mut commands = 0;
    let mut out = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        if t.is_empty() {
            out.push(String::new());
        } else if numbered(line) {
            out.push(format!("# {t}"));
        } else if line.len() - line.trim_start().len() < 2 {
            return None;
        } else if shell::looks_like_command(t) {
            commands += 1;
            out.push(t.to_string());
        } else {
            out.push(format!("# {t}"));
        }
    }
    (commands > 0).then(|| out.join("\n"))
}

fn is_shell_block(c: &Code) -> bool {
    classify(&fence::lang_of(&c.info), &c.body) == Class::Shell
}

fn has_option_headers(body: &str) -> bool {
    body.lines()
        .filter_map(|l| l.trim().strip_prefix('#'))
        .filter(|c| roles::option_label(c))
        .count()
        >= 2
}

fn whole_chunk(c: &Code) -> Chunk {
    let body = c.body.trim_end();
    let mut entries = vec![Entry::Command {
        line: c.body_line,
        text: body.to_string(),
    }];
    entries.extend(
        body.lines()
            .filter_map(|l| l.trim().strip_prefix('#'))
            .filter_map(chunks::expectation_comment)
            .map(|value| {
                Entry::Output(Output {
                    line: c.body_line,
                    expect: Some(value),
                    ..Output::default()
                })
            }),
    );
    Chunk {
        line: c.body_line,
        entries,
        ..Chunk::default()
    }
}

/// A paragraph's lines split where a line starts with a bold label, each with its
/// line offset; `None` when there is nothing to split.
fn label_lines(spans: &[Span]) -> Option<Vec<(usize, Vec<Span>)>> {
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
fn label_starts(spans: &[Span]) -> bool {
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
fn field(spans: &[Span]) -> Option<(String, String)> {
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

/// `**Label:** rest` → ("Label:", rest spans).
fn leading_strong(spans: &[Span]) -> Option<(String, Vec<Span>)> {
    let first = spans
        .iter()
        .position(|s| !matches!(s, Span::Text(t) if t.trim().is_empty()))?;
    match &spans[first] {
        Span::Strong(inner) => Some((plain(inner), spans[first + 1..].to_vec())),
        _ => None,
    }
}

/// The spans after a bold label, without the `:` that may follow it.
fn strip_leading_colon(rest: &[Span]) -> Vec<Span> {
    let mut out = rest.to_vec();
    if let Some(Span::Text(t)) = out.first_mut() {
        *t = t.trim_start().trim_start_matches(':').to_string();
    }
    out
}

/// `Buscar: x` / `Esperado: 200` → ("Buscar", "x"). Only short heads count.
fn split_label(text: &str) -> Option<(&str, &str)> {
    let (head, tail) = text.split_once(':')?;
    if head.split_whitespace().count() > 4 || head.trim().is_empty() {
        return None;
    }
    Some((head.trim(), tail.trim()))
}

/// The spans after a `Label:` prefix, keeping code spans.
fn strip_label_spans(spans: &[Span], head: &str) -> Option<Vec<Span>> {
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

fn is_option_item(item: &MdItem) -> bool {
    item_lead(item).is_some_and(|p| {
        roles::option_label(&p.text)
            || leading_strong(&p.spans).is_some_and(|(label, _)| roles::variant_label(&label))
    })
}

fn is_condition_item(item: &MdItem) -> bool {
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

fn item_text(item: &MdItem) -> String {
    let mut parts = Vec::new();
    for block in &item.blocks {
        let t = block_text(block);
        if !t.is_empty() {
            parts.push(t);
        }
    }
    parts.join("\n")
}

fn list_text(list: &List) -> String {
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

fn block_text(block: &Block) -> String {
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

fn quote_text(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(block_text)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn blocks_have_code(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| match b {
        Block::Code(c) => {
            is_shell_block(c) || classify(&fence::lang_of(&c.info), &c.body) == Class::Sql
        }
        Block::List(l) => l.items.iter().any(|i| blocks_have_code(&i.blocks)),
        _ => false,
    })
}

fn list_has_code(list: &List) -> bool {
    list.items.iter().any(|i| blocks_have_code(&i.blocks))
}

fn list_has_commands(list: &List) -> bool {
    list.items
        .iter()
        .any(|i| item_lead(i).is_some_and(|p| !inline_commands(&p.spans).is_empty()))
}

/// `Question? {#id}`: the text without its trailing `{#id}`, and the id, when the
/// author named the step (answers files then say `id: choice`).
fn explicit_id(text: &str) -> (&str, Option<&str>) {
    let trimmed = text.trim_end();
    let named = trimmed
        .strip_suffix('}')
        .and_then(|rest| rest.rsplit_once("{#"))
        .filter(|(_, id)| {
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    match named {
        Some((question, id)) => (question.trim_end(), Some(id)),
        None => (text, None),
    }
}

fn list_has_decision(list: &List) -> bool {
    list.items.iter().any(|i| {
        item_lead(i).is_some_and(|p| explicit_id(&p.text).0.trim_end().ends_with('?'))
            || is_condition_item(i)
            || is_option_item(i)
    })
}

/// Explicit step ids in a section's fences, reserved before generated ids are handed out.
pub fn explicit_ids(blocks: &[Block]) -> Vec<String> {
    let mut out = Vec::new();
    collect_ids(blocks, &mut out);
    out
}

fn collect_ids(blocks: &[Block], out: &mut Vec<String>) {
    for block in blocks {
        match block {
            Block::Code(c) => {
                if let Some(id) = fence::id_of(&c.info) {
                    out.push(id);
                }
            }
            Block::List(l) => {
                for item in &l.items {
                    let named =
                        item_lead(item).and_then(|p| explicit_id(&p.text).1.map(String::from));
                    out.extend(named);
                    collect_ids(&item.blocks, out);
                }
            }
            Block::Quote(q) => collect_ids(&q.blocks, out),
            _ => {}
        }
    }
}
