//! `GuidedPrompter`: the person at the terminal answers, through inquire.

use crate::cli::Global;
use crate::error::{Error, Result};
use crate::graph::{Node, Playbook, Variable};
use crate::guided::edit;
use crate::guided::reminders::{self, Reminders};
use crate::guided::status::{self, DraftLine};
use crate::guided::view::{self, Paint, SEVERITIES};
use crate::incident;
use crate::incident::event::{Event, EventBody, SessionStatus};
use crate::interpret;
use crate::judge::Verdict;
use crate::prompt::{Ending, HypothesisInput, Prompter, StepChoice};
use crate::redact::Redactor;
use chrono::{DateTime, Utc};
use inquire::validator::Validation;
use inquire::{
    Confirm, Editor, InquireError, MultiSelect, Password, PasswordDisplayMode, Select, Text,
};
use std::fmt;
use std::io::Write;
use std::sync::Arc;

/// An inquire answer as ours: Esc is `None`, Ctrl-C interrupts the session
/// (recorded as `interrupted`, exit 130), no terminal is a usage error.
pub(crate) fn answer<T>(result: std::result::Result<Option<T>, InquireError>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(value),
        Err(InquireError::OperationCanceled) => Ok(None),
        Err(InquireError::OperationInterrupted) => Err(Error::Interrupted),
        Err(InquireError::NotTTY) => Err(Error::Usage(
            "a guided session needs a terminal: use --answers FILE or --yes".into(),
        )),
        Err(e) => Err(Error::Other(format!("prompt failed: {e}"))),
    }
}

/// Applies `--no-color`/`NO_COLOR` to every inquire prompt of the process
/// (the picker runs before any prompter exists).
pub fn set_color(paint: Paint) {
    let config = if paint.color {
        inquire::ui::RenderConfig::default_colored()
    } else {
        // `>` marks answered prompts, as in the coloured config: the transcript
        // reads as questions and answers, not as questions only.
        inquire::ui::RenderConfig::empty()
            .with_answered_prompt_prefix(inquire::ui::Styled::new(">"))
    };
    inquire::set_global_render_config(config);
}

/// Written to stderr, where inquire draws, so text and prompts stay in order.
fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

fn required(input: &str) -> std::result::Result<Validation, inquire::CustomUserError> {
    Ok(if input.trim().is_empty() {
        Validation::Invalid("a value is needed (Esc leaves it missing)".into())
    } else {
        Validation::Valid
    })
}

/// What the person can do before a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepAction {
    Run,
    Skip,
    Edit,
    Note,
    ManualAction,
    StatusUpdate,
    Abort,
}

impl StepAction {
    const ALL: [StepAction; 7] = [
        StepAction::Run,
        StepAction::Skip,
        StepAction::Edit,
        StepAction::Note,
        StepAction::ManualAction,
        StepAction::StatusUpdate,
        StepAction::Abort,
    ];
}

impl fmt::Display for StepAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StepAction::Run => "Run it",
            StepAction::Skip => "Skip this step",
            StepAction::Edit => "Edit the command, then run it",
            StepAction::Note => "Add a note to the log",
            StepAction::ManualAction => "Record an action taken outside the tool",
            StepAction::StatusUpdate => "Post a status update",
            StepAction::Abort => "Abort the session (it can be resumed)",
        })
    }
}

/// What to do with a drafted status update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UpdateChoice {
    AsDrafted,
    FieldByField,
    InEditor,
    NotNow,
}

/// A labelled value for a Select: shows `label`, returns `value`.
struct Labelled<T> {
    value: T,
    label: String,
}

impl<T> fmt::Display for Labelled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// One line per option, cut to the terminal's width.
fn labelled<T>(value: T, label: impl Into<String>) -> Labelled<T> {
    let label: String = label.into();
    Labelled {
        value,
        label: view::truncate(&label.replace('\n', " "), view::option_width()),
    }
}

fn ending_label(status: SessionStatus) -> &'static str {
    match status {
        SessionStatus::Resolved => "resolved — the incident is over",
        SessionStatus::Mitigated => "mitigated — the impact stopped, the cause is still open",
        SessionStatus::Escalated => "escalated — handed over to the next level",
        SessionStatus::Unresolved => "unresolved — ending without a fix",
        SessionStatus::Interrupted => "interrupted",
    }
}

