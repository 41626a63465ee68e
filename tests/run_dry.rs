//! `--dry-run` prints the path and every command exactly as it would run, secrets
//! masked, and runs nothing.

mod run_support;
use run_support::*;

const SECRET: &str = "s3cr3t-T0ken-value-42";

#[test]
fn prints_commands_masked_and_runs_nothing() {
    let env = Env::new();
    let out = env.run([
        "run",
        &fixture("secrets.md"),
        "--dry-run",
        "--yes",
        "--var",
        &format!("API_TOKEN={SECRET}"),
        "--var",
        "OTHER_HOST=db.internal",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let text = stdout(&out);
    assert!(!text.contains(SECRET), "secret shown: {text}");
    assert!(!stderr(&out).contains(SECRET));
    assert!(text.contains("«redacted"), "{text}");
    assert!(
        text.contains("call-api") && text.contains("other-host"),
        "{text}"
    );
    assert!(text.contains("echo called"), "{text}");
    assert!(text.contains(&env.marks().display().to_string()), "{text}");
    assert!(text.contains("end"), "{text}");
    assert!(env.markers().is_empty(), "ran: {:?}", env.markers());
    assert!(env.incident_dirs().is_empty(), "no incident for a dry run");
}

#[test]
fn shows_the_answered_branch_and_holds_back_destructive_steps() {
    let env = Env::new();
    let answers = env.write("answers.yaml", "decisions:\n  which-way-now: Right\n");
    let out = env.run([
        "run",
        &fixture("edges.md"),
        "--dry-run",
        "--answers",
        answers.to_str().unwrap(),
        "--var",
        "MODE=healthy",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let text = stdout(&out);
    let order = ["probe", "after-ok", "in-order", "which-way-now", "right"];
    let positions: Vec<usize> = order
        .iter()
        .map(|id| {
            text.find(&format!("({id},"))
                .unwrap_or_else(|| panic!("{id} in {text}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(
        !text.contains("(left,") && !text.contains("(after-fail,"),
        "{text}"
    );
    assert!(env.markers().is_empty());

    let out = env.run([
        "run",
        &fixture("destructive.md"),
        "--dry-run",
        "--yes",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert!(
        stdout(&out).contains("not run: destructive"),
        "{}",
        shown(&out)
    );
    assert!(env.markers().is_empty());
}

#[test]
fn unattended_dry_run_lists_what_a_real_run_would_miss() {
    let env = Env::new();
    let out = env.run(["run", &fixture("edges.md"), "--dry-run", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let text = stdout(&out);
    assert!(
        text.contains("which-way-now") && text.contains("Left") && text.contains("Right"),
        "{text}"
    );
    assert!(stderr(&out).contains("variable MODE"), "{}", shown(&out));
    assert!(env.incident_dirs().is_empty());
}
