//! `run` and `resume`: the session loop tying graph, variables, execution, judging,
//! prompts and the incident record together.
//!
//! The loop asks [`interpret`] where to go, a [`Prompter`] what a person would answer
//! (inquire on a terminal, the answers file otherwise), and records every fact as an
//! incident event before the next step starts. The screen is one view of those facts;
//! `events.jsonl`, `log.md` and the postmortem are the others.

use crate::answers::{self, Answers, AnswersPrompter, Scope};
use crate::catalog;
use crate::cli::{Global, ResumeArgs, RunArgs};
use crate::error::{Error, Result};
use crate::graph::{Node, NodeKind, Playbook, END};
use crate::guided::{self, GuidedPrompter, Paint};
use crate::incident::event::{EventBody, HypothesisState, Milestone, SessionStatus};
use crate::incident::{self, IncidentLog};
use crate::interpret::{self, reason, Next, PlanStop, Progress};
use crate::judge::{self, Outcome, Verdict};
use crate::postmortem;
use crate::prompt::{Prompter, StepChoice};
use crate::redact::{Redactor, MASK_OPEN};
use crate::vars::{self, Bindings};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::exec;

/// A step's timeout when neither the step, `--timeout` nor the front matter sets one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a `watch` step (`watch -n`, `logs -f`) streams when its step sets no timeout.
pub const DEFAULT_WATCH: Duration = Duration::from_secs(10);
/// The output excerpt kept in `step_finished` events: head and tail lines.
const EXCERPT_LINES: usize = 20;
const EXCERPT_LINE_CHARS: usize = 400;

const TOOL: &str = "runbook";

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
        return dry_run(&playbook, &answers, &settings);
    }
    // Shared by the prompter, the screen and the log; learns each secret as it is bound.
    let redactor = Arc::new(Redactor::new(Vec::new()));
    let mut prompter = prompter_for(guided, &playbook, g, &answers, &settings, &redactor);
    let bindings = bind_variables(&playbook, &answers, &settings, prompter.as_mut(), None)?;
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
    let mut session = Session::new(
        playbook, log, prompter, bindings, redactor, settings, signals,
    );
    session.say(&format!("incident: {}", session.log.dir().display()));
    session.open(mode, &severity, &observed)?;
    let start = session.playbook.start().map(|n| n.id.clone());
    let stop = session.walk(start)?;
    session.close(stop)
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
            status_name(status)
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
    learn_secrets(&redactor, &bindings);
    let signals = Signals::install()?;
    let severity = recorded_severity(&log).unwrap_or_else(|| "sev3".into());
    let mut session = Session::new(
        playbook, log, prompter, bindings, redactor, settings, signals,
    );
    session.progress = progress;
    session.say(&format!(
        "incident: {} (resuming at {})",
        session.log.dir().display(),
        from.as_deref().unwrap_or("the end")
    ));
    session.reopen(&severity)?;
    let stop = session.walk(from)?;
    session.close(stop)
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

