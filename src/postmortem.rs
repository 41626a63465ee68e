//! The postmortem draft: a handlebars template over a context folded from the event
//! log. The log is the only source: every field either comes from an event or is
//! marked as not recorded, never guessed. `runbook postmortem` re-renders it at
//! any time.

use crate::cli::{Global, PostmortemArgs};
use crate::error::{Error, Result};
use crate::graph::{NodeKind, Playbook};
use crate::incident::event::{Event, EventBody, HypothesisState, Milestone, SessionStatus};
use crate::incident::logmd::{self, is_es, node_title, outcome_name, status_name};
use crate::incident::status::{severity, symptoms, update_interval_minutes};
use crate::incident::{self, human_duration, store};
use crate::judge::Outcome;
use crate::redact::Redactor;
use chrono::{DateTime, Utc};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderErrorReason,
    Template,
};
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const TEMPLATE_EN: &str = include_str!("../templates/postmortem.en.md.hbs");
pub const TEMPLATE_ES: &str = include_str!("../templates/postmortem.es.md.hbs");

/// The built-in template for `lang` (`es…` → Spanish, anything else English).
pub fn builtin_template(lang: &str) -> &'static str {
    if is_es(lang) {
        TEMPLATE_ES
    } else {
        TEMPLATE_EN
    }
}

/// The built-in templates (English, Spanish), each compiled once: compiling one is
/// most of the work of rendering it.
static BUILTIN_COMPILED: [OnceLock<Template>; 2] = [OnceLock::new(), OnceLock::new()];

/// The built-in template for `lang`, compiled.
fn builtin_compiled(lang: &str) -> &'static Template {
    let es = is_es(lang);
    BUILTIN_COMPILED[usize::from(es)].get_or_init(|| {
        Template::compile(builtin_template(lang)).expect("the built-in templates compile")
    })
}

/// Compiles the built-in template for `lang` on a thread of its own, so a session's
/// postmortem need not wait for it at the end.
pub fn compile_in_background(lang: &str) {
    let lang = lang.to_string();
    let _ = std::thread::Builder::new()
        .name("runbook-template".into())
        .spawn(move || builtin_compiled(&lang));
}

/// The postmortem of `events` as Markdown, in `lang`, from `template` (a handlebars
/// file) or the built-in one.
pub fn render(
    events: &[Event],
    playbook: &Playbook,
    lang: &str,
    template: Option<&Path>,
) -> Result<String> {
    let name = template.map_or_else(
        || format!("postmortem.{lang}.md.hbs"),
        |p| p.display().to_string(),
    );
    let compiled = match template {
        Some(path) => {
            let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            Template::compile(&source).map_err(|e| template_syntax_error(&name, &e))?
        }
        None => builtin_compiled(lang).clone(),
    };
    let context = PostmortemContext::build(events, playbook, lang);
    let mut registry = registry(is_es(lang));
    registry.register_template(&name, compiled);
    registry
        .render(&name, &context)
        .map_err(|e| template_error(&name, &e))
}

