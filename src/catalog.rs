//! Finding playbooks: `--playbooks DIR`, RUNBOOK_PATH, ./playbooks, the built-in ones;
//! ids, paths and `FILE#section-slug`; "did you mean" suggestions.

use crate::cli::Global;
use crate::error::{Error, Result};
use crate::graph::Playbook;
use crate::markdown::{self, ParsedDoc};
use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};

/// The playbooks shipped with runbook, compiled into the binary.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/playbooks");

/// The playbook a user named on the command line.
pub fn resolve(global: &Global, name: &str) -> Result<Playbook> {
    let name = name.trim();
    if let Some((file, slug)) = split_section(name) {
        return resolve_section(Path::new(file), slug, name);
    }
    let path = Path::new(name);
    if path.is_file() {
        return resolve_file(path);
    }
    if looks_like_path(name) {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    if let Some(found) = find_by_id(global, name) {
        return Ok(found);
    }
    Err(Error::NotFound {
        name: name.to_string(),
        suggestions: suggestions(name, &known_names(global)),
    })
}

/// Every playbook on the search path, first occurrence of an id wins.
pub fn all(global: &Global) -> Result<Vec<Playbook>> {
    Ok(all_with_problems(global).0)
}

/// Every playbook on the search path, and the files that could not be parsed.
pub fn all_with_problems(global: &Global) -> (Vec<Playbook>, Vec<Error>) {
    let files: Vec<PathBuf> = search_dirs(global)
        .iter()
        .flat_map(|dir| markdown_files(dir))
        .collect();
    // Files are independent: parsed on every core, kept in search-path order.
    let parsed = markdown::par::map(&files, 16, |file| markdown::parse_file(file));
    let mut out: Vec<Playbook> = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for result in parsed {
        match result {
            Ok(playbooks) => {
                for p in playbooks {
                    if seen.insert(p.id.clone()) {
                        out.push(p);
                    }
                }
            }
            Err(e) => problems.push(e),
        }
    }
    for p in builtin() {
        if seen.insert(p.id.clone()) {
            out.push(p);
        }
    }
    (out, problems)
}

/// What `list` shows for the search path, without walking the steps of authored
/// playbooks; first occurrence of an id wins.
pub fn summaries(global: &Global) -> (Vec<markdown::Summary>, Vec<Error>) {
    let files: Vec<PathBuf> = search_dirs(global)
        .iter()
        .flat_map(|dir| markdown_files(dir))
        .collect();
    let parsed = markdown::par::map(&files, 16, |file| {
        let (text, _) = markdown::read_text(file)?;
        markdown::summarize(&text, file)
    });
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for result in parsed {
        match result {
            Ok(rows) => out.extend(rows.into_iter().filter(|r| seen.insert(r.id.clone()))),
            Err(e) => problems.push(e),
        }
    }
    let builtin = builtin_files();
    let rows = markdown::par::map(&builtin, 16, |(shown, text)| {
        markdown::summarize(text, shown).unwrap_or_default()
    });
    for mut row in rows.into_iter().flatten() {
        row.source = row.id.clone();
        if seen.insert(row.id.clone()) {
            out.push(row);
        }
    }
    (out, problems)
}

/// Directories searched, in order: `--playbooks`, RUNBOOK_PATH entries, `./playbooks`.
pub fn search_dirs(global: &Global) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = &global.playbooks {
        dirs.push(dir.clone());
    }
    if let Some(path) = std::env::var_os("RUNBOOK_PATH") {
        dirs.extend(std::env::split_paths(&path).filter(|p| !p.as_os_str().is_empty()));
    }
    let local = PathBuf::from("playbooks");
    if local.is_dir() {
        dirs.push(local);
    }
    let mut unique: Vec<PathBuf> = Vec::new();
    for d in dirs {
        if !unique.contains(&d) {
            unique.push(d);
        }
    }
    unique
}

/// Markdown files under `dir`, recursively, sorted so the search order is stable.
pub fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    collect_files(dir, &mut out, 0);
    out.sort();
    out
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 16 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if !hidden {
                collect_files(&path, out, depth + 1);
            }
        } else if is_markdown(&path) {
            out.push(path);
        }
    }
}

fn is_markdown(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("md" | "markdown")
    ) && !path
        .file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
}

/// The built-in playbook files: (path shown as `playbooks/...`, text).
pub fn builtin_files() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    collect_builtin(&BUILTIN, &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
        .into_iter()
        .map(|(path, contents)| {
            let (text, _) = markdown::decode(contents.to_vec());
            (Path::new("playbooks").join(path), text)
        })
        .collect()
}

/// The built-in playbooks, their `source` set to their id.
pub fn builtin() -> Vec<Playbook> {
    let files = builtin_files();
    markdown::par::map(&files, 16, |(shown, text)| {
        markdown::parse_document(text, shown).unwrap_or_default()
    })
    .into_iter()
    .flatten()
    .map(|mut p| {
        p.source = p.id.clone();
        p
    })
    .collect()
}

