//! `list`, `show`, `graph`: views of parsed playbooks.

use crate::catalog;
use crate::cli::{Global, GraphArgs, GraphFormat, ListArgs, ShowArgs};
use crate::error::{Error, Result};
use crate::graph::Playbook;
use crate::render;
use serde::Serialize;

/// One row of `list --json` (SPEC §3).
#[derive(Debug, Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    source: &'a str,
    service: Option<&'a str>,
    severity: Option<&'a str>,
    lang: &'a str,
}

impl<'a> From<&'a Playbook> for Row<'a> {
    fn from(p: &'a Playbook) -> Self {
        Row {
            id: &p.id,
            title: &p.title,
            source: &p.source,
            service: p.service.as_deref(),
            severity: p.severity.as_deref(),
            lang: &p.lang,
        }
    }
}

pub fn list(g: &Global, a: &ListArgs) -> Result<i32> {
    let playbooks = if a.files.is_empty() {
        let (playbooks, problems) = catalog::all_with_problems(g);
        if !g.quiet {
            for p in problems {
                eprintln!("runbook: skipped: {p}");
            }
        }
        playbooks
    } else {
        let mut out = Vec::new();
        for file in &a.files {
            out.extend(crate::markdown::parse_file(file)?);
        }
        out
    };
    let rows: Vec<Row<'_>> = playbooks.iter().map(Row::from).collect();
    if a.json {
        println!("{}", to_json(&rows)?);
    } else {
        print!("{}", table(&rows));
    }
    Ok(0)
}

fn table(rows: &[Row<'_>]) -> String {
    let headers = ["ID", "TITLE", "SERVICE", "SEVERITY", "LANG", "SOURCE"];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.id.to_string(),
                clip(r.title, 48),
                r.service.unwrap_or("-").to_string(),
                r.severity.unwrap_or("-").to_string(),
                r.lang.to_string(),
                r.source.to_string(),
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
        println!("{}", to_json(&playbook)?);
    } else {
        print!("{}", render::outline(&playbook));
    }
    Ok(0)
}

pub fn graph(g: &Global, a: &GraphArgs) -> Result<i32> {
    let playbook = catalog::resolve(g, &a.playbook)?;
    match a.format {
        GraphFormat::Json => println!("{}", to_json(&playbook)?),
        GraphFormat::Mermaid => print!("{}", render::mermaid(&playbook)),
        GraphFormat::Dot => print!("{}", render::dot(&playbook)),
    }
    Ok(0)
}
