//! Each edge type, walked by the real binary with real shells: `ok`, `fail`,
//! `find:<label>`, `choice:<label>` and the document-order `next`.

mod run_support;
use run_support::*;

/// Runs `edges.md` with the probe printing `mode` and the decision answered `way`.
fn walk(mode: &str, way: &str) -> (Env, std::process::Output) {
    let env = Env::new();
    let answers = env.write(
        "answers.yaml",
        &format!("decisions:\n  which-way-now: {way}\n"),
    );
    let out = env.run([
        "run",
        &fixture("edges.md"),
        "--var",
        &format!("MODE={mode}"),
        "--var",
        &env.marks_var(),
        "--answers",
        answers.to_str().unwrap(),
    ]);
    (env, out)
}

fn next_of(events: &[serde_json::Value], step: &str) -> String {
    let finished = of_kind(events, "step_finished", Some(step));
    assert_eq!(finished.len(), 1, "{step} finished once: {events:#?}");
    finished[0]["next"].as_str().unwrap_or("").to_string()
}

#[test]
fn ok_edge_then_document_order_then_a_choice() {
    let (env, out) = walk("healthy", "Left");
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(env.markers(), ["after-ok", "in-order", "left", "probe"]);
    let events = env.events();
    assert_eq!(next_of(&events, "probe"), "after-ok");
    assert_eq!(next_of(&events, "after-ok"), "in-order");
    let decision = of_kind(&events, "decision", None);
    assert_eq!(decision.len(), 1, "{events:#?}");
    assert_eq!(decision[0]["choice"], "Left");
    assert_eq!(decision[0]["to"], "left");
    assert_eq!(decision[0]["actor"], "answers");
}

#[test]
fn the_other_choice() {
    let (env, out) = walk("healthy", "right");
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(env.markers(), ["after-ok", "in-order", "probe", "right"]);
    assert_eq!(
        of_kind(&env.events(), "decision", None)[0]["choice"],
        "Right"
    );
}

#[test]
fn fail_edge() {
    let (env, out) = walk("broken", "Left");
    // The last check failed and nothing verified a fix: unresolved.
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert_eq!(env.markers(), ["after-fail", "probe"]);
    let events = env.events();
    let probe = &of_kind(&events, "step_finished", Some("probe"))[0];
    assert_eq!(probe["outcome"], "fail");
    assert_eq!(probe["next"], "after-fail");
    assert_eq!(probe["exit_code"], 0);
    assert!(
        probe["output"].as_str().unwrap().contains("broken"),
        "{probe}"
    );
}

#[test]
fn find_edge_with_its_label() {
    let (env, out) = walk("trouble", "Left");
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert_eq!(env.markers(), ["after-find", "probe"]);
    let events = env.events();
    let probe = &of_kind(&events, "step_finished", Some("probe"))[0];
    assert_eq!(probe["outcome"], "find");
    assert_eq!(probe["finding"], "trouble");
    assert_eq!(probe["next"], "after-find");
    let ended = of_kind(&events, "session_ended", None);
    assert_eq!(ended[0]["status"], "unresolved");
}

#[test]
fn a_retry_loop_that_never_succeeds_is_stopped() {
    let env = Env::new();
    let out = env.run([
        "run",
        &fixture("retry.md"),
        "--yes",
        "--var",
        "STATE=not-yet",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let events = env.events();
    let polls = of_kind(&events, "step_finished", Some("poll"));
    assert_eq!(polls.len(), 5, "{events:#?}");
    let notes: Vec<&str> = of_kind(&events, "note", None)
        .iter()
        .filter_map(|n| n["text"].as_str())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("endless loop")),
        "{notes:?}"
    );
    assert_eq!(events.last().unwrap()["status"], "unresolved");

    let env = Env::new();
    let out = env.run(["run", &fixture("retry.md"), "--yes", "--var", "STATE=ready"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
}
