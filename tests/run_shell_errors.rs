//! A step whose first line does not parse, run by the real binary: the shell's message
//! quotes the person's line, never the runner's start gate, on the screen and in every
//! file of the incident.

mod run_support;
use run_support::*;

const PLAYBOOK: &str = "---
id: typo
title: A typo on the first line
---

# A typo on the first line

## Diagnosis

```bash {id=typo expect=fine}
echo (
echo never
```
";

#[test]
fn a_syntax_error_on_a_first_line_quotes_the_line_as_written() {
    let env = Env::new();
    let playbook = env.write("typo.md", PLAYBOOK);
    let out = env.run(["run", playbook.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let screen = stdout(&out);
    assert!(
        screen.contains("│ bash: -c: line 1: `echo ('"),
        "{}",
        shown(&out)
    );
    assert!(!screen.contains("│ never"), "nothing ran: {}", shown(&out));

    let events = env.events();
    let finished = of_kind(&events, "step_finished", Some("typo"));
    assert_eq!(finished.len(), 1, "{events:#?}");
    assert_eq!(finished[0]["outcome"], "fail");
    assert_eq!(finished[0]["exit_code"], 2);
    let output = finished[0]["output"].as_str().unwrap_or_default();
    assert!(output.contains("bash: -c: line 1: `echo ('"), "{output}");

    let mut files = 0;
    for entry in std::fs::read_dir(env.incident()).expect("incident dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(!text.contains("RUNBOOK_GATE"), "{}: {text}", path.display());
        files += 1;
    }
    assert!(files >= 3, "events, log and postmortem at least");
    assert!(!screen.contains("RUNBOOK_GATE"), "{}", shown(&out));
    assert!(!stderr(&out).contains("RUNBOOK_GATE"), "{}", shown(&out));
}
