//! Just enough shell to read runbook code blocks: logical commands (continuations,
//! quotes, heredocs, `if … fi`), words of simple commands, and what a command is like
//! (never-ending, interactive, a REPL client, command-looking at all).

/// One line-level piece of a code block.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Blank,
    /// A full-line `# comment`, without the `#`.
    Comment(String),
    /// A logical command, possibly spanning lines (continuations, quotes, heredocs).
    Command(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub piece: Piece,
    /// 1-based file line of the first physical line.
    pub line: usize,
}

/// Splits a code block body into comments, blank lines and logical commands.
pub fn pieces(body: &str, first_line: usize) -> Vec<Located> {
    let mut out = Vec::new();
    let mut state = LexState::default();
    let mut current = String::new();
    let mut start = first_line;
    for (i, raw) in body.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let number = first_line + i;
        if current.is_empty() {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                out.push(Located {
                    piece: Piece::Blank,
                    line: number,
                });
                continue;
            }
            if let Some(comment) = trimmed.strip_prefix('#') {
                if !trimmed.starts_with("#!") {
                    out.push(Located {
                        piece: Piece::Comment(comment.trim().to_string()),
                        line: number,
                    });
                }
                continue;
            }
            start = number;
        } else {
            current.push('\n');
        }
        current.push_str(line);
        state.feed(line);
        if !state.continues() {
            out.push(Located {
                piece: Piece::Command(std::mem::take(&mut current)),
                line: start,
            });
            state = LexState::default();
        }
    }
    if !current.is_empty() {
        out.push(Located {
            piece: Piece::Command(current),
            line: start,
        });
    }
    out
}

/// What is still open at the end of a line.
#[derive(Default, Debug)]
struct LexState {
    single: bool,
    double: bool,
    parens: i32,
    keywords: i32,
    braces: i32,
    heredocs: Vec<String>,
    in_heredoc: bool,
    trailing_operator: bool,
}

impl LexState {
    fn continues(&self) -> bool {
        self.single
            || self.double
            || self.parens > 0
            || self.keywords > 0
            || self.braces > 0
            || !self.heredocs.is_empty()
            || self.trailing_operator
    }

    fn feed(&mut self, line: &str) {
        if self.in_heredoc {
            if let Some(term) = self.heredocs.first() {
                if line.trim() == term {
                    self.heredocs.remove(0);
                }
            }
            self.in_heredoc = !self.heredocs.is_empty();
            return;
        }
        // Shell syntax is ASCII, and UTF-8 never hides an ASCII byte inside another
        // character, so bytes are enough.
        let bytes = line.as_bytes();
        let mut words = WordsSeen::default();
        let mut word_start: Option<usize> = None;
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if self.single {
                // Everything up to the closing quote is literal.
                match bytes[i..].iter().position(|&b| b == b'\'') {
                    Some(n) => {
                        self.single = false;
                        i += n + 1;
                    }
                    None => i = bytes.len(),
                }
                continue;
            }
            if self.double {
                // Up to the closing quote, a backslash keeps the byte after it.
                match bytes[i..].iter().position(|&b| b == b'"' || b == b'\\') {
                    Some(n) if bytes[i + n] == b'"' => {
                        self.double = false;
                        i += n + 1;
                    }
                    Some(n) => i += n + 2,
                    None => i = bytes.len(),
                }
                continue;
            }
            match c {
                b'\\' => {
                    word_start.get_or_insert(i);
                    i += 2;
                    continue;
                }
                b'\'' => self.single = true,
                b'"' => self.double = true,
                b'(' => self.parens += 1,
                b')' => self.parens -= 1,
                b'#' if word_start.is_none() => break,
                b'<' if bytes.get(i + 1) == Some(&b'<') && bytes.get(i + 2) != Some(&b'<') => {
                    if let Some(term) = heredoc_terminator(&line[i + 2..]) {
                        self.heredocs.push(term);
                    }
                    i += 2;
                    continue;
                }
                b' ' | b'\t' | b';' | b'&' | b'|' => {
                    if let Some(start) = word_start.take() {
                        words.see(self, &line[start..i]);
                    }
                    if c != b' ' && c != b'\t' {
                        words.see(self, &line[i..i + 1]);
                    }
                    i += 1;
                    continue;
                }
                _ => {
                    // This byte (a `#` or `<` here too) and the plain ones after it: one
                    // stretch of a word.
                    word_start.get_or_insert(i);
                    let plain = bytes[i + 1..].iter().position(|&b| is_lex_special(b));
                    i += 1 + plain.unwrap_or(bytes.len() - i - 1);
                    continue;
                }
            }
            word_start.get_or_insert(i);
            i += 1;
        }
        if let Some(start) = word_start {
            words.see(self, &line[start..i.min(bytes.len())]);
        }
        self.keywords = self.keywords.max(0);
        self.braces = self.braces.max(0);
        self.parens = self.parens.max(0);
        let code = strip_trailing_comment(line.trim_end());
        self.trailing_operator = code.ends_with('\\')
            || code.ends_with('|')
            || code.ends_with("&&")
            || code.ends_with("||");
        self.in_heredoc = !self.heredocs.is_empty();
    }
}

/// The bytes `LexState::feed` looks at outside quotes; any other byte continues a word.
fn is_lex_special(b: u8) -> bool {
    matches!(
        b,
        b'\\' | b'\'' | b'"' | b'(' | b')' | b'#' | b'<' | b' ' | b'\t' | b';' | b'&' | b'|'
    )
}

/// The words of a line as `LexState::feed` meets them, one at a time (no list of
/// them is kept): keywords in command position open and close blocks.
struct WordsSeen {
    command_position: bool,
}

impl Default for WordsSeen {
    fn default() -> Self {
        WordsSeen {
            command_position: true,
        }
    }
}

impl WordsSeen {
    fn see(&mut self, state: &mut LexState, w: &str) {
        if self.command_position {
            match w {
                "if" | "for" | "while" | "until" | "case" | "select" => state.keywords += 1,
                "fi" | "done" | "esac" => state.keywords -= 1,
                "{" => state.braces += 1,
                "}" => state.braces -= 1,
                _ => {}
            }
        }
        self.command_position = matches!(
            w,
            ";" | "&" | "|" | "then" | "do" | "else" | "elif" | "{" | "("
        ) || w.ends_with(';')
            || w == "!"
            || w.ends_with('(');
        if w.ends_with(';') && self.command_position {
            let bare = w.trim_end_matches(';');
            if matches!(bare, "fi" | "done" | "esac") {
                state.keywords -= 1;
            } else if bare == "}" {
                state.braces -= 1;
            }
        }
    }
}

fn heredoc_terminator(rest: &str) -> Option<String> {
    let rest = rest.trim_start_matches('-').trim_start();
    let term: String = rest
        .chars()
        .skip_while(|c| *c == '\'' || *c == '"')
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!term.is_empty()).then_some(term)
}

/// A line without its trailing ` # comment` (outside quotes).
pub fn strip_trailing_comment(line: &str) -> &str {
    // Most lines hold no `#` at all: one fast search instead of a walk over characters.
    if !line.contains('#') {
        return line;
    }
    let mut single = false;
    let mut double = false;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single && prev != '\\' => double = !double,
            '#' if !single && !double && prev.is_whitespace() => return line[..i].trim_end(),
            _ => {}
        }
        prev = c;
    }
    line
}

/// A shell word with its quotes removed: borrowed from the command when its text is
/// one unbroken stretch of it (`ls`, `"$REDIS_PASSWORD"`), owned only when quotes or
/// escapes sit inside it (`a"b"c`, `\$X`).
pub type Word<'a> = std::borrow::Cow<'a, str>;

