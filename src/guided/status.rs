//! Status updates during a guided session: the draft offered to the person and
//! the field-by-field editing of it.

use crate::guided::view::is_es;
use crate::incident::event::{Event, EventBody, Milestone};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// TEMPORARY fallback until the record helper's `status_update_draft(events, lang)`
/// lands: a minimal draft (state, impact, what changed, next action, next update)
/// from the events seen so far. `next_action` is the step about to run, if known.
pub fn fallback_draft(
    events: &[Event],
    lang: &str,
    next_action: Option<&str>,
    next_update: DateTime<Utc>,
    every: Duration,
) -> String {
    let es = is_es(lang);
    let mitigated = events.iter().any(|e| {
        matches!(
            e.body,
            EventBody::Milestone {
                milestone: Milestone::Mitigated
            }
        )
    });
    let state = match (mitigated, es) {
        (true, true) => "mitigado",
        (true, false) => "mitigated",
        (false, true) => "investigando",
        (false, false) => "investigating",
    };
    let symptoms: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Symptom { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let impact = if symptoms.is_empty() {
        if es { "por evaluar" } else { "being assessed" }.to_string()
    } else {
        symptoms.join("; ")
    };
    let changes = changes_since_last_update(events);
    let changed = if changes.is_empty() {
        if es {
            "sin cambios desde la última actualización"
        } else {
            "nothing new since the last update"
        }
        .to_string()
    } else {
        changes.join("; ")
    };
    let next = next_action.map(str::to_string).unwrap_or_else(|| {
        if es {
            "continuar el diagnóstico"
        } else {
            "continue the diagnosis"
        }
        .into()
    });
    let minutes = every.as_secs().div_ceil(60).max(1);
    let at = next_update.format("%Y-%m-%d %H:%M UTC");
    if es {
        format!(
            "Estado: {state}\nImpacto: {impact}\nQué cambió: {changed}\nPróxima acción: {next}\nPróxima actualización: en {minutes} min ({at})"
        )
    } else {
        format!(
            "State: {state}\nImpact: {impact}\nWhat changed: {changed}\nNext action: {next}\nNext update: in {minutes} min ({at})"
        )
    }
}

/// One line per thing that happened after the last recorded status update.
fn changes_since_last_update(events: &[Event]) -> Vec<String> {
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
                Some(label) => format!("{title}: find ({label})"),
                None => format!("{title}: {}", serde_json::to_value(outcome).ok()?.as_str()?),
            }),
            EventBody::Decision {
                question, choice, ..
            } => Some(format!("{question} → {choice}")),
            EventBody::Action { text, .. } => Some(text.clone()),
            EventBody::Hypothesis { text, .. } => Some(format!("hypothesis: {text}")),
            EventBody::Milestone { milestone } => {
                Some(serde_json::to_value(milestone).ok()?.as_str()?.to_string())
            }
            _ => None,
        })
        .collect()
}

/// A line of a draft split into what stays (`prefix`, e.g. `Impact: `) and the
/// value the person edits. Lines that are not `Field: value` are edited whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftLine {
    pub prefix: String,
    pub field: Option<String>,
    pub value: String,
}

impl DraftLine {
    pub fn parse(line: &str) -> DraftLine {
        let field_split = line.split_once(':').filter(|(key, rest)| {
            let key = key.trim_start_matches(['-', '*', ' ']);
            !key.trim().is_empty()
                && key.chars().count() <= 40
                && (rest.is_empty() || rest.starts_with(' '))
        });
        match field_split {
            Some((key, rest)) => {
                let value = rest.trim_start();
                DraftLine {
                    prefix: line[..line.len() - value.len()].to_string(),
                    field: Some(key.trim_start_matches(['-', '*', ' ']).trim().to_string()),
                    value: value.to_string(),
                }
            }
            None => DraftLine {
                prefix: String::new(),
                field: None,
                value: line.to_string(),
            },
        }
    }

    pub fn render(&self) -> String {
        format!("{}{}", self.prefix, self.value)
    }
}

