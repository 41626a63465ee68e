//! Status-update drafts: what stakeholders are owed every 15/30/60 minutes, in the
//! shape of the teams' communication template (state, impact, scope, what changed,
//! next action, next update), drafted from the log for a person to edit.

use crate::incident::event::{Event, EventBody, Milestone};
use crate::incident::logmd::{is_es, milestone_name, outcome_name, status_name};
use chrono::{DateTime, Duration, Utc};

/// A draft for right now: the next action is where the session was heading, the
/// next update one cadence of the incident's severity from now.
pub fn status_update_draft(events: &[Event], lang: &str) -> String {
    let minutes = update_interval_minutes(&severity(events));
    let next_update = Utc::now() + Duration::minutes(minutes);
    status_update_draft_at(events, lang, None, next_update)
}

/// A draft with the next action (`None`: where the log says the session was
/// heading) and the time of the next update given. One `Field: value` per line.
pub fn status_update_draft_at(
    events: &[Event],
    lang: &str,
    next_action: Option<&str>,
    next_update: DateTime<Utc>,
) -> String {
    let es = is_es(lang);
    let t = |en: &'static str, sp: &'static str| if es { sp } else { en };
    let sev = severity(events);
    let impact = symptoms(events);
    let impact = if impact.is_empty() {
        t("being assessed", "por evaluar").to_string()
    } else {
        impact.join("; ")
    };
    let changes = changes_since_last_update(events, es);
    let changed = if changes.is_empty() {
        t(
            "nothing new since the last update",
            "sin cambios desde la última actualización",
        )
        .to_string()
    } else {
        changes.join("; ")
    };
    let next = next_action
        .map(str::to_string)
        .or_else(|| heading_to(events))
        .unwrap_or_else(|| t("continue the diagnosis", "continuar el diagnóstico").to_string());
    // Rounded up: a draft made a few milliseconds after the deadline was set
    // still says "in 30 min".
    let minutes = ((next_update - Utc::now()).num_seconds() + 59)
        .div_euclid(60)
        .max(1);
    let lines = [
        (t("State", "Estado"), state(events, es)),
        (t("Impact", "Impacto"), impact),
        (t("Scope", "Alcance"), scope(&sev, es)),
        (t("What changed", "Qué cambió"), changed),
        (t("Next action", "Próxima acción"), next),
        (
            t("Next update", "Próxima actualización"),
            format!(
                "{} {minutes} min ({})",
                t("in", "en"),
                next_update.format("%Y-%m-%d %H:%M UTC")
            ),
        ),
    ];
    lines
        .iter()
        .map(|(field, value)| format!("{field}: {value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Minutes between status updates: sev1 15, sev2 30, sev3 60, anything else 120.
pub fn update_interval_minutes(severity: &str) -> i64 {
    match severity.trim().to_ascii_lowercase().as_str() {
        "sev1" => 15,
        "sev2" => 30,
        "sev3" => 60,
        _ => 120,
    }
}

/// The session's severity (`sev1`..`sev4`), or empty when never recorded.
pub fn severity(events: &[Event]) -> String {
    events
        .iter()
        .rev()
        .find_map(|e| match &e.body {
            EventBody::SessionStarted { severity, .. } => Some(severity.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Where the incident stands: how the session ended, else the latest of mitigated
/// and resolved, else investigating.
pub fn state(events: &[Event], es: bool) -> String {
    for e in events.iter().rev() {
        match &e.body {
            EventBody::SessionEnded { status, .. } => return status_name(*status, es).to_string(),
            EventBody::Milestone {
                milestone: m @ (Milestone::Mitigated | Milestone::Resolved),
            } => return milestone_name(*m, es).to_string(),
            // A resumed session is investigating again.
            EventBody::SessionStarted { .. } => break,
            _ => {}
        }
    }
    if es { "investigando" } else { "investigating" }.to_string()
}

/// The teams' matrix: sev1 is a total outage, sev2/sev3 partial, sev4 internal.
fn scope(severity: &str, es: bool) -> String {
    let s = match (severity.trim().to_ascii_lowercase().as_str(), es) {
        ("sev1", false) => "total (sev1)",
        ("sev1", true) => "total (sev1)",
        ("sev2", false) => "partial, core functionality degraded (sev2)",
        ("sev2", true) => "parcial, funcionalidad core degradada (sev2)",
        ("sev3", false) => "partial or intermittent (sev3)",
        ("sev3", true) => "parcial o intermitente (sev3)",
        ("sev4", false) => "low, internal (sev4)",
        ("sev4", true) => "bajo, operativo interno (sev4)",
        (_, false) => "to be assessed",
        (_, true) => "por evaluar",
    };
    s.to_string()
}

pub(crate) fn symptoms(events: &[Event]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for e in events {
        if let EventBody::Symptom { text, .. } = &e.body {
            if !seen.contains(text) {
                seen.push(text.clone());
            }
        }
    }
    seen
}

/// The step the session was heading to after its last step or decision.
fn heading_to(events: &[Event]) -> Option<String> {
    events.iter().rev().find_map(|e| match &e.body {
        EventBody::StepFinished { next, .. } => next.clone(),
        EventBody::Decision { to, .. } => Some(to.clone()),
        _ => None,
    })
}

/// One phrase per thing that happened after the last recorded status update.
fn changes_since_last_update(events: &[Event], es: bool) -> Vec<String> {
    let start = events
        .iter()
        .rposition(|e| matches!(e.body, EventBody::StatusUpdate { .. }))
        .map_or(0, |i| i + 1);
    events[start..]
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::StepFinished {
                title,
                outcome,
                finding,
                ..
            } => Some(match finding {
                Some(label) => format!("{title}: {} ({label})", outcome_name(*outcome)),
                None => format!("{title}: {}", outcome_name(*outcome)),
            }),
            EventBody::Decision {
                question, choice, ..
            } => Some(format!("{question} → {choice}")),
            EventBody::Action { text, .. } => Some(text.clone()),
            EventBody::Hypothesis { text, state, .. } => Some(format!(
                "{} ({}): {text}",
                if es { "hipótesis" } else { "hypothesis" },
                crate::incident::logmd::hypothesis_state(*state, es)
            )),
            EventBody::Milestone { milestone } => Some(milestone_name(*milestone, es).to_string()),
            _ => None,
        })
        .collect()
}