/// The simple commands of a command line: words split at `|`, `;`, `&&`, `||`, `&`,
/// newlines and `$(`, quotes removed. Good enough to recognise programs and flags.
pub fn simple_commands(command: &str) -> Vec<Vec<Word<'_>>> {
    let mut split = Splitter::new(command, usize::MAX);
    split.run();
    split.out
}

/// The first of `simple_commands(command)`, read no further than its end.
pub fn first_simple_command(command: &str) -> Option<Vec<Word<'_>>> {
    let mut split = Splitter::new(command, 1);
    split.run();
    split.out.into_iter().next()
}

/// The state of `simple_commands`. Shell syntax is ASCII and UTF-8 never hides an ASCII
/// byte inside another character, so it steps over bytes and decodes only non-ASCII
/// characters (Unicode white space outside quotes separates words too).
struct Splitter<'a> {
    src: &'a str,
    /// How many simple commands to read: the text after them is never looked at.
    wanted: usize,
    out: Vec<Vec<Word<'a>>>,
    words: Vec<Word<'a>>,
    word: WordBuf<'a>,
}

impl<'a> Splitter<'a> {
    fn new(src: &'a str, wanted: usize) -> Self {
        Splitter {
            src,
            wanted,
            out: Vec::new(),
            words: Vec::new(),
            word: WordBuf::new(src),
        }
    }

    fn run(&mut self) {
        let bytes = self.src.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.out.len() < self.wanted {
            i = match bytes[i] {
                b'\'' => self.single_quoted(i + 1),
                b'"' => self.double_quoted(i + 1),
                b'\\' => self.escaped(i + 1),
                b'#' if !self.word.has => {
                    // A comment runs to the end of its line; the newline ends the command.
                    let end = next_newline(bytes, i).map_or(bytes.len(), |n| n + 1);
                    self.end_command();
                    end
                }
                b'|' | b';' | b'&' | b'\n' | b'(' | b')' | b'`' => {
                    self.end_command();
                    i + 1
                }
                // `$(` starts a command of its own; the `(` ends this one next round.
                b'$' if bytes.get(i + 1) == Some(&b'(') => {
                    self.end_command();
                    i + 1
                }
                b' ' | b'\t' | 0x0b | 0x0c | b'\r' => {
                    self.end_word();
                    i + 1
                }
                b if b < 0x80 => {
                    // This byte and the run of plain ASCII after it, up to the next byte
                    // that may have a meaning (judged by the arms above next round).
                    let run = 1 + bytes[i + 1..]
                        .iter()
                        .position(|&b| b >= 0x80 || is_shell_special(b))
                        .unwrap_or(bytes.len() - i - 1);
                    self.word.take(i, run);
                    i + run
                }
                _ => self.other_char(i),
            };
        }
        self.end_command();
    }

    /// A non-ASCII character outside quotes: a separator if it is white space.
    fn other_char(&mut self, i: usize) -> usize {
        let Some(c) = self.src[i..].chars().next() else {
            return self.src.len();
        };
        if c.is_whitespace() {
            self.end_word();
        } else {
            self.word.take(i, c.len_utf8());
        }
        i + c.len_utf8()
    }

    /// Inside `'…'` from byte `i`: everything up to the closing quote is literal.
    fn single_quoted(&mut self, i: usize) -> usize {
        self.word.has = true;
        let rest = &self.src.as_bytes()[i..];
        match rest.iter().position(|&b| b == b'\'') {
            Some(n) => {
                self.word.take(i, n);
                i + n + 1
            }
            None => {
                self.word.take(i, rest.len());
                self.src.len()
            }
        }
    }

    /// Inside `"…"` from byte `i`: a backslash keeps the character after it.
    fn double_quoted(&mut self, mut i: usize) -> usize {
        self.word.has = true;
        let bytes = self.src.as_bytes();
        while i < bytes.len() {
            match bytes[i] {
                b'"' => return i + 1,
                b'\\' => {
                    if let Some(w) = char_width(self.src, i + 1) {
                        self.word.take(i + 1, w);
                        i += 1 + w;
                    } else {
                        i += 1;
                    }
                }
                _ => {
                    let run = bytes[i..]
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\')
                        .unwrap_or(bytes.len() - i);
                    self.word.take(i, run);
                    i += run;
                }
            }
        }
        i
    }

    /// After a backslash outside quotes: the next character is literal, and an escaped
    /// newline joins the lines.
    fn escaped(&mut self, i: usize) -> usize {
        match char_width(self.src, i) {
            Some(_) if self.src.as_bytes()[i] == b'\n' => i + 1,
            Some(w) => {
                self.word.take(i, w);
                self.word.has = true;
                i + w
            }
            None => i,
        }
    }

    fn end_word(&mut self) {
        if let Some(word) = self.word.finish() {
            self.words.push(word);
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        if !self.words.is_empty() {
            self.out.push(std::mem::take(&mut self.words));
        }
    }
}

/// The word being read: a range of the command while its pieces are contiguous, a copy
/// once a quote or escape has been dropped from its middle.
struct WordBuf<'a> {
    src: &'a str,
    range: std::ops::Range<usize>,
    owned: Option<String>,
    /// Something made a word here, even an empty one (`''`).
    has: bool,
}

impl<'a> WordBuf<'a> {
    fn new(src: &'a str) -> Self {
        WordBuf {
            src,
            range: 0..0,
            owned: None,
            has: false,
        }
    }

    /// Appends `src[at..at + len]`.
    fn take(&mut self, at: usize, len: usize) {
        self.has = true;
        if len == 0 {
            return;
        }
        if let Some(owned) = &mut self.owned {
            owned.push_str(&self.src[at..at + len]);
        } else if self.range.is_empty() {
            self.range = at..at + len;
        } else if self.range.end == at {
            self.range.end += len;
        } else {
            let mut owned = String::with_capacity(self.range.len() + len + 8);
            owned.push_str(&self.src[self.range.clone()]);
            owned.push_str(&self.src[at..at + len]);
            self.owned = Some(owned);
        }
    }

    fn finish(&mut self) -> Option<Word<'a>> {
        if !std::mem::take(&mut self.has) {
            return None;
        }
        let range = std::mem::replace(&mut self.range, 0..0);
        Some(match self.owned.take() {
            Some(owned) => Word::Owned(owned),
            None => Word::Borrowed(&self.src[range]),
        })
    }
}

fn next_newline(bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|n| from + n)
}

/// The ASCII bytes `Splitter::run` treats specially: quotes, escapes, comments,
/// separators and white space.
fn is_shell_special(b: u8) -> bool {
    matches!(
        b,
        b'\''
            | b'"'
            | b'\\'
            | b'#'
            | b'|'
            | b';'
            | b'&'
            | b'\n'
            | b'('
            | b')'
            | b'`'
            | b'$'
            | b' '
            | b'\t'
            | 0x0b
            | 0x0c
            | b'\r'
    )
}

/// The byte width of the character at `i`, if there is one.
fn char_width(s: &str, i: usize) -> Option<usize> {
    s.get(i..)?.chars().next().map(char::len_utf8)
}

