//! pulldown-cmark events → a small block tree with 1-based source lines.
//!
//! Everything after this stage works on `Block`s, never on raw events, so the rules in
//! the other modules read like the Markdown they describe.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// Byte offset → 1-based line, by binary search over precomputed line starts.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        // This runs before anything else can start: a large document's parts are
        // searched on every core (memchr skips whole words of bytes).
        let threads = super::par::threads();
        if threads < 2 || text.len() < PIECEWISE_MIN_BYTES {
            starts.extend(line_starts(bytes, 0));
            return LineIndex { starts };
        }
        let part = text.len().div_ceil(threads);
        let parts: Vec<usize> = (0..threads).map(|i| i * part).collect();
        let found = super::par::map(&parts, 2, |&at| {
            let (start, end) = (at.min(bytes.len()), (at + part).min(bytes.len()));
            line_starts(&bytes[start..end], start).collect::<Vec<_>>()
        });
        starts.extend(found.into_iter().flatten());
        LineIndex { starts }
    }

    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset of the start of a 1-based line.
    pub fn start_of(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }
}

/// The offsets just past each newline in `bytes`, which start at `base` in the text.
fn line_starts(bytes: &[u8], base: usize) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', bytes).map(move |i| base + i + 1)
}

/// Inline content, flattened enough for the rules: text, code spans, emphasis, links.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Text(String),
    Code(String),
    Strong(Vec<Span>),
    Emph(Vec<Span>),
    Link { dest: String, spans: Vec<Span> },
    Break,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(Heading),
    Para(Para),
    List(List),
    Code(Code),
    Quote(Quote),
    Table(Raw),
    Html(Raw),
    Rule(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    pub level: u8,
    pub spans: Vec<Span>,
    /// `plain(&spans)`, computed once: the rules read it many times.
    pub text: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Para {
    pub spans: Vec<Span>,
    /// `plain(&spans)`, computed once: the rules read it many times.
    pub text: String,
    pub line: usize,
}

impl Para {
    pub fn new(spans: Vec<Span>, line: usize) -> Self {
        Para {
            text: plain(&spans),
            spans,
            line,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct List {
    pub ordered: bool,
    pub items: Vec<Item>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub blocks: Vec<Block>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// The info string (`bash {id=ping}`), empty for unlabeled and indented blocks.
    pub info: String,
    pub body: String,
    /// Line of the opening fence (or of the first line of an indented block).
    pub line: usize,
    /// Line of the first line of the body.
    pub body_line: usize,
    pub fenced: bool,
    /// False for a fence that runs to the end of its container without a closing fence.
    pub closed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub blocks: Vec<Block>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Raw {
    pub text: String,
    pub line: usize,
}

impl Block {
    pub fn line(&self) -> usize {
        match self {
            Block::Heading(h) => h.line,
            Block::Para(p) => p.line,
            Block::List(l) => l.line,
            Block::Code(c) => c.line,
            Block::Quote(q) => q.line,
            Block::Table(r) | Block::Html(r) => r.line,
            Block::Rule(line) => *line,
        }
    }
}

/// Text of spans without Markdown markup (code spans lose their backticks), with
/// whitespace collapsed to single spaces.
pub fn plain(spans: &[Span]) -> String {
    let mut out = Collapsed::with_capacity(text_len(spans, false));
    write_spans(spans, &mut out, false);
    out.finish()
}

/// Text of spans with code spans kept in backticks.
pub fn marked(spans: &[Span]) -> String {
    let mut out = Collapsed::with_capacity(text_len(spans, true));
    write_spans(spans, &mut out, true);
    out.finish()
}

/// The most bytes `write_spans` can write for `spans` (collapsing only removes): the
/// text is then built in one allocation instead of growing word by word.
fn text_len(spans: &[Span], ticks: bool) -> usize {
    spans
        .iter()
        .map(|span| match span {
            Span::Text(t) => t.len(),
            Span::Code(c) => c.len() + if ticks { 2 } else { 0 },
            Span::Strong(inner) | Span::Emph(inner) | Span::Link { spans: inner, .. } => {
                text_len(inner, ticks)
            }
            Span::Break => 1,
        })
        .sum()
}

/// A string builder that collapses runs of whitespace and trims both ends.
#[derive(Default)]
struct Collapsed {
    text: String,
    space: bool,
}

impl Collapsed {
    fn with_capacity(bytes: usize) -> Self {
        Collapsed {
            text: String::with_capacity(bytes),
            space: false,
        }
    }

    /// Appends `s` word by word. Bytes below 0x80 are tested directly (this runs on
    /// every span of every paragraph); other characters are decoded to test for
    /// Unicode white space (NBSP and friends separate words too).
    fn push_str(&mut self, s: &str) {
        if single_spaced(s) {
            self.push_single_spaced(s);
            return;
        }
        let bytes = s.as_bytes();
        let mut word_start: Option<usize> = None;
        let mut i = 0;
        while i < bytes.len() {
            let (white, width) = match bytes[i] {
                b if b < 0x80 => (b.is_ascii_whitespace() || b == 0x0b, 1),
                _ => match s[i..].chars().next() {
                    Some(c) => (c.is_whitespace(), c.len_utf8()),
                    None => break,
                },
            };
            if white {
                if let Some(start) = word_start.take() {
                    self.push_word(&s[start..i]);
                }
                self.space = true;
            } else if word_start.is_none() {
                word_start = Some(i);
            }
            i += width;
        }
        if let Some(start) = word_start {
            self.push_word(&s[start..]);
        }
    }

    /// `push_str` for text whose only white space is single spaces: all its words go
    /// in at once, the same as one by one.
    fn push_single_spaced(&mut self, s: &str) {
        let words = s.trim_matches(' ');
        if s.starts_with(' ') {
            self.space = true;
        }
        if !words.is_empty() {
            self.push_word(words);
        }
        if s.ends_with(' ') {
            self.space = true;
        }
    }

    fn push_word(&mut self, word: &str) {
        if self.space && !self.text.is_empty() {
            self.text.push(' ');
        }
        self.space = false;
        self.text.push_str(word);
    }

    /// `push(' ')` without scanning it: a line break in a paragraph.
    fn push_space(&mut self) {
        self.space = true;
    }

    fn push(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.push_str(c.encode_utf8(&mut buf));
    }

    fn finish(self) -> String {
        self.text
    }
}

/// Whether `s` is words split by single spaces (most text spans): no other white
/// space, no control bytes, no two spaces in a row. Unicode white space is encoded
/// with lead byte 0xC2, 0xE1, 0xE2 or 0xE3 (accented letters use 0xC3), so text
/// without those bytes holds none. One branch-free pass the compiler vectorises, and
/// a second over pairs of bytes.
fn single_spaced(s: &str) -> bool {
    let word_byte = |b: u8| b > b' ' && !matches!(b, 0xC2 | 0xE1..=0xE3);
    let bytes = s.as_bytes();
    let plain = bytes
        .iter()
        .fold(true, |ok, &b| ok & (b == b' ' || word_byte(b)));
    let pairs = bytes.iter().zip(bytes.iter().skip(1));
    let double = pairs.fold(false, |found, (&a, &b)| found | (a == b' ' && b == b' '));
    plain && !double
}

fn write_spans(spans: &[Span], out: &mut Collapsed, ticks: bool) {
    for span in spans {
        match span {
            Span::Text(t) => out.push_str(t),
            Span::Code(c) if ticks => {
                out.push('`');
                out.push_str(c);
                out.push('`');
            }
            Span::Code(c) => out.push_str(c),
            Span::Strong(inner) | Span::Emph(inner) | Span::Link { spans: inner, .. } => {
                write_spans(inner, out, ticks)
            }
            Span::Break => out.push_space(),
        }
    }
}

/// Every code span, in order (also inside emphasis and links).
pub fn code_spans(spans: &[Span]) -> Vec<String> {
    let mut out = Vec::new();
    collect_code(spans, &mut out);
    out
}

fn collect_code(spans: &[Span], out: &mut Vec<String>) {
    for span in spans {
        match span {
            Span::Code(c) => out.push(c.clone()),
            Span::Strong(inner) | Span::Emph(inner) | Span::Link { spans: inner, .. } => {
                collect_code(inner, out)
            }
            _ => {}
        }
    }
}

/// Every link destination with its text.
pub fn links(spans: &[Span]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect_links(spans, &mut out);
    out
}

fn collect_links(spans: &[Span], out: &mut Vec<(String, String)>) {
    for span in spans {
        match span {
            Span::Link { dest, spans } => out.push((dest.clone(), plain(spans))),
            Span::Strong(inner) | Span::Emph(inner) => collect_links(inner, out),
            _ => {}
        }
    }
}

/// The first inline block of a list item (its "title" line), if it starts with text.
pub fn item_lead(item: &Item) -> Option<&Para> {
    match item.blocks.first() {
        Some(Block::Para(p)) => Some(p),
        _ => None,
    }
}

/// The pulldown-cmark extensions the rules look at: tables (kept as raw blocks),
/// strikethrough and task-list markers (their text is kept). Nothing else is enabled, so
/// the tokeniser does no work the rules would throw away.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Parses Markdown (without front matter) into blocks. `line_base` is the line of the
/// first byte of `text` in the original file, so lines point into the file.
pub fn parse(text: &str, index: &LineIndex, byte_base: usize) -> Vec<Block> {
    let mut builder = Builder::new(text, index, byte_base);
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        builder.event(event, range);
    }
    builder.finish()
}

/// Documents at least this large are parsed in pieces, one per thread.
const PIECEWISE_MIN_BYTES: usize = 256 * 1024;

/// `parse`, on several threads for a large document. The text is cut before top-level
/// `# ` headings that follow a blank line; the pieces are parsed on their own and their
/// blocks concatenated. That equals parsing the whole text when no piece ends inside a
/// block a heading cannot close (a fenced code block, an HTML block) and the document
/// has no link reference definitions (they are document-wide): each piece is checked,
/// and any doubt falls back to parsing the whole text at once.
pub fn parse_document(text: &str, index: &LineIndex, byte_base: usize) -> Vec<Block> {
    let threads = super::par::threads();
    if threads < 2 || text.len() < PIECEWISE_MIN_BYTES {
        return parse(text, index, byte_base);
    }
    let pieces = piece_ranges(text, threads);
    if pieces.len() < 2 {
        return parse(text, index, byte_base);
    }
    let parsed = super::par::map(&pieces, 2, |range| {
        parse_piece(&text[range.clone()], index, byte_base + range.start)
    });
    let last = parsed.len() - 1;
    let exact = parsed
        .iter()
        .enumerate()
        .all(|(i, p)| p.no_references && (i == last || p.ends_closed));
    if !exact {
        return parse(text, index, byte_base);
    }
    // Sized once: growing a large block list by doubling copies it again and again.
    let mut blocks = Vec::with_capacity(parsed.iter().map(|p| p.blocks.len()).sum());
    for piece in parsed {
        blocks.extend(piece.blocks);
    }
    blocks
}

/// Drops a large block list on every core (see `par::drop_all`).
pub fn drop_in_parallel(blocks: Vec<Block>) {
    super::par::drop_all(blocks, 4096);
}

/// About `count` byte ranges covering `text`, each after the first starting at a
/// `# ` heading line that follows a blank line outside any fenced code block. (The
/// fence tracking here only picks likely cuts; `parse_piece` checks them exactly.)
fn piece_ranges(text: &str, count: usize) -> Vec<std::ops::Range<usize>> {
    let mut starts = vec![0];
    let mut fence: Option<(u8, usize)> = None;
    let mut after_blank = false;
    for (here, line) in lines_with_offsets(text) {
        let target = text.len() * starts.len() / count;
        if fence.is_none() && after_blank && here >= target && line.starts_with("# ") {
            starts.push(here);
            if starts.len() == count {
                break;
            }
        }
        // Most lines start with a letter or a marker (`-`, `#`, `|`): they are not
        // blank and open no fence.
        let first = line.as_bytes()[0];
        if first.is_ascii_graphic() && !matches!(first, b'`' | b'~') {
            after_blank = false;
            continue;
        }
        after_blank = line.trim().is_empty();
        let rest = line.trim_start_matches(' ');
        if line.len() - rest.len() > 3 {
            continue;
        }
        let Some(&c @ (b'`' | b'~')) = rest.as_bytes().first() else {
            continue;
        };
        let run = rest.bytes().take_while(|&b| b == c).count();
        fence = match fence {
            None if run >= 3 => Some((c, run)),
            Some((open, width)) if open == c && run >= width && rest[run..].trim().is_empty() => {
                None
            }
            other => other,
        };
    }
    let mut ranges: Vec<_> = starts.windows(2).map(|w| w[0]..w[1]).collect();
    if let Some(&last) = starts.last() {
        ranges.push(last..text.len());
    }
    ranges
}

/// `text.split_inclusive('\n')` with each line's byte offset; memchr finds the line
/// ends (this runs over the whole document before the threads start).
fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1);
    let mut start = 0;
    ends.chain(std::iter::once(text.len()))
        .filter_map(move |end| {
            let line = (start, &text[start..end]);
            start = end;
            Some(line).filter(|(_, l)| !l.is_empty())
        })
}

struct Piece {
    blocks: Vec<Block>,
    /// No link reference definitions: links resolve the same in the piece and the whole.
    no_references: bool,
    /// The last top-level block is closed by the piece's own text, so the heading that
    /// follows starts a new block in the whole document too.
    ends_closed: bool,
}

fn parse_piece(text: &str, index: &LineIndex, byte_base: usize) -> Piece {
    let parser = Parser::new_ext(text, options()).into_offset_iter();
    let no_references = parser.reference_definitions().iter().next().is_none();
    let mut builder = Builder::new(text, index, byte_base);
    for (event, range) in parser {
        builder.event(event, range);
    }
    let blocks = builder.finish();
    let ends_closed = match blocks.last() {
        Some(Block::Html(_)) => false,
        Some(Block::Code(code)) if code.fenced => index
            .start_of(code.line)
            .and_then(|start| text.get(start.checked_sub(byte_base)?..))
            .is_some_and(top_fence_closed),
        _ => true,
    };
    Piece {
        blocks,
        no_references,
        ends_closed,
    }
}

/// Whether the top-level fenced block opening on the first line of `src` has its
/// closing fence in `src`. CommonMark: a closing fence is indented at most three
/// spaces, repeats the opening character at least as often, and has nothing else on
/// its line.
fn top_fence_closed(src: &str) -> bool {
    let mut lines = src.split('\n').map(|l| l.trim_end_matches('\r'));
    let Some(open) = lines.next() else {
        return false;
    };
    let open = open.trim_start_matches(' ');
    let Some(&fence) = open.as_bytes().first() else {
        return false;
    };
    let width = open.bytes().take_while(|&b| b == fence).count();
    lines.any(|line| {
        let rest = line.trim_start_matches(' ');
        let run = rest.bytes().take_while(|&b| b == fence).count();
        line.len() - rest.len() <= 3
            && run >= width
            && rest[run..].trim_matches([' ', '\t']).is_empty()
    })
}

enum Frame {
    Container(Vec<Block>),
    Quote(Quote),
    List(List),
    Item(Item),
    /// `implicit`: the text of a tight list item, which has no Paragraph event.
    Para {
        spans: Vec<Span>,
        line: usize,
        implicit: bool,
    },
    Heading(Heading),
    Code(Code),
    Strong(Vec<Span>),
    Emph(Vec<Span>),
    Link {
        dest: String,
        spans: Vec<Span>,
    },
    Raw {
        table: bool,
        text: String,
        line: usize,
    },
    /// Anything else whose text we keep inline (strikethrough, footnotes...).
    Transparent,
}

struct Builder<'a> {
    text: &'a str,
    index: &'a LineIndex,
    base: usize,
    stack: Vec<Frame>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, index: &'a LineIndex, base: usize) -> Self {
        Builder {
            text,
            index,
            base,
            stack: vec![Frame::Container(Vec::new())],
        }
    }

    /// The line of the first visible character at or after `offset` (nested list items
    /// can start at the newline before them).
    fn line(&self, offset: usize) -> usize {
        let skip = self
            .text
            .get(offset..)
            .map(|rest| rest.len() - rest.trim_start().len())
            .unwrap_or(0);
        self.index.line_of(self.base + offset + skip)
    }

    fn event(&mut self, event: Event<'_>, range: std::ops::Range<usize>) {
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag, range),
            Event::Text(t) => self.text_event(&t, range),
            Event::Code(c) => self.inline(Span::Code(c.to_string()), range.start),
            Event::InlineMath(m) | Event::DisplayMath(m) => {
                self.inline(Span::Text(m.to_string()), range.start)
            }
            Event::Html(h) | Event::InlineHtml(h) => self.html(&h, range.start),
            Event::SoftBreak | Event::HardBreak => self.inline(Span::Break, range.start),
            Event::Rule => {
                let line = self.line(range.start);
                self.push_block(Block::Rule(line));
            }
            Event::TaskListMarker(done) => {
                let mark = if done { "[x] " } else { "[ ] " };
                self.inline(Span::Text(mark.to_string()), range.start)
            }
            Event::FootnoteReference(_) => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: std::ops::Range<usize>) {
        let line = self.line(range.start);
        if is_block_tag(&tag) {
            self.close_implicit_para();
        } else if matches!(
            self.stack.last(),
            Some(Frame::Item(_)) | Some(Frame::Quote(_))
        ) {
            // `- **AWS**: …` in a tight list: the bold label opens the item's paragraph
            // (otherwise it would have nowhere to go and be lost).
            self.stack.push(Frame::Para {
                spans: Vec::new(),
                line,
                implicit: true,
            });
        }
        let frame = match tag {
            Tag::Paragraph => Frame::Para {
                spans: Vec::new(),
                line,
                implicit: false,
            },
            Tag::Heading { level, .. } => Frame::Heading(Heading {
                level: level as u8,
                spans: Vec::new(),
                text: String::new(),
                line,
            }),
            Tag::BlockQuote(_) => Frame::Quote(Quote {
                blocks: Vec::new(),
                line,
            }),
            Tag::CodeBlock(kind) => self.code_frame(kind, range, line),
            Tag::List(start) => Frame::List(List {
                ordered: start.is_some(),
                items: Vec::new(),
                line,
            }),
            Tag::Item => Frame::Item(Item {
                blocks: Vec::new(),
                line,
            }),
            Tag::Strong => Frame::Strong(Vec::new()),
            Tag::Emphasis => Frame::Emph(Vec::new()),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => Frame::Link {
                dest: dest_url.to_string(),
                spans: Vec::new(),
            },
            Tag::Table(_) => Frame::Raw {
                table: true,
                text: String::new(),
                line,
            },
            Tag::HtmlBlock => Frame::Raw {
                table: false,
                text: String::new(),
                line,
            },
            Tag::TableRow | Tag::TableHead => {
                self.raw_push("\n");
                Frame::Transparent
            }
            Tag::TableCell => {
                self.raw_push(" | ");
                Frame::Transparent
            }
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => Frame::Container(Vec::new()),
            _ => Frame::Transparent,
        };
        self.stack.push(frame);
    }

    fn code_frame(
        &self,
        kind: CodeBlockKind<'_>,
        range: std::ops::Range<usize>,
        line: usize,
    ) -> Frame {
        let raw = self.text.get(range.clone()).unwrap_or("");
        let (info, fenced) = match kind {
            CodeBlockKind::Fenced(info) => (info.trim().to_string(), true),
            CodeBlockKind::Indented => (String::new(), false),
        };
        Frame::Code(Code {
            info,
            // The body arrives a line at a time and is never longer than the block's
            // source: one allocation instead of a regrowth every few lines.
            body: String::with_capacity(raw.len()),
            line,
            body_line: if fenced { line + 1 } else { line },
            fenced,
            closed: !fenced || fence_is_closed(raw),
        })
    }

    fn end(&mut self, tag: TagEnd, _range: std::ops::Range<usize>) {
        if matches!(tag, TagEnd::Item) {
            self.close_implicit_para();
        }
        let Some(frame) = self.stack.pop() else {
            return;
        };
        match frame {
            Frame::Para { spans, line, .. } => self.push_block(Block::Para(Para::new(spans, line))),
            Frame::Heading(mut h) => {
                h.text = plain(&h.spans);
                self.push_block(Block::Heading(h))
            }
            Frame::Quote(q) => self.push_block(Block::Quote(q)),
            Frame::Code(c) => self.push_block(Block::Code(c)),
            Frame::List(l) => self.push_block(Block::List(l)),
            Frame::Item(item) => {
                if let Some(Frame::List(list)) = self.stack.last_mut() {
                    list.items.push(item);
                }
            }
            Frame::Strong(spans) => self.inline_nested(Span::Strong(spans)),
            Frame::Emph(spans) => self.inline_nested(Span::Emph(spans)),
            Frame::Link { dest, spans } => self.inline_nested(Span::Link { dest, spans }),
            Frame::Raw { table, text, line } => {
                let raw = Raw {
                    text: text.trim().to_string(),
                    line,
                };
                self.push_block(if table {
                    Block::Table(raw)
                } else {
                    Block::Html(raw)
                });
            }
            Frame::Container(blocks) => {
                for b in blocks {
                    self.push_block(b);
                }
            }
            Frame::Transparent => {}
        }
    }

    fn text_event(&mut self, text: &str, range: std::ops::Range<usize>) {
        match self.stack.last_mut() {
            Some(Frame::Code(code)) => {
                if code.body.is_empty() {
                    code.body_line = self.index.line_of(self.base + range.start);
                }
                code.body.push_str(text);
            }
            Some(Frame::Raw { text: raw, .. }) => raw.push_str(text),
            _ => {
                if self.in_raw() {
                    self.raw_push(text);
                } else {
                    self.inline(Span::Text(text.to_string()), range.start)
                }
            }
        }
    }

    fn html(&mut self, html: &str, offset: usize) {
        if let Some(Frame::Raw { text, .. }) = self.stack.last_mut() {
            text.push_str(html);
        } else if self.in_inline() {
            self.inline(Span::Text(html.to_string()), offset);
        } else {
            let line = self.line(offset);
            self.push_block(Block::Html(Raw {
                text: html.trim().to_string(),
                line,
            }));
        }
    }

    fn in_raw(&self) -> bool {
        self.stack
            .iter()
            .rev()
            .any(|f| matches!(f, Frame::Raw { table: true, .. }))
    }

    fn raw_push(&mut self, s: &str) {
        for frame in self.stack.iter_mut().rev() {
            if let Frame::Raw { text, .. } = frame {
                text.push_str(s);
                return;
            }
        }
    }

    fn in_inline(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(
                Frame::Para { .. }
                    | Frame::Heading(_)
                    | Frame::Strong(_)
                    | Frame::Emph(_)
                    | Frame::Link { .. }
                    | Frame::Transparent
            )
        )
    }

    /// Adds an inline span to the innermost inline container, opening the implicit
    /// paragraph of a tight list item when needed.
    fn inline(&mut self, span: Span, offset: usize) {
        if self.in_raw() {
            if let Span::Text(t) | Span::Code(t) = &span {
                let t = t.clone();
                self.raw_push(&t);
            }
            return;
        }
        if matches!(
            self.stack.last(),
            Some(Frame::Item(_)) | Some(Frame::Quote(_))
        ) {
            let line = self.line(offset);
            self.stack.push(Frame::Para {
                spans: Vec::new(),
                line,
                implicit: true,
            });
        }
        self.inline_nested(span);
    }

    fn inline_nested(&mut self, span: Span) {
        for frame in self.stack.iter_mut().rev() {
            match frame {
                Frame::Para { spans, .. }
                | Frame::Strong(spans)
                | Frame::Emph(spans)
                | Frame::Link { spans, .. } => {
                    push_span(spans, span);
                    return;
                }
                Frame::Heading(h) => {
                    push_span(&mut h.spans, span);
                    return;
                }
                Frame::Transparent => continue,
                _ => return,
            }
        }
    }

    fn close_implicit_para(&mut self) {
        if let Some(Frame::Para { implicit: true, .. }) = self.stack.last() {
            if let Some(Frame::Para { spans, line, .. }) = self.stack.pop() {
                self.push_block(Block::Para(Para::new(spans, line)));
            }
        }
    }

    fn push_block(&mut self, block: Block) {
        for frame in self.stack.iter_mut().rev() {
            match frame {
                Frame::Container(blocks) => return blocks.push(block),
                Frame::Quote(q) => return q.blocks.push(block),
                Frame::Item(item) => return item.blocks.push(block),
                _ => continue,
            }
        }
    }

    fn finish(mut self) -> Vec<Block> {
        while self.stack.len() > 1 {
            self.close_implicit_para();
            let Some(frame) = self.stack.pop() else { break };
            match frame {
                Frame::Container(blocks) => {
                    for b in blocks {
                        self.push_block(b)
                    }
                }
                Frame::Code(c) => self.push_block(Block::Code(c)),
                Frame::Para { spans, line, .. } => {
                    self.push_block(Block::Para(Para::new(spans, line)))
                }
                _ => {}
            }
        }
        match self.stack.pop() {
            Some(Frame::Container(blocks)) => blocks,
            _ => Vec::new(),
        }
    }
}