/// `--dry-run`: the path a healthy system takes and every command exactly as it would
/// run (secrets masked). Runs nothing and writes no incident. Unattended, what a real
/// run would still miss fails it like the real run would (exit 3).
fn dry_run(playbook: &Playbook, answers: &Answers, settings: &Settings) -> Result<i32> {
    let resolution = vars::resolve(playbook, &settings.vars, &settings.env_files, &answers.vars)?;
    let bindings = resolution.bindings;
    let redactor = Redactor::new(bindings.secret_values().into_iter().map(String::from));
    let unresolved: Vec<&str> = resolution.missing.iter().map(|v| v.name.as_str()).collect();
    let decide = |n: &Node| answers.choice(playbook, n);
    let plan = interpret::plan(playbook, &decide);
    let scope = Scope {
        from: None,
        allow_destructive: settings.allow_destructive,
        interactive: false,
    };
    let paint = settings.paint;
    let mut out = format!(
        "{} {} ({}) — nothing runs, no incident is written\n",
        paint.bold("dry run:"),
        playbook.title,
        playbook.id
    );
    for (i, id) in plan.path.iter().enumerate() {
        let Some(node) = playbook.node(id) else {
            continue;
        };
        out.push_str(&plan_entry(
            i + 1,
            node,
            playbook,
            answers,
            &bindings,
            &redactor,
            &unresolved,
            scope,
        ));
    }
    out.push_str(&plan_stop(&plan.stop, playbook));
    emit(&out);

    let missing = answers::missing(playbook, answers, &resolution.missing, scope);
    if missing.is_empty() {
        return Ok(0);
    }
    if settings.guided() {
        emit(&format!(
            "a guided run asks for:\n{}\n",
            missing
                .iter()
                .map(|m| format!("  - {m}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
        return Ok(0);
    }
    Err(Error::Missing(missing))
}

#[allow(clippy::too_many_arguments)]
fn plan_entry(
    n: usize,
    node: &Node,
    playbook: &Playbook,
    answers: &Answers,
    bindings: &Bindings,
    redactor: &Redactor,
    unresolved: &[&str],
    scope: Scope,
) -> String {
    let mut out = format!(
        "{n:>3}. [{}] {}  ({}, line {})\n",
        kind_name(node.kind),
        node.title,
        node.id,
        node.line
    );
    if let Some(command) = answers.command(node) {
        let shell = node.shell.as_deref().unwrap_or("bash");
        let display = vars::prepare_for(command, bindings, shell).display;
        for (i, line) in redactor.redact(&display).lines().enumerate() {
            out.push_str(&format!("     {} {line}\n", if i == 0 { "$" } else { " " }));
        }
        let needs: Vec<String> = crate::placeholder::names(command)
            .into_iter()
            .filter(|name| unresolved.contains(&name.as_str()))
            .collect();
        if !needs.is_empty() {
            out.push_str(&format!("     needs: {}\n", needs.join(", ")));
        }
        if let Some(why) = held_back_why(node, answers, scope) {
            out.push_str(&format!("     not run: {why}\n"));
        } else if node.watch {
            out.push_str(&format!(
                "     watch: streamed for {}s\n",
                watch_window(node).as_secs()
            ));
        }
    } else if node.kind == NodeKind::Decision {
        if let Some(choice) = answers.choice(playbook, node) {
            out.push_str(&format!("     → {} (→ {})\n", choice.label, choice.to));
        }
    } else if let Some(text) = node
        .text
        .as_deref()
        .filter(|t| t.trim() != node.title.trim())
    {
        for line in text.lines().take(3) {
            out.push_str(&format!("     {line}\n"));
        }
    }
    out
}

/// Why an unattended run would not execute a step's command.
fn held_back_why(node: &Node, answers: &Answers, scope: Scope) -> Option<&'static str> {
    if answers::will_run(node, answers, scope) {
        None
    } else if node.skip {
        Some("marked skip in the playbook")
    } else if answers.skips(node) {
        Some("skipped by the answers file")
    } else if node.interactive {
        Some("interactive: needs a terminal")
    } else {
        Some("destructive: needs --allow-destructive or confirm: in the answers file")
    }
}

fn plan_stop(stop: &PlanStop, playbook: &Playbook) -> String {
    match stop {
        PlanStop::End => "  → end\n".into(),
        PlanStop::Undecided { node, choices } => {
            let title = playbook.node(node).map_or("", |n| n.title.as_str());
            let mut out =
                format!("  ? decision `{node}` \"{title}\" has no answer; its choices:\n");
            for c in choices {
                out.push_str(&format!("      - {} → {}\n", c.label, c.to));
            }
            out
        }
        PlanStop::Loop { node } => format!("  ↺ back to `{node}`: the ok-path loops\n"),
        PlanStop::Broken(e) => format!("  ✘ {e}\n"),
    }
}

fn kind_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Symptom => "symptom",
        NodeKind::Check => "check",
        NodeKind::Action => "action",
        NodeKind::Decision => "decision",
        NodeKind::Manual => "manual",
        NodeKind::Note => "note",
        NodeKind::Escalate => "escalate",
        NodeKind::End => "end",
    }
}

fn status_name(status: SessionStatus) -> &'static str {
    match status {
        SessionStatus::Resolved => "resolved",
        SessionStatus::Mitigated => "mitigated",
        SessionStatus::Unresolved => "unresolved",
        SessionStatus::Escalated => "escalated",
        SessionStatus::Interrupted => "interrupted",
    }
}

/// Writes to stdout, ignoring a closed stdout (a hung-up terminal, `| head`):
/// the session must still record its end.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// SIGINT, SIGTERM and SIGHUP end the session as `interrupted` instead of killing
/// the process: the event is recorded first, and `runbook resume` continues.
struct Signals {
    runtime: tokio::runtime::Runtime,
    caught: Arc<AtomicBool>,
}

