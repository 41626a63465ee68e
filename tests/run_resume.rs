//! `runbook resume` after the runner was killed with SIGKILL mid-step: every event
//! written before stays, the unfinished step runs again, nothing is duplicated.

mod run_support;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use run_support::*;
use std::time::Duration;

#[test]
fn resume_after_kill_9_finishes_the_session_without_duplicates() {
    let env = Env::new();
    let mut child = env.start_slow_run(std::process::Stdio::null());
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).expect("SIGKILL");
    child.wait().expect("reap");
    // SIGKILL leaves the step's own process group running: let it finish.
    let shell = read_pid(&env.marks().join("shell.pid"));
    env.write("marks/release", "");
    assert!(wait_for(Duration::from_secs(10), || !alive(shell)));

    let before = env.events();
    assert_eq!(before.last().unwrap()["kind"], "step_started");
    std::fs::remove_file(env.marks().join("long-started")).unwrap();

    let dir = env.incident();
    let out = env.run([
        "resume",
        dir.to_str().unwrap(),
        "--yes",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert!(env.marked("long-started"), "the unfinished step ran again");
    assert!(env.marked("last"));

    let after = env.events();
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "earlier events unchanged"
    );
    let added = &after[before.len()..];
    assert_eq!(added[0]["kind"], "session_started");
    assert_eq!(added[0]["mode"], "resumed");
    assert_eq!(of_kind(&after, "step_finished", Some("first")).len(), 1);
    assert_eq!(of_kind(&after, "step_finished", Some("long")).len(), 1);
    assert_eq!(of_kind(&after, "step_finished", Some("last")).len(), 1);
    assert_eq!(
        of_kind(&after, "milestone", None)
            .iter()
            .filter(|m| m["milestone"] == "detected")
            .count(),
        1
    );
    let seqs: Vec<u64> = after.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let ended = after.last().unwrap();
    assert_eq!(ended["status"], "resolved");

    // A finished session has nothing to resume.
    let again = env.run([
        "resume",
        dir.to_str().unwrap(),
        "--yes",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(again.status.code(), Some(2), "{}", shown(&again));
}

#[test]
fn resume_after_ctrl_c_continues_where_it_stopped() {
    let env = Env::new();
    let mut child = env.start_slow_run(std::process::Stdio::null());
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).expect("SIGINT");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    env.write("marks/release", "");
    let out = env.run(["resume", "slow", "--yes", "--var", &env.marks_var()]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let events = env.events();
    let statuses: Vec<&str> = of_kind(&events, "session_ended", None)
        .iter()
        .filter_map(|e| e["status"].as_str())
        .collect();
    assert_eq!(statuses, ["interrupted", "resolved"]);
    assert_eq!(of_kind(&events, "step_finished", Some("first")).len(), 1);
}
