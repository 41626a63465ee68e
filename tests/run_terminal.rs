//! Interactive steps in a guided session, in a real pseudo-terminal: the command
//! gets the terminal (keyboard input, and Ctrl-C reaches it, not the session), and
//! the session takes the terminal back afterwards.

mod run_support;
use expectrl::process::unix::{PtyStream, UnixProcess};
use expectrl::{Eof, Session};
use run_support::*;
use std::time::Duration;

const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const CTRL_C: &str = "\x03";

const PLAYBOOK: &str = r#"---
id: repl
title: An interactive step
severity: sev4
lang: en
---

# An interactive step

## Diagnosis

```bash {id=ask-name interactive=true}
read -r -p "name? " x
echo "hello $x"
```

```bash {id=wait-for-ctrl-c interactive=true}
trap 'echo caught-int' INT
sleep 300 &
echo $! > sleeper.pid
echo "press ctrl-c"
wait
echo "after-wait"
```
"#;

struct Pty(Session<UnixProcess, PtyStream>);

impl Pty {
    fn expect(&mut self, text: &str) {
        if let Err(e) = self.0.expect(text) {
            panic!("waiting for {text:?}: {e}");
        }
    }

    fn send(&mut self, keys: &str) {
        self.0.send(keys).expect("write to the pty");
        std::thread::sleep(Duration::from_millis(60));
    }
}

#[test]
fn interactive_steps_own_the_terminal_while_they_run() {
    let env = Env::new();
    let file = env.write("repl.md", PLAYBOOK);
    let mut cmd = std::process::Command::new(BIN);
    cmd.arg("--incidents-dir")
        .arg(env.incidents())
        .args(["run", file.to_str().unwrap(), "--severity", "sev4"])
        .current_dir(env.path())
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .env_remove("USER");
    let mut pty = Pty(Session::spawn(cmd).expect("spawn in a pty"));
    pty.0.set_expect_timeout(Some(Duration::from_secs(30)));

    pty.expect("Next?");
    pty.send(ENTER); // Run
    pty.expect("name? ");
    pty.send("alice\r");
    pty.expect("hello alice");
    pty.expect("Hypothesis?");
    pty.send(ESC);

    pty.expect("Next?");
    pty.send(ENTER);
    pty.expect("press ctrl-c");
    pty.send(CTRL_C);
    pty.expect("caught-int");
    pty.expect("after-wait");
    pty.expect("Hypothesis?");
    pty.send(ESC);

    pty.expect("How does the incident end?");
    pty.send(ENTER);
    pty.expect("Summary?");
    pty.send(ENTER);
    pty.0.expect(Eof).expect("runbook exits");
    match pty.0.get_process().wait() {
        Ok(expectrl::WaitStatus::Exited(_, code)) => assert_eq!(code, 0),
        other => panic!("runbook did not exit normally: {other:?}"),
    }

    let events = env.events();
    for step in ["ask-name", "wait-for-ctrl-c"] {
        let finished = of_kind(&events, "step_finished", Some(step));
        assert_eq!(finished.len(), 1, "{events:#?}");
        assert_eq!(finished[0]["outcome"], "ok");
    }
    assert_eq!(events[0]["mode"], "guided");
    // The step's background process went with it.
    let sleeper = read_pid(&env.path().join("sleeper.pid"));
    assert!(
        wait_for(Duration::from_secs(5), || !alive(sleeper)),
        "sleep {sleeper} survived"
    );
    assert_eq!(events.last().unwrap()["status"], "resolved");
}
