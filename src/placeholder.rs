//! Placeholders in a command: the values a runbook expects someone to fill in.
//!
//! Four notations are recognised: `<JWT>` / `<job-id>` (angle), `$REDIS_HOST` (dollar),
//! `${POSTGRES_USER:-chatbot}` (braced) and `{{name}}` (mustache). The scanner is a small
//! shell lexer rather than a handful of regexes because the same text means different
//! things in different places: `$1` inside `awk '…'` is not ours, `<<EOF` is a heredoc,
//! `# <JWT>` is a comment, and `'<job-id>'` inside `"…"` is a placeholder between literal
//! quotes. It also reports the quoting context of every placeholder so that `vars` can
//! rewrite it into a shell-safe reference.

mod option_slot;

use once_cell::sync::Lazy;
pub use option_slot::OptionSlot;
use option_slot::{names_slot_program, option_slot_after, words_up_to};
use regex::Regex;
use std::ops::Range;

/// A value the command needs, where it appears and how it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The variable name: as written for `$X`/`${X}`/`{{x}}`, normalised for `<job-id>` (`JOB_ID`).
    pub name: String,
    /// The default of `${X:-d}` / `${X-d}` / `${X:=d}` / `${X=d}`, unquoted.
    pub default: Option<String>,
    /// Byte range of the whole placeholder in the command (`<JWT>`, `${X:-d}`, ...).
    pub range: Range<usize>,
    pub notation: Notation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Notation {
    /// `<JWT>`, `<job-id>`
    Angle,
    /// `$X`
    Dollar,
    /// `${X}`, `${X:-d}`
    Braced,
    /// `{{x}}`
    Mustache,
}

/// Where a placeholder sits, as far as the shell is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quoting {
    /// Outside any quotes (also inside `$(…)` and backticks).
    Bare,
    /// Inside `"…"`.
    Double,
    /// Inside `'…'`: the shell takes it literally.
    Single,
    /// In the body of `<<EOF`: expanded like `"…"`, but quotes are literal characters.
    Heredoc,
    /// In the body of `<<'EOF'`: nothing is expanded; the text reaches stdin as is.
    QuotedHeredoc,
    /// In the `'…'` script of `sh -c`: the outer shell passes it untouched and the inner
    /// shell parses it, seeing the placeholder in the given context.
    SingleScript(Inner),
    /// In the `"…"` script of `sh -c`: the outer shell expands it first, then the inner
    /// shell parses the result, seeing the placeholder in the given context.
    DoubleScript(Inner),
    /// An unquoted argument of a command that joins its arguments into a script for
    /// another shell (`watch`, `eval`, `ssh HOST …`): that shell parses the value again.
    JoinedScript,
    /// A script inside a script: too many levels of quoting to rewrite safely.
    Deep,
}

/// The context the inner shell of `sh -c` sees a placeholder in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inner {
    Bare,
    Double,
    Single,
    Heredoc,
    QuotedHeredoc,
}

impl Quoting {
    /// The same context one shell deeper: what a script lexed on its own reports, seen
    /// from the shell that runs `sh -c '…'`.
    fn inside_single_script(self) -> Quoting {
        match self {
            Quoting::Bare => Quoting::SingleScript(Inner::Bare),
            Quoting::Double => Quoting::SingleScript(Inner::Double),
            Quoting::Single => Quoting::SingleScript(Inner::Single),
            Quoting::Heredoc => Quoting::SingleScript(Inner::Heredoc),
            Quoting::QuotedHeredoc => Quoting::SingleScript(Inner::QuotedHeredoc),
            Quoting::SingleScript(_)
            | Quoting::DoubleScript(_)
            | Quoting::JoinedScript
            | Quoting::Deep => Quoting::Deep,
        }
    }
}

/// A heredoc. When its delimiter is quoted (`<<'EOF'`) the shell expands nothing in the
/// body, so `vars` has to treat placeholders there specially.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heredoc {
    /// The delimiter word as written after `<<`/`<<-`, quotes included (`'EOF'`).
    pub word: Range<usize>,
    pub delimiter: String,
    pub quoted: bool,
    /// The body, from the line after the operator to the start of the delimiter line.
    pub body: Range<usize>,
}

/// What the lexer found: placeholders with their contexts, and the quoted heredocs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scan {
    pub found: Vec<(Placeholder, Quoting)>,
    pub heredocs: Vec<Heredoc>,
    /// The insides of backtick substitutions (outside nested-shell scripts).
    pub backticks: Vec<Range<usize>>,
    /// Placeholders that begin an argument a program reads as an option when it
    /// starts with `-` (see [`OptionSlot`]), by the start of their range.
    pub option_slots: Vec<(usize, OptionSlot)>,
}

/// Every placeholder in `command`, in order of appearance.
pub fn scan(command: &str) -> Vec<Placeholder> {
    scan_detailed(command)
        .found
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

/// The distinct variable names `command` needs, in order of first appearance.
pub fn names(command: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in scan(command) {
        if !out.contains(&p.name) {
            out.push(p.name);
        }
    }
    out
}

/// Whether a variable name suggests its value must never be shown or written.
pub fn looks_secret(name: &str) -> bool {
    const MARKERS: [&str; 18] = [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "KEY",
        "JWT",
        "CREDENTIAL",
        "AUTH",
        "COOKIE",
        "DSN",
        // Connection URLs of data stores usually carry a password.
        "DATABASE_URL",
        "DB_URL",
        "REDIS_URL",
        "MONGO_URI",
        "MONGODB_URI",
        "AMQP_URL",
        "CONNECTION_STRING",
    ];
    /// Whole parts of a name (`DB_PASS`, `TU_CLAVE`): inside a word they mean other
    /// things (`BYPASS`, `ENCLAVE`). Not `PWD`: the shell's working directory.
    const PARTS: [&str; 3] = ["PASS", "CLAVE", "CONTRASENA"];
    let upper = name.to_ascii_uppercase();
    MARKERS.iter().any(|m| upper.contains(m))
        || upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|part| PARTS.contains(&part))
}

/// Normalises a placeholder's text into an environment variable name:
/// `job-id` → `JOB_ID`, `messageLogId` → `MESSAGE_LOG_ID`, `INSTANCE_NAME` stays.
pub fn variable_name(raw: &str) -> String {
    let folded = deunicode::deunicode(raw);
    let chars: Vec<char> = folded.chars().collect();
    let mut out = String::with_capacity(chars.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && i > 0 && starts_camel_word(&chars, i) {
                push_separator(&mut out);
            }
            out.push(c.to_ascii_uppercase());
        } else {
            push_separator(&mut out);
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        return "_".to_string();
    }
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{trimmed}")
    } else {
        trimmed.to_string()
    }
}

