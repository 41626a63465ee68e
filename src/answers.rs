//! `--answers FILE` (YAML) and `--yes`: the unattended [`Prompter`].
//!
//! # The answers file
//!
//! Everything a person would answer during a session, written down in advance, so a
//! run needs nobody at the keyboard (CI, drills, cron). Every key is optional; step ids
//! are the ids `runbook show PLAYBOOK` prints (a decision may also be named by its
//! question).
//!
//! ```yaml
//! vars:                      # variable values (below --var, above --env-file and the environment)
//!   REDIS_HOST: 127.0.0.1
//!   REDIS_PASSWORD: s3cret   # kept in memory only, masked everywhere
//! decisions:                 # decision step id (or question) → choice
//!   one-user-only: "No"      # a choice label (case and accents ignored), its target step id,
//!                            # or its position (1, 2, ...)
//! symptoms:                  # symptoms observed: symptom step ids, or free text
//!   - api-returns-503
//!   - "customers report timeouts"
//! severity: sev2             # sev1..sev4; --severity wins over it
//! hypotheses:                # recorded after the check with that id ran
//!   check-redis: "Redis ran out of memory"
//!   check-logs:
//!     text: "webhook secret rotated"
//!     disproof: "signature errors continue with the old secret"
//! skip: [flush-cache]        # steps not to run (recorded as skipped)
//! edit:                      # run this command instead of the step's own
//!   tail-logs: "tail -n 200 $LOG_DIR/api.log"
//! manual:                    # manual steps: done | skip
//!   notify-team: done
//! confirm:                   # destructive steps allowed to run (one by one;
//!   restart-redis: true      # --allow-destructive allows them all)
//! status: mitigated          # how to close: resolved | mitigated | unresolved | escalated
//! escalation_level: "Level 2 - On-Call Engineer"
//! summary: "Redis restarted; queue drained"
//! ```
//!
//! # What an unattended run does without an answer
//!
//! - **Variables**: `--var`, `vars:`, `--env-file`, the environment, then defaults. Any
//!   variable a reachable command needs and nobody gave is reported before anything
//!   runs (exit 3), all of them in one list.
//! - **Decisions** with two or more choices need an answer, `--yes` or not: picking a
//!   branch is a judgement, not a default. Every unanswered decision on any path is
//!   reported before anything runs (exit 3), with its choices. A decision with a single
//!   choice takes it.
//! - **Destructive steps** (`destructive`/`confirm`, or detected) run only with
//!   `--allow-destructive` or `confirm: {step: true}`; otherwise they are recorded as
//!   skipped and the run ends unresolved (exit 1).
//! - **Interactive steps** (a REPL such as `redis-cli` followed by `> KEYS ...`) never
//!   run unattended: recorded as skipped.
//! - **Manual steps** not answered `done` are recorded as not confirmed. They do not
//!   block a run whose last check is ok; a run made only of manual steps is resolved
//!   only when every one is answered `done`.
//! - **Symptoms**: none are recorded unless listed: nobody confirmed them.
//! - **Status**: the run's evidence decides (resolved only when the last check was ok);
//!   `status:` may close it as mitigated, unresolved or escalated instead, but cannot
//!   claim `resolved` when the evidence says otherwise.
//!
//! Unknown keys, and step ids the playbook does not have, are errors: a typo must not
//! silently change what runs.

