//! `log.md`: the human incident log, one table row per event, with the columns the
//! teams' runbooks ask for (timestamp, symptom, hypothesis, action, result, next
//! action), in the playbook's language, times in full UTC.

use crate::graph::{Playbook, END};
use crate::incident::event::{Event, EventBody, HypothesisState, Milestone, SessionStatus};
use crate::judge::Outcome;
use std::collections::HashMap;
use std::fmt::Write;

/// One row of the table; empty cells stay empty.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Row {
    pub ts: String,
    pub symptom: String,
    pub hypothesis: String,
    pub action: String,
    pub result: String,
    pub next: String,
}

/// The whole `log.md`.
pub fn render(events: &[Event], playbook: &Playbook) -> String {
    let mut view = LiveView::default();
    view.update(events, playbook);
    view.text
}

/// `log.md` kept current event by event, for a session that rewrites it after every
/// event: a new event appends its row, and a `step_finished` takes the place of its
/// step's pending `step_started` row, so an event costs the bytes it changes rather
/// than a render of the whole log.
#[derive(Debug, Default)]
pub struct LiveView {
    text: String,
    /// Where each row starts in `text`, and the step it shows as still running.
    rows: Vec<(usize, Option<String>)>,
    /// How many events the text shows, and in which language.
    applied: usize,
    es: Option<bool>,
}

impl LiveView {
    /// Brings the view up to `events` (the same list, grown) and returns the byte
    /// offset from which its text changed.
    pub fn update(&mut self, events: &[Event], playbook: &Playbook) -> usize {
        let es = is_es(&lang_of(events, playbook));
        if self.es != Some(es) || events.len() < self.applied {
            *self = LiveView {
                text: header(playbook, es),
                es: Some(es),
                ..LiveView::default()
            };
            self.apply(events, playbook, es);
            return 0;
        }
        let fresh = &events[self.applied..];
        self.apply(fresh, playbook, es)
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    fn apply(&mut self, events: &[Event], playbook: &Playbook, es: bool) -> usize {
        let mut changed = self.text.len();
        for event in events {
            if let EventBody::StepFinished { step, .. } = &event.body {
                if let Some(start) = self.drop_pending(step) {
                    changed = changed.min(start);
                }
            }
            let pending = match &event.body {
                EventBody::StepStarted { step, .. } => Some(step.clone()),
                _ => None,
            };
            self.rows.push((self.text.len(), pending));
            self.text.push_str(&table_line(&row(event, playbook, es)));
        }
        self.applied += events.len();
        changed
    }

    /// Removes the rows of `step` still shown as running (a finish hides every earlier
    /// start of its step); returns where the first of them began.
    fn drop_pending(&mut self, step: &str) -> Option<usize> {
        let first = self
            .rows
            .iter()
            .position(|(_, pending)| pending.as_deref() == Some(step))?;
        let mut kept = Vec::with_capacity(self.rows.len());
        let mut text = String::with_capacity(self.text.len());
        text.push_str(&self.text[..self.rows[first].0]);
        kept.extend_from_slice(&self.rows[..first]);
        for (i, (start, pending)) in self.rows.iter().enumerate().skip(first) {
            let end = self.rows.get(i + 1).map_or(self.text.len(), |r| r.0);
            if pending.as_deref() != Some(step) {
                kept.push((text.len(), pending.clone()));
                text.push_str(&self.text[*start..end]);
            }
        }
        let start = self.rows[first].0;
        self.rows = kept;
        self.text = text;
        Some(start)
    }
}

/// The title, the playbook line and the table's header.
fn header(playbook: &Playbook, es: bool) -> String {
    let mut out = String::new();
    let title = if playbook.title.is_empty() {
        &playbook.id
    } else {
        &playbook.title
    };
    let _ = writeln!(
        out,
        "# {}: {}\n",
        if es {
            "Bitácora del incidente"
        } else {
            "Incident log"
        },
        one_line(title)
    );
    let _ = writeln!(
        out,
        "Playbook `{}` · {}\n",
        one_line(&playbook.id),
        if es { "horas en UTC" } else { "times in UTC" }
    );
    let headers = if es {
        [
            "Timestamp (UTC)",
            "Síntoma",
            "Hipótesis",
            "Acción ejecutada",
            "Resultado",
            "Siguiente acción",
        ]
    } else {
        [
            "Timestamp (UTC)",
            "Symptom",
            "Hypothesis",
            "Action",
            "Result",
            "Next action",
        ]
    };
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(headers.len()));
    out
}