/// `messageLogId`: a capital after a lower-case letter or digit, or the last capital of
/// an acronym followed by lower case (`HTTPServer` → `HTTP_SERVER`), starts a word.
fn starts_camel_word(chars: &[char], i: usize) -> bool {
    let prev = chars[i - 1];
    let next = chars.get(i + 1).copied();
    prev.is_ascii_lowercase()
        || prev.is_ascii_digit()
        || (prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
}

fn push_separator(out: &mut String) {
    if !out.is_empty() && !out.ends_with('_') {
        out.push('_');
    }
}

/// Variables every shell or login already has; a runbook that mentions them is not asking
/// anyone for a value.
const AMBIENT: &[&str] = &[
    "HOME",
    "PATH",
    "USER",
    "LOGNAME",
    "PWD",
    "OLDPWD",
    "SHELL",
    "HOSTNAME",
    "RANDOM",
    "SRANDOM",
    "LINENO",
    "SECONDS",
    "UID",
    "EUID",
    "GID",
    "PPID",
    "BASHPID",
    "IFS",
    "TERM",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "TMP",
    "TEMP",
    "EDITOR",
    "VISUAL",
    "PAGER",
    "BASH",
    "BASH_VERSION",
    "BASH_SOURCE",
    "BASH_REMATCH",
    "FUNCNAME",
    "PIPESTATUS",
    "REPLY",
    "OPTARG",
    "OPTIND",
    "HISTFILE",
    "HISTSIZE",
    "COLUMNS",
    "LINES",
    "DISPLAY",
    "SHLVL",
    "MAIL",
    "OSTYPE",
    "HOSTTYPE",
    "MACHTYPE",
    "GROUPS",
    "EPOCHSECONDS",
    "EPOCHREALTIME",
    "PS1",
    "PS2",
    "PS4",
    "PROMPT_COMMAND",
    "TZ",
    "SSH_AUTH_SOCK",
    "SSH_CONNECTION",
    "SSH_CLIENT",
    "SSH_TTY",
    "XDG_RUNTIME_DIR",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "COLORTERM",
    "NO_COLOR",
    "CI",
];

/// A `<user>` or `{{PATH}}` placeholder asks for a value of its own, not the session's
/// `USER` or `PATH`: its variable is `USER_VALUE`, so the environment never fills it and
/// its value, exported to the command, never replaces the shell's own.
fn not_ambient(name: String) -> String {
    if AMBIENT.contains(&name.as_str()) {
        format!("{name}_VALUE")
    } else {
        name
    }
}

/// HTML tags that are never runbook placeholders.
const HTML_TAGS: &[&str] = &[
    "html",
    "head",
    "body",
    "div",
    "span",
    "p",
    "a",
    "b",
    "i",
    "u",
    "s",
    "br",
    "hr",
    "em",
    "strong",
    "ul",
    "ol",
    "li",
    "table",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "script",
    "style",
    "img",
    "meta",
    "link",
    "form",
    "button",
    "nav",
    "footer",
    "iframe",
    "svg",
    "small",
    "sup",
    "sub",
    "tt",
    "center",
    "font",
    "blockquote",
    "noscript",
    "doctype",
];

/// Go-template / handlebars keywords: `{{end}}` in a `docker --format` string is not a value.
const TEMPLATE_WORDS: &[&str] = &[
    "end", "else", "range", "if", "with", "define", "template", "block", "break", "continue",
    "nil", "true", "false", "this",
];

/// Deepest nesting of quotes / `$(…)` the lexer follows; deeper text is read as plain
/// text so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// Like [`scan`], with the quoting context of each placeholder and the quoted heredocs.
pub(crate) fn scan_detailed(command: &str) -> Scan {
    let mut lexer = Lexer::new(command, 0, 0);
    lexer.bare(None);
    // Bindings only ever hide `$X`/`${X}`: without one, finding them is wasted work.
    let expands = lexer
        .found
        .iter()
        .any(|(p, _)| matches!(p.notation, Notation::Dollar | Notation::Braced));
    let bindings = if expands {
        bound_names(command)
    } else {
        Vec::new()
    };
    Scan {
        found: lexer
            .found
            .into_iter()
            .filter(|(p, _)| keep(p, command, &bindings))
            .collect(),
        heredocs: lexer.heredocs_done,
        backticks: lexer.backticks,
        option_slots: lexer.option_slots,
    }
}

fn keep(p: &Placeholder, command: &str, bindings: &[(String, usize)]) -> bool {
    match p.notation {
        Notation::Angle => !is_html_tag(&command[p.range.clone()], command),
        Notation::Mustache => true,
        Notation::Dollar | Notation::Braced => {
            !AMBIENT.contains(&p.name.as_str())
                && !bindings
                    .iter()
                    .any(|(name, at)| *name == p.name && *at <= p.range.start)
        }
    }
}

fn is_html_tag(text: &str, command: &str) -> bool {
    let name = text.trim_start_matches('<').trim_end_matches('>');
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return false;
    }
    HTML_TAGS.contains(&name) || command.contains(&format!("</{name}>"))
}

/// A heredoc announced on the current line whose body starts at the next newline.
struct PendingHeredoc {
    word: Range<usize>,
    delimiter: String,
    quoted: bool,
    strip_tabs: bool,
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    i: usize,
    /// Where this lexer's script begins: looking back for the command a word belongs
    /// to stops here, not in the text of the shell that quotes the script.
    floor: usize,
    /// Where the innermost script begins, for the command a value lands in: the
    /// `floor`, or inside a `"…"` script of `sh -c` the start of that script.
    command_floor: usize,
    depth: usize,
    found: Vec<(Placeholder, Quoting)>,
    heredocs: Vec<PendingHeredoc>,
    heredocs_done: Vec<Heredoc>,
    backticks: Vec<Range<usize>>,
    option_slots: Vec<(usize, OptionSlot)>,
}

impl<'a> Lexer<'a> {
    /// A lexer over `src` (offsets stay those of `src`) starting at byte `start`.
    fn new(src: &'a str, start: usize, depth: usize) -> Self {
        Lexer {
            src,
            bytes: src.as_bytes(),
            i: start,
            floor: start,
            command_floor: start,
            depth,
            found: Vec::new(),
            heredocs: Vec::new(),
            heredocs_done: Vec::new(),
            backticks: Vec::new(),
            option_slots: Vec::new(),
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.i + ahead).copied()
    }

