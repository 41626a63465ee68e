//! Multi-incident runbooks: which heading sections are incidents.
//!
//! A section is one playbook when its sub-headings (or bold labels) are mostly roles
//! (Symptoms / Diagnosis / Resolution…, or Meaning / Impact / Mitigation in alert
//! runbooks), or when it is a leaf holding commands. Sections whose sub-sections are
//! incidents are containers (`## CRITICAL ISSUES`). Reference material (index,
//! contacts, dashboards, escalation levels, "useful commands", changelog) still parses
//! and is addressable by slug, but is not listed as an incident.

use super::blocks::{plain, Block, Heading, Span};
use super::roles::{self, Role};
use super::slug::{clean_title, title_slug, SlugSet};
use foldhash::{HashSet, HashSetExt};

#[derive(Debug, Clone)]
pub struct Sec {
    /// Index of the heading block, `None` for the document root.
    pub heading: Option<usize>,
    pub level: u8,
    pub title: String,
    pub slug: String,
    pub line: usize,
    /// Content blocks: `start..end` (children included).
    pub start: usize,
    pub end: usize,
    pub children: Vec<usize>,
    pub parent: Option<usize>,
}

/// Where a section's own content ends: at its first sub-heading, or at its end.
fn direct_end(secs: &[Sec], idx: usize) -> usize {
    let sec = &secs[idx];
    sec.children
        .first()
        .and_then(|&c| secs[c].heading)
        .unwrap_or(sec.end)
}

/// One section chosen to become a playbook.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub sec: usize,
    /// An incident users would run (false: reference material, parsed all the same).
    pub incident: bool,
    /// Blocks to walk.
    pub range: std::ops::Range<usize>,
    /// Parts of `range` left out: sub-sections that are incidents of their own.
    pub carved: Vec<std::ops::Range<usize>>,
    /// Blocks walked before `range`: the setup a variant part (`## Arch Linux`) gives
    /// before its own parts (`### Respaldo`, `### Restauración`).
    pub prelude: Option<std::ops::Range<usize>>,
}

/// Builds the section tree of top-level headings. Index 0 is the root.
pub fn tree(blocks: &[Block], root_title: &str, root_slug: &str) -> Vec<Sec> {
    let mut secs = vec![Sec {
        heading: None,
        level: 0,
        title: root_title.to_string(),
        slug: root_slug.to_string(),
        line: 1,
        start: 0,
        end: blocks.len(),
        children: Vec::new(),
        parent: None,
    }];
    let headings: Vec<(usize, &Heading)> = blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b {
            Block::Heading(h) => Some((i, h)),
            _ => None,
        })
        .collect();
    // Titles and slugs of headings are independent of each other (only making slugs
    // unique is not): a large document computes them on every core.
    let named = super::par::map(&headings, 256, |(_, h)| {
        let title = clean_title(&h.text);
        let slug = title_slug(&title);
        (title, slug)
    });
    let mut slugs = SlugSet::new();
    let mut stack = vec![0usize];
    for ((i, h), (title, base)) in headings.into_iter().zip(named) {
        let slug = slugs.unique(&base);
        // `# Si los nodos no están en Ready, aplicar lo siguiente:` after a `#` part: a
        // case of that part, not a document of its own (below `#`, the walker already
        // reads a condition heading as a case of the part it sits in).
        let case_of_previous = h.level == 1
            && roles::condition_label(&title)
            && stack.last().is_some_and(|&top| {
                top != 0 && secs[top].level == h.level && secs[top].children.is_empty()
            });
        while let Some(&top) = stack.last() {
            if case_of_previous && secs[top].level == h.level {
                break;
            }
            if top != 0 && secs[top].level >= h.level {
                secs[top].end = i;
                stack.pop();
            } else {
                break;
            }
        }
        let parent = *stack.last().unwrap_or(&0);
        let idx = secs.len();
        secs.push(Sec {
            heading: Some(i),
            level: h.level,
            title,
            slug,
            line: h.line,
            start: i + 1,
            end: blocks.len(),
            children: Vec::new(),
            parent: Some(parent),
        });
        secs[parent].children.push(idx);
        stack.push(idx);
    }
    secs
}