/// The guided session's answers, from the person at the terminal.
pub struct GuidedPrompter {
    lang: String,
    paint: Paint,
    reminders: Reminders,
    /// Everything recorded so far (via `observe`), for status-update drafts.
    events: Vec<Event>,
    /// The step about to run, the draft's "next action".
    next_action: Option<String>,
    /// The step header last printed, so asking again after a note does not repeat it.
    header_shown: Option<(String, String)>,
    /// The playbook being run: decisions whose choices live on edges, target titles.
    playbook: Option<Playbook>,
    /// Masks secrets in everything shown; shape rules only until the session shares its own.
    redactor: Arc<Redactor>,
}

impl GuidedPrompter {
    /// `lang` picks the language of the severity matrix, escalation levels and
    /// drafts; `severity` starts the reminder cadence (the answer to
    /// `severity()` or a `session_started` event replaces it).
    pub fn new(lang: &str, severity: &str, paint: Paint) -> Self {
        set_color(paint);
        GuidedPrompter {
            lang: lang.to_string(),
            paint,
            reminders: Reminders::new(severity, reminders::override_from_env(), Utc::now()),
            events: Vec::new(),
            next_action: None,
            header_shown: None,
            playbook: None,
            redactor: Arc::new(Redactor::default()),
        }
    }

    /// The prompter for a session of `playbook`, honouring `--no-color` and `NO_COLOR`.
    pub fn for_playbook(playbook: &Playbook, global: &Global) -> Self {
        let mut prompter = GuidedPrompter::new(
            &playbook.lang,
            playbook.severity.as_deref().unwrap_or("sev3"),
            Paint::from_env(global.no_color),
        );
        prompter.playbook = Some(playbook.clone());
        prompter
    }

    /// A decision's choices, each shown with where it leads.
    fn choice_options(&self, node: &Node) -> Vec<Labelled<String>> {
        let choices = match &self.playbook {
            Some(playbook) => interpret::choices(playbook, node),
            None => node.choices.clone(),
        };
        choices
            .into_iter()
            .map(|c| {
                let target = self
                    .playbook
                    .as_ref()
                    .and_then(|p| p.node(&c.to))
                    .map_or(c.to.as_str(), |n| n.title.as_str());
                let label = format!("{}  → {}", c.label, view::truncate(target, 60));
                labelled(c.label, label)
            })
            .collect()
    }

    /// Shares the session's redactor: what the prompter shows is masked with it,
    /// and secret variables answered here teach it their values.
    pub fn with_redactor(mut self, redactor: Arc<Redactor>) -> Self {
        self.redactor = redactor;
        self
    }

    /// Everything the prompter prints goes through here: redacted, to stderr.
    fn show(&self, text: &str) {
        write_stderr(&self.redactor.redact_cow(text));
    }

    /// Whether a status update is owed at `now` (by the severity's cadence).
    pub fn update_due(&mut self, now: DateTime<Utc>) -> bool {
        self.reminders.due(now)
    }

    /// The status update offered to the person: drafted from the log, the next
    /// update one cadence of the severity (or `RUNBOOK_UPDATE_EVERY`) from now.
    pub fn draft(&self) -> String {
        let every =
            chrono::Duration::from_std(self.reminders.every()).unwrap_or(chrono::Duration::zero());
        incident::status_update_draft_at(
            &self.events,
            &self.lang,
            self.next_action.as_deref(),
            Utc::now() + every,
        )
    }

    /// A reminder, when one is due: the drafted update to edit and record.
    fn remind(&mut self) -> Result<Option<String>> {
        if !self.update_due(Utc::now()) {
            return Ok(None);
        }
        self.show(&format!(
            "\n{}\n",
            self.paint.yellow(&format!(
                "⏰ A status update is due ({}: one every {}).",
                self.reminders.severity(),
                reminders::every_text(self.reminders.every())
            ))
        ));
        let draft = self.draft();
        self.status_update(&draft)
    }