    fn rest(&self) -> &'a str {
        &self.src[self.i..]
    }

    /// Unquoted shell text, until `closer` (`)` of `$(…)`, or a backtick) or the end.
    fn bare(&mut self, closer: Option<u8>) {
        let mut parens = 0usize;
        while let Some(c) = self.peek(0) {
            match c {
                b')' if closer == Some(b')') && parens == 0 => {
                    self.i += 1;
                    return;
                }
                b'`' if closer == Some(b'`') => {
                    self.i += 1;
                    return;
                }
                b'(' => {
                    parens += 1;
                    self.i += 1;
                }
                b')' => {
                    parens = parens.saturating_sub(1);
                    self.i += 1;
                }
                b'\\' => self.skip_escape(),
                b'\'' if self.opens_script() => self.nested(|l| l.single_script()),
                b'\'' => self.single(),
                b'"' if self.opens_script() => self.nested(|l| l.double_script()),
                b'"' => self.nested(|l| l.double()),
                b'`' => self.backtick(),
                b'$' => self.dollar(Quoting::Bare),
                b'#' if self.at_word_start() => self.skip_comment(),
                b'<' if self.peek(1) == Some(b'<') => self.heredoc_operator(),
                b'<' => self.angle(Quoting::Bare),
                b'{' if self.peek(1) == Some(b'{') => self.mustache(Quoting::Bare),
                b'\n' => {
                    self.i += 1;
                    self.heredoc_bodies();
                }
                _ => self.skip_plain(|b| {
                    matches!(
                        b,
                        b')' | b'`'
                            | b'('
                            | b'\\'
                            | b'\''
                            | b'"'
                            | b'$'
                            | b'#'
                            | b'<'
                            | b'{'
                            | b'\n'
                    )
                }),
            }
        }
    }

    /// Runs `f` one level deeper, or skips the construct's opening if too deep.
    fn nested(&mut self, f: impl FnOnce(&mut Self)) {
        if self.depth >= MAX_DEPTH {
            self.advance_char();
            return;
        }
        self.depth += 1;
        f(self);
        self.depth -= 1;
    }

    /// A backslash and the character it escapes.
    fn skip_escape(&mut self) {
        self.i += 1;
        if self.i < self.bytes.len() {
            self.advance_char();
        }
    }

    /// Steps over the character at `self.i` and the plain text after it, up to the
    /// next byte `special` picks out (or the end): each of those characters would
    /// only have been stepped over one by one. The special bytes are ASCII, which
    /// UTF-8 never hides inside another character, so the stop is a boundary.
    fn skip_plain(&mut self, special: impl Fn(u8) -> bool) {
        self.advance_char();
        let rest = self.bytes.get(self.i..).unwrap_or_default();
        self.i += rest.iter().position(|&b| special(b)).unwrap_or(rest.len());
    }

    fn advance_char(&mut self) {
        // Commands are mostly ASCII: a byte below 0x80 is a whole character, no decoding.
        let width = match self.peek(0) {
            Some(b) if b < 0x80 => 1,
            _ => self.rest().chars().next().map_or(1, char::len_utf8),
        };
        self.i += width;
    }

    /// Inside `"…"`; `self.i` is at the opening quote.
    fn double(&mut self) {
        self.i += 1;
        while let Some(c) = self.peek(0) {
            match c {
                b'"' => {
                    self.i += 1;
                    return;
                }
                b'\\' if matches!(self.peek(1), Some(b'$' | b'`' | b'"' | b'\\' | b'\n')) => {
                    self.skip_escape()
                }
                b'$' => self.dollar(Quoting::Double),
                b'`' => self.backtick(),
                b'<' => self.angle(Quoting::Double),
                b'{' if self.peek(1) == Some(b'{') => self.mustache(Quoting::Double),
                _ => self.skip_plain(|b| matches!(b, b'"' | b'\\' | b'$' | b'`' | b'<' | b'{')),
            }
        }
    }

    /// Inside `'…'`; `self.i` is at the opening quote. Dollars are literal here.
    fn single(&mut self) {
        self.i += 1;
        while let Some(c) = self.peek(0) {
            match c {
                b'\'' => {
                    self.i += 1;
                    return;
                }
                b'<' => self.angle(Quoting::Single),
                b'{' if self.peek(1) == Some(b'{') => self.mustache(Quoting::Single),
                _ => self.skip_plain(|b| matches!(b, b'\'' | b'<' | b'{')),
            }
        }
    }

    /// The `'…'` script of `sh -c`: its text reaches the inner shell verbatim, so it is
    /// lexed as a shell script of its own and its contexts reported one level deeper.
    fn single_script(&mut self) {
        let start = self.i + 1;
        let end = self.rest()[1..]
            .find('\'')
            .map_or(self.bytes.len(), |n| start + n);
        let mut inner = Lexer::new(&self.src[..end], start, self.depth);
        inner.bare(None);
        self.found.extend(
            inner
                .found
                .into_iter()
                .map(|(p, q)| (p, q.inside_single_script())),
        );
        self.option_slots.extend(inner.option_slots);
        self.i = (end + 1).min(self.bytes.len());
    }

    /// The `"…"` script of `sh -c`: the outer shell expands `$X` and `<X>`-rewrites here
    /// before the inner shell parses the result. The inner shell's own quotes are the
    /// escaped `\"` and the plain `'`, tracked to know what the inner shell will see.
    fn double_script(&mut self) {
        // Where the inner shell is; `Deep*` is a quoted script for a third shell.
        #[derive(Clone, Copy, PartialEq)]
        enum At {
            Inner(Inner),
            DeepSingle,
            DeepDouble,
        }
        let mut at = At::Inner(Inner::Bare);
        self.i += 1;
        let outer_command_floor = std::mem::replace(&mut self.command_floor, self.i);
        while let Some(c) = self.peek(0) {
            let quoting = match at {
                At::Inner(inner) => Quoting::DoubleScript(inner),
                At::DeepSingle | At::DeepDouble => Quoting::Deep,
            };
            match (c, at) {
                (b'"', _) => {
                    self.i += 1;
                    break;
                }
                (b'\\', _) if self.peek(1) == Some(b'"') => {
                    at = match at {
                        At::Inner(Inner::Bare) if self.opens_script() => At::DeepDouble,
                        At::Inner(Inner::Bare) => At::Inner(Inner::Double),
                        At::Inner(Inner::Double) | At::DeepDouble => At::Inner(Inner::Bare),
                        other => other,
                    };
                    self.i += 2;
                }
                (b'\\', _) if matches!(self.peek(1), Some(b'$' | b'`' | b'\\' | b'\n')) => {
                    self.skip_escape()
                }
                (b'\'', At::Inner(Inner::Bare)) => {
                    at = if self.opens_script() {
                        At::DeepSingle
                    } else {
                        At::Inner(Inner::Single)
                    };
                    self.i += 1;
                }
                (b'\'', At::Inner(Inner::Single) | At::DeepSingle) => {
                    at = At::Inner(Inner::Bare);
                    self.i += 1;
                }
                (b'$', _) => self.dollar(quoting),
                (b'`', _) => self.backtick(),
                (b'<', _) => self.angle(quoting),
                (b'{', _) if self.peek(1) == Some(b'{') => self.mustache(quoting),
                _ => self.advance_char(),
            }
        }
        self.command_floor = outer_command_floor;
    }

    /// A backtick command substitution; `self.i` is at the opening backtick. Its span is
    /// kept: text inside it goes through one more round of backslash processing.
    fn backtick(&mut self) {
        self.i += 1;
        let start = self.i;
        self.nested(|l| l.bare(Some(b'`')));
        let end = self.i.saturating_sub(1).max(start);
        self.backticks.push(start..end);
    }

    /// Whether the quote at `self.i` opens a script another shell parses: the argument
    /// of `sh -c` / `bash -lc` / `su -c`, or any argument of `watch`, `eval`, `ssh HOST`.
    fn opens_script(&self) -> bool {
        static SHELL_C: Lazy<Regex> = Lazy::new(|| {
            Regex::new(
                r#"(?:^|[\s/;&|('"`])(?:(?:ba|da|z|k|mk|lk|ya|a)?sh(?:\s+(?:--?[a-zA-Z][\w-]*|[-+]o\s+[\w-]+))*\s+-[a-zA-Z]*c|(?:su|runuser)\s(?:.*\s)?(?:-c|--command=?))\s*$"#,
            )
            .expect("valid regex")
        });
        let line = &self.src[self.start_of(self.i, b"")..self.i];
        // Every `SHELL_C` match names a shell (`…sh`) or `su`/`runuser`: a plain
        // substring test rules most quotes out before the regex runs.
        let may_name_shell = line.contains("sh") || line.contains("su") || line.contains("runuser");
        (may_name_shell && SHELL_C.is_match(line)) || self.joins_into_script(self.i)
    }

    /// Whether byte `at` is in the arguments of a command that joins them with spaces
    /// and hands the result to a shell: `watch` (not `-x`), `eval`, or `ssh` after the
    /// host, wherever the command word sits in the simple command (`sudo -u app watch`,
    /// `if eval`, `x=1 eval`, `{ eval`). Erring toward a script only costs a quoted
    /// value; erring the other way runs a value as code.
    fn joins_into_script(&self, at: usize) -> bool {
        static JOINS: Lazy<Regex> = Lazy::new(|| {
            let ssh = r"ssh(?:\s+(?:-[46AaCfGgKkMNnqsTtVvXxYy]*[BbcDEeFIiJLlmOoPpQRSWw]\s*\S+|-[46AaCfGgKkMNnqsTtVvXxYy]+))*\s+[^\s-]\S*";
            Regex::new(&format!(r"(?:^|[\s!{{])(?:eval|watch|{ssh})\s")).expect("valid regex")
        });
        static WATCH_EXEC: Lazy<Regex> = Lazy::new(|| {
            Regex::new(r"(?:^|\s)watch\s(?:.*\s)?(?:-[a-zA-Z]*x[a-zA-Z]*|--exec)(?:\s|$)")
                .expect("valid regex")
        });
        let command = &self.src[self.start_of(at, b";&|(`")..at];
        // Every `JOINS` match holds one of these words: most commands are ruled out by
        // a substring test.
        let may_join =
            command.contains("eval") || command.contains("watch") || command.contains("ssh");
        may_join && JOINS.is_match(command) && !WATCH_EXEC.is_match(command)
    }

    /// Where the line (with `separators`: the simple command) holding byte `at` begins,
    /// not before this lexer's floor; a backslash-newline continues the line.
    fn start_of(&self, at: usize, separators: &[u8]) -> usize {
        self.start_above(at, separators, self.floor)
    }

    /// [`Lexer::start_of`], not before `floor`.
    fn start_above(&self, at: usize, separators: &[u8], floor: usize) -> usize {
        let mut i = at;
        while i > floor {
            let c = self.bytes[i - 1];
            let continued = c == b'\n' && i >= 2 && self.bytes[i - 2] == b'\\';
            if (c == b'\n' && !continued) || separators.contains(&c) {
                return i;
            }
            i -= 1;
        }
        floor
    }

    /// The option slot a placeholder at `at` sits in, if any, in the innermost command
    /// it lands in: [`option_slot_after`] reads the words before it and the part of its
    /// own word before it.
    fn option_slot(&self, at: usize) -> Option<OptionSlot> {
        let floor = self.command_floor.max(self.floor);
        let before = &self.src[self.start_above(at, b";&|(`", floor)..at];
        // Most commands name no such program: asked here, per placeholder, rather than
        // of every command's whole text up front.
        if !names_slot_program(before) {
            return None;
        }
        let (words, prefix) = words_up_to(before);
        option_slot_after(&words, &prefix)
    }

    fn at_word_start(&self) -> bool {
        self.i == 0
            || matches!(
                self.bytes[self.i - 1],
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')'
            )
    }

    fn skip_comment(&mut self) {
        match self.rest().find('\n') {
            Some(n) => self.i += n,
            None => self.i = self.bytes.len(),
        }
    }

    /// `$X`, `${…}`, `$(…)`, `$((…))`, `$'…'`, specials. `self.i` is at the `$`.
    fn dollar(&mut self, quoting: Quoting) {
        let start = self.i;
        match self.peek(1) {
            Some(b'(') => {
                self.i += 2;
                self.nested(|l| l.bare(Some(b')')));
            }
            Some(b'{') => self.braced(quoting),
            Some(b'\'') if quoting == Quoting::Bare => {
                self.i += 1;
                self.ansi_c_string();
            }
            Some(c) if c == b'_' || c.is_ascii_alphabetic() => {
                let len = identifier_len(&self.src[start + 1..]);
                let name = &self.src[start + 1..start + 1 + len];
                self.i = start + 1 + len;
                self.push(
                    name.to_string(),
                    None,
                    start..self.i,
                    Notation::Dollar,
                    quoting,
                );
            }
            _ => self.i += 1,
        }
    }

    /// `$'…'`: backslash escapes, no expansion.
    fn ansi_c_string(&mut self) {
        self.i += 1;
        while let Some(c) = self.peek(0) {
            match c {
                b'\\' => self.skip_escape(),
                b'\'' => {
                    self.i += 1;
                    return;
                }
                _ => self.advance_char(),
            }
        }
    }

    /// `${NAME}`, `${NAME:-default}`, `${#NAME}`, `${NAME%pat}`... `self.i` is at the `$`.
    fn braced(&mut self, quoting: Quoting) {
        let start = self.i;
        let Some(end) = matching_brace(self.bytes, start + 1) else {
            self.i = self.bytes.len();
            return;
        };
        self.i = end + 1;
        let inner = &self.src[start + 2..end];
        let inner = inner.strip_prefix('#').unwrap_or(inner);
        if inner.starts_with('!') {
            return; // indirection: the name is computed at run time
        }
        let len = identifier_len(inner);
        if len == 0 {
            return; // ${1}, ${@}, ${#}: positional or special
        }
        let name = &inner[..len];
        let default = default_of(&inner[len..]);
        self.push(
            name.to_string(),
            default,
            start..self.i,
            Notation::Braced,
            quoting,
        );
    }

    /// `<JWT>`, `<job-id>`; not `<(…)`, `< file`, `Vec<T>` nor `<=`.
    fn angle(&mut self, quoting: Quoting) {
        static ANGLE: Lazy<Regex> = Lazy::new(|| {
            // Words joined by `-` or `.`, or by single spaces (`<pod name>`, up to five
            // words), in any script (`<tu_contraseña>`, `<archivo.backup>`).
            Regex::new(r"^<(\p{L}[\p{L}\p{N}_]*(?:[-.][\p{L}\p{N}_]+)*(?: [\p{L}\p{N}_]+(?:[-.][\p{L}\p{N}_]+)*){0,4})>")
                .expect("valid regex")
        });
        let start = self.i;
        // `Vec<u8>`, `cat<file>` are not placeholders; `-p<PASSWORD>` is one (a short
        // option with its argument attached).
        let glued = start > 0
            && self.bytes[start - 1].is_ascii_alphanumeric()
            && !self.after_short_option(start);
        // A match ends at the first `>` after the `<` (no `>` inside it): the regex is
        // given that much of the text, not the rest of the command.
        let rest = self.rest();
        let candidate = rest[1..].find('>');
        match candidate.and_then(|n| ANGLE.captures(&rest[..n + 2])) {
            Some(c) if !glued && c[1].len() <= 64 && self.angle_ends(&c[0], &c[1]) => {
                let raw = c[1].to_string();
                self.i = start + c[0].len();
                self.push(
                    not_ambient(variable_name(&raw)),
                    None,
                    start..self.i,
                    Notation::Angle,
                    quoting,
                );
            }
            _ => self.i += 1,
        }
    }

    /// Whether the text before `at` is a short option alone in its word (`-p`).
    fn after_short_option(&self, at: usize) -> bool {
        at >= 2
            && self.bytes[at - 2] == b'-'
            && self.bytes[at - 1].is_ascii_alphabetic()
            && (at == 2 || self.bytes[at - 3].is_ascii_whitespace())
    }

    /// Whether a `<…>` match of several words is a placeholder: glued to a word after
    /// it (`<in out>file`), it reads as redirections, as the shell would take it.
    fn angle_ends(&self, matched: &str, words: &str) -> bool {
        !words.contains(' ')
            || !self
                .rest()
                .as_bytes()
                .get(matched.len())
                .is_some_and(|b| b.is_ascii_alphanumeric())
    }

    /// `{{name}}` / `{{ name }}`; not `{{.State}}` nor `{{json .Config}}` (Go templates).
    fn mustache(&mut self, quoting: Quoting) {
        static MUSTACHE: Lazy<Regex> = Lazy::new(|| {
            Regex::new(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)\s*\}\}")
                .expect("valid regex")
        });
        let start = self.i;
        match MUSTACHE.captures(self.rest()) {
            Some(c) if !TEMPLATE_WORDS.contains(&&c[1]) => {
                let raw = &c[1];
                let name = not_ambient(if raw.contains('-') {
                    variable_name(raw)
                } else {
                    raw.to_string()
                });
                self.i = start + c[0].len();
                self.push(name, None, start..self.i, Notation::Mustache, quoting);
            }
            _ => self.i += 2,
        }
    }

    /// `<<EOF`, `<<-'EOF'`, `<<"EOF"`; `<<<` is a here-string and just text.
    fn heredoc_operator(&mut self) {
        static HEREDOC: Lazy<Regex> = Lazy::new(|| {
            Regex::new(r#"^<<(-?)[ \t]*(?:'([^'\n]+)'|"([^"\n]+)"|\\?([A-Za-z0-9_.-]+))"#)
                .expect("valid regex")
        });
        if self.peek(2) == Some(b'<') {
            self.i += 3;
            return;
        }
        let Some(c) = HEREDOC.captures(self.rest()) else {
            self.i += 2;
            return;
        };
        let quoted = c.get(2).is_some() || c.get(3).is_some() || c[0].contains('\\');
        let delimiter = c
            .get(2)
            .or(c.get(3))
            .or(c.get(4))
            .map_or("", |m| m.as_str())
            .to_string();
        let operator_len = 2 + c[1].len();
        let blanks = c[0][operator_len..].len() - c[0][operator_len..].trim_start().len();
        let word = self.i + operator_len + blanks..self.i + c[0].len();
        self.i += c[0].len();
        self.heredocs.push(PendingHeredoc {
            word,
            delimiter,
            quoted,
            strip_tabs: !c[1].is_empty(),
        });
    }

    /// After a newline: the bodies of the heredocs announced on the line just ended.
    fn heredoc_bodies(&mut self) {
        for doc in std::mem::take(&mut self.heredocs) {
            let body_start = self.i;
            let (body_end, after) = heredoc_end(self.src, body_start, &doc);
            self.heredoc_body(body_start, body_end, doc.quoted);
            self.heredocs_done.push(Heredoc {
                word: doc.word,
                delimiter: doc.delimiter,
                quoted: doc.quoted,
                body: body_start..body_end,
            });
            self.i = after;
        }
    }

    fn heredoc_body(&mut self, start: usize, end: usize, quoted: bool) {
        let quoting = if quoted {
            Quoting::QuotedHeredoc
        } else {
            Quoting::Heredoc
        };
        self.i = start;
        while self.i < end {
            match self.bytes[self.i] {
                b'\\' if !quoted => self.skip_escape(),
                b'$' if !quoted => self.dollar(quoting),
                b'`' if !quoted => self.backtick(),
                b'<' => self.angle(quoting),
                b'{' if self.peek(1) == Some(b'{') => self.mustache(quoting),
                _ => self.advance_char(),
            }
        }
    }

    fn push(
        &mut self,
        name: String,
        default: Option<String>,
        range: Range<usize>,
        notation: Notation,
        quoting: Quoting,
    ) {
        let quoting = if quoting == Quoting::Bare && self.joins_into_script(range.start) {
            Quoting::JoinedScript
        } else {
            quoting
        };
        if let Some(slot) = self.option_slot(range.start) {
            self.option_slots.push((range.start, slot));
        }
        self.found.push((
            Placeholder {
                name,
                default,
                range,
                notation,
            },
            quoting,
        ));
    }
}

