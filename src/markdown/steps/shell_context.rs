//! Commands typed in another shell: after `ssh host` or `oc rsh pod`, the commands that
//! follow are meant for that shell, not this machine.
//!
//! Scope: the rest of the opening block (up to `exit`/`logout`). A later block is never
//! typed there when its lead-in (the headings and paragraphs since the last block) says
//! it is back home ("back on your workstation", "en tu máquina"), and that ends the
//! context. It is typed there when the lead-in says so ("on the node", "inside the
//! container", "en el nodo", the host's name), when it is in the same section as the
//! opener, or, after a heading, when all its commands can only mean that host
//! (`systemctl`, `journalctl`, files under `/etc/`). Such a block is a step of its own,
//! where the document puts it, for the engineer to type there: never run here.

use super::text::command_title;
use super::{Frame, Item};
use crate::graph::NodeKind;
use crate::markdown::blocks::marked;
use crate::markdown::shell;
use once_cell::sync::Lazy;
use regex::Regex;

/// A lead-in saying the commands are for the other shell (accents folded, lower case).
static REMOTE_LEAD: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"\b(?:(?:in|inside|on|within|from|still (?:in|on)|into) (?:the|that|each|every|this) (?:[\w-]+ ){0,2}(?:pod|node|host|container|server|worker|instance|vm|shell|session)s?|(?:on|in) the remote|logged in|(?:en|dentro de|desde|adentro de) (?:el|la|los|las|cada|ese|esa|este|esta|dicho|dicha) (?:[\w-]+ ){0,2}(?:pod|nodo|host|contenedor|servidor|worker|instancia|vm|shell|sesion|maquina remota)s?|dentro del (?:[\w-]+ ){0,2}(?:pod|nodo|host|contenedor|servidor|worker)|en el remoto)\b",
    )
    .expect("static regex")
});

/// Prose sending the engineer to another host with no command for it: "SSH into the
/// affected node", "log in to the server", "conéctate por SSH al nodo", "entra al
/// servidor" (accents folded, lower case).
static PROSE_OPENER: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"\b(?:(?:ssh|log ?in|sign in|connect|remote)(?: via ssh| over ssh| with ssh)? (?:in)?to (?:the |that |each |every |this |a |an |your )?(?:[\w-]+ ){0,2}(?:node|host|server|machine|instance|vm|box|worker|master|bastion)s?|ssh (?:in)?to [a-z0-9][\w.-]*|(?:conectate|conectese|conectarse|conectar|conectarte|entra|entrar|ingresa|ingresar|accede|acceder)(?: por ssh| via ssh| mediante ssh)? (?:al|a la|a el|en el|en la|a) (?:[\w-]+ ){0,2}(?:nodo|host|servidor|maquina|instancia|vm|worker|bastion)s?|por ssh (?:al|a la|a) [a-z0-9][\w.-]*)\b",
    )
    .expect("static regex")
});

/// A lead-in saying the commands are for this machine again.
static LOCAL_LEAD: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"\b(?:back (?:on|in|at|to)(?: your| my| the)? (?:local |own )?(?:workstation|machine|laptop|computer|terminal|shell|desktop)|your (?:local |own )?(?:workstation|machine|laptop|computer|terminal|desktop)|locally|local (?:machine|workstation|terminal|shell|computer|host)|(?:exit|leave|after exiting|once you exit)(?: from)? the (?:[\w-]+ ){0,2}(?:pod|node|host|container|server|shell|session)|de vuelta|(?:en|desde) tu (?:maquina|equipo|estacion|terminal|computadora|ordenador|pc|laptop)|localmente|(?:maquina|equipo|terminal) local|en local|(?:sal(?:ir|ga|e|imos)|salga) del? (?:[\w-]+ ){0,2}(?:pod|nodo|host|contenedor|servidor|shell|sesion))\b",
    )
    .expect("static regex")
});

/// Programs that only make sense on the host itself, never against it from afar.
const HOST_ONLY: &[&str] = &["systemctl", "journalctl", "service", "crictl", "ctr"];

/// The host's own system files: a command reading or editing them is about that host.
const HOST_PATHS: &[&str] = &["/etc/", "/var/lib/", "/var/log/"];

/// Where a block's commands are meant, from its lead-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lead {
    Remote,
    Local,
    Silent,
}

fn lead_of(lead: &str, targets: &[String]) -> Lead {
    let folded = deunicode::deunicode(lead).to_lowercase();
    if LOCAL_LEAD.is_match(&folded) {
        return Lead::Local;
    }
    let names_target = targets.iter().any(|t| {
        folded
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .any(|w| w.trim_matches('.') == t)
    });
    if names_target || REMOTE_LEAD.is_match(&folded) {
        Lead::Remote
    } else {
        Lead::Silent
    }
}

