//! Alternatives that are choices, never a sequence: sibling variant labels over their
//! own commands, "`A` or `B`", and commands joined by an "or" paragraph.

use super::classify::is_shell_block;
use super::commands::inline_commands;
use super::prose::{leading_strong, strip_leading_colon};
use super::text::{command_title, strip_numbering};
use super::{Family, Frame, ITEM_LEVEL};
use crate::graph::NodeKind;
use crate::markdown::blocks::{marked, plain, Block, Span};
use crate::markdown::chunks::{self, Chunk, Segment};
use crate::markdown::roles::{self, Role};
use crate::markdown::slug::clean_title;
use once_cell::sync::Lazy;
use regex::Regex;

impl super::Walker {
    /// "`systemctl restart redis` or `systemctl restart sentinel`": one choice per
    /// command, never both in a row.
    pub(super) fn or_commands(&mut self, spans: &[Span], line: usize) -> bool {
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
    pub(super) fn alternative_blocks(&mut self, blocks: &[Block]) -> usize {
        if self.authored {
            return 0;
        }
        let taken = self.conditional_block(blocks);
        if taken > 0 {
            return taken;
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

    /// A condition lead-in over a shell block ("If that didn't work, remove temporary
    /// files:", "Si sigue sin espacio:"): the block is a case, never run as if nothing
    /// happened. Like a `# If …` comment, it hangs off the step above when it says that
    /// step failed, and is otherwise a decision whose "Otherwise" goes on.
    fn conditional_block(&mut self, blocks: &[Block]) -> usize {
        let (Some(Block::Para(p)), Some(Block::Code(c))) = (blocks.first(), blocks.get(1)) else {
            return 0;
        };
        let text = p.text.trim();
        let lead_in = text.ends_with(':') || (text.len() <= 200 && !text.contains(". "));
        if !lead_in
            || !self.role.is_procedural()
            || !is_shell_block(c)
            || !roles::condition_label(text)
            || roles::else_label(text)
            || roles::role_of(text).is_some()
            || prerequisite(text)
        {
            return 0;
        }
        let condition = condition_then(text.trim_end_matches(':'));
        // Blocks right below the first one, with no prose between, belong to the case
        // too ("If the problem persists, restore the backup:" over a stop, a restore
        // and a start in three blocks).
        let more = blocks[2..]
            .iter()
            .take_while(|b| matches!(b, Block::Code(c) if is_shell_block(c)))
            .count();
        let mut entries = Vec::new();
        for block in &blocks[1..2 + more] {
            let Block::Code(code) = block else {
                return 0;
            };
            for segment in chunks::split(&code.body, code.body_line, false) {
                match segment {
                    Segment::Step(chunk) => entries.extend(chunk.entries),
                    // Choices of their own inside one block (`# Example for Calico` /
                    // `# Example for Flannel`): the whole block, with them, is the case.
                    _ if more == 0 => {
                        self.conditional_walk(&condition, p.line, c);
                        return 2;
                    }
                    _ => return 0,
                }
            }
        }
        let case = Chunk {
            title: Some(condition),
            condition: true,
            line: p.line,
            entries,
            ..Chunk::default()
        };
        self.cases(p.line, vec![case]);
        2 + more
    }

    /// A block under a condition lead-in whose commands hold choices or cases of their
    /// own: walked whole inside that step's `fail` branch or the condition's case, like
    /// the single case `cases` makes.
    fn conditional_walk(
        &mut self,
        condition: &str,
        line: usize,
        c: &crate::markdown::blocks::Code,
    ) {
        self.title = None;
        let label = roles::split_condition(condition).0;
        let info = crate::markdown::fence::parse(&c.info);
        if let Some(check) = self.fail_target(&label) {
            self.frames.push(Frame::Fail {
                check,
                items: Vec::new(),
                level: ITEM_LEVEL,
            });
            self.shell_block(c, &info);
            self.close_frame();
            return;
        }
        self.open_decision(Family::Condition, ITEM_LEVEL, line);
        self.add_branch(&label, line);
        self.shell_block(c, &info);
        self.add_otherwise();
        self.close_frame();
    }

    /// At the first of a group of sibling headings inside the procedure: remember
    /// whether they are alternative scenarios (see `scenario_children`).
    pub(super) fn mark_scenarios(&mut self, blocks: &[Block]) {
        let Some(Block::Heading(h)) = blocks.first() else {
            return;
        };
        // Outside any role (`## Common issues`), only titles shaped as cases count.
        // The numbered causes of `## Possible causes` are cases too: each one's fix is
        // for that cause only.
        let causes = self.role == Role::Causes;
        // Headings named as cases (`#### Scenario A`, `### Caso 2`) are cases anywhere.
        let anywhere = roles::named_case(&roles::fold_label(&clean_title(&h.text)));
        if self.authored
            || h.level <= self.role_level
            || !(self.role.is_procedural() || causes || anywhere)
        {
            return;
        }
        if self.scenarios.contains_key(&h.line) {
            return;
        }
        let procedure = self.role.is_procedural() || causes;
        let lines = scenario_children(blocks, self.role == Role::Action, causes)
            .filter(|(_, named)| procedure || *named)
            .map_or_else(Vec::new, |(lines, _)| lines);
        let scenario = !lines.is_empty();
        if scenario && causes {
            // `### 1. Disk full` under `## Possible causes`: a cause to consider too.
            self.out
                .hypotheses
                .extend(blocks.iter().filter_map(|b| match b {
                    Block::Heading(h) if lines.contains(&h.line) => {
                        Some(strip_numbering(&clean_title(&h.text)))
                    }
                    _ => None,
                }));
        }
        self.scenarios.insert(h.line, scenario);
        for line in lines {
            self.scenarios.insert(line, scenario);
        }
    }

    pub(super) fn open_alternatives(&mut self, line: usize, text: Option<String>) {
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
}

/// "If `jq` is not installed, install it first." / "Si falta `jq`, instálalo antes.":
/// something to do before the block, not the case the block is for.
fn prerequisite(text: &str) -> bool {
    let (_, consequence) = roles::split_condition(text);
    let folded = roles::fold_label(&consequence);
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| matches!(w, "first" | "beforehand" | "primero" | "antes"))
}

/// The commands of "`A` or `B`" (`o`, `u`, `or alternatively`…): only when every gap
/// between them is such a word.
pub(super) fn or_alternatives(spans: &[Span]) -> Option<Vec<String>> {
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
pub(super) struct AltGroup<'a> {
    label: String,
    line: usize,
    blocks: &'a [Block],
    inline: Option<String>,
    /// Blocks it spans, with its label or the "or" before the next one.
    taken: usize,
}

/// `**AWS EKS**:` + a shell block (or `**AWS EKS**: `aws eks …``), repeated.
/// A label no list knows is one of them when a known sibling has its shape
/// (`**CRI-O 1.29**:` beside `**Docker**:`, see `roles::variant_shape`).
pub(super) fn variant_groups(blocks: &[Block]) -> Vec<AltGroup<'_>> {
    let mut out = Vec::new();
    // Per group: its label's shape, and whether the label is a known variant.
    let mut shapes: Vec<(Option<&'static str>, bool)> = Vec::new();
    let mut i = 0;
    while let Some(Block::Para(p)) = blocks.get(i) {
        let Some((label, rest)) = leading_strong(&p.spans) else {
            break;
        };
        let known = roles::variant_label(&label);
        let shape = roles::variant_shape(&label);
        if !known && shape.is_none() {
            break;
        }
        shapes.push((shape, known));
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
    shapes.truncate(out.len());
    let known: Vec<&str> = shapes.iter().filter(|s| s.1).filter_map(|s| s.0).collect();
    let examples = shapes.iter().filter(|s| s.0 == Some("example")).count();
    let kept = shapes
        .iter()
        .position(|(shape, is_known)| {
            !is_known
                && !shape.is_some_and(|s| known.contains(&s) || (s == "example" && examples >= 2))
        })
        .unwrap_or(out.len());
    out.truncate(kept);
    out
}

/// A command (a paragraph that is only a command, or a shell block), then "or" and
/// another, repeated. The "or" paragraphs are not in any group.
pub(super) fn or_groups(blocks: &[Block]) -> Vec<AltGroup<'_>> {
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

pub(super) fn command_group<'a>(block: &Block, blocks: &'a [Block]) -> Option<AltGroup<'a>> {
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

/// "If you're still short of space you can try to delete …" → "If you're still short of
/// space, you can try to delete …": the condition alone labels the choice.
fn condition_then(text: &str) -> String {
    const THEN: &[&str] = &[
        " you can ",
        " you may ",
        " you could ",
        " then ",
        " puedes ",
        " se puede ",
        " entonces ",
    ];
    if text.contains([',', ':']) {
        return text.to_string();
    }
    match THEN.iter().filter_map(|w| text.find(w)).min() {
        Some(i) => format!("{},{}", &text[..i], &text[i..]),
        None => text.to_string(),
    }
}

/// Sibling headings under a part of the procedure that read as alternative scenarios
/// (`### Cache completely down` / `### Cache out of memory`, `#### A. Container crashed`,
/// `### Issue: Rollback stuck`, a `(last resort)` sibling, per-host `#### worker-1.example`):
/// the heading lines of the group, when at least two of them hold commands. Numbered
/// steps (`### 1. Restart`) and imperative steps (`### Restart` / `### Verify`) stay a
/// sequence. `action`: the part is a fix (Resolution, Mitigation…), where titles that
/// name a state or a problem are enough. Headings that all call themselves cases
/// (`Scenario A` / `Scenario B`, `Caso 1` / `Caso 2`) are cases when only one of them
/// holds commands (the other one's answer is to do nothing more); the flag says so.
pub(super) fn scenario_children(
    blocks: &[Block],
    action: bool,
    causes: bool,
) -> Option<(Vec<usize>, bool)> {
    let Some(Block::Heading(first)) = blocks.first() else {
        return None;
    };
    let level = first.level;
    let mut children: Vec<(String, usize, bool)> = Vec::new();
    for block in blocks {
        match block {
            Block::Heading(h) if h.level < level => break,
            Block::Heading(h) if h.level == level => {
                let title = clean_title(&h.text);
                if roles::role_of(&title).is_some() {
                    break;
                }
                children.push((title, h.line, false));
            }
            // Steps written as list items (`1. **Wait:**` over an indented block)
            // run as much as top-level blocks.
            b if runs_commands(b) => mark_runnable(&mut children),
            _ => {}
        }
    }
    let titles: Vec<&str> = children.iter().map(|c| c.0.as_str()).collect();
    let runnable = children.iter().filter(|c| c.2).count();
    let named = children.len() >= 2
        && titles
            .iter()
            .all(|t| roles::named_case(&roles::fold_label(t)));
    // `### Caso 1: CPU alta` alone: the author numbers it as one case of several, so
    // its fix is for that case only.
    let lone_case = matches!(children.as_slice(), [(title, _, true)]
        if roles::numbered_case(&roles::fold_label(title)));
    let named = named || lone_case;
    let enough = runnable >= 2 || (named && runnable >= 1);
    if !enough || !(causes || named || scenario_titles(&titles, action)) {
        return None;
    }
    Some((children.into_iter().map(|c| c.1).collect(), named))
}

/// A shell block or a paragraph with inline commands, at any depth of lists and quotes.
fn runs_commands(block: &Block) -> bool {
    match block {
        Block::Code(c) => is_shell_block(c),
        Block::Para(p) => !inline_commands(&p.spans).is_empty(),
        Block::List(l) => l.items.iter().any(|i| i.blocks.iter().any(runs_commands)),
        Block::Quote(q) => q.blocks.iter().any(runs_commands),
        _ => false,
    }
}

fn mark_runnable(children: &mut [(String, usize, bool)]) {
    if let Some(last) = children.last_mut() {
        last.2 = true;
    }
}

/// Titles that name alternatives rather than steps in a row.
fn scenario_titles(titles: &[&str], action: bool) -> bool {
    static LETTERED: Lazy<Regex> =
        Lazy::new(|| Regex::new(r"^[A-H][.)]\s+\S").expect("static regex"));
    static CASE: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"^(?:issue|problem|scenario|case|symptom|problema|escenario|caso|sintoma|incidencia|error)\s*(?:\d+\s*)?:")
            .expect("static regex")
    });
    static LAST_RESORT: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"\b(?:last resort|ultimo recurso|emergency|emergencia)\b")
            .expect("static regex")
    });
    let folded: Vec<String> = titles.iter().map(|t| roles::fold_label(t)).collect();
    let special =
        |f: &String| roles::option_label(f) || roles::condition_label(f) || roles::else_label(f);
    if folded.iter().any(special) || titles.iter().any(|t| strip_numbering(t) != t.trim()) {
        return false;
    }
    titles.iter().all(|t| LETTERED.is_match(t.trim()))
        || folded
            .iter()
            .any(|f| CASE.is_match(f) || LAST_RESORT.is_match(f))
        || titles.iter().all(|t| host_title(t))
        || (action
            && !folded.iter().any(|f| action_title(f))
            && folded.iter().filter(|f| state_title(f)).count() >= 2)
}