fn identifier_len(s: &str) -> usize {
    s.bytes()
        .enumerate()
        .take_while(|&(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()))
        .count()
}

/// Index of the `}` closing the `{` at `open`, counting nested `${…}` and skipping quotes.
fn matching_brace(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let c = bytes[i];
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), b'\\') => i += 1,
            (Some(_), _) => {}
            (None, b'\\') => i += 1,
            (None, b'\'' | b'"') => quote = Some(c),
            (None, b'{') => depth += 1,
            (None, b'}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The default of a braced expansion's operator part: `:-chatbot` → `chatbot`.
fn default_of(operator: &str) -> Option<String> {
    let value = [":-", ":=", "-", "="]
        .iter()
        .find_map(|op| operator.strip_prefix(op))?;
    Some(unquote(value))
}

/// Strips one level of shell quoting from a default (`"a b"` → `a b`), leaving it as
/// written when it is not a simple quoted word.
fn unquote(value: &str) -> String {
    if value.contains(['\'', '"', '\\']) {
        if let Some(words) = shlex::split(value) {
            if words.len() == 1 {
                return words.into_iter().next().unwrap_or_default();
            }
        }
    }
    value.to_string()
}

/// Where a heredoc body ends and where scanning resumes (after the delimiter line).
fn heredoc_end(src: &str, start: usize, doc: &PendingHeredoc) -> (usize, usize) {
    let mut line_start = start;
    while line_start < src.len() {
        let line_end = src[line_start..]
            .find('\n')
            .map_or(src.len(), |n| line_start + n);
        let line = &src[line_start..line_end];
        let line = if doc.strip_tabs {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if line.trim_end_matches('\r') == doc.delimiter {
            return (line_start, line_end);
        }
        line_start = line_end + 1;
    }
    (src.len(), src.len())
}

/// Names the command assigns itself, each with the offset from which the assignment
/// holds: `X=…` / `export X=…` / `local X` (after the value word), `for X in`,
/// `read [-r] X Y`, `mapfile -t X`, `getopts spec X`.
fn bound_names(command: &str) -> Vec<(String, usize)> {
    static ASSIGN: Lazy<Regex> = Lazy::new(|| {
        Regex::new(
            r"(?m)(?:^|[;&|(!{]|\b(?:then|do|else)\b)[ \t]*(?:(?:export|local|declare|readonly|typeset)(?:[ \t]+-[A-Za-z]+)*[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?\+?=",
        )
        .expect("valid regex")
    });
    static DECLARE: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"\b(?:local|declare|typeset)(?:[ \t]+-[A-Za-z]+)*((?:[ \t]+[A-Za-z_][A-Za-z0-9_]*)+)[ \t]*(?:$|[;&|\n])")
            .expect("valid regex")
    });
    static LOOP: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"\b(?:for|select)[ \t]+([A-Za-z_][A-Za-z0-9_]*)\b").expect("valid regex")
    });
    static READ: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"\b(read|mapfile|readarray|getopts)\b([^;&|\n)<>]*)").expect("valid regex")
    });
    // Each regex matches only text holding its keyword (they are case-sensitive): a
    // substring test skips the regexes that cannot match, which is most of them.
    let has = |words: &[&str]| words.iter().any(|w| command.contains(w));
    let mut out = Vec::new();
    if command.contains('=') {
        for c in ASSIGN.captures_iter(command) {
            let whole = c.get(0).map_or(0..0, |m| m.range());
            out.push((c[1].to_string(), word_end(command, whole.end)));
        }
    }
    if has(&["local", "declare", "typeset"]) {
        for c in DECLARE.captures_iter(command) {
            let at = c.get(0).map_or(0, |m| m.end());
            out.extend(c[1].split_whitespace().map(|n| (n.to_string(), at)));
        }
    }
    if has(&["for", "select"]) {
        for c in LOOP.captures_iter(command) {
            out.push((c[1].to_string(), c.get(0).map_or(0, |m| m.end())));
        }
    }
    if has(&["read", "mapfile", "getopts"]) {
        for c in READ.captures_iter(command) {
            let at = c.get(0).map_or(0, |m| m.end());
            out.extend(read_targets(&c[1], &c[2]).into_iter().map(|n| (n, at)));
        }
    }
    out
}

