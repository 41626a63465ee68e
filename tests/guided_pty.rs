//! The guided session end to end, in a real pseudo-terminal: the real binary,
//! real prompts (inquire), real shell commands; then the incident record on disk.
//! The same session through `--answers FILE` must record the same steps.

use expectrl::process::unix::{PtyStream, UnixProcess};
use expectrl::{Any, Eof, Session};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const SECRET: &str = "s3cr3t-pty-T0KEN-4242";
const DOWN: &str = "\x1b[B";
const UP: &str = "\x1b[A";
const ENTER: &str = "\r";
/// inquire has no "clear line" key: enough backspaces empty any pre-filled answer.
const CLEAR: &str = "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f";

const QUEUE_PLAYBOOK: &str = r#"---
id: queue-stuck
title: Queue stuck in the lab
service: worker
severity: sev3
lang: en
variables:
  API_TOKEN: { secret: true, description: "metrics token of the lab API" }
  QUEUE: { default: "jobs", description: "queue to inspect" }
---

# Queue stuck in the lab

## Symptoms

- Jobs pile up in the queue
- Webhooks time out

## Diagnosis

### Queue depth

```bash {id=depth expect="pending=0" find="pending=5"}
echo "pending=5 queue=$QUEUE"
```

### Token check

```bash {id=token-check expect="token-ok"}
echo "token-ok auth=$API_TOKEN"
```

### Worker

- Is the worker process running?
  - No → start it by hand, then [verify](#verify)
  - Yes → the consumer is wedged: [restart the consumer](#restart-consumer)

## Actions

### Restart consumer

```bash {id=restart-consumer}
echo "consumer restarted"
```

## Verification

### Queue drained

```bash {id=verify expect="drained" on-ok=end}
echo "queue drained"
```

## Typical causes

- The consumer is wedged on a poisoned job.
"#;

const REDIS_PLAYBOOK: &str = r#"---
id: redis-down
title: Redis not responding
service: cache
severity: sev2
lang: en
---

# Redis not responding

## Symptoms

- PING gets no answer

## Diagnosis

### Ping

```bash {id=ping expect="PONG" on-ok=end}
echo PONG
```
"#;

const CACHE_PLAYBOOK: &str = r#"---
id: cache-warmup
title: Cache warm-up
service: cache
severity: sev3
lang: en
---

# Cache warm-up

## Symptoms

- Cache hit rate below 50%

## Diagnosis

### Hit rate

```bash {id=hit-rate expect="hit_rate"}
echo "hit_rate 0.31"
```

## Actions

1. Announce the warm-up in #incidents before starting it.

### Warm the cache

```bash {id=warm}
echo warmed
```
"#;

/// A temp workspace: fixture playbooks and an incidents directory.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("temp dir");
        let playbooks = dir.path().join("playbooks");
        std::fs::create_dir_all(&playbooks).expect("playbooks dir");
        std::fs::write(playbooks.join("queue-stuck.md"), QUEUE_PLAYBOOK).expect("fixture");
        std::fs::write(playbooks.join("redis-down.md"), REDIS_PLAYBOOK).expect("fixture");
        std::fs::write(playbooks.join("cache-warmup.md"), CACHE_PLAYBOOK).expect("fixture");
        Workspace { dir }
    }

    fn playbooks(&self) -> PathBuf {
        self.dir.path().join("playbooks")
    }

    fn incidents(&self) -> PathBuf {
        self.dir.path().join("incidents")
    }

    fn command(&self) -> Command {
        self.command_into(&self.incidents())
    }

    /// `runbook` writing its incidents under `incidents`.
    fn command_into(&self, incidents: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_runbook"));
        cmd.current_dir(self.dir.path())
            .arg("--playbooks")
            .arg(self.playbooks())
            .arg("--incidents-dir")
            .arg(incidents)
            .env("TERM", "xterm-256color")
            .env("NO_COLOR", "1")
            .env_remove("RUNBOOK_PATH")
            .env_remove("RUNBOOK_INCIDENTS")
            .env_remove("RUNBOOK_UPDATE_EVERY")
            .env_remove("API_TOKEN")
            .env_remove("QUEUE");
        cmd
    }

    /// The one incident directory a session created.
    fn incident(&self) -> PathBuf {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.incidents())
            .expect("incidents dir exists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        assert_eq!(dirs.len(), 1, "exactly one incident: {dirs:?}");
        dirs.remove(0)
    }
}

/// A session in a pty that keeps every byte it showed.
struct Pty {
    session: Session<UnixProcess, PtyStream>,
    screen: Vec<u8>,
}