fn collect_builtin(dir: &'static Dir<'static>, out: &mut Vec<(PathBuf, &'static [u8])>) {
    for file in dir.files() {
        if is_markdown(file.path()) {
            out.push((file.path().to_path_buf(), file.contents()));
        }
    }
    for sub in dir.dirs() {
        collect_builtin(sub, out);
    }
}

/// `FILE#slug` → (FILE, slug), only when the part before `#` names a file-like path.
fn split_section(name: &str) -> Option<(&str, &str)> {
    let (file, slug) = name.rsplit_once('#')?;
    (!file.is_empty()).then_some((file, slug))
}

fn looks_like_path(name: &str) -> bool {
    name.contains('/')
        || name.ends_with(".md")
        || name.ends_with(".markdown")
        || name.ends_with(".txt")
}

fn resolve_file(path: &Path) -> Result<Playbook> {
    let doc = markdown::parse_file_detailed(path)?;
    pick_from_document(doc, path)
}

fn pick_from_document(doc: ParsedDoc, path: &Path) -> Result<Playbook> {
    let incidents: Vec<&Playbook> = doc.incidents().collect();
    match incidents.len() {
        1 => Ok(incidents[0].clone()),
        0 if doc.sections.len() == 1 => Ok(doc.sections[0].playbook.clone()),
        0 => Err(Error::Usage(format!(
            "{}: no incident section with steps to run{}",
            path.display(),
            if doc.sections.is_empty() {
                String::new()
            } else {
                format!(
                    "; its sections: {}",
                    doc.sections
                        .iter()
                        .map(|s| format!("{}#{}", path.display(), s.slug))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ))),
        n => Err(Error::Usage(format!(
            "{} holds {n} incident sections; pick one with FILE#section:\n{}",
            path.display(),
            incidents
                .iter()
                .map(|p| format!("  {}  ({})", p.source, p.title))
                .collect::<Vec<_>>()
                .join("\n")
        ))),
    }
}

fn resolve_section(file: &Path, slug: &str, name: &str) -> Result<Playbook> {
    if !file.is_file() {
        return Err(Error::io(
            file,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let doc = markdown::parse_file_detailed(file)?;
    let wanted = crate::markdown::slug::slugify(slug);
    let found = if doc.authored {
        doc.sections.first()
    } else {
        doc.sections
            .iter()
            .find(|s| s.slug == slug || s.slug == wanted)
    };
    if let Some(section) = found {
        return Ok(section.playbook.clone());
    }
    let slugs: Vec<String> = doc.sections.iter().map(|s| s.slug.clone()).collect();
    Err(Error::NotFound {
        name: name.to_string(),
        suggestions: suggestions(&wanted, &slugs)
            .into_iter()
            .map(|s| format!("{}#{s}", file.display()))
            .collect(),
    })
}

/// Looks an id up on the search path, then among the built-in playbooks.
fn find_by_id(global: &Global, id: &str) -> Option<Playbook> {
    for dir in search_dirs(global) {
        let files = markdown_files(&dir);
        // Files named after the id first: usually the one.
        let (named, rest): (Vec<_>, Vec<_>) = files
            .into_iter()
            .partition(|f| f.file_stem().is_some_and(|s| s.to_string_lossy() == id));
        for file in named.into_iter().chain(rest) {
            if let Ok(playbooks) = markdown::parse_file(&file) {
                if let Some(p) = playbooks.into_iter().find(|p| p.id == id) {
                    return Some(p);
                }
            }
        }
    }
    builtin().into_iter().find(|p| p.id == id)
}

fn known_names(global: &Global) -> Vec<String> {
    all(global)
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.id)
        .collect()
}

/// Up to three close names: similar spelling, or one containing the other.
pub fn suggestions(name: &str, candidates: &[String]) -> Vec<String> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(f64, &String)> = candidates
        .iter()
        .map(|c| {
            let cl = c.to_lowercase();
            let mut score = strsim::jaro_winkler(&lower, &cl);
            if !lower.is_empty() && (cl.contains(&lower) || lower.contains(&cl)) {
                score = score.max(0.9);
            }
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut out: Vec<String> = Vec::new();
    for (_, c) in scored {
        if !out.contains(c) {
            out.push(c.clone());
        }
        if out.len() == 3 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_rank_close_names() {
        let c = vec![
            "webhooks-failing".to_string(),
            "jobs-backlog".to_string(),
            "redis-not-responding".to_string(),
        ];
        assert_eq!(suggestions("webhook-failing", &c)[0], "webhooks-failing");
        assert_eq!(suggestions("redis", &c)[0], "redis-not-responding");
        assert!(suggestions("zzzz", &c).is_empty());
    }

    #[test]
    fn section_names_split_at_the_last_hash() {
        assert_eq!(split_section("a/b.md#x"), Some(("a/b.md", "x")));
        assert_eq!(split_section("#x"), None);
        assert_eq!(split_section("id"), None);
    }
}