/// The program of a simple command and its arguments, past `sudo`, `env X=1`, `time`,
/// `nohup`, `xargs -I {}`, `timeout 10`.
pub fn program<'w>(words: &'w [Word<'w>]) -> Option<(&'w str, &'w [Word<'w>])> {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_ref();
        if is_assignment(w) {
            i += 1;
            continue;
        }
        match w {
            "sudo" => {
                i += 1;
                while i < words.len() && words[i].starts_with('-') {
                    // `sudo -u postgres psql`: the user is not the program.
                    let takes_value = matches!(
                        words[i].as_ref(),
                        "-u" | "-g" | "-U" | "-p" | "-C" | "-D" | "-r" | "-t" | "-T"
                    );
                    i += if takes_value { 2 } else { 1 };
                }
            }
            "time" | "nohup" | "nice" | "exec" | "command" | "builtin" | "env" | "stdbuf" | "!"
            | "then" | "do" | "else" | "{" => {
                i += 1;
                while i < words.len() && words[i].starts_with('-') {
                    i += 1;
                }
            }
            "timeout" => {
                i += 1;
                while i < words.len() && words[i].starts_with('-') {
                    i += 1;
                }
                i += 1;
            }
            "xargs" => {
                i += 1;
                while i < words.len() && words[i].starts_with('-') {
                    let takes_value = matches!(words[i].as_ref(), "-I" | "-n" | "-P" | "-d" | "-L");
                    i += if takes_value { 2 } else { 1 };
                }
            }
            // A package runner runs the tool it names: `npx serverless deploy` is a
            // deploy, `npx -p @aws-cdk/cli cdk destroy` a destroy.
            "npx" | "bunx" => {
                i += 1;
                while i < words.len() && words[i].starts_with('-') {
                    let takes_value = matches!(words[i].as_ref(), "-p" | "--package");
                    i += if takes_value { 2 } else { 1 };
                }
            }
            _ => {
                return Some((base_name(w), &words[i + 1..]));
            }
        }
    }
    None
}

/// The last `/`-separated part of a word (`/usr/bin/psql` → `psql`). Words are short:
/// a plain backward loop beats the general reverse searcher `rsplit` sets up.
pub fn base_name(word: &str) -> &str {
    match word.bytes().rposition(|b| b == b'/') {
        Some(slash) => &word[slash + 1..],
        None => word,
    }
}

pub fn is_assignment(word: &str) -> bool {
    // A name (`[A-Za-z_][A-Za-z0-9_]*`) right before the first `=`, in one pass over
    // the bytes: `program` asks this of every leading word of every command.
    let bytes = word.as_bytes();
    let name = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    name > 0 && bytes.get(name) == Some(&b'=') && !bytes[0].is_ascii_digit()
}

/// Commands that never end on their own: they stream until stopped.
pub fn is_never_ending(command: &str) -> bool {
    never_ending_in(&simple_commands(command))
}

/// `is_never_ending` on commands already split by `simple_commands`.
pub fn never_ending_in(cmds: &[Vec<Word>]) -> bool {
    cmds.iter().any(|words| {
        let Some((prog, args)) = program(words) else {
            return false;
        };
        let has = |flag: &str| args.iter().any(|a| a == flag);
        let has_short = |c: char| {
            args.iter()
                .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains(c))
        };
        match prog {
            "watch" => true,
            "tail" => has_short('f') || has_short('F') || has("--follow"),
            "journalctl" => has_short('f') || has("--follow"),
            "docker" | "docker-compose" | "podman" | "kubectl" | "oc" | "stern" => {
                (args.iter().any(|a| a == "logs") && (has("-f") || has("--follow")))
                    || (prog == "stern")
                    || (args.iter().any(|a| a == "stats") && !has("--no-stream"))
                    || (args.iter().any(|a| a == "events") && !has("--since") && prog != "kubectl")
                    || ((prog == "kubectl" || prog == "oc")
                        && (has("-w")
                            || has("--watch")
                            || args.iter().any(|a| a == "port-forward")))
            }
            "aws" => has("--follow"),
            "ping" => !has_short('c') && !has("--count"),
            // `top -b -n 1` ends; `top` and `top -b` redraw until stopped.
            "top" | "iotop" => !has_short('n'),
            "htop" | "btop" | "k9s" => true,
            "tcpdump" => !has_short('c'),
            "tshark" => !has_short('c') && !has_short('r') && !has_short('a'),
            "dmesg" => has_short('w') || has_short('W') || has("--follow"),
            "mtr" => !has_short('r') && !has("--report") && !has("--report-wide"),
            // Attached to a running process: until it exits or someone stops it.
            "strace" | "ltrace" => has_short('p') || has("--attach"),
            "perf" => perf_never_ends(args),
            // `vmstat 1` samples forever; `vmstat 1 5` takes five samples.
            "vmstat" | "iostat" | "mpstat" | "pidstat" | "sar" | "nfsiostat" | "cifsiostat" => {
                !has_short('f') && sampling_counts(args) == 1
            }
            "dstat" => sampling_counts(args) < 2,
            "free" => (has_short('s') || has("--seconds")) && !has_short('c') && !has("--count"),
            "ssh" => has("-N") && !has("-f"),
            // A server started in the foreground serves until stopped.
            "node" | "deno" | "bun" | "nodemon" => args
                .iter()
                .find(|a| !a.starts_with('-'))
                .is_some_and(|a| names_server(base_name(a))),
            "npm" | "yarn" | "pnpm" => {
                let script = args.iter().find(|a| !a.starts_with('-') && *a != "run");
                script.is_some_and(|s| matches!(s.as_ref(), "start" | "dev" | "serve"))
            }
            "uvicorn" | "gunicorn" | "hypercorn" | "daphne" => true,
            "flask" => has("run"),
            "rails" => args.first().is_some_and(|a| a == "server" || a == "s"),
            "python" | "python3" => {
                has("runserver")
                    || args
                        .windows(2)
                        .any(|w| w[0] == "-m" && w[1] == "http.server")
            }
            "php" => has("-S") || has("serve"),
            "redis-cli" => args.iter().any(|a| a.eq_ignore_ascii_case("monitor")),
            _ => {
                args.iter().any(|a| a == "--follow" || a == "--watch")
                    && !matches!(prog, "git" | "cp" | "ls")
            }
        }
    })
}

/// `perf top`, `perf record -p PID`, `perf trace -a`: no command to wait for (`-- sleep 30`).
fn perf_never_ends(args: &[Word]) -> bool {
    let sub = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(|a| a.as_ref());
    let targets = args.iter().any(|a| {
        matches!(
            a.as_ref(),
            "-p" | "--pid" | "-t" | "--tid" | "-a" | "--all-cpus" | "-C" | "--cpu" | "-u"
        )
    });
    let bounded = args.iter().any(|a| a == "--" || a == "sleep");
    match sub {
        Some("top") => true,
        Some("record" | "trace" | "stat") => targets && !bounded,
        _ => false,
    }
}

/// The interval and count of a sysstat-style sampler (`iostat -x 1 3` → 2): its plain
/// numbers, leaving out the values of flags such as `-p PID` or `-P 0`.
fn sampling_counts(args: &[Word]) -> usize {
    // Flags whose value may be a number (`pidstat -p PID`, `mpstat -P 0`).
    const VALUE_FLAGS: &[&str] = &["-p", "-P", "-I", "--pid"];
    let mut count = 0;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_ref();
        if VALUE_FLAGS.contains(&a) {
            i += 2;
            continue;
        }
        if !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()) {
            count += 1;
        }
        i += 1;
    }
    count
}

/// Programs that open a prompt when given no command of their own.
pub const REPL_CLIENTS: &[&str] = &[
    "redis-cli",
    "psql",
    "mysql",
    "mariadb",
    "mongo",
    "mongosh",
    "sqlite3",
    "python",
    "python3",
    "node",
    "irb",
    "rails",
    "bash",
    "sh",
    "zsh",
    "ash",
    "valkey-cli",
    "cqlsh",
];