impl Signals {
    fn install() -> Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))?;
        let caught = Arc::new(AtomicBool::new(false));
        let _context = runtime.enter();
        for kind in [
            SignalKind::interrupt(),
            SignalKind::terminate(),
            SignalKind::hangup(),
        ] {
            // Registered here, synchronously: from now on the signal cannot kill us
            // between two events.
            let mut stream =
                signal(kind).map_err(|e| Error::Other(format!("cannot handle signals: {e}")))?;
            let caught = caught.clone();
            runtime.spawn(async move {
                while stream.recv().await.is_some() {
                    caught.store(true, Ordering::SeqCst);
                }
            });
        }
        Ok(Signals { runtime, caught })
    }

    fn caught(&self) -> bool {
        self.caught.load(Ordering::SeqCst)
    }
}

/// Why the walk stopped.
#[derive(Debug)]
enum Stop {
    /// Reached the end of the graph.
    End,
    /// Reached an escalation step with the trouble not fixed.
    Escalated {
        level: String,
    },
    /// The person aborted.
    Aborted,
    /// The graph could not be walked further (a dangling target, an endless loop).
    Broken(String),
    Interrupted,
}

/// What one step leads to.
enum Flow {
    Go(Next),
    Stop(Stop),
}

struct Session {
    playbook: Playbook,
    log: IncidentLog,
    prompter: Box<dyn Prompter>,
    bindings: Bindings,
    redactor: Arc<Redactor>,
    settings: Settings,
    signals: Signals,
    progress: Progress,
    /// Who answers: the login name of the person, or `answers`.
    person: String,
}

impl Session {
    fn new(
        playbook: Playbook,
        log: IncidentLog,
        prompter: Box<dyn Prompter>,
        bindings: Bindings,
        redactor: Arc<Redactor>,
        settings: Settings,
        signals: Signals,
    ) -> Self {
        let person = if prompter.is_interactive() {
            incident::current_actor()
        } else if settings.answers.is_some() {
            "answers".to_string()
        } else {
            TOOL.to_string()
        };
        Session {
            playbook,
            log,
            prompter,
            bindings,
            redactor,
            settings,
            signals,
            progress: Progress::default(),
            person,
        }
    }

    /// Records an event (redacted and synced by the log) and lets the evidence and
    /// the prompter see it.
    fn record(&mut self, actor: &str, body: EventBody) -> Result<()> {
        let event = self.log.append(actor, body)?;
        self.progress.apply(&self.playbook, &event.body);
        self.prompter.observe(&event);
        Ok(())
    }

    fn say(&self, text: &str) {
        if !self.settings.quiet {
            emit(&format!("{}\n", self.redactor.redact(text)));
        }
    }

    fn session_started(&self, mode: &str, severity: &str) -> EventBody {
        let p = &self.playbook;
        EventBody::SessionStarted {
            incident: self.log.id(),
            playbook: p.id.clone(),
            title: p.title.clone(),
            source: p.source.clone(),
            service: p.service.clone(),
            severity: severity.to_string(),
            lang: p.lang.clone(),
            mode: mode.to_string(),
            variables: self.bindings.iter().map(|(k, _)| k.to_string()).collect(),
        }
    }

    /// The first events of a new incident: started, detected, what was observed,
    /// acknowledged (someone is on it: this session).
    fn open(&mut self, mode: &str, severity: &str, observed: &[String]) -> Result<()> {
        let started = self.session_started(mode, severity);
        self.record(TOOL, started)?;
        self.record(
            TOOL,
            EventBody::Milestone {
                milestone: Milestone::Detected,
            },
        )?;
        for entry in observed {
            let body = match self.playbook.node(entry) {
                Some(node) => EventBody::Symptom {
                    text: node.text.clone().unwrap_or_else(|| node.title.clone()),
                    step: Some(node.id.clone()),
                },
                None => EventBody::Symptom {
                    text: entry.clone(),
                    step: None,
                },
            };
            let person = self.person.clone();
            self.record(&person, body)?;
        }
        self.record(
            TOOL,
            EventBody::Milestone {
                milestone: Milestone::Acknowledged,
            },
        )
    }

    fn reopen(&mut self, severity: &str) -> Result<()> {
        let started = self.session_started("resumed", severity);
        self.record(TOOL, started)
    }