/// Picks the playbook sections, in document order.
pub fn choose(secs: &[Sec], blocks: &[Block]) -> Vec<Chosen> {
    let mut out = Vec::new();
    // A deployment or installation guide (its first heading says so, `# Guía de
    // despliegue`): its parts (Configuración, Deploy, Upgrade, Verificación) are steps
    // of the guide, not incidents; only a part that names a problem is one.
    let guide = secs
        .iter()
        .find(|s| s.heading.is_some())
        .is_some_and(|s| s.level == 1 && roles::guide_title(&s.title));
    visit(secs, blocks, 0, guide, false, &mut out);
    out
}

fn visit(
    secs: &[Sec],
    blocks: &[Block],
    idx: usize,
    guide: bool,
    inherited_ref: bool,
    out: &mut Vec<Chosen>,
) {
    let sec = &secs[idx];
    let reference = inherited_ref
        || (sec.heading.is_some()
            && (reference_section(&sec.title)
                || setup_section(&sec.title)
                || (guide && sec.level > 1 && !names_problem(secs, idx))));
    let direct_end = direct_end(secs, idx);
    if let Some(own) = incidents_beside_procedure(secs, blocks, idx) {
        out.push(Chosen {
            sec: idx,
            incident: !reference,
            range: sec.start..sec.end,
            carved: own
                .iter()
                .map(|&c| secs[c].heading.unwrap_or(secs[c].start)..secs[c].end)
                .collect(),
            prelude: None,
        });
        for c in own {
            visit(secs, blocks, c, guide, reference, out);
        }
        return;
    }
    if is_playbook(secs, blocks, idx) {
        out.push(Chosen {
            sec: idx,
            incident: !reference,
            range: sec.start..sec.end,
            carved: Vec::new(),
            prelude: None,
        });
        return;
    }
    if sec.children.is_empty() {
        // Commands written inline count as much as fenced ones (`steps` runs both), but
        // a sentence with a command is also how READMEs say how to build or test: an
        // inline-only leaf is an incident when something names a problem or a role.
        let content = &blocks[sec.start..sec.end];
        let runnable = has_commands(content)
            || (has_inline_commands(content) && problem_signal(secs, content, idx));
        let has_content = blocks[sec.start..sec.end]
            .iter()
            .any(|b| !matches!(b, Block::Rule(_) | Block::Html(_)));
        if has_content {
            out.push(Chosen {
                sec: idx,
                incident: runnable && !reference,
                range: sec.start..sec.end,
                carved: Vec::new(),
                prelude: None,
            });
        }
        return;
    }
    // `## Arch Linux` starting the service before its `### Respaldo` and `###
    // Restauración`: setup for each of its parts, not an incident of its own.
    let direct_commands = has_commands(&blocks[sec.start..direct_end]);
    let setup = direct_commands && sec.heading.is_some() && roles::variant_label(&sec.title);
    if direct_commands && !setup {
        out.push(Chosen {
            sec: idx,
            incident: !reference,
            range: sec.start..direct_end,
            carved: Vec::new(),
            prelude: None,
        });
    }
    if idx == 0 {
        // Top-level sections are independent: a document with many of them is
        // visited on every core.
        let visited = super::par::map(&sec.children, 64, |&child| {
            let mut found = Vec::new();
            visit(secs, blocks, child, guide, reference, &mut found);
            found
        });
        out.extend(visited.into_iter().flatten());
        return;
    }
    let first = out.len();
    for &child in &sec.children {
        visit(secs, blocks, child, guide, reference, out);
    }
    if setup {
        for chosen in &mut out[first..] {
            chosen.prelude.get_or_insert(sec.start..direct_end);
        }
    }
}

