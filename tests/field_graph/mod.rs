//! Small queries on the step graph of a self-written document, shared by the field-trial
//! tests (tests/field_*.rs).

#![allow(dead_code)] // each test binary uses a different part

use runbook::graph::{Node, NodeKind, Playbook};
use runbook::markdown;
use std::path::Path;

/// The one incident of `md`.
pub fn parse_one(md: &str) -> Playbook {
    let mut books = markdown::parse_document(md, Path::new("doc.md")).expect("parses");
    assert_eq!(books.len(), 1, "one incident: {books:#?}");
    books.remove(0)
}

/// The step whose command is exactly `command`.
pub fn step_running<'a>(p: &'a Playbook, command: &str) -> &'a Node {
    p.nodes
        .iter()
        .find(|n| n.command.as_deref() == Some(command))
        .unwrap_or_else(|| panic!("no step runs {command:?}: {:#?}", commands(p)))
}

/// The first step whose command holds `part`.
pub fn step_running_part<'a>(p: &'a Playbook, part: &str) -> &'a Node {
    p.nodes
        .iter()
        .find(|n| n.command.as_deref().is_some_and(|c| c.contains(part)))
        .unwrap_or_else(|| panic!("no step runs `{part}`: {:#?}", commands(p)))
}

/// Every command the graph runs, in order.
pub fn commands(p: &Playbook) -> Vec<&str> {
    p.nodes
        .iter()
        .filter_map(|n| n.command.as_deref())
        .collect()
}

pub fn decisions(p: &Playbook) -> Vec<&Node> {
    p.nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Decision)
        .collect()
}

/// A decision's choice labels.
pub fn labels(d: &Node) -> Vec<&str> {
    d.choices.iter().map(|c| c.label.as_str()).collect()
}

/// Whether a run can reach the end without passing through step `id`: false when the
/// step runs on every path.
pub fn avoidable(p: &Playbook, id: &str) -> bool {
    let Some(start) = p.start() else {
        return true;
    };
    if start.id == id {
        return false;
    }
    let mut seen = vec![start.id.as_str()];
    let mut todo = vec![start.id.as_str()];
    while let Some(at) = todo.pop() {
        if at == runbook::graph::END {
            return true;
        }
        for e in p.edges_from(at) {
            let to = e.to.as_str();
            if to != id && !seen.contains(&to) {
                seen.push(to);
                todo.push(to);
            }
        }
    }
    false
}