    fn edit_command(&self, command: &str) -> Result<Option<String>> {
        // The caller passes the command redacted; masking again costs nothing and
        // keeps a secret off the screen if it did not.
        let command = &*self.redactor.redact_cow(command);
        let edited = match edit::one_line(command) {
            Some(line) => answer(
                Text::new("Command:")
                    .with_initial_value(&line)
                    .with_help_message(
                        "runs instead of the playbook's command; $NAMEs get their values · esc: back",
                    )
                    .prompt_skippable(),
            )?,
            None => match Editor::new("Edit the command")
                .with_predefined_text(command)
                .with_file_extension(".sh")
                .with_help_message("a multi-line command opens in $VISUAL / $EDITOR")
                .prompt_skippable()
            {
                Err(InquireError::IO(e)) => {
                    self.show(&format!(
                        "could not open the editor ($VISUAL / $EDITOR): {e}\n"
                    ));
                    None
                }
                other => answer(other)?,
            },
        };
        Ok(edited
            .map(|c| c.trim_end().to_string())
            .filter(|c| !c.trim().is_empty()))
    }

    fn free_text(&self, message: &str, help: &str) -> Result<Option<String>> {
        let text = answer(
            Text::new(message)
                .with_help_message(help)
                .prompt_skippable(),
        )?;
        Ok(text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()))
    }

    fn edit_fields(&self, draft: &str) -> Result<String> {
        let mut lines: Vec<DraftLine> = draft.lines().map(DraftLine::parse).collect();
        for line in &mut lines {
            if line.field.is_none() && line.value.trim().is_empty() {
                continue;
            }
            let message = format!("{}:", line.field.as_deref().unwrap_or("Line"));
            let edited = answer(
                Text::new(&message)
                    .with_initial_value(&line.value)
                    .with_help_message("enter keeps it · esc keeps the draft's text")
                    .prompt_skippable(),
            )?;
            if let Some(value) = edited {
                line.value = value.trim().to_string();
            }
        }
        Ok(status::join_lines(&lines))
    }
}

impl Prompter for GuidedPrompter {
    fn is_interactive(&self) -> bool {
        true
    }

    fn variable(&mut self, var: &Variable) -> Result<Option<String>> {
        let mut help = var.description.clone().unwrap_or_default();
        if var.secret {
            let note = "secret: masked, kept in memory only";
            help = if help.is_empty() {
                note.into()
            } else {
                format!("{help} · {note}")
            };
        }
        let message = format!("{}:", var.name);
        let value = if var.secret {
            let mut prompt = Password::new(&message)
                .without_confirmation()
                .with_display_mode(PasswordDisplayMode::Masked);
            if !help.is_empty() {
                prompt = prompt.with_help_message(&help);
            }
            if var.default.is_none() {
                prompt = prompt.with_validator(required);
            }
            answer(prompt.prompt_skippable())?
                .filter(|v| !v.is_empty())
                .or_else(|| var.default.clone())
        } else {
            let mut prompt = Text::new(&message).with_validator(required);
            if let Some(default) = var.default.as_deref() {
                prompt = prompt.with_initial_value(default);
            }
            if !help.is_empty() {
                prompt = prompt.with_help_message(&help);
            }
            answer(prompt.prompt_skippable())?
        };
        if let Some(value) = value.as_deref().filter(|_| var.secret) {
            self.redactor.add_secret(value);
        }
        Ok(value)
    }

    fn observed_symptoms(&mut self, symptoms: &[&Node]) -> Result<Vec<String>> {
        if symptoms.is_empty() {
            return Ok(Vec::new());
        }
        let options: Vec<Labelled<String>> = symptoms
            .iter()
            .map(|n| {
                let text = n.text.as_deref().unwrap_or(&n.title);
                labelled(n.id.clone(), text)
            })
            .collect();
        let picked = answer(
            MultiSelect::new("Which symptoms do you observe?", options)
                .with_help_message("space marks · enter confirms · none is fine")
                .with_formatter(&|picked| {
                    let texts: Vec<&str> = picked.iter().map(|o| o.value.label.as_str()).collect();
                    let joined = if texts.is_empty() {
                        "none".to_string()
                    } else {
                        texts.join("; ")
                    };
                    // On the answered line, after the question itself.
                    view::truncate(&joined, view::option_width().saturating_sub(30))
                })
                .prompt_skippable(),
        )?;
        Ok(picked
            .unwrap_or_default()
            .into_iter()
            .map(|o| o.value)
            .collect())
    }

