//! Code blocks: shell blocks split into chunk steps, sample output, data and SQL blocks.

use super::attach::output_text;
use super::branches::option_rest;
use super::classify::{
    classify, config_text, foreign_source, has_option_headers, has_prompt, is_console_lang,
    numbered_procedure, Class,
};
use super::commands::inline_commands;
use super::manual;
use super::text::append;
use super::text::{command_title, join_text};
use super::{Branch, Family, Frame, ITEM_LEVEL};
use crate::graph::Warning;
use crate::markdown::blocks::{Block, Code, Para, Span};
use crate::markdown::chunks::{self, Chunk, Entry, Output, Segment};
use crate::markdown::fence::{self, Attrs};
use crate::markdown::roles::{self, Role};
use crate::markdown::shell;
use once_cell::sync::Lazy;
use regex::Regex;

impl super::Walker {
    /// `before` is the block right before this one, if any.
    pub(super) fn code(&mut self, c: &Code, after_shell: bool, before: Option<&Block>) {
        let lead = lead_paragraph(before);
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
        if class == Class::Shell && info.attrs.is_empty() {
            // `maxmemory 4gb` under `# redis.conf`: settings to write; Python under a
            // bash fence: a program to read or save. Shown, never run.
            // `KEY=value` lines after "Add to `.env`:": the file's text.
            let env_file = || {
                env_file_text(&c.body)
                    && (lead.is_some_and(|p| chunks::names_env_file(&p.text))
                        || self
                            .title
                            .as_ref()
                            .is_some_and(|t| chunks::names_env_file(&t.0)))
            };
            let shown_as = if config_text(&c.body) || env_file() {
                Some(("Configuration", "Configuración"))
            } else if foreign_source(&c.body) {
                Some(("Source code", "Código fuente"))
            } else {
                None
            };
            if let Some((en, es)) = shown_as {
                self.show_block(c, if self.spanish { es } else { en });
                return;
            }
        }
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
        let example = lead.is_some_and(|p| example_lead_in(&p.text)) || example_comment(&c.body);
        let plain_shell = class == Class::Shell && info.attrs.is_empty() && !self.authored;
        if plain_shell && example && self.example_of_generic(c, lead) {
            return;
        }
        let transient = self.transient.take();
        // Error text quoted under Symptoms: each line is something the engineer sees. A
        // query or a config (```promql, ```yaml) is one thing: the alert's rule.
        if !matches!(class, Class::Shell)
            && (self.role == Role::Symptoms || transient == Some(Role::Symptoms))
        {
            if !lines_are_messages(&info.lang) {
                let whole = c.body.split_whitespace().collect::<Vec<_>>().join(" ");
                self.symptom(&[Span::Code(whole)], c.body_line);
                return;
            }
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
                // What not to do, and later work (`## Prevención futura`, `Long-term
                // fix`): shown, never run during the incident.
                if matches!(self.role, Role::Avoid | Role::Prevention) {
                    let title = self.take_title().map(|t| t.0).or(self.role_title.clone());
                    self.note(title.as_deref(), c.body.trim_end(), c.line);
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
                } else if self.role.is_procedural() || matches!(self.role, Role::Info | Role::Avoid)
                {
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
                } else if self.role.is_procedural() || matches!(self.role, Role::Info | Role::Avoid)
                {
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

    /// A block shown as a note under the pending title, or `default_title`.
    fn show_block(&mut self, c: &Code, default_title: &str) {
        self.transient = None;
        let title = self
            .take_title()
            .map(|t| t.0)
            .unwrap_or_else(|| default_title.to_string());
        let text = join_text(self.description.take().as_deref(), &[c.body.trim_end()]);
        self.note(Some(&title), &text.unwrap_or_default(), c.line);
    }

    /// A block introduced as an example ("For example:", `# Root volume example`) whose
    /// commands repeat a generic form with placeholders, in the lead-in
    /// (`` `growpart <device> <partition>` ``) or the step above: the generic form is
    /// the step and the literal values are shown with it, never run on their own.
    fn example_of_generic(&mut self, c: &Code, lead: Option<&Para>) -> bool {
        let examples: Vec<&str> = c
            .body
            .lines()
            .map(|l| l.trim().trim_start_matches("$ "))
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let repeated =
            |generic: &str| !examples.is_empty() && examples.iter().all(|e| repeats(generic, e));
        let label = if self.spanish { "Ejemplo" } else { "Example" };
        let shown = format!("{label}:\n{}", c.body.trim_end());
        if let Some(id) = self.last_command.clone() {
            let above = self.node_mut(&id).and_then(|n| n.command.clone());
            if above.is_some_and(|g| repeated(&g)) {
                let text = join_text(self.description.take().as_deref(), &[&shown]);
                if let Some(node) = self.node_mut(&id) {
                    append(&mut node.text, &text.unwrap_or_default());
                }
                return true;
            }
        }
        let from_lead = lead
            .map(|p| inline_commands(&p.spans))
            .unwrap_or_default()
            .into_iter()
            .find(|g| repeated(g));
        if let Some(generic) = from_lead {
            let title = self
                .take_title()
                .map(|t| t.0)
                .unwrap_or_else(|| command_title(&generic));
            let text = join_text(self.description.take().as_deref(), &[&shown]);
            let line = lead.map_or(c.line, |p| p.line);
            self.command_node(&title, line, &generic, text, None, &[]);
            return true;
        }
        false
    }

    pub(super) fn shell_block(&mut self, c: &Code, info: &fence::FenceInfo) {
        let console = is_console_lang(&info.lang) && has_prompt(&c.body);
        // A script (`#!/bin/bash`, `set -euo pipefail`, its functions and variables) runs
        // whole: split into steps, each in a shell of its own, it would lose all three.
        let script = c.body.trim_start().starts_with("#!");
        let whole = !console
            && (script
                || ((self.authored || !info.attrs.is_empty()) && !has_option_headers(&c.body)));
        let segments = if whole {
            vec![Segment::Step(whole_chunk(c))]
        } else {
            chunks::split(&c.body, c.body_line, console)
        };
        let mut attrs = Some(info.attrs.clone());
        let count = segments.len();
        // Comments with no commands right above alternatives (`# Reinstall the network
        // plugin` over `# Example for Calico` / `# Example for Flannel`) say what the
        // choice is for: its text, not a step of their own.
        let mut intro: Option<String> = None;
        // `# CAUTION: only if the primary is at risk` alone at the top: the whole block
        // is one optional step.
        let optional_block = match segments.first() {
            Some(Segment::Step(first)) if segments.len() > 1 && first.commands().is_empty() => {
                first.title.clone().filter(|t| self.optional_step(t))
            }
            _ => None,
        };
        let mut segments = segments.into_iter().peekable();
        if let Some(title) = &optional_block {
            segments.next();
            self.open_optional(title, ITEM_LEVEL, c.body_line);
        }
        while let Some(segment) = segments.next() {
            match segment {
                Segment::Step(chunk)
                    if chunk
                        .entries
                        .iter()
                        .all(|e| matches!(e, Entry::Note { .. }))
                        && matches!(segments.peek(), Some(Segment::Options { .. })) =>
                {
                    let mut parts: Vec<&str> = chunk.title.as_deref().into_iter().collect();
                    parts.extend(chunk.notes());
                    intro = join_text(None, &parts);
                }
                Segment::Step(chunk) => {
                    let a = if count == 1 {
                        attrs.take()
                    } else {
                        attrs.take().filter(|a| !a.is_empty())
                    };
                    // `# 2. Restart the service if needed`, or a lead-in that says so.
                    let own = chunk.title.clone().filter(|t| self.optional_step(t));
                    let lead = (!chunk.numbered)
                        .then(|| self.title.as_ref().map(|t| t.0.clone()))
                        .flatten()
                        .filter(|t| self.optional_step(t));
                    match own.or(lead).filter(|_| !chunk.commands().is_empty()) {
                        Some(title) => {
                            self.open_optional(&title, ITEM_LEVEL, chunk.line);
                            self.chunk_steps(chunk, a.as_ref(), whole);
                            self.close_frame();
                        }
                        None => self.chunk_steps(chunk, a.as_ref(), whole),
                    }
                }
                Segment::Options { line, chunks } => {
                    self.open_decision(Family::Option, ITEM_LEVEL, line);
                    if let Some(Frame::Alt { decision, .. }) = self.frames.last_mut() {
                        decision.text = intro.take();
                    }
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
        if optional_block.is_some() {
            self.close_frame();
        }
    }

    /// The step(s) of one chunk. A chunk with no title of its own and no context title
    /// splits into one step per command (setup lines stay with the command after them).
    pub(super) fn chunk_steps(&mut self, mut chunk: Chunk, attrs: Option<&Attrs>, whole: bool) {
        let commands: Vec<String> = chunk.commands().iter().map(|s| s.to_string()).collect();
        let mut notes: Vec<String> = chunk.notes().iter().map(|s| s.to_string()).collect();
        // `# Docker` / `# En el servidor` over commands names where they run, not what
        // the step does: the lead-in above still titles it, and the label is its text.
        if !self.authored
            && !chunk.option
            && !chunk.condition
            && chunk.title.as_deref().is_some_and(roles::context_label)
        {
            let label = chunk.title.take().unwrap_or_default();
            chunk.numbered = false;
            if commands.is_empty() && notes.is_empty() {
                // Alone over the next `# 1.` header: the label is that step's context.
                if self.description.is_none() {
                    self.description = Some(label);
                }
                return;
            }
            match self.description {
                None => self.description = Some(label),
                Some(_) => notes.insert(0, label),
            }
        }
        if !self.authored
            && commands.is_empty()
            && chunk.title.is_none()
            && matches!(notes.as_slice(), [n] if roles::context_label(n))
        {
            // `# Docker` alone over the next `# 1.` header: that step's context.
            if self.description.is_none() {
                self.description = notes.pop();
            }
            return;
        }
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
                .or_else(|| notes.first().map(|n| n.to_string()));
            if let Some(title) = title {
                let mut text: Vec<String> = notes
                    .iter()
                    .filter(|n| **n != title)
                    .map(|n| n.to_string())
                    .collect();
                text.extend(chunk_outputs(&chunk).filter_map(|o| output_text(o, self.spanish)));
                let text = join_text(None, &text.iter().map(|s| s.as_str()).collect::<Vec<_>>());
                // "Follow prompts:" right after a command (no prose between them): it
                // asks questions, so it needs the terminal.
                if self.last_node.is_some()
                    && self.last_node == self.last_command
                    && self.description.is_none()
                    && manual::answers_prompts(&title)
                {
                    self.mark_interactive(self.last_command.clone());
                }
                self.manual(&title, text, chunk.line);
                if chunk.interactive {
                    self.mark_interactive(self.last_node.clone());
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
        // One command as the block's lexer read it is one piece read again.
        let one_piece = commands.len() == 1
            && chunk
                .entries
                .iter()
                .any(|e| matches!(e, Entry::Command { piece: true, .. }));
        self.command_node_of(&title, line, &command, text, attrs, &outputs, one_piece);
        if chunk.interactive {
            self.mark_interactive(self.last_command.clone());
        }
    }

    fn mark_interactive(&mut self, id: Option<String>) {
        if let Some(n) = id.and_then(|id| self.node_mut(&id)) {
            n.interactive = true;
        }
    }

    pub(super) fn per_command(&mut self, chunk: &Chunk, description: Option<String>) {
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
                Entry::Command { line, text, piece } => {
                    seen += 1;
                    if seen < total && shell::is_setup(text) {
                        setup.push(text.clone());
                        continue;
                    }
                    let one_piece = *piece && setup.is_empty();
                    let mut command = setup.join("\n");
                    if !command.is_empty() {
                        command.push('\n');
                    }
                    command.push_str(text);
                    setup.clear();
                    let notes: Vec<&str> = lead_notes.iter().map(String::as_str).collect();
                    let text_value = join_text(description.take().as_deref(), &notes);
                    lead_notes.clear();
                    let title = command_title(text);
                    self.command_node_of(&title, *line, &command, text_value, None, &[], one_piece);
                    made = self.last_node.clone();
                }
            }
        }
    }
}

/// A block of `KEY=value` lines only (comments and blank lines aside): under "Add to
/// `.env`:" it is the file's text, not assignments to run.
fn env_file_text(body: &str) -> bool {
    let mut lines = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .peekable();
    lines.peek().is_some() && lines.all(chunks::env_file_line)
}

/// The paragraph that leads into a block: the one right before it, or the last one of
/// the list item right before it ("* Resize with `resize2fs <partition>`. Example:").
fn lead_paragraph(before: Option<&Block>) -> Option<&Para> {
    match before? {
        Block::Para(p) => Some(p),
        Block::List(l) => match l.items.last()?.blocks.last()? {
            Block::Para(p) => Some(p),
            _ => None,
        },
        _ => None,
    }
}

/// "Example:", "For example:", "e.g.", "Ejemplo:", "Por ejemplo:" ending a lead-in.
fn example_lead_in(text: &str) -> bool {
    static EXAMPLE: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)(?:^|\W)(?:for example|example|e\.g\.|ejemplo|por ejemplo)\s*:?\s*$")
            .expect("static regex")
    });
    EXAMPLE.is_match(text.trim())
}

/// A block whose first line is a comment calling it an example: `## Root volume example`.
fn example_comment(body: &str) -> bool {
    let first = body.lines().map(str::trim).find(|l| !l.is_empty());
    first.and_then(|l| l.strip_prefix('#')).is_some_and(|c| {
        c.split(|ch: char| !ch.is_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case("example") || w.eq_ignore_ascii_case("ejemplo"))
    })
}

/// Whether `example` is `generic` with its `<placeholders>` filled in: the words before
/// the first placeholder (past `sudo`) start it.
fn repeats(generic: &str, example: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split_whitespace()
            .skip_while(|w| *w == "sudo")
            .map(str::to_string)
            .collect()
    };
    let generic = words(generic);
    let Some(first_placeholder) = generic
        .iter()
        .position(|w| w.contains('<') && w.contains('>'))
        .or_else(|| generic.iter().position(|w| w.starts_with('<')))
    else {
        return false;
    };
    let stem = &generic[..first_placeholder];
    let example = words(example);
    !stem.is_empty()
        && example.len() > stem.len()
        && example.starts_with(stem)
        && !example.iter().any(|w| w.starts_with('<'))
}

pub(super) fn chunk_outputs(chunk: &Chunk) -> impl Iterator<Item = &Output> {
    chunk.entries.iter().filter_map(|e| match e {
        Entry::Output(o) => Some(o),
        _ => None,
    })
}

pub(super) fn whole_chunk(c: &Code) -> Chunk {
    let body = c.body.trim_end();
    let mut entries = vec![Entry::Command {
        line: c.body_line,
        text: body.to_string(),
        piece: false,
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

/// Fence languages of quoted output, where each line is a message of its own (a log, an
/// error); any other language is one text (a query, a config).
fn lines_are_messages(lang: &str) -> bool {
    matches!(
        lang,
        "" | "text" | "txt" | "log" | "logs" | "plaintext" | "output" | "console" | "stderr"
    )
}
