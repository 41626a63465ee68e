//! A destructive action never runs unattended without --allow-destructive (or a
//! per-step confirmation in the answers file); `# Option N` alternatives are choices,
//! never a sequence.

mod run_support;
use run_support::*;

#[test]
fn held_back_without_allow_destructive_and_the_run_is_unresolved() {
    let env = Env::new();
    let out = env.run([
        "run",
        &fixture("destructive.md"),
        "--yes",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert!(!env.marked("flushed"), "destructive step ran");
    let events = env.events();
    let flush = of_kind(&events, "step_finished", Some("flush"));
    assert_eq!(flush.len(), 1, "{events:#?}");
    assert_eq!(flush[0]["outcome"], "skipped");
    assert_eq!(flush[0]["reason"], "destructive");
    // The verification after it still ran, and was ok: the hold-back alone decides.
    let verify = of_kind(&events, "step_finished", Some("verify-cache"));
    assert_eq!(verify[0]["outcome"], "ok");
    assert_eq!(
        of_kind(&events, "session_ended", None)[0]["status"],
        "unresolved"
    );
}

#[test]
fn runs_with_allow_destructive() {
    let env = Env::new();
    let out = env.run([
        "run",
        &fixture("destructive.md"),
        "--yes",
        "--allow-destructive",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert!(env.marked("flushed"));
    let events = env.events();
    let milestones: Vec<&str> = of_kind(&events, "milestone", None)
        .iter()
        .filter_map(|e| e["milestone"].as_str())
        .collect();
    assert_eq!(
        milestones,
        ["detected", "acknowledged", "mitigated", "resolved"]
    );
}

#[test]
fn runs_when_the_answers_file_confirms_that_step() {
    let env = Env::new();
    let answers = env.write("answers.yaml", "confirm:\n  flush: true\n");
    let out = env.run([
        "run",
        &fixture("destructive.md"),
        "--answers",
        answers.to_str().unwrap(),
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert!(env.marked("flushed"));
}

#[test]
fn option_alternatives_are_one_decision_never_a_sequence() {
    let env = Env::new();
    let file = fixture("options.md");
    let out = env.run([
        "run",
        &file,
        "--yes",
        "--allow-destructive",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    assert!(env.markers().is_empty(), "{:?}", env.markers());

    let decision = node_id_of_kind(&env, &file, "decision");
    let answers = env.write("answers.yaml", &format!("decisions:\n  {decision}: 2\n"));
    let out = env.run([
        "run",
        &file,
        "--answers",
        answers.to_str().unwrap(),
        "--allow-destructive",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(env.markers(), ["look", "option-2"]);
}
