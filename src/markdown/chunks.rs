//! One code block → the steps it holds.
//!
//! Real runbooks pack several steps into one block: `# 1.`/`# 2.` comment headers split
//! it into checks; `# Option 1/2/3`, `# Or …` and variant headers (`# Ubuntu` / `# Amazon
//! Linux`) are alternatives (one decision, never a sequence), each ending at the next
//! comment over commands; `# If …`/`# Si …`/`# Otherwise` headers are cases (never run
//! unconditionally); a comment after a blank line titles the commands below it; `# Debe
//! responder: PONG` is the expected output of the command above; `# Output:` and
//! `# Look for:` comments introduce sample rows that are shown with the command above and
//! never run; a REPL transcript (`redis-cli` then `> KEYS ...`) becomes the client run
//! with each command; a ```console block's `$ ` lines are commands and the lines after
//! them their output.

use super::expect;
use super::shell::{self, Located, Piece};
use crate::graph::Finding;
use once_cell::sync::Lazy;
use regex::Regex;

/// Something inside a chunk, in source order.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Command {
        line: usize,
        text: String,
        /// `text` is one logical command as `shell::pieces` read it, not a word added
        /// nor taken away: read again, it is that one piece.
        piece: bool,
    },
    Note {
        line: usize,
        text: String,
    },
    /// What the command above prints or should print: never run.
    Output(Output),
}

/// Output a block shows for the command above it: `# Debe responder: PONG`, the rows under
/// `# Output:` or `# Look for:`, or the lines a transcript prints after a `$ ` command.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Output {
    pub line: usize,
    /// The label the document gave it (`Output`, `Buscar en output`), if any.
    pub label: Option<String>,
    /// The sample itself, shown to the engineer; empty when nothing is worth showing.
    pub text: String,
    /// An expected-output literal.
    pub expect: Option<String>,
    pub findings: Vec<Finding>,
}

/// The commands under one header (or the whole block when it has none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chunk {
    pub title: Option<String>,
    /// The header was `# 1.`-style or `# Option N`-style: the block itself split here.
    pub numbered: bool,
    pub option: bool,
    /// The header was a condition (`# If pods are still pending, add a node`) or its
    /// `# Otherwise`: the commands under it run only in that case.
    pub condition: bool,
    pub line: usize,
    pub entries: Vec<Entry>,
    /// A REPL transcript that could not be turned into plain commands.
    pub interactive: bool,
}

impl Chunk {
    pub fn commands(&self) -> Vec<&str> {
        self.entries
            .iter()
            .filter_map(|e| match e {
                Entry::Command { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn notes(&self) -> Vec<&str> {
        self.entries
            .iter()
            .filter_map(|e| match e {
                Entry::Note { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The expected-output literals of the chunk's output entries.
    pub fn expects(&self) -> Vec<&str> {
        self.entries
            .iter()
            .filter_map(|e| match e {
                Entry::Output(o) => o.expect.as_deref(),
                _ => None,
            })
            .collect()
    }

    pub fn command_line(&self) -> Option<usize> {
        self.entries.iter().find_map(|e| match e {
            Entry::Command { line, .. } => Some(*line),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Step(Chunk),
    /// `# Option N` alternatives: exactly one is taken.
    Options {
        line: usize,
        chunks: Vec<Chunk>,
    },
    /// `# If …` cases (and their `# Otherwise`): each runs only when its condition holds.
    Cases {
        line: usize,
        chunks: Vec<Chunk>,
    },
}

static NUMBERED: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^(?:\d{1,2}[.)]|\(\d{1,2}\)|(?i:step|paso)\s*\d{1,2}[:.)]?)\s+(\S.*)$")
        .expect("static regex")
});

/// `NUMBERED` for ASCII text, where it matches the same: its Unicode classes written
/// as the ASCII they are there (`\S` and `.` as byte ranges). Small enough for the
/// regex engine's one-pass matcher, it finds the title thousands of instructions
/// sooner than `NUMBERED`, and every numbered header of a block needs it.
static NUMBERED_ASCII: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"^(?:[0-9]{1,2}[.)]|\([0-9]{1,2}\)|(?i-u:step|paso)(?-u:\s)*[0-9]{1,2}[:.)]?)(?-u:\s)+([\x00-\x08\x0E-\x1F\x21-\x7F][\x00-\x09\x0B-\x7F]*)$",
    )
    .expect("static regex")
});

/// The captures of `NUMBERED` (the title after the number is group 1).
fn numbered_captures(text: &str) -> Option<regex::Captures<'_>> {
    if !may_be_numbered(text) {
        return None;
    }
    let numbered = if text.is_ascii() {
        &NUMBERED_ASCII
    } else {
        &NUMBERED
    };
    numbered.captures(text)
}

/// A comment that labels output: the label, then (after `:`, `=>` or a space) what is left.
/// `# Output:` alone introduces sample rows; `# Debe responder: PONG` states the value.
static EXPECT_COMMENT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)^(?:(?:(?:example|sample|typical|expected) (?:output|response|result)|expected|esperado|resultado esperado|salida esperada|respuesta esperada|salida de ejemplo|ejemplo de salida|resultado|should (?:return|respond|show|print|output)|must (?:return|respond)|debe(?:r[ií]a)? (?:responder|devolver|mostrar|retornar|imprimir)|returns?|output|salida)(?:\s*(?::|=>|->)\s*|\s+|$)|(?:=>|->|→)\s*)(.*)$",
    )
    .expect("static regex")
});

/// `# Look for:`, `# Buscar en output:`, `# What to look for:`: rows to find follow (or
/// the value after the colon).
static LOOK_FOR_COMMENT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)^(?:look(?:ing)? for|what to look for|check for|watch for|buscar|qu[eé] buscar)\b([^:]{0,40}):\s*(.*)$")
        .expect("static regex")
});

// The comment regexes are anchored at the start of the text and case-insensitive, and
// most comments cannot match them from their first letters on. Running a capturing
// regex costs thousands of instructions even to fail, so these exact tests of the
// first bytes go first. Under `(?i)` an ASCII letter matches only its own two cases
// except `k` and `s` (the Kelvin sign, the long s), which are not ASCII: a text that
// starts with anything but ASCII is always left to the regex.