/// The variant (`Ubuntu`, `Windows (PowerShell)`, `Producción`) a section belongs to:
/// the nearest heading above it that names one. Its parts have the same titles in
/// every variant (`Respaldo`, `Restauración`).
pub fn variant_of(secs: &[Sec], idx: usize) -> Option<&str> {
    let mut cur = secs[idx].parent;
    while let Some(i) = cur {
        if secs[i].heading.is_some() && roles::variant_label(&secs[i].title) {
            return Some(&secs[i].title);
        }
        cur = secs[i].parent;
    }
    None
}

/// Whether a section's own structure makes it one procedure.
fn is_playbook(secs: &[Sec], blocks: &[Block], idx: usize) -> bool {
    let sec = &secs[idx];
    let mut role_kids = 0;
    let mut core = 0;
    let mut structural = 0;
    let mut others = 0;
    let mut symptoms = false;
    let mut causes = false;
    let mut procedure = false;
    let mut holds_incidents = false;
    for &c in &sec.children {
        let title = &secs[c].title;
        // A lone `# Title` is the document's name, even `# Notes`.
        let lone_title = secs[c].level == 1 && sec.children.len() == 1;
        // A role heading keeps its role with sub-headings of its own (`## Investigation`
        // with one `###` per check), unless those are incidents (`## Troubleshooting`
        // holding `### Redis down` with its own Symptoms and Fix).
        let role = roles::role_of(title)
            .filter(|_| !lone_title && !holds_incidents_below(secs, blocks, c));
        match role {
            Some(role) => {
                role_kids += 1;
                if role.marks_incident() {
                    core += 1;
                }
                symptoms |= role == Role::Symptoms;
                causes |= role == Role::Causes;
                procedure |= matches!(role, Role::Diagnosis | Role::Action | Role::Verification);
            }
            // `### 2. Initiate Rollback` keeps its step role with sub-headings of its
            // own (`#### Option A`); other numbered titles only as leaves.
            None if roles::step_label(title).is_some()
                || roles::option_label(title)
                || roles::condition_label(title)
                || roles::named_case(&roles::fold_label(title))
                || (sec.level >= 2
                    && numbered(title)
                    && (secs[c].children.is_empty() || roles::imperative_step(title))
                    && !own_roles(secs, blocks, c)
                    && !holds_incidents_below(secs, blocks, c)) =>
            {
                structural += 1
            }
            // References, contacts and links say nothing about what the section is.
            None if reference_section(title) => {}
            None => {
                others += 1;
                holds_incidents |=
                    holds_incidents_below(secs, blocks, c) || own_roles(secs, blocks, c);
            }
        }
    }
    if holds_incidents {
        return false;
    }
    let direct_end = direct_end(secs, idx);
    let labels = bold_roles(&blocks[sec.start..direct_end]);
    // `**Síntoma:**` under the incident's own heading counts like a Symptoms part.
    symptoms |= labels.contains(&Role::Symptoms);
    causes |= labels.contains(&Role::Causes);
    // Symptoms (or possible causes) beside a Diagnosis or Resolution part: one runbook,
    // whatever else the document holds (`First and foremost`, `Communication`,
    // reference sections).
    ((symptoms || causes) && procedure)
        || topics_of_procedure(secs, blocks, idx)
        || (core > 0 && role_kids + structural >= others)
        || labels.len() >= 2
        || (structural > 0 && others == 0 && has_commands(&blocks[sec.start..sec.end]))
        || (!sec.children.is_empty()
            && sec.children.len() >= 2
            && sec.children.iter().all(|&c| step_like(secs, blocks, c)))
}

