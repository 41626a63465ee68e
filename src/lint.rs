//! `lint`: dangling targets, unreachable steps, undefined variables, checks without
//! expectations, unguarded destructive actions, commands the shell cannot parse; plus
//! what parsing found (bad front
//! matter, unclosed fences, unknown attributes, empty files). `file:line: level: message`,
//! exit 1 when any error.

use crate::analysis::{self, Declared, Issue, Level};
use crate::catalog;
use crate::cli::{Global, LintArgs};
use crate::error::{Error, Result};
use crate::markdown::{self, ParsedDoc};
use crate::shell_syntax;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One line of lint output.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file: String,
    pub line: usize,
    pub level: Level,
    pub message: String,
    /// The playbook (id) the problem is in, when it is in one.
    pub playbook: Option<String>,
}

pub fn command(g: &Global, a: &LintArgs) -> Result<i32> {
    let reports = lint_paths(g, &a.paths)?;
    if a.json {
        let text = serde_json::to_string_pretty(&reports)
            .map_err(|e| Error::Other(format!("JSON: {e}")))?;
        crate::stdout::print_line(&text)?;
    } else {
        for r in &reports {
            crate::stdout::print_line(&format!(
                "{}:{}: {}: {}",
                r.file, r.line, r.level, r.message
            ))?;
        }
        let errors = reports.iter().filter(|r| r.level == Level::Error).count();
        let warnings = reports.len() - errors;
        if !g.quiet {
            eprintln!("{errors} error(s), {warnings} warning(s)");
        }
    }
    Ok(i32::from(reports.iter().any(|r| r.level == Level::Error)))
}

/// Lints files and directories (default: the search path, or the built-in playbooks).
pub fn lint_paths(g: &Global, paths: &[PathBuf]) -> Result<Vec<Report>> {
    let mut sources: Vec<(PathBuf, Option<String>)> = Vec::new();
    let roots: Vec<PathBuf> = if paths.is_empty() {
        catalog::search_dirs(g)
    } else {
        paths.to_vec()
    };
    for root in &roots {
        if root.is_dir() {
            sources.extend(catalog::markdown_files(root).into_iter().map(|f| (f, None)));
        } else if root.exists() || !paths.is_empty() {
            sources.push((root.clone(), None));
        }
    }
    if paths.is_empty() && sources.is_empty() {
        sources.extend(
            catalog::builtin_files()
                .into_iter()
                .map(|(p, text)| (p, Some(text))),
        );
    }
    let mut reports = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    for (path, text) in sources {
        lint_one(&path, text, &mut reports, &mut ids);
    }
    reports.sort_by(|a, b| {
        (a.file.as_str(), a.line, a.level).cmp(&(b.file.as_str(), b.line, b.level))
    });
    reports.dedup_by(|a, b| a.file == b.file && a.line == b.line && a.message == b.message);
    Ok(reports)
}

fn lint_one(
    path: &Path,
    text: Option<String>,
    reports: &mut Vec<Report>,
    ids: &mut HashMap<String, String>,
) {
    let file = path.display().to_string();
    let parsed = match text {
        Some(t) => markdown::parse_detailed(&t, path),
        None => markdown::parse_file_detailed(path),
    };
    let doc = match parsed {
        Ok(doc) => doc,
        Err(e) => {
            reports.push(error_report(&file, e));
            return;
        }
    };
    lint_doc(&file, &doc, reports, ids);
}

fn error_report(file: &str, e: Error) -> Report {
    let (line, message) = match e {
        Error::Parse { line, message, .. } => (line, message),
        Error::Io { source, .. } => (1, source.to_string()),
        other => (1, other.to_string()),
    };
    Report {
        file: file.to_string(),
        line,
        level: Level::Error,
        message,
        playbook: None,
    }
}

fn lint_doc(
    file: &str,
    doc: &ParsedDoc,
    reports: &mut Vec<Report>,
    ids: &mut HashMap<String, String>,
) {
    for w in &doc.warnings {
        reports.push(Report {
            file: file.to_string(),
            line: w.line,
            level: Level::Warning,
            message: w.message.clone(),
            playbook: None,
        });
    }
    let declared = Declared {
        variables: doc.authored.then_some(doc.declared_variables.as_slice()),
    };
    for playbook in doc.incidents() {
        if let Some(first) = ids.insert(playbook.id.clone(), file.to_string()) {
            if first != file || doc.authored {
                reports.push(Report {
                    file: file.to_string(),
                    line: 1,
                    level: Level::Warning,
                    message: format!(
                        "playbook id `{}` is also used by {first}: the first on the search path wins",
                        playbook.id
                    ),
                    playbook: Some(playbook.id.clone()),
                });
            }
        }
        let parse_warnings = playbook.warnings.iter().filter(|w| {
            !doc.warnings
                .iter()
                .any(|d| d.message == w.message && d.line == w.line)
        });
        let issues = parse_warnings
            .map(|w| Issue {
                line: w.line,
                level: Level::Warning,
                message: w.message.clone(),
            })
            .chain(analysis::analyze(playbook, &declared));
        for issue in issues {
            reports.push(playbook_report(file, doc, &playbook.id, issue));
        }
    }
    for e in shell_syntax::check(doc.incidents()) {
        let issue = Issue {
            line: e.line,
            level: Level::Error,
            message: format!("the shell cannot parse this command: {}", e.message),
        };
        reports.push(playbook_report(file, doc, &e.playbook, issue));
    }
}

/// A problem in one playbook: a runbook's incidents are named, an authored playbook is
/// the whole file.
fn playbook_report(file: &str, doc: &ParsedDoc, playbook: &str, issue: Issue) -> Report {
    let message = if doc.authored {
        issue.message
    } else {
        format!("[{playbook}] {}", issue.message)
    };
    Report {
        file: file.to_string(),
        line: issue.line,
        level: issue.level,
        message,
        playbook: Some(playbook.to_string()),
    }
}