/// Renders the postmortem of the incident in `dir` into `dir/postmortem.md` (in the
/// language of the session unless `lang` says otherwise), redacted once more on the
/// way out, and returns the path written.
pub fn write(
    dir: &Path,
    redactor: &Redactor,
    lang: Option<&str>,
    template: Option<&Path>,
) -> Result<PathBuf> {
    let text = render_incident(dir, redactor, lang, template)?;
    let path = dir.join(store::POSTMORTEM_FILE);
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// The postmortem of the incident in `dir`, redacted.
pub fn render_incident(
    dir: &Path,
    redactor: &Redactor,
    lang: Option<&str>,
    template: Option<&Path>,
) -> Result<String> {
    let events = incident::read_events(dir)?;
    let playbook = incident::read_playbook(dir)?;
    let lang = lang
        .map(str::to_string)
        .unwrap_or_else(|| logmd::lang_of(&events, &playbook));
    let lang = if lang.trim().is_empty() {
        "en".to_string()
    } else {
        lang
    };
    let text = render(&events, &playbook, &lang, template)?;
    Ok(redactor.redact(&text))
}

/// `runbook postmortem INCIDENT [--template FILE] [--lang en|es] [-o FILE]`.
pub fn command(g: &Global, a: &PostmortemArgs) -> Result<i32> {
    let dir = incident::find(&g.incidents_dir, &a.incident)?;
    let redactor = Redactor::new(Vec::new());
    let lang = a.lang.as_deref();
    let template = a.template.as_deref();
    match a.output.as_deref() {
        Some(out) if out == Path::new("-") => {
            crate::stdout::print(&render_incident(&dir, &redactor, lang, template)?)?;
        }
        Some(out) => {
            let text = render_incident(&dir, &redactor, lang, template)?;
            std::fs::write(out, text).map_err(|e| Error::io(out, e))?;
            if !g.quiet {
                crate::stdout::print_line(&out.display().to_string())?;
            }
        }
        None => {
            let path = write(&dir, &redactor, lang, template)?;
            if !g.quiet {
                crate::stdout::print_line(&path.display().to_string())?;
            }
        }
    }
    Ok(0)
}

/// A template that does not compile: the file and line of the fault.
fn template_syntax_error(name: &str, e: &handlebars::TemplateError) -> Error {
    let reason = e.reason().to_string();
    match e.pos() {
        Some((line, column)) => Error::Parse {
            file: PathBuf::from(name),
            line,
            message: format!("column {column}: {reason}"),
        },
        None => Error::Other(format!("{name}: {reason}")),
    }
}

fn template_error(name: &str, e: &handlebars::RenderError) -> Error {
    match e.line_no {
        Some(line) => Error::Parse {
            file: PathBuf::from(name),
            line,
            message: e.reason().to_string(),
        },
        None => Error::Other(format!("{name}: {e}")),
    }
}

/// Handlebars for Markdown: no HTML escaping, strict (a misspelt field is an error,
/// not a silent blank), and three helpers: `{{show x}}` (the value, or the "not
/// recorded" mark when it is null or empty), `{{missing}}` (the mark alone),
/// `{{to_fill}}` (the "to fill" mark of owners and due dates) and `{{cell x}}`
/// (`show` made safe for a table cell).
fn registry(es: bool) -> Handlebars<'static> {
    let mut h = Handlebars::new();
    h.set_strict_mode(true);
    h.register_escape_fn(handlebars::no_escape);
    let mark = not_recorded(es);
    h.register_helper("show", value_helper("show", mark, |text| text));
    h.register_helper(
        "cell",
        value_helper("cell", mark, |text| logmd::cell(&text)),
    );
    h.register_helper("to_fill", constant_helper(to_fill(es)));
    h.register_helper("missing", constant_helper(mark));
    h
}

/// A helper writing its first parameter (or `mark` when it is null or empty) through
/// `format`.
fn value_helper(
    name: &'static str,
    mark: &'static str,
    format: fn(String) -> String,
) -> Box<dyn HelperDef + Send + Sync> {
    Box::new(
        move |helper: &Helper,
              _: &Handlebars,
              _: &Context,
              _: &mut RenderContext,
              out: &mut dyn Output|
              -> HelperResult {
            let value = helper
                .param(0)
                .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?;
            let text = shown(value.value()).unwrap_or_else(|| mark.to_string());
            out.write(&format(text))?;
            Ok(())
        },
    )
}

/// A helper writing a fixed text.
fn constant_helper(text: &'static str) -> Box<dyn HelperDef + Send + Sync> {
    Box::new(
        move |_: &Helper,
              _: &Handlebars,
              _: &Context,
              _: &mut RenderContext,
              out: &mut dyn Output|
              -> HelperResult {
            out.write(text)?;
            Ok(())
        },
    )
}

/// A field the log can never hold (an owner, a due date), left for a person.
fn to_fill(es: bool) -> &'static str {
    if es {
        "_(por completar)_"
    } else {
        "_(to fill)_"
    }
}

fn not_recorded(es: bool) -> &'static str {
    if es {
        "_(sin registrar)_"
    } else {
        "_(not recorded)_"
    }
}