/// A procedure whose parts are roles (`## Immediate Actions`, `## Verification`) with
/// one or a few incidents of their own among them (`## Emergency: certificate already
/// expired`, with its own Impact and Actions): the incidents, to carve out of it. The
/// rest is one playbook, not a part per incident.
fn incidents_beside_procedure(secs: &[Sec], blocks: &[Block], idx: usize) -> Option<Vec<usize>> {
    let sec = &secs[idx];
    // Cheap first: two procedure parts among the children, by title alone.
    let procedural = |c: &usize| {
        matches!(
            roles::role_of(&secs[*c].title),
            Some(Role::Diagnosis | Role::Action | Role::Verification)
        )
    };
    if sec.children.iter().filter(|c| procedural(c)).count() < 2 {
        return None;
    }
    let own: Vec<usize> = sec
        .children
        .iter()
        .copied()
        .filter(|&c| {
            roles::role_of(&secs[c].title).is_none()
                && (own_roles(secs, blocks, c) || holds_incidents_below(secs, blocks, c))
        })
        .collect();
    if own.is_empty() || own.len() * 2 > sec.children.len() {
        return None;
    }
    let rest = sec.children.iter().filter(|c| !own.contains(c));
    let (mut procedure, mut others) = (0, 0);
    for &c in rest {
        let content = &blocks[secs[c].start..secs[c].end];
        match roles::role_of(&secs[c].title) {
            Some(Role::Diagnosis | Role::Action | Role::Verification)
                if has_commands(content) && !holds_incidents_below(secs, blocks, c) =>
            {
                procedure += 1
            }
            Some(_) => {}
            // Context in prose (`## Overview`, `## Alert Trigger`, `## Communication`)
            // and a fallback part (`## Manual Renewal (If Auto-Renewal Failed)`) belong
            // to the procedure; they do not make it a list of incidents.
            None if !has_commands(content) && !has_inline_commands(content) => {}
            None if roles::conditional_title(&secs[c].title) => {}
            None => others += 1,
        }
    }
    (procedure >= 2 && others < procedure).then_some(own)
}

/// A section that names its own parts: role sub-headings (`#### Symptoms`) or two
/// distinct role labels (`**Symptoms:**` … `**Solution:**`).
fn own_roles(secs: &[Sec], blocks: &[Block], idx: usize) -> bool {
    let sec = &secs[idx];
    let direct_end = direct_end(secs, idx);
    bold_roles(&blocks[sec.start..direct_end]).len() >= 2
        || sec
            .children
            .iter()
            .filter(|&&c| roles::role_of(&secs[c].title).is_some_and(Role::marks_incident))
            .count()
            >= 2
}

/// Whether any section below `idx` is an incident of its own by `own_roles`. The
/// numbered children of `## Possible causes` are hypotheses of one incident, each with
/// its own Verify and Fix, not incidents; so are the cases of a fix part (`## Resolución`
/// over `### Caso 1: CPU alta` with its own **Causa:** and **Solución:**).
fn holds_incidents_below(secs: &[Sec], blocks: &[Block], idx: usize) -> bool {
    let role = roles::role_of(&secs[idx].title);
    if role == Some(Role::Causes) {
        return false;
    }
    let fix = secs[idx].heading.is_some() && role == Some(Role::Action);
    secs[idx].children.iter().any(|&c| {
        (own_roles(secs, blocks, c) && !(fix && case_of_fix(secs, blocks, c)))
            || holds_incidents_below(secs, blocks, c)
    })
}

/// A sub-section of a fix part that is one of its cases rather than an incident: named
/// as a case (`Caso 1: CPU alta`, `Scenario B`), or saying nothing of symptoms (only its
/// cause and its solution).
fn case_of_fix(secs: &[Sec], blocks: &[Block], idx: usize) -> bool {
    let sec = &secs[idx];
    if roles::named_case(&roles::fold_label(&sec.title)) {
        return true;
    }
    let direct_end = direct_end(secs, idx);
    !bold_roles(&blocks[sec.start..direct_end]).contains(&Role::Symptoms)
        && !sec
            .children
            .iter()
            .any(|&c| roles::role_of(&secs[c].title) == Some(Role::Symptoms))
}