fn table_line(row: &Row) -> String {
    let cells = [
        &row.ts,
        &row.symptom,
        &row.hypothesis,
        &row.action,
        &row.result,
        &row.next,
    ];
    let cells: Vec<String> = cells.iter().map(|c| cell(c)).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// The rows of the table, in event order. A `step_started` gets a row only when no
/// `step_finished` follows it (the session died mid-step).
pub fn rows(events: &[Event], playbook: &Playbook, es: bool) -> Vec<Row> {
    entries(events, playbook, es)
        .into_iter()
        .map(|(_, row)| row)
        .collect()
}

/// The rows with the events they come from.
pub fn entries<'e>(events: &'e [Event], playbook: &Playbook, es: bool) -> Vec<(&'e Event, Row)> {
    shown(events).map(|e| (e, row(e, playbook, es))).collect()
}

/// The events that get a row: a `step_started` only when no `step_finished` follows.
fn shown(events: &[Event]) -> impl Iterator<Item = &Event> {
    let mut last_finish: HashMap<&str, u64> = HashMap::new();
    for e in events {
        if let EventBody::StepFinished { step, .. } = &e.body {
            last_finish.insert(step.as_str(), e.seq);
        }
    }
    events.iter().filter(move |e| match &e.body {
        EventBody::StepStarted { step, .. } => {
            last_finish.get(step.as_str()).is_none_or(|q| *q < e.seq)
        }
        _ => true,
    })
}

fn row(event: &Event, playbook: &Playbook, es: bool) -> Row {
    let mut row = Row {
        ts: event.ts.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        ..Row::default()
    };
    let t = |en: &str, sp: &str| if es { sp.to_string() } else { en.to_string() };
    match &event.body {
        EventBody::SessionStarted { severity, mode, .. } => {
            row.action = format!(
                "{} ({mode}, {severity})",
                t("Session started", "Sesión iniciada")
            );
            row.next = playbook
                .start()
                .map(|n| n.title.clone())
                .unwrap_or_default();
        }
        EventBody::Symptom { text, .. } => row.symptom = text.clone(),
        EventBody::Hypothesis {
            id,
            text,
            state,
            disproof,
            ..
        } => {
            row.hypothesis = format!("{id} [{}]: {text}", hypothesis_state(*state, es));
            if let Some(d) = disproof.as_deref().filter(|d| !d.trim().is_empty()) {
                let _ = write!(
                    row.hypothesis,
                    " — {}: {d}",
                    t("disproved if", "se descarta si")
                );
            }
        }
        EventBody::StepStarted { title, command, .. } => {
            row.action = step_action(title, command.as_deref());
            row.result = t(
                "started; no result recorded (session interrupted?)",
                "iniciado; sin resultado registrado (¿sesión interrumpida?)",
            );
        }
        EventBody::StepFinished {
            title,
            command,
            exit_code,
            outcome,
            finding,
            output,
            failed,
            next,
            reason,
            ..
        } => {
            row.action = step_action(title, command.as_deref());
            row.result = step_result(*outcome, *exit_code, finding.as_deref(), failed, output, es);
            if let Some(reason) = reason {
                let _ = write!(row.result, " ({reason})");
            }
            row.next = next
                .as_deref()
                .map(|n| node_title(playbook, n, es))
                .unwrap_or_default();
        }
        EventBody::Decision {
            question,
            choice,
            to,
            ..
        } => {
            row.action = format!("{}: {question} → {choice}", t("Decision", "Decisión"));
            row.next = node_title(playbook, to, es);
        }
        EventBody::Action { text, .. } => row.action = text.clone(),
        EventBody::Note { text } => row.action = format!("{}: {text}", t("Note", "Nota")),
        EventBody::StatusUpdate { text } => {
            row.action = format!("{}: {text}", t("Status update", "Actualización de estado"))
        }
        EventBody::Milestone { milestone } => {
            row.result = format!(
                "{}: {}",
                t("Milestone", "Hito"),
                milestone_name(*milestone, es)
            )
        }
        EventBody::SessionEnded {
            status,
            level,
            summary,
        } => {
            row.result = format!(
                "{}: {}",
                t("Session ended", "Sesión terminada"),
                status_name(*status, es)
            );
            if let Some(level) = level {
                let _ = write!(row.result, " ({level})");
            }
            row.next = summary.clone().unwrap_or_default();
        }
    }
    row
}