impl Pty {
    fn spawn(cmd: Command) -> Pty {
        let mut session = Session::spawn(cmd).expect("spawn runbook in a pty");
        session.set_expect_timeout(Some(Duration::from_secs(60)));
        Pty {
            session,
            screen: Vec::new(),
        }
    }

    /// Waits for `text`; returns it so callers can tell which of several matched.
    fn expect(&mut self, text: &str) {
        match self.session.expect(text) {
            Ok(found) => self.screen.extend_from_slice(found.as_bytes()),
            Err(e) => self.fail(&format!("waiting for {text:?}: {e}")),
        }
    }

    /// Waits for the first of `texts` to appear; returns its index.
    fn expect_any(&mut self, texts: &[&str]) -> usize {
        let found = match self.session.expect(Any(texts.to_vec())) {
            Ok(found) => found,
            Err(e) => self.fail(&format!("waiting for any of {texts:?}: {e}")),
        };
        self.screen.extend_from_slice(found.as_bytes());
        let matched = found.get(0).unwrap_or_default();
        texts
            .iter()
            .position(|t| t.as_bytes() == matched)
            .expect("the match is one of the needles")
    }

    /// Answers one prompt: waits for it to be asked (`? PROMPT`), types `keys`,
    /// then waits for its answered line (`> PROMPT ...`), so no redraw of it is
    /// left to be mistaken for a later question.
    fn ask(&mut self, prompt: &str, keys: &str) {
        self.expect(&format!("? {prompt}"));
        self.answer(prompt, keys);
    }

    /// Like `ask`, for a prompt already seen.
    fn answer(&mut self, prompt: &str, keys: &str) {
        self.send(keys);
        self.expect(&format!("> {prompt}"));
    }

    fn send(&mut self, keys: &str) {
        self.session.send(keys).expect("write to the pty");
        // A human types slower than a pipe: let inquire redraw between keys.
        std::thread::sleep(Duration::from_millis(40));
    }

    /// Reads to the end and returns the exit code.
    fn finish(&mut self) -> i32 {
        match self.session.expect(Eof) {
            Ok(found) => self.screen.extend_from_slice(found.as_bytes()),
            Err(e) => panic!("waiting for exit: {e}\n{}", self.screen_text()),
        }
        match self.session.get_process().wait() {
            Ok(expectrl::WaitStatus::Exited(_, code)) => code,
            other => panic!("runbook did not exit normally: {other:?}"),
        }
    }

    /// Fails the test with everything the session showed, including what is
    /// still unread.
    fn fail(&mut self, why: &str) -> ! {
        self.session
            .set_expect_timeout(Some(Duration::from_secs(2)));
        if let Ok(rest) = self.session.expect(Eof) {
            self.screen.extend_from_slice(rest.as_bytes());
        }
        panic!("{why}\n--- screen ---\n{}", self.screen_text())
    }

    fn screen_text(&self) -> String {
        String::from_utf8_lossy(&self.screen).into_owned()
    }
}

fn read_events(incident: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(incident.join("events.jsonl")).expect("events.jsonl");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad event {l}: {e}")))
        .collect()
}

fn kind(e: &Value) -> &str {
    e["kind"].as_str().unwrap_or_default()
}

fn find<'a>(events: &'a [Value], kind_name: &str, step: &str) -> &'a Value {
    events
        .iter()
        .find(|e| kind(e) == kind_name && e["step"] == step)
        .unwrap_or_else(|| panic!("no {kind_name} event for step {step}: {events:#?}"))
}

fn position(events: &[Value], pred: impl Fn(&Value) -> bool) -> usize {
    events.iter().position(pred).expect("event present")
}