/// The names an opener points at (`ssh ops@worker-1` → `worker-1`, `kubectl exec -it
/// api-0 -c app -- sh` → `api-0`, `app`): a lead-in naming one means that shell.
fn targets_of(opener: &str) -> Vec<String> {
    const NOT_NAMES: &[&str] = &[
        "exec", "rsh", "debug", "attach", "run", "ssh", "sudo", "kubectl", "oc", "docker",
        "podman", "bash", "sh", "zsh", "ash", "-it", "--", "node", "pod", "deploy",
    ];
    let mut out = Vec::new();
    for line in opener.lines().filter(|l| shell::opens_shell(l)) {
        for word in line.split_whitespace() {
            if word.starts_with('-') || word.contains(['$', '(', ')', '\'', '"', '=']) {
                continue;
            }
            let name = word
                .rsplit(['@', '/'])
                .next()
                .unwrap_or(word)
                .to_lowercase();
            if name.chars().count() >= 3 && !NOT_NAMES.contains(&name.as_str()) {
                out.push(name);
            }
        }
    }
    out
}

/// The block's first command opens a shell (`kubectl exec -it web-0 -- bash`).
fn opens_first(block: &str) -> bool {
    shell::pieces(block, 1)
        .into_iter()
        .find_map(|p| match p.piece {
            shell::Piece::Command(c) => Some(c),
            _ => None,
        })
        .is_some_and(|c| shell::opens_shell(c.trim_start_matches("$ ")))
}

/// Every command of the block works on the host itself: a host-only program, or a file
/// under the host's system directories (`sed -i … /etc/containerd/config.toml`).
fn host_only(block: &str) -> bool {
    let commands: Vec<String> = shell::pieces(block, 1)
        .into_iter()
        .filter_map(|p| match p.piece {
            shell::Piece::Command(c) => Some(c),
            _ => None,
        })
        .collect();
    !commands.is_empty() && commands.iter().all(|c| on_host(c))
}

fn on_host(command: &str) -> bool {
    let cmds = shell::simple_commands(command);
    let Some(words) = cmds.first() else {
        return false;
    };
    let Some((program, args)) = shell::program(words) else {
        return false;
    };
    HOST_ONLY.contains(&program)
        || args
            .iter()
            .any(|a| HOST_PATHS.iter().any(|p| a.starts_with(p)) && !a.contains(['$', '<']))
}

impl super::Walker {
    /// `ssh host` followed, in the same step, by commands for that host: the commands
    /// before the shell, the shell, and the rest (typed in it) as steps of their own.
    pub(super) fn split_at_shell(
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
        // Only a shell opened before the last command has commands to take in: the
        // last one is never split off, so it is not read.
        let Some(at) = pieces
            .split_last()
            .and_then(|(_, before)| before.iter().position(|c| shell::opens_shell(c)))
        else {
            return false;
        };
        if at > 0 {
            let before = pieces[..at].join("\n");
            self.command_node(&command_title(&before), line, &before, None, None, &[]);
        }
        self.command_node_of(title, line, &pieces[at], text.clone(), None, &[], true);
        for rest in &pieces[at + 1..] {
            self.command_node_of(&command_title(rest), line, rest, None, None, &[], true);
        }
        true
    }

