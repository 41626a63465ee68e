//! Variables: sources and precedence, shell-safe substitution, which are secret.
//!
//! Values never become shell code. Every value reaches the command as an environment
//! variable (the way mask and docker's `env_file` do it), and the placeholders written in
//! the command text are rewritten into quoted references to those variables, quoted for
//! the context they sit in. `$(touch /tmp/pwned)` as a value is then only ever data.
//! Data can still be read as an option by the program it reaches: a value starting with
//! `-` where `ssh` expects its host is refused before it runs ([`refusals`]).

use crate::error::{Error, Result};
use crate::graph::{Playbook, Variable};
use crate::placeholder::{self, Heredoc, Inner, Notation, Placeholder, Quoting, Scan};
use crate::redact;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Variable values for a session, and which of them are secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bindings {
    values: BTreeMap<String, String>,
    secret: BTreeSet<String>,
}

impl Bindings {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Binds `name`; it is secret if `secret` says so or its name looks secret
    /// ([`placeholder::looks_secret`]). Once secret, a name stays secret.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>, secret: bool) {
        let name = name.into();
        if secret || placeholder::looks_secret(&name) {
            self.secret.insert(name.clone());
        }
        self.values.insert(name, value.into());
    }

    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    pub fn is_secret(&self, name: &str) -> bool {
        self.secret.contains(name)
    }

    /// The values to mask in everything shown or written (empty values excluded:
    /// there is nothing to mask in them).
    pub fn secret_values(&self) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(name, value)| self.secret.contains(*name) && !value.is_empty())
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Every binding, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The bindings as environment entries for a command.
    pub fn env(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// What [`resolve`] found: the values, and the variables nobody gave a value for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolution {
    pub bindings: Bindings,
    pub missing: Vec<Variable>,
}

/// Binds every variable the playbook needs, in order of precedence: `--var`, the answers
/// file's `vars:`, `--env-file` files (later files override earlier ones), the process
/// environment, front-matter defaults, then `${VAR:-default}` defaults.
///
/// Every `--var`, answers and env-file entry is bound even if no placeholder uses it:
/// all of them are exported to the commands. The process environment is consulted only
/// for the variables the playbook needs (commands inherit it anyway).
pub fn resolve(
    playbook: &Playbook,
    cli: &[(String, String)],
    env_files: &[PathBuf],
    answers: &BTreeMap<String, String>,
) -> Result<Resolution> {
    let needed = needed_variables(playbook);
    let is_secret = |name: &str| playbook.variable(name).is_some_and(|v| v.secret);
    let mut bindings = Bindings::new();
    let bind = |bindings: &mut Bindings, name: &str, value: &str| -> Result<()> {
        if !bindings.contains(name) {
            check_value(name, value)?;
            bindings.set(name, value, is_secret(name));
        }
        Ok(())
    };

    for (name, value) in cli {
        check_name(name, "--var")?;
        bind(&mut bindings, name, value)?;
    }
    for (name, value) in answers {
        check_name(name, "the answers file")?;
        bind(&mut bindings, name, value)?;
    }
    for (name, value) in read_env_files(env_files)? {
        bind(&mut bindings, &name, &value)?;
    }
    for var in &needed {
        if let Ok(value) = std::env::var(&var.name) {
            bind(&mut bindings, &var.name, &value)?;
        }
    }
    for var in &needed {
        if let Some(default) = &var.default {
            bind(&mut bindings, &var.name, default)?;
        }
    }
    for p in playbook_placeholders(playbook) {
        if let Some(default) = &p.default {
            bind(&mut bindings, &p.name, default)?;
        }
    }

    let missing = needed
        .into_iter()
        .filter(|v| !bindings.contains(&v.name))
        .collect();
    Ok(Resolution { bindings, missing })
}

/// The playbook's declared variables plus any placeholder its commands use that the
/// declaration missed, each once, declared ones first.
fn needed_variables(playbook: &Playbook) -> Vec<Variable> {
    let mut needed: Vec<Variable> = playbook.variables.clone();
    for p in playbook_placeholders(playbook) {
        if !needed.iter().any(|v| v.name == p.name) {
            needed.push(Variable {
                secret: placeholder::looks_secret(&p.name),
                name: p.name,
                default: None,
                description: None,
            });
        }
    }
    needed
}

