//! `run` and `resume`: the session loop tying graph, variables, execution, judging,
//! prompts and the incident record together.
//!
//! The loop asks [`interpret`] where to go, a [`Prompter`] what a person would answer
//! (inquire on a terminal, the answers file otherwise), and records every fact as an
//! incident event before the next step starts. The screen is one view of those facts;
//! `events.jsonl`, `log.md` and the postmortem are the others.

mod dry_run;
mod signals;
mod terminal;
mod walk;

use crate::answers::{self, Answers, AnswersPrompter, Scope};
use crate::catalog;
use crate::cli::{Global, ResumeArgs, RunArgs};
use crate::error::{Error, Result};
use crate::graph::{Node, Playbook};
use crate::guided::{self, GuidedPrompter, Paint};
use crate::incident::event::{EventBody, SessionStatus};
use crate::incident::logmd::status_name;
use crate::incident::{self, IncidentLog};
use crate::interpret::Progress;
use crate::prompt::Prompter;
use crate::redact::Redactor;
use crate::vars::{self, Bindings};
use signals::Signals;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use walk::Session;

/// A step's timeout when neither the step, `--timeout` nor the front matter sets one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a `watch` step (`watch -n`, `logs -f`) streams when its step sets no timeout.
pub const DEFAULT_WATCH: Duration = Duration::from_secs(10);

/// The run flags that matter to the loop, whether started by `run` or `resume`.
#[derive(Debug, Clone)]
struct Settings {
    vars: Vec<(String, String)>,
    env_files: Vec<PathBuf>,
    answers: Option<PathBuf>,
    yes: bool,
    allow_destructive: bool,
    timeout: Option<Duration>,
    quiet: bool,
    paint: Paint,
}

impl Settings {
    fn from_run(g: &Global, a: &RunArgs) -> Self {
        Settings {
            vars: a.vars.clone(),
            env_files: a.env_files.clone(),
            answers: a.answers.clone(),
            yes: a.yes,
            allow_destructive: a.allow_destructive,
            timeout: a.timeout,
            quiet: g.quiet,
            paint: paint(g),
        }
    }

    fn from_resume(g: &Global, a: &ResumeArgs) -> Self {
        let r = &a.run;
        Settings {
            vars: r.vars.clone(),
            env_files: r.env_files.clone(),
            answers: r.answers.clone(),
            yes: r.yes,
            allow_destructive: r.allow_destructive,
            timeout: r.timeout,
            quiet: g.quiet,
            paint: paint(g),
        }
    }

    /// Guided when a person can answer: a terminal on both ends, and nobody asked for
    /// an unattended run.
    fn guided(&self) -> bool {
        !self.yes
            && self.answers.is_none()
            && std::io::stdin().is_terminal()
            && std::io::stdout().is_terminal()
    }

    /// The steps a run may execute: a person runs destructive and interactive steps
    /// too; unattended, the flags and the answers file decide.
    fn scope<'a>(&self, guided: bool, from: Option<&'a str>) -> Scope<'a> {
        Scope {
            from,
            allow_destructive: guided || self.allow_destructive,
            interactive: guided,
        }
    }

    fn load_answers(&self) -> Result<Answers> {
        match &self.answers {
            Some(path) => Answers::load(path),
            None => Ok(Answers::default()),
        }
    }
}

/// Colour only on a terminal, and never with `--no-color`/`NO_COLOR`.
fn paint(g: &Global) -> Paint {
    Paint {
        color: Paint::from_env(g.no_color).color && std::io::stdout().is_terminal(),
    }
}