/// The part of a session both modes must agree on: which steps ran, how they ended,
/// the branch taken, the hypothesis, the ending.
fn shape(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match kind(e) {
            "step_started" => Some(format!("started {}", e["step"])),
            "step_finished" => Some(format!(
                "finished {} {} {}",
                e["step"], e["outcome"], e["command"]
            )),
            "decision" => Some(format!(
                "decision {} {} {}",
                e["step"], e["choice"], e["to"]
            )),
            "hypothesis" => Some(format!("hypothesis {} {}", e["text"], e["disproof"])),
            "symptom" => Some(format!("symptom {}", e["text"])),
            "session_ended" => Some(format!("ended {}", e["status"])),
            _ => None,
        })
        .collect()
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(all_files(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn assert_secret_absent(dir: &Path) {
    for file in all_files(dir) {
        let bytes = std::fs::read(&file).expect("read incident file");
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "the secret leaked into {}",
            file.display()
        );
    }
}

/// Answers the questions asked before the first step, in whatever order the
/// session asks them: the secret (masked), the defaulted variable (kept), the
/// symptoms (the first one), the severity (one up from the playbook's sev3: sev2).
fn answer_opening(pty: &mut Pty) {
    let prompts = [
        "? API_TOKEN:",
        "? QUEUE:",
        "? Which symptoms do you observe?",
        "? Severity?",
        "▶ Queue depth",
    ];
    loop {
        let i = pty.expect_any(&prompts);
        let prompt = &prompts[i].trim_start_matches("? ");
        match i {
            0 => pty.answer(prompt, &format!("{SECRET}{ENTER}")),
            1 => pty.answer(prompt, ENTER),
            2 => pty.answer(prompt, &format!(" {ENTER}")),
            3 => pty.answer(prompt, &format!("{UP}{ENTER}")),
            _ => return,
        }
    }
}

/// Runs the scripted guided session; returns the screen and the incident dir.
fn guided_session(ws: &Workspace) -> (String, PathBuf) {
    let mut cmd = ws.command();
    cmd.arg("run");
    let mut pty = Pty::spawn(cmd);

    // No playbook named: the fuzzy picker, filtered by a symptom's words.
    pty.expect("? Which playbook?");
    pty.send("jobs pile up in the queue");
    pty.expect("Queue stuck in the lab");
    pty.answer("Which playbook?", ENTER);
    pty.expect("Queue stuck in the lab");

    answer_opening(&mut pty);

    // Queue depth: edit the command (third entry), append to it, run it.
    pty.ask("Next?", &format!("{DOWN}{DOWN}{ENTER}"));
    pty.ask("Command:", &format!(" && echo edited-by-hand{ENTER}"));
    pty.expect("find: trouble found");
    pty.ask(
        "Hypothesis?",
        &format!("{CLEAR}consumer wedged after the deploy{ENTER}"),
    );
    pty.ask(
        "What would disprove it?",
        &format!("queue drains without a restart{ENTER}"),
    );

    // Token check: a note first (fourth entry), then run it.
    pty.expect("▶ Token check");
    pty.ask("Next?", &format!("{DOWN}{DOWN}{DOWN}{ENTER}"));
    pty.ask("Note:", &format!("paged the worker owner{ENTER}"));
    pty.ask("Next?", ENTER);
    pty.expect("✔ ok");
    pty.ask("Hypothesis?", &format!("{CLEAR}{ENTER}"));

    // The decision: the second branch.
    pty.expect("? Is the worker process running?");
    pty.expect("Restart consumer");
    pty.answer("Is the worker process running?", &format!("{DOWN}{ENTER}"));

    pty.expect("▶ Restart consumer");
    pty.ask("Next?", ENTER);

    pty.expect("▶ Queue drained");
    pty.ask("Next?", ENTER);
    pty.expect("✔ ok");
    pty.ask("Hypothesis?", &format!("{CLEAR}{ENTER}"));

    pty.ask("How does the incident end?", ENTER); // the suggestion: resolved
    pty.ask(
        "Summary?",
        &format!("Consumer restarted; queue drained{ENTER}"),
    );

    let code = pty.finish();
    let screen = pty.screen_text();
    assert_eq!(code, 0, "resolved exits 0\n{screen}");
    (screen, ws.incident())
}

#[test]
fn guided_session_in_a_pty_records_everything_and_matches_the_answers_run() {
    let ws = Workspace::new();
    let (screen, incident) = guided_session(&ws);

    // What was shown: the secret masked while typed, never echoed back.
    assert!(!screen.contains(SECRET), "secret on screen:\n{screen}");
    assert!(screen.contains("edited-by-hand"), "{screen}");

    let events = read_events(&incident);
    let kinds: Vec<&str> = events.iter().map(kind).collect();
    assert_eq!(kinds.first(), Some(&"session_started"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"session_ended"), "{kinds:?}");
    let started = &events[0];
    assert_eq!(started["mode"], "guided");
    assert_eq!(started["severity"], "sev2");
    assert_eq!(started["playbook"], "queue-stuck");

    let symptom = events
        .iter()
        .find(|e| kind(e) == "symptom")
        .expect("symptom");
    assert_eq!(symptom["text"], "Jobs pile up in the queue");

    let depth = find(&events, "step_finished", "depth");
    assert_eq!(depth["outcome"], "find");
    let edited = depth["command"].as_str().expect("command recorded");
    assert!(edited.ends_with(" && echo edited-by-hand"), "{edited}");
    assert!(depth["output"]
        .as_str()
        .unwrap_or_default()
        .contains("edited-by-hand"));

    let hypothesis = events
        .iter()
        .find(|e| kind(e) == "hypothesis")
        .expect("hypothesis recorded");
    assert_eq!(hypothesis["text"], "consumer wedged after the deploy");
    assert_eq!(hypothesis["disproof"], "queue drains without a restart");
    assert_eq!(hypothesis["state"], "open");

    let note = events.iter().find(|e| kind(e) == "note").expect("note");
    assert_eq!(note["text"], "paged the worker owner");

    let decision = events
        .iter()
        .find(|e| kind(e) == "decision")
        .expect("decision");
    assert_eq!(decision["choice"], "Yes");
    assert_eq!(decision["to"], "restart-consumer");
    assert_eq!(
        find(&events, "step_finished", "restart-consumer")["outcome"],
        "ok"
    );
    // Order: the edited check, its hypothesis, the note, the decision, the action
    // on the chosen branch, then the final check.
    let order = [
        position(&events, |e| {
            kind(e) == "step_finished" && e["step"] == "depth"
        }),
        position(&events, |e| kind(e) == "hypothesis"),
        position(&events, |e| kind(e) == "note"),
        position(&events, |e| kind(e) == "decision"),
        position(&events, |e| {
            kind(e) == "step_finished" && e["step"] == "restart-consumer"
        }),
        position(&events, |e| {
            kind(e) == "step_finished" && e["step"] == "verify"
        }),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "{order:?} in {kinds:?}"
    );

    let ended = events.last().expect("ended");
    assert_eq!(ended["status"], "resolved");
    assert_eq!(ended["summary"], "Consumer restarted; queue drained");

    let log = std::fs::read_to_string(incident.join("log.md")).expect("log.md");
    assert!(log.contains("consumer wedged after the deploy"), "{log}");
    assert!(log.contains("edited-by-hand"), "{log}");
    let postmortem =
        std::fs::read_to_string(incident.join("postmortem.md")).expect("postmortem.md");
    assert!(
        postmortem.contains("Queue stuck in the lab"),
        "{postmortem}"
    );
    assert!(
        postmortem.contains("consumer wedged after the deploy"),
        "{postmortem}"
    );
    assert!(postmortem.contains("sev2"), "{postmortem}");

    assert_secret_absent(&incident);

    // The same session, unattended from an answers file, records the same shape.
    let answers = ws.dir.path().join("answers.yaml");
    let answers_yaml = format!(
        "vars:\n  API_TOKEN: {SECRET}\nsymptoms: [{symptom_id}]\nseverity: sev2\n\
         edit:\n  depth: {edited}\n\
         hypotheses:\n  depth:\n    text: consumer wedged after the deploy\n    disproof: queue drains without a restart\n\
         decisions:\n  {question}: \"Yes\"\n\
         status: resolved\nsummary: Consumer restarted; queue drained\n",
        symptom_id = serde_json::to_string(
            symptom["step"].as_str().unwrap_or("Jobs pile up in the queue")
        )
        .expect("json string"),
        edited = serde_json::to_string(edited).expect("json string"),
        question = serde_json::to_string(decision["step"].as_str().expect("decision step"))
            .expect("json string"),
    );
    std::fs::write(&answers, answers_yaml).expect("answers file");
    let answers_incidents = ws.dir.path().join("incidents-answers");
    let out = ws
        .command_into(&answers_incidents)
        .args(["run", "queue-stuck", "--answers"])
        .arg(&answers)
        .output()
        .expect("run with --answers");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let answered_dir = std::fs::read_dir(&answers_incidents)
        .expect("answers incident dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.is_dir())
        .expect("one incident");
    let answered = read_events(&answered_dir);
    assert!(shape(&events).len() >= 10, "{:#?}", shape(&events));
    assert_eq!(shape(&answered), shape(&events));
    assert_eq!(answered[0]["mode"], "unattended");
    assert_secret_absent(&answered_dir);
}

#[test]
fn ctrl_c_at_a_prompt_records_an_interrupted_session_and_exits_130() {
    let ws = Workspace::new();
    let mut cmd = ws.command();
    cmd.args(["run", "queue-stuck"]);
    let mut pty = Pty::spawn(cmd);
    answer_opening(&mut pty);
    pty.expect("? Next?");
    pty.send("\x03");
    let code = pty.finish();
    assert_eq!(code, 130, "{}", pty.screen_text());
    let events = read_events(&ws.incident());
    let ended = events.last().expect("events");
    assert_eq!(kind(ended), "session_ended");
    assert_eq!(ended["status"], "interrupted");
    assert!(!events.iter().any(|e| kind(e) == "step_started"));
}

#[test]
fn a_due_status_update_is_drafted_from_the_log_edited_and_recorded() {
    let ws = Workspace::new();
    let mut cmd = ws.command();
    // Due at once and again after every update: the test never waits on a clock.
    cmd.env("RUNBOOK_UPDATE_EVERY", "1ms")
        .args(["run", "redis-down"]);
    let mut pty = Pty::spawn(cmd);
    let mut updates = 0;
    let prompts = [
        "? Which symptoms do you observe?",
        "? Severity?",
        "A status update is due",
        "? Next?",
        "? Hypothesis?",
        "? How does the incident end?",
    ];
    loop {
        let i = pty.expect_any(&prompts);
        let prompt = prompts[i].trim_start_matches("? ");
        match i {
            0 => pty.answer(prompt, &format!(" {ENTER}")),
            1 | 3 => pty.answer(prompt, ENTER),
            2 if updates == 0 => {
                // Field by field: change the state, keep the rest.
                pty.ask("Status update:", &format!("{DOWN}{ENTER}"));
                pty.ask(
                    "State:",
                    &format!("{CLEAR}investigating, cache suspected{ENTER}"),
                );
                // The other fields, whatever the draft holds, kept as drafted.
                let fields = [
                    "? Impact:",
                    "? Scope:",
                    "? What changed:",
                    "? Next action:",
                    "? Next update:",
                ];
                loop {
                    let f = pty.expect_any(&fields);
                    pty.answer(fields[f].trim_start_matches("? "), ENTER);
                    if f == fields.len() - 1 {
                        break;
                    }
                }
                updates += 1;
            }
            2 => {
                pty.ask("Status update:", &format!("{UP}{ENTER}")); // "Not now"
                updates += 1;
            }
            4 => pty.answer(prompt, &format!("{CLEAR}{ENTER}")),
            _ => break,
        }
    }
    pty.answer("How does the incident end?", ENTER);
    pty.ask("Summary?", ENTER);
    assert_eq!(pty.finish(), 0, "{}", pty.screen_text());

    let events = read_events(&ws.incident());
    let update = events
        .iter()
        .find(|e| kind(e) == "status_update")
        .unwrap_or_else(|| panic!("a status update: {events:#?}"));
    let text = update["text"].as_str().expect("text");
    assert!(
        text.starts_with("State: investigating, cache suspected\n"),
        "{text}"
    );
    assert!(text.contains("Impact: PING gets no answer"), "{text}");
    assert!(text.contains("Next action: Ping"), "{text}");
    assert!(text.contains("Next update: in 1 min"), "{text}");
    assert_eq!(
        events.iter().filter(|e| kind(e) == "status_update").count(),
        1,
        "dismissed reminders record nothing"
    );
}

#[test]
fn a_manual_step_is_confirmed_and_an_escalation_records_its_level() {
    let ws = Workspace::new();
    let mut cmd = ws.command();
    cmd.args(["run", "cache-warmup", "--severity", "sev1"]);
    let mut pty = Pty::spawn(cmd);
    pty.ask("Which symptoms do you observe?", ENTER);
    pty.expect("▶ Hit rate");
    pty.ask("Next?", ENTER);
    pty.ask("Hypothesis?", &format!("{CLEAR}{ENTER}"));
    pty.expect("▶ Announce the warm-up in #incidents");
    pty.ask("Do it by hand, then:", ENTER); // Done
    pty.expect("▶ Warm the cache");
    pty.ask("Next?", ENTER);
    // Escalated (third), then the level (one below the pre-selected Level 2).
    pty.ask(
        "How does the incident end?",
        &format!("{DOWN}{DOWN}{ENTER}"),
    );
    pty.expect("Level 4 - CTO");
    pty.answer("Escalated to which level?", &format!("{DOWN}{ENTER}"));
    pty.ask(
        "Summary?",
        &format!("Handed to the engineering lead{ENTER}"),
    );
    let code = pty.finish();
    assert_eq!(code, 1, "escalated exits 1\n{}", pty.screen_text());

    let events = read_events(&ws.incident());
    let manual = find(
        &events,
        "step_finished",
        "announce-the-warm-up-in-incidents-before",
    );
    assert_eq!(manual["outcome"], "ok");
    let action = events
        .iter()
        .find(|e| kind(e) == "action")
        .unwrap_or_else(|| panic!("the manual step is recorded as done: {events:#?}"));
    assert!(action["text"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Announce the warm-up"));
    assert_eq!(events[0]["severity"], "sev1");
    let ended = events.last().expect("events");
    assert_eq!(ended["status"], "escalated");
    assert_eq!(ended["level"], "Level 3 - Engineering Lead");
    assert_eq!(ended["summary"], "Handed to the engineering lead");
}
