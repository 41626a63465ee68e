//! The postmortem draft, from a synthetic but real incident record on disk, in
//! English and Spanish, through the library and the real binary.

use runbook::graph::{Node, NodeKind, Playbook, Variable};
use runbook::incident::event::{EventBody, HypothesisState, Milestone, SessionStatus};
use runbook::incident::{self, IncidentLog};
use runbook::judge::Outcome;
use runbook::postmortem;
use runbook::redact::Redactor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const SECRET_VAR: &str = "pw-Zx81-planted";
const SECRET_ENV: &str = "envtok-Q93-planted";
const BEARER: &str = "bearer-K27-planted-token";

fn playbook(lang: &str) -> Playbook {
    let mut ping = Node::new("ping", NodeKind::Check, "Redis answers PING", 10);
    ping.command = Some("redis-cli -a \"$REDIS_PASSWORD\" ping".into());
    let mut restart = Node::new("restart", NodeKind::Action, "Restart redis", 20);
    restart.command = Some("docker compose restart redis".into());
    let flush = Node::new("flush", NodeKind::Action, "Flush the cache", 30);
    let mut verify = Node::new("verify", NodeKind::Check, "Health endpoint answers 200", 40);
    verify.command = Some("curl -fsS http://localhost:8003/healthz".into());
    let manual = Node::new(
        "tell-team",
        NodeKind::Manual,
        "Tell the team in #incidents",
        50,
    );
    Playbook {
        id: "redis-down".into(),
        title: "Redis not responding".into(),
        source: "playbooks/redis.md".into(),
        service: Some("chatbot".into()),
        severity: Some("sev2".into()),
        lang: lang.into(),
        variables: vec![Variable {
            name: "REDIS_PASSWORD".into(),
            default: None,
            secret: true,
            description: None,
        }],
        hypotheses: vec!["maxmemory reached".into()],
        prevention: vec![
            "Alert when Redis memory > 80%".into(),
            "Set maxmemory-policy allkeys-lru".into(),
        ],
        nodes: vec![ping, restart, flush, verify, manual],
        ..Playbook::default()
    }
}

