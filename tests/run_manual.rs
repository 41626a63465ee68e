//! Manual steps and escalation in an unattended run: manual steps count only when the
//! answers say `done`; an escalation step ends the session escalated unless the last
//! check proves the trouble fixed.

mod run_support;
use run_support::*;

fn run(env: &Env, state: &str, after: &str, answers: &str) -> std::process::Output {
    let file = env.write("answers.yaml", answers);
    env.run([
        "run",
        &fixture("manual.md"),
        "--answers",
        file.to_str().unwrap(),
        "--var",
        &format!("STATE={state}"),
        "--var",
        &format!("AFTER={after}"),
    ])
}

#[test]
fn a_failed_verification_escalates_with_the_level() {
    let env = Env::new();
    let out = run(&env, "down", "down", "manual:\n  restart-by-hand: done\n");
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let events = env.events();
    let action = of_kind(&events, "action", None);
    assert_eq!(action.len(), 1, "{events:#?}");
    assert_eq!(action[0]["step"], "restart-by-hand");
    assert!(action[0]["text"]
        .as_str()
        .unwrap()
        .contains("provider's console"));
    assert_eq!(action[0]["actor"], "answers");
    let ended = events.last().unwrap();
    assert_eq!(ended["status"], "escalated");
    assert!(
        ended["level"]
            .as_str()
            .unwrap()
            .starts_with("Level 2 - On-Call Engineer"),
        "{ended}"
    );
    assert!(of_kind(&events, "step_finished", Some("notify")).is_empty());
}

#[test]
fn an_ok_verification_needs_no_escalation_and_resolves() {
    let env = Env::new();
    let out = run(&env, "down", "up", "manual:\n  restart-by-hand: done\n");
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let events = env.events();
    let notify = &of_kind(&events, "step_finished", Some("notify"))[0];
    assert_eq!(notify["outcome"], "skipped");
    assert_eq!(notify["reason"], "manual-pending");
    let notes: Vec<&str> = of_kind(&events, "note", None)
        .iter()
        .filter_map(|n| n["text"].as_str())
        .collect();
    assert!(notes.iter().any(|n| n.contains("escalation")), "{notes:?}");
    let ended = events.last().unwrap();
    assert_eq!(ended["status"], "resolved");
    assert!(
        ended["summary"].as_str().unwrap().contains("notify"),
        "{ended}"
    );
    // The manual restart then an ok check: mitigated there, before the end.
    let milestones: Vec<&str> = of_kind(&events, "milestone", None)
        .iter()
        .filter_map(|m| m["milestone"].as_str())
        .collect();
    assert_eq!(
        milestones,
        ["detected", "acknowledged", "mitigated", "resolved"]
    );
}

#[test]
fn answers_may_close_as_mitigated_but_never_claim_resolved() {
    let env = Env::new();
    let out = run(
        &env,
        "up",
        "up",
        "status: mitigated\nsummary: restarted; cause unknown\n",
    );
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let ended = env.events().last().cloned().unwrap();
    assert_eq!(ended["status"], "mitigated");
    assert_eq!(ended["summary"], "restarted; cause unknown");

    let env = Env::new();
    let out = run(&env, "down", "down", "status: resolved\n");
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert_ne!(env.events().last().unwrap()["status"], "resolved");
}
