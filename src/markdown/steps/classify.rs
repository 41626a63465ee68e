//! What a code block holds: shell commands, sample output, data or SQL.

use crate::markdown::blocks::Code;
use crate::markdown::fence;
use crate::markdown::roles;
use crate::markdown::shell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    Shell,
    /// Sample output or prose.
    Output,
    /// YAML, JSON, PromQL, source code: never run.
    Data,
    Sql,
}

pub(super) const SHELL_LANGS: &[&str] = &[
    "bash",
    "sh",
    "shell",
    "zsh",
    "fish",
    "ksh",
    "console",
    "shell-session",
    "sh-session",
    "terminal",
    "shellsession",
    "shellscript",
    "bash-session",
    "cmd",
    "powershell",
    "ps1",
    "pwsh",
    "bat",
];

pub(super) const OUTPUT_LANGS: &[&str] = &[
    "text",
    "txt",
    "output",
    "log",
    "logs",
    "plaintext",
    "plain",
    "none",
    "out",
    "stdout",
    "nohighlight",
    "ansi",
];

pub(super) fn classify(lang: &str, body: &str) -> Class {
    if is_console_lang(lang) && !has_prompt(body) {
        // A transcript without `$ `: commands written bare, or a query for another
        // console (PromQL) that must stay visible instead of vanishing.
        return classify("", body);
    }
    if SHELL_LANGS.contains(&lang) {
        return Class::Shell;
    }
    if OUTPUT_LANGS.contains(&lang) {
        return Class::Output;
    }
    if matches!(
        lang,
        "sql" | "psql" | "pgsql" | "postgresql" | "postgres" | "mysql" | "plpgsql"
    ) {
        return Class::Sql;
    }
    if !lang.is_empty() {
        return Class::Data;
    }
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let Some(first) = lines.first() else {
        // Only comments: a shell block of notes.
        return if body.trim().is_empty() {
            Class::Output
        } else {
            Class::Shell
        };
    };
    let commandish = lines
        .iter()
        .filter(|l| shell::looks_like_command(l))
        .count();
    if shell::looks_like_command(first) && commandish * 2 >= lines.len() {
        Class::Shell
    } else {
        Class::Output
    }
}

/// A shell block that holds configuration text, shown and never run: lines in config
/// shape under a comment naming the file (`# redis.conf`, `# postgresql.conf`), or
/// without one, two or more `key value` lines whose values are numbers, sizes, quoted
/// strings or switches. Either way most keys must be no program (`timeout 0` is one).
pub(super) fn config_text(body: &str) -> bool {
    let settings = || {
        body.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
    };
    // Most blocks fail at their first line: test before collecting.
    if settings().next().is_none() || !settings().all(shell::is_config_line) {
        return false;
    }
    let lines: Vec<&str> = settings().collect();
    let keys = lines.iter().filter(|l| !matches!(**l, "{" | "}"));
    let programs = keys
        .clone()
        .filter(|l| shell::names_known_program(l))
        .count();
    let mostly_settings = programs * 2 < keys.clone().count();
    let names_file = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix('#'))
        .any(names_config_file);
    let valued = || {
        lines.len() >= 2
            && lines
                .iter()
                .all(|l| l.split_whitespace().skip(1).all(shell::is_config_value))
    };
    mostly_settings && (names_file || valued())
}

/// A shell block that holds a program in another language, shown and never run: a
/// shebang naming another interpreter, or a first line only Python writes
/// (`import requests`, `from x import y`, `def f(…):`, `class X:`). Run by a shell,
/// `import os` is ImageMagick taking a screenshot, and the rest are errors.
pub(super) fn foreign_source(body: &str) -> bool {
    let mut lines = body.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    if let Some(interpreter) = first.strip_prefix("#!") {
        return !shell_interpreter(interpreter);
    }
    let first = std::iter::once(first)
        .chain(lines)
        .find(|l| !l.starts_with('#'));
    first.is_some_and(python_only_line)
}

/// `/bin/bash`, `/usr/bin/env sh`: the shebang of a script a shell runs anyway.
fn shell_interpreter(shebang: &str) -> bool {
    let mut words = shebang.split_whitespace();
    let program = match words.next() {
        Some(p) if p.ends_with("/env") => words.find(|w| !w.starts_with('-')),
        other => other,
    };
    program
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .is_some_and(|name| SHELL_LANGS.contains(&name) || matches!(name, "dash" | "ash"))
}

/// A line no shell command looks like but Python's opening ones do.
fn python_only_line(line: &str) -> bool {
    static PYTHON: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(concat!(
            r"^(?:import\s+[A-Za-z_][\w.]*(?:\s+as\s+\w+)?(?:\s*,\s*[A-Za-z_][\w.]*(?:\s+as\s+\w+)?)*",
            r"|from\s+\.*[A-Za-z_][\w.]*\s+import\s+.+",
            r"|(?:async\s+)?def\s+[A-Za-z_]\w*\s*\(.*\)\s*(?:->.*)?:",
            r"|class\s+[A-Za-z_]\w*\s*(?:\(.*\))?\s*:",
            r")\s*(?:#.*)?$"
        ))
        .expect("static regex")
    });
    let starts_python = ["import ", "from ", "def ", "async ", "class "]
        .iter()
        .any(|p| line.starts_with(p));
    starts_python && PYTHON.is_match(line)
}

/// `# redis.conf`, `# /etc/mysql/my.cnf`, `(sshd_config)`.
fn names_config_file(comment: &str) -> bool {
    comment.split_whitespace().any(|w| {
        let w = w
            .trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .to_ascii_lowercase();
        [".conf", ".cnf", ".cfg", ".ini", ".properties", "_config"]
            .iter()
            .any(|ext| w.len() > ext.len() && w.ends_with(ext))
    })
}

pub(super) fn is_console_lang(lang: &str) -> bool {
    matches!(
        lang,
        "console" | "shell-session" | "sh-session" | "terminal" | "shellsession" | "bash-session"
    )
}

pub(super) fn has_prompt(body: &str) -> bool {
    body.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("$ ") || t.trim_end() == "$"
    })
}

/// A procedure written inside an unlabelled fence: `1. Check services` items with the
/// command indented under each. Returns it as a shell script with `# 1. …` headers (the
/// same lines, so line numbers hold); prose under an item becomes a comment.
pub(super) fn numbered_procedure(body: &str) -> Option<String> {
    let numbered = |l: &str| {
        let t = l.trim_start();
        l.len() - t.len() <= 3
            && t.split_once(['.', ')']).is_some_and(|(n, rest)| {
                !n.is_empty()
                    && n.len() <= 2
                    && n.bytes().all(|b| b.is_ascii_digit())
                    && rest.starts_with(' ')
            })
    };
    let first = body.lines().find(|l| !l.trim().is_empty())?;
    if !numbered(first) {
        return None;
    }
    let mut commands = 0;
    let mut out = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        if t.is_empty() {
            out.push(String::new());
        } else if numbered(line) {
            out.push(format!("# {t}"));
        } else if line.len() - line.trim_start().len() < 2 {
            return None;
        } else if shell::looks_like_command(t) {
            commands += 1;
            out.push(t.to_string());
        } else {
            out.push(format!("# {t}"));
        }
    }
    (commands > 0).then(|| out.join("\n"))
}

pub(super) fn is_shell_block(c: &Code) -> bool {
    classify(&fence::lang_of(&c.info), &c.body) == Class::Shell
}

pub(super) fn has_option_headers(body: &str) -> bool {
    body.lines()
        .filter_map(|l| l.trim().strip_prefix('#'))
        .filter(|c| roles::option_label(c))
        .count()
        >= 2
}
