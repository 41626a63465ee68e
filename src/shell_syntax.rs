//! Shell syntax of a document's commands, checked by the shell itself (`bash -n`) for
//! `lint`: a command that does not parse (an unterminated quote) should fail now, not
//! at 3 a.m. in the middle of an incident.

use crate::graph::{Node, Playbook};
use crate::placeholder::{self, Notation};

/// A command the shell cannot parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub playbook: String,
    pub line: usize,
    pub message: String,
}

/// Every command of `playbooks` that `bash -n` rejects. All of them are checked in one
/// run of the shell (each as a function body); only when that fails is each one checked
/// on its own, to name the culprits. No bash on the machine: nothing to report.
pub fn check<'a>(playbooks: impl Iterator<Item = &'a Playbook>) -> Vec<SyntaxError> {
    let commands: Vec<(&Playbook, &Node, String)> = playbooks
        .flat_map(|p| p.nodes.iter().map(move |n| (p, n)))
        .filter(|(_, n)| runs_in_bash(n))
        .filter_map(|(p, n)| Some((p, n, checkable(n.command.as_deref()?))))
        .collect();
    if commands.is_empty() {
        return Vec::new();
    }
    let script: String = commands
        .iter()
        .enumerate()
        .map(|(i, (_, _, c))| format!("__runbook_step_{i}() {{\n{c}\n}}\n"))
        .collect();
    if parses(&script).is_ok() {
        return Vec::new();
    }
    commands
        .iter()
        .filter_map(|(p, n, c)| {
            let (offset, message) = parses(c).err()?;
            Some(SyntaxError {
                playbook: p.id.clone(),
                line: n.line + offset,
                message,
            })
        })
        .collect()
}

/// Steps for bash or sh (the default); a step for `python3` has other rules.
fn runs_in_bash(n: &Node) -> bool {
    n.shell
        .as_deref()
        .is_none_or(|s| matches!(s, "bash" | "sh" | "/bin/bash" | "/bin/sh"))
}

/// The command with its `<placeholder>` and `{{name}}` slots filled by a plain word, as
/// a run fills them with a quoted value (`$X` and `${X}` are shell already).
fn checkable(command: &str) -> String {
    let mut out = command.to_string();
    for p in placeholder::scan(command).iter().rev() {
        if matches!(p.notation, Notation::Angle | Notation::Mustache) {
            out.replace_range(p.range.clone(), "value");
        }
    }
    out
}

/// `Err((line offset, message))` when `bash -n` rejects the script.
fn parses(script: &str) -> Result<(), (usize, String)> {
    let Ok(out) = duct::cmd!("bash", "-n")
        .stdin_bytes(script.as_bytes())
        .stdout_null()
        .stderr_capture()
        .unchecked()
        .run()
    else {
        return Ok(());
    };
    if out.status.success() {
        return Ok(());
    }
    let first = String::from_utf8_lossy(&out.stderr)
        .lines()
        .next()
        .unwrap_or("syntax error")
        .to_string();
    Err(located(&first))
}

/// `bash: line 3: unexpected EOF while looking for matching `''` → (2, "unexpected EOF
/// …").
fn located(message: &str) -> (usize, String) {
    let rest = message.strip_prefix("bash: ").unwrap_or(message);
    let Some((line, text)) = rest.strip_prefix("line ").and_then(|r| r.split_once(": ")) else {
        return (0, rest.to_string());
    };
    let offset = line.parse::<usize>().map_or(0, |l| l.saturating_sub(1));
    (offset, text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_before_the_shell_reads_the_command() {
        assert_eq!(
            checkable("kubectl get pod <pending pod> -n {{ns}}"),
            "kubectl get pod value -n value"
        );
        assert_eq!(checkable("echo \"$HOST\""), "echo \"$HOST\"");
    }

    #[test]
    fn the_shells_message_names_the_line() {
        assert_eq!(
            located("bash: line 3: unexpected EOF while looking for matching `''"),
            (
                2,
                "unexpected EOF while looking for matching `''".to_string()
            )
        );
        assert_eq!(located("odd"), (0, "odd".to_string()));
    }
}