/// The draft as edited, lines that are now empty dropped and trailing blanks trimmed.
pub fn join_lines(lines: &[DraftLine]) -> String {
    lines
        .iter()
        .filter(|l| l.field.is_none() || !l.value.trim().is_empty())
        .map(DraftLine::render)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::event::{EventBody, HypothesisState};
    use crate::judge::Outcome;
    use chrono::TimeZone;

    fn ev(seq: u64, body: EventBody) -> Event {
        Event {
            seq,
            ts: Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap(),
            actor: "ana".into(),
            body,
        }
    }

    fn finished(title: &str, outcome: Outcome, finding: Option<&str>) -> EventBody {
        EventBody::StepFinished {
            step: title.to_lowercase(),
            title: title.into(),
            command: None,
            exit_code: Some(0),
            duration_ms: 10,
            outcome,
            finding: finding.map(str::to_string),
            output: String::new(),
            failed: vec![],
            diff: None,
            next: None,
            reason: None,
        }
    }

    fn next_update() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 10, 30, 0).unwrap()
    }

    #[test]
    fn draft_has_the_five_fields_from_the_log() {
        let events = vec![
            ev(
                1,
                EventBody::Symptom {
                    text: "webhooks return 500".into(),
                    step: None,
                },
            ),
            ev(2, finished("Ping redis", Outcome::Ok, None)),
            ev(
                3,
                finished("Queue depth", Outcome::Find, Some("pending high")),
            ),
            ev(
                4,
                EventBody::Hypothesis {
                    id: "h1".into(),
                    text: "worker is stuck".into(),
                    state: HypothesisState::Open,
                    disproof: None,
                    step: None,
                },
            ),
        ];
        let d = fallback_draft(
            &events,
            "en",
            Some("Restart worker"),
            next_update(),
            Duration::from_secs(1800),
        );
        assert_eq!(
            d,
            "State: investigating\nImpact: webhooks return 500\n\
             What changed: Ping redis: ok; Queue depth: find (pending high); hypothesis: worker is stuck\n\
             Next action: Restart worker\nNext update: in 30 min (2026-01-01 10:30 UTC)"
        );
    }

    #[test]
    fn draft_only_reports_what_changed_since_the_last_update_and_speaks_spanish() {
        let events = vec![
            ev(1, finished("Ping redis", Outcome::Ok, None)),
            ev(2, EventBody::StatusUpdate { text: "x".into() }),
            ev(
                3,
                EventBody::Milestone {
                    milestone: Milestone::Mitigated,
                },
            ),
        ];
        let d = fallback_draft(&events, "es", None, next_update(), Duration::from_secs(900));
        assert!(
            d.starts_with("Estado: mitigado\nImpacto: por evaluar\n"),
            "{d}"
        );
        assert!(d.contains("Qué cambió: mitigated\n"), "{d}");
        assert!(
            d.contains("Próxima acción: continuar el diagnóstico\n"),
            "{d}"
        );
        assert!(d.ends_with("en 15 min (2026-01-01 10:30 UTC)"), "{d}");
    }

    #[test]
    fn draft_lines_split_into_field_and_value() {
        let l = DraftLine::parse("Next update: in 15 min (10:45 UTC)");
        assert_eq!(l.field.as_deref(), Some("Next update"));
        assert_eq!(l.value, "in 15 min (10:45 UTC)");
        assert_eq!(l.render(), "Next update: in 15 min (10:45 UTC)");

        let bullet = DraftLine::parse("- estado: investigando");
        assert_eq!(bullet.field.as_deref(), Some("estado"));
        assert_eq!(bullet.prefix, "- estado: ");

        let url = DraftLine::parse("see http://status.example.com");
        assert_eq!(url.field, None);
        assert_eq!(url.render(), "see http://status.example.com");
    }

    #[test]
    fn emptied_fields_are_dropped_when_joined() {
        let mut lines: Vec<DraftLine> = "State: investigating\nImpact: x\n\nfree text"
            .lines()
            .map(DraftLine::parse)
            .collect();
        lines[1].value.clear();
        assert_eq!(join_lines(&lines), "State: investigating\n\nfree text");
    }
}
