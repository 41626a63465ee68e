//! Markdown → playbooks. Authored playbooks (front matter) and real multi-incident runbooks.
//!
//! Pipeline: `frontmatter` splits the YAML off; `blocks` turns pulldown-cmark events into
//! blocks with source lines; `sections` picks the incident sections of a runbook;
//! `steps` walks a section's blocks into steps (using `roles`, `fence`, `chunks`,
//! `expect`, `destructive`, `shell`); `assemble` links them into the graph.

pub mod assemble;
pub mod blocks;
pub mod chunks;
pub mod destructive;
pub mod expect;
pub mod fence;
pub mod frontmatter;
pub mod par;
pub mod plain_text;
pub mod roles;
pub mod sample_names;
pub mod sections;
pub mod shell;
pub mod slug;
pub mod steps;
pub mod unmarked;

use crate::error::{Error, Result};
use crate::graph::{NodeKind, Playbook, Variable, Warning};
use blocks::{Block, LineIndex};
use std::path::Path;

/// One section of a document, incident or not, with its parsed playbook.
#[derive(Debug, Clone)]
pub struct Section {
    pub slug: String,
    pub title: String,
    pub line: usize,
    /// An incident procedure users would run (listed by `list -f`).
    pub incident: bool,
    pub playbook: Playbook,
}

/// Everything parsing a document found.
#[derive(Debug, Clone, Default)]
pub struct ParsedDoc {
    /// Every section that became a playbook: the authored playbook, or the incident
    /// sections and (with `parse_detailed`) the reference sections too.
    pub sections: Vec<Section>,
    pub authored: bool,
    /// The front-matter variable names of an authored playbook (for lint).
    pub declared_variables: Vec<String>,
    /// Problems with the document as a whole (empty, not UTF-8, nothing to run).
    pub warnings: Vec<Warning>,
}

impl ParsedDoc {
    /// The playbooks users run: the authored one, or the incident sections.
    pub fn incidents(&self) -> impl Iterator<Item = &Playbook> {
        self.sections
            .iter()
            .filter(|s| s.incident)
            .map(|s| &s.playbook)
    }

    pub fn into_incidents(self) -> Vec<Playbook> {
        self.sections
            .into_iter()
            .filter(|s| s.incident)
            .map(|s| s.playbook)
            .collect()
    }
}

/// What `list` shows of a playbook.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    pub id: String,
    pub title: String,
    pub source: String,
    pub service: Option<String>,
    pub severity: Option<String>,
    pub lang: String,
}

impl From<&Playbook> for Summary {
    fn from(p: &Playbook) -> Self {
        Summary {
            id: p.id.clone(),
            title: p.title.clone(),
            source: p.source.clone(),
            service: p.service.clone(),
            severity: p.severity.clone(),
            lang: p.lang.clone(),
        }
    }
}

/// The `list` view of a document. An authored playbook is summarised from its front
/// matter without walking its steps; a runbook is parsed for its incident sections.
pub fn summarize(text: &str, path: &Path) -> Result<Vec<Summary>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(split) = frontmatter::split(text) {
        let fm = frontmatter::parse(&split, path)?;
        if fm.is_playbook() {
            let body = text.get(split.body_offset..).unwrap_or("");
            let title = fm.title.clone().or_else(|| first_h1(body));
            let lang = fm.lang.clone().unwrap_or_else(|| {
                let index = LineIndex::new(text);
                detect_lang(&blocks::parse(body, &index, split.body_offset)).to_string()
            });
            return Ok(vec![Summary {
                id: fm
                    .id
                    .clone()
                    .unwrap_or_else(|| slug::slugify(&file_stem(path))),
                title: title.unwrap_or_else(|| file_stem(path)),
                source: path.display().to_string(),
                service: fm.service,
                severity: fm.severity,
                lang,
            }]);
        }
    }
    Ok(parse_document(text, path)?
        .iter()
        .map(Summary::from)
        .collect())
}

/// The text of the first `# ` heading outside code fences.
fn first_h1(body: &str) -> Option<String> {
    let mut fence: Option<&str> = None;
    for line in body.lines() {
        let t = line.trim_start();
        for marker in ["```", "~~~"] {
            if t.starts_with(marker) {
                fence = match fence {
                    Some(open) if open == marker => None,
                    None => Some(marker),
                    other => other,
                };
            }
        }
        if fence.is_none() {
            if let Some(title) = t.strip_prefix("# ") {
                let title = slug::clean_title(title.trim().trim_end_matches('#').trim());
                if !title.is_empty() {
                    return Some(title);
                }
            }
        }
    }
    None
}