/// If `command` opens a REPL (`redis-cli -h $REDIS_HOST`, `docker compose exec redis
/// redis-cli`, `psql -U x`), the client's name.
pub fn bare_repl_client(command: &str) -> Option<&'static str> {
    if !may_name_repl_client(command) {
        return None;
    }
    bare_repl_client_in(&simple_commands(command))
}

/// Whether a REPL client can be among the words of `command`. Without quotes or
/// backslashes every word is a stretch of the command, so a client's name must appear
/// in it: one automaton pass spares splitting the many commands that name none.
fn may_name_repl_client(command: &str) -> bool {
    static CLIENTS: once_cell::sync::Lazy<Option<aho_corasick::AhoCorasick>> =
        once_cell::sync::Lazy::new(|| aho_corasick::AhoCorasick::new(REPL_CLIENTS).ok());
    let Some(clients) = CLIENTS.as_ref() else {
        return true;
    };
    command.contains(['\'', '"', '\\']) || clients.is_match(command)
}

fn bare_repl_client_in(cmds: &[Vec<Word>]) -> Option<&'static str> {
    let [words] = cmds else {
        return None;
    };
    let (pos, client) = words.iter().enumerate().rev().find_map(|(i, w)| {
        let base = base_name(w);
        REPL_CLIENTS.iter().find(|c| **c == base).map(|c| (i, *c))
    })?;
    // The client is the program, or what a container or host is told to run (`docker
    // compose exec redis redis-cli`, `ssh db psql`); `kubectl get node` names a kind.
    let program_at = words.len() - program(words).map_or(0, |(_, args)| args.len() + 1);
    let launched = words[..pos]
        .iter()
        .any(|w| matches!(w.as_ref(), "exec" | "run" | "--" | "ssh"));
    if pos != program_at && !launched {
        return None;
    }
    let args = &words[pos + 1..];
    let bare = match client {
        "redis-cli" | "valkey-cli" => redis_args_are_connection_only(args),
        "psql" => !args.iter().any(|a| {
            a == "-c"
                || a == "-f"
                || a.starts_with("--command")
                || a.starts_with("--file")
                || a == "-l"
                || a == "--list"
        }),
        "mysql" | "mariadb" => !args.iter().any(|a| a == "-e" || a.starts_with("--execute")),
        "mongo" | "mongosh" => !args.iter().any(|a| a == "--eval" || a.ends_with(".js")),
        "sqlite3" => args.iter().filter(|a| !a.starts_with('-')).count() <= 1,
        "bash" | "sh" | "zsh" | "ash" => args.iter().all(|a| a.starts_with('-') && a != "-c"),
        "python" | "python3" | "node" | "irb" => {
            args.is_empty()
                || args
                    .iter()
                    .all(|a| a.starts_with('-') && a != "-c" && a != "-e" && a != "-m")
        }
        "rails" => args.first().is_some_and(|a| a == "console" || a == "c"),
        _ => args.is_empty(),
    };
    bare.then_some(client)
}

/// `server.js`, `app.ts`, `index.mjs`: a script named as the thing that serves.
fn names_server(script: &str) -> bool {
    let stem = script.split('.').next().unwrap_or(script);
    matches!(stem, "server" | "app" | "index" | "main" | "start" | "www")
}

/// `-h host -p 6379 -a pass -n 0 --tls`: no Redis command given.
fn redis_args_are_connection_only(args: &[Word]) -> bool {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_ref();
        match a {
            "-h" | "-p" | "-a" | "-n" | "-u" | "--user" | "--pass" | "-s" | "--cacert"
            | "--cert" | "--key" => i += 2,
            a if a.starts_with('-') => i += 1,
            _ => return false,
        }
    }
    true
}

/// A command a person must drive: editors, pagers, shells in containers, browsers.
pub fn is_interactive(command: &str) -> bool {
    interactive_in(&simple_commands(command))
}

/// `is_interactive` on commands already split by `simple_commands`.
pub fn interactive_in(cmds: &[Vec<Word>]) -> bool {
    opens_shell_in(cmds) || driven_apart_from_shells(cmds)
}

/// `interactive_in` for a caller that has asked `opens_shell_in` already: a REPL
/// client, an editor, a pager, a prompt.
pub fn driven_apart_from_shells(cmds: &[Vec<Word>]) -> bool {
    if bare_repl_client_in(cmds).is_some() {
        return true;
    }
    cmds.iter().any(|words| {
        let Some((prog, args)) = program(words) else {
            return false;
        };
        let has = |w: &str| args.iter().any(|a| a == w);
        match prog {
            "vi" | "vim" | "nvim" | "nano" | "emacs" | "less" | "more" | "open" | "xdg-open"
            | "visudo" | "vipw" | "vigr" | "sudoedit" | "tmux" | "screen" => true,
            // An editor on a live object or unit: `kubectl edit`, `systemctl edit`.
            "kubectl" | "oc" | "systemctl" => kube_verb(args) == Some("edit"),
            "crontab" => has("-e"),
            "virsh" => has("console") || has("edit"),
            "gdb" => !has("-batch") && !has("--batch"),
            "passwd" => args.iter().all(|a| !a.starts_with('-')),
            // Logins ask for a password or open a browser and wait for it.
            "vercel" | "netlify" | "heroku" | "npm" | "gh" | "az" | "firebase" | "wrangler" => {
                has("login")
            }
            "gcloud" | "fly" | "flyctl" | "doctl" => has("auth") && has("login"),
            // `aws configure` asks for keys; `aws configure set …` does not.
            "aws" => {
                (has("sso") && has("login"))
                    || args
                        .iter()
                        .filter(|a| !a.starts_with('-'))
                        .map(|a| a.as_ref())
                        .eq(["configure"])
            }
            "docker" | "podman" => has("login") && !has("--password-stdin"),
            // Patroni asks for the candidate and a confirmation unless forced.
            "patronictl" => {
                args.iter().any(|a| {
                    matches!(
                        a.as_ref(),
                        "failover" | "switchover" | "restart" | "reinit" | "remove"
                    )
                }) && !has("--force")
            }
            // `ufw enable` asks "Proceed with operation (y|n)?" unless forced.
            "ufw" => has("enable") && !has("--force"),
            // Debconf questions, unless a non-interactive front end is named.
            "dpkg-reconfigure" => !words.iter().any(|w| w.contains("noninteractive")),
            "make" => args.iter().any(|a| {
                REPL_CLIENTS.contains(&a.as_ref())
                    || a.ends_with("-cli")
                    || a == "shell"
                    || a == "console"
            }),
            _ => false,
        }
    })
}

/// Shells a command can leave the engineer in.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "ash", "dash", "ksh", "fish"];

/// Flags of `ssh` that take a value.
const SSH_VALUE_FLAGS: &[&str] = &[
    "-i", "-p", "-l", "-o", "-J", "-F", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-I", "-m", "-O",
    "-Q", "-S", "-W", "-w", "-B",
];

/// A command that leaves the engineer in a shell somewhere else: a host (`ssh host`), a
/// pod or container (`oc rsh pod`, `kubectl exec -it pod -- bash`, `oc debug node/x`),
/// root (`sudo -i`, `su -`). Commands written after it are meant to be typed there.
pub fn opens_shell(command: &str) -> bool {
    opens_shell_in(&simple_commands(command))
}

/// `opens_shell` on commands already split by `simple_commands`.
pub fn opens_shell_in(cmds: &[Vec<Word>]) -> bool {
    cmds.iter().any(|words| opens_shell_words(words))
}