/// Whether `text` may match `NUMBERED`: a digit, `(`, `st…` (`step`) or `pa…` (`paso`).
fn may_be_numbered(text: &str) -> bool {
    match text.as_bytes() {
        [b'0'..=b'9' | b'(', ..] => true,
        [b's' | b'S', b't' | b'T', ..] | [b'p' | b'P', b'a' | b'A', ..] => true,
        [b, ..] => !b.is_ascii(),
        [] => false,
    }
}

fn is_numbered(text: &str) -> bool {
    may_be_numbered(text) && NUMBERED.is_match(text)
}

/// Whether `text` may match `EXPECT_COMMENT`: every alternative starts with one of
/// `e s t r m d o` (`expected`, `salida`, `typical`, `resultado`, `must`, `debe`,
/// `output`) or with `=>`, `->`, `→`.
fn may_state_output(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| {
        !b.is_ascii()
            || matches!(
                b.to_ascii_lowercase(),
                b'e' | b's' | b't' | b'r' | b'm' | b'd' | b'o' | b'=' | b'-'
            )
    })
}

/// Whether `text` may match `LOOK_FOR_COMMENT`: `look`, `what`, `check`, `watch`,
/// `buscar`, `qué`.
fn may_look_for(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| {
        !b.is_ascii() || matches!(b.to_ascii_lowercase(), b'l' | b'w' | b'c' | b'b' | b'q')
    })
}

/// The expected output a comment states, if it states one.
pub fn expectation_comment(comment: &str) -> Option<String> {
    let comment = comment.trim();
    if !may_state_output(comment) {
        return None;
    }
    let c = EXPECT_COMMENT.captures(comment)?;
    let value = c[1]
        .trim()
        .trim_matches(|ch| ch == '`' || ch == '"' || ch == '\'')
        .trim_end_matches('.')
        .trim();
    let quoted = c[1].trim().starts_with(['`', '"', '\'']);
    let literal = quoted || value.split_whitespace().count() <= 3;
    if !literal {
        // `HTTP/2 200 OK without SSL errors`: the status is what can be checked.
        static STATUS_LINE: Lazy<Regex> = Lazy::new(|| {
            Regex::new(r"^(?:HTTP/\d(?:\.\d)?\s+)?([1-5]\d\d)(?:\s+OK\b|\s+[A-Z][a-z]+\b|\s*$)")
                .expect("static regex")
        });
        return STATUS_LINE.captures(value).map(|s| s[1].to_string());
    }
    // A bare label (`# Output:`) states nothing: its value would be the colon.
    let stated = value.chars().any(char::is_alphanumeric);
    (stated && value.len() <= 200 && literal).then(|| value.to_string())
}

/// What an output comment introduces.
#[derive(Debug, Clone, PartialEq)]
enum Marker {
    /// `# Output:` with nothing after it: sample rows follow.
    Sample(String),
    /// `# Look for:`: rows to find follow, or the value after the colon.
    LookFor(String, String),
}

fn marker(comment: &str) -> Option<Marker> {
    let comment = comment.trim();
    let look_for = may_look_for(comment)
        .then(|| LOOK_FOR_COMMENT.captures(comment))
        .flatten();
    if let Some(c) = look_for {
        let label = comment[..c.get(2).map_or(comment.len(), |m| m.start())]
            .trim()
            .trim_end_matches(':')
            .to_string();
        return Some(Marker::LookFor(label, c[2].trim().to_string()));
    }
    if !comment.ends_with(':') {
        return None;
    }
    let label = || Marker::Sample(comment.trim_end_matches(':').trim().to_string());
    // "✅ Success when:" shows what a good result looks like, below it.
    static SUCCESS_WHEN: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)^(?:✅\s*)?(?:success|[eé]xito) (?:when|if|cuando|si):$")
            .expect("static regex")
    });
    if SUCCESS_WHEN.is_match(comment) {
        return Some(label());
    }
    if !may_state_output(comment) {
        return None;
    }
    let c = EXPECT_COMMENT.captures(comment)?;
    (!c[1].chars().any(char::is_alphanumeric)).then(label)
}

