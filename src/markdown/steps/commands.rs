//! Command steps: the node a command makes, its kind, whether it destroys, and which
//! code spans are commands.

use super::attach::apply_output;
use super::text::append;
use super::Item;
use crate::graph::{EdgeOn, NodeKind, Warning};
use crate::markdown::blocks::{code_spans, marked, Span};
use crate::markdown::chunks::Output;
use crate::markdown::destructive;
use crate::markdown::expect;
use crate::markdown::fence::Attrs;
use crate::markdown::roles::Role;
use crate::markdown::sample_names;
use crate::markdown::shell;

impl super::Walker {
    pub(super) fn command_node(
        &mut self,
        title: &str,
        line: usize,
        command: &str,
        text: Option<String>,
        attrs: Option<&Attrs>,
        outputs: &[Output],
    ) {
        self.command_node_of(title, line, command, text, attrs, outputs, false);
    }

    /// `command_node`, told whether `command` is known to be one logical command as
    /// `shell::pieces` reads it (`one_piece`): such a command holds no shell opened
    /// before other commands, and reading it again to find one is spared.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn command_node_of(
        &mut self,
        title: &str,
        line: usize,
        command: &str,
        text: Option<String>,
        attrs: Option<&Attrs>,
        outputs: &[Output],
        one_piece: bool,
    ) {
        let default = Attrs::default();
        let a = attrs.unwrap_or(&default);
        if !self.authored
            && a.is_empty()
            && !one_piece
            && self.split_at_shell(title, line, command, &text)
        {
            return;
        }
        let cmds = shell::simple_commands(command);
        // `detect_in` is the costliest rule here: run once, it answers both questions.
        let destroys = destructive::detect_in(command, &cmds).is_some();
        let writes = destroys || destructive::writes_in(&cmds);
        let destructive = a.destructive.unwrap_or_else(|| {
            destroys
                || warned_next_to(
                    title,
                    text.as_deref(),
                    command,
                    writes || changes_system(title, &cmds),
                )
        });
        if a.is_empty()
            && self.typed_in_open_shell(title, line, command, text.as_deref(), destructive)
        {
            return;
        }
        let kind = a.kind.unwrap_or_else(|| {
            self.command_kind(destructive || self.acts(writes, &cmds), title, &cmds)
        });
        let mut node = self.new_named_node(kind, title, line, a.id.as_deref());
        if let Some(t) = &a.title {
            node.title = t.clone();
        }
        // `/var/log/your-app.log`: a name to ask for, not a path to act on.
        let sample = (!self.authored && a.is_empty())
            .then(|| sample_names::as_placeholders(command))
            .flatten();
        node.command = Some(sample.unwrap_or_else(|| command.to_string()));
        node.text = text.filter(|t| !t.trim().is_empty() && t.trim() != node.title);
        node.destructive = destructive;
        node.watch = a.watch.unwrap_or_else(|| shell::never_ending_in(&cmds));
        let opens_shell = shell::opens_shell_in(&cmds);
        node.interactive = a
            .interactive
            .unwrap_or_else(|| opens_shell || shell::driven_apart_from_shells(&cmds));
        // A request that sends something (a webhook POST) is confirmed like a
        // destructive step when the run is unattended; authored playbooks say so.
        node.confirm = a.confirm.unwrap_or_else(|| {
            !self.authored
                && kind == NodeKind::Action
                && !destructive
                && destructive::sends_request_in(&cmds)
        });
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
        if !self.authored && opens_shell {
            self.open_shell(&node.id);
        }
        self.push(Item::Node(Box::new(node)));
    }

    /// Whether a command that `writes` acts: an HTTP request sent from a part that only
    /// reads (Diagnosis, Verification) is a probe, anything else acts.
    fn acts(&self, writes: bool, cmds: &[Vec<shell::Word>]) -> bool {
        let reads = matches!(
            self.role,
            Role::Diagnosis | Role::Verification | Role::Prerequisites
        );
        writes && !(reads && destructive::only_requests_in(cmds))
    }

    /// A command that changes state is an action whatever the section's role (an
    /// install under Diagnosis, a webhook POST under Communicate), and one that only
    /// inspects is a check even under Fix; the others take the role's kind.
    pub(super) fn command_kind(
        &self,
        changes_state: bool,
        title: &str,
        cmds: &[Vec<shell::Word>],
    ) -> NodeKind {
        if changes_state {
            return NodeKind::Action;
        }
        match self.role {
            // `du -sh /var/log/*` under Fix still only looks: a check.
            Role::Action if !self.authored && destructive::inspects_only(cmds) => NodeKind::Check,
            Role::Action => NodeKind::Action,
            Role::Diagnosis | Role::Verification | Role::Prerequisites => NodeKind::Check,
            _ if changes_system(title, cmds) => NodeKind::Action,
            _ => NodeKind::Check,
        }
    }
}

/// The step's title, lead-in or comments warn that it destroys ("CAUTION: DATA LOSS");
/// a bare caution counts only when the command `writes`.
pub(super) fn warned_next_to(title: &str, text: Option<&str>, command: &str, writes: bool) -> bool {
    let warned = |t: &str| destructive::warned(t, writes);
    let comments = || {
        command
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix('#'))
            .chain(command.lines().filter_map(|l| {
                let code = shell::strip_trailing_comment(l);
                l.get(code.len()..).filter(|c| c.contains('#'))
            }))
    };
    warned(title) || text.is_some_and(warned) || (command.contains('#') && comments().any(warned))
}

/// Code spans that are commands: `` `kubectl -n x get pods` ``, `` `alembic upgrade head` ``.
pub(in crate::markdown) fn inline_commands(spans: &[Span]) -> Vec<String> {
    code_spans(spans)
        .into_iter()
        .filter(|c| {
            let c = c.trim();
            c.split_whitespace().count() >= 2 && shell::looks_like_command(c)
        })
        .map(|c| c.trim().to_string())
        .collect()
}

/// Commands that change something even when nobody would call them destructive.
pub(super) fn changes_system(title: &str, cmds: &[Vec<shell::Word>]) -> bool {
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
    let first = first_word_folded(title);
    // Every title is asked, and most start with no verb here: a verb is compared only
    // when its first letter is the word's.
    let lead = first.bytes().next().map(|b| b.to_ascii_lowercase());
    if VERBS
        .iter()
        .any(|v| v.bytes().next() == lead && starts_with_ignore_case(&first, v))
    {
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

/// The first word of `title`, accents folded; an ASCII title (most) is not copied.
fn first_word_folded(title: &str) -> std::borrow::Cow<'_, str> {
    fn first(t: &str) -> &str {
        t.split_whitespace().next().unwrap_or("")
    }
    if title.is_ascii() {
        std::borrow::Cow::Borrowed(first(title))
    } else {
        std::borrow::Cow::Owned(first(&deunicode::deunicode(title).to_lowercase()).to_string())
    }
}

/// `word.to_lowercase().starts_with(prefix)` for an ASCII lower-case `prefix`.
fn starts_with_ignore_case(word: &str, prefix: &str) -> bool {
    word.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}
