//! The walk: one step after another, each fact recorded before the next step starts.

use super::signals::Signals;
use super::{emit, terminal, Settings, DEFAULT_TIMEOUT, DEFAULT_WATCH};
use crate::error::{Error, Result};
use crate::exec;
use crate::graph::{Node, NodeKind, Playbook, END};
use crate::guided;
use crate::incident::event::{Event, EventBody, HypothesisState, Milestone, SessionStatus};
use crate::incident::logmd::{outcome_name, status_name};
use crate::incident::{self, EventsSync, IncidentLog};
use crate::interpret::{self, reason, Next, Progress};
use crate::judge::{self, Outcome, Verdict};
use crate::postmortem;
use crate::prompt::{Ending, Prompter, StepChoice};
use crate::redact::{Redactor, MASK_OPEN};
use crate::vars::{self, Bindings};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOOL: &str = "runbook";
/// The output excerpt kept in `step_finished` events: head and tail lines.
const EXCERPT_LINES: usize = 20;
const EXCERPT_LINE_CHARS: usize = 400;

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

pub(super) struct Session {
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
    pub(super) fn new(
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

    /// A new incident: its opening events, the walk from the start, the ending.
    pub(super) fn start(mut self, mode: &str, severity: &str, observed: &[String]) -> Result<i32> {
        postmortem::compile_in_background(&self.playbook.lang);
        self.say(&format!("incident: {}", self.log.dir().display()));
        self.open(mode, severity, observed)?;
        let start = self.playbook.start().map(|n| n.id.clone());
        let stop = self.walk(start)?;
        self.close(stop)
    }

    /// An interrupted incident: `progress` is what its events established; the walk
    /// continues at the first step not finished.
    pub(super) fn resume(mut self, progress: Progress, severity: &str) -> Result<i32> {
        postmortem::compile_in_background(&self.playbook.lang);
        let from = progress.resume_point(&self.playbook);
        self.progress = progress;
        self.say(&format!(
            "incident: {} (resuming at {})",
            self.log.dir().display(),
            from.as_deref().unwrap_or("the end")
        ));
        let started = self.session_started("resumed", severity);
        self.record(TOOL, started)?;
        let stop = self.walk(from)?;
        self.close(stop)
    }

    /// Records an event (redacted and synced by the log) and lets the evidence and
    /// the prompter see it.
    fn record(&mut self, actor: &str, body: EventBody) -> Result<()> {
        let event = self.log.append(actor, body)?;
        self.observe(event);
        Ok(())
    }

    /// [`Session::record`] without the sync: the next step's start syncs it (a step's
    /// events reach the disk while its successor's shell starts up).
    fn record_unsynced(&mut self, actor: &str, body: EventBody) -> Result<()> {
        let event = self.log.append_unsynced(actor, body)?;
        self.observe(event);
        Ok(())
    }

    fn observe(&mut self, event: Event) {
        self.progress.apply(&self.playbook, &event.body);
        self.prompter.observe(&event);
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

    /// Walks from `from` until the end, an escalation, an abort or a signal.
    fn walk(&mut self, mut current: Option<String>) -> Result<Stop> {
        // Every node counts, not only the steps that run: a cycle of decisions or
        // notes would otherwise spin forever.
        let mut visits: HashMap<String, usize> = HashMap::new();
        while let Some(id) = current.take() {
            if self.signals.caught() {
                return Ok(Stop::Interrupted);
            }
            let Some(node) = self.playbook.node(&id).cloned() else {
                return Ok(Stop::Broken(format!("no step `{id}` in this playbook")));
            };
            let seen = visits.entry(id.clone()).or_default();
            *seen += 1;
            if *seen > interpret::MAX_VISITS {
                return Ok(Stop::Broken(format!(
                    "step `{id}` came up {} times: stopping an endless loop",
                    interpret::MAX_VISITS
                )));
            }
            let flow = match self.step(&node) {
                Ok(flow) => flow,
                Err(Error::Interrupted) => Flow::Stop(Stop::Interrupted),
                // A prompt failing because the terminal went away (SIGHUP).
                Err(_) if self.signals.caught() => Flow::Stop(Stop::Interrupted),
                // The log itself failed: nothing more can be recorded.
                Err(e @ Error::Io { .. }) => return Err(e),
                Err(e) => Flow::Stop(Stop::Broken(e.to_string())),
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
        if self.progress.fixed() {
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
        // The playbook's command, or the edit that replaces it.
        let mut command = node.command.clone().unwrap_or_default();
        let mut prepared = self.prepare(node, &command);
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
                StepChoice::Edit(edited) if edited.contains(MASK_OPEN) => {
                    let why = "the edited command holds a masked secret: write its variable ($NAME) instead";
                    if !interactive {
                        return Ok(Flow::Stop(Stop::Broken(format!(
                            "step `{}`: {why}",
                            node.id
                        ))));
                    }
                    self.say(&format!("  {why}"));
                }
                StepChoice::Edit(edited) => {
                    let refused = self.refusals(node, &edited);
                    if interactive && !refused.is_empty() {
                        // Before anything runs: the person edits again or skips.
                        self.say(&format!("  not run: {}", refused.join("; ")));
                        continue;
                    }
                    prepared = self.prepare(node, &edited);
                    shown = self.redactor.redact(&prepared.display);
                    command = edited;
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
        // The run checked the playbook's commands before its first step; this is the
        // last word for the command about to run, whoever wrote it.
        let refused = self.refusals(node, &command);
        if !refused.is_empty() {
            return Ok(Flow::Stop(Stop::Broken(format!(
                "step `{}` not run: {}",
                node.id,
                refused.join("; ")
            ))));
        }
        self.record_unsynced(TOOL, step_started(node, Some(&shown)))?;
        let sync = self.log.sync_handle()?;
        let result = self.execute(node, &prepared, sync)?;
        if result.interrupted || self.signals.caught() {
            // No step_finished: `resume` runs this step again.
            return Ok(Flow::Stop(Stop::Interrupted));
        }
        let verdict = if node.interactive {
            terminal::verdict(&result)
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
        if interactive {
            // A person reads the verdict next, maybe for minutes: on disk first.
            self.record(TOOL, finished)?;
        } else {
            self.record_unsynced(TOOL, finished)?;
        }
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

    /// What [`vars::refusals`] says about `command` as this step would run it.
    fn refusals(&self, node: &Node, command: &str) -> Vec<String> {
        vars::refusals(
            command,
            &self.bindings,
            node.shell.as_deref().unwrap_or("bash"),
        )
        .iter()
        .map(ToString::to_string)
        .collect()
    }

    fn prepare(&self, node: &Node, command: &str) -> vars::Prepared {
        vars::prepare_for(
            command,
            &self.bindings,
            node.shell.as_deref().unwrap_or("bash"),
        )
    }

    /// Runs a command, streaming its output through the redactor; a failure to start
    /// it is an `error` outcome, not the end of the session. `sync` puts the events
    /// written so far on disk before the command runs, while its shell starts.
    fn execute(
        &self,
        node: &Node,
        prepared: &vars::Prepared,
        sync: Option<EventsSync>,
    ) -> Result<exec::ExecResult> {
        let spec = exec::ExecSpec {
            script: prepared.script.clone(),
            shell: node.shell.clone().unwrap_or_else(|| "bash".into()),
            cwd: node.cwd.as_ref().map(PathBuf::from),
            env: prepared.env.clone(),
            timeout: self.timeout(node),
            watch: node.watch.then(|| watch_window(node)),
            detach_terminal: !self.prompter.is_interactive(),
        };
        if node.interactive && self.prompter.is_interactive() {
            if let Some(sync) = sync {
                sync.sync()?;
            }
            return Ok(terminal::run(&spec));
        }
        let quiet = self.settings.quiet;
        let mut redacted = self.redactor.lines();
        let mut on_output = |output: exec::Chunk<'_>| {
            if !quiet {
                emit(&output_view(&redacted.lines_of(output.text())));
            }
        };
        let began = Instant::now();
        let (gate, synced) = sync_gate(sync, self.signals.flag());
        let result = self
            .signals
            .runtime
            .block_on(exec::run_gated(&spec, gate, &mut on_output));
        match result {
            Ok(result) => Ok(result),
            // The record could not be synced: the session cannot go on keeping it.
            Err(e) if !synced.load(Ordering::SeqCst) => Err(Error::io(self.log.dir(), e)),
            Err(e) => Ok(exec::ExecResult::failed_to_start(
                &spec.shell,
                e,
                began.elapsed(),
            )),
        }
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
                // No answer to how it ends: the evidence decides.
                Err(e) => {
                    eprintln!("runbook: {e}");
                    Some(Ending {
                        status: suggested,
                        level: None,
                        summary: None,
                    })
                }
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
            status_name(status, false),
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
            parts.push(format!("last check: {}", outcome_name(check)));
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
        format!("{} ({})", parts.join("; "), status_name(status, false))
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
pub(super) fn watch_window(node: &Node) -> Duration {
    node.timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(DEFAULT_WATCH)
}

/// The gate that syncs the record while a step's shell starts, and whether it did:
/// an error before then is the record's, not the command's. A Ctrl-C caught by then
/// keeps the gate shut: the command never starts, and `resume` runs it.
fn sync_gate(
    sync: Option<EventsSync>,
    interrupted: Arc<AtomicBool>,
) -> (Option<exec::StartGate>, Arc<AtomicBool>) {
    let synced = Arc::new(AtomicBool::new(sync.is_none()));
    let gate = sync.map(|sync| -> exec::StartGate {
        let synced = synced.clone();
        Box::new(move || {
            sync.sync().map_err(std::io::Error::other)?;
            synced.store(true, Ordering::SeqCst);
            if interrupted.load(Ordering::SeqCst) {
                return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
            }
            Ok(())
        })
    });
    (gate, synced)
}

/// A command's output as the session shows it: each line behind a rule.
fn output_view(text: &str) -> String {
    let mut view = String::with_capacity(text.len() + text.len() / 8);
    for line in text.lines() {
        view.push_str("  │ ");
        view.push_str(line.trim_end_matches('\r'));
        view.push('\n');
    }
    view
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