/// Splits a shell block into steps. `whole` keeps a block with no headers as one chunk
/// (authored blocks and blocks with attributes are one step each).
pub fn split(body: &str, body_line: usize, console: bool) -> Vec<Segment> {
    if console || is_console_transcript(body) {
        return console_segments(body, body_line);
    }
    let mut pieces = shell::pieces(body, body_line);
    let mut outputs = Vec::new();
    if let Some((rest, found)) = take_outputs(body, body_line, &pieces) {
        pieces = shell::pieces(&rest, body_line);
        outputs = found;
    }
    let mut outputs = outputs.into_iter().peekable();
    let (pieces, rewritten): (Vec<Located>, Vec<bool>) = rewrite_repl(pieces).into_iter().unzip();
    let headers = header_positions(&pieces);
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut current = Chunk {
        line: body_line,
        ..Chunk::default()
    };
    // Under a `# ❌ Wrong:` label, until a blank line or another comment.
    let mut under_wrong = false;
    // Under a comment naming a `.env` file, until a blank line, a command or a header.
    let mut under_env = false;
    for (i, located) in pieces.iter().enumerate() {
        while let Some(output) = outputs.next_if(|o| o.line < located.line) {
            current.entries.push(Entry::Output(output));
        }
        if let Piece::Command(text) = &located.piece {
            let own_comment = text[shell::strip_trailing_comment(text).len()..].trim();
            if under_wrong || (!own_comment.is_empty() && marks_wrong(own_comment)) {
                current.entries.push(Entry::Note {
                    line: located.line,
                    text: format!("not run, the runbook marks it wrong: {}", text.trim()),
                });
                continue;
            }
            if under_env && env_file_line(text) {
                current.entries.push(Entry::Note {
                    line: located.line,
                    text: format!("a line of the .env file, not run: {}", text.trim()),
                });
                continue;
            }
        }
        under_env = match &located.piece {
            Piece::Comment(text) => names_env_file(text) || (under_env && headers[i].is_none()),
            Piece::Command(_) | Piece::Blank => false,
        };
        under_wrong = match &located.piece {
            Piece::Comment(text) => labels_wrong(text),
            Piece::Command(_) => under_wrong,
            Piece::Blank => false,
        };
        match &located.piece {
            Piece::Blank => {}
            Piece::Comment(text) => {
                if let Some(kind) = &headers[i] {
                    push_chunk(&mut chunks, std::mem::take(&mut current));
                    current = Chunk {
                        title: Some(header_title(text, *kind)),
                        numbered: *kind != HeaderKind::Plain,
                        option: *kind == HeaderKind::Option,
                        condition: *kind == HeaderKind::Condition,
                        line: located.line,
                        ..Chunk::default()
                    };
                } else if let Some(value) = expectation_comment(text) {
                    current.entries.push(Entry::Output(Output {
                        line: located.line,
                        expect: Some(value),
                        ..Output::default()
                    }));
                } else {
                    current.entries.push(Entry::Note {
                        line: located.line,
                        text: text.clone(),
                    });
                }
            }
            Piece::Command(text) => {
                if let Some(rest) = text.trim_start().strip_prefix("> ") {
                    // A REPL line we could not attach to a client.
                    current.interactive = true;
                    current.entries.push(Entry::Note {
                        line: located.line,
                        text: format!("> {rest}"),
                    });
                } else if shell::is_bare_repl_line(text) {
                    // `MONITOR`, `CONFIG GET *` with no client above: not a shell command.
                    current.entries.push(Entry::Note {
                        line: located.line,
                        text: text.trim().to_string(),
                    });
                } else if shell::is_crontab_line(text) {
                    current.entries.push(Entry::Note {
                        line: located.line,
                        text: format!("crontab: {text}"),
                    });
                } else {
                    current.entries.push(Entry::Command {
                        line: located.line,
                        // Read as it stands: not written by `rewrite_repl`, no prompt cut.
                        piece: !rewritten[i] && !text.starts_with("$ "),
                        text: strip_prompt(text),
                    });
                }
            }
        }
    }
    current.entries.extend(outputs.map(Entry::Output));
    push_chunk(&mut chunks, current);
    // A case or option is split inside its own branch (by the caller), never into pieces
    // that would fall out of it.
    let chunks = chunks
        .into_iter()
        .flat_map(|c| {
            if c.option || c.condition {
                vec![c]
            } else {
                split_after_watch(c)
            }
        })
        .collect();
    group_options(chunks)
}

/// A comment saying the line it ends is the wrong way (`docker compose down -v  # ❌
/// this deletes the volumes`, `# wrong`, `# NO usar`): shown, never run.
fn marks_wrong(comment: &str) -> bool {
    static WRONG: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)^\W*(?:wrong|incorrect[oa]?|avoid|evita[r]?|no (?:uses?|usar|ejecutes|ejecutar))\b")
            .expect("static regex")
    });
    comment.contains(CROSSES) || WRONG.is_match(comment)
}

/// `# En .env:`, `# 1. Check the host names in .env`, `# .env.production`: the lines
/// below are the file's contents, to write there, not shell assignments to run.
pub fn names_env_file(comment: &str) -> bool {
    comment.contains(".env")
        && comment.split_whitespace().any(|w| {
            let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_');
            let w = w.trim_end_matches('.');
            w.ends_with(".env") || w.starts_with(".env.")
        })
}

/// `DATABASE_URL=postgresql://…`, `DEBUG="true"`: one `KEY=value` and nothing else.
pub fn env_file_line(line: &str) -> bool {
    let line = shell::strip_trailing_comment(line).trim();
    let value = line.split_once('=').map_or("", |(_, v)| v);
    let quoted = value.len() >= 2
        && (value.starts_with('"') && value.ends_with('"')
            || value.starts_with('\'') && value.ends_with('\''));
    shell::is_assignment(line)
        && !value.contains("$(")
        && (quoted || !line.contains(char::is_whitespace))
}

/// Marks that cross a line out.
const CROSSES: [char; 5] = ['❌', '✗', '✘', '🚫', '⛔'];

/// A comment line that labels the lines under it as the wrong way: `# ❌ Wrong:`,
/// `# Incorrecto:`, `# Don't do this:` (a short label, so "# Don't forget to reload"
/// is not one).
fn labels_wrong(comment: &str) -> bool {
    static DONT: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)^\W*(?:don'?t|do not|never|nunca|no hagas|no hacer|mal)\b")
            .expect("static regex")
    });
    let label = comment.trim_start_matches('#').trim();
    label.ends_with(':')
        && label.split_whitespace().count() <= 4
        && (marks_wrong(label) || DONT.is_match(label))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderKind {
    /// `# 1. Check X`, `# Step 2`
    Numbered,
    /// `# Option 1: ...`
    Option,
    /// `# If pods are still pending, add a node`, `# Si falla, ver logs`, `# Otherwise`
    Condition,
    /// A comment after a blank line (or at the top) right above commands.
    Plain,
}

/// Which comment lines start a new chunk. A numbered or option header counts only if
/// commands follow it before the next header: `# 1. Analyze heap snapshots` in a list
/// of to-dos with no commands stays a note. The answer is indexed like `pieces`.
fn header_positions(pieces: &[Located]) -> Vec<Option<HeaderKind>> {
    let mut out = vec![None; pieces.len()];
    // Inside an alternative whose commands have started: the next comment over commands
    // ends it (`# Or check its container` / `docker ps` / `# Then read the logs`).
    let mut in_option = None;
    let siblings = sibling_variants(pieces);
    for (i, located) in pieces.iter().enumerate() {
        let text = match &located.piece {
            Piece::Comment(text) => text,
            Piece::Command(_) => {
                in_option = in_option.map(|_| true);
                continue;
            }
            Piece::Blank => continue,
        };
        if expectation_comment(text).is_some() {
            continue;
        }
        let kind = if super::roles::option_label(text)
            || super::roles::or_header(text)
            || super::roles::variant_label(text)
            || siblings[i]
        {
            HeaderKind::Option
        } else if is_condition_header(text) {
            HeaderKind::Condition
        } else if is_numbered(text.trim()) {
            HeaderKind::Numbered
        } else {
            let after_blank = i == 0 || matches!(pieces[i - 1].piece, Piece::Blank);
            if !after_blank && in_option != Some(true) {
                continue;
            }
            HeaderKind::Plain
        };
        let starts_group = i == 0 || matches!(pieces[i - 1].piece, Piece::Blank);
        if commands_follow(pieces, i + 1, kind, &siblings)
            || (starts_group && notes_only_group(pieces, i + 1))
        {
            out[i] = Some(kind);
            in_option = (kind == HeaderKind::Option).then_some(false);
        }
    }
    // A plain header at the very top of a block with no other header titles the whole
    // block; it is not a split point, but the caller decides titles, so keep it.
    out
}