    /// Walks from `from` until the end, an escalation, an abort or a signal.
    fn walk(&mut self, mut current: Option<String>) -> Result<Stop> {
        while let Some(id) = current.take() {
            if self.signals.caught() {
                return Ok(Stop::Interrupted);
            }
            let Some(node) = self.playbook.node(&id).cloned() else {
                return Ok(Stop::Broken(format!("no step `{id}` in this playbook")));
            };
            if self.progress.visits.get(&id).copied().unwrap_or(0) >= interpret::MAX_VISITS {
                return Ok(Stop::Broken(format!(
                    "step `{id}` already ran {} times: stopping an endless loop",
                    interpret::MAX_VISITS
                )));
            }
            let flow = match self.step(&node) {
                Ok(flow) => flow,
                Err(Error::Interrupted) => Flow::Stop(Stop::Interrupted),
                Err(e) => return Err(e),
            };
            match flow {
                Flow::Go(Next::Node(next)) => current = Some(next),
                Flow::Go(Next::End) => {}
                Flow::Stop(stop) => return Ok(stop),
            }
        }
        Ok(if self.signals.caught() {
            Stop::Interrupted
        } else {
            Stop::End
        })
    }

    fn step(&mut self, node: &Node) -> Result<Flow> {
        match node.kind {
            NodeKind::End => Ok(Flow::Go(Next::End)),
            NodeKind::Symptom | NodeKind::Note => {
                if !self.prompter.is_interactive() || node.kind == NodeKind::Note {
                    self.say(&guided::view::instruction_view(node, self.settings.paint));
                }
                Ok(self.follow(node, Outcome::Ok, None))
            }
            NodeKind::Decision => self.decision(node),
            NodeKind::Escalate => self.escalate(node),
            NodeKind::Manual => self.manual(node),
            NodeKind::Check | NodeKind::Action if node.command.is_none() => self.manual(node),
            NodeKind::Check | NodeKind::Action => self.command_step(node),
        }
    }

    /// The edge for an outcome, as a flow; a broken graph stops the walk.
    fn follow(&self, node: &Node, outcome: Outcome, finding: Option<&str>) -> Flow {
        match interpret::next_after(&self.playbook, node, outcome, finding) {
            Ok(next) => Flow::Go(next),
            Err(e) => Flow::Stop(Stop::Broken(e.to_string())),
        }
    }

    fn decision(&mut self, node: &Node) -> Result<Flow> {
        if interpret::choices(&self.playbook, node).is_empty() {
            return Ok(self.follow(node, Outcome::Ok, None));
        }
        if !self.prompter.is_interactive() {
            self.say(&guided::view::instruction_view(node, self.settings.paint));
        }
        let Some(answer) = self.prompter.decide(node)? else {
            return Ok(Flow::Stop(Stop::Broken(format!(
                "decision `{}` has no answer",
                node.id
            ))));
        };
        let choices = interpret::choices(&self.playbook, node);
        let next = interpret::after_choice(&self.playbook, node, &answer);
        let (Some(choice), Ok(next)) = (interpret::match_choice(&choices, &answer), next) else {
            return Ok(Flow::Stop(Stop::Broken(format!(
                "decision `{}`: `{answer}` is none of its choices",
                node.id
            ))));
        };
        self.say(&format!("  → {}", choice.label));
        let person = self.person.clone();
        self.record(
            &person,
            EventBody::Decision {
                step: node.id.clone(),
                question: node.title.clone(),
                choice: choice.label,
                to: match &next {
                    Next::Node(id) => id.clone(),
                    Next::End => END.to_string(),
                },
            },
        )?;
        Ok(Flow::Go(next))
    }

    /// An escalation step: if the last check proves the trouble fixed, there is
    /// nobody to escalate to; otherwise the session ends escalated.
    fn escalate(&mut self, node: &Node) -> Result<Flow> {
        self.say(&guided::view::instruction_view(node, self.settings.paint));
        let fixed =
            self.progress.last_check == Some(Outcome::Ok) && self.progress.held_back.is_empty();
        if fixed {
            self.record(
                TOOL,
                EventBody::Note {
                    text: format!(
                        "escalation step `{}` not needed: the last check was ok",
                        node.id
                    ),
                },
            )?;
            return Ok(self.follow(node, Outcome::Ok, None));
        }
        Ok(Flow::Stop(Stop::Escalated {
            level: escalation_level(node),
        }))
    }