fn opens_shell_words(words: &[Word]) -> bool {
    let Some((prog, args)) = program(words) else {
        // `sudo -i`, `sudo -s`: nothing but flags, one of them asking for a shell.
        return words.first().is_some_and(|w| w == "sudo")
            && words[1..]
                .iter()
                .any(|w| matches!(w.as_ref(), "-i" | "-s" | "--login" | "--shell"));
    };
    let has = |w: &str| args.iter().any(|a| a == w);
    let it = args.iter().any(|a| {
        matches!(a.as_ref(), "-it" | "-ti" | "--tty" | "-t")
            || (a.starts_with('-')
                && !a.starts_with("--")
                && a.contains('i')
                && a.contains('t')
                && !a.contains('d'))
    });
    match prog {
        "ssh" => !has("-N") && positional(args, SSH_VALUE_FLAGS).len() <= 1,
        "su" => !has("-c") && !args.iter().any(|a| a.starts_with("--command")),
        "chroot" => positional(args, &[]).len() <= 1,
        "kubectl" | "oc" => match kube_verb(args) {
            Some("rsh") => positional(args, KUBE_VALUE_FLAGS).len() <= 2,
            Some("debug") => (prog == "oc" || it) && shell_after_dashes(args),
            Some("exec") => {
                it && if has("--") {
                    shell_after_dashes(args)
                } else {
                    args.last().is_some_and(|a| is_shell(a))
                }
            }
            Some("run" | "attach") => it && shell_after_dashes(args),
            _ => false,
        },
        "docker" | "docker-compose" | "podman" | "nerdctl" => {
            it && args.last().is_some_and(|a| is_shell(a))
        }
        "gcloud" => has("ssh") && !args.iter().any(|a| a.starts_with("--command")),
        "aws" => has("start-session"),
        "vagrant" => args.first().is_some_and(|a| a == "ssh") && !has("-c"),
        _ => false,
    }
}

fn is_shell(word: &str) -> bool {
    SHELLS.contains(&base_name(word))
}

/// After `--`: nothing (the default shell) or a shell with no `-c` script.
fn shell_after_dashes(args: &[Word]) -> bool {
    match args.iter().position(|a| a == "--") {
        None => true,
        Some(i) => {
            let rest = &args[i + 1..];
            rest.first().is_none_or(|a| is_shell(a)) && !rest.iter().any(|a| a == "-c")
        }
    }
}

/// Flags of `kubectl`/`oc` that take a value.
const KUBE_VALUE_FLAGS: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--cluster",
    "--kubeconfig",
    "-c",
    "--container",
    "-l",
    "--selector",
    "--shell",
    "-s",
    "--server",
    "--image",
    "--user",
];

/// The verb of a `kubectl`/`oc`/`systemctl` command line: its first positional word.
fn kube_verb<'a>(args: &'a [Word]) -> Option<&'a str> {
    kube_words(args).first().copied()
}

/// The verb and operands of `kubectl`/`oc` (`rollout`, `resume`, `deploy/x`), before `--`.
pub(crate) fn kube_words<'a>(args: &'a [Word]) -> Vec<&'a str> {
    positional(args, KUBE_VALUE_FLAGS)
}

/// The words of `args` that are not flags, nor the values of `value_flags`, up to `--`.
pub(super) fn positional<'a>(args: &'a [Word], value_flags: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_ref();
        if a == "--" {
            break;
        }
        if value_flags.contains(&a) {
            i += 2;
            continue;
        }
        if !a.starts_with('-') {
            out.push(a);
        }
        i += 1;
    }
    out
}

/// Programs that commonly appear in runbooks; used to tell commands from prose.
pub const KNOWN_COMMANDS: &[&str] = &[
    "kubectl",
    "kubeadm",
    "kubelet",
    "oc",
    "helm",
    "docker",
    "docker-compose",
    "podman",
    "curl",
    "wget",
    "http",
    "redis-cli",
    "valkey-cli",
    "psql",
    "mysql",
    "mongo",
    "mongosh",
    "pg_isready",
    "pg_dump",
    "pg_restore",
    "pg_ctl",
    "createdb",
    "dropdb",
    "systemctl",
    "journalctl",
    "service",
    "aws",
    "gcloud",
    "gsutil",
    "az",
    "terraform",
    "ansible",
    "ansible-playbook",
    "git",
    "make",
    "npm",
    "npx",
    "yarn",
    "pnpm",
    "node",
    "python",
    "python3",
    "pip",
    "alembic",
    "grep",
    "egrep",
    "tail",
    "head",
    "cat",
    "ls",
    "ps",
    "top",
    "htop",
    "df",
    "du",
    "free",
    "netstat",
    "ss",
    "lsof",
    "ping",
    "dig",
    "nslookup",
    "nc",
    "telnet",
    "openssl",
    "ssh",
    "scp",
    "rsync",
    "kill",
    "pkill",
    "killall",
    "sudo",
    "watch",
    "jq",
    "yq",
    "sed",
    "awk",
    "find",
    "xargs",
    "uptime",
    "vmstat",
    "iostat",
    "dmesg",
    "ip",
    "ifconfig",
    "traceroute",
    "mtr",
    "tcpdump",
    "strace",
    "crictl",
    "etcdctl",
    "istioctl",
    "argocd",
    "flux",
    "consul",
    "vault",
    "nomad",
    "rabbitmqctl",
    "celery",
    "supervisorctl",
    "pm2",
    "nginx",
    "certbot",
    "cargo",
    "go",
    "java",
    "jcmd",
    "jstack",
    "echo",
    "printf",
    "sleep",
    "cd",
    "rm",
    "mv",
    "cp",
    "chmod",
    "chown",
    "mkdir",
    "touch",
    "tar",
    "gzip",
    "gunzip",
    "zcat",
    "prisma",
    "rails",
    "rake",
    "bundle",
    "php",
    "composer",
    "mc",
    "s3cmd",
    "bq",
    "stern",
    "k9s",
    "velero",
    "minikube",
    "kind",
    "virsh",
    "nvidia-smi",
    "iptables",
    "ufw",
    "nmap",
    "host",
    "date",
    "sqlite3",
    "promtool",
    "amtool",
    "logcli",
    "mongodump",
    "mongorestore",
    "kcat",
    "kafkacat",
    "pytest",
    "export",
    "source",
    "set",
    "unset",
    "test",
    "true",
    "false",
    "for",
    "while",
    "if",
    "open",
    "xdg-open",
    "systemd-analyze",
    "nproc",
    "wc",
    "sort",
    "uniq",
    "cut",
    "tr",
    "tee",
    "diff",
    "env",
    "printenv",
    "whoami",
    "id",
    "hostname",
    "uname",
    "base64",
    "sha256sum",
    "md5sum",
    "stat",
    "file",
    "readlink",
    "realpath",
    "timeout",
    "nohup",
    "time",
    "sh",
    "bash",
    "zsh",
    "exec",
    "eval",
    "gh",
    "glab",
    "heroku",
    "fly",
    "flyctl",
    "vercel",
    "doctl",
    "eksctl",
    "kubectx",
    "kubens",
    "kustomize",
    "skaffold",
    "tilt",
    "pgbench",
    "vacuumdb",
    "reindexdb",
    "pg_basebackup",
    "pg_upgrade",
    "patronictl",
    "redis-server",
    "memcached",
    "varnishadm",
    "haproxy",
    "apachectl",
    "apache2ctl",
    "uwsgi",
    "gunicorn",
    "uvicorn",
    "celery",
    "flower",
    "ab",
    "hey",
    "wrk",
    "k6",
    "siege",
    "iperf",
    "iperf3",
    "arp",
    "route",
    "resolvectl",
    "systemd-resolve",
    "chronyc",
    "timedatectl",
    "ntpq",
    "lsblk",
    "blkid",
    "mount",
    "umount",
    "fdisk",
    "parted",
    "mkfs",
    "fsck",
    "smartctl",
    "zpool",
    "zfs",
    "lvs",
    "vgs",
    "pvs",
    "crontab",
    "at",
    "logrotate",
    "auditctl",
    "ausearch",
    "getent",
    "passwd",
    "useradd",
    "usermod",
    "groups",
    "last",
    "who",
    "w",
    "sar",
    "pidstat",
    "mpstat",
    "perf",
    "gdb",
    "ltrace",
    "pstree",
    "pgrep",
    "fuser",
    "ulimit",
    "sysctl",
    "modprobe",
    "lsmod",
    "reboot",
    "shutdown",
    "poweroff",
    "halt",
];

