//! `list`, `show`, `graph`: views of parsed playbooks.

use crate::catalog;
use crate::cli::{Global, GraphArgs, GraphFormat, ListArgs, ShowArgs};
use crate::error::{Error, Result};
use crate::markdown::Summary;
use crate::render;
use serde::Serialize;

pub fn list(g: &Global, a: &ListArgs) -> Result<i32> {
    let rows: Vec<Summary> = if a.files.is_empty() {
        let (rows, problems) = catalog::summaries(g);
        if !g.quiet {
            for p in problems {
                eprintln!("runbook: skipped: {p}");
            }
        }
        rows
    } else {
        let mut out = Vec::new();
        for file in &a.files {
            let (text, _) = crate::markdown::read_text(file)?;
            out.extend(crate::markdown::summarize(&text, file)?);
        }
        out
    };
    if a.json {
        crate::stdout::print_line(&to_json(&rows)?)?;
    } else {
        crate::stdout::print(&table(&rows))?;
    }
    Ok(0)
}

fn table(rows: &[Summary]) -> String {
    let headers = ["ID", "TITLE", "SERVICE", "SEVERITY", "LANG", "SOURCE"];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.id.clone(),
                clip(&r.title, 48),
                r.service.clone().unwrap_or_else(|| "-".into()),
                r.severity.clone().unwrap_or_else(|| "-".into()),
                r.lang.clone(),
                r.source.clone(),
            ]
        })
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cols: &[String]| {
        let mut s = String::new();
        for (i, (c, w)) in cols.iter().zip(widths.iter()).enumerate() {
            if i + 1 == cols.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut out, &headers.map(String::from));
    for row in &cells {
        line(&mut out, row);
    }
    out
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| Error::Other(format!("JSON: {e}")))
}

pub fn show(g: &Global, a: &ShowArgs) -> Result<i32> {
    let playbook = catalog::resolve(g, &a.playbook)?;
    if a.json {
        crate::stdout::print_line(&to_json(&playbook)?)?;
    } else {
        crate::stdout::print(&render::outline(&playbook))?;
    }
    Ok(0)
}

pub fn graph(g: &Global, a: &GraphArgs) -> Result<i32> {
    let playbook = catalog::resolve(g, &a.playbook)?;
    match a.format {
        GraphFormat::Json => crate::stdout::print_line(&to_json(&playbook)?)?,
        GraphFormat::Mermaid => crate::stdout::print(&render::mermaid(&playbook))?,
        GraphFormat::Dot => crate::stdout::print(&render::dot(&playbook))?,
    }
    Ok(0)
}
