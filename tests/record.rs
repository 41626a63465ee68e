//! The incident record on disk: events.jsonl (append-only, synced, safe against
//! kill -9 and concurrent writers), log.md, `runbook incidents` and `runbook note`.

use runbook::graph::{Node, NodeKind, Playbook};
use runbook::incident::event::{Event, EventBody, HypothesisState, Milestone, SessionStatus};
use runbook::incident::{self, IncidentLog};
use runbook::judge::Outcome;
use runbook::redact::Redactor;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

fn playbook(id: &str) -> Playbook {
    let mut check = Node::new("ping", NodeKind::Check, "Redis answers PING", 12);
    check.command = Some("redis-cli -h $REDIS_HOST -a \"$REDIS_PASSWORD\" ping".into());
    let restart = Node::new("restart", NodeKind::Action, "Restart redis", 20);
    Playbook {
        id: id.into(),
        title: "Redis not responding".into(),
        source: "playbooks/redis.md".into(),
        severity: Some("sev2".into()),
        lang: "en".into(),
        nodes: vec![check, restart],
        ..Playbook::default()
    }
}

fn redactor(secrets: &[&str]) -> Arc<Redactor> {
    Arc::new(Redactor::with_env(
        secrets.iter().map(|s| s.to_string()),
        Vec::new(),
    ))
}

fn started(pb: &Playbook) -> EventBody {
    EventBody::SessionStarted {
        incident: "x".into(),
        playbook: pb.id.clone(),
        title: pb.title.clone(),
        source: pb.source.clone(),
        service: None,
        severity: "sev2".into(),
        lang: pb.lang.clone(),
        mode: "unattended".into(),
        variables: vec!["REDIS_PASSWORD".into()],
    }
}

fn ended(status: SessionStatus) -> EventBody {
    EventBody::SessionEnded {
        status,
        level: None,
        summary: None,
    }
}

fn finished(step: &str, outcome: Outcome, output: &str, next: Option<&str>) -> EventBody {
    EventBody::StepFinished {
        step: step.into(),
        title: "Redis answers PING".into(),
        command: Some("redis-cli -a s3cr3t-pw ping | grep PONG".into()),
        exit_code: Some(1),
        duration_ms: 15,
        outcome,
        finding: None,
        output: output.into(),
        failed: vec!["output contains `PONG`".into()],
        diff: None,
        next: next.map(str::to_string),
        reason: None,
    }
}

fn seqs(events: &[Event]) -> Vec<u64> {
    events.iter().map(|e| e.seq).collect()
}

#[test]
fn append_syncs_and_reopen_continues_the_sequence() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("redis-down");
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    let name = log
        .dir()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        regex::Regex::new(r"^\d{8}T\d{6}Z-redis-down$")
            .unwrap()
            .is_match(&name),
        "{name}"
    );
    let e1 = log.append("runbook", started(&pb)).unwrap();
    let e2 = log
        .append(
            "ana",
            EventBody::Symptom {
                text: "PING times out".into(),
                step: None,
            },
        )
        .unwrap();
    assert_eq!((e1.seq, e2.seq), (1, 2));
    let dir = log.dir().to_path_buf();
    drop(log);

    let lines = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 2);
    for line in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["ts"].as_str().unwrap().ends_with('Z'), "{line}");
        assert!(v["kind"].is_string() && v["seq"].is_u64() && v["actor"].is_string());
    }

    let mut log = IncidentLog::open(&dir, redactor(&[])).unwrap();
    assert_eq!(seqs(log.events()), vec![1, 2]);
    assert_eq!(log.playbook(), pb);
    let e3 = log
        .append("ana", EventBody::Note { text: "x".into() })
        .unwrap();
    assert_eq!(e3.seq, 3);
    assert_eq!(seqs(&incident::read_events(&dir).unwrap()), vec![1, 2, 3]);
}

#[test]
fn incidents_started_the_same_second_get_distinct_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("same");
    let dirs: Vec<_> = (0..3)
        .map(|_| {
            IncidentLog::create(tmp.path(), &pb, redactor(&[]))
                .unwrap()
                .dir()
                .to_path_buf()
        })
        .collect();
    assert_ne!(dirs[0], dirs[1]);
    assert_ne!(dirs[1], dirs[2]);
    // The latest is what the playbook id finds.
    let found = incident::find(tmp.path(), "same").unwrap();
    assert_eq!(found, *dirs.iter().max().unwrap());
}