    /// A command after a step that opened a shell elsewhere joins that step's text, to
    /// be typed there: it never runs on this machine. Whether it destroys carries over.
    pub(super) fn typed_in_open_shell(
        &mut self,
        title: &str,
        line: usize,
        command: &str,
        text: Option<&str>,
        destructive: bool,
    ) -> bool {
        let Some(id) = self.shell_context.clone().filter(|_| self.shell_joins) else {
            return false;
        };
        if self.shell_later {
            if !self.in_open_path(&id) {
                self.shell_context = None;
                return false;
            }
            self.typed_in_later_block(&id, title, line, command, text, destructive);
            if command
                .lines()
                .any(|l| matches!(l.trim(), "exit" | "logout"))
            {
                self.shell_context = None;
                self.shell_joins = false;
            }
            return true;
        }
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
            self.shell_joins = false;
        }
        true
    }

    /// Before a block: whether its commands are typed in the shell a step above opened.
    /// `lead` is the text since the previous block; `body`, the block's own text.
    pub(super) fn enter_block_shell(&mut self, lead: &str, body: &str) {
        self.shell_joins = false;
        let Some(id) = self.shell_context.clone() else {
            return;
        };
        let opener = self
            .node_mut(&id)
            .and_then(|n| n.command.clone())
            .unwrap_or_default();
        match lead_of(lead, &targets_of(&opener)) {
            Lead::Local => self.shell_context = None,
            Lead::Remote => self.shell_joins = true,
            // A block opening a shell of its own starts a new context, here.
            Lead::Silent if opens_first(body) => {}
            Lead::Silent => {
                // Same section, nothing said about leaving: still typed there. After a
                // heading, only what can only mean that host.
                self.shell_joins = !self.shell_heading_seen || host_only(body);
            }
        }
        self.shell_later = self.shell_joins;
    }

    /// A later block meant for the shell: a step of its own where the document puts it,
    /// for the engineer to type in that shell, never run here.
    fn typed_in_later_block(
        &mut self,
        id: &str,
        title: &str,
        line: usize,
        command: &str,
        text: Option<&str>,
        destructive: bool,
    ) {
        let (opener, went) = self
            .node_mut(id)
            .map(|n| (n.command.clone().unwrap_or_default(), n.title.clone()))
            .unwrap_or_default();
        let opener = opener.lines().find(|l| shell::opens_shell(l));
        let lead = match (opener, self.spanish) {
            (Some(opener), true) => format!("En la shell que abrió `{opener}`, ejecutar:"),
            (Some(opener), false) => format!("In the shell `{opener}` opened, run:"),
            // Opened in prose: the step that went there is named instead.
            (None, true) => format!("Allí ({went}), ejecutar:"),
            (None, false) => format!("There ({went}), run:"),
        };
        let mut lines: Vec<String> = text.map(str::to_string).into_iter().collect();
        lines.push(lead);
        lines.extend(command.lines().map(|l| format!("$ {l}")));
        for spans in std::mem::take(&mut self.pending_expect) {
            lines.push(format!("# {}", marked(&spans)));
        }
        self.manual(title, Some(lines.join("\n")), line);
        if let Some(last) = self.last_node.clone() {
            if let Some(node) = self.node_mut(&last) {
                node.destructive = destructive;
            }
        }
        self.fresh_heading = false;
        // Nothing here runs: no later case or result sentence is about the opener.
        self.last_command = None;
    }

    /// Before a block whose lead-in sends the engineer to another host in prose, with
    /// no shell open (`SSH into the affected node and check the kubelet:`): going there
    /// is a step the engineer takes, and the block, like a block after `ssh host`, is
    /// typed there. Later blocks follow the rules of a shell opened by a command.
    pub(super) fn prose_opens_shell(&mut self, lead: &str, body: &str, line: usize) -> bool {
        if self.shell_context.is_some() {
            return false;
        }
        let folded = deunicode::deunicode(lead).to_lowercase();
        let Some(found) = PROSE_OPENER.find(&folded) else {
            return false;
        };
        if LOCAL_LEAD.is_match(&folded) || opens_first(body) {
            return false;
        }
        let sentence = lead
            .lines()
            .find(|l| PROSE_OPENER.is_match(&deunicode::deunicode(l).to_lowercase()))
            .unwrap_or(found.as_str())
            .trim()
            .trim_end_matches(':')
            .to_string();
        self.manual(&sentence, None, line);
        let Some(id) = self.last_node.clone() else {
            return false;
        };
        self.open_shell(&id);
        self.shell_joins = true;
        self.shell_later = true;
        true
    }

    /// After a block: later blocks join the shell only if their lead-in says so.
    pub(super) fn leave_block_shell(&mut self) {
        self.shell_joins = false;
    }

    /// A step opened a shell elsewhere: the rest of its block is typed there.
    pub(super) fn open_shell(&mut self, id: &str) {
        self.shell_context = Some(id.to_string());
        self.shell_joins = true;
        self.shell_later = false;
        self.shell_heading_seen = false;
    }

    /// The step is on the path being walked: in an enclosing frame's current items.
    fn in_open_path(&self, id: &str) -> bool {
        self.frames.iter().any(|frame| {
            let items = match frame {
                Frame::Main(items) | Frame::Fail { items, .. } => items.as_slice(),
                Frame::Alt { branches, .. } => {
                    branches.last().map(|b| b.items.as_slice()).unwrap_or(&[])
                }
            };
            items
                .iter()
                .any(|i| matches!(i, Item::Node(n) if n.id == id))
        })
    }

    pub(super) fn in_current_frame(&self, id: &str) -> bool {
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
}