fn step_action(title: &str, command: Option<&str>) -> String {
    match command {
        Some(cmd) if !cmd.trim().is_empty() => {
            // A step without a heading is titled by its command: say it once.
            let stem = title.trim_end_matches('…').trim();
            if one_line(cmd).starts_with(stem) || stem.contains('$') {
                code(cmd)
            } else {
                format!("{title}: {}", code(cmd))
            }
        }
        _ => title.to_string(),
    }
}

fn step_result(
    outcome: Outcome,
    exit_code: Option<i32>,
    finding: Option<&str>,
    failed: &[String],
    output: &str,
    es: bool,
) -> String {
    let mut out = outcome_name(outcome).to_string();
    if let Some(code) = exit_code {
        let _ = write!(out, " (exit {code})");
    }
    if let Some(f) = finding {
        let _ = write!(out, "; {}: {f}", if es { "hallazgo" } else { "found" });
    }
    if let Some(first) = failed.first() {
        let _ = write!(out, "; {first}");
    }
    if let Some(line) = output.lines().map(str::trim).find(|l| !l.is_empty()) {
        let _ = write!(out, "; {}", code(&truncate(line, 100)));
    }
    out
}

pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ok => "ok",
        Outcome::Fail => "fail",
        Outcome::Find => "find",
        Outcome::Timeout => "timeout",
        Outcome::Skipped => "skipped",
        Outcome::Error => "error",
    }
}

pub fn hypothesis_state(state: HypothesisState, es: bool) -> &'static str {
    match (state, es) {
        (HypothesisState::Open, false) => "open",
        (HypothesisState::Confirmed, false) => "confirmed",
        (HypothesisState::Refuted, false) => "refuted",
        (HypothesisState::Open, true) => "abierta",
        (HypothesisState::Confirmed, true) => "confirmada",
        (HypothesisState::Refuted, true) => "descartada",
    }
}

pub fn milestone_name(m: Milestone, es: bool) -> &'static str {
    match (m, es) {
        (Milestone::Detected, false) => "detected",
        (Milestone::Acknowledged, false) => "acknowledged",
        (Milestone::Mitigated, false) => "mitigated",
        (Milestone::Resolved, false) => "resolved",
        (Milestone::Detected, true) => "detectado",
        (Milestone::Acknowledged, true) => "reconocido",
        (Milestone::Mitigated, true) => "mitigado",
        (Milestone::Resolved, true) => "resuelto",
    }
}

pub fn status_name(s: SessionStatus, es: bool) -> &'static str {
    match (s, es) {
        (SessionStatus::Resolved, false) => "resolved",
        (SessionStatus::Mitigated, false) => "mitigated",
        (SessionStatus::Unresolved, false) => "unresolved",
        (SessionStatus::Escalated, false) => "escalated",
        (SessionStatus::Interrupted, false) => "interrupted",
        (SessionStatus::Resolved, true) => "resuelto",
        (SessionStatus::Mitigated, true) => "mitigado",
        (SessionStatus::Unresolved, true) => "sin resolver",
        (SessionStatus::Escalated, true) => "escalado",
        (SessionStatus::Interrupted, true) => "interrumpido",
    }
}

