//! The fuzzy playbook picker shown when `run` is given no playbook on a terminal.

use crate::error::{Error, Result};
use crate::graph::Playbook;
use crate::guided::prompter::{answer, set_color};
use crate::guided::view::Paint;
use crate::guided::view::{option_width, truncate};
use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use std::fmt;

/// One playbook in the list: a short line to show, a long text to search.
struct PickOption {
    index: usize,
    line: String,
    haystack: String,
    /// What the answered prompt shows: `Title (id)`.
    answer: String,
}

impl fmt::Display for PickOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

/// The symptoms' text, as the person would recognise them.
fn symptom_texts(playbook: &Playbook) -> Vec<&str> {
    playbook
        .symptoms()
        .map(|n| n.text.as_deref().unwrap_or(&n.title))
        .collect()
}

/// `Title (service, sev2) — first symptom; second symptom`, cut to `width`
/// characters; the filter still searches the whole text.
pub fn option_line(playbook: &Playbook, width: usize) -> String {
    let mut tags: Vec<&str> = Vec::new();
    if let Some(service) = playbook.service.as_deref() {
        tags.push(service);
    }
    if let Some(severity) = playbook.severity.as_deref() {
        tags.push(severity);
    }
    let mut line = playbook.title.clone();
    if !tags.is_empty() {
        line.push_str(&format!(" ({})", tags.join(", ")));
    }
    let symptoms = symptom_texts(playbook);
    if !symptoms.is_empty() {
        line.push_str(" — ");
        line.push_str(&symptoms.join("; "));
    }
    truncate(&line.replace('\n', " "), width)
}

/// Everything the filter matches against, folded to lower-case ASCII so
/// `sintomas` finds `Síntomas`.
pub fn haystack(playbook: &Playbook) -> String {
    let mut parts = vec![playbook.title.as_str(), playbook.id.as_str()];
    parts.extend(playbook.service.as_deref());
    parts.extend(playbook.tags.iter().map(String::as_str));
    parts.extend(symptom_texts(playbook));
    fold(&parts.join(" | "))
}

fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

/// How well `input` matches a haystack; `None` hides the option.
pub fn score(matcher: &SkimMatcherV2, input: &str, haystack: &str) -> Option<i64> {
    let input = fold(input.trim());
    if input.is_empty() {
        return Some(0);
    }
    // Every word must match somewhere: "redis timeout" narrows, not widens.
    input
        .split_whitespace()
        .map(|word| matcher.fuzzy_match(haystack, word))
        .sum()
}

/// Asks which playbook to run, filtering by title, id, service, tags and symptoms.
/// Colour follows `NO_COLOR`; [`pick_playbook_with`] also honours `--no-color`.
pub fn pick_playbook(playbooks: &[Playbook]) -> Result<Playbook> {
    pick_playbook_with(playbooks, Paint::from_env(false))
}

/// [`pick_playbook`] with the session's colour choice.
pub fn pick_playbook_with(playbooks: &[Playbook], paint: Paint) -> Result<Playbook> {
    set_color(paint);
    if playbooks.is_empty() {
        return Err(Error::Usage(
            "no playbooks found: name a Markdown file, or pass --playbooks DIR".into(),
        ));
    }
    let width = option_width();
    let options: Vec<PickOption> = playbooks
        .iter()
        .enumerate()
        .map(|(index, p)| PickOption {
            index,
            line: option_line(p, width),
            haystack: haystack(p),
            answer: format!("{} ({})", p.title, p.id),
        })
        .collect();
    let matcher = SkimMatcherV2::default();
    let scorer = |input: &str, option: &PickOption, _: &str, _: usize| {
        score(&matcher, input, &option.haystack)
    };
    let picked = answer(
        inquire::Select::new("Which playbook?", options)
            .with_help_message("type to filter by title, service or symptom · ↑↓ move · enter pick")
            .with_page_size(12)
            .with_scorer(&scorer)
            .with_formatter(&|picked| picked.value.answer.clone())
            .prompt_skippable(),
    )?;
    match picked {
        Some(option) => playbooks
            .get(option.index)
            .cloned()
            .ok_or_else(|| Error::Other("picked playbook vanished".into())),
        None => Err(Error::Usage("no playbook picked".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Node, NodeKind};

    fn playbook(id: &str, title: &str, service: &str, symptoms: &[&str]) -> Playbook {
        let mut p = Playbook {
            id: id.into(),
            title: title.into(),
            service: Some(service.into()),
            severity: Some("sev2".into()),
            lang: "es".into(),
            ..Playbook::default()
        };
        for (i, s) in symptoms.iter().enumerate() {
            let mut n = Node::new(format!("s{i}"), NodeKind::Symptom, *s, i + 1);
            n.text = Some((*s).to_string());
            p.nodes.push(n);
        }
        p
    }

    #[test]
    fn line_shows_title_service_severity_and_symptoms() {
        let p = playbook(
            "redis",
            "Redis no responde",
            "chatbot",
            &["PING sin respuesta", "timeouts"],
        );
        assert_eq!(
            option_line(&p, 100),
            "Redis no responde (chatbot, sev2) — PING sin respuesta; timeouts"
        );
        let long = playbook("x", &"y".repeat(300), "svc", &[]);
        assert_eq!(option_line(&long, 74).chars().count(), 74);
    }

    #[test]
    fn filter_matches_symptoms_service_and_folds_accents() {
        let m = SkimMatcherV2::default();
        let webhooks = haystack(&playbook(
            "webhooks-fallan",
            "Webhooks fallan",
            "api",
            &["Los síntomas: 401 en Meta"],
        ));
        let redis = haystack(&playbook(
            "redis",
            "Redis no responde",
            "chatbot",
            &["PING falla"],
        ));
        assert!(score(&m, "sintomas", &webhooks).is_some());
        assert!(score(&m, "401", &webhooks).is_some());
        assert!(score(&m, "401", &redis).is_none());
        assert!(score(&m, "chatbot ping", &redis).is_some());
        assert!(score(&m, "chatbot 401", &redis).is_none());
        assert_eq!(score(&m, "  ", &redis), Some(0));
    }

    #[test]
    fn no_playbooks_is_a_usage_error_not_a_prompt() {
        assert!(matches!(pick_playbook(&[]), Err(Error::Usage(_))));
    }
}
