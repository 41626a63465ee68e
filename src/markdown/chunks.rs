//! One code block → the steps it holds.
//!
//! Real runbooks pack several steps into one block: `# 1.`/`# 2.` comment headers split
//! it into checks; `# Option 1/2/3` headers are alternatives (one decision, never a
//! sequence); `# If …`/`# Si …`/`# Otherwise` headers are cases (never run
//! unconditionally); a comment after a blank line titles the commands below it; `# Debe
//! responder: PONG` is the expected output of the command above; a REPL transcript
//! (`redis-cli` then `> KEYS ...`) becomes the client run with each command; a
//! ```console block's `$ ` lines are commands and the lines after them their output.

use super::shell::{self, Located, Piece};
use once_cell::sync::Lazy;
use regex::Regex;

/// Something inside a chunk, in source order.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Command { line: usize, text: String },
    Note { line: usize, text: String },
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
    /// Expected output from comments (`# Debe responder: PONG`) or console transcripts.
    pub expects: Vec<String>,
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

static EXPECT_COMMENT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)^(?:expected(?: output)?|esperado|resultado esperado|salida esperada|should (?:return|respond|show|print|output)|must (?:return|respond)|debe(?:r[ií]a)? (?:responder|devolver|mostrar|retornar|imprimir)|returns?|output|salida|=>|->|→)\s*(?::|=>|->)?\s*(\S.*)$",
    )
    .expect("static regex")
});

/// The expected output a comment states, if it states one.
pub fn expectation_comment(comment: &str) -> Option<String> {
    let c = EXPECT_COMMENT.captures(comment.trim())?;
    let value = c[1]
        .trim()
        .trim_matches(|ch| ch == '`' || ch == '"' || ch == '\'')
        .trim_end_matches('.')
        .trim();
    let quoted = c[1].trim().starts_with(['`', '"', '\'']);
    let literal = quoted || value.split_whitespace().count() <= 3;
    (!value.is_empty() && value.len() <= 200 && literal).then(|| value.to_string())
}

/// Splits a shell block into steps. `whole` keeps a block with no headers as one chunk
/// (authored blocks and blocks with attributes are one step each).
pub fn split(body: &str, body_line: usize, console: bool) -> Vec<Segment> {
    if console || is_console_transcript(body) {
        return console_segments(body, body_line);
    }
    let pieces = rewrite_repl(shell::pieces(body, body_line));
    let headers = header_positions(&pieces);
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut current = Chunk {
        line: body_line,
        ..Chunk::default()
    };
    for (i, located) in pieces.iter().enumerate() {
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
                    current.expects.push(value);
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
                } else if shell::is_crontab_line(text) {
                    current.entries.push(Entry::Note {
                        line: located.line,
                        text: format!("crontab: {text}"),
                    });
                } else {
                    current.entries.push(Entry::Command {
                        line: located.line,
                        text: strip_prompt(text),
                    });
                }
            }
        }
    }
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
    for (i, located) in pieces.iter().enumerate() {
        let Piece::Comment(text) = &located.piece else {
            continue;
        };
        if expectation_comment(text).is_some() {
            continue;
        }
        let kind = if super::roles::option_label(text) || super::roles::or_header(text) {
            HeaderKind::Option
        } else if is_condition_header(text) {
            HeaderKind::Condition
        } else if NUMBERED.is_match(text.trim()) {
            HeaderKind::Numbered
        } else {
            let after_blank = i == 0 || matches!(pieces[i - 1].piece, Piece::Blank);
            if !after_blank {
                continue;
            }
            HeaderKind::Plain
        };
        let starts_group = i == 0 || matches!(pieces[i - 1].piece, Piece::Blank);
        if commands_follow(pieces, i + 1, kind) || (starts_group && notes_only_group(pieces, i + 1))
        {
            out[i] = Some(kind);
        }
    }
    // A plain header at the very top of a block with no other header titles the whole
    // block; it is not a split point, but the caller decides titles, so keep it.
    out
}