/// A whole incident: detected, acknowledged, a failing check with a finding, two
/// hypotheses (one refuted, one confirmed), a decision, an action by hand, a
/// skipped destructive step, mitigation, a status update, resolution.
fn record(dir: &Path, lang: &str) -> PathBuf {
    let pb = playbook(lang);
    let redactor = Arc::new(Redactor::with_env(
        [SECRET_VAR.to_string()],
        [("MY_TOKEN".to_string(), SECRET_ENV.to_string())],
    ));
    let mut log = IncidentLog::create(dir, &pb, redactor).unwrap();
    let id = log.id();
    let mut add = |actor: &str, body: EventBody| {
        log.append(actor, body).unwrap();
    };
    add(
        "runbook",
        EventBody::SessionStarted {
            incident: id,
            playbook: pb.id.clone(),
            title: pb.title.clone(),
            source: pb.source.clone(),
            service: pb.service.clone(),
            severity: "sev2".into(),
            lang: lang.into(),
            mode: "guided".into(),
            variables: vec!["REDIS_PASSWORD".into()],
        },
    );
    add(
        "ana",
        EventBody::Milestone {
            milestone: Milestone::Detected,
        },
    );
    add(
        "ana",
        EventBody::Milestone {
            milestone: Milestone::Acknowledged,
        },
    );
    add(
        "ana",
        EventBody::Symptom {
            text: "/healthz answers 503".into(),
            step: None,
        },
    );
    add(
        "ana",
        EventBody::Symptom {
            text: "Webhooks time out".into(),
            step: None,
        },
    );
    add(
        "runbook",
        EventBody::StepFinished {
            step: "ping".into(),
            title: "Redis answers PING".into(),
            command: Some(format!("redis-cli -a {SECRET_VAR} ping")),
            exit_code: Some(1),
            duration_ms: 2300,
            outcome: Outcome::Find,
            finding: Some("OOM command not allowed".into()),
            output: format!(
                "(error) OOM command not allowed when used memory > 'maxmemory'\nAuthorization: Bearer {BEARER}\ntoken {SECRET_ENV}\n```\n"
            ),
            failed: vec!["output contains `PONG`".into()],
            diff: None,
            next: Some("restart".into()),
            reason: None,
        },
    );
    add(
        "ana",
        EventBody::Hypothesis {
            id: "h1".into(),
            text: "The network between app and Redis is down".into(),
            state: HypothesisState::Open,
            disproof: Some("redis-cli from the app container answers".into()),
            step: None,
        },
    );
    add(
        "ana",
        EventBody::Hypothesis {
            id: "h2".into(),
            text: "Redis hit maxmemory and rejects writes".into(),
            state: HypothesisState::Open,
            disproof: Some("INFO memory shows used_memory well under maxmemory".into()),
            step: Some("ping".into()),
        },
    );
    add(
        "ana",
        EventBody::Hypothesis {
            id: "h1".into(),
            text: "The network between app and Redis is down".into(),
            state: HypothesisState::Refuted,
            disproof: None,
            step: None,
        },
    );
    add(
        "ana",
        EventBody::Decision {
            step: "choose".into(),
            question: "Is the cache safe to drop?".into(),
            choice: "No".into(),
            to: "restart".into(),
        },
    );
    add(
        "runbook",
        EventBody::StepFinished {
            step: "flush".into(),
            title: "Flush the cache".into(),
            command: Some("redis-cli FLUSHALL".into()),
            exit_code: None,
            duration_ms: 0,
            outcome: Outcome::Skipped,
            finding: None,
            output: String::new(),
            failed: vec![],
            diff: None,
            next: Some("restart".into()),
            reason: Some("destructive".into()),
        },
    );
    add(
        "runbook",
        EventBody::StepFinished {
            step: "restart".into(),
            title: "Restart redis".into(),
            command: Some("docker compose restart redis".into()),
            exit_code: Some(0),
            duration_ms: 4100,
            outcome: Outcome::Ok,
            finding: None,
            output: "Container redis  Restarting\nContainer redis  Started".into(),
            failed: vec![],
            diff: None,
            next: Some("verify".into()),
            reason: None,
        },
    );
    add(
        "ana",
        EventBody::Action {
            text: format!("Raised maxmemory to 512mb with CONFIG SET (password {SECRET_VAR})"),
            step: None,
        },
    );
    add(
        "runbook",
        EventBody::StepFinished {
            step: "tell-team".into(),
            title: "Tell the team in #incidents".into(),
            command: None,
            exit_code: None,
            duration_ms: 0,
            outcome: Outcome::Ok,
            finding: None,
            output: String::new(),
            failed: vec![],
            diff: None,
            next: None,
            reason: None,
        },
    );
    add(
        "ana",
        EventBody::Milestone {
            milestone: Milestone::Mitigated,
        },
    );
    add(
        "ana",
        EventBody::StatusUpdate {
            text: "State: mitigated. Impact: webhooks delayed".into(),
        },
    );
    add(
        "ana",
        EventBody::Hypothesis {
            id: "h2".into(),
            text: "Redis hit maxmemory and rejects writes".into(),
            state: HypothesisState::Confirmed,
            disproof: None,
            step: None,
        },
    );
    add(
        "runbook",
        EventBody::StepFinished {
            step: "verify".into(),
            title: "Health endpoint answers 200".into(),
            command: Some("curl -fsS http://localhost:8003/healthz".into()),
            exit_code: Some(0),
            duration_ms: 120,
            outcome: Outcome::Ok,
            finding: None,
            output: "{\"status\":\"ok\"}".into(),
            failed: vec![],
            diff: None,
            next: Some("end".into()),
            reason: None,
        },
    );
    add(
        "ana",
        EventBody::Milestone {
            milestone: Milestone::Resolved,
        },
    );
    add(
        "runbook",
        EventBody::SessionEnded {
            status: SessionStatus::Resolved,
            level: None,
            summary: None,
        },
    );
    log.dir().to_path_buf()
}

fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading} in\n{doc}"));
    let rest = &doc[start + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    &rest[..end]
}