/// Comments that name a variant because a sibling of the same shape does: `# For CRI-O`
/// beside `# For Docker`, `# NixOS` beside `# Ubuntu` (see `roles::variant_shape`), and
/// two or more examples each for one thing (`# Example for Calico` / `# Example for
/// Flannel`). Otherwise the one no list knows would end the choice and run after it on
/// every path. Not a comment right after a command (a note inside a variant). Indexed
/// like `pieces`.
fn sibling_variants(pieces: &[Located]) -> Vec<bool> {
    use super::roles::{variant_label, variant_shape};
    let mut shapes: Vec<Option<(&str, bool)>> = vec![None; pieces.len()];
    let headers: Vec<(usize, &str)> = pieces
        .iter()
        .enumerate()
        .filter_map(|(i, located)| match &located.piece {
            Piece::Comment(text)
                if !(i > 0 && matches!(pieces[i - 1].piece, Piece::Command(_))) =>
            {
                Some((i, text.as_str()))
            }
            _ => None,
        })
        .collect();
    // Variants come in twos at least: a block with one header has none to compare.
    if headers.len() < 2 {
        return vec![false; pieces.len()];
    }
    let mut any_shape = false;
    for (i, text) in headers {
        if expectation_comment(text).is_some() {
            continue;
        }
        shapes[i] = variant_shape(text).map(|s| (s, variant_label(text)));
        any_shape |= shapes[i].is_some();
    }
    if !any_shape {
        return vec![false; pieces.len()];
    }
    let known: Vec<&str> = shapes
        .iter()
        .flatten()
        .filter(|s| s.1)
        .map(|s| s.0)
        .collect();
    let examples = shapes.iter().flatten().filter(|s| s.0 == "example").count();
    shapes
        .iter()
        .map(|s| {
            s.is_some_and(|(shape, _)| {
                known.contains(&shape) || (shape == "example" && examples >= 2)
            })
        })
        .collect()
}

/// Whether commands follow the header at `from - 1` before another header ends it. A
/// plain comment right above a variant (`# Reinstall the plugin` over `# Example for
/// Calico`) titles nothing: the variants below it are the choice.
fn commands_follow(pieces: &[Located], from: usize, kind: HeaderKind, siblings: &[bool]) -> bool {
    for (i, p) in pieces.iter().enumerate().skip(from) {
        match &p.piece {
            Piece::Command(_) => return true,
            Piece::Blank if kind == HeaderKind::Plain => return false,
            Piece::Blank => continue,
            Piece::Comment(text) => {
                if super::roles::option_label(text)
                    || (kind == HeaderKind::Plain && siblings[i])
                    || is_condition_header(text)
                    || is_numbered(text.trim())
                {
                    return false;
                }
            }
        }
    }
    false
}

/// The rest of a comment group (up to a blank line) holds only plain comments: a
/// to-do written as comments (`# Long-term: Fix memory leaks` + `# 1. Analyze …`), or
/// `# 4. Check database query times` + `# Review slow query logs`.
fn notes_only_group(pieces: &[Located], from: usize) -> bool {
    for p in &pieces[from..] {
        match &p.piece {
            Piece::Blank => return true,
            Piece::Command(_) => return false,
            Piece::Comment(text) => {
                if super::roles::option_label(text) {
                    return false;
                }
            }
        }
    }
    true
}

/// A comment that makes the commands under it conditional.
fn is_condition_header(text: &str) -> bool {
    use super::roles;
    roles::condition_label(text)
        || roles::else_label(text)
        || roles::role_of(text) == Some(roles::Role::IfFails)
}

fn header_title(text: &str, kind: HeaderKind) -> String {
    let text = text.trim().trim_end_matches(':').trim();
    match kind {
        HeaderKind::Numbered | HeaderKind::Condition => numbered_captures(text)
            .map(|c| c[1].trim().trim_end_matches(':').to_string())
            .unwrap_or_else(|| text.to_string()),
        _ => text.to_string(),
    }
}

fn push_chunk(chunks: &mut Vec<Chunk>, chunk: Chunk) {
    if chunk.entries.is_empty() && chunk.title.is_none() {
        return;
    }
    if chunk.title.is_none() && chunk.commands().is_empty() && !chunks.is_empty() {
        // Trailing notes and output belong to the chunk above.
        if let Some(last) = chunks.last_mut() {
            last.entries.extend(chunk.entries);
            return;
        }
    }
    chunks.push(chunk);
}

/// A never-ending command followed by more commands would block them forever: it gets a
/// step of its own.
pub fn split_after_watch(chunk: Chunk) -> Vec<Chunk> {
    let commands = chunk.commands();
    let blocking = commands
        .iter()
        .take(commands.len().saturating_sub(1))
        .any(|c| shell::is_never_ending(c));
    if !blocking {
        return vec![chunk];
    }
    let mut out = Vec::new();
    let mut current = Chunk {
        entries: Vec::new(),
        ..chunk.clone()
    };
    for entry in chunk.entries {
        let ends = matches!(&entry, Entry::Command { text, .. } if shell::is_never_ending(text));
        current.entries.push(entry);
        if ends {
            let next_line = current.line;
            out.push(std::mem::replace(
                &mut current,
                Chunk {
                    title: chunk.title.clone(),
                    line: next_line,
                    entries: Vec::new(),
                    ..Chunk::default()
                },
            ));
        }
    }
    if !current.entries.is_empty() {
        match out.last_mut() {
            // Output after the never-ending command stays with it.
            Some(last) if current.commands().is_empty() => last.entries.extend(current.entries),
            _ => out.push(current),
        }
    }
    for c in &mut out {
        if let Some(line) = c.command_line() {
            c.line = line;
        }
    }
    out
}