/// The title of node `id`, or the id itself when the playbook does not know it.
pub fn node_title(playbook: &Playbook, id: &str, es: bool) -> String {
    if id == END {
        return if es { "fin" } else { "end" }.to_string();
    }
    playbook
        .node(id)
        .map(|n| n.title.clone())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| id.to_string())
}

/// The language of the record: the session's, else the playbook's.
pub fn lang_of(events: &[Event], playbook: &Playbook) -> String {
    events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::SessionStarted { lang, .. } if !lang.is_empty() => Some(lang.clone()),
            _ => None,
        })
        .unwrap_or_else(|| playbook.lang.clone())
}

pub fn is_es(lang: &str) -> bool {
    lang.trim().to_ascii_lowercase().starts_with("es")
}

/// Text safe inside a Markdown table cell: pipes escaped, line breaks as `<br>`.
pub fn cell(text: &str) -> String {
    text.trim_end()
        .replace('\r', "")
        .replace('|', "\\|")
        .replace('\n', "<br>")
}

/// `text` as an inline code span, fenced with enough backticks for its own.
pub fn code(text: &str) -> String {
    let one_line = one_line(text);
    let longest_run = one_line
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let pad = if one_line.starts_with('`') || one_line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{one_line}{pad}{fence}")
}

/// Multi-line text joined onto one line (commands with `\` continuations, etc.).
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_end_matches('\\').trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_newlines() {
        assert_eq!(cell("a | b\nc\r\n"), "a \\| b<br>c");
    }

    fn event(seq: u64, body: serde_json::Value) -> Event {
        let mut json = body;
        json["seq"] = seq.into();
        json["ts"] = "2026-11-22T10:00:00Z".into();
        json["actor"] = "runbook".into();
        serde_json::from_value(json).expect("an event")
    }

    fn started(step: &str) -> serde_json::Value {
        serde_json::json!({"kind": "step_started", "step": step, "title": step})
    }

    fn finished(step: &str) -> serde_json::Value {
        serde_json::json!({"kind": "step_finished", "step": step, "title": step,
            "duration_ms": 1, "outcome": "ok"})
    }

    /// What the view must read: the header and one line for each entry `entries`
    /// keeps, rendered from scratch.
    fn from_scratch(events: &[Event], playbook: &Playbook) -> String {
        let es = is_es(&lang_of(events, playbook));
        let lines: String = entries(events, playbook, es)
            .iter()
            .map(|(_, row)| table_line(row))
            .collect();
        header(playbook, es) + &lines
    }

    #[test]
    fn the_live_view_equals_a_render_from_scratch_after_every_event() {
        let playbook = Playbook {
            id: "live".into(),
            ..Playbook::default()
        };
        let bodies = [
            serde_json::json!({"kind": "session_started", "incident": "i", "playbook": "live",
                "title": "Live", "source": "live.md", "service": null, "lang": "es",
                "severity": "sev2", "mode": "unattended", "variables": []}),
            started("a"),
            finished("a"),
            started("b"),
            serde_json::json!({"kind": "note", "text": "while b runs"}),
            started("b"),
            started("c"),
            finished("b"),
            finished("c"),
            started("a"),
        ];
        let events: Vec<Event> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| event(i as u64 + 1, body))
            .collect();
        let mut view = LiveView::default();
        let mut before = String::new();
        for n in 0..=events.len() {
            let changed_from = view.update(&events[..n], &playbook);
            let expected = from_scratch(&events[..n], &playbook);
            assert_eq!(view.text(), expected, "after {n} events");
            assert_eq!(
                before.get(..changed_from),
                expected.get(..changed_from),
                "the text before the offset {changed_from} is unchanged ({n} events)"
            );
            before = expected;
        }
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("echo hi"), "`echo hi`");
        assert_eq!(code("echo `date`"), "`` echo `date` ``");
        assert_eq!(code("a\\\n  b"), "`a b`");
    }
}
