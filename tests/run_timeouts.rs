//! Timeouts and watch windows as a run applies them: a step's own `timeout`, else
//! `--timeout`, else the front matter's, else 60 s; a `watch` step streams for its
//! window and ends as a success.

mod run_support;
use run_support::*;

#[test]
fn watch_ends_ok_and_a_hanging_step_times_out_under_timeout_flag() {
    let env = Env::new();
    let out = env.run([
        "run",
        &fixture("watch.md"),
        "--yes",
        "--timeout",
        "1s",
        "--var",
        &env.marks_var(),
    ]);
    // The hang timed out (no fail edge: next), the last check passed.
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let events = env.events();
    let watch = &of_kind(&events, "step_finished", Some("tail-ticks"))[0];
    assert_eq!(watch["outcome"], "ok", "{watch}");
    assert!(watch["output"].as_str().unwrap().contains("tick"));
    let hang = &of_kind(&events, "step_finished", Some("hang"))[0];
    assert_eq!(hang["outcome"], "timeout", "{hang}");
    assert!(hang["duration_ms"].as_u64().unwrap() < 20_000, "{hang}");
    assert!(env.marked("hang-started") && env.marked("after-hang"));
}

#[test]
fn front_matter_timeout_applies_when_no_flag_is_given() {
    let env = Env::new();
    let text = std::fs::read_to_string(fixture("watch.md"))
        .unwrap()
        .replace("severity: sev4\n", "severity: sev4\ntimeout: 1s\n");
    let file = env.write("watch.md", &text);
    let out = env.run([
        "run",
        file.to_str().unwrap(),
        "--yes",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let events = env.events();
    let hang = &of_kind(&events, "step_finished", Some("hang"))[0];
    assert_eq!(hang["outcome"], "timeout", "{hang}");
}
