//! The walker's step tree → nodes in document order and the edges between them.
//!
//! Flow follows the document: each step's `next` edge leads to the step after it, a
//! branch's last step leads to what follows the decision, and the last step leads to
//! `end`. Explicit `on-ok`/`on-fail`/`on-find` targets and "Si falla" steps add edges
//! for those outcomes; `next` stays as the fallback for any outcome not covered.

use super::slug::{slugify, SlugSet};
use super::steps::{Branch, Item, Walked};
use crate::graph::{Choice, Edge, EdgeOn, Node, NodeKind, Warning, END};
use foldhash::HashMap;

pub struct Assembled {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub warnings: Vec<Warning>,
}

pub fn assemble(walked: Walked, end_line: usize, spanish: bool) -> Assembled {
    let mut ids = SlugSet::new();
    ids.reserve(END);
    for item in &walked.items {
        reserve_ids(item, &mut ids);
    }
    for items in walked.on_fail.values() {
        for item in items {
            reserve_ids(item, &mut ids);
        }
    }
    let mut a = Assembler {
        ids,
        anchors: walked.anchors,
        explicit: walked.explicit,
        on_fail: walked.on_fail,
        nodes: Vec::new(),
        edges: Vec::new(),
        warnings: walked.warnings,
    };
    a.link_items(walked.items, END.to_string());
    let end_title = if spanish { "Fin" } else { "End" };
    a.nodes
        .push(Node::new(END, NodeKind::End, end_title, end_line));
    Assembled {
        nodes: a.nodes,
        edges: a.edges,
        warnings: a.warnings,
    }
}

fn reserve_ids(item: &Item, ids: &mut SlugSet) {
    match item {
        Item::Node(n) => ids.reserve(&n.id),
        Item::Branches { decision, branches } => {
            ids.reserve(&decision.id);
            for b in branches {
                for i in &b.items {
                    reserve_ids(i, ids);
                }
            }
        }
    }
}

struct Assembler {
    ids: SlugSet,
    anchors: HashMap<String, String>,
    explicit: HashMap<String, Vec<(EdgeOn, String, usize)>>,
    on_fail: HashMap<String, Vec<Item>>,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    warnings: Vec<Warning>,
}

fn entry_of(item: &Item) -> String {
    match item {
        Item::Node(n) => n.id.clone(),
        Item::Branches { decision, .. } => decision.id.clone(),
    }
}

impl Assembler {
    /// Emits the nodes of `items` and their edges; returns the id flow enters at.
    fn link_items(&mut self, items: Vec<Item>, exit: String) -> String {
        let entries: Vec<String> = items.iter().map(entry_of).collect();
        for (i, item) in items.into_iter().enumerate() {
            let next = entries.get(i + 1).cloned().unwrap_or_else(|| exit.clone());
            match item {
                Item::Node(node) => {
                    let id = node.id.clone();
                    let has_findings = !node.findings.is_empty();
                    self.nodes.push(*node);
                    self.link_node(&id, &next, has_findings);
                }
                Item::Branches { decision, branches } => {
                    self.link_decision(*decision, branches, &next)
                }
            }
        }
        entries.into_iter().next().unwrap_or(exit)
    }

    fn link_decision(&mut self, decision: Node, branches: Vec<Branch>, next: &str) {
        let id = decision.id.clone();
        let index = self.nodes.len();
        self.nodes.push(decision);
        let mut choices = Vec::new();
        for branch in branches {
            let target = match &branch.link {
                Some(link) => match self.resolve(link) {
                    Some(t) => t,
                    None => {
                        self.warnings.push(Warning {
                            line: branch.line,
                            message: format!(
                                "link `#{link}` in choice `{}` is not a step id or heading of this playbook",
                                branch.label
                            ),
                        });
                        self.fallback_manual(&branch, next)
                    }
                },
                None if branch.items.is_empty() => next.to_string(),
                None => self.link_items(branch.items, next.to_string()),
            };
            let label = unique_label(&choices, &branch.label);
            self.push_edge(&id, &target, EdgeOn::Choice(label.clone()));
            choices.push(Choice { label, to: target });
        }
        if let Some(node) = self.nodes.get_mut(index) {
            node.choices = choices;
        }
    }

    /// A choice whose link leads nowhere still leads somewhere: a manual step with its text.
    fn fallback_manual(&mut self, branch: &Branch, next: &str) -> String {
        let title = if branch.text.is_empty() {
            branch.label.clone()
        } else {
            branch.text.clone()
        };
        let id = self.ids.unique(&super::slug::short_slug(&title, 40));
        let node = Node::new(id.clone(), NodeKind::Manual, title, branch.line);
        self.nodes.push(node);
        self.push_edge(&id, next, EdgeOn::Next);
        id
    }

    fn link_node(&mut self, id: &str, next: &str, has_findings: bool) {
        let explicit = self.explicit.remove(id).unwrap_or_default();
        let mut ok = false;
        let mut fail = false;
        let mut find = false;
        for (on, target, line) in explicit {
            // An unknown target stays as written: `lint` reports it as dangling.
            let _ = line;
            let to = self.resolve(&target).unwrap_or_else(|| target.clone());
            match on {
                EdgeOn::Ok => ok = true,
                EdgeOn::Fail => fail = true,
                EdgeOn::Find(_) => find = true,
                _ => {}
            }
            self.push_edge(id, &to, on);
        }
        if let Some(items) = self.on_fail.remove(id) {
            if !fail {
                let entry = self.link_items(items, next.to_string());
                self.push_edge(id, &entry, EdgeOn::Fail);
                fail = true;
                if !ok {
                    self.push_edge(id, next, EdgeOn::Ok);
                    ok = true;
                }
            }
        }
        if !(ok && fail && (!has_findings || find)) {
            self.push_edge(id, next, EdgeOn::Next);
        }
    }

    fn resolve(&self, target: &str) -> Option<String> {
        let target = target.trim().trim_start_matches('#');
        if target == END {
            return Some(END.to_string());
        }
        if self.ids.contains(target) {
            return Some(target.to_string());
        }
        if let Some(id) = self.anchors.get(target) {
            return Some(id.clone());
        }
        let slug = slugify(target);
        if let Some(id) = self.anchors.get(&slug) {
            return Some(id.clone());
        }
        self.ids.contains(&slug).then_some(slug)
    }

    fn push_edge(&mut self, from: &str, to: &str, on: EdgeOn) {
        let edge = Edge {
            from: from.to_string(),
            to: to.to_string(),
            on,
        };
        if !self.edges.contains(&edge) {
            self.edges.push(edge);
        }
    }
}

/// Two choices with the same label could not be told apart in `--answers`.
fn unique_label(choices: &[Choice], label: &str) -> String {
    let base = if label.is_empty() { "choice" } else { label };
    if !choices.iter().any(|c| c.label == base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base} ({n})"))
        .find(|l| !choices.iter().any(|c| &c.label == l))
        .unwrap_or_else(|| base.to_string())
}