fn playbook_placeholders(playbook: &Playbook) -> impl Iterator<Item = Placeholder> + '_ {
    playbook
        .nodes
        .iter()
        .filter_map(|n| n.command.as_deref())
        .flat_map(placeholder::scan)
}

/// A name given on the command line or in answers must be usable as an environment
/// variable, or the command could never see it.
fn check_name(name: &str, source: &str) -> Result<()> {
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{source}: `{name}` is not a valid variable name (letters, digits and _)"
        )))
    }
}

/// The environment cannot carry a NUL byte; say so instead of failing at spawn time.
fn check_value(name: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(Error::Usage(format!(
            "the value of {name} contains a NUL byte, which no command can receive"
        )));
    }
    Ok(())
}

/// Entries of the env files, later files overriding earlier ones.
fn read_env_files(paths: &[PathBuf]) -> Result<Vec<(String, String)>> {
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    for path in paths {
        for (name, value) in read_env_file(path)? {
            merged.insert(name, value);
        }
    }
    Ok(merged.into_iter().collect())
}

/// One dotenv file; a bad line is reported with the file and its line number.
fn read_env_file(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut entries = Vec::new();
    for item in dotenvy::Iter::new(text.as_bytes()) {
        match item {
            Ok(entry) => entries.push(entry),
            Err(dotenvy::Error::LineParse(line, at)) => {
                return Err(Error::Parse {
                    file: path.to_path_buf(),
                    line: line_number_of(&text, &line),
                    message: format!(
                        "cannot read this dotenv line at column {}: {}",
                        at + 1,
                        line.lines().next().unwrap_or_default()
                    ),
                });
            }
            Err(e) => {
                return Err(Error::Parse {
                    file: path.to_path_buf(),
                    line: 1,
                    message: e.to_string(),
                })
            }
        }
    }
    Ok(entries)
}

/// 1-based line where `fragment` (a logical dotenv line) starts in `text`. A line that
/// fails to parse fails wherever it appears, so its first occurrence is the one.
fn line_number_of(text: &str, fragment: &str) -> usize {
    let first = fragment.lines().next().unwrap_or_default().trim_end();
    text.lines()
        .position(|l| l.trim_end() == first)
        .map_or(1, |i| i + 1)
}

/// A command ready to run: the script for the shell, the environment carrying the
/// values, and the command as a person would type it: values substituted and
/// shell-quoted, secret ones already masked (the caller still runs its redactor over
/// it for secrets that are not variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub script: String,
    pub env: Vec<(String, String)>,
    pub display: String,
}

/// [`prepare_for`] with bash, the default shell.
pub fn prepare(command: &str, bindings: &Bindings) -> Prepared {
    prepare_for(command, bindings, "bash")
}

/// Rewrites the placeholders of `command` into quoted references to environment
/// variables and exports every binding: bare `<JWT>` → `"${JWT}"`, inside `"…"` →
/// `${JWT}`, inside `'…'` → close the quote, `"${JWT}"`, reopen. `$X` and `${X:-d}`
/// already are references and stay as written.
///
/// Three places need more, because a second parse follows:
/// - the `'…'` script of `sh -c` (also `su -c`, and any argument of `watch`, `eval`,
///   `ssh HOST`): the inner shell parses it. Where the inner shell sees the placeholder
///   bare, bash splices the value single-quoted at expansion time ([`quoted_expansion`],
///   so it also works in `docker exec … sh -c` and over ssh, whose environment is not
///   ours); inside the inner shell's quotes the script refers to its inherited
///   environment;
/// - the `"…"` script of `sh -c`: the outer shell expands into it, so even `$X` must not
///   land there raw; it becomes the quoted expansion (bash) or an escaped `\${X}` for the
///   inner shell;
/// - an unquoted argument that `watch`, `eval` or `ssh HOST` join into a script: the
///   quoted expansion, with bash; other shells leave it as written;
/// - a `<<'EOF'` body expands nothing: the heredoc is turned into an unquoted one whose
///   literal text is escaped, so the values arrive by expansion (a value holding the
///   delimiter line cannot end the heredoc early).
///
/// A placeholder in a script inside a script is left as written: there is no safe way
/// to thread a value through that many parses.
pub fn prepare_for(command: &str, bindings: &Bindings, shell: &str) -> Prepared {
    let bash = is_bash(shell);
    let scan = placeholder::scan_detailed(command);
    let script = apply_edits(command, script_edits(command, &scan, bindings, bash));
    let display = apply_edits(command, display_edits(&scan, bindings, bash));
    Prepared {
        script,
        env: bindings.env(),
        display,
    }
}