/// `runbook run`.
pub fn run(g: &Global, a: &RunArgs) -> Result<i32> {
    let settings = Settings::from_run(g, a);
    let guided = settings.guided() && !a.dry_run;
    let answers = settings.load_answers()?;
    let playbook = choose_playbook(g, a.playbook.as_deref(), guided)?;
    if a.dry_run {
        return dry_run::dry_run(&playbook, &answers, &settings);
    }
    // Shared by the prompter, the screen and the log; learns each secret as it is bound.
    let redactor = Arc::new(Redactor::new(Vec::new()));
    let mut prompter = prompter_for(guided, &playbook, g, &answers, &settings, &redactor);
    let bindings = bind_variables(&playbook, &answers, &settings, prompter.as_mut(), None)?;
    refuse_option_values(&playbook, &answers, &bindings, settings.scope(guided, None))?;
    learn_secrets(&redactor, &bindings);
    let severity = match &a.severity {
        Some(sev) => sev.clone(),
        None => prompter.severity(playbook.severity.as_deref().unwrap_or("sev3"))?,
    };
    let symptoms: Vec<&Node> = playbook.symptoms().collect();
    let observed = prompter.observed_symptoms(&symptoms)?;

    let signals = Signals::install()?;
    let log = IncidentLog::create(&g.incidents_dir, &playbook, redactor.clone())?;
    let mode = if guided { "guided" } else { "unattended" };
    Session::new(
        playbook, log, prompter, bindings, redactor, settings, signals,
    )
    .start(mode, &severity, &observed)
}

/// `runbook resume INCIDENT`: continues a session from the first step not finished.
pub fn resume(g: &Global, a: &ResumeArgs) -> Result<i32> {
    let settings = Settings::from_resume(g, a);
    let guided = settings.guided();
    let answers = settings.load_answers()?;
    let dir = incident::find(&g.incidents_dir, &a.incident)?;
    // Secrets are learned below, once the variables are bound again: the redactor is
    // shared, so the log masks them from then on.
    let redactor = Arc::new(Redactor::new(Vec::new()));
    let log = IncidentLog::open_session(&dir, redactor.clone())?;
    let playbook = resumable_playbook(g, &log)?;
    let progress = Progress::from_events(&playbook, log.events());
    if let Some(status) = progress.ended.filter(|s| *s != SessionStatus::Interrupted) {
        return Err(Error::Usage(format!(
            "{}: the session already ended {}; nothing to resume",
            dir.display(),
            status_name(status, false)
        )));
    }
    let from = progress.resume_point(&playbook);
    let mut prompter = prompter_for(guided, &playbook, g, &answers, &settings, &redactor);
    let bindings = bind_variables(
        &playbook,
        &answers,
        &settings,
        prompter.as_mut(),
        from.as_deref(),
    )?;
    refuse_option_values(
        &playbook,
        &answers,
        &bindings,
        settings.scope(guided, from.as_deref()),
    )?;
    learn_secrets(&redactor, &bindings);
    let signals = Signals::install()?;
    let severity = recorded_severity(&log).unwrap_or_else(|| "sev3".into());
    Session::new(
        playbook, log, prompter, bindings, redactor, settings, signals,
    )
    .resume(progress, &severity)
}

/// The playbook a resumed session walks: the one recorded at its start, unless
/// redaction masked part of it (a literal password in a command); then the source,
/// provided it still has the same steps.
fn resumable_playbook(g: &Global, log: &IncidentLog) -> Result<Playbook> {
    let recorded = log.playbook();
    if !log.playbook_is_redacted() {
        return Ok(recorded);
    }
    let source = catalog::resolve(g, &recorded.source)?;
    let same_steps = source.nodes.len() == recorded.nodes.len()
        && source
            .nodes
            .iter()
            .zip(&recorded.nodes)
            .all(|(a, b)| a.id == b.id);
    if same_steps {
        Ok(source)
    } else {
        Err(Error::Other(format!(
            "{}: the recorded playbook holds masked secrets and its source `{}` changed since; \
             cannot resume safely",
            log.dir().display(),
            recorded.source
        )))
    }
}

fn recorded_severity(log: &IncidentLog) -> Option<String> {
    log.events().iter().find_map(|e| match &e.body {
        EventBody::SessionStarted { severity, .. } => Some(severity.clone()),
        _ => None,
    })
}

