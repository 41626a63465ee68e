//! Documents that use some Markdown but leave two things unmarked: alert titles written
//! as a paragraph (`🚨 DeploymentUnavailable`, each over its own Severity and bold role
//! labels) and commands written as bare lines (`kubectl rollout undo deployment
//! <name>`) because the author never fences anything. Read as the author meant: each
//! alert title is a heading one level below the heading above it, and, in a document
//! with no code block or code span at all, a paragraph of command lines is a shell block.

use super::blocks::{Block, Code, Heading, Para, Span};
use super::plain_text::command_line;

/// `blocks` with alert titles made headings and bare command lines made shell blocks;
/// `None` when there is nothing to change (most documents: one test per block).
pub fn read(blocks: &[Block]) -> Option<Vec<Block>> {
    let titles = blocks.iter().filter(|b| alert_title(b).is_some()).count();
    let unfenced = !blocks.iter().any(holds_code);
    let commands = unfenced && blocks.iter().any(|b| command_para(b).is_some());
    if titles < 2 && !commands {
        return None;
    }
    let mut out = Vec::with_capacity(blocks.len());
    let mut level = 0;
    for block in blocks {
        if let Block::Heading(h) = block {
            level = h.level;
        }
        out.push(match block {
            Block::Para(p) if titles >= 2 && alert_title(block).is_some() => {
                Block::Heading(Heading {
                    level: (level + 1).min(6),
                    spans: p.spans.clone(),
                    text: p.text.clone(),
                    line: p.line,
                })
            }
            Block::Para(p) if commands && command_para(block).is_some() => Block::Code(Code {
                info: "bash".into(),
                body: p.text.clone(),
                line: p.line,
                body_line: p.line,
                fenced: true,
                closed: true,
            }),
            other => other.clone(),
        });
    }
    Some(out)
}

/// A one-line paragraph of an emoji and an alert's name (`🚨 DeploymentUnavailable`,
/// `🔥 node_disk_full`, `🚨 HighRequestLatency (p95 / p99)`): a name in code style,
/// CamelCase or snake_case, with an aside at most.
fn alert_title(block: &Block) -> Option<&Para> {
    let Block::Para(p) = block else {
        return None;
    };
    // Cheap first: the paragraph starts with a symbol outside ASCII.
    let first = p.text.chars().next()?;
    if first.is_ascii() || first.is_alphanumeric() || !matches!(p.spans.as_slice(), [Span::Text(_)])
    {
        return None;
    }
    let rest = p.text.trim_start_matches(|c: char| !c.is_ascii()).trim();
    let (name, aside) = rest.split_once(' ').unwrap_or((rest, ""));
    let aside = aside.trim();
    let aside_ok = aside.is_empty() || (aside.starts_with('(') && aside.ends_with(')'));
    (aside_ok && alert_name(name)).then_some(p)
}

/// `DeploymentUnavailable`, `KubePodCrashLooping`, `node_disk_full`: one word, in
/// CamelCase (not a shouted `WARNING`) or with an underscore.
fn alert_name(name: &str) -> bool {
    let camel = name.chars().skip(1).any(|c| c.is_ascii_uppercase())
        && name.chars().any(|c| c.is_ascii_lowercase());
    name.len() >= 4
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && (camel || name.contains('_'))
}

/// A paragraph whose every line has a command's shape (`kubectl rollout undo
/// deployment <name>`), with no markup.
fn command_para(block: &Block) -> Option<&Para> {
    let Block::Para(p) = block else {
        return None;
    };
    let plain = p
        .spans
        .iter()
        .all(|s| matches!(s, Span::Text(_) | Span::Break));
    let lines = p.spans.iter().filter_map(|s| match s {
        Span::Text(t) => Some(t.trim()),
        _ => None,
    });
    (plain && lines.clone().count() > 0 && lines.into_iter().all(command_line)).then_some(p)
}

/// A code block or a code span anywhere in the block.
fn holds_code(block: &Block) -> bool {
    match block {
        Block::Code(_) => true,
        Block::Para(p) => p.spans.iter().any(span_code),
        Block::Heading(h) => h.spans.iter().any(span_code),
        Block::List(l) => l.items.iter().any(|i| i.blocks.iter().any(holds_code)),
        Block::Quote(q) => q.blocks.iter().any(holds_code),
        Block::Table(t) | Block::Html(t) => t.text.contains('`'),
        Block::Rule(_) => false,
    }
}

fn span_code(span: &Span) -> bool {
    match span {
        Span::Code(_) => true,
        Span::Strong(inner) | Span::Emph(inner) | Span::Link { spans: inner, .. } => {
            inner.iter().any(span_code)
        }
        Span::Text(_) | Span::Break => false,
    }
}

#[cfg(test)]
mod tests {
    use super::alert_name;

    #[test]
    fn alert_names_look_like_code() {
        for name in [
            "DeploymentUnavailable",
            "KubeAPIDown",
            "node_disk_full",
            "IngressHigh5xx",
        ] {
            assert!(alert_name(name), "{name}");
        }
        for name in ["Warning", "WARNING", "Done", "Note", "ATENCIÓN", "kube"] {
            assert!(!alert_name(name), "{name}");
        }
    }
}