    fn severity(&mut self, default: &str) -> Result<String> {
        let options: Vec<Labelled<&str>> = SEVERITIES
            .iter()
            .map(|sev| {
                labelled(
                    *sev,
                    format!("{sev} — {}", view::severity_meaning(sev, &self.lang)),
                )
            })
            .collect();
        let start = SEVERITIES.iter().position(|s| *s == default).unwrap_or(2);
        let picked = answer(
            Select::new("Severity?", options)
                .with_starting_cursor(start)
                .with_help_message("the severity matrix · enter confirms · esc keeps the default")
                .prompt_skippable(),
        )?;
        let severity = picked.map_or(default, |o| o.value).to_string();
        self.reminders.set_severity(&severity);
        Ok(severity)
    }

    fn before_step(&mut self, node: &Node, command: &str) -> Result<StepChoice> {
        self.next_action = Some(node.title.clone());
        if let Some(update) = self.remind()? {
            return Ok(StepChoice::StatusUpdate(update));
        }
        let key = (node.id.clone(), command.to_string());
        if self.header_shown.as_ref() != Some(&key) {
            self.show(&view::step_header(node, command, self.paint));
            self.header_shown = Some(key);
        }
        loop {
            let picked = answer(
                Select::new("Next?", StepAction::ALL.to_vec())
                    .with_help_message("↑↓ move · type to filter · enter picks")
                    .with_page_size(StepAction::ALL.len())
                    .prompt_skippable(),
            )?;
            let choice = match picked {
                None => continue,
                Some(StepAction::Run) => Some(StepChoice::Run),
                Some(StepAction::Skip) => Some(StepChoice::Skip),
                Some(StepAction::Edit) => {
                    // The playbook's own text, `$NAME`s and all: values shown on
                    // screen are masked where secret, and a masked value cannot run.
                    let template = node.command.as_deref().unwrap_or(command);
                    self.edit_command(template)?.map(|edited| {
                        let unchanged = edited == template.trim_end()
                            || edit::one_line(template).is_some_and(|line| line == edited);
                        if unchanged {
                            StepChoice::Run
                        } else {
                            StepChoice::Edit(edited)
                        }
                    })
                }
                Some(StepAction::Note) => self
                    .free_text("Note:", "recorded in the incident log · esc: back")?
                    .map(StepChoice::Note),
                Some(StepAction::ManualAction) => self
                    .free_text(
                        "What did you do?",
                        "an action taken by hand, outside the tool · esc: back",
                    )?
                    .map(StepChoice::ManualAction),
                Some(StepAction::StatusUpdate) => {
                    let draft = self.draft();
                    self.status_update(&draft)?.map(StepChoice::StatusUpdate)
                }
                Some(StepAction::Abort) => answer(
                    Confirm::new("Abort the session? `runbook resume` continues it later.")
                        .with_default(false)
                        .prompt_skippable(),
                )?
                .filter(|yes| *yes)
                .map(|_| StepChoice::Abort),
            };
            if let Some(choice) = choice {
                return Ok(choice);
            }
        }
    }

    fn confirm_destructive(&mut self, node: &Node, command: &str) -> Result<bool> {
        self.show(&format!(
            "\n{}\n  {}\n",
            self.paint
                .red(&format!("⚠ {} changes the system:", node.title)),
            self.paint.bold(&format!("$ {command}"))
        ));
        Ok(answer(
            Confirm::new("Run this destructive command?")
                .with_default(false)
                .prompt_skippable(),
        )?
        .unwrap_or(false))
    }

    fn after_check(
        &mut self,
        node: &Node,
        verdict: &Verdict,
        suggested: Option<&str>,
    ) -> Result<Option<HypothesisInput>> {
        self.show(&view::verdict_view(node, verdict, self.paint));
        let mut prompt = Text::new("Hypothesis?")
            .with_help_message("what you now think is going on · empty: none · esc: skip");
        if let Some(suggested) = suggested {
            prompt = prompt.with_initial_value(suggested);
        }
        let Some(text) = answer(prompt.prompt_skippable())?
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
        else {
            return Ok(None);
        };
        let disproof = self.free_text(
            "What would disprove it?",
            "optional · empty or esc: nothing recorded",
        )?;
        Ok(Some(HypothesisInput { text, disproof }))
    }