fn assert_no_planted_secret_under(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in [SECRET_VAR, SECRET_ENV, BEARER] {
            assert!(!text.contains(secret), "{secret} in {}", path.display());
        }
    }
}

#[test]
fn english_postmortem_has_every_section_from_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = record(tmp.path(), "en");
    let path = postmortem::write(&dir, &Redactor::default(), None, None).unwrap();
    assert_eq!(path, dir.join("postmortem.md"));
    let doc = std::fs::read_to_string(&path).unwrap();

    assert!(
        doc.starts_with("# Postmortem: Redis not responding\n"),
        "{doc}"
    );
    assert!(doc.contains("| Severity | sev2 |"));
    assert!(doc.contains("| Status | resolved |"));
    assert!(doc.contains("| Service | chatbot |"));
    assert!(doc.contains("| Responders | ana |"));
    assert!(doc.contains("| Escalation level | _(not recorded)_ |"));

    let summary = section(&doc, "## Summary");
    assert!(
        summary.contains("Root cause: Redis hit maxmemory and rejects writes"),
        "{summary}"
    );
    assert!(summary.contains("Drafted from the log"));

    let times = section(&doc, "## Key timestamps (UTC)");
    assert!(
        times.contains("| Impact began | _(not recorded)_ |"),
        "{times}"
    );
    let stamp = regex::Regex::new(
        r"\| Resolved \| \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC \| milestone \|",
    )
    .unwrap();
    assert!(stamp.is_match(times), "{times}");

    let durations = section(&doc, "## Durations");
    assert!(
        durations.contains("Measured from detection."),
        "{durations}"
    );
    assert!(durations.contains("| Time to detect | _(not recorded)_ |"));
    for name in ["Time to acknowledge", "Time to mitigate", "Time to resolve"] {
        let re = regex::Regex::new(&format!(r"\| {name} \| \d+s \|")).unwrap();
        assert!(re.is_match(durations), "{name}: {durations}");
    }

    let timeline = section(&doc, "## Timeline (UTC)");
    assert_eq!(timeline.matches("\n- **").count(), 20, "{timeline}");
    assert!(timeline.contains("Decision: Is the cache safe to drop? → No"));
    assert!(
        timeline.contains("Flush the cache: `redis-cli FLUSHALL` → skipped (destructive)"),
        "{timeline}"
    );

    let symptoms = section(&doc, "## Symptoms observed");
    assert!(
        symptoms.contains("- /healthz answers 503") && symptoms.contains("- Webhooks time out")
    );

    let hypotheses = section(&doc, "## Hypotheses");
    assert!(
        hypotheses.contains("| h1 | The network between app and Redis is down | **refuted** |"),
        "{hypotheses}"
    );
    assert!(hypotheses.contains(
        "| h2 | Redis hit maxmemory and rejects writes | **confirmed** | INFO memory shows"
    ));

    let commands = section(&doc, "## Commands run");
    assert!(commands.contains("### Redis answers PING — find"));
    assert!(commands.contains("- Finding: OOM command not allowed"));
    assert!(commands.contains("- Did not hold: output contains `PONG`"));
    assert!(commands.contains("(error) OOM command not allowed"));
    // The recorded output holds a ``` line: the fence around it is longer.
    assert!(commands.contains("````text\n"), "{commands}");
    assert!(
        commands.contains("### Flush the cache — skipped")
            && commands.contains("Skipped because: destructive")
    );
    assert!(commands.contains("exit code: _(not recorded)_"));
    assert!(commands.contains("### Health endpoint answers 200 — ok"));

    let decisions = section(&doc, "## Decisions");
    assert!(decisions.contains("Is the cache safe to drop? → **No** (then: Restart redis)"));

    let by_hand = section(&doc, "## Done by hand");
    assert!(by_hand.contains("(ana): Raised maxmemory to 512mb"));
    assert!(by_hand.contains("(runbook): Tell the team in #incidents"));

    assert!(section(&doc, "## Root cause").contains("- Redis hit maxmemory and rejects writes"));
    assert!(section(&doc, "## Contributing factors")
        .contains("- Redis answers PING: OOM command not allowed"));

    let followups = section(&doc, "## Prevention and follow-up actions");
    assert!(
        followups
            .contains("| Alert when Redis memory > 80% | playbook | _(to fill)_ | _(to fill)_ |"),
        "{followups}"
    );
    assert!(followups.contains("Set maxmemory-policy allkeys-lru"));
    assert!(
        followups.contains("Review the step left undone (destructive): Flush the cache | session")
    );

    let comms = section(&doc, "## Communication");
    assert!(comms.contains("- state: investigating\n- impact: /healthz answers 503; Webhooks time out\n- scope: partial\n- next update: in 30 minutes"), "{comms}");
    assert!(
        comms.contains(
            "- state: mitigated\n- workaround applied: Restart redis; Raised maxmemory to 512mb"
        ),
        "{comms}"
    );
    assert!(comms.contains("- residual risk: _(not recorded)_"));
    assert!(comms.contains("- state: resolved\n- root cause in short: Redis hit maxmemory and rejects writes\n- follow-up actions: Alert when Redis memory > 80%;"));
    assert!(comms.contains("State: mitigated. Impact: webhooks delayed"));

    assert!(!doc.contains("{{") && !doc.contains("\n\n\n\n"), "{doc}");
    assert_no_planted_secret_under(&dir);
    assert!(doc.contains("«redacted:"));
}

