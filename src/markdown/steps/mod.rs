//! The blocks of one incident section → a tree of steps (`Item`s), in document order.
//!
//! The walker keeps the role of the part it is in (from headings and bold labels), a
//! pending step title (from step headings, list-item leads and lead-in paragraphs) and
//! the last command it made, so that "Buscar:", "Esperado" and "Si falla" attach to it.
//! Alternatives (`Option N`, `If …`/`Si …` cases, `¿…?` decision lists) become one
//! decision whose branches hold their own steps. `assemble` turns the tree into edges.
//!
//! This file holds the tree, the walker's state and the walk over blocks (headings set
//! the role and title); each kind of block and each rule has its own file:
//! `prose` (paragraphs, bold labels), `lists`, `code` (code blocks into steps) with
//! `classify` (what a block holds), `commands` (command steps), `shell_context`
//! (commands typed in another shell), `manual` (manual steps, notes, escalations,
//! symptoms), `attach` (what attaches to the last command), `branches` (decisions and
//! failure branches), `alternatives`, `causes` (bold numbered causes), `ids` and `text`
//! (titles and texts).

mod alternatives;
mod attach;
mod branches;
mod causes;
mod classify;
mod code;
mod commands;
mod ids;
mod lists;
mod manual;
mod prose;
mod shell_context;
mod text;

use super::blocks::{Block, Heading, Span};
use super::roles::{self, Role};
use super::slug::{clean_title, title_slug, SlugSet};
use crate::graph::{EdgeOn, Node, Warning, END};
use foldhash::HashMap;
use lists::quote_text;
use text::strip_numbering;

