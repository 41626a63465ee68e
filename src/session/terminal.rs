//! Interactive steps (psql, `redis-cli` REPLs, `exec -it`) in a guided session: the
//! command gets the terminal. Its own process group is put in the terminal's
//! foreground, so Ctrl-C and job-control keys reach it and not the session, and the
//! session takes the terminal back when it exits. Output is the person's to read: it
//! is not captured, so only the exit code is judged.

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