#[test]
fn spanish_postmortem_is_in_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = record(tmp.path(), "es");
    let path = postmortem::write(&dir, &Redactor::default(), None, None).unwrap();
    let doc = std::fs::read_to_string(path).unwrap();
    for expected in [
        "## Resumen",
        "## Momentos clave (UTC)",
        "| Inicio del impacto | _(sin registrar)_ |",
        "Medidas desde la detección.",
        "## Línea temporal (UTC)",
        "## Síntomas observados",
        "| h1 | The network between app and Redis is down | **descartada** |",
        "**confirmada**",
        "## Comandos ejecutados",
        "- Hallazgo: OOM command not allowed",
        "## Acciones manuales",
        "## Causa raíz",
        "## Factores contribuyentes",
        "| Acción | Origen | Responsable | Fecha compromiso |",
        "| Alert when Redis memory > 80% | playbook | _(por completar)_ | _(por completar)_ |",
        "### Mensaje inicial\n\n- estado: investigando\n- impacto: /healthz answers 503; Webhooks time out\n- alcance: parcial\n- próxima actualización: 30 minutos",
        "### Mensaje de mitigación\n\n- estado: mitigado",
        "- riesgo residual: _(sin registrar)_",
        "### Mensaje de cierre\n\n- estado: resuelto\n- causa raíz resumida: Redis hit maxmemory and rejects writes",
        "Revisar el paso no ejecutado (destructive): Flush the cache",
    ] {
        assert!(doc.contains(expected), "missing {expected:?} in\n{doc}");
    }
    for english in [
        "## Summary",
        "not recorded",
        "Time to resolve",
        "Initial message",
    ] {
        assert!(!doc.contains(english), "{english} in the Spanish draft");
    }
    // --lang overrides the session's language.
    let en = postmortem::render_incident(&dir, &Redactor::default(), Some("en"), None).unwrap();
    assert!(en.contains("## Summary"));
}

#[test]
fn an_unfinished_incident_marks_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let pb = Playbook {
        id: "bare".into(),
        title: "Bare".into(),
        lang: "en".into(),
        ..Playbook::default()
    };
    let mut log = IncidentLog::create(tmp.path(), &pb, Arc::new(Redactor::default())).unwrap();
    log.append(
        "runbook",
        EventBody::Note {
            text: "started by hand".into(),
        },
    )
    .unwrap();
    let doc = postmortem::render(log.events(), &pb, "en", None).unwrap();
    assert!(doc.contains("| Status | not ended |"), "{doc}");
    assert!(doc.contains("Measured from the session start (detection not recorded)."));
    assert!(doc.contains("| Time to resolve | _(not recorded)_ |"));
    assert!(section(&doc, "## Symptoms observed").contains("_(not recorded)_"));
    assert!(section(&doc, "## Root cause").contains("No hypothesis was confirmed"));
    assert!(section(&doc, "## Summary").contains("The session has not ended."));
    assert!(doc.contains("- state: _(not recorded)_\n- workaround applied: _(not recorded)_"));
    assert!(doc.contains("started by hand"));
}