fn commands_follow(pieces: &[Located], from: usize, kind: HeaderKind) -> bool {
    for p in &pieces[from..] {
        match &p.piece {
            Piece::Command(_) => return true,
            Piece::Blank if kind == HeaderKind::Plain => return false,
            Piece::Blank => continue,
            Piece::Comment(text) => {
                if super::roles::option_label(text)
                    || is_condition_header(text)
                    || NUMBERED.is_match(text.trim())
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
        HeaderKind::Numbered | HeaderKind::Condition => NUMBERED
            .captures(text)
            .map(|c| c[1].trim().trim_end_matches(':').to_string())
            .unwrap_or_else(|| text.to_string()),
        _ => text.to_string(),
    }
}

fn push_chunk(chunks: &mut Vec<Chunk>, chunk: Chunk) {
    if chunk.entries.is_empty() && chunk.title.is_none() && chunk.expects.is_empty() {
        return;
    }
    if chunk.title.is_none() && chunk.commands().is_empty() && !chunks.is_empty() {
        // Trailing notes belong to the chunk above.
        if let Some(last) = chunks.last_mut() {
            last.entries.extend(chunk.entries);
            last.expects.extend(chunk.expects);
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
        expects: Vec::new(),
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
                    expects: Vec::new(),
                    ..Chunk::default()
                },
            ));
        }
    }
    if !current.entries.is_empty() {
        out.push(current);
    }
    if let Some(last) = out.last_mut() {
        last.expects = chunk.expects;
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
/// run once per command: `redis-cli KEYS 'rate_limit:*'`.
fn rewrite_repl(pieces: Vec<Located>) -> Vec<Located> {
    let mut out: Vec<Located> = Vec::with_capacity(pieces.len());
    let mut client: Option<(String, &'static str)> = None;
    let mut client_index: Option<usize> = None;
    let mut used = false;
    for located in pieces {
        match &located.piece {
            Piece::Command(text) => {
                if let Some((prefix, name)) = &client {
                    if let Some(line) = repl_line(text, name) {
                        if let Some(cmd) = as_client_command(prefix, name, &line) {
                            used = true;
                            out.push(Located {
                                piece: Piece::Command(cmd),
                                line: located.line,
                            });
                            continue;
                        }
                    }
                }
                if let Some(name) = shell::bare_repl_client(text) {
                    drop_unused_client(&mut out, client_index, used);
                    client = Some((text.trim().to_string(), name));
                    client_index = Some(out.len());
                    used = false;
                } else if !text.trim_start().starts_with("> ") {
                    drop_unused_client(&mut out, client_index, used);
                    client = None;
                    client_index = None;
                }
                out.push(located);
            }
            _ => out.push(located),
        }
    }
    drop_unused_client(&mut out, client_index, used);
    out
}

/// Once a client's transcript has been rewritten, the bare client line itself (which
/// would open a prompt) is dropped.
fn drop_unused_client(out: &mut Vec<Located>, index: Option<usize>, used: bool) {
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
    if sql_like
        && [
            "SELECT", "UPDATE", "DELETE", "INSERT", "SHOW", "EXPLAIN", "\\d", "\\dt", "\\l",
        ]
        .iter()
        .any(|k| first.eq_ignore_ascii_case(k))
    {
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
    out
}

fn finish_console((mut chunk, cmd, output): (Chunk, String, Vec<String>)) -> Segment {
    let expected = output.join("\n").trim().to_string();
    if !cmd.trim().is_empty() {
        chunk.entries.push(Entry::Command {
            line: chunk.line,
            text: cmd.trim().to_string(),
        });
    }
    if !expected.is_empty() {
        chunk.expects.push(expected);
    }
    Segment::Step(chunk)
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
        assert_eq!(c.expects, vec!["PONG"]);
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
    fn console_transcript() {
        let s = split("$ redis-cli ping\nPONG\n$ echo hi\nhi\n", 5, true);
        assert_eq!(s.len(), 2);
        let Segment::Step(c) = &s[0] else { panic!() };
        assert_eq!(c.commands(), vec!["redis-cli ping"]);
        assert_eq!(c.expects, vec!["PONG"]);
        assert_eq!(c.line, 5);
    }

    #[test]
    fn watch_gets_its_own_step() {
        let body = "# Follow\ndocker-compose logs -f api\ndocker-compose logs -f postgres\n";
        let s = steps(body);
        assert_eq!(s.len(), 2);
    }
}