/// `## Commands` / `## Procedimiento` whose sub-headings are topics (`### Process
/// check`, `### Logs`) rather than incidents: one procedure, its topics are its parts.
fn topics_of_procedure(secs: &[Sec], blocks: &[Block], idx: usize) -> bool {
    let sec = &secs[idx];
    sec.heading.is_some()
        && roles::role_of(&sec.title) == Some(Role::Neutral)
        && !sec.children.is_empty()
        && sec.children.iter().all(|&c| {
            secs[c].children.is_empty()
                && !own_roles(secs, blocks, c)
                && !roles::problem_title(&secs[c].title)
        })
        && has_commands(&blocks[sec.start..sec.end])
}

/// Reference material (`## Contacts`, `## Templates`) that is not also about a problem
/// (`## Template render error`, `## Dashboard not loading`), and lists of what not to do.
fn reference_section(title: &str) -> bool {
    (roles::reference_title(title) && !roles::problem_title(title))
        || roles::role_of(title) == Some(Role::Avoid)
}

/// Whether a section or a heading above it names a problem (`Problemas comunes`,
/// `Troubleshooting`, `El contenedor no arranca`).
fn names_problem(secs: &[Sec], idx: usize) -> bool {
    let mut cur = Some(idx);
    while let Some(i) = cur {
        if secs[i].level > 1 && roles::problem_title(&secs[i].title) {
            return true;
        }
        cur = secs[i].parent;
    }
    false
}

/// README sections (`## Installation`, `## Uso`) that are not also about a problem
/// (`## Build fails`).
fn setup_section(title: &str) -> bool {
    roles::setup_title(title) && !roles::problem_title(title)
}

/// Whether a leaf, or a heading above it, says it is about a problem: a problem title
/// (`Build fails`, `Redis caído`, `Runbook — Disk full`), a role title, or role labels
/// in its text.
fn problem_signal(secs: &[Sec], content: &[Block], idx: usize) -> bool {
    if !bold_roles(content).is_empty() {
        return true;
    }
    let mut cur = Some(idx);
    while let Some(i) = cur {
        let title = &secs[i].title;
        if roles::problem_title(title) || roles::role_of(title).is_some_and(Role::marks_incident) {
            return true;
        }
        cur = secs[i].parent;
    }
    false
}

/// A sub-section that is one step of its parent rather than a procedure of its own: a
/// leaf holding a single command block whose commands are not split by `# 1.` headers
/// (`### redis` + one `redis-cli ping` block under "Diagnóstico rápido por componente").
fn step_like(secs: &[Sec], blocks: &[Block], idx: usize) -> bool {
    let sec = &secs[idx];
    if !sec.children.is_empty() || roles::role_of(&sec.title).is_some() {
        return false;
    }
    let content = &blocks[sec.start..sec.end];
    let codes: Vec<&super::blocks::Code> = content
        .iter()
        .filter_map(|b| match b {
            Block::Code(c) => Some(c),
            _ => None,
        })
        .collect();
    let others_ok = content.iter().all(|b| {
        matches!(
            b,
            Block::Code(_) | Block::Para(_) | Block::Rule(_) | Block::Html(_)
        )
    });
    let [code] = codes.as_slice() else {
        return false;
    };
    let headers = code
        .body
        .lines()
        .filter_map(|l| l.trim().strip_prefix('#'))
        .filter(|c| {
            let c = c.trim();
            c.starts_with(|ch: char| ch.is_ascii_digit()) || roles::option_label(c)
        })
        .count();
    others_ok && headers == 0 && has_commands(content) && bold_roles(content).len() < 2
}

/// `1. Check status`, `2) Restart`: numbered sub-headings of an incident are its steps.
fn numbered(title: &str) -> bool {
    let t = title.trim_start();
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    (1..=2).contains(&digits) && t[digits..].starts_with(['.', ')'])
}