fn runbook_bin(incidents: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_runbook"))
        .arg("--incidents-dir")
        .arg(incidents)
        .args(args)
        .env("MY_TOKEN", SECRET_ENV)
        .output()
        .unwrap()
}

#[test]
fn postmortem_command_writes_prints_and_takes_a_template() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = record(tmp.path(), "es");

    // Default: INCIDENT/postmortem.md in the session's language.
    let out = runbook_bin(tmp.path(), &["postmortem", "redis-down"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = std::fs::read_to_string(dir.join("postmortem.md")).unwrap();
    assert!(doc.contains("## Resumen"));

    // To stdout, in English.
    let out = runbook_bin(
        tmp.path(),
        &["postmortem", "redis-down", "--lang", "en", "-o", "-"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("# Postmortem: Redis not responding"),
        "{stdout}"
    );
    assert!(!stdout.contains(SECRET_ENV) && !stdout.contains(SECRET_VAR));

    // A template of one's own, with the helpers.
    let tpl = tmp.path().join("mine.hbs");
    std::fs::write(
        &tpl,
        "{{title}} / {{show severity}} / {{show escalation_level}}\n{{#each hypotheses}}{{id}}={{state}}\n{{/each}}",
    )
    .unwrap();
    let target = tmp.path().join("short.md");
    let out = runbook_bin(
        tmp.path(),
        &[
            "postmortem",
            "redis-down",
            "--template",
            tpl.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "Redis not responding / sev2 / _(sin registrar)_\nh1=descartada\nh2=confirmada\n"
    );

    // A misspelt field is an error naming the template and line, not a blank; so is a
    // template that does not compile (a block opened and never closed).
    for (template, at) in [
        ("line one\n{{titel}}\n", "mine.hbs:2"),
        (
            "line one\n{{title}}\n{{#each timeline}}\n{{at}}\n",
            "mine.hbs:",
        ),
    ] {
        std::fs::write(&tpl, template).unwrap();
        let out = runbook_bin(
            tmp.path(),
            &[
                "postmortem",
                "redis-down",
                "--template",
                tpl.to_str().unwrap(),
                "-o",
                "-",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{template}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(at) && !err.contains("Unnamed"), "{err}");
    }

    assert_no_planted_secret_under(&dir);
    assert_eq!(incident::find(tmp.path(), "redis-down").unwrap(), dir);
}

#[test]
fn status_update_draft_follows_the_communication_template() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = record(tmp.path(), "en");
    let events = incident::read_events(&dir).unwrap();
    // Up to the mitigation, before the status update was sent.
    let cut = events
        .iter()
        .position(|e| matches!(e.body, EventBody::StatusUpdate { .. }))
        .unwrap();
    let draft = incident::status_update_draft(&events[..cut], "en");
    let lines: Vec<&str> = draft.lines().collect();
    assert_eq!(lines.len(), 6, "{draft}");
    assert_eq!(lines[0], "State: mitigated");
    assert_eq!(lines[1], "Impact: /healthz answers 503; Webhooks time out");
    assert!(lines[2].starts_with("Scope: partial"));
    assert!(
        lines[3].starts_with(
            "What changed: detected; acknowledged; Redis answers PING: find (OOM command not allowed);"
        ),
        "{}",
        lines[3]
    );
    assert!(lines[4].starts_with("Next action: "));
    assert!(
        lines[5].starts_with("Next update: in 3") && lines[5].ends_with(" UTC)"),
        "{}",
        lines[5]
    );
    let es = incident::status_update_draft(&events, "es");
    assert!(es.starts_with("Estado: resuelto\nImpacto: "), "{es}");
    assert!(
        es.contains("Qué cambió: hipótesis (confirmada): Redis hit maxmemory"),
        "{es}"
    );
}