    fn manual(&mut self, node: &Node) -> Result<Flow> {
        if !self.prompter.is_interactive() {
            self.say(&guided::view::instruction_view(node, self.settings.paint));
        }
        self.record(TOOL, step_started(node, None))?;
        let began = Instant::now();
        let done = self.prompter.manual(node)?;
        let (outcome, why) = match (done, self.prompter.is_interactive()) {
            (true, _) => (Outcome::Ok, None),
            (false, true) => (Outcome::Skipped, Some(reason::PERSON)),
            (false, false) => (Outcome::Skipped, Some(reason::MANUAL_PENDING)),
        };
        if done {
            let person = self.person.clone();
            let text = node.text.clone().unwrap_or_else(|| node.title.clone());
            self.record(
                &person,
                EventBody::Action {
                    text,
                    step: Some(node.id.clone()),
                },
            )?;
        } else {
            self.say("  ↷ not confirmed as done");
        }
        let flow = self.follow(node, outcome, None);
        let mut finished = step_finished(node, None, outcome, &flow);
        if let EventBody::StepFinished {
            duration_ms,
            reason,
            ..
        } = &mut finished
        {
            *duration_ms = began.elapsed().as_millis() as u64;
            *reason = why.map(String::from);
        }
        self.record(TOOL, finished)?;
        Ok(flow)
    }

    /// Records a step that does not run, with why, and follows its `skipped` edge.
    fn skip(&mut self, node: &Node, shown: &str, why: &str, message: &str) -> Result<Flow> {
        self.say(&format!("  ↷ skipped: {message}"));
        self.record(TOOL, step_started(node, Some(shown)))?;
        let flow = self.follow(node, Outcome::Skipped, None);
        let mut finished = step_finished(node, Some(shown), Outcome::Skipped, &flow);
        if let EventBody::StepFinished { reason, failed, .. } = &mut finished {
            *reason = Some(why.to_string());
            failed.push(message.to_string());
        }
        self.record(TOOL, finished)?;
        Ok(flow)
    }

    fn command_step(&mut self, node: &Node) -> Result<Flow> {
        let template = node.command.clone().unwrap_or_default();
        let mut prepared = self.prepare(node, &template);
        let mut shown = self.redactor.redact(&prepared.display);
        let interactive = self.prompter.is_interactive();
        if !interactive {
            self.say(&guided::view::step_header(
                node,
                &shown,
                self.settings.paint,
            ));
        }
        if node.skip {
            return self.skip(
                node,
                &shown,
                reason::MARKED_SKIP,
                "marked skip in the playbook",
            );
        }
        if node.interactive && !interactive {
            return self.skip(
                node,
                &shown,
                reason::INTERACTIVE,
                "interactive step (REPL): needs a person at a terminal",
            );
        }
        loop {
            match self.prompter.before_step(node, &shown)? {
                StepChoice::Run => break,
                StepChoice::Skip => {
                    let (why, message) = if interactive {
                        (reason::PERSON, "skipped by the person")
                    } else {
                        (reason::ANSWERS, "skipped by the answers file")
                    };
                    return self.skip(node, &shown, why, message);
                }
                StepChoice::Edit(command) if command.contains(MASK_OPEN) => {
                    self.say("  the edited command holds a masked secret: write its variable ($NAME) instead");
                }
                StepChoice::Edit(command) => {
                    prepared = self.prepare(node, &command);
                    shown = self.redactor.redact(&prepared.display);
                    if !interactive {
                        self.say(&format!("  edited: $ {shown}"));
                    }
                    break;
                }
                StepChoice::Note(text) => self.record_as_person(EventBody::Note { text })?,
                StepChoice::ManualAction(text) => self.record_as_person(EventBody::Action {
                    text,
                    step: Some(node.id.clone()),
                })?,
                StepChoice::StatusUpdate(text) => {
                    self.record_as_person(EventBody::StatusUpdate { text })?
                }
                StepChoice::Abort => return Ok(Flow::Stop(Stop::Aborted)),
            }
        }
        if (node.destructive || node.confirm) && !self.prompter.confirm_destructive(node, &shown)? {
            let message = if interactive {
                "destructive: not confirmed"
            } else {
                "destructive: held back (--allow-destructive or confirm: in the answers file runs it)"
            };
            return self.skip(node, &shown, reason::DESTRUCTIVE, message);
        }
        if self.signals.caught() {
            return Ok(Flow::Stop(Stop::Interrupted));
        }
        self.record(TOOL, step_started(node, Some(&shown)))?;
        let result = self.execute(node, &prepared);
        if result.interrupted || self.signals.caught() {
            // No step_finished: `resume` runs this step again.
            return Ok(Flow::Stop(Stop::Interrupted));
        }
        let verdict = if node.interactive {
            on_terminal::verdict(&result)
        } else {
            judge::judge(node, &result)
        };
        let flow = self.follow(node, verdict.outcome, verdict.finding_label());
        let mut finished = step_finished(node, Some(&shown), verdict.outcome, &flow);
        if let EventBody::StepFinished {
            exit_code,
            duration_ms,
            finding,
            output,
            failed,
            diff,
            ..
        } = &mut finished
        {
            *exit_code = result.exit_code;
            *duration_ms = result.duration.as_millis() as u64;
            *finding = verdict.finding_label().map(String::from);
            *output = excerpt(&result.output);
            failed.clone_from(&verdict.failed);
            diff.clone_from(&verdict.diff);
        }
        self.record(TOOL, finished)?;
        if node.kind == NodeKind::Check {
            self.after_check(node, &verdict)?;
        } else {
            self.say(&guided::view::verdict_view(
                node,
                &verdict,
                self.settings.paint,
            ));
        }
        if self.progress.newly_mitigated() {
            self.record(
                TOOL,
                EventBody::Milestone {
                    milestone: Milestone::Mitigated,
                },
            )?;
        }
        Ok(flow)
    }

