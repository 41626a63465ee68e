//! Exit codes 0 and 1, and the shape of what a run leaves: events.jsonl (SPEC §4),
//! log.md, postmortem.md, the incident directory printed at start and end.

mod run_support;
use run_support::*;

#[test]
fn passing_check_exits_0_with_a_complete_record() {
    let env = Env::new();
    let out = env.run(["run", &fixture("simple.md"), "--yes", "--severity", "sev2"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let dir = env.incident();
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.ends_with("-simple"), "{name}");
    assert_eq!(
        stdout(&out).matches(&name).count(),
        2,
        "printed at start and end: {}",
        shown(&out)
    );
    for file in ["events.jsonl", "log.md", "postmortem.md", "playbook.json"] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }

    let events = env.events();
    assert_eq!(
        kinds(&events),
        [
            "session_started",
            "milestone",
            "milestone",
            "step_started",
            "step_finished",
            "milestone",
            "milestone",
            "session_ended"
        ]
    );
    for (i, e) in events.iter().enumerate() {
        let ts = e["ts"].as_str().expect("ts");
        assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
        assert!(e["actor"].is_string(), "{e}");
        if i > 0 {
            assert!(
                e["seq"].as_u64() > events[i - 1]["seq"].as_u64(),
                "seq grows"
            );
        }
    }
    let started = &events[0];
    assert_eq!(started["mode"], "unattended");
    assert_eq!(started["severity"], "sev2");
    assert_eq!(started["playbook"], "simple");
    let step = &of_kind(&events, "step_finished", Some("greet"))[0];
    assert_eq!(step["command"], "echo hi");
    assert_eq!(step["exit_code"], 0);
    assert_eq!(step["outcome"], "ok");
    assert_eq!(step["next"], "end");
    assert!(step["duration_ms"].is_u64());
    assert!(step["output"].as_str().unwrap().contains("hi"));
    let ended = events.last().unwrap();
    assert_eq!(ended["status"], "resolved");
}

#[test]
fn failing_check_exits_1_and_records_why() {
    let env = Env::new();
    let out = env.run(["run", &fixture("failing.md"), "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let events = env.events();
    let step = &of_kind(&events, "step_finished", Some("greet"))[0];
    assert_eq!(step["outcome"], "fail");
    assert!(
        !step["failed"].as_array().unwrap().is_empty() || step["diff"].is_string(),
        "{step}"
    );
    let ended = events.last().unwrap();
    assert_eq!(ended["kind"], "session_ended");
    assert_eq!(ended["status"], "unresolved");
    assert!(
        ended["summary"]
            .as_str()
            .unwrap()
            .contains("last check: fail"),
        "{ended}"
    );
    assert!(
        !kinds(&events).contains(&"milestone".to_string())
            || of_kind(&events, "milestone", None)
                .iter()
                .all(|m| m["milestone"] != "resolved")
    );
}

#[test]
fn answers_record_symptoms_hypotheses_and_the_severity() {
    let env = Env::new();
    let answers = env.write(
        "answers.yaml",
        "severity: sev1\nsymptoms: [\"users see errors\"]\nhypotheses:\n  greet:\n    text: the greeting changed\n    disproof: it says hello again\n",
    );
    let out = env.run([
        "run",
        &fixture("failing.md"),
        "--answers",
        answers.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let events = env.events();
    assert_eq!(events[0]["severity"], "sev1");
    let symptom = &of_kind(&events, "symptom", None)[0];
    assert_eq!(symptom["text"], "users see errors");
    let hypothesis = &of_kind(&events, "hypothesis", None)[0];
    assert_eq!(hypothesis["text"], "the greeting changed");
    assert_eq!(hypothesis["disproof"], "it says hello again");
    assert_eq!(hypothesis["state"], "open");
    assert_eq!(hypothesis["step"], "greet");
}

#[test]
fn secrets_never_reach_the_record_or_the_screen() {
    let env = Env::new();
    let secret = "Zq9-very-secret-token-77";
    let out = env.run([
        "run",
        &fixture("secrets.md"),
        "--yes",
        "--var",
        &format!("API_TOKEN={secret}"),
        "--var",
        "OTHER_HOST=db.internal",
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert!(env.marked("called") && env.marked("other"));
    assert!(!stdout(&out).contains(secret) && !stderr(&out).contains(secret));
    for entry in std::fs::read_dir(env.incident()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            !text.contains(secret),
            "{} holds the secret",
            path.display()
        );
    }
    // The command really received it (the output line was masked, not empty).
    let events = env.events();
    let call = &of_kind(&events, "step_finished", Some("call-api"))[0];
    assert!(
        call["output"]
            .as_str()
            .unwrap()
            .contains("Bearer «redacted"),
        "{call}"
    );
}