pub use causes::cause_labels_as_headings;
pub(super) use commands::inline_commands;
pub use ids::explicit_ids;
pub(super) use prose::severity_in;

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
    /// Sibling headings that are alternative scenarios: a "none of these" choice goes on.
    Scenario,
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
    /// The command steps the last code block made: a result sentence after a block of
    /// like commands (`ping a`, `ping b`) is about each of them.
    block_commands: Vec<String>,
    /// The code block being walked was taken as the last command's expected output.
    output_attached: bool,
    /// The step that opened a shell elsewhere (`ssh host`, `oc rsh pod`): the rest of
    /// its block, and later blocks whose lead-in says so, are typed in that shell.
    shell_context: Option<String>,
    /// Heading line → whether it starts one of a group of alternative scenarios.
    scenarios: HashMap<usize, bool>,
    /// The walk has begun (`walk` is also called for list items and alternatives).
    started: bool,
    /// In the lead prose of a section that names its parts further down (before its
    /// first role or heading): code spans there mention commands, they are not steps.
    intro: bool,
    /// The block being walked is typed in `shell_context`.
    shell_joins: bool,
    /// ... and it is a later block than the one that opened the shell.
    shell_later: bool,
    /// A heading came after the step that opened the shell.
    shell_heading_seen: bool,
    /// Headings and paragraphs since the last code block: the next block's lead-in.
    shell_lead: String,
    /// Action steps made so far: a `Rollback` part after them undoes a fix.
    acted: usize,
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
            block_commands: Vec::new(),
            output_attached: false,
            shell_context: None,
            scenarios: HashMap::default(),
            started: false,
            intro: false,
            shell_joins: false,
            shell_later: false,
            shell_heading_seen: false,
            shell_lead: String::new(),
            acted: 0,
        }
    }

    /// The section's own heading: its slug leads to the first step.
    pub fn anchor(&mut self, slug: &str) {
        self.pending_anchors.push(slug.to_string());
    }

    /// A section walked on its own whose title says what not to do (`## Anti-patterns`):
    /// everything in it is shown, never run, as under such a heading inside a section.
    pub fn section_title(&mut self, title: &str, level: u8) {
        if roles::role_of(title) == Some(Role::Avoid) {
            self.set_role(Role::Avoid, level, title, 0);
        }
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
        if !self.started {
            self.started = true;
            self.intro = blocks.iter().any(|b| {
                matches!(b, Block::Heading(h)
                    if roles::role_of(&clean_title(&h.text)).is_some_and(Role::marks_incident))
            });
        }
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
                    self.mark_scenarios(&blocks[i..]);
                    self.shell_lead.push_str(&h.text);
                    self.shell_lead.push('\n');
                    self.shell_heading_seen = true;
                    self.severity_part(h, next);
                    self.heading(h)
                }
                Block::Para(p) => {
                    self.shell_lead.push_str(&p.text);
                    self.shell_lead.push('\n');
                    // Lent, not copied: every paragraph passes here.
                    let lead = std::mem::take(&mut self.shell_lead);
                    self.enter_block_shell(&lead, "");
                    self.shell_lead = lead;
                    self.result_target = target;
                    self.paragraph(p, next);
                    self.result_target = None;
                    self.leave_block_shell();
                }
                Block::List(l) => {
                    // `1. Wipe the old node state:` over an unindented block: the
                    // block's title, not a step to do by hand before it.
                    if let Some(title) = lead_in_item(l, next) {
                        self.title = Some((title, l.line));
                        continue;
                    }
                    // Commands in the items are typed in an open shell like a block's.
                    // Only an open shell reads the lead-in (a list's text is not cheap).
                    let lead = match self.shell_context {
                        Some(_) => format!("{}{}", self.shell_lead, lists::list_text(l)),
                        None => String::new(),
                    };
                    self.enter_block_shell(&lead, "");
                    self.list_with_labels(l);
                    self.leave_block_shell();
                }
                Block::Code(c) => {
                    let mut lead = std::mem::take(&mut self.shell_lead);
                    if let Some((title, _)) = &self.title {
                        lead.push_str(title);
                    }
                    if !self.prose_opens_shell(&lead, &c.body, c.line) {
                        self.enter_block_shell(&lead, &c.body);
                    }
                    let before = self.last_command.clone();
                    self.block_commands.clear();
                    let block_before = i.checked_sub(1).and_then(|j| blocks.get(j));
                    self.code(c, was_shell, block_before);
                    self.leave_block_shell();
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

    fn heading(&mut self, h: &Heading) {
        self.intro = false;
        let text = clean_title(&h.text);
        self.pending_anchors.push(title_slug(&text));
        self.transient = None;
        self.open_note = None;
        self.title = None;
        self.description = None;
        let family = if roles::option_label(&text) {
            Some(Family::Option)
        } else if self.scenarios.get(&h.line) == Some(&true) {
            Some(Family::Scenario)
        } else if (!self.authored
            && roles::role_of(&text).is_none()
            && (roles::condition_label(&text)
                || (roles::else_label(&text) && self.open_condition_at(h.level))))
            // `### Rollback` after the fix: taken only when the fix went wrong.
            || self.reversal_part(&text)
        {
            Some(Family::Condition)
        } else {
            None
        };
        self.close_frames_at(h.level, family);
        if let Some(role) = roles::role_of(&text) {
            self.set_role(role, h.level, &text, h.line);
            if family == Some(Family::Condition) {
                self.open_branch(Family::Condition, &text, h.level, h.line);
            }
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
        if self.optional_step(&title) {
            // Everything under `### Restart Redis if needed` is that optional step.
            self.open_optional(&title, h.level, h.line);
        }
        self.title = Some((title, h.line));
    }

    /// A `Rollback` / `Plan de reversión` / `Restore from backup` part after the fix's
    /// actions: it is taken when the fix went wrong, never on every path.
    fn reversal_part(&self, title: &str) -> bool {
        !self.authored && self.acted > 0 && roles::reversal_label(title)
    }

    fn set_role(&mut self, role: Role, level: u8, text: &str, line: usize) {
        self.intro = false;
        self.role = role;
        self.role_level = level;
        self.role_title = Some(text.trim().trim_end_matches(':').trim().to_string());
        if role == Role::IfFails && !self.authored && self.judged_after_action(text) {
            // `### Si no funciona` after a restart: did the restart help?
            self.open_helped_decision(level, line);
            self.add_branch(text, line);
        } else if role == Role::IfFails {
            if let Some(check) = self.last_command.clone() {
                self.frames.push(Frame::Fail {
                    check,
                    items: Vec::new(),
                    level,
                });
            }
        }
    }

    fn push(&mut self, item: Item) {
        if let Item::Node(n) = &item {
            self.last_node = Some(n.id.clone());
            if n.kind == crate::graph::NodeKind::Action {
                self.acted += 1;
            }
            if n.command.is_some() {
                self.block_commands.push(n.id.clone());
            }
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

/// The text of a list of one short item right above a shell block (`1. Wipe the old
/// node state:`, `* Reiniciamos kubelet`): that block's lead-in (a fence at column 0
/// ends the list it belongs to).
fn lead_in_item(list: &super::blocks::List, next: Option<&Block>) -> Option<String> {
    let [item] = list.items.as_slice() else {
        return None;
    };
    let [Block::Para(p)] = item.blocks.as_slice() else {
        return None;
    };
    let text = super::blocks::plain(&p.spans);
    let shell_next = matches!(next, Some(Block::Code(c)) if classify::is_shell_block(c));
    // `1. Revisar conexión DB.` is a step of its own, the block below its detail.
    let leads = text.ends_with(':') || (!list.ordered && !text.ends_with('.'));
    let short = text.split_whitespace().count() <= 12;
    (shell_next && leads && short && commands::inline_commands(&p.spans).is_empty())
        .then(|| text.trim_end_matches(':').trim().to_string())
}