/// Consecutive option chunks become one `Options` segment; a condition chunk and the
/// cases that continue it (`# Otherwise`, or another case of the same kind) one `Cases`.
fn group_options(chunks: Vec<Chunk>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for chunk in chunks {
        if chunk.condition {
            if let Some(Segment::Cases { chunks, .. }) = out.last_mut() {
                if continues_cases(chunks, &chunk) {
                    chunks.push(chunk);
                    continue;
                }
            }
            out.push(Segment::Cases {
                line: chunk.line,
                chunks: vec![chunk],
            });
        } else if chunk.option {
            if let Some(Segment::Options { chunks, .. }) = out.last_mut() {
                chunks.push(chunk);
                continue;
            }
            // `# Or use the Makefile`: another way to do what the chunk above does.
            let or_else = chunk.title.as_deref().is_some_and(super::roles::or_header);
            if let (true, Some(Segment::Step(above))) = (or_else, out.last()) {
                if !above.commands().is_empty() {
                    let mut above = above.clone();
                    above.option = true;
                    out.pop();
                    out.push(Segment::Options {
                        line: above.line,
                        chunks: vec![above, chunk],
                    });
                    continue;
                }
            }
            out.push(Segment::Options {
                line: chunk.line,
                chunks: vec![chunk],
            });
        } else {
            out.push(Segment::Step(chunk));
        }
    }
    // A single "Option 1" is not a choice.
    out.into_iter()
        .map(|s| match s {
            Segment::Options { mut chunks, .. } if chunks.len() == 1 => {
                let mut c = chunks.remove(0);
                c.option = false;
                Segment::Step(c)
            }
            other => other,
        })
        .collect()
}

/// `# Otherwise` closes the cases above it; `# If on AWS` / `# If on GCP` are cases of
/// one choice; `# If it still fails` after a case is about that case's step, not another
/// case.
fn continues_cases(cases: &[Chunk], next: &Chunk) -> bool {
    use super::roles::{condition_sense, else_label, split_condition, ConditionSense};
    let title = |c: &Chunk| c.title.clone().unwrap_or_default();
    let other = |c: &Chunk| {
        condition_sense(&split_condition(&title(c)).0) == ConditionSense::Other
            && !else_label(&title(c))
    };
    let closed = cases.last().is_some_and(|c| else_label(&title(c)));
    !closed && (else_label(&title(next)) || (other(next) && cases.iter().all(other)))
}

fn strip_prompt(text: &str) -> String {
    text.strip_prefix("$ ").unwrap_or(text).to_string()
}