/// Every playbook in a document: one for an authored playbook, one per incident section otherwise.
pub fn parse_document(text: &str, path: &Path) -> Result<Vec<Playbook>> {
    Ok(parse_with(text, path, false)?.into_incidents())
}

/// Reads and parses a file (errors name the file).
pub fn parse_file(path: &Path) -> Result<Vec<Playbook>> {
    let (text, warning) = read_text(path)?;
    let mut doc = parse_with(&text, path, false)?;
    if let Some(w) = warning {
        attach_warning(&mut doc, w);
    }
    Ok(doc.into_incidents())
}

/// Reads a file; text that is not UTF-8 is decoded lossily with a warning naming the line.
pub fn read_text(path: &Path) -> Result<(String, Option<Warning>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(decode(bytes))
}

/// Bytes → text; invalid UTF-8 is replaced (U+FFFD) and reported with its line.
pub fn decode(bytes: Vec<u8>) -> (String, Option<Warning>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let warning = Warning {
                line,
                message: format!(
                    "not valid UTF-8 (first bad byte at offset {at}); invalid bytes were replaced"
                ),
            };
            (text, Some(warning))
        }
    }
}

pub fn parse_file_detailed(path: &Path) -> Result<ParsedDoc> {
    let (text, warning) = read_text(path)?;
    let mut doc = parse_detailed(&text, path)?;
    if let Some(w) = warning {
        attach_warning(&mut doc, w);
    }
    Ok(doc)
}

fn attach_warning(doc: &mut ParsedDoc, w: Warning) {
    for s in &mut doc.sections {
        s.playbook.warnings.insert(0, w.clone());
    }
    doc.warnings.insert(0, w);
}

/// Parses a document, reference sections included (for `FILE#slug` and lint).
pub fn parse_detailed(text: &str, path: &Path) -> Result<ParsedDoc> {
    parse_with(text, path, true)
}

/// `all_sections`: also walk the sections that are not incidents.
fn parse_with(text: &str, path: &Path, all_sections: bool) -> Result<ParsedDoc> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let index = LineIndex::new(text);
    let mut doc = ParsedDoc::default();
    if text.trim().is_empty() {
        doc.warnings.push(Warning {
            line: 1,
            message: "empty document: no playbook in it".into(),
        });
        return Ok(doc);
    }
    let (front, body_offset) = match frontmatter::split(text) {
        Some(split) => (Some(frontmatter::parse(&split, path)?), split.body_offset),
        None => (None, 0),
    };
    let body = text.get(body_offset..).unwrap_or("");
    let mut blocks = blocks::parse_document(body, &index, body_offset);
    if let Some(read) = plain_text::as_markdown(&blocks, body, index.line_of(body_offset)) {
        blocks = read;
    } else if let Some(read) = unmarked::read(&blocks) {
        blocks = read;
    }
    let lang = front
        .as_ref()
        .and_then(|f| f.lang.clone())
        .unwrap_or_else(|| detect_lang(&blocks).to_string());
    let ctx = Ctx {
        path,
        lang,
        total_lines: index.line_count(),
    };
    match front {
        Some(fm) if fm.is_playbook() => {
            let playbook = authored(&ctx, &fm, &blocks);
            doc.authored = true;
            doc.declared_variables = fm.variables.iter().map(|v| v.name.clone()).collect();
            doc.sections.push(Section {
                slug: playbook.id.clone(),
                title: playbook.title.clone(),
                line: 1,
                incident: true,
                playbook,
            });
        }
        other => runbook(&ctx, other.as_ref(), &blocks, &mut doc, all_sections),
    }
    if !sections::has_commands(&blocks) && doc.incidents().all(|p| !has_command_nodes(p)) {
        doc.warnings.push(Warning {
            line: 1,
            message: "no code blocks with commands: nothing to run".into(),
        });
    }
    blocks::drop_in_parallel(blocks);
    Ok(doc)
}

struct Ctx<'a> {
    path: &'a Path,
    lang: String,
    total_lines: usize,
}