/// A value a command may not be given: it would begin an argument that the program
/// reads as an option when it starts with `-` ([`placeholder::OptionSlot`]). Quoting
/// keeps a value from being shell code; it cannot keep `ssh` from reading
/// `-oProxyCommand=…` in its host's place as an option, which runs a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub variable: String,
    pub slot: placeholder::OptionSlot,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A list of jump hosts may hide its `-` after a comma.
        let starts = if self.slot.hops {
            "has a host starting"
        } else {
            "starts"
        };
        write!(
            f,
            "the value of {} {starts} with `-`: {} would read it as an option (options can \
             run commands), not as {}",
            self.variable, self.slot.program, self.slot.expects
        )
    }
}

/// The values of `command`'s placeholders that would reach a program as options,
/// each variable once. A placeholder that stays as written (a script inside a
/// script) gives no value, unless it is a `$X` the innermost shell expands.
pub fn refusals(command: &str, bindings: &Bindings, shell: &str) -> Vec<Refusal> {
    let scan = placeholder::scan_detailed(command);
    if scan.option_slots.is_empty() {
        return Vec::new();
    }
    let bash = is_bash(shell);
    let mut out: Vec<Refusal> = Vec::new();
    for (p, quoting) in &scan.found {
        let expanded = matches!(p.notation, Notation::Dollar | Notation::Braced);
        if !substituted(*quoting, bash) && !expanded {
            continue;
        }
        let Some((_, slot)) = scan
            .option_slots
            .iter()
            .find(|(at, _)| *at == p.range.start)
        else {
            continue;
        };
        let dashed = bindings
            .get(&p.name)
            .is_some_and(|v| slot.reads_as_option(v));
        if dashed && !out.iter().any(|r| r.variable == p.name) {
            out.push(Refusal {
                variable: p.name.clone(),
                slot: *slot,
            });
        }
    }
    out
}

/// Whether `shell` is bash, the one shell that can quote a value as it expands it.
pub(crate) fn is_bash(shell: &str) -> bool {
    Path::new(shell)
        .file_name()
        .is_some_and(|name| name == "bash")
}

/// A replacement of a byte range of the command.
type Edit = (Range<usize>, String);

/// `command` with the edits applied; an edit overlapping an earlier one is dropped.
fn apply_edits(command: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(command.len() + edits.len() * 8);
    let mut copied = 0;
    for (range, text) in edits {
        if range.start < copied {
            continue;
        }
        out.push_str(&command[copied..range.start]);
        out.push_str(&text);
        copied = range.end;
    }
    out.push_str(&command[copied..]);
    out
}

fn script_edits(command: &str, scan: &Scan, bindings: &Bindings, bash: bool) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut handled: Vec<Range<usize>> = Vec::new();
    for doc in scan.heredocs.iter().filter(|doc| doc.quoted) {
        let inside: Vec<&Placeholder> = scan
            .found
            .iter()
            .filter(|(p, q)| *q == Quoting::QuotedHeredoc && doc.body.contains(&p.range.start))
            .map(|(p, _)| p)
            .collect();
        if inside.is_empty() {
            continue;
        }
        handled.push(doc.body.clone());
        edits.extend(quoted_heredoc_edits(command, doc, &inside, bindings));
    }
    for (p, quoting) in &scan.found {
        if handled.iter().any(|body| body.contains(&p.range.start)) {
            continue;
        }
        if let Some(text) = script_reference(p, *quoting, bindings, bash) {
            edits.push((p.range.clone(), text));
        }
    }
    edits
}