/// Whether a line reads like a shell command rather than prose or output.
pub fn looks_like_command(line: &str) -> bool {
    let line = line.trim();
    let line = line.strip_prefix("$ ").unwrap_or(line);
    let Some(first) = line.split_whitespace().next() else {
        return false;
    };
    if first.starts_with("./") || first.starts_with("~/") || first.ends_with(".sh") {
        return true;
    }
    if first.starts_with('/')
        && first.len() > 1
        && line.split_whitespace().count() >= 1
        && !first.ends_with(':')
        && first[1..].contains('/')
    {
        return true;
    }
    if is_assignment(first)
        && !first.contains(' ')
        && first.chars().next().is_some_and(|c| c.is_ascii_uppercase())
    {
        return true;
    }
    let base = first.rsplit('/').next().unwrap_or(first);
    is_known_command(base) || base.starts_with("kafka-") || looks_like_tool_invocation(line)
}

/// A command of a program no list knows, by its shape: `gitlab-ctl restart redis`,
/// `nodetool status`, `cockroach node status --insecure`. A lower-case tool-like first
/// word, a lower-case subcommand or a flag, path, `k=v`, `$VAR` or `<value>` after it,
/// and something only commands have: a tool's name (`ctl`/`adm`/`tool`/`cli` at the
/// end) or one of those arguments. Prose (function words, sentence punctuation,
/// accents, -ing/-ed words), status text (`kube-proxy iptables sync`, `node_exporter
/// down`) and aligned output rows fail.
fn looks_like_tool_invocation(line: &str) -> bool {
    // Aligned columns are output, unless a long option says otherwise (`kubeadm join
    // …     --discovery-token-ca-cert-hash …`, pasted with its line break as spaces).
    let aligned = (line.contains("  ") || line.contains('\t')) && !line.contains(" --");
    if !line.is_ascii() || aligned {
        return false;
    }
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let args: Vec<&str> = words.collect();
    let Some(subcommand) = args.first() else {
        return false;
    };
    if !is_tool_name(first)
        || PROSE_WORDS.contains(&first)
        || LEAD_VERBS.contains(&first)
        || subcommand.starts_with(|c: char| c.is_ascii_uppercase())
    {
        return false;
    }
    let mut evidence = ["ctl", "adm", "tool", "cli", "admin"]
        .iter()
        .any(|s| first.len() > s.len() && first.ends_with(s));
    for a in &args {
        if a.ends_with(['.', ',', ':', ';', '!', '?']) && !a.contains('/') {
            return false;
        }
        let bare = a.trim_matches(|c| c == '\'' || c == '"' || c == '(' || c == ')');
        let lower = bare.to_ascii_lowercase();
        if PROSE_WORDS.contains(&lower.as_str()) {
            return false;
        }
        let alpha = bare.len() >= 6 && bare.bytes().all(|b| b.is_ascii_alphabetic());
        if alpha && (lower.ends_with("ing") || lower.ends_with("ed")) {
            return false;
        }
        let flag = a.len() > 1
            && a.starts_with('-')
            && a.trim_start_matches('-')
                .starts_with(|c: char| c.is_ascii_alphanumeric());
        if flag
            || a.contains('/')
            || is_assignment(a)
            || a.starts_with('$')
            || (a.starts_with('<') && a.ends_with('>'))
        {
            evidence = true;
        }
    }
    evidence
}

/// `gitlab-ctl`, `nodetool`, `pg_activity`, `mkfs.ext4`: lower-case letters and digits,
/// joined by `-`, `_` or `.`.
fn is_tool_name(word: &str) -> bool {
    let mut prev_joiner = true;
    word.len() >= 2
        && word.starts_with(|c: char| c.is_ascii_lowercase())
        && word.bytes().all(|b| {
            let joiner = matches!(b, b'-' | b'_' | b'.');
            let ok = b.is_ascii_lowercase() || b.is_ascii_digit() || (joiner && !prev_joiner);
            prev_joiner = joiner;
            ok
        })
        && !prev_joiner
}

/// Words of English and Spanish sentences that no command line carries bare.
const PROSE_WORDS: &[&str] = &[
    "the", "a", "an", "of", "to", "for", "in", "on", "at", "by", "is", "are", "was", "were", "be",
    "been", "and", "or", "but", "with", "from", "that", "this", "these", "those", "it", "its",
    "if", "when", "not", "no", "you", "we", "your", "our", "they", "can", "will", "should", "must",
    "may", "than", "above", "below", "after", "before", "during", "while", "per", "into", "el",
    "la", "los", "las", "de", "del", "en", "y", "o", "con", "para", "por", "que", "un", "una",
    "es", "son", "se", "al", "su", "sus", "si", "lo", "como", "hay", "esta", "este", "cuando",
    "sin",
];

/// Verbs that start an instruction to a person ("check /var/log", "revisar config").
const LEAD_VERBS: &[&str] = &[
    "check",
    "verify",
    "ensure",
    "run",
    "see",
    "look",
    "wait",
    "go",
    "click",
    "login",
    "note",
    "use",
    "try",
    "review",
    "monitor",
    "contact",
    "call",
    "ask",
    "restart",
    "stop",
    "start",
    "update",
    "install",
    "remove",
    "delete",
    "add",
    "create",
    "visit",
    "read",
    "edit",
    "get",
    "copy",
    "move",
    "select",
    "enable",
    "disable",
    "increase",
    "decrease",
    "scale",
    "fix",
    "verificar",
    "revisar",
    "comprobar",
    "ejecutar",
    "reiniciar",
    "esperar",
    "abrir",
    "ver",
    "usar",
    "contactar",
    "crear",
    "borrar",
    "eliminar",
    "actualizar",
    "aplicar",
    "instalar",
    "detener",
    "iniciar",
    "buscar",
    "validar",
    "confirmar",
    "escalar",
    "aumentar",
    "reducir",
];

/// `KNOWN_COMMANDS.contains(name)` by hash: it is asked for every line of every code
/// block, and the list has hundreds of names.
fn is_known_command(name: &str) -> bool {
    static KNOWN: once_cell::sync::Lazy<foldhash::HashSet<&'static str>> =
        once_cell::sync::Lazy::new(|| KNOWN_COMMANDS.iter().copied().collect());
    KNOWN.contains(name)
}

/// A REPL command written bare, without its client: `MONITOR`, `CONFIG GET *`, `INFO
/// memory`. No shell program is named in capitals.
pub fn is_bare_repl_line(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    first.len() >= 3 && first.bytes().all(|b| b.is_ascii_uppercase())
}