/// A REPL client followed by `> CMD` lines (or bare Redis commands) becomes the client
/// run once per command: `redis-cli KEYS 'rate_limit:*'`. Each piece comes with whether
/// it was written here.
fn rewrite_repl(pieces: Vec<Located>) -> Vec<(Located, bool)> {
    let typed_after = repl_line_follows(&pieces);
    let mut out: Vec<(Located, bool)> = Vec::with_capacity(pieces.len());
    let mut client: Option<(String, &'static str)> = None;
    let mut client_index: Option<usize> = None;
    let mut used = false;
    for (located, typed_after) in pieces.into_iter().zip(typed_after) {
        match &located.piece {
            Piece::Command(text) => {
                if let Some((prefix, name)) = &client {
                    if let Some(line) = repl_line(text, name) {
                        if leaves_client(&line) {
                            // `\q`: every line runs as its own `-c`, none stays open.
                            continue;
                        }
                        if let Some(cmd) = as_client_command(prefix, name, &line) {
                            used = true;
                            let written = Located {
                                piece: Piece::Command(cmd),
                                line: located.line,
                            };
                            out.push((written, true));
                            continue;
                        }
                    }
                }
                // A client line is only ever rewritten with the REPL lines right after
                // it: before any other command, whether it opens a client changes nothing.
                let opens_client = (typed_after || text.contains("> "))
                    .then(|| shell::bare_repl_client(text))
                    .flatten();
                if let Some(name) = opens_client {
                    drop_unused_client(&mut out, client_index, used);
                    client = Some((text.trim().to_string(), name));
                    client_index = Some(out.len());
                    used = false;
                } else if !text.trim_start().starts_with("> ") {
                    drop_unused_client(&mut out, client_index, used);
                    client = None;
                    client_index = None;
                }
                out.push((located, false));
            }
            _ => out.push((located, false)),
        }
    }
    drop_unused_client(&mut out, client_index, used);
    out
}

/// For each piece, whether the next command after it may be typed at a client's prompt
/// (`repl_line` for some client), or keeps the client open (`> …`).
fn repl_line_follows(pieces: &[Located]) -> Vec<bool> {
    let mut out = vec![false; pieces.len()];
    let mut next = false;
    for (i, located) in pieces.iter().enumerate().rev() {
        out[i] = next;
        if let Piece::Command(text) = &located.piece {
            next = may_be_repl_line(text);
        }
    }
    out
}

/// Whether `repl_line` may find a REPL command in `text` for some client: a prompt
/// (`> `), or a first word in capitals or of SQL.
fn may_be_repl_line(text: &str) -> bool {
    text.contains("> ")
        || text.split_whitespace().next().is_some_and(|first| {
            (first.len() >= 3 && first.chars().all(|c| c.is_ascii_uppercase()))
                || SQL_STARTS.iter().any(|k| first.eq_ignore_ascii_case(k))
                || psql_meta(first)
        })
}

/// A psql meta-command (`\dt`, `\d+ jobs`, `\x`, `\q`): never a shell command.
fn psql_meta(first: &str) -> bool {
    first
        .strip_prefix('\\')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// A REPL line that only leaves the client (`\q`, `quit`, `exit`).
fn leaves_client(line: &str) -> bool {
    matches!(line.trim(), "\\q" | "quit" | "exit" | "QUIT" | "EXIT")
}

/// The first words of the SQL a transcript types (psql meta-commands: `psql_meta`).
const SQL_STARTS: &[&str] = &["SELECT", "UPDATE", "DELETE", "INSERT", "SHOW", "EXPLAIN"];

/// Once a client's transcript has been rewritten, the bare client line itself (which
/// would open a prompt) is dropped.
fn drop_unused_client<T>(out: &mut Vec<T>, index: Option<usize>, used: bool) {
    if let (Some(i), true) = (index, used) {
        if i < out.len() {
            out.remove(i);
        }
    }
}

/// The REPL command on a line: `> KEYS x`, `redis> GET y`, or a bare upper-case Redis
/// command (`LLEN bull:x:wait`) after a redis-cli line.
fn repl_line(text: &str, client: &str) -> Option<String> {
    let t = text.trim();
    for prompt in ["> ", "redis> ", "127.0.0.1:6379> "] {
        if let Some(rest) = t.strip_prefix(prompt) {
            return Some(rest.trim().to_string());
        }
    }
    if let Some(i) = t.find("> ") {
        let head = &t[..i];
        if head.ends_with(|c: char| c.is_ascii_digit()) && head.contains(':') && !head.contains(' ')
        {
            return Some(t[i + 2..].trim().to_string());
        }
    }
    let first = t.split_whitespace().next()?;
    let redis_like = client.ends_with("redis-cli") || client == "valkey-cli";
    let sql_like = matches!(client, "psql" | "mysql" | "mariadb" | "sqlite3");
    if redis_like && first.len() >= 3 && first.chars().all(|c| c.is_ascii_uppercase()) {
        return Some(t.to_string());
    }
    if sql_like && psql_meta(first) {
        // `\dt  # Ver tablas`: the comment is the runbook's, not psql's.
        return Some(shell::strip_trailing_comment(t).to_string());
    }
    if sql_like && SQL_STARTS.iter().any(|k| first.eq_ignore_ascii_case(k)) {
        return Some(t.to_string());
    }
    None
}

fn as_client_command(prefix: &str, client: &str, line: &str) -> Option<String> {
    match client {
        "redis-cli" | "valkey-cli" => {
            let words: Vec<String> = line.split_whitespace().map(quote_word).collect();
            Some(format!("{prefix} {}", words.join(" ")))
        }
        "psql" => Some(format!("{prefix} -c {}", quote_word(line))),
        "mysql" | "mariadb" => Some(format!("{prefix} -e {}", quote_word(line))),
        "sqlite3" => Some(format!("{prefix} {}", quote_word(line))),
        _ => None,
    }
}

/// Quotes a word for the shell only when it needs it (`rate_limit:*` → `'rate_limit:*'`).
fn quote_word(word: &str) -> String {
    let safe = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:/@%+=,".contains(c));
    if safe && !word.is_empty() {
        word.to_string()
    } else {
        shlex::try_quote(word)
            .map(|q| q.into_owned())
            .unwrap_or_else(|_| format!("'{}'", word.replace('\'', "'\\''")))
    }
}

/// Every command line starts with `$ `: a transcript, whatever the fence says.
fn is_console_transcript(body: &str) -> bool {
    let mut prompts = 0;
    for line in body.lines() {
        let t = line.trim_start();
        if t.starts_with("$ ") {
            prompts += 1;
        }
    }
    prompts > 0
        && body
            .lines()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .is_some_and(|l| l.trim_start().starts_with("$ "))
}

/// ```console: each `$ ` command with the output printed under it.
fn console_segments(body: &str, body_line: usize) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut current: Option<(Chunk, String, Vec<String>)> = None;
    let mut continuing = false;
    for (i, raw) in body.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let number = body_line + i;
        let trimmed = line.trim_start();
        if let Some(cmd) = trimmed
            .strip_prefix("$ ")
            .or_else(|| (trimmed == "$").then_some(""))
        {
            if let Some(done) = current.take() {
                out.push(finish_console(done));
            }
            current = Some((
                Chunk {
                    line: number,
                    ..Chunk::default()
                },
                cmd.to_string(),
                Vec::new(),
            ));
            continuing = cmd.trim_end().ends_with('\\');
            continue;
        }
        if let Some((_, cmd, output)) = current.as_mut() {
            if continuing || (output.is_empty() && trimmed.starts_with("> ")) {
                cmd.push('\n');
                cmd.push_str(trimmed.strip_prefix("> ").unwrap_or(line));
                continuing = line.trim_end().ends_with('\\');
            } else {
                output.push(line.to_string());
            }
        }
    }
    if let Some(done) = current.take() {
        out.push(finish_console(done));
    }
    with_setup_joined(out)
}

/// `$ NS="payments"` or `$ export POD=$(…)` printing nothing is setup, as in a bash
/// block: a transcript is one shell session, so the setup travels with each later `$ `
/// command that uses what it sets (or with all of them, for `cd`/`source`), instead of
/// being a step whose assignment is lost.
fn with_setup_joined(segments: Vec<Segment>) -> Vec<Segment> {
    let setup_line = |segment: &Segment| match segment {
        Segment::Step(c) if c.entries.len() == 1 => c
            .commands()
            .first()
            .filter(|t| shell::is_setup(t))
            .map(|t| t.to_string()),
        _ => None,
    };
    let mut setup: Vec<String> = Vec::new();
    // Setup lines some later command takes along: no step of their own.
    let mut taken = 0;
    let mut joined: Vec<Option<String>> = Vec::new();
    for segment in &segments {
        if let Some(line) = setup_line(segment) {
            setup.push(line);
            joined.push(None);
            continue;
        }
        let command = match segment {
            Segment::Step(c) => c.commands().first().map(|t| t.to_string()),
            _ => None,
        };
        match command.filter(|c| needs_setup(&setup, c)) {
            Some(c) => {
                taken = setup.len();
                joined.push(Some(format!("{}\n{c}", setup.join("\n"))));
            }
            None => joined.push(None),
        }
    }
    let mut seen = 0;
    let mut out = Vec::new();
    for (mut segment, with_setup) in segments.into_iter().zip(joined) {
        if setup_line(&segment).is_some() {
            seen += 1;
            if seen <= taken {
                continue;
            }
        }
        if let (Segment::Step(chunk), Some(text)) = (&mut segment, with_setup) {
            if let Some(Entry::Command { text: t, .. }) = chunk
                .entries
                .iter_mut()
                .find(|e| matches!(e, Entry::Command { .. }))
            {
                *t = text;
            }
        }
        out.push(segment);
    }
    out
}

