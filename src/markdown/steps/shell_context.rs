//! Commands typed in another shell: after `ssh host` or `oc rsh pod`, the commands that
//! follow are meant for that shell, not this machine.

use super::text::command_title;
use super::{Frame, Item};
use crate::graph::NodeKind;
use crate::markdown::blocks::marked;
use crate::markdown::shell;

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
    pub(super) fn typed_in_open_shell(
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
