//! A document with no Markdown at all: notes whose commands stand on lines of their own
//! between prose lines ("High Memory Runbook", "1️⃣ Check node memory", `kubectl top
//! nodes`). Markdown reads it as paragraphs and finds nothing to run; read line by line,
//! its first line is its title, each run of command lines is a shell block and the other
//! lines are the prose around them, as if the author had fenced them.

use super::blocks::{Block, Code, Heading, Para, Span};
use super::shell;

/// The blocks `blocks` would be had the author written Markdown; `None` for any
/// document with Markdown in it (a heading, a code block or span, emphasis, a link,
/// a list holding more than plain lines) or without a command line.
pub fn as_markdown(blocks: &[Block], body: &str, first_line: usize) -> Option<Vec<Block>> {
    // Most documents fail at their first block.
    if blocks.is_empty() || !blocks.iter().all(plain_block) {
        return None;
    }
    let lines: Vec<(usize, &str)> = body
        .lines()
        .enumerate()
        .map(|(i, l)| (first_line + i, l.trim()))
        .collect();
    if !lines.iter().any(|(_, l)| command_line(l)) {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = skip_blank(&lines);
    if let Some(&(line, first)) = rest.first() {
        if !command_line(first) && first.chars().count() <= 80 {
            out.push(Block::Heading(Heading {
                level: 1,
                spans: vec![Span::Text(first.to_string())],
                text: first.to_string(),
                line,
            }));
            rest = skip_blank(&rest[1..]);
        }
    }
    while let Some(&(line, text)) = rest.first() {
        let commands = command_line(text);
        let run = rest
            .iter()
            .take_while(|l| !l.1.is_empty() && command_line(l.1) == commands)
            .count();
        let texts: Vec<&str> = rest[..run].iter().map(|l| l.1).collect();
        out.push(if commands {
            Block::Code(Code {
                info: "bash".into(),
                body: texts.join("\n"),
                line,
                body_line: line,
                fenced: true,
                closed: true,
            })
        } else {
            Block::Para(Para::new(prose_spans(&texts), line))
        });
        rest = skip_blank(&rest[run..]);
    }
    Some(out)
}

fn skip_blank<'a>(lines: &'a [(usize, &'a str)]) -> &'a [(usize, &'a str)] {
    let blank = lines.iter().take_while(|l| l.1.is_empty()).count();
    &lines[blank..]
}

/// A paragraph of plain text (no code span, emphasis nor link), or a list of them:
/// notes number their lines (`1) Check usage`), which Markdown reads as a list.
fn plain_block(block: &Block) -> bool {
    match block {
        Block::Para(p) => p
            .spans
            .iter()
            .all(|s| matches!(s, Span::Text(_) | Span::Break)),
        Block::List(l) => l.items.iter().all(|item| {
            item.blocks
                .iter()
                .all(|b| matches!(b, Block::Para(_)) && plain_block(b))
        }),
        _ => false,
    }
}

/// A line of a command's shape that is no sentence (`kubectl top nodes`, not "top
/// nodes use less memory.").
pub(super) fn command_line(line: &str) -> bool {
    !line.is_empty() && !line.ends_with(['.', ':', '?', '!']) && shell::looks_like_command(line)
}

/// Prose lines, one span each with breaks between, as Markdown keeps a paragraph's lines.
fn prose_spans(lines: &[&str]) -> Vec<Span> {
    let mut spans = Vec::with_capacity(lines.len() * 2);
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            spans.push(Span::Break);
        }
        spans.push(Span::Text(l.to_string()));
    }
    spans
}