/// Distinct roles named by bold labels that start a line of a paragraph
/// (`**Symptoms:**`, `**Síntoma**: …` then `**Acción**:` on the next line), or by
/// plain labels alone on their line (`Fix:`, `Prevención:`).
fn bold_roles(blocks: &[Block]) -> HashSet<Role> {
    let mut out = HashSet::new();
    for block in blocks {
        let Block::Para(p) = block else {
            continue;
        };
        let mut line_start = true;
        for (i, span) in p.spans.iter().enumerate() {
            match span {
                Span::Break => line_start = true,
                Span::Text(t) if t.trim().is_empty() => {}
                Span::Text(t)
                    if line_start
                        && matches!(p.spans.get(i + 1), None | Some(Span::Break))
                        && t.trim().ends_with(':') =>
                {
                    line_start = false;
                    if let Some(role) = roles::role_of(t).filter(|r| r.marks_incident()) {
                        out.insert(role);
                    }
                }
                Span::Strong(inner) if line_start => {
                    line_start = false;
                    if let Some(role) = roles::role_of(&plain(inner)) {
                        if role.marks_incident() {
                            out.insert(role);
                        }
                    }
                }
                _ => line_start = false,
            }
        }
    }
    out
}

/// Any paragraph or list item whose code spans are commands (`kubectl describe job
/// <job>`), as `steps` reads them.
fn has_inline_commands(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| match b {
        Block::Para(p) => !super::steps::inline_commands(&p.spans).is_empty(),
        Block::List(l) => l.items.iter().any(|i| has_inline_commands(&i.blocks)),
        Block::Quote(q) => has_inline_commands(&q.blocks),
        _ => false,
    })
}

/// Any code block that holds commands (not YAML, output or a crontab line).
pub fn has_commands(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| match b {
        Block::Code(c) => {
            let lang = super::fence::lang_of(&c.info);
            let shellish = lang.is_empty()
                || matches!(
                    lang.as_str(),
                    "bash"
                        | "sh"
                        | "shell"
                        | "zsh"
                        | "console"
                        | "shell-session"
                        | "sh-session"
                        | "terminal"
                        | "fish"
                );
            shellish
                && c.body.lines().any(|l| {
                    let t = l.trim();
                    !t.is_empty()
                        && !t.starts_with('#')
                        && !super::shell::is_crontab_line(t)
                        && (!lang.is_empty() || super::shell::looks_like_command(t))
                })
        }
        Block::List(l) => l.items.iter().any(|i| has_commands(&i.blocks)),
        Block::Quote(q) => has_commands(&q.blocks),
        _ => false,
    })
}

/// Severity implied by the headings above a section (`## 🔴 CRITICAL ISSUES`) or a
/// severity field in their introduction (`# Database failover` over `**Severity**: P0`).
/// The document root's title is not one of them: it is usually the file's name, and
/// `high-latency.md` says nothing about how severe its incidents are.
pub fn inferred_severity(secs: &[Sec], blocks: &[Block], idx: usize) -> Option<String> {
    let mut cur = secs[idx].parent;
    while let Some(p) = cur {
        let titled = secs[p]
            .heading
            .and_then(|_| roles::title_severity(&secs[p].title));
        if let Some(level) = titled.or_else(|| intro_severity(secs, blocks, p)) {
            return Some(level.into());
        }
        cur = secs[p].parent;
    }
    None
}

/// A severity field in the paragraphs before a section's first sub-heading.
fn intro_severity(secs: &[Sec], blocks: &[Block], idx: usize) -> Option<&'static str> {
    let sec = &secs[idx];
    let direct_end = direct_end(secs, idx);
    blocks[sec.start..direct_end].iter().find_map(|b| match b {
        Block::Para(p) => super::steps::severity_in(&p.spans),
        _ => None,
    })
}
