//! What an unattended run still needs is reported all at once, before any step runs
//! (exit 3), and bad input is refused (exit 2).

mod run_support;
use run_support::*;

#[test]
fn missing_decision_names_the_node_and_its_choices() {
    let env = Env::new();
    let out = env.run([
        "run",
        &fixture("edges.md"),
        "--yes",
        "--var",
        "MODE=healthy",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let err = stderr(&out);
    assert!(err.contains("which-way-now"), "{err}");
    assert!(
        err.contains("\"Left\"") && err.contains("\"Right\""),
        "{err}"
    );
    assert!(
        env.markers().is_empty(),
        "nothing runs: {:?}",
        env.markers()
    );
    assert!(env.incident_dirs().is_empty(), "no incident is opened");
}

#[test]
fn every_missing_variable_and_decision_in_one_error() {
    let env = Env::new();
    let out = env.run(["run", &fixture("edges.md"), "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let err = stderr(&out);
    for needed in [
        "variable MODE",
        "variable MARKS",
        "decision `which-way-now`",
    ] {
        assert!(err.contains(needed), "`{needed}` in: {err}");
    }
    assert_eq!(err.matches("runbook:").count(), 1, "one error: {err}");
}

#[test]
fn secret_and_undeclared_variables_are_listed_too() {
    let env = Env::new();
    let out = env.run(["run", &fixture("secrets.md"), "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let err = stderr(&out);
    assert!(err.contains("variable API_TOKEN (secret)"), "{err}");
    assert!(err.contains("variable OTHER_HOST"), "{err}");
    assert!(err.contains("variable MARKS"), "{err}");
    // It has a default.
    assert!(!err.contains("variable API_URL"), "{err}");
}

#[test]
fn answers_file_supplies_variables_and_decisions() {
    let env = Env::new();
    let answers = env.write(
        "answers.yaml",
        &format!(
            "vars:\n  MODE: healthy\n  MARKS: {}\ndecisions:\n  \"Which way now?\": 2\n",
            env.marks().display()
        ),
    );
    let out = env.run([
        "run",
        &fixture("edges.md"),
        "--answers",
        answers.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert!(env.marked("right"), "{:?}", env.markers());
}

#[test]
fn an_answer_that_is_no_choice_is_refused() {
    let env = Env::new();
    let answers = env.write("answers.yaml", "decisions:\n  which-way-now: Up\n");
    let out = env.run([
        "run",
        &fixture("edges.md"),
        "--answers",
        answers.to_str().unwrap(),
        "--var",
        "MODE=healthy",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    assert!(
        stderr(&out).contains("\"Up\" is none of its choices"),
        "{}",
        shown(&out)
    );
    assert!(env.markers().is_empty());
}

#[test]
fn a_malformed_answers_file_is_a_usage_error_with_file_and_line() {
    let env = Env::new();
    let answers = env.write(
        "answers.yaml",
        "vars:\n  MODE: healthy\ndecision:\n  which-way-now: Left\n",
    );
    let out = env.run([
        "run",
        &fixture("edges.md"),
        "--answers",
        answers.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    let err = stderr(&out);
    assert!(err.contains("answers.yaml:3"), "{err}");
    assert!(err.contains("unknown field `decision`"), "{err}");
}

#[test]
fn unknown_playbook_is_exit_2() {
    let env = Env::new();
    let out = env.run(["run", "no-such-playbook-anywhere", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    assert!(env.incident_dirs().is_empty());
}