/// Adjacent text (pulldown splits it at entities and escapes) becomes one span.
fn push_span(spans: &mut Vec<Span>, span: Span) {
    if let (Some(Span::Text(last)), Span::Text(more)) = (spans.last_mut(), &span) {
        last.push_str(more);
        return;
    }
    spans.push(span);
}

fn is_block_tag(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::Table(_)
            | Tag::HtmlBlock
    )
}

/// Whether the source of a fenced block ends with a closing fence like its opening one.
fn fence_is_closed(raw: &str) -> bool {
    let mut lines = raw.lines();
    let Some(first) = lines.next() else {
        return false;
    };
    let first = first.trim_start();
    let fence_char = match first.chars().next() {
        Some(c @ ('`' | '~')) => c,
        _ => return false,
    };
    let width = first.chars().take_while(|&c| c == fence_char).count();
    let Some(last) = raw.lines().skip(1).filter(|l| !l.trim().is_empty()).last() else {
        return false;
    };
    let last = last.trim();
    last.chars().take_while(|&c| c == fence_char).count() >= width
        && last.chars().all(|c| c == fence_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str) -> Vec<Block> {
        parse(text, &LineIndex::new(text), 0)
    }

    /// `text` repeated to more than `PIECEWISE_MIN_BYTES`.
    fn large(text: &str) -> String {
        text.repeat(PIECEWISE_MIN_BYTES * 2 / text.len() + 1)
    }

    fn assert_piecewise_equals_whole(text: &str) {
        let index = LineIndex::new(text);
        assert_eq!(parse_document(text, &index, 0), parse(text, &index, 0));
    }

    #[test]
    fn line_index_of_a_large_document_is_found_in_parts_alike() {
        let text = "# Title\n\nSome text\n```\ncode\n```\n".repeat(20_000);
        let serial: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        assert!(text.len() >= super::PIECEWISE_MIN_BYTES);
        assert_eq!(super::LineIndex::new(&text).starts, serial);
    }

    #[test]
    fn piecewise_parse_of_the_seeds_equals_whole_parse_and_is_used() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
        let mut seeds = String::new();
        for entry in std::fs::read_dir(dir).expect("seeds").flatten() {
            seeds.push_str(&std::fs::read_to_string(entry.path()).expect("seed"));
            seeds.push_str("\n\n");
        }
        let text = large(&seeds);
        assert_piecewise_equals_whole(&text);
        let index = LineIndex::new(&text);
        let pieces = piece_ranges(&text, 4);
        assert_eq!(pieces.len(), 4);
        for (i, range) in pieces.iter().enumerate() {
            let piece = parse_piece(&text[range.clone()], &index, range.start);
            assert!(piece.no_references && (i == 3 || piece.ends_closed));
        }
    }

    #[test]
    fn piecewise_parse_keeps_blocks_a_heading_cannot_close() {
        // Comment lines in fences, an HTML comment hiding a heading, a fence in a list
        // closed by the heading, an unclosed fence, a fence closed only by a longer one.
        for case in [
            "```bash\n\n# 1. not a heading\nls\n\n# 2. still code\n```\n\n# Real\n\ntext\n",
            "<!--\n\n# hidden\n\n-->\n\n# Shown\n\n",
            "- item\n\n  ```\n  ls\n\n# closes the list and the fence\n\n",
            "# A\n\n~~~~\n\n# in code\n~~~\n\n# still in code\n~~~~~\n\n",
            "# Open\n\n```sh\n\n# never closed\n",
        ] {
            assert_piecewise_equals_whole(&large(case));
        }
    }

    #[test]
    fn closing_fences_follow_commonmark() {
        assert!(top_fence_closed("```bash\nls\n   ```  \n"));
        assert!(top_fence_closed("~~~\nls\n~~~~\n"));
        assert!(!top_fence_closed("```\nls\n    ```\n"));
        assert!(!top_fence_closed("````\nls\n```\n"));
        assert!(!top_fence_closed("~~~\nls\n```\n"));
        assert!(!top_fence_closed("```\nls\n```js\n"));
    }

    #[test]
    fn piecewise_parse_resolves_references_defined_anywhere() {
        let mut text = large("# H\n\nsee [the docs][docs]\n\n");
        text.push_str("[docs]: https://example.com\n");
        assert_piecewise_equals_whole(&text);
    }

    #[test]
    fn line_index() {
        let idx = LineIndex::new("a\nb\n\nc");
        assert_eq!(idx.line_of(0), 1);
        assert_eq!(idx.line_of(2), 2);
        assert_eq!(idx.line_of(4), 3);
        assert_eq!(idx.line_of(5), 4);
    }

    #[test]
    fn tight_list_items_get_paragraphs_and_nested_code() {
        let b = blocks("1. **Check:**\n   ```bash\n   curl x\n   ```\n\n   Buscar:\n   - \"a\"\n");
        let Block::List(list) = &b[0] else { panic!() };
        let item = &list.items[0];
        assert!(matches!(&item.blocks[0], Block::Para(p) if plain(&p.spans) == "Check:"));
        let Block::Code(code) = &item.blocks[1] else {
            panic!()
        };
        assert_eq!(code.body, "curl x\n");
        assert_eq!(code.body_line, 3);
        assert!(code.closed);
    }

    #[test]
    fn unclosed_fence_is_flagged() {
        let b = blocks("text\n\n```bash\nls\n");
        let Block::Code(code) = &b[1] else { panic!() };
        assert!(!code.closed);
        assert_eq!(code.line, 3);
    }
}