use crate::error::{Error, Result};
use crate::graph::{Choice, Node, NodeKind, Playbook, Variable};
use crate::incident::event::SessionStatus;
use crate::interpret;
use crate::judge::Verdict;
use crate::prompt::{Ending, HypothesisInput, Prompter, StepChoice};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The parsed answers file. See the module documentation for the format.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Answers {
    pub vars: BTreeMap<String, String>,
    pub decisions: BTreeMap<String, String>,
    pub symptoms: Vec<String>,
    pub severity: Option<String>,
    pub hypotheses: BTreeMap<String, HypothesisAnswer>,
    pub skip: Vec<String>,
    pub edit: BTreeMap<String, String>,
    pub manual: BTreeMap<String, ManualAnswer>,
    pub confirm: BTreeMap<String, bool>,
    pub status: Option<SessionStatus>,
    pub escalation_level: Option<String>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum HypothesisAnswer {
    Text(String),
    Full {
        text: String,
        #[serde(default)]
        disproof: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ManualAnswer {
    Done,
    Skip,
}

const SEVERITIES: [&str; 4] = ["sev1", "sev2", "sev3", "sev4"];

impl Answers {
    /// Reads and parses an answers file; errors name the file and line.
    pub fn load(path: &Path) -> Result<Answers> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Answers::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Answers> {
        if text.trim().is_empty() {
            return Ok(Answers::default());
        }
        let answers: Answers = serde_saphyr::from_str(text).map_err(|e| {
            let message = yaml_message(&e.to_string());
            Error::Parse {
                file: path.to_path_buf(),
                line: unknown_key_line(text, &message)
                    .or(e.location().map(|l| l.line() as usize))
                    .unwrap_or(1),
                message: format!("answers: {message}"),
            }
        })?;
        answers.validate(path)?;
        Ok(answers)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let bad = |message: String| Error::Parse {
            file: path.to_path_buf(),
            line: 1,
            message,
        };
        if let Some(sev) = &self.severity {
            if !SEVERITIES.contains(&sev.as_str()) {
                return Err(bad(format!(
                    "answers: severity `{sev}` is not one of sev1, sev2, sev3, sev4"
                )));
            }
        }
        if self.status == Some(SessionStatus::Interrupted) {
            return Err(bad(
                "answers: status `interrupted` is what Ctrl-C records; use resolved, mitigated, unresolved or escalated".into(),
            ));
        }
        Ok(())
    }

    /// The raw answer for a decision, looked up by step id, then by question.
    pub fn decision(&self, node: &Node) -> Option<&str> {
        self.decisions
            .get(&node.id)
            .or_else(|| {
                self.decisions
                    .iter()
                    .find(|(key, _)| names_decision(key, node))
                    .map(|(_, answer)| answer)
            })
            .map(String::as_str)
    }

    /// The choice taken at a decision: the answered one, or the only one there is.
    pub fn choice(&self, playbook: &Playbook, node: &Node) -> Option<Choice> {
        match self.decision(node) {
            Some(answer) => interpret::match_choice(&interpret::choices(playbook, node), answer),
            None => interpret::only_choice(playbook, node),
        }
    }

    /// The command a step runs: the answers' edit, else its own.
    pub fn command<'a>(&'a self, node: &'a Node) -> Option<&'a str> {
        self.edit
            .get(&node.id)
            .map(String::as_str)
            .or(node.command.as_deref())
    }

    pub fn skips(&self, node: &Node) -> bool {
        self.skip.iter().any(|s| s == &node.id)
    }

    pub fn confirms(&self, node: &Node) -> bool {
        self.confirm.get(&node.id).copied().unwrap_or(false)
    }
}

/// Whether an answers key names this decision: its id, or its question (`¿`/`?` aside).
fn names_decision(key: &str, node: &Node) -> bool {
    let question = |s: &str| {
        s.trim()
            .trim_start_matches('¿')
            .trim_end_matches('?')
            .trim()
            .to_string()
    };
    key == node.id || question(key) == question(&node.title)
}

/// The parser's message without its own position prefix and suffix (we add ours).
fn yaml_message(text: &str) -> String {
    let first = text.lines().next().unwrap_or(text);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let first = match first.split_once(": ") {
        Some((position, rest)) if position.starts_with("line ") => rest,
        _ => first,
    };
    first
        .rsplit_once(" at line ")
        .map_or(first, |(message, _)| message)
        .to_string()
}

/// serde reports an unknown key at its mapping; point at the key itself.
fn unknown_key_line(text: &str, message: &str) -> Option<usize> {
    let key = message.strip_prefix("unknown field `")?.split('`').next()?;
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

/// What a preflight assumes about the run it checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    /// The step the run starts from (resume); `None`: the playbook's start.
    pub from: Option<&'a str>,
    /// Destructive steps will run (`--allow-destructive`, or a person confirms them).
    pub allow_destructive: bool,
    /// A person is at the terminal: interactive steps run.
    pub interactive: bool,
}

/// What an unattended run of `playbook` still needs, every item at once, before any
/// step runs. `unresolved` are the variables no source gave a value.
pub fn missing(
    playbook: &Playbook,
    answers: &Answers,
    unresolved: &[Variable],
    scope: Scope,
) -> Vec<String> {
    let mut out = unknown_steps(playbook, answers);
    let decide = |node: &Node| answers.choice(playbook, node);
    for node in interpret::reachable(playbook, scope.from, &decide) {
        if let Some(line) = decision_problem(playbook, answers, node) {
            out.push(line);
        }
    }
    let needed = needed_variables(playbook, answers, scope);
    out.extend(
        unresolved
            .iter()
            .filter(|v| needed.contains(v.name.as_str()))
            .map(describe_variable),
    );
    out
}

fn decision_problem(playbook: &Playbook, answers: &Answers, node: &Node) -> Option<String> {
    if !interpret::needs_answer(playbook, node) {
        return None;
    }
    let labels: Vec<String> = interpret::choices(playbook, node)
        .into_iter()
        .map(|c| format!("\"{}\"", c.label))
        .collect();
    match answers.decision(node) {
        Some(_) if answers.choice(playbook, node).is_some() => None,
        Some(answer) => Some(format!(
            "decision `{}` (line {}) \"{}\": answer \"{answer}\" is none of its choices {}",
            node.id,
            node.line,
            node.title,
            labels.join(", ")
        )),
        None => Some(format!(
            "decision `{}` (line {}) \"{}\": choose one of {} (answers file: decisions: {{{}: ...}})",
            node.id,
            node.line,
            node.title,
            labels.join(", "),
            node.id
        )),
    }
}

/// One line of the "missing" error for a variable: its name, whether secret, what it
/// is, and the ways to give it.
pub fn describe_variable(var: &Variable) -> String {
    let mut line = format!("variable {}", var.name);
    if var.secret {
        line.push_str(" (secret)");
    }
    if let Some(d) = &var.description {
        line.push_str(&format!(": {d}"));
    }
    line.push_str(&format!(
        " (--var {0}=..., --env-file, or vars: {{{0}: ...}} in --answers)",
        var.name
    ));
    line
}

/// Whether a run would execute this node's command.
pub fn will_run(node: &Node, answers: &Answers, scope: Scope) -> bool {
    answers.command(node).is_some()
        && !node.skip
        && (!node.interactive || scope.interactive)
        && !answers.skips(node)
        && (!(node.destructive || node.confirm)
            || scope.allow_destructive
            || answers.confirms(node))
}

/// Variables a run needs: those in the commands it may execute, plus declared ones no
/// command names (they reach programs through the environment, like PGPASSWORD).
pub fn needed_variables(playbook: &Playbook, answers: &Answers, scope: Scope) -> BTreeSet<String> {
    let decide = |node: &Node| answers.choice(playbook, node);
    let named_anywhere: BTreeSet<String> = playbook
        .nodes
        .iter()
        .filter_map(|n| answers.command(n))
        .flat_map(crate::placeholder::names)
        .collect();
    let mut needed: BTreeSet<String> = interpret::reachable(playbook, scope.from, &decide)
        .into_iter()
        .filter(|n| will_run(n, answers, scope))
        .filter_map(|n| answers.command(n))
        .flat_map(crate::placeholder::names)
        .collect();
    needed.extend(
        playbook
            .variables
            .iter()
            .filter(|v| !named_anywhere.contains(&v.name))
            .map(|v| v.name.clone()),
    );
    needed
}

/// Step ids the answers name that the playbook does not have.
fn unknown_steps(playbook: &Playbook, answers: &Answers) -> Vec<String> {
    let known = |id: &str| playbook.node(id).is_some();
    let is_decision = |key: &str| {
        playbook
            .nodes
            .iter()
            .any(|n| n.kind == NodeKind::Decision && names_decision(key, n))
    };
    let mut out = Vec::new();
    let mut check = |section: &str, id: &str, ok: bool| {
        if !ok {
            out.push(format!(
                "answers: {section}: `{id}` is not a step of playbook `{}` (see `runbook show {}`)",
                playbook.id, playbook.id
            ));
        }
    };
    for id in answers.decisions.keys() {
        check("decisions", id, is_decision(id));
    }
    for id in answers.hypotheses.keys() {
        check("hypotheses", id, known(id));
    }
    for id in &answers.skip {
        check("skip", id, known(id));
    }
    for id in answers.edit.keys() {
        check("edit", id, known(id));
    }
    for id in answers.manual.keys() {
        check("manual", id, known(id));
    }
    for id in answers.confirm.keys() {
        check("confirm", id, known(id));
    }
    out
}

/// The Prompter of unattended runs: answers come from the file (or nowhere, with
/// `--yes` alone); nothing is ever asked.
pub struct AnswersPrompter {
    answers: Answers,
    allow_destructive: bool,
    /// The playbook's decisions' choices, so `decide` returns a canonical label.
    choices: BTreeMap<String, Vec<Choice>>,
}

impl AnswersPrompter {
    pub fn new(answers: Answers, playbook: &Playbook, allow_destructive: bool) -> Self {
        let choices = playbook
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Decision)
            .map(|n| (n.id.clone(), interpret::choices(playbook, n)))
            .collect();
        AnswersPrompter {
            answers,
            allow_destructive,
            choices,
        }
    }

    pub fn answers(&self) -> &Answers {
        &self.answers
    }
}

impl Prompter for AnswersPrompter {
    fn is_interactive(&self) -> bool {
        false
    }

    fn variable(&mut self, var: &Variable) -> Result<Option<String>> {
        Ok(self.answers.vars.get(&var.name).cloned())
    }

    /// Symptom step ids for entries naming a symptom (by id or title); other entries
    /// are returned as they are, free text observed by the person.
    fn observed_symptoms(&mut self, symptoms: &[&Node]) -> Result<Vec<String>> {
        Ok(self
            .answers
            .symptoms
            .iter()
            .map(|s| {
                let folded = fold(s);
                symptoms
                    .iter()
                    .find(|n| n.id == *s || fold(&n.title) == folded)
                    .map_or_else(|| s.clone(), |n| n.id.clone())
            })
            .collect())
    }

    fn severity(&mut self, default: &str) -> Result<String> {
        Ok(self
            .answers
            .severity
            .clone()
            .unwrap_or_else(|| default.to_string()))
    }

    fn before_step(&mut self, node: &Node, _command: &str) -> Result<StepChoice> {
        if self.answers.skips(node) {
            return Ok(StepChoice::Skip);
        }
        Ok(match self.answers.edit.get(&node.id) {
            Some(command) => StepChoice::Edit(command.clone()),
            None => StepChoice::Run,
        })
    }

    fn confirm_destructive(&mut self, node: &Node, _command: &str) -> Result<bool> {
        Ok(self.allow_destructive || self.answers.confirms(node))
    }

    fn after_check(
        &mut self,
        node: &Node,
        _verdict: &Verdict,
        _suggested: Option<&str>,
    ) -> Result<Option<HypothesisInput>> {
        Ok(self.answers.hypotheses.get(&node.id).map(|h| match h {
            HypothesisAnswer::Text(text) => HypothesisInput {
                text: text.clone(),
                disproof: None,
            },
            HypothesisAnswer::Full { text, disproof } => HypothesisInput {
                text: text.clone(),
                disproof: disproof.clone(),
            },
        }))
    }

    fn decide(&mut self, node: &Node) -> Result<Option<String>> {
        let choices = self.choices.get(&node.id).map_or(&[][..], Vec::as_slice);
        let answered = self
            .answers
            .decision(node)
            .and_then(|a| interpret::match_choice(choices, a));
        let only = match choices {
            [one] => Some(one.clone()),
            _ => None,
        };
        Ok(answered.or(only).map(|c| c.label))
    }

    fn manual(&mut self, node: &Node) -> Result<bool> {
        Ok(self.answers.manual.get(&node.id) == Some(&ManualAnswer::Done))
    }

    fn status_update(&mut self, _draft: &str) -> Result<Option<String>> {
        Ok(None)
    }

    fn finish(&mut self, suggested: SessionStatus) -> Result<Ending> {
        let status = match self.answers.status {
            Some(SessionStatus::Resolved) | None => suggested,
            Some(other) => other,
        };
        Ok(Ending {
            status,
            level: (status == SessionStatus::Escalated)
                .then(|| self.answers.escalation_level.clone())
                .flatten(),
            summary: self.answers.summary.clone(),
        })
    }
}

fn fold(s: &str) -> String {
    deunicode::deunicode(s).trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Edge, EdgeOn, END};
    use crate::judge::Outcome;

    /// The example in this module's documentation, so the README cannot drift from it.
    fn documented_example() -> String {
        let source = include_str!("answers.rs");
        let start = source.find("//! ```yaml\n").unwrap() + "//! ```yaml\n".len();
        let end = start + source[start..].find("//! ```\n").unwrap();
        source[start..end]
            .lines()
            .map(|l| {
                l.strip_prefix("//! ")
                    .unwrap_or(l.trim_start_matches("//!"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn parse(text: &str) -> Result<Answers> {
        Answers::parse(text, Path::new("answers.yaml"))
    }

    fn node(id: &str, kind: NodeKind, command: Option<&str>) -> Node {
        let mut n = Node::new(id, kind, format!("Title of {id}"), 3);
        n.command = command.map(String::from);
        n
    }

    fn edge(from: &str, to: &str, on: EdgeOn) -> Edge {
        Edge {
            from: from.into(),
            to: to.into(),
            on,
        }
    }

    /// check `a` → decision `q` (Yes → `fix` uses $FIX_ARG, No → `other` uses $OTHER)
    /// → both to `gate` (a second decision) → end.
    fn playbook() -> Playbook {
        let mut q = node("q", NodeKind::Decision, None);
        q.title = "¿Falla solo un usuario?".into();
        q.choices = vec![
            Choice {
                label: "Sí".into(),
                to: "fix".into(),
            },
            Choice {
                label: "No".into(),
                to: "other".into(),
            },
        ];
        let mut gate = node("gate", NodeKind::Decision, None);
        gate.choices = vec![
            Choice {
                label: "Restart".into(),
                to: "restart".into(),
            },
            Choice {
                label: "Wait".into(),
                to: END.into(),
            },
        ];
        let mut restart = node("restart", NodeKind::Action, Some("systemctl restart $UNIT"));
        restart.destructive = true;
        Playbook {
            id: "pb".into(),
            variables: ["FIX_ARG", "OTHER", "UNIT", "PGPASSWORD", "UNUSED_HERE"]
                .iter()
                .map(|n| Variable {
                    name: n.to_string(),
                    ..Variable::default()
                })
                .collect(),
            nodes: vec![
                node("a", NodeKind::Check, Some("true")),
                q,
                node("fix", NodeKind::Action, Some("echo $FIX_ARG")),
                node("other", NodeKind::Action, Some("echo ${OTHER}")),
                gate,
                restart,
                node("unreached", NodeKind::Action, Some("echo $UNUSED_HERE")),
            ],
            edges: vec![
                edge("a", "q", EdgeOn::Next),
                edge("fix", "gate", EdgeOn::Next),
                edge("other", "gate", EdgeOn::Next),
                edge("restart", END, EdgeOn::Next),
            ],
            ..Playbook::default()
        }
    }

    fn allow() -> Scope<'static> {
        Scope {
            allow_destructive: true,
            ..Scope::default()
        }
    }

    fn all_unresolved(p: &Playbook) -> Vec<Variable> {
        p.variables.clone()
    }

    #[test]
    fn the_documented_example_parses() {
        let a = parse(&documented_example()).unwrap();
        assert_eq!(a.vars["REDIS_HOST"], "127.0.0.1");
        assert_eq!(a.decisions["one-user-only"], "No");
        assert_eq!(a.symptoms.len(), 2);
        assert_eq!(a.severity.as_deref(), Some("sev2"));
        assert_eq!(
            a.hypotheses["check-logs"],
            HypothesisAnswer::Full {
                text: "webhook secret rotated".into(),
                disproof: Some("signature errors continue with the old secret".into())
            }
        );
        assert_eq!(a.skip, ["flush-cache"]);
        assert_eq!(a.manual["notify-team"], ManualAnswer::Done);
        assert!(a.confirm["restart-redis"]);
        assert_eq!(a.status, Some(SessionStatus::Mitigated));
        assert!(a.edit["tail-logs"].contains("$LOG_DIR"));
    }

    #[test]
    fn scalars_are_text_whatever_they_look_like() {
        let a = parse("vars: {PORT: 6379, FLAG: true}\ndecisions: {q: No, r: 2}\n").unwrap();
        assert_eq!(a.vars["PORT"], "6379");
        assert_eq!(a.vars["FLAG"], "true");
        assert_eq!(a.decisions["q"], "No");
        assert_eq!(a.decisions["r"], "2");
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = parse("vars:\n  A: b\ndecision:\n  q: x\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("answers.yaml:3: answers: unknown field `decision`"),
            "{text}"
        );
        assert!(text.contains("decision"), "{text}");
        assert_eq!(err.exit_code(), 2);
        assert!(parse("severity: high\n").is_err());
        assert!(parse("status: interrupted\n").is_err());
        assert!(parse("manual: {x: maybe}\n").is_err());
        assert!(parse("[1, 2").is_err());
        assert!(parse("").unwrap().vars.is_empty());
    }

    #[test]
    fn missing_lists_every_decision_and_variable_on_any_path() {
        let p = playbook();
        let m = missing(
            &p,
            &Answers::default(),
            &all_unresolved(&p),
            Scope::default(),
        );
        let text = m.join("\n");
        assert!(text.contains("decision `q` (line 3)"), "{text}");
        assert!(text.contains("\"Sí\", \"No\""), "{text}");
        assert!(text.contains("decision `gate`"), "{text}");
        assert!(text.contains("variable FIX_ARG"), "{text}");
        assert!(text.contains("variable OTHER"), "{text}");
        // Declared and named by no command: reaches programs through the environment.
        assert!(text.contains("variable PGPASSWORD"), "{text}");
        // Only the unreachable step names it.
        assert!(!text.contains("UNUSED_HERE"), "{text}");
        // The destructive restart will not run without --allow-destructive.
        assert!(!text.contains("variable UNIT"), "{text}");
        let allowed = missing(&p, &Answers::default(), &all_unresolved(&p), allow()).join("\n");
        assert!(allowed.contains("variable UNIT"), "{allowed}");
    }

    #[test]
    fn answered_decisions_prune_the_other_branch() {
        let p = playbook();
        let a = parse("decisions:\n  \"¿Falla solo un usuario?\": si\n  gate: Wait\n").unwrap();
        let text = missing(&p, &a, &all_unresolved(&p), allow()).join("\n");
        assert!(!text.contains("decision"), "{text}");
        assert!(
            text.contains("FIX_ARG") && !text.contains("OTHER"),
            "{text}"
        );
        assert!(!text.contains("UNIT"), "{text}");
    }

    #[test]
    fn wrong_answers_and_unknown_steps_are_reported() {
        let p = playbook();
        let a = parse("decisions: {q: Maybe, nope: x}\nskip: [ghost]\nconfirm: {restart: true}\n")
            .unwrap();
        let text = missing(&p, &a, &[], Scope::default()).join("\n");
        assert!(
            text.contains("answer \"Maybe\" is none of its choices"),
            "{text}"
        );
        assert!(text.contains("decisions: `nope`"), "{text}");
        assert!(text.contains("skip: `ghost`"), "{text}");
        assert!(!text.contains("restart"), "{text}");
    }

    #[test]
    fn prompter_answers_from_the_file() {
        let p = playbook();
        let a = parse(
            "decisions: {q: \"2\"}\nskip: [fix]\nedit: {other: \"echo edited\"}\n\
             manual: {a: done}\nconfirm: {restart: true}\nhypotheses: {a: \"disk full\"}\n\
             symptoms: [a, \"title of fix\", \"users complain\"]\nseverity: sev1\n",
        )
        .unwrap();
        let mut pr = AnswersPrompter::new(a, &p, false);
        let n = |id: &str| p.node(id).unwrap();
        assert!(!pr.is_interactive());
        assert_eq!(pr.decide(n("q")).unwrap().as_deref(), Some("No"));
        assert_eq!(pr.decide(n("gate")).unwrap(), None);
        assert_eq!(pr.before_step(n("fix"), "x").unwrap(), StepChoice::Skip);
        assert_eq!(
            pr.before_step(n("other"), "x").unwrap(),
            StepChoice::Edit("echo edited".into())
        );
        assert_eq!(pr.before_step(n("a"), "x").unwrap(), StepChoice::Run);
        assert!(pr.manual(n("a")).unwrap());
        assert!(!pr.manual(n("fix")).unwrap());
        assert!(pr.confirm_destructive(n("restart"), "x").unwrap());
        assert!(!pr.confirm_destructive(n("fix"), "x").unwrap());
        let verdict = Verdict {
            outcome: Outcome::Fail,
            failed: vec![],
            diff: None,
            findings: vec![],
        };
        assert_eq!(
            pr.after_check(n("a"), &verdict, None)
                .unwrap()
                .unwrap()
                .text,
            "disk full"
        );
        let symptoms = [n("a"), n("fix")];
        assert_eq!(
            pr.observed_symptoms(&symptoms).unwrap(),
            ["a", "fix", "users complain"]
        );
        assert_eq!(pr.severity("sev3").unwrap(), "sev1");
    }

    #[test]
    fn answers_cannot_claim_resolved_against_the_evidence() {
        let p = playbook();
        let mut claims = AnswersPrompter::new(parse("status: resolved").unwrap(), &p, false);
        assert_eq!(
            claims.finish(SessionStatus::Unresolved).unwrap().status,
            SessionStatus::Unresolved
        );
        let mut escalates = AnswersPrompter::new(
            parse("status: escalated\nescalation_level: L2").unwrap(),
            &p,
            false,
        );
        let ending = escalates.finish(SessionStatus::Resolved).unwrap();
        assert_eq!(ending.status, SessionStatus::Escalated);
        assert_eq!(ending.level.as_deref(), Some("L2"));
    }
}