/// A `<<'EOF'` body with placeholders becomes an unquoted heredoc: the delimiter loses
/// its quotes, the literal text is escaped so it still reads literally, and each
/// placeholder becomes `${NAME}`. A delimiter that cannot be written unquoted keeps the
/// heredoc as is, with values written in literally unless one holds the delimiter line.
fn quoted_heredoc_edits(
    command: &str,
    doc: &Heredoc,
    inside: &[&Placeholder],
    bindings: &Bindings,
) -> Vec<Edit> {
    let plain = !doc.delimiter.is_empty()
        && doc
            .delimiter
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !plain {
        return inside
            .iter()
            .filter_map(|p| {
                let value = bindings.get(&p.name)?;
                (!ends_heredoc(value, doc)).then(|| (p.range.clone(), value.to_string()))
            })
            .collect();
    }
    let mut body = String::with_capacity(doc.body.len() + 16);
    let mut copied = doc.body.start;
    for p in inside {
        body.push_str(&escape_heredoc_text(&command[copied..p.range.start]));
        body.push_str(&format!("${{{}}}", p.name));
        copied = p.range.end;
    }
    body.push_str(&escape_heredoc_text(&command[copied..doc.body.end]));
    vec![
        (doc.word.clone(), doc.delimiter.clone()),
        (doc.body.clone(), body),
    ]
}

/// Whether `value`, written into the heredoc's body, would end it early.
fn ends_heredoc(value: &str, doc: &Heredoc) -> bool {
    value
        .split('\n')
        .any(|line| line.trim_start_matches('\t') == doc.delimiter)
}

/// Text that reads literally in an unquoted heredoc body.
fn escape_heredoc_text(text: &str) -> String {
    escape_chars(text, &['\\', '$', '`'])
}

fn script_reference(
    p: &Placeholder,
    quoting: Quoting,
    bindings: &Bindings,
    bash: bool,
) -> Option<String> {
    let name = &p.name;
    let is_reference = matches!(p.notation, Notation::Dollar | Notation::Braced);
    let text = match quoting {
        _ if is_reference
            && !matches!(quoting, Quoting::DoubleScript(_) | Quoting::JoinedScript) =>
        {
            return None
        }
        Quoting::Bare => format!("\"${{{name}}}\""),
        Quoting::Double | Quoting::Heredoc => format!("${{{name}}}"),
        Quoting::Single => format!("'\"${{{name}}}\"'"),
        Quoting::SingleScript(Inner::Bare) if bash => format!("'\"{}\"'", quoted_expansion(name)),
        Quoting::SingleScript(Inner::Bare) => format!("\"${{{name}}}\""),
        Quoting::SingleScript(Inner::Double | Inner::Heredoc) => format!("${{{name}}}"),
        // `$X` written by the author in a double-quoted script: unbound, it expands to
        // nothing (or its default, the author's own text); bound, it is rewritten below.
        Quoting::DoubleScript(_) | Quoting::JoinedScript
            if is_reference && !bindings.contains(name) =>
        {
            return None
        }
        // Joined with the other arguments and parsed again: one word, quoted for that
        // parse. Only bash can quote at expansion time; elsewhere it stays as written.
        Quoting::JoinedScript if bash => format!("\"{}\"", quoted_expansion(name)),
        Quoting::DoubleScript(Inner::Bare) if bash => quoted_expansion(name),
        Quoting::DoubleScript(Inner::Bare) => format!("\\\"\\${{{name}}}\\\""),
        Quoting::DoubleScript(Inner::Double) => format!("\\${{{name}}}"),
        Quoting::DoubleScript(Inner::Single) => format!("'\\\"\\${{{name}}}\\\"'"),
        Quoting::QuotedHeredoc
        | Quoting::SingleScript(Inner::Single | Inner::QuotedHeredoc)
        | Quoting::DoubleScript(Inner::Heredoc | Inner::QuotedHeredoc)
        | Quoting::JoinedScript
        | Quoting::Deep => return None,
    };
    Some(text)
}

/// Bash text that, inside `"…"`, expands to the value of `name` single-quoted for any
/// POSIX shell (`'` becomes `'\''`): unlike `${X@Q}`, whose `$'…'` form for control
/// characters `sh` (dash) does not read, which `watch` and `ssh` hand their script to.
fn quoted_expansion(name: &str) -> String {
    format!(r"'${{{name}//\'/\'\\\'\'}}'")
}

