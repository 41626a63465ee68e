//! Views of a playbook: the `show` outline, Mermaid (renders on GitHub) and Graphviz dot.

use crate::graph::{EdgeOn, ExpectKind, FindKind, Node, NodeKind, Playbook};
use std::collections::HashMap;
use std::fmt::Write;

/// Mermaid node ids are positional (`n0`, `n1`): step ids such as `end` are Mermaid
/// keywords, and labels carry the real titles.
pub fn mermaid(p: &Playbook) -> String {
    let ids = positional_ids(p);
    let mut out = String::from("flowchart TD\n");
    for node in &p.nodes {
        let label = mermaid_text(&node_label(node));
        let id = &ids[node.id.as_str()];
        let shape = match node.kind {
            NodeKind::Symptom => format!("{id}>\"{label}\"]"),
            NodeKind::Check => format!("{id}[\"{label}\"]"),
            NodeKind::Action => format!("{id}[[\"{label}\"]]"),
            NodeKind::Decision => format!("{id}{{\"{label}\"}}"),
            NodeKind::Manual => format!("{id}[/\"{label}\"/]"),
            NodeKind::Note => format!("{id}(\"{label}\")"),
            NodeKind::Escalate => format!("{id}{{{{\"{label}\"}}}}"),
            NodeKind::End => format!("{id}((\"{label}\"))"),
        };
        let _ = writeln!(out, "    {shape}");
    }
    for edge in &p.edges {
        let from = ids.get(edge.from.as_str());
        let to = ids.get(edge.to.as_str());
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        match edge_label(&edge.on) {
            None => {
                let _ = writeln!(out, "    {from} --> {to}");
            }
            Some(label) => {
                let _ = writeln!(out, "    {from} -->|\"{}\"| {to}", mermaid_text(&label));
            }
        }
    }
    let destructive: Vec<&str> = p
        .nodes
        .iter()
        .filter(|n| n.destructive)
        .map(|n| ids[n.id.as_str()].as_str())
        .collect();
    if !destructive.is_empty() {
        out.push_str("    classDef destructive stroke:#c00,stroke-width:3px\n");
        let _ = writeln!(out, "    class {} destructive", destructive.join(","));
    }
    out
}

fn positional_ids(p: &Playbook) -> HashMap<&str, String> {
    p.nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), format!("n{i}")))
        .collect()
}

/// Text inside a quoted Mermaid label: quotes and markup characters as entity codes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '&' => out.push_str("#amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn node_label(node: &Node) -> String {
    let mut label = truncate(&node.title, 60);
    if node.destructive {
        label.push_str(" ⚠");
    }
    if node.watch {
        label.push_str(" ⟳");
    }
    label
}

fn edge_label(on: &EdgeOn) -> Option<String> {
    match on {
        EdgeOn::Next => None,
        EdgeOn::Ok => Some("ok".into()),
        EdgeOn::Fail => Some("fail".into()),
        EdgeOn::Find(l) => Some(format!("find: {}", truncate(l, 40))),
        EdgeOn::Choice(l) => Some(truncate(l, 40)),
    }
}