    fn record_as_person(&mut self, body: EventBody) -> Result<()> {
        let person = self.person.clone();
        self.record(&person, body)
    }

    fn after_check(&mut self, node: &Node, verdict: &Verdict) -> Result<()> {
        if !self.prompter.is_interactive() {
            self.say(&guided::view::verdict_view(
                node,
                verdict,
                self.settings.paint,
            ));
        }
        let suggested = suggest_hypothesis(&self.playbook, node, verdict);
        let Some(h) = self
            .prompter
            .after_check(node, verdict, suggested.as_deref())?
        else {
            return Ok(());
        };
        let id = incident::next_hypothesis_id(self.log.events());
        self.record_as_person(EventBody::Hypothesis {
            id,
            text: h.text,
            state: HypothesisState::Open,
            disproof: h.disproof,
            step: Some(node.id.clone()),
        })
    }

    fn prepare(&self, node: &Node, command: &str) -> vars::Prepared {
        vars::prepare_for(
            command,
            &self.bindings,
            node.shell.as_deref().unwrap_or("bash"),
        )
    }

    /// Runs a command, streaming its output through the redactor; a failure to start
    /// it is an `error` outcome, not the end of the session.
    fn execute(&self, node: &Node, prepared: &vars::Prepared) -> exec::ExecResult {
        let spec = exec::ExecSpec {
            script: prepared.script.clone(),
            shell: node.shell.clone().unwrap_or_else(|| "bash".into()),
            cwd: node.cwd.as_ref().map(PathBuf::from),
            env: prepared.env.clone(),
            timeout: self.timeout(node),
            watch: node.watch.then(|| watch_window(node)),
        };
        if node.interactive && self.prompter.is_interactive() {
            return on_terminal::run(&spec);
        }
        let quiet = self.settings.quiet;
        let mut lines = self.redactor.lines();
        let mut on_line = |line: &str| {
            if !quiet {
                let line = lines.line(line);
                emit(&format!("  │ {}\n", line.trim_end_matches(['\n', '\r'])));
            }
        };
        let began = Instant::now();
        self.signals
            .runtime
            .block_on(exec::run(&spec, &mut on_line))
            .unwrap_or_else(|e| exec::ExecResult::failed_to_start(&spec.shell, e, began.elapsed()))
    }

    /// The step's own timeout, else `--timeout`, else the front matter's, else 60 s.
    fn timeout(&self, node: &Node) -> Duration {
        node.timeout_ms
            .map(Duration::from_millis)
            .or(self.settings.timeout)
            .or(self.playbook.timeout_ms.map(Duration::from_millis))
            .unwrap_or(DEFAULT_TIMEOUT)
    }