/// A value as text, `None` when there is nothing to show.
fn shown(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) if items.is_empty() => None,
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(shown)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => Some(other.to_string()),
    }
}

/// Everything a template can use. Optional fields are `null` when the log does not
/// say; templates show them with `{{show …}}`.
#[derive(Debug, Serialize)]
pub struct PostmortemContext {
    pub lang: String,
    pub title: String,
    pub incident: Option<String>,
    pub generated_at: String,
    pub playbook: PlaybookInfo,
    pub severity: Option<String>,
    pub status: Option<String>,
    pub escalation_level: Option<String>,
    pub responders: Vec<String>,
    /// The summary recorded at the end of the session, else one drafted from the log.
    pub summary: String,
    pub summary_is_draft: bool,
    pub times: Vec<TimePoint>,
    /// What the durations are measured from: detection, or the session start.
    pub durations_from: String,
    pub durations: Vec<Span>,
    pub timeline: Vec<TimelineEntry>,
    pub symptoms: Vec<String>,
    pub hypotheses: Vec<HypothesisEntry>,
    pub commands: Vec<CommandEntry>,
    pub manual: Vec<TimelineEntry>,
    pub decisions: Vec<DecisionEntry>,
    pub root_cause: Vec<String>,
    pub contributing: Vec<String>,
    pub followups: Vec<FollowUp>,
    pub status_updates: Vec<TimelineEntry>,
    pub notes: Vec<TimelineEntry>,
    pub messages: Messages,
}