/// `dashboards.example.net`, `worker*.example.com`: one host (or host pattern) a title;
/// not a file (`nginx.conf`, `values.yaml`), which is edited in a row with the others.
fn host_title(title: &str) -> bool {
    const FILES: &[&str] = &[
        "conf",
        "cfg",
        "yaml",
        "yml",
        "json",
        "toml",
        "ini",
        "env",
        "md",
        "txt",
        "log",
        "sh",
        "py",
        "rb",
        "js",
        "ts",
        "go",
        "rs",
        "sql",
        "service",
        "xml",
        "properties",
        "tf",
    ];
    let t = title.trim();
    let extension = t
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    !t.contains(char::is_whitespace)
        && t.contains(['.', '*'])
        && t.len() > 3
        && !FILES.contains(&extension.as_str())
}

/// A title that starts with what to do (`Restart the worker`, `Rolling back`, `Reiniciar`).
fn action_title(folded: &str) -> bool {
    const ACTIONS: &[&str] = &[
        "restart",
        "reboot",
        "verify",
        "check",
        "confirm",
        "validate",
        "roll",
        "rollback",
        "revert",
        "scale",
        "delete",
        "remove",
        "clear",
        "flush",
        "purge",
        "clean",
        "cleanup",
        "restore",
        "run",
        "apply",
        "update",
        "upgrade",
        "install",
        "increase",
        "reduce",
        "drain",
        "cordon",
        "monitor",
        "watch",
        "notify",
        "escalate",
        "communicate",
        "assess",
        "stop",
        "start",
        "kill",
        "enable",
        "disable",
        "deploy",
        "redeploy",
        "set",
        "add",
        "create",
        "test",
        "wait",
        "review",
        "inspect",
        "investigate",
        "identify",
        "collect",
        "gather",
        "open",
        "close",
        "fix",
        "resize",
        "expand",
        "free",
        "rotate",
        "renew",
        "reset",
        "promote",
        "failover",
        "switch",
        "move",
        "migrate",
        "backup",
        "back",
        "use",
        "connect",
        "login",
        "log",
        "ssh",
        "edit",
        "change",
        "configure",
        "tune",
        "adjust",
        "disable",
        "document",
        "page",
        "contact",
        "reiniciar",
        "reinicia",
        "verificar",
        "verifica",
        "comprobar",
        "comprueba",
        "revisar",
        "revisa",
        "escalar",
        "eliminar",
        "elimina",
        "borrar",
        "borra",
        "limpiar",
        "limpia",
        "restaurar",
        "restaura",
        "ejecutar",
        "ejecuta",
        "aplicar",
        "aplica",
        "actualizar",
        "actualiza",
        "instalar",
        "aumentar",
        "aumenta",
        "reducir",
        "detener",
        "deten",
        "parar",
        "iniciar",
        "inicia",
        "notificar",
        "comunicar",
        "validar",
        "confirmar",
        "esperar",
        "crear",
        "desplegar",
        "revertir",
        "cambiar",
        "configurar",
        "ajustar",
        "conectar",
        "monitorear",
        "vigilar",
        "liberar",
        "ampliar",
        "rotar",
        "renovar",
        "migrar",
        "usar",
        "abrir",
        "cerrar",
    ];
    let first = folded.split_whitespace().next().unwrap_or_default();
    ACTIONS.contains(&first) || first.ends_with("ing")
}