/// The variable names among the arguments of `read`/`mapfile`/`getopts`.
fn read_targets(builtin: &str, args: &str) -> Vec<String> {
    let flags_with_arg: &[u8] = match builtin {
        "read" => b"dinNptu",
        _ => b"dnOsuCc",
    };
    let is_getopts = builtin == "getopts";
    let words = shlex::split(args).unwrap_or_default();
    let mut names = Vec::new();
    let mut skip_next = false;
    let mut positional = 0;
    for w in &words {
        if skip_next {
            skip_next = false;
            continue;
        }
        if let Some(flags) = w.strip_prefix('-') {
            let last = flags.bytes().last();
            // `-a NAME`: the array it fills is ours to exclude.
            if last == Some(b'a') {
                continue;
            }
            skip_next = last.is_some_and(|b| flags_with_arg.contains(&b));
            continue;
        }
        positional += 1;
        if is_getopts && positional == 1 {
            continue; // the option spec
        }
        if identifier_len(w) == w.len() && !w.is_empty() {
            names.push(w.clone());
        }
    }
    names
}

/// End of the shell word starting at `start` (quotes and `$(…)` kept together).
fn word_end(s: &str, start: usize) -> usize {
    let bytes = s.as_bytes();
    let mut i = start;
    let mut parens = 0usize;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let c = bytes[i];
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(b'"'), b'\\') => i += 1,
            (Some(_), _) => {}
            (None, b'\\') => i += 1,
            (None, b'\'' | b'"') => quote = Some(c),
            (None, b'(') => parens += 1,
            (None, b')') if parens > 0 => parens -= 1,
            (None, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b')') if parens == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_of(command: &str) -> Vec<String> {
        scan(command).into_iter().map(|p| p.name).collect()
    }

    fn one(command: &str) -> Placeholder {
        let mut all = scan(command);
        assert_eq!(
            all.len(),
            1,
            "expected one placeholder in {command:?}: {all:?}"
        );
        all.remove(0)
    }

    #[test]
    fn angle_placeholders_in_seed_commands() {
        let p = one(r#"curl -H "Authorization: Bearer <JWT>" http://localhost:4000/api"#);
        assert_eq!(p.name, "JWT");
        assert_eq!(p.notation, Notation::Angle);
        assert_eq!(p.default, None);
        assert_eq!(
            names_of("http://localhost:4000/api/inbox/messages/<messageLogId>/retry"),
            ["MESSAGE_LOG_ID"]
        );
        assert_eq!(names_of("psql -c \"WHERE id = '<job-id>';\""), ["JOB_ID"]);
        assert_eq!(
            names_of("curl https://x/instance/status/<INSTANCE_NAME>"),
            ["INSTANCE_NAME"]
        );
    }

    #[test]
    fn angle_placeholders_of_several_words() {
        assert_eq!(names_of("kill <WORKER NAME> --dry-run"), ["WORKER_NAME"]);
        assert_eq!(names_of("kubectl logs <pod name> --tail=50"), ["POD_NAME"]);
        // Redirections stay redirections.
        assert!(scan("sort <in >out").is_empty());
        assert!(scan("sort <in out>file").is_empty());
        assert!(scan("while read l; do :; done <input > output").is_empty());
    }

    #[test]
    fn angle_and_mustache_placeholders_never_name_a_session_variable() {
        assert_eq!(
            names_of("psql -U <user> -c 'select 1'; ls <path> <home>"),
            ["USER_VALUE", "PATH_VALUE", "HOME_VALUE"]
        );
        assert_eq!(names_of("echo {{PATH}} {{user}}"), ["PATH_VALUE", "user"]);
        // `$USER` is the session's own and asks nobody for a value.
        assert!(scan("echo $USER").is_empty());
    }

    #[test]
    fn angle_range_covers_the_brackets() {
        let cmd = "echo <job-id> done";
        let p = one(cmd);
        assert_eq!(&cmd[p.range], "<job-id>");
    }

    #[test]
    fn angle_is_not_a_redirection_heredoc_or_process_substitution() {
        assert!(scan("sort < file.txt > out.txt").is_empty());
        assert!(scan("diff <(ls a) <(ls b)").is_empty());
        assert!(scan("cat <<EOF\nhello\nEOF").is_empty());
        assert!(scan("grep x <<< \"$(date)\"").is_empty());
        assert!(scan("if [ 1 -lt 2 ] && [ 3 -gt 2 ]; then :; fi").is_empty());
        assert!(scan("let x=a<b").is_empty());
        assert!(scan("rust Vec<String>").is_empty());
    }

    #[test]
    fn angle_placeholders_in_any_script_with_dots_and_after_a_short_option() {
        assert_eq!(
            names_of("export PGPASSWORD=\"<tu_contraseña>\""),
            ["TU_CONTRASENA"]
        );
        assert_eq!(
            names_of("pg_restore --clean ~/respaldos/<archivo.backup>"),
            ["ARCHIVO_BACKUP"]
        );
        assert_eq!(
            names_of("mysql -u root -p<db_password> -e 'SELECT 1'"),
            ["DB_PASSWORD"]
        );
        assert!(scan("rust Vec<u8> and cat<file>").is_empty());
        assert!(
            scan("x-p<y>").is_empty(),
            "not a short option alone in its word"
        );
        assert!(looks_secret("TU_CONTRASENA") && looks_secret("DB_PASS"));
        assert!(looks_secret("clave_api") && !looks_secret("BYPASS_CACHE"));
        assert!(
            !looks_secret("PWD") && !looks_secret("OLDPWD"),
            "the working directory"
        );
    }

    #[test]
    fn html_in_echo_is_not_a_placeholder() {
        assert!(
            scan(r#"echo "<html><body><p>maintenance</p></body></html>" > index.html"#).is_empty()
        );
        assert!(scan("echo '<br>'").is_empty());
        assert!(scan("echo '<title>Down</title>'").is_empty());
        assert_eq!(names_of("echo <title>"), ["TITLE"]);
        assert_eq!(names_of("echo <TOKEN>"), ["TOKEN"]);
    }

    #[test]
    fn dollar_and_braced() {
        let p = one("redis-cli -h $REDIS_HOST -p 6379 ping");
        assert_eq!(
            (p.name.as_str(), p.notation),
            ("REDIS_HOST", Notation::Dollar)
        );
        let cmd = "pg_isready -U ${POSTGRES_USER:-chatbot}";
        let p = one(cmd);
        assert_eq!(p.name, "POSTGRES_USER");
        assert_eq!(p.default.as_deref(), Some("chatbot"));
        assert_eq!(p.notation, Notation::Braced);
        assert_eq!(&cmd[p.range], "${POSTGRES_USER:-chatbot}");
        assert_eq!(one("echo ${X-d}").default.as_deref(), Some("d"));
        assert_eq!(one("echo ${X:=d}").default.as_deref(), Some("d"));
        assert_eq!(one("echo ${X}").default, None);
        assert_eq!(one("echo ${X:-\"a b\"}").default.as_deref(), Some("a b"));
        assert_eq!(one("echo ${X:-}").default.as_deref(), Some(""));
        assert_eq!(one("echo ${#X}").name, "X");
        assert_eq!(one("echo ${X%.txt}").default, None);
        assert_eq!(one("echo ${X:-${Y}}").default.as_deref(), Some("${Y}"));
    }

    #[test]
    fn dollars_in_double_quotes_and_command_substitution() {
        assert_eq!(
            names_of(r#"redis-cli -a "$REDIS_PASSWORD" ping"#),
            ["REDIS_PASSWORD"]
        );
        assert_eq!(names_of(r#"echo "$(cat $FILE)""#), ["FILE"]);
        assert_eq!(names_of("echo `cat $FILE`"), ["FILE"]);
        assert_eq!(names_of("echo $(( $N + 1 ))"), ["N"]);
    }

    #[test]
    fn specials_positionals_and_escapes_are_not_placeholders() {
        assert!(scan("echo $1 $? $# $@ $* $$ $! $- $0 ${1} ${@}").is_empty());
        assert!(scan(r"echo \$HOME_DIR").is_empty());
        assert!(scan(r#"echo "\$NOT_ME""#).is_empty());
        assert!(scan("echo ${!ref}").is_empty());
        assert!(scan("echo $'a\\'b'").is_empty());
    }

    #[test]
    fn single_quotes_hide_dollars_but_not_angles() {
        assert!(scan("awk '{print $1, $NF}' file").is_empty());
        assert!(scan("echo '$NOT_EXPANDED'").is_empty());
        assert_eq!(
            names_of("psql -c 'SELECT * FROM t WHERE id = <job-id>'"),
            ["JOB_ID"]
        );
        // A script for a nested shell: the inner shell expands it from the environment.
        assert_eq!(names_of("sh -c 'echo $REDIS_HOST'"), ["REDIS_HOST"]);
        assert_eq!(names_of("bash -lc 'echo $REDIS_HOST'"), ["REDIS_HOST"]);
        assert!(scan("psql -c 'SELECT $1'").is_empty());
    }

    #[test]
    fn quoting_context_is_reported() {
        let q = |cmd: &str| -> Vec<Quoting> {
            scan_detailed(cmd)
                .found
                .into_iter()
                .map(|(_, q)| q)
                .collect()
        };
        assert_eq!(q("echo <A>"), [Quoting::Bare]);
        assert_eq!(q("echo \"x <A> y\""), [Quoting::Double]);
        assert_eq!(q("echo 'x <A> y'"), [Quoting::Single]);
        assert_eq!(q("echo \"$(echo <A>)\""), [Quoting::Bare]);
        assert_eq!(q("echo \"'<A>'\""), [Quoting::Double]);
        assert_eq!(
            q("cat <<EOF\n<A> $B\nEOF\necho <C>"),
            [Quoting::Heredoc, Quoting::Heredoc, Quoting::Bare]
        );
        assert_eq!(q("cat <<'EOF'\n<A> $B\nEOF"), [Quoting::QuotedHeredoc]);
        assert_eq!(
            q("cat <<-\"EOF\"\n\t<A>\n\tEOF\n"),
            [Quoting::QuotedHeredoc]
        );
    }

    #[test]
    fn scripts_of_nested_shells_are_lexed_as_scripts() {
        let q = |cmd: &str| -> Vec<Quoting> {
            scan_detailed(cmd)
                .found
                .into_iter()
                .map(|(_, q)| q)
                .collect()
        };
        use Quoting::{DoubleScript, SingleScript};
        assert_eq!(
            q("sh -c 'echo <A> \"<B>\" $C'"),
            [
                SingleScript(Inner::Bare),
                SingleScript(Inner::Double),
                SingleScript(Inner::Bare)
            ]
        );
        assert_eq!(
            q(r#"bash -c "echo <A> \"<B>\" '<C>' $D""#),
            [
                DoubleScript(Inner::Bare),
                DoubleScript(Inner::Double),
                DoubleScript(Inner::Single),
                DoubleScript(Inner::Bare)
            ]
        );
        assert_eq!(
            q("docker compose exec db sh -c 'psql -c \"SELECT <A>\"'"),
            [SingleScript(Inner::Double)]
        );
        assert_eq!(q("sh -c 'bash -c \"echo <A>\"'"), [Quoting::Deep]);
        // psql -c is SQL, not a shell script.
        assert_eq!(q("psql -c 'SELECT <A>'"), [Quoting::Single]);
        // An escaped dollar in a double-quoted script belongs to the inner shell.
        assert!(q(r#"sh -c "echo \$INNER""#).is_empty());
    }

    #[test]
    fn quoted_heredocs_are_reported_with_their_delimiter_word() {
        for (cmd, word) in [
            ("cat <<'EOF'\nx <A>\nEOF\n", "'EOF'"),
            ("cat <<- \"SQL\"\n\tx\n\tSQL", "\"SQL\""),
            ("cat <<\\END\nx\nEND", "\\END"),
        ] {
            let scan = scan_detailed(cmd);
            assert_eq!(scan.heredocs.len(), 1, "{cmd:?}");
            let doc = &scan.heredocs[0];
            assert!(doc.quoted);
            assert_eq!(&cmd[doc.word.clone()], word);
            assert!(cmd[doc.body.clone()].starts_with(['x', '\t']));
        }
        let scan = scan_detailed("cat <<EOF\nx\nEOF");
        assert_eq!(
            (scan.heredocs[0].quoted, scan.heredocs[0].delimiter.as_str()),
            (false, "EOF")
        );
    }

    #[test]
    fn heredoc_bodies_expand_dollars_only_when_unquoted() {
        let cmd = "psql <<SQL\nSELECT * FROM jobs WHERE id = '<job-id>' AND q = '$QUEUE';\nSQL";
        assert_eq!(names_of(cmd), ["JOB_ID", "QUEUE"]);
        assert_eq!(
            names_of("psql <<'SQL'\nSELECT $1 FROM <TABLE>;\nSQL"),
            ["TABLE"]
        );
    }

    #[test]
    fn comments_are_skipped() {
        assert!(scan("# replace <JWT> with $TOKEN\n").is_empty());
        assert_eq!(names_of("curl $URL # with <JWT>"), ["URL"]);
        assert_eq!(names_of("echo a#<B>"), ["B"]);
    }

    #[test]
    fn mustache() {
        let p = one("curl {{api_url}}/health");
        assert_eq!(
            (p.name.as_str(), p.notation),
            ("api_url", Notation::Mustache)
        );
        assert_eq!(names_of("echo {{ name }}"), ["name"]);
        assert_eq!(names_of("echo {{job-id}}"), ["JOB_ID"]);
        assert!(scan("docker inspect --format '{{.State.Status}}' api").is_empty());
        assert!(scan("docker ps --format '{{json .}}'").is_empty());
        assert!(scan("kubectl get -o go-template='{{range .items}}{{.x}}{{end}}'").is_empty());
    }

    #[test]
    fn variables_the_command_sets_itself_are_excluded() {
        assert!(scan("for f in *.log; do gzip $f; done").is_empty());
        assert!(scan("X=$(date +%s); echo $X").is_empty());
        assert!(scan("export TS=now && echo \"$TS\"").is_empty());
        assert!(scan("while read -r line; do echo $line; done < f").is_empty());
        assert!(scan("read -p 'Name: ' who; echo $who").is_empty());
        assert!(scan("local n=1\necho ${n}").is_empty());
        assert!(scan("mapfile -t rows < f; echo ${rows}").is_empty());
        // Used before it is set, or set from itself: still needed.
        assert_eq!(names_of("echo $X; X=2"), ["X"]);
        assert_eq!(
            names_of("PGPASSWORD=$PGPASSWORD psql -h db"),
            ["PGPASSWORD"]
        );
        // `-e NAME=$NAME` is an argument, not an assignment.
        assert_eq!(
            names_of("docker run -e REDIS_HOST=$REDIS_HOST img"),
            ["REDIS_HOST"]
        );
    }

    #[test]
    fn ambient_environment_is_excluded() {
        assert!(scan("echo $HOME $PATH $USER $PWD $SHELL $HOSTNAME $RANDOM").is_empty());
        assert!(scan("cd ${HOME}/x").is_empty());
    }

    #[test]
    fn seed_commands_with_date_substitutions() {
        let cmd = "aws logs filter-log-events \\\n  --start-time $(date -u -d '1 hour ago' +%s)000 \\\n  -H \"X-Admin-Key: $ADMIN_KEY\"";
        assert_eq!(names_of(cmd), ["ADMIN_KEY"]);
        assert!(scan("pg_dump -f backups/chatbot_$(date +%Y%m%d_%H%M).dump").is_empty());
    }

    #[test]
    fn names_are_deduplicated_in_order() {
        assert_eq!(names("echo $B <a> $B ${A}"), ["B", "A"]);
    }

    #[test]
    fn variable_names_are_normalised() {
        assert_eq!(variable_name("job-id"), "JOB_ID");
        assert_eq!(variable_name("<job-id>"), "JOB_ID");
        assert_eq!(variable_name("INSTANCE_NAME"), "INSTANCE_NAME");
        assert_eq!(variable_name("messageLogId"), "MESSAGE_LOG_ID");
        assert_eq!(variable_name("HTTPServer"), "HTTP_SERVER");
        assert_eq!(variable_name("access_token"), "ACCESS_TOKEN");
        assert_eq!(variable_name("contraseña"), "CONTRASENA");
        assert_eq!(variable_name("2fa code"), "_2FA_CODE");
        assert_eq!(variable_name("--"), "_");
    }

    #[test]
    fn secret_looking_names() {
        for name in [
            "JWT",
            "ADMIN_TOKEN",
            "REDIS_PASSWORD",
            "EVOLUTION_API_KEY",
            "SENTRY_DSN",
            "aws_secret",
            "POOLED_DATABASE_URL",
            "REDIS_URL",
            "GPG_PASSPHRASE",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["REDIS_HOST", "API_URL", "JOB_ID", "INSTANCE_NAME"] {
            assert!(!looks_secret(name), "{name}");
        }
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for cmd in [
            "${",
            "${X",
            "$(",
            "'",
            "\"",
            "`",
            "<",
            "<<",
            "<<'",
            "{{",
            "\\",
            "$",
            "ééé<é>",
            "cat <<EOF",
            "${X:-\"}",
            "a\u{0}b<c>",
            "$((",
            "<<-",
            "$'",
        ] {
            let _ = scan(cmd);
        }
        let deep = "$(".repeat(10_000) + "<X>";
        let _ = scan(&deep);
        let deep = "\"$(".repeat(10_000);
        let _ = scan(&deep);
    }

    /// The placeholders of `command` that begin an option slot, with its program.
    fn slots_of(command: &str) -> Vec<(String, &'static str)> {
        let scan = scan_detailed(command);
        scan.found
            .iter()
            .filter_map(|(p, _)| {
                let (_, slot) = scan
                    .option_slots
                    .iter()
                    .find(|(at, _)| *at == p.range.start)?;
                Some((p.name.clone(), slot.program))
            })
            .collect()
    }

    #[test]
    fn the_host_of_ssh_is_an_option_slot_however_it_is_written() {
        for command in [
            "ssh <HOST> uptime",
            "ssh $HOST",
            "ssh \"$HOST\" 'uptime'",
            "ssh '<HOST>'",
            "ssh ${HOST:-db-1} df -h",
            "ssh {{HOST}}",
            "ssh <HOST>.internal",
            "ssh -p 2222 -i key.pem -l root <HOST>",
            "ssh -p2222 -vt <HOST>",
            "ssh -vp 2222 <HOST>",
            "ssh -q 2>/dev/null <HOST>",
            "/usr/bin/ssh <HOST>",
            "sudo -u ops ssh <HOST>",
            "sudo --user ops ssh <HOST>",
            "X=1 timeout -s KILL 5 ssh <HOST>",
            "env -u DISPLAY LANG=C ssh <HOST>",
            "if ssh <HOST> true; then :; fi",
            "true && ssh <HOST>",
            "echo \"$(ssh <HOST> hostname)\"",
            "watch -n 5 ssh <HOST> uptime",
            "eval ssh <HOST>",
            "ssh \\\n  <HOST> uptime",
            "ssh -J bastion bastion-2 ssh <HOST>",
            "sh -c 'ssh <HOST> uptime'",
            "bash -c \"ssh <HOST> uptime\"",
            "bash -c \"ssh \\\"<HOST>\\\" uptime\"",
            "ssh bastion 'ssh <HOST> uptime'",
            "cat <<EOF\nssh <HOST>\nEOF",
        ] {
            assert_eq!(
                slots_of(command),
                [("HOST".to_string(), "ssh")],
                "{command:?}"
            );
        }
    }

    #[test]
    fn other_words_of_an_ssh_command_are_not_slots() {
        for command in [
            "ssh ops@<HOST>",
            "ssh -l <USER> db-1",
            "ssh -p <PORT> db-1",
            "ssh -o <OPTION> db-1",
            "ssh -- <HOST>",
            "ssh db-1 <COMMAND>",
            "ssh db-1 ls <DIR>",
            "ssh db-1 -t <COMMAND>",
            "ssh db-1 -- <COMMAND>",
            "echo ssh <WORD>",
            "grep ssh <FILE>",
            "systemctl status ssh <UNIT>",
            "ssh-keygen -R <HOST>",
            "sudo -u <USER> ssh db-1",
            "timeout <DURATION> ssh db-1",
            "sh -c 'echo <HOST>'; ssh db-1",
            "git log <REV>",
            "kubectl logs -l <SELECTOR>",
            "docker logs <CONTAINER>",
        ] {
            assert_eq!(slots_of(command), [], "{command:?}");
        }
    }

    #[test]
    fn operands_of_scp_sftp_and_rsync_are_slots_not_their_options_arguments() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("scp <SRC> db-1:/tmp/", &[("SRC", "scp")]),
            ("scp -P 22 ./f <DEST>:/tmp/", &[("DEST", "scp")]),
            ("scp -P <PORT> -i <KEY> f db-1:", &[]),
            ("scp -- <SRC> db-1:", &[]),
            ("scp f ops@<HOST>:/tmp", &[]),
            ("sftp <HOST>", &[("HOST", "sftp")]),
            ("sftp -P 2222 -b batch <HOST>", &[("HOST", "sftp")]),
            (
                "rsync -av <SRC> <HOST>:/srv/",
                &[("SRC", "rsync"), ("HOST", "rsync")],
            ),
            (
                "rsync -e ssh --exclude <PATTERN> -f <RULE> ./ <DEST>",
                &[("DEST", "rsync")],
            ),
            ("rsync --rsh=ssh --delete <SRC> dst", &[("SRC", "rsync")]),
            ("rsync -a -- <SRC> dst", &[]),
        ];
        for (command, expected) in cases {
            let expected: Vec<(String, &str)> =
                expected.iter().map(|(n, p)| (n.to_string(), *p)).collect();
            assert_eq!(slots_of(command), expected, "{command:?}");
        }
    }

    /// Each command's slots, as (variable, program) pairs.
    fn assert_slots(cases: &[(&str, &[(&str, &str)])]) {
        for (command, expected) in cases {
            let expected: Vec<(String, &str)> =
                expected.iter().map(|(n, p)| (n.to_string(), *p)).collect();
            assert_eq!(slots_of(command), expected, "{command:?}");
        }
    }

    #[test]
    fn operands_of_git_transfers_are_slots_not_their_options_arguments() {
        assert_slots(&[
            ("git clone <URL>", &[("URL", "git")]),
            (
                "git clone --depth 1 -b main <URL> <DIR>",
                &[("URL", "git"), ("DIR", "git")],
            ),
            (
                "git clone https://example.com/r.git <DIR>",
                &[("DIR", "git")],
            ),
            ("git -C /srv/app fetch <REMOTE>", &[("REMOTE", "git")]),
            (
                "git -c http.sslVerify=true pull <REMOTE> main",
                &[("REMOTE", "git")],
            ),
            (
                "git --git-dir /srv/app.git push <REMOTE> <BRANCH>",
                &[("REMOTE", "git"), ("BRANCH", "git")],
            ),
            ("git ls-remote <URL> <PATTERN>", &[("URL", "git")]),
            ("git ls-remote --heads <URL>", &[("URL", "git")]),
            (
                "sudo -u deploy git fetch --all <REMOTE>",
                &[("REMOTE", "git")],
            ),
            ("git clone -- <URL> <DIR>", &[]),
            (
                "git clone -b <BRANCH> --upload-pack <PACK> https://x/r.git",
                &[],
            ),
            ("git clone https://<HOST>/r.git", &[]),
            ("git -C <DIR> fetch origin", &[]),
            ("git -c <CONFIG> clone https://x/r.git", &[]),
            ("git push origin --force-with-lease=<REF>", &[]),
            ("git checkout <BRANCH>", &[]),
            ("git commit -m <MESSAGE>", &[]),
        ]);
    }

    #[test]
    fn operands_of_curl_and_wget_are_slots_not_their_options_arguments() {
        assert_slots(&[
            ("curl <URL>", &[("URL", "curl")]),
            ("curl -fsS \"<URL>\"/health", &[("URL", "curl")]),
            ("curl -sS -o out.json <URL> | jq .", &[("URL", "curl")]),
            (
                "curl -X POST -d @body.json $API_URL",
                &[("API_URL", "curl")],
            ),
            (
                "curl -so /dev/null -w '%{http_code}' <URL>",
                &[("URL", "curl")],
            ),
            (
                "curl -H \"Authorization: Bearer <TOKEN>\" -d <DATA> --user <USER> https://x",
                &[],
            ),
            ("curl \"https://<HOST>:<PORT>/health\"", &[]),
            ("curl -- <URL>", &[]),
            ("wget -q <URL>", &[("URL", "wget")]),
            ("wget -O - --header <HEADER> <URL>", &[("URL", "wget")]),
            ("wget --output-document=<FILE> https://x", &[]),
        ]);
    }

    #[test]
    fn operands_of_kubectl_and_the_container_of_docker_exec_are_slots() {
        assert_slots(&[
            ("kubectl logs <POD>", &[("POD", "kubectl")]),
            ("kubectl logs -f --tail 100 <POD>", &[("POD", "kubectl")]),
            (
                "kubectl -n <NS> logs --tail <LINES> -c app <POD>",
                &[("POD", "kubectl")],
            ),
            (
                "kubectl delete pod <POD> --grace-period 0",
                &[("POD", "kubectl")],
            ),
            ("kubectl exec -it <POD> -- psql <DB>", &[("POD", "kubectl")]),
            (
                "kubectl port-forward svc/<SVC> <PORT>:80",
                &[("PORT", "kubectl")],
            ),
            ("kubectl get pods -o <FORMAT> -l <SELECTOR>", &[]),
            ("kubectl delete -f <FILE>", &[]),
            ("kubectl exec <POD> -- ls <DIR>", &[("POD", "kubectl")]),
            ("docker exec <CONTAINER> ls", &[("CONTAINER", "docker")]),
            (
                "docker exec -it -u postgres <CONTAINER> psql",
                &[("CONTAINER", "docker")],
            ),
            (
                "docker --context prod container exec -e A=1 <CONTAINER> sh",
                &[("CONTAINER", "docker")],
            ),
            ("docker exec -e <ENV> -w <DIR> app ls <PATH>", &[]),
            ("docker exec -- <CONTAINER> ls", &[]),
        ]);
    }

    #[test]
    fn jump_hosts_are_slots_and_ssh_behind_a_container_or_xargs_is_ssh() {
        assert_slots(&[
            ("ssh -J <JUMP> db-1", &[("JUMP", "ssh")]),
            ("ssh -J <JUMP> <HOST>", &[("JUMP", "ssh"), ("HOST", "ssh")]),
            ("ssh -vJ bastion,<JUMP> db-1", &[("JUMP", "ssh")]),
            ("ssh -J ops@<JUMP>:2222 db-1", &[("JUMP", "ssh")]),
            ("ssh -J$JUMP db-1", &[("JUMP", "ssh")]),
            ("ssh -qJbastion,<JUMP> db-1", &[("JUMP", "ssh")]),
            ("ssh -o ProxyJump=<JUMP> db-1", &[("JUMP", "ssh")]),
            ("ssh -o \"proxyjump <JUMP>\" db-1", &[("JUMP", "ssh")]),
            ("ssh -oProxyJump=ssh://<JUMP> db-1", &[("JUMP", "ssh")]),
            ("ssh db-1 -J <JUMP> uptime", &[("JUMP", "ssh")]),
            ("scp -J <JUMP> f db-1:/tmp/", &[("JUMP", "scp")]),
            ("sftp -J <JUMP> db-1", &[("JUMP", "sftp")]),
            // The rest of the word is not looked at: a login there is taken for a host.
            ("ssh -J <LOGIN>@bastion db-1", &[("LOGIN", "ssh")]),
            ("ssh -J bastion:<PORT> db-1", &[]),
            ("ssh -o User=<USER> db-1", &[]),
            ("ssh -o ProxyCommand=<COMMAND> db-1", &[]),
            ("docker exec app ssh <HOST> uptime", &[("HOST", "ssh")]),
            ("docker exec -it app ssh -J <JUMP> db-1", &[("JUMP", "ssh")]),
            ("kubectl exec -it toolbox -- ssh <HOST>", &[("HOST", "ssh")]),
            (
                "kubectl -n ops exec toolbox -c shell -- sudo ssh <HOST>",
                &[("HOST", "ssh")],
            ),
            ("echo uptime | xargs ssh <HOST>", &[("HOST", "ssh")]),
            ("xargs -n 1 -P 4 -I {} ssh <HOST> {}", &[("HOST", "ssh")]),
            ("kubectl exec toolbox -- echo ssh <HOST>", &[]),
        ]);
    }

    proptest::proptest! {
        #[test]
        fn scanning_any_text_never_panics_and_ranges_are_valid(
            cmd in "[<>{}$'\"`\\()a-zA-Z_ \n#:=-]{0,60}|\\PC{0,60}"
        ) {
            for (p, _) in scan_detailed(&cmd).found {
                proptest::prop_assert!(cmd.get(p.range.clone()).is_some());
                proptest::prop_assert!(!p.name.is_empty());
            }
        }
    }
}