fn choose_playbook(g: &Global, name: Option<&str>, guided: bool) -> Result<Playbook> {
    match name {
        Some(name) => catalog::resolve(g, name),
        None if guided => guided::pick_playbook(&catalog::all(g)?),
        None => Err(Error::Usage(
            "name a playbook (`runbook list` shows them); picking one needs a terminal".into(),
        )),
    }
}

fn prompter_for(
    guided: bool,
    playbook: &Playbook,
    g: &Global,
    answers: &Answers,
    settings: &Settings,
    redactor: &Arc<Redactor>,
) -> Box<dyn Prompter> {
    if guided {
        Box::new(GuidedPrompter::for_playbook(playbook, g).with_redactor(redactor.clone()))
    } else {
        Box::new(AnswersPrompter::new(
            answers.clone(),
            playbook,
            settings.allow_destructive,
        ))
    }
}

fn learn_secrets(redactor: &Redactor, bindings: &Bindings) {
    for secret in bindings.secret_values() {
        redactor.add_secret(secret);
    }
}

/// Values that would reach a program as an option instead of as data (a host that
/// starts with `-`, see [`vars::refusals`]), in the steps a run may execute: the run
/// is refused before any step, each one named. A usage error (exit 2), like a value
/// no command can receive.
fn refuse_option_values(
    playbook: &Playbook,
    answers: &Answers,
    bindings: &Bindings,
    scope: Scope,
) -> Result<()> {
    let problems = option_values(playbook, answers, bindings, scope);
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "refusing to run; no step has run:\n{}",
        problems
            .iter()
            .map(|p| format!("  - {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    )))
}

/// One line per step and variable [`refuse_option_values`] refuses.
fn option_values(
    playbook: &Playbook,
    answers: &Answers,
    bindings: &Bindings,
    scope: Scope,
) -> Vec<String> {
    let decide = |node: &Node| answers.choice(playbook, node);
    let mut out = Vec::new();
    for node in crate::interpret::reachable(playbook, scope.from, &decide) {
        let Some(command) = answers.command(node) else {
            continue;
        };
        if !answers::will_run(node, answers, scope) {
            continue;
        }
        let shell = node.shell.as_deref().unwrap_or("bash");
        for refusal in vars::refusals(command, bindings, shell) {
            out.push(format!(
                "step `{}` (line {}): {refusal}",
                node.id, node.line
            ));
        }
    }
    out
}

/// Binds the variables; a person is asked for the missing ones once. What is still
/// missing, unattended, fails the run before any step (exit 3), listed all at once
/// with the unanswered decisions.
fn bind_variables(
    playbook: &Playbook,
    answers: &Answers,
    settings: &Settings,
    prompter: &mut dyn Prompter,
    from: Option<&str>,
) -> Result<Bindings> {
    let resolution = vars::resolve(playbook, &settings.vars, &settings.env_files, &answers.vars)?;
    let mut bindings = resolution.bindings;
    if !prompter.is_interactive() {
        let scope = Scope {
            from,
            allow_destructive: settings.allow_destructive,
            interactive: false,
        };
        let missing = answers::missing(playbook, answers, &resolution.missing, scope);
        return if missing.is_empty() {
            Ok(bindings)
        } else {
            Err(Error::Missing(missing))
        };
    }
    let scope = Scope {
        from,
        allow_destructive: true,
        interactive: true,
    };
    let needed = answers::needed_variables(playbook, &Answers::default(), scope);
    let mut still_missing = Vec::new();
    for var in resolution
        .missing
        .iter()
        .filter(|v| needed.contains(&v.name))
    {
        match prompter.variable(var)? {
            Some(value) => bindings.set(&var.name, value, var.secret),
            None => still_missing.push(answers::describe_variable(var)),
        }
    }
    if still_missing.is_empty() {
        Ok(bindings)
    } else {
        Err(Error::Missing(still_missing))
    }
}

/// Writes to stdout, ignoring a closed stdout (a hung-up terminal, `| head`):
/// the session must still record its end.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