/// A title that names a state or a problem (`Cache out of memory`, `Performance
/// issues`, `Disco lleno`).
fn state_title(folded: &str) -> bool {
    const STATES: &[&str] = &[
        "too many",
        "too few",
        "demasiados",
        "demasiadas",
        "down",
        "outage",
        "unavailable",
        "unreachable",
        "full",
        "out of",
        "issue",
        "issues",
        "problem",
        "problems",
        "error",
        "errors",
        "failure",
        "failing",
        "failed",
        "slow",
        "high",
        "low",
        "crash",
        "crashed",
        "crashing",
        "timeout",
        "timeouts",
        "leak",
        "leaks",
        "stuck",
        "corrupt",
        "corrupted",
        "degraded",
        "exhausted",
        "missing",
        "expired",
        "not ",
        "no ",
        "caido",
        "caida",
        "lento",
        "lenta",
        "lleno",
        "llena",
        "fallo",
        "falla",
        "problema",
        "problemas",
        "alto",
        "alta",
        "bajo",
        "baja",
        "sin ",
        "agotado",
        "agotada",
        "corrupto",
        "expirado",
        "bloqueado",
        "colgado",
    ];
    let padded = format!(" {folded} ");
    STATES
        .iter()
        .any(|s| padded.contains(&format!(" {} ", s.trim())))
}