#[test]
fn a_torn_last_line_is_dropped_and_the_next_event_follows_the_last_whole_one() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("torn");
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    log.append("runbook", started(&pb)).unwrap();
    log.append("runbook", EventBody::Note { text: "one".into() })
        .unwrap();
    let dir = log.dir().to_path_buf();
    drop(log);
    let path = dir.join("events.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(br#"{"seq":3,"ts":"2026-01-01T00:00:00Z","actor":"runbook","kind":"no"#)
        .unwrap();
    drop(f);

    // Readers skip it without touching the file.
    assert_eq!(seqs(&incident::read_events(&dir).unwrap()), vec![1, 2]);
    let mut log = IncidentLog::open(&dir, redactor(&[])).unwrap();
    assert_eq!(seqs(log.events()), vec![1, 2]);
    let e = log
        .append("runbook", EventBody::Note { text: "two".into() })
        .unwrap();
    assert_eq!(e.seq, 3);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.ends_with('\n'));
    for line in text.lines() {
        serde_json::from_str::<Event>(line).unwrap();
    }
}

#[test]
fn a_whole_event_missing_only_its_newline_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("nonl");
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    log.append("runbook", started(&pb)).unwrap();
    let dir = log.dir().to_path_buf();
    drop(log);
    let path = dir.join("events.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.trim_end()).unwrap();
    let mut log = IncidentLog::open(&dir, redactor(&[])).unwrap();
    assert_eq!(seqs(log.events()), vec![1]);
    log.append("runbook", EventBody::Note { text: "n".into() })
        .unwrap();
    assert_eq!(seqs(&incident::read_events(&dir).unwrap()), vec![1, 2]);
}

#[test]
fn a_corrupt_line_in_the_middle_is_an_error_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("corrupt");
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    log.append("runbook", started(&pb)).unwrap();
    log.append("runbook", EventBody::Note { text: "n".into() })
        .unwrap();
    let dir = log.dir().to_path_buf();
    drop(log);
    let path = dir.join("events.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(1, "{not json");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let err = incident::read_events(&dir).unwrap_err().to_string();
    assert!(err.contains("events.jsonl:2"), "{err}");
}

/// Runs as a child process (see the kill -9 test): appends events until killed,
/// printing each sequence number once `append` has returned.
#[test]
fn child_appender() {
    let Ok(dir) = std::env::var("RECORD_TEST_CHILD_DIR") else {
        return;
    };
    let mut log = IncidentLog::open_session(Path::new(&dir), redactor(&[])).unwrap();
    let stdout = std::io::stdout();
    for i in 0.. {
        let e = log
            .append(
                "runbook",
                EventBody::Note {
                    text: format!("event {i} {}", "x".repeat(i % 500)),
                },
            )
            .unwrap();
        let mut out = stdout.lock();
        writeln!(out, "appended {}", e.seq).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn kill_9_mid_session_loses_no_reported_event_and_duplicates_none() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("crash");
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    log.append("runbook", started(&pb)).unwrap();
    let dir = log.dir().to_path_buf();
    drop(log);

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_appender",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RECORD_TEST_CHILD_DIR", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reported = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while reported.len() < 40 {
        let line = lines.next().expect("child ended early").unwrap();
        if let Some(seq) = line.strip_prefix("appended ") {
            reported.push(seq.trim().parse::<u64>().unwrap());
        }
    }
    assert!(
        incident::session_is_live(&dir),
        "the child holds the session"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let summary = incident::summarize(&dir).unwrap();
    assert_eq!(summary.status, "interrupted");
    let mut log = IncidentLog::open_session(&dir, redactor(&[])).unwrap();
    let on_disk = seqs(log.events());
    for seq in &reported {
        assert!(on_disk.contains(seq), "reported event {seq} lost");
    }
    let expected: Vec<u64> = (1..=on_disk.len() as u64).collect();
    assert_eq!(on_disk, expected, "gaps or duplicates");
    let next = log
        .append(
            "runbook",
            EventBody::Note {
                text: "resumed".into(),
            },
        )
        .unwrap();
    assert_eq!(next.seq, on_disk.len() as u64 + 1);
}

#[test]
fn a_second_session_on_the_same_incident_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("busy");
    let log = IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    let err = IncidentLog::open_session(log.dir(), redactor(&[])).unwrap_err();
    assert!(err.to_string().contains("another process"), "{err}");
    // Readers and note writers are welcome.
    IncidentLog::open(log.dir(), redactor(&[])).unwrap();
}

#[test]
fn secrets_are_redacted_in_every_event_and_in_playbook_json() {
    let tmp = tempfile::tempdir().unwrap();
    let mut pb = playbook("secrets");
    pb.variables.push(runbook::graph::Variable {
        name: "REDIS_PASSWORD".into(),
        default: Some("default-pw-123".into()),
        secret: true,
        description: None,
    });
    pb.nodes[1].command = Some("curl -H 'Authorization: Bearer tok_live_abcdef123456' x".into());
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&["s3cr3t-pw"])).unwrap();
    log.append("runbook", started(&pb)).unwrap();
    let e = log
        .append(
            "runbook",
            finished("ping", Outcome::Fail, "NOAUTH s3cr3t-pw rejected", None),
        )
        .unwrap();
    assert!(!format!("{e:?}").contains("s3cr3t-pw"));
    assert!(log.playbook_is_redacted());
    for entry in std::fs::read_dir(log.dir()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        for secret in ["s3cr3t-pw", "default-pw-123", "tok_live_abcdef123456"] {
            assert!(!text.contains(secret), "{secret} on disk");
        }
    }
}