#[derive(Debug, Serialize)]
pub struct PlaybookInfo {
    pub id: String,
    pub title: String,
    pub source: String,
    pub service: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TimePoint {
    pub name: String,
    pub at: Option<String>,
    /// Which event it comes from.
    pub source: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Span {
    pub name: String,
    pub value: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TimelineEntry {
    pub ts: String,
    pub actor: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct HypothesisEntry {
    pub id: String,
    pub text: String,
    /// open, confirmed or refuted, in the template's language.
    pub state: String,
    pub disproof: Option<String>,
    /// When it was raised and when its state last changed.
    pub raised: String,
    pub settled: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CommandEntry {
    pub ts: String,
    pub step: String,
    pub title: String,
    pub command: String,
    pub outcome: String,
    pub exit_code: Option<i32>,
    pub duration: String,
    pub finding: Option<String>,
    pub failed: Vec<String>,
    pub reason: Option<String>,
    /// The head of the recorded output, and a code fence longer than any run of
    /// backticks in it.
    pub output: Option<String>,
    pub fence: String,
}

#[derive(Debug, Serialize)]
pub struct DecisionEntry {
    pub ts: String,
    pub question: String,
    pub choice: String,
    pub to: String,
}

#[derive(Debug, Serialize)]
pub struct FollowUp {
    pub text: String,
    /// `playbook` (its Prevention section) or `session` (left open by it).
    pub source: String,
}

/// The three messages of the teams' communication template.
#[derive(Debug, Serialize)]
pub struct Messages {
    pub initial: InitialMessage,
    pub mitigation: MitigationMessage,
    pub closing: ClosingMessage,
}

#[derive(Debug, Serialize)]
pub struct InitialMessage {
    pub state: String,
    pub impact: Option<String>,
    pub scope: Option<String>,
    pub next_update: String,
}

#[derive(Debug, Serialize)]
pub struct MitigationMessage {
    pub state: Option<String>,
    pub workaround: Option<String>,
    pub residual_risk: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ClosingMessage {
    pub state: Option<String>,
    pub root_cause: Option<String>,
    pub followups: Option<String>,
}

const OUTPUT_LINES: usize = 15;
const OUTPUT_LINE_CHARS: usize = 200;

impl PostmortemContext {
    pub fn build(events: &[Event], playbook: &Playbook, lang: &str) -> PostmortemContext {
        let es = is_es(lang);
        let t = |en: &str, sp: &str| if es { sp.to_string() } else { en.to_string() };
        let ended = last_ending(events);
        // No ending in the log: the session is running, or its process died.
        let ended_status = ended
            .as_ref()
            .map(|(_, s, _)| status_name(*s, es).to_string());
        let status = Some(
            ended_status
                .clone()
                .unwrap_or_else(|| t("not ended", "sin cerrar")),
        );
        let hypotheses = hypotheses(events, es);
        let root_cause: Vec<String> = hypotheses
            .iter()
            .filter(|h| h.state == logmd::hypothesis_state(HypothesisState::Confirmed, es))
            .map(|h| h.text.clone())
            .collect();
        let followups = followups(events, playbook, &hypotheses, es);
        let (times, durations_from, durations) = times_and_durations(events, es);
        let sev = Some(severity(events))
            .filter(|s| !s.is_empty())
            .or_else(|| playbook.severity.clone());
        let title = first_started(events)
            .map(|(title, _)| title)
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| playbook.title.clone());
        let recorded_summary = ended
            .as_ref()
            .and_then(|(_, _, summary)| summary.clone())
            .filter(|s| !s.trim().is_empty());
        let summary_is_draft = recorded_summary.is_none();
        let context_summary = recorded_summary.unwrap_or_else(|| {
            draft_summary(
                &title,
                playbook,
                sev.as_deref(),
                ended_status.as_deref(),
                &durations,
                &root_cause,
                events,
                es,
            )
        });
        PostmortemContext {
            lang: lang.to_string(),
            incident: first_started(events)
                .map(|(_, incident)| incident)
                .filter(|i| !i.is_empty()),
            generated_at: Utc::now().format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            playbook: PlaybookInfo {
                id: playbook.id.clone(),
                title: playbook.title.clone(),
                source: playbook.source.clone(),
                service: playbook.service.clone(),
            },
            severity: sev.clone(),
            status,
            escalation_level: ended.as_ref().and_then(|_| escalation_level(events)),
            responders: responders(events),
            summary: context_summary,
            summary_is_draft,
            times,
            durations_from,
            durations,
            timeline: timeline(events, playbook, es),
            symptoms: symptoms(events),
            commands: commands(events),
            manual: manual(events, playbook),
            decisions: decisions(events, playbook, es),
            contributing: contributing(events),
            status_updates: entries(events, |b| match b {
                EventBody::StatusUpdate { text } => Some(text.clone()),
                _ => None,
            }),
            notes: entries(events, |b| match b {
                EventBody::Note { text } => Some(text.clone()),
                _ => None,
            }),
            messages: messages(
                events,
                playbook,
                sev.as_deref(),
                &hypotheses,
                &root_cause,
                &followups,
                es,
            ),
            hypotheses,
            root_cause,
            followups,
            title: if title.is_empty() {
                t("Incident", "Incidente")
            } else {
                title
            },
        }
    }
}

fn utc(ts: DateTime<Utc>) -> String {
    ts.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn first_started(events: &[Event]) -> Option<(String, String)> {
    events.iter().find_map(|e| match &e.body {
        EventBody::SessionStarted {
            title, incident, ..
        } => Some((title.clone(), incident.clone())),
        _ => None,
    })
}

/// The last `session_ended`, unless a session started again after it.
fn last_ending(events: &[Event]) -> Option<(DateTime<Utc>, SessionStatus, Option<String>)> {
    for e in events.iter().rev() {
        match &e.body {
            EventBody::SessionEnded {
                status, summary, ..
            } => return Some((e.ts, *status, summary.clone())),
            EventBody::SessionStarted { .. } => return None,
            _ => {}
        }
    }
    None
}

fn escalation_level(events: &[Event]) -> Option<String> {
    events.iter().rev().find_map(|e| match &e.body {
        EventBody::SessionEnded {
            status: SessionStatus::Escalated,
            level,
            ..
        } => level.clone(),
        _ => None,
    })
}

/// The people who recorded something (the tool itself and `answers` excluded).
fn responders(events: &[Event]) -> Vec<String> {
    let mut people: Vec<String> = Vec::new();
    for e in events {
        let a = e.actor.trim();
        if !a.is_empty() && a != "runbook" && a != "answers" && !people.iter().any(|p| p == a) {
            people.push(a.to_string());
        }
    }
    people
}

fn milestone_at(events: &[Event], wanted: Milestone) -> Option<DateTime<Utc>> {
    events.iter().find_map(|e| match &e.body {
        EventBody::Milestone { milestone } if *milestone == wanted => Some(e.ts),
        _ => None,
    })
}

fn ended_as(events: &[Event], wanted: &[SessionStatus]) -> Option<DateTime<Utc>> {
    events.iter().find_map(|e| match &e.body {
        EventBody::SessionEnded { status, .. } if wanted.contains(status) => Some(e.ts),
        _ => None,
    })
}

/// Key timestamps, what durations are measured from, and the durations: this
/// incident's own, from its milestone events (or, for mitigated and resolved, the
/// session ending that way).
fn times_and_durations(events: &[Event], es: bool) -> (Vec<TimePoint>, String, Vec<Span>) {
    let t = |en: &str, sp: &str| if es { sp.to_string() } else { en.to_string() };
    let milestone_src = t("milestone", "hito");
    let ending_src = t("session end", "fin de sesión");
    let start = events.first().map(|e| e.ts);
    let detected = milestone_at(events, Milestone::Detected);
    let acknowledged = milestone_at(events, Milestone::Acknowledged);
    let (mitigated, mitigated_src) = match milestone_at(events, Milestone::Mitigated) {
        Some(ts) => (Some(ts), Some(milestone_src.clone())),
        None => match ended_as(events, &[SessionStatus::Mitigated, SessionStatus::Resolved]) {
            Some(ts) => (Some(ts), Some(ending_src.clone())),
            None => (None, None),
        },
    };
    let (resolved, resolved_src) = match milestone_at(events, Milestone::Resolved) {
        Some(ts) => (Some(ts), Some(milestone_src.clone())),
        None => match ended_as(events, &[SessionStatus::Resolved]) {
            Some(ts) => (Some(ts), Some(ending_src.clone())),
            None => (None, None),
        },
    };
    let ended = last_ending(events).map(|(ts, _, _)| ts);
    let point = |name: String, at: Option<DateTime<Utc>>, source: Option<String>| TimePoint {
        name,
        at: at.map(utc),
        source: at.and(source),
    };
    let times = vec![
        point(t("Impact began", "Inicio del impacto"), None, None),
        point(
            t("Detected", "Detectado"),
            detected,
            Some(milestone_src.clone()),
        ),
        point(
            t("Session started", "Sesión iniciada"),
            start,
            Some("session_started".into()),
        ),
        point(
            t("Acknowledged", "Reconocido"),
            acknowledged,
            Some(milestone_src.clone()),
        ),
        point(t("Mitigated", "Mitigado"), mitigated, mitigated_src),
        point(t("Resolved", "Resuelto"), resolved, resolved_src),
        point(
            t("Session ended", "Sesión terminada"),
            ended,
            Some("session_ended".into()),
        ),
    ];
    let (base, from) = match (detected, start) {
        (Some(d), _) => (Some(d), t("detection", "la detección")),
        (None, s) => (
            s,
            t(
                "the session start (detection not recorded)",
                "el inicio de la sesión (detección sin registrar)",
            ),
        ),
    };
    let span = |name: String, to: Option<DateTime<Utc>>| Span {
        name,
        value: base
            .zip(to)
            .filter(|(b, to)| to >= b)
            .map(|(b, to)| human_duration((to - b).num_seconds())),
    };
    let durations = vec![
        // The impact start is never in the log, so time to detect is for a person to fill.
        Span {
            name: t("Time to detect", "Tiempo hasta detectar"),
            value: None,
        },
        span(
            t("Time to acknowledge", "Tiempo hasta reconocer"),
            acknowledged,
        ),
        span(t("Time to mitigate", "Tiempo hasta mitigar"), mitigated),
        span(t("Time to resolve", "Tiempo hasta resolver"), resolved),
        Span {
            name: t("Session length", "Duración de la sesión"),
            value: start
                .zip(ended.or_else(|| events.last().map(|e| e.ts)))
                .map(|(s, e)| human_duration((e - s).num_seconds())),
        },
    ];
    (times, from, durations)
}

fn timeline(events: &[Event], playbook: &Playbook, es: bool) -> Vec<TimelineEntry> {
    let label = |en: &str, sp: &str| if es { sp.to_string() } else { en.to_string() };
    logmd::entries(events, playbook, es)
        .into_iter()
        .map(|(e, row)| {
            let mut parts = Vec::new();
            if !row.symptom.is_empty() {
                parts.push(format!("{}: {}", label("Symptom", "Síntoma"), row.symptom));
            }
            if !row.hypothesis.is_empty() {
                parts.push(format!(
                    "{}: {}",
                    label("Hypothesis", "Hipótesis"),
                    row.hypothesis
                ));
            }
            if !row.action.is_empty() {
                parts.push(row.action.clone());
            }
            if !row.result.is_empty() {
                parts.push(format!("→ {}", row.result));
            }
            if !row.next.is_empty() {
                parts.push(format!("({}: {})", label("next", "siguiente"), row.next));
            }
            TimelineEntry {
                ts: utc(e.ts),
                actor: e.actor.clone(),
                text: logmd::one_line(&parts.join(" ")),
            }
        })
        .collect()
}

/// Each hypothesis once, in the order raised, with its latest state.
fn hypotheses(events: &[Event], es: bool) -> Vec<HypothesisEntry> {
    let mut out: Vec<(HypothesisEntry, HypothesisState)> = Vec::new();
    for e in events {
        if let EventBody::Hypothesis {
            id,
            text,
            state,
            disproof,
            ..
        } = &e.body
        {
            match out.iter_mut().find(|(h, _)| &h.id == id) {
                Some((h, last)) => {
                    if !text.trim().is_empty() {
                        h.text = text.clone();
                    }
                    if disproof.is_some() {
                        h.disproof = disproof.clone();
                    }
                    if state != last {
                        h.settled = Some(utc(e.ts));
                    }
                    h.state = logmd::hypothesis_state(*state, es).to_string();
                    *last = *state;
                }
                None => out.push((
                    HypothesisEntry {
                        id: id.clone(),
                        text: text.clone(),
                        state: logmd::hypothesis_state(*state, es).to_string(),
                        disproof: disproof.clone(),
                        raised: utc(e.ts),
                        settled: None,
                    },
                    *state,
                )),
            }
        }
    }
    out.into_iter().map(|(h, _)| h).collect()
}

fn commands(events: &[Event]) -> Vec<CommandEntry> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::StepFinished {
                step,
                title,
                command: Some(command),
                exit_code,
                duration_ms,
                outcome,
                finding,
                output,
                failed,
                reason,
                ..
            } if !command.trim().is_empty() => {
                let output = excerpt(output);
                Some(CommandEntry {
                    ts: utc(e.ts),
                    step: step.clone(),
                    title: title.clone(),
                    command: command.trim_end().to_string(),
                    outcome: outcome_name(*outcome).to_string(),
                    exit_code: *exit_code,
                    duration: human_ms(*duration_ms),
                    finding: finding.clone(),
                    failed: failed.clone(),
                    reason: reason.clone(),
                    fence: fence_for(output.as_deref().unwrap_or("")),
                    output,
                })
            }
            _ => None,
        })
        .collect()
}

fn excerpt(output: &str) -> Option<String> {
    let lines: Vec<&str> = output.lines().collect();
    if lines.iter().all(|l| l.trim().is_empty()) {
        return None;
    }
    let mut kept: Vec<String> = lines
        .iter()
        .take(OUTPUT_LINES)
        .map(|l| logmd::truncate(l, OUTPUT_LINE_CHARS))
        .collect();
    if lines.len() > OUTPUT_LINES {
        kept.push(format!("… ({} more lines)", lines.len() - OUTPUT_LINES));
    }
    Some(kept.join("\n"))
}

fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn human_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        human_duration((ms / 1000) as i64)
    }
}

/// What was done by hand: actions recorded by people, and manual steps carried out.
fn manual(events: &[Event], playbook: &Playbook) -> Vec<TimelineEntry> {
    events
        .iter()
        .filter_map(|e| {
            let text = match &e.body {
                EventBody::Action { text, .. } => text.clone(),
                EventBody::StepFinished {
                    step,
                    title,
                    command: None,
                    outcome: Outcome::Ok,
                    ..
                } if playbook
                    .node(step)
                    .is_some_and(|n| n.kind == NodeKind::Manual) =>
                {
                    title.clone()
                }
                _ => return None,
            };
            Some(TimelineEntry {
                ts: utc(e.ts),
                actor: e.actor.clone(),
                text: logmd::one_line(&text),
            })
        })
        .collect()
}

fn decisions(events: &[Event], playbook: &Playbook, es: bool) -> Vec<DecisionEntry> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Decision {
                question,
                choice,
                to,
                ..
            } => Some(DecisionEntry {
                ts: utc(e.ts),
                question: question.clone(),
                choice: choice.clone(),
                to: node_title(playbook, to, es),
            }),
            _ => None,
        })
        .collect()
}

