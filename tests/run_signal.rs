//! Ctrl-C mid-step: the step's whole process group dies, `session_ended interrupted`
//! is recorded, the exit code is 130.

mod run_support;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use run_support::*;
use std::time::Duration;

#[test]
fn sigint_mid_step_records_interrupted_and_leaves_no_process() {
    let env = Env::new();
    let mut child = env.start_slow_run(std::process::Stdio::piped());
    let shell = read_pid(&env.marks().join("shell.pid"));
    let grandchild = read_pid(&env.marks().join("child.pid"));
    assert!(alive(shell) && alive(grandchild));

    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).expect("send SIGINT");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));

    assert!(
        wait_for(Duration::from_secs(5), || !alive(shell)
            && !alive(grandchild)),
        "step processes survived: shell {shell} {}, sleep {grandchild} {}",
        alive(shell),
        alive(grandchild)
    );
    assert!(!env.marked("last"), "the session went on after Ctrl-C");
    let events = env.events();
    let ended = events.last().unwrap();
    assert_eq!(ended["kind"], "session_ended");
    assert_eq!(ended["status"], "interrupted");
    assert_eq!(of_kind(&events, "step_finished", Some("first")).len(), 1);
    assert_eq!(of_kind(&events, "step_started", Some("long")).len(), 1);
    // Not finished: `resume` runs it again.
    assert!(of_kind(&events, "step_finished", Some("long")).is_empty());
}