/// A line of configuration, `key value` or `key = value` (`maxmemory 4gb`, `save 900
/// 1`, `shared_buffers = 4GB`, `worker_processes auto;`, `server {`): no pipes,
/// redirections, substitutions nor flags. `sudo`/editors/file tools start commands
/// that work on a configuration file, not its lines.
pub fn is_config_line(line: &str) -> bool {
    let line = line.trim();
    if line == "}" || line == "{" {
        return true;
    }
    let line = line.strip_suffix(';').unwrap_or(line);
    if has_shell_operator(line) {
        return false;
    }
    let mut words = line.split_whitespace();
    let Some(key) = words.next() else {
        return false;
    };
    let mut args = words.peekable();
    let identifier = key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    // The list of tools last: most command lines fail on a flag first.
    identifier
        && args.peek().is_some()
        && !args.any(|a| a.starts_with('-') && a.len() > 1)
        && !CONFIG_FILE_TOOLS.contains(&key)
}

/// Whether `line` holds `|`, `&&`, `;`, `>`, `<`, `$(` or a backtick: one pass over
/// the bytes instead of a substring search per operator.
fn has_shell_operator(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| match b {
        b'|' | b';' | b'>' | b'<' | b'`' => true,
        b'&' => bytes.get(i + 1) == Some(&b'&'),
        b'$' => bytes.get(i + 1) == Some(&b'('),
        _ => false,
    })
}

/// Programs that act on a configuration file rather than being one of its lines.
const CONFIG_FILE_TOOLS: &[&str] = &[
    "sudo",
    "echo",
    "printf",
    "cat",
    "tee",
    "sed",
    "vi",
    "vim",
    "nano",
    "emacs",
    "cp",
    "mv",
    "export",
    "source",
    "cd",
    "systemctl",
    "service",
    "grep",
    "less",
    "chmod",
    "chown",
    "ls",
];

/// A configuration value rather than a subcommand: `4gb`, `900`, `"..."`, `${PASS}`,
/// `yes`, `on`, `allkeys-lru` is not one (it could be a subcommand).
pub fn is_config_value(word: &str) -> bool {
    let w = word.trim_end_matches(';');
    let unit = w.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    (w.starts_with(|c: char| c.is_ascii_digit())
        && unit.len() <= 3
        && unit.bytes().all(|b| b.is_ascii_alphabetic() || b == b'%'))
        || w.starts_with(['"', '\''])
        || w.starts_with('$')
        || w == "="
        || matches!(w, "yes" | "no" | "on" | "off" | "true" | "false")
        || (w.len() >= 2 && w.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
}

/// Whether `line` names a program a list knows or has a command's shape.
pub fn names_known_program(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    is_known_command(first.rsplit('/').next().unwrap_or(first)) || looks_like_command(line)
}

/// A crontab entry (`0 2 * * * /path/script.sh`): a schedule, not something to run now.
pub fn is_crontab_line(line: &str) -> bool {
    let schedule_field = |f: &str| {
        f.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'*' | b'/' | b',' | b'-'))
    };
    let mut fields = line.split_whitespace();
    // Five schedule fields, then the command; most lines fail at their first word.
    let schedule = (0..5).all(|_| fields.next().is_some_and(schedule_field));
    schedule && fields.next().is_some()
        || line.trim_start().starts_with('@')
            && ["@reboot", "@daily", "@hourly", "@weekly", "@monthly"]
                .iter()
                .any(|p| line.trim_start().starts_with(p))
}

