//! Steps that are not commands: manual steps, notes, escalations and symptoms.

use super::text::shorten_title;
use super::Item;
use crate::graph::{Node, NodeKind};
use crate::markdown::blocks::{marked, plain, Span};
use crate::markdown::roles::Role;

impl super::Walker {
    pub(super) fn manual(&mut self, title: &str, text: Option<String>, line: usize) {
        let (title, overflow) = shorten_title(title);
        let mut node = self.new_node(NodeKind::Manual, &title, line);
        let text = text.or(overflow).filter(|t| t.trim() != node.title);
        node.text = text;
        self.push(Item::Node(Box::new(node)));
    }

    pub(super) fn note(&mut self, title: Option<&str>, text: &str, line: usize) {
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

    pub(super) fn escalate(&mut self, text: &str, line: usize) {
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

    pub(super) fn symptom(&mut self, spans: &[Span], line: usize) {
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
}

/// "Escalate to the DBA", "Escalar al equipo de plataforma", "Page the on-call". The
/// Spanish verb also means "to scale" (`Escalar instancia`, `Escalar horizontalmente:
/// kubectl scale …`): it escalates only towards someone, a level or a condition.
/// "Follow prompts", "Enter the password when prompted", "Sigue las instrucciones en
/// pantalla": the command above asks questions of whoever runs it.
pub(super) fn answers_prompts(text: &str) -> bool {
    const PHRASES: &[&str] = &[
        "follow prompts",
        "follow the prompts",
        "follow the on-screen",
        "answer the prompts",
        "when prompted",
        "when asked",
        "sigue las instrucciones",
        "sigue las indicaciones",
        "seguir las instrucciones",
        "seguir las indicaciones",
        "responde a las preguntas",
        "responder a las preguntas",
        "cuando lo pida",
        "cuando se solicite",
        "cuando te lo pida",
    ];
    let folded = crate::markdown::roles::fold_label(text);
    PHRASES.iter().any(|p| folded.contains(p))
}

pub(super) fn is_escalation_text(text: &str) -> bool {
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