    /// Ends the session: how it ended, the milestones that go with it, the
    /// postmortem draft. Returns the exit code.
    fn close(mut self, stop: Stop) -> Result<i32> {
        let suggested = match &stop {
            Stop::End => self.progress.suggested_status(),
            Stop::Escalated { .. } => SessionStatus::Escalated,
            Stop::Aborted | Stop::Broken(_) => SessionStatus::Unresolved,
            Stop::Interrupted => SessionStatus::Interrupted,
        };
        if let Stop::Broken(why) = &stop {
            self.say(&format!("✘ {why}"));
            self.record(TOOL, EventBody::Note { text: why.clone() })?;
        }
        let ending = match suggested {
            SessionStatus::Interrupted => None,
            _ => match self.prompter.finish(suggested) {
                Ok(ending) => Some(ending),
                Err(Error::Interrupted) => None,
                Err(e) => return Err(e),
            },
        };
        let (status, level, summary) = match ending {
            Some(e) => {
                let level = e.level.or(match &stop {
                    Stop::Escalated { level } => Some(level.clone()),
                    _ => None,
                });
                (e.status, level, e.summary)
            }
            None => (SessionStatus::Interrupted, None, None),
        };
        let summary = summary.or_else(|| Some(self.summary(status, &stop)));
        self.milestones(status)?;
        self.record(
            TOOL,
            EventBody::SessionEnded {
                status,
                level,
                summary,
            },
        )?;
        if let Err(e) = postmortem::write(self.log.dir(), &self.redactor, None, None) {
            eprintln!("runbook: postmortem draft not written: {e}");
        }
        self.say(&format!(
            "{} {} — incident: {}",
            self.settings.paint.bold("session ended:"),
            status_name(status),
            self.log.dir().display()
        ));
        if status == SessionStatus::Interrupted {
            self.say(&format!(
                "continue with: runbook resume {}",
                self.log.dir().display()
            ));
        }
        Ok(status.exit_code())
    }

    fn milestones(&mut self, status: SessionStatus) -> Result<()> {
        let fixed = matches!(status, SessionStatus::Resolved | SessionStatus::Mitigated);
        if fixed && !self.progress.mitigated {
            self.record(
                TOOL,
                EventBody::Milestone {
                    milestone: Milestone::Mitigated,
                },
            )?;
        }
        if status == SessionStatus::Resolved {
            self.record(
                TOOL,
                EventBody::Milestone {
                    milestone: Milestone::Resolved,
                },
            )?;
        }
        Ok(())
    }

    /// What the evidence says, for the record when nobody wrote a summary.
    fn summary(&self, status: SessionStatus, stop: &Stop) -> String {
        let p = &self.progress;
        let mut parts = vec![match stop {
            Stop::End => "reached the end of the playbook".to_string(),
            Stop::Escalated { level } => format!("escalated: {level}"),
            Stop::Aborted => "aborted".to_string(),
            Stop::Broken(why) => why.clone(),
            Stop::Interrupted => "interrupted; `runbook resume` continues it".to_string(),
        }];
        if let Some(check) = p.last_check {
            parts.push(format!("last check {}", outcome_name(check)));
        }
        if !p.held_back.is_empty() {
            parts.push(format!(
                "destructive steps held back: {}",
                p.held_back.join(", ")
            ));
        }
        if !p.manual_pending.is_empty() {
            parts.push(format!(
                "manual steps not confirmed: {}",
                p.manual_pending.join(", ")
            ));
        }
        format!("{} ({})", parts.join("; "), status_name(status))
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ok => "ok",
        Outcome::Fail => "failed",
        Outcome::Find => "found trouble",
        Outcome::Timeout => "timed out",
        Outcome::Skipped => "skipped",
        Outcome::Error => "errored",
    }
}

fn step_started(node: &Node, command: Option<&str>) -> EventBody {
    EventBody::StepStarted {
        step: node.id.clone(),
        title: node.title.clone(),
        command: command.map(String::from),
    }
}

/// A `step_finished` with where the walk goes next; the caller fills in the rest.
fn step_finished(node: &Node, command: Option<&str>, outcome: Outcome, flow: &Flow) -> EventBody {
    EventBody::StepFinished {
        step: node.id.clone(),
        title: node.title.clone(),
        command: command.map(String::from),
        exit_code: None,
        duration_ms: 0,
        outcome,
        finding: None,
        output: String::new(),
        failed: Vec::new(),
        diff: None,
        next: match flow {
            Flow::Go(Next::Node(id)) => Some(id.clone()),
            Flow::Go(Next::End) => Some(END.to_string()),
            Flow::Stop(_) => None,
        },
        reason: None,
    }
}

/// Who to escalate to: the first line of the step's text (its first list item), else
/// its title.
fn escalation_level(node: &Node) -> String {
    node.text
        .as_deref()
        .and_then(|t| {
            t.lines()
                .map(|l| l.trim().trim_start_matches(['-', '*', '+']).trim())
                .find(|l| !l.is_empty())
        })
        .map_or_else(|| node.title.clone(), String::from)
}

/// How long a watch step streams: its own timeout, else 10 s.
fn watch_window(node: &Node) -> Duration {
    node.timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(DEFAULT_WATCH)
}