/// What the checks found and what failed: facts for the contributing factors.
fn contributing(events: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        if let EventBody::StepFinished {
            title,
            outcome,
            finding,
            failed,
            ..
        } = &e.body
        {
            let line = match (outcome, finding) {
                (Outcome::Find, Some(label)) => format!("{title}: {label}"),
                (Outcome::Fail, _) if !failed.is_empty() => {
                    format!("{title}: {}", failed.join("; "))
                }
                (Outcome::Timeout, _) => format!("{title}: timeout"),
                _ => continue,
            };
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }
    out
}

fn followups(
    events: &[Event],
    playbook: &Playbook,
    hypotheses: &[HypothesisEntry],
    es: bool,
) -> Vec<FollowUp> {
    let t = |en: &str, sp: &str| if es { sp.to_string() } else { en.to_string() };
    let mut out: Vec<FollowUp> = playbook
        .prevention
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| FollowUp {
            text: logmd::one_line(p),
            source: "playbook".into(),
        })
        .collect();
    let open = logmd::hypothesis_state(HypothesisState::Open, es);
    for h in hypotheses.iter().filter(|h| h.state == open) {
        out.push(FollowUp {
            text: format!(
                "{}: {}",
                t(
                    "Confirm or refute the open hypothesis",
                    "Confirmar o descartar la hipótesis abierta"
                ),
                h.text
            ),
            source: "session".into(),
        });
    }
    for e in events {
        if let EventBody::StepFinished {
            title,
            outcome: Outcome::Skipped,
            reason: Some(reason),
            ..
        } = &e.body
        {
            if reason == "destructive" || reason == "manual-pending" {
                out.push(FollowUp {
                    text: format!(
                        "{} ({reason}): {title}",
                        t(
                            "Review the step left undone",
                            "Revisar el paso no ejecutado"
                        )
                    ),
                    source: "session".into(),
                });
            }
        }
    }
    if let Some(level) = escalation_level(events) {
        out.push(FollowUp {
            text: format!(
                "{} {level}",
                t(
                    "Close the loop with escalation level",
                    "Cerrar el seguimiento con el nivel de escalamiento"
                )
            ),
            source: "session".into(),
        });
    }
    out
}