/// Setup that only matters for the command after it: `cd`, `export`, `X=1`, `sleep`,
/// `source`. Kept in the same step so the next command runs in the state it needs.
pub fn is_setup(command: &str) -> bool {
    // Only the first simple command matters: `X=$(date)` splits into `X=` and the
    // substitution's own commands, and it is still an assignment.
    let Some(first) = first_simple_command(command) else {
        return false;
    };
    match first.first().map(|w| w.as_ref()) {
        Some("cd" | "export" | "source" | "." | "set" | "unset" | "sleep" | "pushd" | "ulimit") => {
            true
        }
        Some(_) => first.iter().all(|w| is_assignment(w)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(body: &str) -> Vec<String> {
        pieces(body, 1)
            .into_iter()
            .filter_map(|p| match p.piece {
                Piece::Command(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn continuations_quotes_and_blocks_join() {
        let body = "aws ecs describe \\\n  --cluster x\npsql -c \"\n  UPDATE t\n  SET a = 1;\n\"\nfor f in a b; do\n  echo $f\ndone\ncat <<EOF\nhello\nEOF\nls |\n  wc -l\n";
        let c = commands(body);
        assert_eq!(c.len(), 5, "{c:#?}");
        assert!(c[1].contains("SET a = 1"));
        assert!(c[2].ends_with("done"));
        assert!(c[3].ends_with("EOF"));
    }

    #[test]
    fn comments_and_blank_lines() {
        let p = pieces("# 1. Check\nls\n\n# two\n", 10);
        assert_eq!(p[0].piece, Piece::Comment("1. Check".into()));
        assert_eq!(p[1].line, 11);
        assert_eq!(p[2].piece, Piece::Blank);
    }

    #[test]
    fn never_ending() {
        assert!(is_never_ending("watch -n 5 'aws ecs describe-services'"));
        assert!(is_never_ending("docker-compose logs -f api"));
        assert!(is_never_ending("tail -f /var/log/x | grep y"));
        assert!(is_never_ending("aws logs tail /ecs/x --follow --since 10m"));
        assert!(is_never_ending("kubectl get pods -w"));
        assert!(!is_never_ending("docker-compose logs worker | tail -50"));
        assert!(!is_never_ending("docker stats --no-stream"));
        assert!(!is_never_ending("ping -c 3 host"));
        assert!(is_never_ending("node backend/server.js"));
        assert!(is_never_ending("npm run dev"));
        assert!(is_never_ending("python manage.py runserver 0.0.0.0:8000"));
        assert!(is_never_ending("uvicorn app.main:app --port 8000"));
        assert!(!is_never_ending("node scripts/migrate.js"));
        assert!(!is_never_ending("npm run build"));
        assert!(!is_never_ending("node -e 'console.log(1)'"));
    }

    #[test]
    fn never_ending_samplers_and_tracers() {
        for yes in [
            "sudo perf record -p 1234",
            "perf top",
            "strace -p 1234",
            "vmstat 1",
            "iostat -x 1",
            "mpstat -P ALL 2",
            "pidstat -p 1234 1",
            "sar -u 5",
            "top",
            "top -b",
            "dmesg -w",
            "free -s 2",
        ] {
            assert!(is_never_ending(yes), "{yes}");
        }
        for no in [
            "perf record -g -p 1234 -- sleep 30",
            "perf report",
            "strace -c ls",
            "vmstat 1 5",
            "vmstat",
            "iostat -xz 1 3",
            "pidstat -p 1234 1 5",
            "sar -f /var/log/sa/sa10",
            "top -b -n 1",
            "top -bn1",
            "dmesg -T",
            "free -m",
        ] {
            assert!(!is_never_ending(no), "{no}");
        }
    }

    #[test]
    fn interactive_editors_and_shells() {
        for yes in [
            "kubectl edit deployment web",
            "oc -n x edit cm/y",
            "systemctl edit app.service",
            "crontab -e",
            "sudo -i",
            "sudo su -",
            "oc rsh -n ns mypod",
            "kubectl exec -it web-0 -- /bin/bash",
            "kubectl debug node/worker-1 -it --image=ubuntu",
            "oc debug node/worker-1",
            "ssh -i key.pem admin@bastion",
            "docker exec -it db bash",
        ] {
            assert!(is_interactive(yes), "{yes}");
        }
        for no in [
            "kubectl get deployment web",
            "systemctl status app",
            "crontab -l",
            "oc rsh mypod etcdctl endpoint health",
            "kubectl exec web-0 -- ls /tmp",
            "kubectl exec -it web-0 -- bash -c 'ls /tmp'",
            "oc debug node/worker-1 -- chroot /host crictl ps",
            "ssh admin@bastion uptime",
            "sudo -u postgres -i true",
            "docker run -itd nginx",
        ] {
            assert!(!is_interactive(no), "{no}");
        }
        assert!(opens_shell(
            "oc rsh -c etcdctl -n openshift-etcd $(oc get pod -oname | head -1)"
        ));
        assert!(!opens_shell("kubectl edit deployment web"));
        assert!(!opens_shell("ssh -N -L 5432:db:5432 bastion"));
    }

    #[test]
    fn repl_clients() {
        assert_eq!(
            bare_repl_client("docker-compose exec redis redis-cli"),
            Some("redis-cli")
        );
        assert_eq!(
            bare_repl_client("redis-cli -h $REDIS_HOST"),
            Some("redis-cli")
        );
        assert_eq!(bare_repl_client("redis-cli -h $REDIS_HOST ping"), None);
        assert_eq!(bare_repl_client("kubectl get node"), None);
        assert_eq!(bare_repl_client("kubectl top node"), None);
        assert_eq!(bare_repl_client("sudo -u postgres psql"), Some("psql"));
        assert_eq!(bare_repl_client("ssh db1 psql"), Some("psql"));
        assert_eq!(
            bare_repl_client("kubectl exec -it api-0 -- node"),
            Some("node")
        );
        assert_eq!(bare_repl_client("psql -U x -c 'select 1'"), None);
        assert!(is_interactive(
            "patronictl -c /etc/patroni.yml failover pg-main"
        ));
        assert!(!is_interactive(
            "patronictl switchover --force --candidate pg-2"
        ));
        assert!(!is_interactive("patronictl list"));
        assert!(is_interactive("vercel login"));
        assert!(is_interactive("gcloud auth login"));
        assert!(is_interactive("aws sso login --profile prod"));
        assert!(is_interactive("docker login registry.example.com"));
        assert!(!is_interactive(
            "echo $TOKEN | docker login -u ci --password-stdin r.io"
        ));
        assert!(!is_interactive("grep login /var/log/auth.log"));
        assert!(!is_interactive("gcloud auth list"));
        assert!(is_interactive("aws configure"));
        assert!(!is_interactive("aws configure set region eu-west-1"));
        assert!(is_interactive("docker exec -it app bash"));
        assert!(is_interactive("open https://sentry.io/x"));
        assert!(!is_interactive("curl http://x"));
    }

    #[test]
    fn programs_past_wrappers() {
        let cmds = simple_commands(
            "sudo -E env A=1 systemctl restart nginx | xargs -I {} redis-cli DEL {}",
        );
        assert_eq!(program(&cmds[0]).unwrap().0, "systemctl");
        assert_eq!(program(&cmds[1]).unwrap().0, "redis-cli");
    }

    #[test]
    fn prose_is_not_a_command() {
        assert!(looks_like_command("docker compose ps"));
        assert!(looks_like_command(
            "kubeadm join 10.0.0.1:6443 --token x     --discovery-token-ca-cert-hash sha256:0"
        ));
        assert!(looks_like_command("nodetool repair    --full app"));
        assert!(!looks_like_command("kube-proxy   Running   3d"));
        assert!(looks_like_command("./scripts/rollback.sh production"));
        assert!(!looks_like_command("Severidad 1 (Crítico):"));
        assert!(!looks_like_command("✓ Queue depth: < 5,000 messages"));
        assert!(!looks_like_command("1. Contactar DevOps on-call"));
        for tool in [
            "gitlab-ctl restart redis",
            "gitlab-ctl status",
            "nodetool status",
            "cockroach node status --insecure",
            "gitlab-rails runner /tmp/sq.rb kill Worker",
            "$ knife node show web-1 -a ipaddress",
        ] {
            assert!(looks_like_command(tool), "{tool}");
        }
        for prose in [
            "connection refused",
            "back-off restarting failed container",
            "node-2 NotReady <none> 3d v1.28.0",
            "check the logs for errors",
            "check /var/log/syslog",
            "error-rate above threshold",
            "sidekiq-cluster  running  4",
            "timeout-ms exceeded.",
            "verificar configuración",
            "kube-proxy iptables sync",
            "pg_stat_activity shows idle sessions",
            "worker-1 disk full",
        ] {
            assert!(!looks_like_command(prose), "{prose}");
        }
        assert!(is_crontab_line("0 2 * * * /path/to/scripts/backup-db.sh"));
        assert!(is_setup("sleep 5"));
        assert!(is_setup("INTEGRATION_WORKER_CONCURRENCY=10"));
        assert!(!is_setup("A=1 make x"));
    }

    /// The character-by-character splitter `simple_commands` replaced: the byte-level
    /// one, which borrows words, must split every text the same way.
    fn char_by_char(command: &str) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        let mut has_word = false;
        let mut chars = command.chars().peekable();
        let (mut single, mut double) = (false, false);
        let flush = |word: &mut String, has: &mut bool, words: &mut Vec<String>| {
            if std::mem::take(has) {
                words.push(std::mem::take(word));
            }
        };
        let end = |word: &mut String,
                   has: &mut bool,
                   words: &mut Vec<String>,
                   out: &mut Vec<Vec<String>>| {
            flush(word, has, words);
            if !words.is_empty() {
                out.push(std::mem::take(words));
            }
        };
        while let Some(c) = chars.next() {
            if single {
                if c == '\'' {
                    single = false;
                } else {
                    word.push(c);
                }
                continue;
            }
            if double {
                match c {
                    '"' => double = false,
                    '\\' => word.extend(chars.next()),
                    _ => word.push(c),
                }
                continue;
            }
            match c {
                '\'' => (single, has_word) = (true, true),
                '"' => (double, has_word) = (true, true),
                '\\' => {
                    if let Some(n) = chars.next().filter(|n| *n != '\n') {
                        word.push(n);
                        has_word = true;
                    }
                }
                '#' if !has_word => {
                    chars.by_ref().find(|n| *n == '\n');
                    end(&mut word, &mut has_word, &mut words, &mut out);
                }
                '|' | ';' | '&' | '\n' | '(' | ')' | '`' => {
                    end(&mut word, &mut has_word, &mut words, &mut out)
                }
                '$' if chars.peek() == Some(&'(') => {
                    end(&mut word, &mut has_word, &mut words, &mut out)
                }
                c if c.is_whitespace() => flush(&mut word, &mut has_word, &mut words),
                c => {
                    word.push(c);
                    has_word = true;
                }
            }
        }
        end(&mut word, &mut has_word, &mut words, &mut out);
        out
    }

    #[test]
    fn words_keep_quotes_escapes_and_continuations_apart() {
        for text in [
            "a\"b\"c 'd'e \\$X \"\" ''",
            "echo abc\\\ndef # note\nls",
            "x=$(date)|y&&z;w",
            "a\u{a0}b\u{2003}c \"\\\"q\\\"\" 'x",
        ] {
            let ours: Vec<Vec<String>> = simple_commands(text)
                .into_iter()
                .map(|ws| ws.into_iter().map(|w| w.into_owned()).collect())
                .collect();
            assert_eq!(ours, char_by_char(text), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn words_match_the_char_by_char_splitter(
            text in "[a-z \t\n'\"\\\\$()|;&#`\u{a0}é=]{0,40}|\\PC{0,40}"
        ) {
            let ours: Vec<Vec<String>> = simple_commands(&text)
                .into_iter()
                .map(|ws| ws.into_iter().map(|w| w.into_owned()).collect())
                .collect();
            proptest::prop_assert_eq!(ours, char_by_char(&text));
        }
    }
}