    fn decide(&mut self, node: &Node) -> Result<Option<String>> {
        if self.choice_options(node).is_empty() {
            return Ok(None);
        }
        self.show(&view::instruction_view(node, self.paint));
        loop {
            let picked = answer(
                Select::new(&node.title, self.choice_options(node))
                    .with_help_message("↑↓ move · enter picks the branch")
                    .prompt_skippable(),
            )?;
            if let Some(choice) = picked {
                return Ok(Some(choice.value));
            }
        }
    }

    fn manual(&mut self, node: &Node) -> Result<bool> {
        self.show(&view::instruction_view(node, self.paint));
        let options = vec![labelled(true, "Done"), labelled(false, "Skip it")];
        let picked = answer(
            Select::new("Do it by hand, then:", options)
                .with_help_message("enter picks · esc skips")
                .prompt_skippable(),
        )?;
        Ok(picked.is_some_and(|o| o.value))
    }

    fn status_update(&mut self, draft: &str) -> Result<Option<String>> {
        let draft = &*self.redactor.redact(draft);
        self.show(&format!(
            "\n{}\n",
            self.paint.bold("Status update (draft):")
        ));
        for line in draft.lines() {
            self.show(&format!("  {line}\n"));
        }
        let options = vec![
            labelled(UpdateChoice::AsDrafted, "Record it as drafted"),
            labelled(UpdateChoice::FieldByField, "Edit it field by field"),
            labelled(UpdateChoice::InEditor, "Edit it in $EDITOR"),
            labelled(UpdateChoice::NotNow, "Not now"),
        ];
        let picked = answer(Select::new("Status update:", options).prompt_skippable())?;
        let text = match picked.map_or(UpdateChoice::NotNow, |o| o.value) {
            UpdateChoice::AsDrafted => Some(draft.trim().to_string()),
            UpdateChoice::FieldByField => Some(self.edit_fields(draft)?),
            UpdateChoice::InEditor => answer(
                Editor::new("Status update")
                    .with_predefined_text(draft)
                    .with_file_extension(".md")
                    .prompt_skippable(),
            )?,
            UpdateChoice::NotNow => None,
        };
        // Recorded or dismissed, the next reminder comes one full interval later.
        self.reminders.restart(Utc::now());
        Ok(text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()))
    }

    fn finish(&mut self, suggested: SessionStatus) -> Result<Ending> {
        let statuses = [
            SessionStatus::Resolved,
            SessionStatus::Mitigated,
            SessionStatus::Escalated,
            SessionStatus::Unresolved,
        ];
        let start = statuses.iter().position(|s| *s == suggested).unwrap_or(3);
        let options: Vec<Labelled<SessionStatus>> = statuses
            .iter()
            .map(|s| labelled(*s, ending_label(*s)))
            .collect();
        let status = answer(
            Select::new("How does the incident end?", options)
                .with_starting_cursor(start)
                .with_help_message("enter picks · esc takes the highlighted suggestion")
                .prompt_skippable(),
        )?
        .map_or(suggested, |o| o.value);
        let level = if status == SessionStatus::Escalated {
            let options: Vec<Labelled<&str>> = view::escalation_levels(&self.lang)
                .iter()
                .map(|l| labelled(l.name, format!("{} — {}", l.name, l.when)))
                .collect();
            answer(
                Select::new("Escalated to which level?", options)
                    .with_starting_cursor(1)
                    .prompt_skippable(),
            )?
            .map(|o| o.value.to_string())
        } else {
            None
        };
        let summary = self.free_text(
            "Summary?",
            "one or two sentences for the postmortem · optional",
        )?;
        Ok(Ending {
            status,
            level,
            summary,
        })
    }

    fn observe(&mut self, event: &Event) {
        match &event.body {
            EventBody::SessionStarted { severity, lang, .. } => {
                // The clock runs from when the session opened (this prompter was
                // made), before the opening questions: answering them is incident time.
                self.reminders.set_severity(severity);
                if !lang.is_empty() {
                    self.lang = lang.clone();
                }
            }
            EventBody::StatusUpdate { .. } => self.reminders.restart(event.ts),
            EventBody::StepStarted { .. } => self.header_shown = None,
            _ => {}
        }
        self.events.push(event.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::event::Milestone;

    fn prompter() -> GuidedPrompter {
        GuidedPrompter::new("en", "sev2", Paint { color: false })
    }

    fn event(body: EventBody) -> Event {
        Event {
            seq: 1,
            ts: Utc::now(),
            actor: "ana".into(),
            body,
        }
    }

    #[test]
    fn interrupt_and_cancel_map_to_session_outcomes() {
        assert!(matches!(
            answer::<()>(Err(InquireError::OperationInterrupted)),
            Err(Error::Interrupted)
        ));
        assert!(matches!(
            answer::<()>(Err(InquireError::OperationCanceled)),
            Ok(None)
        ));
        assert!(matches!(
            answer::<()>(Err(InquireError::NotTTY)),
            Err(Error::Usage(_))
        ));
        assert_eq!(answer(Ok(Some(3))).ok(), Some(Some(3)));
    }

    #[test]
    fn is_interactive() {
        assert!(prompter().is_interactive());
    }

    #[test]
    fn session_started_sets_severity_and_language() {
        let mut p = prompter();
        p.observe(&event(EventBody::SessionStarted {
            incident: "i".into(),
            playbook: "p".into(),
            title: "t".into(),
            source: "s".into(),
            service: None,
            severity: "sev1".into(),
            lang: "es".into(),
            mode: "guided".into(),
            variables: vec![],
        }));
        assert_eq!(p.reminders.every().as_secs(), 15 * 60);
        assert!(
            p.draft().starts_with("Estado: investigando\n"),
            "{}",
            p.draft()
        );
        let now = Utc::now();
        assert!(!p.update_due(now));
        assert!(p.update_due(now + chrono::Duration::minutes(16)));
    }

    #[test]
    fn drafts_use_observed_events_and_the_next_step() {
        let mut p = prompter();
        p.observe(&event(EventBody::Symptom {
            text: "API answers 503".into(),
            step: None,
        }));
        p.observe(&event(EventBody::Milestone {
            milestone: Milestone::Mitigated,
        }));
        p.next_action = Some("Restart the worker".into());
        let d = p.draft();
        assert!(
            d.contains("State: mitigated\nImpact: API answers 503\n"),
            "{d}"
        );
        assert!(d.contains("Next action: Restart the worker\n"), "{d}");
        // sev2: the next update is owed half an hour from now.
        let next = (Utc::now() + chrono::Duration::minutes(30)).format("%H:%M UTC");
        let next_earlier = (Utc::now() + chrono::Duration::minutes(29)).format("%H:%M UTC");
        assert!(
            d.contains(&next.to_string()) || d.contains(&next_earlier.to_string()),
            "{d}"
        );
    }

    #[test]
    fn a_recorded_update_restarts_the_reminder_clock() {
        let mut p = prompter();
        let later = Utc::now() + chrono::Duration::minutes(31);
        assert!(p.update_due(later));
        let mut update = event(EventBody::StatusUpdate { text: "x".into() });
        update.ts = later;
        p.observe(&update);
        assert!(!p.update_due(later));
    }

    #[test]
    fn decision_choices_come_from_the_node_or_its_edges_with_target_titles() {
        use crate::graph::{Choice, Edge, EdgeOn, NodeKind};
        let mut question = Node::new("worker-up", NodeKind::Decision, "Is the worker up?", 3);
        let restart = Node::new("restart", NodeKind::Action, "Restart the consumer", 5);
        let mut playbook = Playbook {
            lang: "en".into(),
            nodes: vec![question.clone(), restart],
            ..Playbook::default()
        };
        playbook.edges.push(Edge {
            from: "worker-up".into(),
            to: "restart".into(),
            on: EdgeOn::Choice("Yes".into()),
        });
        let mut p = prompter();
        p.playbook = Some(playbook);
        let options = p.choice_options(&question);
        assert_eq!(options.len(), 1);
        assert_eq!(options[0].value, "Yes");
        assert_eq!(options[0].to_string(), "Yes  → Restart the consumer");

        question.choices.push(Choice {
            label: "No".into(),
            to: "end".into(),
        });
        let options = p.choice_options(&question);
        assert_eq!(options[0].to_string(), "No  → end");
    }

    #[test]
    fn step_actions_are_listed_run_first() {
        assert_eq!(StepAction::ALL[0], StepAction::Run);
        assert_eq!(StepAction::ALL[0].to_string(), "Run it");
    }
}
