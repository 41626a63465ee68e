//! The incident record: events.jsonl, log.md, `runbook incidents`, `runbook note`.

pub mod event;
pub mod logmd;
pub mod status;
pub mod store;

pub use status::{status_update_draft, status_update_draft_at};
pub use store::{read_events, read_playbook, session_is_live, EventsSync, IncidentLog};

use crate::cli::{Global, IncidentsArgs, NoteArgs, NoteKind};
use crate::error::{Error, Result};
use crate::redact::Redactor;
use chrono::{DateTime, Utc};
use event::{Event, EventBody, HypothesisState};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The incident `name` names under `incidents_dir`: a path to an incident directory,
/// a directory name, a unique prefix of one, or a playbook id (its latest incident).
pub fn find(incidents_dir: &Path, name: &str) -> Result<PathBuf> {
    let as_path = Path::new(name);
    if as_path.join(store::EVENTS_FILE).is_file() {
        return Ok(as_path.to_path_buf());
    }
    let names = incident_names(incidents_dir)?;
    if names.iter().any(|n| n == name) {
        return Ok(incidents_dir.join(name));
    }
    let prefixed: Vec<&String> = names.iter().filter(|n| n.starts_with(name)).collect();
    match prefixed.as_slice() {
        [one] => return Ok(incidents_dir.join(one)),
        [] => {}
        many => {
            return Err(Error::Usage(format!(
                "`{name}` matches several incidents in {}: {}",
                incidents_dir.display(),
                many.iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }
    // Names sort by start time, so the last of a playbook's is its latest.
    if let Some(latest) = names.iter().rev().find(|n| playbook_of_name(n) == name) {
        return Ok(incidents_dir.join(latest));
    }
    Err(Error::Usage(format!(
        "no incident `{name}` in {}{}",
        incidents_dir.display(),
        suggestions(name, &names)
    )))
}

/// Directory names of the incidents under `incidents_dir`, oldest first.
pub fn incident_names(incidents_dir: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(incidents_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(incidents_dir, e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join(store::EVENTS_FILE).is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// `20250101T120000Z-redis-down.2` → `redis-down`.
fn playbook_of_name(name: &str) -> &str {
    let rest = match name.split_once('-') {
        Some((stamp, rest)) if stamp.len() == 16 && stamp.ends_with('Z') => rest,
        _ => name,
    };
    match rest.rsplit_once('.') {
        Some((id, n)) if n.bytes().all(|b| b.is_ascii_digit()) => id,
        _ => rest,
    }
}

fn suggestions(name: &str, names: &[String]) -> String {
    if names.is_empty() {
        return " (there are no incidents yet)".to_string();
    }
    let mut scored: Vec<(f64, &str)> = names
        .iter()
        .flat_map(|n| [n.as_str(), playbook_of_name(n)])
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut picked: Vec<&str> = Vec::new();
    for (_, c) in scored {
        if !picked.contains(&c) && picked.len() < 3 {
            picked.push(c);
        }
    }
    if picked.is_empty() {
        let recent: Vec<&str> = names.iter().rev().take(3).map(String::as_str).collect();
        format!("; recent incidents: {}", recent.join(", "))
    } else {
        format!(
            "; did you mean {}?",
            picked
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// One line of `runbook incidents`.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentSummary {
    pub id: String,
    pub dir: PathBuf,
    pub playbook: String,
    pub title: String,
    pub severity: Option<String>,
    /// `open` (a live session), `interrupted` (its process died), or how it ended:
    /// `resolved`, `mitigated`, `unresolved`, `escalated`.
    pub status: String,
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    pub duration_s: Option<i64>,
    pub events: usize,
}

/// Summarises the incident in `dir`.
pub fn summarize(dir: &Path) -> Result<IncidentSummary> {
    let events = read_events(dir)?;
    let id = store::dir_name(dir);
    let started_event = events.iter().find_map(|e| match &e.body {
        EventBody::SessionStarted {
            playbook,
            title,
            severity,
            ..
        } => Some((playbook.clone(), title.clone(), severity.clone())),
        _ => None,
    });
    let (playbook, title, severity) = match started_event {
        Some((p, t, s)) => (p, t, Some(s).filter(|s| !s.is_empty())),
        None => {
            let pb = read_playbook(dir).ok();
            (
                pb.as_ref()
                    .map_or_else(|| playbook_of_name(&id).to_string(), |p| p.id.clone()),
                pb.as_ref().map(|p| p.title.clone()).unwrap_or_default(),
                pb.and_then(|p| p.severity),
            )
        }
    };
    let ended_event = events.iter().rev().find_map(|e| match &e.body {
        EventBody::SessionEnded { status, .. } => Some((e.ts, *status)),
        _ => None,
    });
    let live = session_is_live(dir);
    let (status, ended) = match ended_event {
        // A resumed session that is running again is open, whatever ended before.
        Some(_) if live && resumed_after_end(&events) => ("open".to_string(), None),
        Some((ts, status)) => (logmd::status_name(status, false).to_string(), Some(ts)),
        None if live => ("open".to_string(), None),
        None => ("interrupted".to_string(), None),
    };
    let started = events.first().map(|e| e.ts);
    let until = match (ended, live) {
        (Some(end), _) => Some(end),
        (None, true) => Some(Utc::now()),
        (None, false) => events.last().map(|e| e.ts),
    };
    let duration_s = started
        .zip(until)
        .map(|(s, u)| (u - s).num_seconds().max(0));
    Ok(IncidentSummary {
        id,
        dir: dir.to_path_buf(),
        playbook,
        title,
        severity,
        status,
        started,
        ended,
        duration_s,
        events: events.len(),
    })
}

fn resumed_after_end(events: &[Event]) -> bool {
    let last_end = events
        .iter()
        .rposition(|e| matches!(e.body, EventBody::SessionEnded { .. }));
    let last_start = events
        .iter()
        .rposition(|e| matches!(e.body, EventBody::SessionStarted { .. }));
    matches!((last_start, last_end), (Some(s), Some(e)) if s > e)
}

/// `runbook incidents [--json]`.
pub fn list_command(g: &Global, a: &IncidentsArgs) -> Result<i32> {
    let mut summaries = Vec::new();
    for name in incident_names(&g.incidents_dir)? {
        let dir = g.incidents_dir.join(&name);
        match summarize(&dir) {
            Ok(s) => summaries.push(s),
            Err(e) => eprintln!("runbook: skipping {name}: {e}"),
        }
    }
    if a.json {
        let json = serde_json::to_string_pretty(&summaries)
            .map_err(|e| Error::Other(format!("cannot serialize the list: {e}")))?;
        crate::stdout::print_line(&json)?;
    } else if summaries.is_empty() {
        if !g.quiet {
            crate::stdout::print_line(&format!("no incidents in {}", g.incidents_dir.display()))?;
        }
    } else {
        crate::stdout::print(&table(&summaries))?;
    }
    Ok(0)
}

fn table(summaries: &[IncidentSummary]) -> String {
    let header = [
        "INCIDENT",
        "PLAYBOOK",
        "SEV",
        "STATUS",
        "STARTED (UTC)",
        "DURATION",
    ];
    let rows: Vec<[String; 6]> = summaries
        .iter()
        .map(|s| {
            [
                s.id.clone(),
                s.playbook.clone(),
                s.severity.clone().unwrap_or_else(|| "-".into()),
                s.status.clone(),
                s.started
                    .map_or_else(|| "-".into(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
                s.duration_s.map_or_else(|| "-".into(), human_duration),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(&header.map(String::from));
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

/// `3h 05m`, `4m 10s`, `12s`.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, min, sec) => format!("{min}m {sec:02}s"),
        (h, min, _) if h < 48 => format!("{h}h {min:02}m"),
        (h, _, _) => format!("{}d {:02}h", h / 24, h % 24),
    }
}

/// Who is writing: the login name, else `runbook`.
pub fn current_actor() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "runbook".to_string())
}

/// An id for a new hypothesis, `h1`, `h2`..., unused in `events`.
pub fn next_hypothesis_id(events: &[Event]) -> String {
    let used: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Hypothesis { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    (1..)
        .map(|n| format!("h{n}"))
        .find(|id| !used.contains(&id.as_str()))
        .unwrap_or_else(|| "h0".to_string())
}

/// `runbook note INCIDENT [--kind ...] TEXT`.
pub fn note_command(g: &Global, a: &NoteArgs) -> Result<i32> {
    let text = a.text.join(" ").trim().to_string();
    if text.is_empty() {
        return Err(Error::Usage("note: the text is empty".into()));
    }
    let dir = find(&g.incidents_dir, &a.incident)?;
    let mut log = IncidentLog::open(&dir, Arc::new(Redactor::new(Vec::new())))?;
    let body = match a.kind {
        NoteKind::Symptom => EventBody::Symptom { text, step: None },
        NoteKind::Hypothesis => EventBody::Hypothesis {
            id: next_hypothesis_id(log.events()),
            text,
            state: HypothesisState::Open,
            disproof: None,
            step: None,
        },
        NoteKind::Action => EventBody::Action { text, step: None },
        NoteKind::Note => EventBody::Note { text },
    };
    let event = log.append(&current_actor(), body)?;
    if !g.quiet {
        crate::stdout::print_line(&format!(
            "recorded event {} in {}",
            event.seq,
            dir.display()
        ))?;
    }
    Ok(0)
}