/// Whether a command depends on setup lines above it: a `cd`/`source`, or a variable one
/// of them sets.
fn needs_setup(setup: &[String], command: &str) -> bool {
    static ASSIGNED: Lazy<Regex> =
        Lazy::new(|| Regex::new(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=").expect("static regex"));
    setup.iter().any(|line| {
        let mut names = ASSIGNED
            .captures_iter(line)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str())
            .peekable();
        names.peek().is_none() || names.any(|n| uses_variable(command, n))
    })
}

/// `$NAME` or `${NAME…}` in the command, not `$NAMESPACE` for `NAME`.
fn uses_variable(command: &str, name: &str) -> bool {
    command.match_indices('$').any(|(i, _)| {
        let rest = &command[i + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        rest.strip_prefix(name)
            .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    })
}

/// A transcript's command and what it printed. One plain line is the expected output; a
/// table or several lines are shown, not judged (see `expect::sample_expectation`).
fn finish_console((mut chunk, cmd, output): (Chunk, String, Vec<String>)) -> Segment {
    let printed = output.join("\n").trim_matches('\n').trim_end().to_string();
    if !cmd.trim().is_empty() {
        chunk.entries.push(Entry::Command {
            line: chunk.line,
            text: cmd.trim().to_string(),
            piece: false,
        });
    }
    if !printed.trim().is_empty() {
        chunk.entries.push(Entry::Output(Output {
            line: chunk.line + 1,
            label: None,
            expect: expect::sample_expectation(&printed, usize::MAX),
            text: printed,
            findings: Vec::new(),
        }));
    }
    Segment::Step(chunk)
}

/// The output markers of a block (`# Output:`, `# Look for:`) and the rows under each,
/// taken out of the body before it is read as shell, so that sample rows never run (nor
/// their `<none>` become variables). The body keeps its line count: taken lines are left
/// blank. `None` when the block has no marker.
fn take_outputs(body: &str, body_line: usize, pieces: &[Located]) -> Option<(String, Vec<Output>)> {
    let markers: Vec<(usize, Marker)> = pieces
        .iter()
        .filter_map(|p| match &p.piece {
            Piece::Comment(text) => marker(text).map(|m| (p.line - body_line, m)),
            _ => None,
        })
        .collect();
    if markers.is_empty() {
        return None;
    }
    let lines: Vec<&str> = body.lines().collect();
    let mut taken = vec![false; lines.len()];
    let mut outputs = Vec::new();
    for (at, found) in markers {
        if at >= lines.len() || taken[at] {
            continue;
        }
        taken[at] = true;
        let rows = sample_rows(&lines, at + 1);
        for t in taken.iter_mut().skip(at + 1).take(rows.len()) {
            *t = true;
        }
        let text = rows.join("\n");
        let output = match found {
            Marker::Sample(label) => Output {
                line: body_line + at,
                label: Some(label),
                expect: expect::sample_expectation(&text, 3),
                text,
                findings: Vec::new(),
            },
            Marker::LookFor(label, value) if !value.is_empty() => Output {
                line: body_line + at,
                label: Some(label),
                findings: expect::findings_from_rows(std::slice::from_ref(&value)),
                text: value,
                expect: None,
            },
            Marker::LookFor(label, _) => Output {
                line: body_line + at,
                label: Some(label),
                findings: expect::findings_from_rows(&rows),
                text,
                expect: None,
            },
        };
        if !output.text.trim().is_empty() {
            outputs.push(output);
        }
    }
    let rest: Vec<&str> = lines
        .iter()
        .zip(&taken)
        .map(|(line, taken)| if *taken { "" } else { *line })
        .collect();
    Some((rest.join("\n"), outputs))
}

/// The sample rows from `from` on: up to a blank line. Rows written as comments end at
/// an uncommented line or a header comment (`# 2. Next`); plain rows end at a comment or
/// a `$ ` prompt.
fn sample_rows(lines: &[&str], from: usize) -> Vec<String> {
    let Some(first) = lines.get(from) else {
        return Vec::new();
    };
    let commented = first.trim_start().starts_with('#');
    let mut rows = Vec::new();
    for line in &lines[from..] {
        let t = line.trim();
        if t.is_empty() {
            break;
        }
        if commented {
            let Some(c) = t.strip_prefix('#') else { break };
            let c_trim = c.trim();
            // `# Si no, reiniciar servicios` under the rows says what to do next.
            if is_numbered(c_trim)
                || super::roles::option_label(c_trim)
                || super::roles::else_label(c_trim)
                || super::roles::condition_label(c_trim)
                || marker(c_trim).is_some()
                || expectation_comment(c_trim).is_some()
            {
                break;
            }
            rows.push(c.strip_prefix(' ').unwrap_or(c).trim_end().to_string());
        } else {
            if t.starts_with('#') || t.starts_with("$ ") {
                break;
            }
            rows.push(line.trim_end_matches('\r').trim_end().to_string());
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(body: &str) -> Vec<Segment> {
        split(body, 1, false)
    }

    #[test]
    fn numbered_headers_split_one_block() {
        let body = "# 1. Check ECS service status\naws ecs describe-services \\\n  --cluster x\n\n# 2. Check task status\naws ecs list-tasks\n\n# 3. Check stopped tasks\naws ecs list-tasks --desired-status STOPPED\n";
        let s = steps(body);
        assert_eq!(s.len(), 3);
        let Segment::Step(first) = &s[0] else {
            panic!()
        };
        assert_eq!(first.title.as_deref(), Some("Check ECS service status"));
        assert!(first.commands()[0].contains("--cluster x"));
    }

    #[test]
    fn options_are_one_segment_and_monitor_follows() {
        let body = "# Option 1: Force new deployment\naws ecs update-service --force-new-deployment\n\n# Option 2: Scale up desired count\naws ecs update-service --desired-count 4\n\n# Option 3: Rollback to previous version\n./scripts/deployment/rollback.sh production\n\n# Monitor recovery\nwatch -n 5 'aws ecs describe-services'\n";
        let s = steps(body);
        assert_eq!(s.len(), 2, "{s:#?}");
        let Segment::Options { chunks, .. } = &s[0] else {
            panic!()
        };
        assert_eq!(chunks.len(), 3);
        assert_eq!(
            chunks[2].title.as_deref(),
            Some("Option 3: Rollback to previous version")
        );
        let Segment::Step(monitor) = &s[1] else {
            panic!()
        };
        assert_eq!(monitor.title.as_deref(), Some("Monitor recovery"));
    }

    #[test]
    fn comment_expectation() {
        let body = "# 2. Verificar conectividad\ndocker-compose exec redis redis-cli PING\n# Debe responder: PONG\n";
        let Segment::Step(c) = &steps(body)[0] else {
            panic!()
        };
        assert_eq!(c.expects(), vec!["PONG"]);
        assert_eq!(
            expectation_comment("Esperar 10s y verificar conexión"),
            None
        );
    }

    #[test]
    fn to_do_comments_are_not_headers() {
        let body = "aws ecs update-service\n\n# Long-term: Fix memory leaks\n# 1. Analyze heap snapshots\n# 2. Review code for leaks\n";
        let s = steps(body);
        assert_eq!(s.len(), 2, "{s:#?}");
        let Segment::Step(c) = &s[1] else { panic!() };
        assert!(c.commands().is_empty());
        assert_eq!(c.title.as_deref(), Some("Long-term: Fix memory leaks"));
        assert_eq!(
            c.notes(),
            vec!["1. Analyze heap snapshots", "2. Review code for leaks"]
        );
    }

    #[test]
    fn redis_transcript_becomes_commands() {
        let body = "docker-compose exec redis redis-cli\n> KEYS rate_limit:*\n> GET rate_limit:auth.login:org-123\n";
        let Segment::Step(c) = &steps(body)[0] else {
            panic!()
        };
        assert_eq!(
            c.commands(),
            vec![
                "docker-compose exec redis redis-cli KEYS 'rate_limit:*'",
                "docker-compose exec redis redis-cli GET rate_limit:auth.login:org-123"
            ]
        );
    }

    #[test]
    fn console_assignment_travels_with_next_command() {
        let s = split("$ NS=\"payments\"\n$ export POD=$(kubectl get pod -o name)\n$ kubectl -n $NS logs $POD\nok\n$ X=1\n", 3, true);
        assert_eq!(s.len(), 2, "{s:#?}");
        let Segment::Step(c) = &s[0] else { panic!() };
        assert!(c.commands()[0].starts_with("NS=\"payments\"\nexport POD="));
        assert!(c.commands()[0].ends_with("logs $POD"));
        assert_eq!(c.line, 5);
        let Segment::Step(last) = &s[1] else { panic!() };
        assert_eq!(last.commands(), vec!["X=1"]);
    }

    #[test]
    fn console_transcript() {
        let s = split("$ redis-cli ping\nPONG\n$ echo hi\nhi\n", 5, true);
        assert_eq!(s.len(), 2);
        let Segment::Step(c) = &s[0] else { panic!() };
        assert_eq!(c.commands(), vec!["redis-cli ping"]);
        assert_eq!(c.expects(), vec!["PONG"]);
        assert_eq!(c.line, 5);
    }

    #[test]
    fn sample_rows_are_output_not_commands() {
        let body = "kubectl get nodes\n# Output:\nNAME   STATUS\nnode-2 NotReady <none>\n\nkubectl get pods\n";
        let s = steps(body);
        let Segment::Step(c) = &s[0] else { panic!() };
        assert_eq!(c.commands(), vec!["kubectl get nodes", "kubectl get pods"]);
        let Entry::Output(o) = &c.entries[1] else {
            panic!("{:?}", c.entries)
        };
        assert_eq!(o.label.as_deref(), Some("Output"));
        assert_eq!(o.text, "NAME   STATUS\nnode-2 NotReady <none>");
        assert_eq!(o.expect, None);
        assert_eq!(o.line, 2);
    }

    #[test]
    fn a_status_line_in_a_sentence_is_the_status() {
        assert_eq!(
            expectation_comment("Should return HTTP/2 200 OK without SSL errors"),
            Some("200".into())
        );
        assert_eq!(
            expectation_comment("Debe devolver 503 Service Unavailable mientras dure"),
            Some("503".into())
        );
        assert_eq!(
            expectation_comment("Should return the list of all pods in the namespace"),
            None
        );
    }

    #[test]
    fn bare_labels_state_nothing() {
        assert_eq!(expectation_comment("Output:"), None);
        assert_eq!(expectation_comment("Salida =>"), None);
        assert_eq!(expectation_comment("Outputting the config"), None);
        assert_eq!(expectation_comment("Output: PONG"), Some("PONG".into()));
        assert_eq!(marker("Output:"), Some(Marker::Sample("Output".into())));
        assert_eq!(marker("Output: PONG"), None);
        assert_eq!(marker("Salida"), None, "a label needs its colon");
        assert_eq!(
            marker("Buscar en output:"),
            Some(Marker::LookFor("Buscar en output".into(), String::new()))
        );
        assert_eq!(marker("Buscar queries lentas en los logs"), None);
    }

    #[test]
    fn commented_sample_ends_at_a_header() {
        let body = "systemctl status kubelet\n# Output:\n# active (running)\n# 2. Check logs\njournalctl -u kubelet\n";
        let s = steps(body);
        assert_eq!(s.len(), 2, "{s:#?}");
        let Segment::Step(first) = &s[0] else {
            panic!()
        };
        assert_eq!(first.expects(), vec!["active (running)"]);
        let Segment::Step(second) = &s[1] else {
            panic!()
        };
        assert_eq!(second.title.as_deref(), Some("Check logs"));
    }

    #[test]
    fn console_table_is_shown_not_expected() {
        let s = split("$ kubectl get sc\nNAME   AGE\nstd    28d\n", 1, true);
        let Segment::Step(c) = &s[0] else { panic!() };
        assert!(c.expects().is_empty());
        assert!(matches!(&c.entries[1], Entry::Output(o) if o.text.contains("28d")));
    }

    #[test]
    fn watch_gets_its_own_step() {
        let body = "# Follow\ndocker-compose logs -f api\ndocker-compose logs -f postgres\n";
        let s = steps(body);
        assert_eq!(s.len(), 2);
    }
}
