//! A person at a terminal edits a step into a command where a value would reach `ssh`
//! as an option: the edit is refused before anything runs, the step is offered again,
//! and the session goes on. A real binary in a real pseudo-terminal.

use expectrl::{Any, Eof, Session};
use std::process::Command;
use std::time::Duration;

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";
const BACKSPACE: &str = "\x7f";

const PLAYBOOK: &str = "---
id: ping
title: Ping
severity: sev3
lang: en
---

# Ping

## Symptoms

- No answer

## Diagnosis

### Ping

```bash {id=ping expect=PONG on-ok=end}
echo PONG
```
";

/// `ssh` that, like the real one, runs a `-oProxyCommand=` it finds among its options.
const SSH: &str = "#!/bin/sh\nfor a; do case $a in -oProxyCommand=*) sh -c \"${a#-oProxyCommand=}\";; esac; done\n";

#[test]
fn an_edit_that_would_pass_an_option_for_a_host_is_refused_and_asked_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let playbooks = dir.path().join("playbooks");
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&playbooks).expect("playbooks dir");
    std::fs::create_dir_all(&bin).expect("bin dir");
    std::fs::write(playbooks.join("ping.md"), PLAYBOOK).expect("playbook");
    std::fs::write(bin.join("ssh"), SSH).expect("stand-in");
    std::fs::set_permissions(
        bin.join("ssh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("executable");
    let marker = dir.path().join("pwned");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runbook"));
    cmd.current_dir(dir.path())
        .args([
            "--playbooks",
            "playbooks",
            "--incidents-dir",
            "incidents",
            "run",
            "ping",
        ])
        .arg("--var")
        .arg(format!("HOST=-oProxyCommand=touch {}", marker.display()))
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .env_remove("RUNBOOK_PATH")
        .env_remove("RUNBOOK_INCIDENTS");
    let mut pty = Session::spawn(cmd).expect("spawn runbook in a pty");
    pty.set_expect_timeout(Some(Duration::from_secs(60)));
    let mut screen = String::new();
    // The opening questions, in whatever order they come: the default severity, the
    // one symptom.
    let opening = ["? Severity?", "? Which symptoms do you observe?", "▶ Ping"];
    loop {
        let found = match pty.expect(Any(opening.to_vec())) {
            Ok(found) => found,
            Err(e) => panic!("waiting for the opening: {e}\n--- screen ---\n{screen}"),
        };
        screen.push_str(&String::from_utf8_lossy(found.before()));
        let matched = found.get(0).unwrap_or_default().to_vec();
        screen.push_str(&String::from_utf8_lossy(&matched));
        let keys = match opening.iter().position(|o| o.as_bytes() == matched) {
            Some(0) => ENTER.to_string(),
            Some(1) => format!(" {ENTER}"),
            _ => break,
        };
        pty.send(keys).expect("write to the pty");
        std::thread::sleep(Duration::from_millis(60));
    }
    let mut step = |pty: &mut Session<_, _>, wait: &str, keys: &str| {
        match pty.expect(wait) {
            Ok(found) => screen.push_str(&String::from_utf8_lossy(found.before())),
            Err(e) => panic!("waiting for {wait:?}: {e}\n--- screen ---\n{screen}"),
        }
        screen.push_str(wait);
        if !keys.is_empty() {
            pty.send(keys).expect("write to the pty");
            std::thread::sleep(Duration::from_millis(60));
        }
    };

    // Edit (the third entry): the pre-filled command out, an ssh to $HOST in.
    step(&mut pty, "? Next?", &format!("{DOWN}{DOWN}{ENTER}"));
    let typed = format!("{}ssh \"$HOST\" echo PONG{ENTER}", BACKSPACE.repeat(20));
    step(&mut pty, "? Command:", &typed);
    step(
        &mut pty,
        "not run: the value of HOST starts with `-`: ssh would read it as an option",
        "",
    );
    // Asked again: run the step as written.
    step(&mut pty, "? Next?", ENTER);
    step(&mut pty, "✔ ok", "");
    step(
        &mut pty,
        "? Hypothesis?",
        &format!("{}{ENTER}", BACKSPACE.repeat(80)),
    );
    step(&mut pty, "? How does the incident end?", ENTER);
    step(&mut pty, "? Summary?", ENTER);
    if let Ok(rest) = pty.expect(Eof) {
        screen.push_str(&String::from_utf8_lossy(rest.before()));
    }
    let status = pty.get_process().wait().expect("runbook exits");
    assert!(
        matches!(status, expectrl::WaitStatus::Exited(_, 0)),
        "{status:?}\n{screen}"
    );
    assert!(!marker.exists(), "the refused edit ran:\n{screen}");

    let incidents: Vec<_> = std::fs::read_dir(dir.path().join("incidents"))
        .expect("incidents")
        .flatten()
        .collect();
    assert_eq!(incidents.len(), 1);
    let events =
        std::fs::read_to_string(incidents[0].path().join("events.jsonl")).expect("events.jsonl");
    let started: Vec<&str> = events
        .lines()
        .filter(|l| l.contains("\"kind\":\"step_started\""))
        .collect();
    assert_eq!(started.len(), 1, "{events}");
    assert!(started[0].contains("\"command\":\"echo PONG\""), "{events}");
}
