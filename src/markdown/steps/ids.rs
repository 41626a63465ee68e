//! Step ids: the ids authors give (`{#id}`, fence ids), generated ones, and heading
//! anchors bound to the next step.

use crate::graph::{Node, NodeKind, Warning, END};
use crate::markdown::blocks::{item_lead, Block};
use crate::markdown::fence;
use crate::markdown::slug::{clean_title, short_title_slug};

impl super::Walker {
    pub(super) fn new_node(&mut self, kind: NodeKind, title: &str, line: usize) -> Node {
        self.new_named_node(kind, title, line, None)
    }

    /// An id the author gave (reserved when the walker was made): theirs, unless used
    /// twice or `end`, then renamed with a warning.
    pub(super) fn claim_explicit_id(&mut self, id: &str, line: usize) -> String {
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
    pub(super) fn new_named_node(
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

    /// A node titled `title` whose id is the one `id_title` would get plus `suffix`
    /// (`restart-redis-if-needed-or-skip`), whole however long the title.
    pub(super) fn new_suffixed_node(
        &mut self,
        kind: NodeKind,
        title: &str,
        id_title: &str,
        suffix: &str,
        line: usize,
    ) -> Node {
        let base = short_title_slug(&clean_title(id_title.trim()), 40);
        let id = self.ids.unique(&format!("{base}-{suffix}"));
        self.bind_anchors(&id);
        self.created += 1;
        self.open_note = None;
        Node::new(id, kind, clean_title(title.trim()), line)
    }

    /// An id made from `title`, which has been through `clean_title`.
    pub(super) fn generated_id(&mut self, kind: NodeKind, title: &str) -> String {
        let base = short_title_slug(title, 40);
        if base.is_empty() {
            self.ids.unique(&format!("{kind:?}").to_lowercase())
        } else {
            self.ids.unique(&base)
        }
    }

    pub(super) fn bind_anchors(&mut self, id: &str) {
        for anchor in self.pending_anchors.drain(..) {
            self.out
                .anchors
                .entry(anchor)
                .or_insert_with(|| id.to_string());
        }
    }
}

/// `Question? {#id}`: the text without its trailing `{#id}`, and the id, when the
/// author named the step (answers files then say `id: choice`).
pub(super) fn explicit_id(text: &str) -> (&str, Option<&str>) {
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

/// Explicit step ids in a section's fences, reserved before generated ids are handed out.
pub fn explicit_ids(blocks: &[Block]) -> Vec<String> {
    let mut out = Vec::new();
    collect_ids(blocks, &mut out);
    out
}

pub(super) fn collect_ids(blocks: &[Block], out: &mut Vec<String>) {
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