/// The head and tail of an output, lines cut to a sane width, for the event log.
fn excerpt(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let cut = |l: &&str| guided::view::truncate(l, EXCERPT_LINE_CHARS);
    if lines.len() <= 2 * EXCERPT_LINES {
        return lines.iter().map(cut).collect::<Vec<_>>().join("\n");
    }
    let head: Vec<String> = lines[..EXCERPT_LINES].iter().map(cut).collect();
    let tail: Vec<String> = lines[lines.len() - EXCERPT_LINES..]
        .iter()
        .map(cut)
        .collect();
    format!(
        "{}\n… {} lines …\n{}",
        head.join("\n"),
        lines.len() - 2 * EXCERPT_LINES,
        tail.join("\n")
    )
}

/// A hypothesis to pre-fill after a check: the playbook's candidate cause that
/// mentions what was found, else the finding itself.
fn suggest_hypothesis(playbook: &Playbook, node: &Node, verdict: &Verdict) -> Option<String> {
    let label = verdict.finding_label()?;
    let wanted = label.to_lowercase();
    playbook
        .hypotheses
        .iter()
        .find(|h| h.to_lowercase().contains(&wanted))
        .cloned()
        .or_else(|| Some(format!("{label} (found by {})", node.title)))
}

/// Interactive steps (psql, `redis-cli` REPLs, `exec -it`) in a guided session: the
/// command gets the terminal. Its own process group is put in the terminal's
/// foreground, so Ctrl-C and job-control keys reach it and not the session, and the
/// session takes the terminal back when it exits. Output is the person's to read: it
/// is not captured, so only the exit code is judged.
mod on_terminal {
    use crate::exec::{ExecResult, ExecSpec};
    use crate::judge::{Outcome, Verdict};
    use nix::sys::signal::{killpg, signal, SigHandler, Signal};
    use nix::unistd::{getpgrp, tcsetpgrp, Pid};
    use std::os::unix::process::CommandExt;
    use std::process::Command;
    use std::time::Instant;

    pub fn run(spec: &ExecSpec) -> ExecResult {
        let began = Instant::now();
        let mut command = Command::new(&spec.shell);
        command
            .arg("-c")
            .arg(&spec.script)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .process_group(0);
        if let Some(cwd) = &spec.cwd {
            command.current_dir(cwd);
        }
        // SAFETY: between fork and exec the closure only makes async-signal-safe
        // system calls (signal, tcsetpgrp, getpgrp) and allocates nothing.
        unsafe {
            command.pre_exec(|| {
                take_terminal(getpgrp());
                Ok(())
            });
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => return ExecResult::failed_to_start(&spec.shell, e, began.elapsed()),
        };
        // Both sides hand the terminal over: whichever runs first wins the race with
        // the child's first read.
        let group = Pid::from_raw(child.id() as i32);
        take_terminal(group);
        let status = child.wait();
        take_terminal(getpgrp());
        // Like any step, it leaves nothing behind (`cmd &` inside the step).
        let _ = killpg(group, Signal::SIGKILL);
        let exit_code = status.ok().and_then(|s| s.code());
        ExecResult {
            exit_code,
            timed_out: false,
            interrupted: false,
            watched: false,
            duration: began.elapsed(),
            output: String::new(),
            total_bytes: 0,
        }
    }

    /// Makes `group` the terminal's foreground group. A background group doing this
    /// gets SIGTTOU, so it is ignored meanwhile. No terminal: nothing to do.
    fn take_terminal(group: Pid) {
        // SAFETY: replacing a signal disposition with SIG_IGN and back installs no
        // Rust handler.
        unsafe {
            let previous = signal(Signal::SIGTTOU, SigHandler::SigIgn);
            let _ = tcsetpgrp(std::io::stdin(), group);
            if let Ok(previous) = previous {
                let _ = signal(Signal::SIGTTOU, previous);
            }
        }
    }

    /// An interactive step is judged by its exit code alone.
    pub fn verdict(result: &ExecResult) -> Verdict {
        let ok = result.exit_code == Some(0);
        Verdict {
            outcome: if ok { Outcome::Ok } else { Outcome::Fail },
            failed: if ok {
                Vec::new()
            } else {
                vec![format!(
                    "interactive command ended with {}",
                    result
                        .exit_code
                        .map_or("no exit code".to_string(), |c| format!("exit code {c}"))
                )]
            },
            diff: None,
            findings: Vec::new(),
        }
    }
}