fn display_edits(scan: &Scan, bindings: &Bindings, bash: bool) -> Vec<Edit> {
    scan.found
        .iter()
        .filter(|(_, quoting)| substituted(*quoting, bash))
        .filter_map(|(p, quoting)| {
            let value = bindings.get(&p.name)?;
            // A secret is masked here, not left to the caller's redactor: quoted for the
            // shell (`\"`, `'\''`), it no longer reads as the value the redactor knows.
            if bindings.is_secret(&p.name) {
                return Some((p.range.clone(), redact::mask(redact::Rule::SecretValue)));
            }
            // `${X:-d}` with X empty reads as `d` and `${X-d}` as nothing: let the shell say.
            if p.notation == Notation::Braced && value.is_empty() {
                return None;
            }
            // Written out, such a value would end the heredoc: show the placeholder.
            let in_doc = scan
                .heredocs
                .iter()
                .find(|d| d.body.contains(&p.range.start));
            if in_doc.is_some_and(|doc| ends_heredoc(value, doc)) {
                return None;
            }
            let mut text = display_value(value, *quoting);
            // Inside `…` the shell removes one level of backslashes before parsing.
            for span in &scan.backticks {
                if span.contains(&p.range.start) {
                    text = escape_chars(&text, &['\\', '`', '$']);
                }
            }
            Some((p.range.clone(), text))
        })
        .collect()
}

/// Whether a placeholder in this context receives its value ([`script_reference`]
/// leaves the others as written, and so does the display).
pub(crate) fn substituted(quoting: Quoting, bash: bool) -> bool {
    match quoting {
        Quoting::JoinedScript => bash,
        Quoting::SingleScript(Inner::Single | Inner::QuotedHeredoc)
        | Quoting::DoubleScript(Inner::Heredoc | Inner::QuotedHeredoc)
        | Quoting::Deep => false,
        _ => true,
    }
}

/// How a value reads in the displayed command, quoted for where it sits, so that the
/// displayed command pasted into bash means what the prepared script does.
fn display_value(value: &str, quoting: Quoting) -> String {
    match quoting {
        Quoting::Bare => shell_quote(value),
        Quoting::Double => escape_for_double_quotes(value),
        Quoting::Heredoc => escape_heredoc_text(value),
        Quoting::Single => escape_for_single_quotes(value),
        Quoting::QuotedHeredoc | Quoting::Deep => value.to_string(),
        Quoting::JoinedScript => shell_quote(&shell_quote(value)),
        Quoting::SingleScript(inner) => escape_for_single_quotes(&inner_display(value, inner)),
        Quoting::DoubleScript(inner) => escape_for_double_quotes(&inner_display(value, inner)),
    }
}

fn inner_display(value: &str, inner: Inner) -> String {
    match inner {
        Inner::Bare => shell_quote(value),
        Inner::Double => escape_for_double_quotes(value),
        Inner::Single => escape_for_single_quotes(value),
        Inner::Heredoc => escape_heredoc_text(value),
        Inner::QuotedHeredoc => value.to_string(),
    }
}

/// `value` as one shell word. Values cannot hold NUL ([`resolve`] refuses them), the
/// only thing shlex declines to quote.
fn shell_quote(value: &str) -> String {
    match shlex::try_quote(value) {
        Ok(quoted) => quoted.into_owned(),
        Err(_) => format!("'{}'", escape_for_single_quotes(&value.replace('\0', ""))),
    }
}

fn escape_for_double_quotes(value: &str) -> String {
    escape_chars(value, &['\\', '$', '`', '"'])
}

/// Inside `'…'` nothing can be escaped: close the quote, write `\'`, reopen.
fn escape_for_single_quotes(value: &str) -> String {
    value.replace('\'', r"'\''")
}