fn has_command_nodes(p: &Playbook) -> bool {
    p.nodes.iter().any(|n| n.command.is_some())
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "playbook".into())
}

/// An authored playbook: the whole body is one procedure.
fn authored(ctx: &Ctx<'_>, fm: &frontmatter::FrontMatter, blocks: &[Block]) -> Playbook {
    let first_h1 = blocks
        .iter()
        .position(|b| matches!(b, Block::Heading(h) if h.level == 1));
    let h1_title = first_h1.and_then(|i| match &blocks[i] {
        Block::Heading(h) => Some(slug::clean_title(&h.text)),
        _ => None,
    });
    let title = fm
        .title
        .clone()
        .or_else(|| h1_title.clone())
        .unwrap_or_else(|| file_stem(ctx.path));
    let id = fm
        .id
        .clone()
        .unwrap_or_else(|| slug::slugify(&file_stem(ctx.path)));
    let mut walker = steps::Walker::new(true, &ctx.lang, &steps::explicit_ids(blocks));
    // The title heading is the playbook's name, not a step.
    let rest: Vec<Block> = blocks
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != first_h1)
        .map(|(_, b)| b.clone())
        .collect();
    if let Some(t) = &h1_title {
        walker.anchor(&slug::slugify(t));
    }
    walker.walk(&rest);
    let walked = walker.finish(ctx.total_lines);
    let mut playbook = Playbook {
        id,
        title,
        source: ctx.path.display().to_string(),
        service: fm.service.clone(),
        severity: fm.severity.clone(),
        lang: ctx.lang.clone(),
        tags: fm.tags.clone(),
        timeout_ms: fm.timeout_ms,
        variables: fm.variables.clone(),
        ..Playbook::default()
    };
    playbook.warnings.extend(fm.warnings.iter().cloned());
    finish_playbook(&mut playbook, walked, ctx.total_lines);
    playbook
}

/// A real runbook: one playbook per incident section.
fn runbook(
    ctx: &Ctx<'_>,
    front: Option<&frontmatter::FrontMatter>,
    blocks: &[Block],
    doc: &mut ParsedDoc,
    all_sections: bool,
) {
    let stem = file_stem(ctx.path);
    let root_title = front
        .and_then(|f| f.title.clone())
        .unwrap_or_else(|| stem.clone());
    let secs = sections::tree(blocks, &root_title, &slug::slugify(&stem));
    let chosen: Vec<sections::Chosen> = sections::choose(&secs, blocks)
        .into_iter()
        .filter(|c| c.incident || all_sections)
        .collect();
    let section = |chosen: &sections::Chosen| {
        let sec = &secs[chosen.sec];
        let range = chosen.range.clone();
        let kept: Vec<Block>;
        let content = if chosen.carved.is_empty() && chosen.prelude.is_none() {
            &blocks[range.clone()]
        } else {
            kept = chosen
                .prelude
                .clone()
                .unwrap_or_default()
                .chain(range.clone())
                .filter(|i| !chosen.carved.iter().any(|c| c.contains(i)))
                .map(|i| blocks[i].clone())
                .collect();
            &kept[..]
        };
        // `Respaldo` under `## Ubuntu` and under `## Arch Linux`: named apart.
        let title = match sections::variant_of(&secs, chosen.sec) {
            Some(variant) if !sec.title.contains(variant) => format!("{} ({variant})", sec.title),
            _ => sec.title.clone(),
        };
        let promoted = steps::cause_labels_as_headings(content);
        let content = promoted.as_deref().unwrap_or(content);
        let mut walker = steps::Walker::new(false, &ctx.lang, &steps::explicit_ids(content));
        walker.anchor(&sec.slug);
        walker.section_title(&sec.title, sec.level);
        walker.walk(content);
        let end_line = blocks
            .get(range.end)
            .map(|b| b.line().saturating_sub(1).max(sec.line))
            .unwrap_or(ctx.total_lines);
        let walked = walker.finish(end_line);
        let mut playbook = Playbook {
            id: sec.slug.clone(),
            title: title.clone(),
            source: format!("{}#{}", ctx.path.display(), sec.slug),
            service: front.and_then(|f| f.service.clone()),
            severity: front
                .and_then(|f| f.severity.clone())
                .or_else(|| walked.severity.clone())
                .or_else(|| sections::inferred_severity(&secs, blocks, chosen.sec)),
            lang: ctx.lang.clone(),
            tags: front.map(|f| f.tags.clone()).unwrap_or_default(),
            timeout_ms: front.and_then(|f| f.timeout_ms),
            ..Playbook::default()
        };
        finish_playbook(&mut playbook, walked, end_line);
        Section {
            slug: sec.slug.clone(),
            title,
            line: sec.line,
            incident: chosen.incident,
            playbook,
        }
    };
    // Sections are independent: a large document is walked on every core.
    doc.sections.extend(par::map(&chosen, 64, section));
}