fn truncate(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Graphviz dot.
pub fn dot(p: &Playbook) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", dot_string(&p.id));
    out.push_str("    rankdir=TB;\n    node [fontname=\"Helvetica\", fontsize=10];\n");
    for node in &p.nodes {
        let shape = match node.kind {
            NodeKind::Symptom => "cds",
            NodeKind::Check => "box",
            NodeKind::Action => "box3d",
            NodeKind::Decision => "diamond",
            NodeKind::Manual => "parallelogram",
            NodeKind::Note => "note",
            NodeKind::Escalate => "hexagon",
            NodeKind::End => "doublecircle",
        };
        let color = if node.destructive {
            ", color=\"#cc0000\", penwidth=2"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "    {} [label={}, shape={shape}{color}];",
            dot_string(&node.id),
            dot_string(&node_label(node))
        );
    }
    for edge in &p.edges {
        let label = edge_label(&edge.on)
            .map(|l| format!(" [label={}]", dot_string(&l)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {} -> {}{label};",
            dot_string(&edge.from),
            dot_string(&edge.to)
        );
    }
    out.push_str("}\n");
    out
}

fn dot_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `show` outline: what an on-call engineer reads before running it.
pub fn outline(p: &Playbook) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  [{}]", p.title, p.id);
    let mut meta = vec![format!("source: {}", p.source), format!("lang: {}", p.lang)];
    if let Some(s) = &p.severity {
        meta.push(format!("severity: {s}"));
    }
    if let Some(s) = &p.service {
        meta.push(format!("service: {s}"));
    }
    if !p.tags.is_empty() {
        meta.push(format!("tags: {}", p.tags.join(", ")));
    }
    let _ = writeln!(out, "{}", meta.join(" · "));
    if !p.variables.is_empty() {
        out.push_str("\nVariables:\n");
        for v in &p.variables {
            let mut line = format!("  {}", v.name);
            if v.secret {
                line.push_str(" (secret)");
            }
            if let Some(d) = &v.default {
                let _ = write!(line, " = {d}");
            }
            if let Some(d) = &v.description {
                let _ = write!(line, "  — {d}");
            }
            let _ = writeln!(out, "{line}");
        }
    }
    let symptoms: Vec<&Node> = p.symptoms().collect();
    if !symptoms.is_empty() {
        out.push_str("\nSymptoms:\n");
        for s in symptoms {
            let _ = writeln!(out, "  - {}", s.text.as_deref().unwrap_or(&s.title));
        }
    }
    out.push_str("\nSteps:\n");
    let steps: Vec<&Node> = p
        .nodes
        .iter()
        .filter(|n| !matches!(n.kind, NodeKind::Symptom | NodeKind::End))
        .collect();
    for (i, node) in steps.iter().enumerate() {
        step(
            &mut out,
            p,
            node,
            i + 1,
            steps.get(i + 1).map(|n| n.id.as_str()),
        );
    }
    if steps.is_empty() {
        out.push_str("  (none)\n");
    }
    if !p.hypotheses.is_empty() {
        out.push_str("\nPossible causes:\n");
        for h in &p.hypotheses {
            let _ = writeln!(out, "  - {h}");
        }
    }
    if !p.prevention.is_empty() {
        out.push_str("\nPrevention:\n");
        for h in &p.prevention {
            let _ = writeln!(out, "  - {h}");
        }
    }
    out
}

fn step(out: &mut String, p: &Playbook, node: &Node, n: usize, following: Option<&str>) {
    let mut flags = Vec::new();
    if node.destructive {
        flags.push("destructive");
    }
    if node.watch {
        flags.push("watch");
    }
    if node.interactive {
        flags.push("interactive");
    }
    if node.confirm {
        flags.push("confirm");
    }
    if node.skip {
        flags.push("skip");
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" ({})", flags.join(", "))
    };
    let kind = format!("{:?}", node.kind).to_lowercase();
    let _ = writeln!(
        out,
        "  {n}. [{kind}] {}{flags}   {{{}}} line {}",
        node.title, node.id, node.line
    );
    let pad = "       ";
    if let Some(cmd) = &node.command {
        for (i, line) in cmd.lines().enumerate() {
            let prompt = if i == 0 { "$ " } else { "  " };
            let _ = writeln!(out, "{pad}{prompt}{line}");
        }
    }
    if let Some(text) = &node.text {
        if node.command.is_none() || node.kind != NodeKind::Manual {
            for line in text.lines().take(12) {
                let _ = writeln!(out, "{pad}{line}");
            }
        }
    }
    for e in &node.expect {
        let kind = match e.kind {
            ExpectKind::Contains => "contains",
            ExpectKind::Exact => "exact",
            ExpectKind::Regex => "regex",
            ExpectKind::Exit => "exit",
            ExpectKind::Status => "HTTP status",
            ExpectKind::Threshold => "threshold",
        };
        let _ = writeln!(out, "{pad}expect {kind}: {}", e.value);
    }
    for f in &node.findings {
        let kind = match f.kind {
            FindKind::Contains => "contains",
            FindKind::Regex => "regex",
            FindKind::Threshold => "threshold",
        };
        let _ = writeln!(out, "{pad}look for ({kind}): {}", f.label);
    }
    for c in &node.choices {
        let _ = writeln!(out, "{pad}{} → {}", c.label, c.to);
    }
    for e in p.edges_from(&node.id) {
        match &e.on {
            EdgeOn::Choice(_) => {}
            EdgeOn::Next if Some(e.to.as_str()) == following => {}
            on => {
                let _ = writeln!(out, "{pad}on {on} → {}", e.to);
            }
        }
    }
}