fn escape_chars(text: &str, special: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if special.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Node, NodeKind};
    use std::io::Write;

    fn bindings(pairs: &[(&str, &str)]) -> Bindings {
        let mut b = Bindings::new();
        for (k, v) in pairs {
            b.set(*k, *v, false);
        }
        b
    }

    fn playbook(commands: &[&str], variables: Vec<Variable>) -> Playbook {
        Playbook {
            id: "t".into(),
            variables,
            nodes: commands
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut n = Node::new(format!("s{i}"), NodeKind::Check, "step", i + 1);
                    n.command = Some(c.to_string());
                    n
                })
                .collect(),
            ..Playbook::default()
        }
    }

    fn var(name: &str, default: Option<&str>, secret: bool) -> Variable {
        Variable {
            name: name.into(),
            default: default.map(String::from),
            secret,
            description: None,
        }
    }

    fn env_file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(text.as_bytes()).expect("write env file");
        f
    }

    #[test]
    fn bindings_remember_secrets() {
        let mut b = Bindings::new();
        b.set("REDIS_HOST", "localhost", false);
        b.set("ADMIN_TOKEN", "t0k", false);
        b.set("INSTANCE", "inst-1", true);
        b.set("EMPTY_SECRET", "", true);
        assert!(!b.is_secret("REDIS_HOST"));
        assert!(b.is_secret("ADMIN_TOKEN"));
        assert!(b.is_secret("INSTANCE"));
        let mut secrets = b.secret_values();
        secrets.sort();
        assert_eq!(secrets, ["inst-1", "t0k"]);
        assert_eq!(b.get("REDIS_HOST"), Some("localhost"));
        assert_eq!(b.iter().count(), 4);
    }

    #[test]
    fn precedence_cli_answers_env_file_environment_defaults() {
        let pb = playbook(
            &["echo $A $B $C $D ${E:-from-braced} ${F:-braced-loses}"],
            vec![
                var("D", Some("front-matter"), false),
                var("F", Some("front"), false),
            ],
        );
        let file = env_file("A=file\nB=file\nC=file\nEXTRA=only-in-file\n");
        let cli = vec![("A".to_string(), "cli".to_string())];
        let answers = BTreeMap::from([
            ("A".to_string(), "answers".to_string()),
            ("B".to_string(), "answers".to_string()),
        ]);
        let r = resolve(&pb, &cli, &[file.path().to_path_buf()], &answers).expect("resolve");
        let b = &r.bindings;
        assert_eq!(b.get("A"), Some("cli"));
        assert_eq!(b.get("B"), Some("answers"));
        assert_eq!(b.get("C"), Some("file"));
        assert_eq!(b.get("D"), Some("front-matter"));
        assert_eq!(b.get("E"), Some("from-braced"));
        assert_eq!(b.get("F"), Some("front"));
        assert_eq!(b.get("EXTRA"), Some("only-in-file"));
        assert!(r.missing.is_empty(), "{:?}", r.missing);
    }

    #[test]
    fn process_environment_comes_after_env_files_and_before_defaults() {
        // PATH is ambient (never a placeholder), so declare a variable that reads it.
        let pb = playbook(&["echo <X>"], vec![var("PATH", Some("default"), false)]);
        let r = resolve(&pb, &[], &[], &BTreeMap::new()).expect("resolve");
        assert_eq!(
            r.bindings.get("PATH").map(String::from),
            std::env::var("PATH").ok()
        );
        let file = env_file("PATH=/from/file\n");
        let r = resolve(&pb, &[], &[file.path().to_path_buf()], &BTreeMap::new()).expect("resolve");
        assert_eq!(r.bindings.get("PATH"), Some("/from/file"));
    }

    #[test]
    fn later_env_files_override_earlier_ones() {
        let first = env_file("REDIS_HOST=first\nREDIS_PORT=6379\n");
        let second = env_file("REDIS_HOST=second\n");
        let pb = playbook(&["redis-cli -h $REDIS_HOST -p $REDIS_PORT"], vec![]);
        let files = [first.path().to_path_buf(), second.path().to_path_buf()];
        let r = resolve(&pb, &[], &files, &BTreeMap::new()).expect("resolve");
        assert_eq!(r.bindings.get("REDIS_HOST"), Some("second"));
        assert_eq!(r.bindings.get("REDIS_PORT"), Some("6379"));
    }

    #[test]
    fn bad_env_file_line_names_file_and_line() {
        let file = env_file("# comment\nGOOD=1\nBAD LINE WITHOUT EQUALS\n");
        let pb = playbook(&["true"], vec![]);
        let err = resolve(&pb, &[], &[file.path().to_path_buf()], &BTreeMap::new())
            .expect_err("bad line");
        let text = err.to_string();
        assert!(text.contains(&file.path().display().to_string()), "{text}");
        assert!(text.contains(":3:"), "{text}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn missing_env_file_is_an_error_naming_it() {
        let pb = playbook(&["true"], vec![]);
        let err = resolve(&pb, &[], &["/nonexistent/.env".into()], &BTreeMap::new())
            .expect_err("missing file");
        assert!(err.to_string().contains("/nonexistent/.env"));
    }

    #[test]
    fn missing_lists_every_unbound_variable_once() {
        let pb = playbook(
            &[
                "curl -H \"Authorization: Bearer <JWT>\" $RB_TEST_UNSET_URL",
                "echo <JWT> <job-id>",
            ],
            vec![var("DECLARED_ONLY", None, false)],
        );
        let r = resolve(&pb, &[], &[], &BTreeMap::new()).expect("resolve");
        let names: Vec<&str> = r.missing.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            ["DECLARED_ONLY", "JWT", "RB_TEST_UNSET_URL", "JOB_ID"]
        );
        assert!(r.missing[1].secret);
    }

    #[test]
    fn secret_when_declared_or_named_like_one() {
        let pb = playbook(&["echo $INSTANCE $JWT"], vec![var("INSTANCE", None, true)]);
        let cli = vec![
            ("INSTANCE".to_string(), "i-1".to_string()),
            ("JWT".to_string(), "eyJ".to_string()),
            ("HOST".to_string(), "h".to_string()),
        ];
        let r = resolve(&pb, &cli, &[], &BTreeMap::new()).expect("resolve");
        assert!(r.bindings.is_secret("INSTANCE"));
        assert!(r.bindings.is_secret("JWT"));
        assert!(!r.bindings.is_secret("HOST"));
    }

    #[test]
    fn invalid_names_and_nul_values_are_usage_errors() {
        let pb = playbook(&["true"], vec![]);
        let bad_name = vec![("A-B".to_string(), "x".to_string())];
        let err = resolve(&pb, &bad_name, &[], &BTreeMap::new()).expect_err("bad name");
        assert_eq!(err.exit_code(), 2);
        let nul = vec![("A".to_string(), "x\0y".to_string())];
        assert!(resolve(&pb, &nul, &[], &BTreeMap::new()).is_err());
    }

    #[test]
    fn prepare_rewrites_each_quoting_context() {
        let b = bindings(&[("JWT", "v"), ("JOB_ID", "7"), ("name", "n")]);
        let p = |cmd: &str| prepare(cmd, &b).script;
        assert_eq!(p("echo <JWT>"), r#"echo "${JWT}""#);
        assert_eq!(p(r#"echo "Bearer <JWT>""#), r#"echo "Bearer ${JWT}""#);
        assert_eq!(p("echo 'id=<job-id>'"), r#"echo 'id='"${JOB_ID}"''"#);
        assert_eq!(p("echo {{name}}"), r#"echo "${name}""#);
        assert_eq!(p("echo $JWT ${JWT:-x}"), "echo $JWT ${JWT:-x}");
        assert_eq!(
            p("sh -c 'echo <JWT>'"),
            r#"sh -c 'echo '"'${JWT//\'/\'\\\'\'}'"''"#
        );
        assert_eq!(
            prepare_for("sh -c 'echo <JWT>'", &b, "/bin/sh").script,
            r#"sh -c 'echo "${JWT}"'"#
        );
        assert_eq!(
            p(r#"sh -c "echo <JWT> $JWT""#),
            r#"sh -c "echo '${JWT//\'/\'\\\'\'}' '${JWT//\'/\'\\\'\'}'""#
        );
        assert_eq!(
            p(r#"sh -c "echo \"<JWT>\"""#),
            r#"sh -c "echo \"\${JWT}\"""#
        );
        assert_eq!(p(r#"sh -c "echo $UNBOUND""#), r#"sh -c "echo $UNBOUND""#);
        assert_eq!(p("cat <<EOF\n<JWT>\nEOF"), "cat <<EOF\n${JWT}\nEOF");
        assert_eq!(
            p("cat <<'EOF'\n$HOME `x` \\ <JWT>\nEOF"),
            "cat <<EOF\n\\$HOME \\`x\\` \\\\ ${JWT}\nEOF"
        );
        assert_eq!(p("cat <<'E F'\n<JWT>\nE F"), "cat <<'E F'\nv\nE F");
        assert_eq!(
            p("cat <<'EOF'\nno placeholder $X\nEOF"),
            "cat <<'EOF'\nno placeholder $X\nEOF"
        );
        assert_eq!(
            p("sh -c 'bash -c \"echo <JWT>\"'"),
            "sh -c 'bash -c \"echo <JWT>\"'"
        );
        assert_eq!(prepare("echo <JWT>", &b).env.len(), 3);
    }

    #[test]
    fn display_substitutes_quoted_values() {
        let b = bindings(&[
            ("A", "it's \"quoted\" $(x)"),
            ("REDIS_HOST", "localhost"),
            ("P", "a b"),
        ]);
        let d = |cmd: &str| prepare(cmd, &b).display;
        assert_eq!(d("redis-cli -h $REDIS_HOST"), "redis-cli -h localhost");
        assert_eq!(d("echo ${P:-x}"), "echo 'a b'");
        assert_eq!(d(r#"echo "<A>""#), r#"echo "it's \"quoted\" \$(x)""#);
        assert_eq!(d("echo '<A>'"), r#"echo 'it'\''s "quoted" $(x)'"#);
        assert_eq!(d("echo <UNBOUND>"), "echo <UNBOUND>");
    }

    #[test]
    fn secrets_are_masked_in_the_display_however_they_are_quoted() {
        let mut b = Bindings::new();
        b.set("REDIS_PASSWORD", "s3cr\"et $(x) it's", false);
        b.set("HOST", "h", false);
        for cmd in [
            r#"redis-cli -h $HOST -a "$REDIS_PASSWORD" ping"#,
            "redis-cli -a $REDIS_PASSWORD",
            "echo '<REDIS_PASSWORD>'",
            "sh -c \"redis-cli -a \\\"$REDIS_PASSWORD\\\"\"",
        ] {
            let shown = prepare(cmd, &b).display;
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(shown.contains("«redacted"), "{shown}");
        }
        assert_eq!(prepare("redis-cli -h $HOST", &b).display, "redis-cli -h h");
    }

    #[test]
    fn displayed_commands_mean_the_same_to_a_shell() {
        let value = "it's \"quoted\" $(touch /nonexistent/x) `id`; a\nb";
        let b = bindings(&[("A", value)]);
        for cmd in ["printf %s <A>", r#"printf %s "<A>""#, "printf %s '<A>'"] {
            let shown = prepare(cmd, &b).display;
            let out = std::process::Command::new("bash")
                .args(["-c", &shown])
                .output()
                .expect("bash runs");
            assert_eq!(String::from_utf8_lossy(&out.stdout), value, "{shown}");
        }
    }

    #[test]
    fn refusals_name_each_variable_once_and_never_its_value() {
        let b = bindings(&[("HOST", "-oProxyCommand=x"), ("PORT", "-1"), ("OK", "db-1")]);
        let names = |cmd: &str, shell: &str| -> Vec<String> {
            refusals(cmd, &b, shell)
                .into_iter()
                .map(|r| r.variable)
                .collect()
        };
        assert_eq!(
            names("ssh <HOST> a; scp $HOST x:; ssh -p <PORT> <OK>", "bash"),
            ["HOST"]
        );
        assert_eq!(names("ssh <OK> ssh <HOST>", "bash"), ["HOST"]);
        // Under sh a joined `<HOST>` stays as written: no value reaches the inner ssh;
        // `$HOST` is expanded by the shell that runs it, whatever the depth.
        assert_eq!(names("ssh <OK> ssh <HOST>", "sh"), Vec::<String>::new());
        assert_eq!(names("ssh <OK> ssh $HOST", "sh"), ["HOST"]);
        assert_eq!(names("sh -c 'bash -c \"ssh $HOST\"'", "bash"), ["HOST"]);
        assert_eq!(
            names("sh -c 'bash -c \"ssh <HOST>\"'", "bash"),
            Vec::<String>::new()
        );
        let message = refusals("ssh <HOST>", &b, "bash")[0].to_string();
        assert!(
            message.contains("HOST") && message.contains("ssh"),
            "{message}"
        );
        assert!(!message.contains("ProxyCommand"), "{message}");
    }

    proptest::proptest! {
        #[test]
        fn preparing_any_command_never_panics(
            cmd in "[<>{}$'\"`\\()A-Z_ \n#:=-]{0,60}|(cat <<'?E'?\n[<A>$ a\n]{0,20}E\n?)|\\PC{0,40}"
        ) {
            let b = bindings(&[("A", "v'\"$"), ("B", "x"), ("E", "E")]);
            let p = prepare(&cmd, &b);
            proptest::prop_assert!(p.env.len() == 3);
            let _ = prepare_for(&cmd, &b, "sh");
        }
    }
}