#[test]
fn log_md_has_one_row_per_entry_with_the_seed_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("logmd");
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&["s3cr3t-pw"])).unwrap();
    log.append("runbook", started(&pb)).unwrap();
    log.append(
        "ana",
        EventBody::Symptom {
            text: "API | 503 on /healthz".into(),
            step: None,
        },
    )
    .unwrap();
    log.append(
        "ana",
        EventBody::Hypothesis {
            id: "h1".into(),
            text: "Redis is down".into(),
            state: HypothesisState::Open,
            disproof: Some("PING answers PONG".into()),
            step: None,
        },
    )
    .unwrap();
    log.append(
        "runbook",
        EventBody::StepStarted {
            step: "ping".into(),
            title: "Redis answers PING".into(),
            command: Some("redis-cli ping".into()),
        },
    )
    .unwrap();
    log.append(
        "runbook",
        finished(
            "ping",
            Outcome::Fail,
            "Could not connect\nsecond line",
            Some("restart"),
        ),
    )
    .unwrap();
    log.append(
        "runbook",
        EventBody::StepStarted {
            step: "restart".into(),
            title: "Restart redis".into(),
            command: Some("docker compose restart redis".into()),
        },
    )
    .unwrap();
    let text = std::fs::read_to_string(log.dir().join("log.md")).unwrap();
    assert!(
        text.contains("| Timestamp (UTC) | Symptom | Hypothesis | Action | Result | Next action |")
    );
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| 20")).collect();
    // session, symptom, hypothesis, finished ping, unfinished restart (the
    // started ping is folded into its finish).
    assert_eq!(rows.len(), 5, "{text}");
    let date = regex::Regex::new(r"^\| \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC \|").unwrap();
    assert!(rows.iter().all(|r| date.is_match(r)), "{text}");
    assert!(rows[1].contains("API \\| 503 on /healthz"), "{}", rows[1]);
    assert!(rows[2].contains("h1 [open]: Redis is down — disproved if: PING answers PONG"));
    assert!(rows[3].contains("fail (exit 1)") && rows[3].contains("`Could not connect`"));
    assert!(
        rows[3].trim_end().ends_with("| Restart redis |"),
        "{}",
        rows[3]
    );
    assert!(rows[3].contains("redis-cli -a «redacted:"), "{}", rows[3]);
    assert!(rows[4].contains("no result recorded"));
    // Six columns in every row: escaped pipes do not split cells.
    for r in &rows {
        let cells = r.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 7, "{r}");
    }
    assert!(!text.contains("s3cr3t-pw"));
}

#[test]
fn log_md_speaks_the_playbook_language() {
    let tmp = tempfile::tempdir().unwrap();
    let mut pb = playbook("es");
    pb.lang = "es".into();
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    log.append("runbook", started(&pb)).unwrap();
    let text = std::fs::read_to_string(log.dir().join("log.md")).unwrap();
    assert!(text.contains(
        "| Timestamp (UTC) | Síntoma | Hipótesis | Acción ejecutada | Resultado | Siguiente acción |"
    ));
}

fn runbook_bin(incidents: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_runbook"))
        .arg("--incidents-dir")
        .arg(incidents)
        .args(args)
        .env("USER", "ana")
        .env_remove("RUNBOOK_INCIDENTS")
        .output()
        .unwrap()
}