fn finish_playbook(playbook: &mut Playbook, walked: steps::Walked, end_line: usize) {
    playbook
        .hypotheses
        .extend(walked.hypotheses.iter().cloned());
    playbook
        .prevention
        .extend(walked.prevention.iter().cloned());
    let spanish = playbook.lang == "es";
    let assembled = assemble::assemble(walked, end_line, spanish);
    playbook.nodes = assembled.nodes;
    playbook.edges = assembled.edges;
    playbook.warnings.extend(assembled.warnings);
    collect_variables(playbook);
    if playbook.nodes.iter().all(|n| n.kind == NodeKind::End) {
        playbook.warnings.push(Warning {
            line: playbook.nodes.last().map(|n| n.line).unwrap_or(1),
            message: "no steps found in this playbook".into(),
        });
    }
}

/// Declared variables first, then every placeholder the commands use, in order.
fn collect_variables(playbook: &mut Playbook) {
    let mut vars: Vec<Variable> = std::mem::take(&mut playbook.variables);
    for node in &playbook.nodes {
        let Some(command) = &node.command else {
            continue;
        };
        for p in crate::placeholder::scan(command) {
            match vars.iter_mut().find(|v| v.name == p.name) {
                Some(existing) => {
                    if existing.default.is_none() {
                        existing.default = p.default.clone();
                    }
                }
                None => vars.push(Variable {
                    secret: crate::placeholder::looks_secret(&p.name),
                    name: p.name,
                    default: p.default,
                    description: None,
                }),
            }
        }
    }
    playbook.variables = vars;
}

/// `es` or `en`, by counting common words in the prose (code excluded).
pub fn detect_lang(blocks: &[Block]) -> &'static str {
    let mut text = String::new();
    collect_prose(blocks, &mut text);
    let mut es = 0usize;
    let mut en = 0usize;
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        // Most words are ASCII lower case already: no copy for them (this runs on the
        // main thread before the sections are walked in parallel).
        let w = if word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            std::borrow::Cow::Borrowed(word)
        } else {
            std::borrow::Cow::Owned(word.to_lowercase())
        };
        match w.as_ref() {
            "de" | "la" | "el" | "los" | "las" | "que" | "y" | "para" | "con" | "por" | "una"
            | "del" | "se" | "es" | "si" | "está" | "esta" | "verificar" | "revisar" | "no"
            | "al" | "en" | "como" | "desde" | "sin" | "más" | "síntomas" | "diagnóstico"
            | "acciones" | "acción" | "servicio" | "reiniciar" | "validar" => es += 1,
            "the" | "and" | "of" | "to" | "is" | "for" | "with" | "on" | "check" | "if"
            | "this" | "that" | "are" | "be" | "in" | "from" | "it" | "not" | "symptoms"
            | "diagnosis" | "resolution" | "restart" | "verify" | "service" | "when" | "all" => {
                en += 1
            }
            _ => {}
        }
        if !w.is_ascii() && w.chars().any(|c| "áéíóúñ¿¡".contains(c)) {
            es += 1;
        }
    }
    if es > en {
        "es"
    } else {
        "en"
    }
}

fn collect_prose(blocks: &[Block], out: &mut String) {
    for block in blocks {
        match block {
            Block::Heading(h) => {
                out.push_str(&h.text);
                out.push(' ');
            }
            Block::Para(p) => {
                out.push_str(&p.text);
                out.push(' ');
            }
            Block::List(l) => {
                for item in &l.items {
                    collect_prose(&item.blocks, out);
                }
            }
            Block::Quote(q) => collect_prose(&q.blocks, out),
            _ => {}
        }
        if out.len() > 20_000 {
            return;
        }
    }
}