fn entries(events: &[Event], pick: impl Fn(&EventBody) -> Option<String>) -> Vec<TimelineEntry> {
    events
        .iter()
        .filter_map(|e| {
            pick(&e.body).map(|text| TimelineEntry {
                ts: utc(e.ts),
                actor: e.actor.clone(),
                text,
            })
        })
        .collect()
}

fn messages(
    events: &[Event],
    playbook: &Playbook,
    severity: Option<&str>,
    hypotheses: &[HypothesisEntry],
    root_cause: &[String],
    followups: &[FollowUp],
    es: bool,
) -> Messages {
    let t = |en: &str, sp: &str| if es { sp.to_string() } else { en.to_string() };
    let impact = Some(symptoms(events).join("; ")).filter(|s| !s.is_empty());
    let scope = severity.and_then(|s| match s.trim().to_ascii_lowercase().as_str() {
        "sev1" => Some(t("total", "total")),
        "sev2" | "sev3" => Some(t("partial", "parcial")),
        "sev4" => Some(t("internal", "interno")),
        _ => None,
    });
    let minutes = update_interval_minutes(severity.unwrap_or(""));
    let mitigated = milestone_at(events, Milestone::Mitigated).is_some()
        || ended_as(events, &[SessionStatus::Mitigated, SessionStatus::Resolved]).is_some();
    let workaround: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Action { text, .. } => Some(logmd::one_line(text)),
            EventBody::StepFinished {
                title,
                outcome: Outcome::Ok,
                command: Some(_),
                step,
                ..
            } if playbook
                .node(step)
                .is_some_and(|n| n.kind == NodeKind::Action) =>
            {
                Some(title.clone())
            }
            _ => None,
        })
        .collect();
    let open = logmd::hypothesis_state(HypothesisState::Open, es);
    let residual: Vec<String> = hypotheses
        .iter()
        .filter(|h| h.state == open)
        .map(|h| format!("{}: {}", t("open hypothesis", "hipótesis abierta"), h.text))
        .collect();
    let final_state = last_ending(events).map(|(_, s, _)| status_name(s, es).to_string());
    Messages {
        initial: InitialMessage {
            state: t("investigating", "investigando"),
            impact,
            scope,
            next_update: format!("{minutes} {}", t("minutes", "minutos")),
        },
        mitigation: MitigationMessage {
            state: mitigated.then(|| t("mitigated", "mitigado")),
            workaround: Some(workaround.join("; ")).filter(|s| !s.is_empty()),
            residual_risk: Some(residual.join("; ")).filter(|s| !s.is_empty()),
        },
        closing: ClosingMessage {
            state: final_state,
            root_cause: Some(root_cause.join("; ")).filter(|s| !s.is_empty()),
            followups: Some(
                followups
                    .iter()
                    .map(|f| f.text.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .filter(|s| !s.is_empty()),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn draft_summary(
    title: &str,
    playbook: &Playbook,
    severity: Option<&str>,
    status: Option<&str>,
    durations: &[Span],
    root_cause: &[String],
    events: &[Event],
    es: bool,
) -> String {
    let mut s = String::new();
    let service = playbook
        .service
        .as_deref()
        .map(|sv| {
            if es {
                format!(" en {sv}")
            } else {
                format!(" on {sv}")
            }
        })
        .unwrap_or_default();
    let sev = severity.map(|v| format!(" ({v})")).unwrap_or_default();
    s.push_str(&format!("{title}{service}{sev}. "));
    let length = durations.last().and_then(|d| d.value.clone());
    match (status, length, es) {
        (Some(st), Some(len), false) => {
            s.push_str(&format!("The session ended {st} after {len}. "))
        }
        (Some(st), Some(len), true) => s.push_str(&format!("La sesión terminó {st} tras {len}. ")),
        (None, _, false) => s.push_str("The session has not ended. "),
        (None, _, true) => s.push_str("La sesión no ha terminado. "),
        (Some(st), None, false) => s.push_str(&format!("The session ended {st}. ")),
        (Some(st), None, true) => s.push_str(&format!("La sesión terminó {st}. ")),
    }
    let observed = symptoms(events);
    if !observed.is_empty() {
        s.push_str(&format!(
            "{}: {}. ",
            if es { "Síntomas" } else { "Symptoms" },
            observed.join("; ")
        ));
    }
    match (root_cause.is_empty(), es) {
        (false, false) => s.push_str(&format!("Root cause: {}.", root_cause.join("; "))),
        (false, true) => s.push_str(&format!("Causa raíz: {}.", root_cause.join("; "))),
        (true, false) => s.push_str("No hypothesis was confirmed as root cause."),
        (true, true) => s.push_str("Ninguna hipótesis quedó confirmada como causa raíz."),
    }
    logmd::one_line(&s)
}