#[test]
fn incidents_json_lists_status_and_duration() {
    let tmp = tempfile::tempdir().unwrap();
    // Resolved.
    let pb = playbook("done");
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    log.append("runbook", started(&pb)).unwrap();
    log.append("runbook", ended(SessionStatus::Resolved))
        .unwrap();
    drop(log);
    // Process gone without an ending.
    let pb2 = playbook("died");
    let mut dead = IncidentLog::create(tmp.path(), &pb2, redactor(&[])).unwrap();
    dead.append("runbook", started(&pb2)).unwrap();
    drop(dead);
    // Still running (this process holds its session).
    let pb3 = playbook("live");
    let mut live = IncidentLog::create(tmp.path(), &pb3, redactor(&[])).unwrap();
    live.append("runbook", started(&pb3)).unwrap();

    let out = runbook_bin(tmp.path(), &["incidents", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status_of = |playbook: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|i| i["playbook"] == playbook)
            .unwrap_or_else(|| panic!("{playbook} missing in {list}"))
            .clone()
    };
    assert_eq!(status_of("done")["status"], "resolved");
    assert_eq!(status_of("died")["status"], "interrupted");
    assert_eq!(status_of("live")["status"], "open");
    let done = status_of("done");
    assert_eq!(done["severity"], "sev2");
    assert!(done["duration_s"].is_i64() && done["started"].is_string() && done["id"].is_string());

    let out = runbook_bin(tmp.path(), &["incidents"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("INCIDENT"), "{text}");
    assert!(text.contains("interrupted") && text.contains("resolved") && text.contains("open"));
    drop(live);
}

#[test]
fn note_appends_from_another_process_while_the_session_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("noted");
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    log.append("runbook", started(&pb)).unwrap();

    let out = runbook_bin(
        tmp.path(),
        &[
            "note",
            "noted",
            "--kind",
            "hypothesis",
            "maxmemory",
            "reached;",
            "tried",
            "PASSWORD=n0te-s3cret",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = runbook_bin(
        tmp.path(),
        &["note", "noted", "--kind", "action", "restarted by hand"],
    );
    assert!(out.status.success());

    // The session sees them and numbers its next event after them.
    let events = log.reload().unwrap().to_vec();
    match &events[1].body {
        EventBody::Hypothesis {
            id, text, state, ..
        } => {
            assert_eq!(id, "h1");
            assert_eq!(*state, HypothesisState::Open);
            assert!(
                text.starts_with("maxmemory reached; tried PASSWORD=«redacted"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(events[1].actor, "ana");
    assert!(
        matches!(&events[2].body, EventBody::Action { text, .. } if text == "restarted by hand")
    );
    let e = log
        .append(
            "runbook",
            EventBody::Milestone {
                milestone: Milestone::Mitigated,
            },
        )
        .unwrap();
    assert_eq!(e.seq, 4);
    let text = std::fs::read_to_string(log.dir().join("events.jsonl")).unwrap();
    assert!(!text.contains("n0te-s3cret"));
    let md = std::fs::read_to_string(log.dir().join("log.md")).unwrap();
    assert!(md.contains("restarted by hand") && md.contains("Milestone: mitigated"));
}

#[test]
fn unknown_incidents_fail_with_suggestions() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("redis-down");
    IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    let out = runbook_bin(tmp.path(), &["note", "redis-dwn", "hello"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("did you mean") && err.contains("redis-down"),
        "{err}"
    );
    // A unique prefix and a path work too.
    let name = incident::incident_names(tmp.path()).unwrap()[0].clone();
    assert!(incident::find(tmp.path(), &name[..10]).is_ok());
    let path = tmp.path().join(&name);
    assert_eq!(
        incident::find(Path::new("/nonexistent"), path.to_str().unwrap()).unwrap(),
        path
    );
}

/// Issue 4's secrets test, end to end through the real binary: a secret in a
/// variable, one in the environment, a bearer token in a header and secrets in the
/// command output (plain, base64 and URL-encoded) reach neither the screen nor any
/// file of the incident, whatever command wrote it.
#[test]
fn planted_secrets_never_reach_the_incident_directory_or_the_screen() {
    const VAR: &str = "varplant-PW-123";
    const ENV: &str = "envplant-TOK-991";
    const BEARER: &str = "zz-bearer-PLANT-77abc";
    let tmp = tempfile::tempdir().unwrap();
    let playbook = tmp.path().join("secret-check.md");
    std::fs::write(
        &playbook,
        format!(
            r#"---
id: secret-check
title: Secret check
severity: sev3
lang: en
variables:
  API_PASSWORD: {{ secret: true, description: "the api password" }}
---

## Symptoms

- Login fails

## Diagnosis

```bash {{id=probe expect="HTTP/1.1 200"}}
curl_stand_in() {{ echo "HTTP/1.1 200 OK"; }}
curl_stand_in -H "Authorization: Bearer {BEARER}"
echo "pw is $API_PASSWORD / $(printf %s "$API_PASSWORD" | base64) / url: varplant-PW-123%21"
echo "env has $MY_SERVICE_TOKEN"
echo "Authorization: Bearer {BEARER}"
```
"#
        ),
    )
    .unwrap();
    let incidents = tmp.path().join("incidents");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_runbook"))
            .arg("--incidents-dir")
            .arg(&incidents)
            .args(args)
            .env("MY_SERVICE_TOKEN", ENV)
            .env("USER", "ana")
            .output()
            .unwrap()
    };
    let mut screens = Vec::new();
    let out = run(&[
        "run",
        playbook.to_str().unwrap(),
        "--yes",
        "--var",
        &format!("API_PASSWORD={VAR}"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    screens.push(out);
    screens.push(run(&[
        "note",
        "secret-check",
        &format!("tried the password {VAR}"),
    ]));
    screens.push(run(&["incidents"]));
    screens.push(run(&["postmortem", "secret-check", "-o", "-"]));
    screens.push(run(&["postmortem", "secret-check"]));

    let encoded = [
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, VAR),
        "varplant-PW-123%21".to_string(),
    ];
    let planted: Vec<&str> = [VAR, ENV, BEARER]
        .into_iter()
        .chain(encoded.iter().map(String::as_str))
        .collect();
    for out in &screens {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let screen = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in &planted {
            assert!(!screen.contains(secret), "{secret} on screen:\n{screen}");
        }
    }
    let dir = incident::find(&incidents, "secret-check").unwrap();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        files += 1;
        for secret in &planted {
            assert!(!text.contains(secret), "{secret} in {}", path.display());
        }
    }
    assert!(
        files >= 4,
        "events.jsonl, log.md, playbook.json, postmortem.md"
    );
    // The output was recorded, masked, not dropped.
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert!(events.contains("pw is «redacted:secret-value»"), "{events}");
    assert!(events.contains("Bearer «redacted:"));
}

/// log.md is patched in place after each event; whatever the order of writers, it
/// must always read exactly as a whole render of the events on disk.
#[test]
fn log_md_patched_in_place_equals_a_whole_render() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = playbook("patched");
    let mut log = IncidentLog::create(tmp.path(), &pb, redactor(&[])).unwrap();
    let whole = |dir: &Path| {
        let events = incident::read_events(dir).unwrap();
        incident::logmd::render(&events, &incident::read_playbook(dir).unwrap())
    };
    log.append("runbook", started(&pb)).unwrap();
    for round in 0..3 {
        let step = format!("check-{round}");
        log.append(
            "runbook",
            EventBody::StepStarted {
                step: step.clone(),
                title: format!("Check {round}"),
                command: Some("true".into()),
            },
        )
        .unwrap();
        let on_disk = std::fs::read_to_string(log.dir().join("log.md")).unwrap();
        assert_eq!(on_disk, whole(log.dir()), "after step_started {round}");
        log.append("runbook", finished(&step, Outcome::Ok, "fine", None))
            .unwrap();
        // Another process (`runbook note`) renders the view in between.
        let mut other = IncidentLog::open(log.dir(), redactor(&[])).unwrap();
        other
            .append(
                "ana",
                EventBody::Note {
                    text: format!("note {round}"),
                },
            )
            .unwrap();
        let on_disk = std::fs::read_to_string(log.dir().join("log.md")).unwrap();
        assert_eq!(
            on_disk,
            whole(log.dir()),
            "after a note from another writer"
        );
    }
    log.append("runbook", ended(SessionStatus::Resolved))
        .unwrap();
    let on_disk = std::fs::read_to_string(log.dir().join("log.md")).unwrap();
    assert_eq!(on_disk, whole(log.dir()));
    assert!(on_disk.contains("note 2"));
}
