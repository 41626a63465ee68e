//! Causes written as bold numbered labels (`**1. DNS misconfigured**` under `## Common
//! causes`) read like numbered headings there: one hypothesis each, a choice of the
//! causes' decision, never a sequence.

use super::text::strip_numbering;
use crate::markdown::blocks::{Block, Heading, Span};
use crate::markdown::roles::{self, Role};
use crate::markdown::slug::clean_title;

/// `blocks` with the bold numbered labels of every causes part made headings one level
/// below it; `None` when there are none (the common case: nothing is copied).
pub fn cause_labels_as_headings(blocks: &[Block]) -> Option<Vec<Block>> {
    // Cheap first test: most sections hold no bold numbered label at all.
    if !blocks
        .iter()
        .any(|b| matches!(b, Block::Para(p) if numbered_label(&p.spans, &p.text)))
    {
        return None;
    }
    let mut promoted: Vec<(usize, u8)> = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if let Block::Heading(h) = block {
            if h.level < 6 && roles::role_of(&clean_title(&h.text)) == Some(Role::Causes) {
                let labels = numbered_labels(&blocks[i + 1..]);
                if labels.len() >= 2 {
                    promoted.extend(labels.into_iter().map(|j| (i + 1 + j, h.level + 1)));
                }
            }
        }
    }
    if promoted.is_empty() {
        return None;
    }
    let mut out = blocks.to_vec();
    for (i, level) in promoted {
        if let Block::Para(p) = &blocks[i] {
            out[i] = Block::Heading(Heading {
                level,
                spans: p.spans.clone(),
                text: p.text.trim().trim_end_matches(':').to_string(),
                line: p.line,
            });
        }
    }
    Some(out)
}

/// Positions of the bold numbered labels before the next heading; none when the part
/// has sub-headings of its own (they are its causes).
fn numbered_labels(part: &[Block]) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, block) in part.iter().enumerate() {
        match block {
            Block::Heading(_) => break,
            Block::Para(p) if numbered_label(&p.spans, &p.text) => out.push(i),
            _ => {}
        }
    }
    out
}

/// A paragraph that is only a bold numbered title: `**1. Disk full**`, `**2) Token
/// expired:**`, `**Cause 2: token expired**`, `**Causa #1 – disco lleno**`.
fn numbered_label(spans: &[Span], text: &str) -> bool {
    if !matches!(
        text.as_bytes().first(),
        Some(b'0'..=b'9' | b'C' | b'c' | b'H' | b'h')
    ) {
        return false;
    }
    let mut strong = spans
        .iter()
        .filter(|s| !matches!(s, Span::Text(t) if t.trim().is_empty() || t.trim() == ":"));
    let bold = matches!(
        (strong.next(), strong.next()),
        (Some(Span::Strong(_)), None)
    );
    bold && (numbered(text) || named_cause(text))
}

fn numbered(text: &str) -> bool {
    text.as_bytes().first().is_some_and(u8::is_ascii_digit) && strip_numbering(text) != text.trim()
}

/// `Cause 2: …`, `Causa #1 – …`, `Hypothesis 3`, `Hipótesis 1`.
fn named_cause(text: &str) -> bool {
    let mut words = text.split_whitespace();
    let (Some(name), Some(number)) = (words.next(), words.next()) else {
        return false;
    };
    let number = number
        .trim_start_matches('#')
        .trim_end_matches([':', '.', ')']);
    matches!(
        roles::fold_label(name).as_str(),
        "cause" | "causa" | "hypothesis" | "hipotesis"
    ) && !number.is_empty()
        && number.len() <= 2
        && number.bytes().all(|b| b.is_ascii_digit())
}
