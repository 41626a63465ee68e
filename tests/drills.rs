//! Incident drills: the seed systems' playbooks, run unattended by the real binary
//! against a lab of real services (examples/lab), first healthy, then with a real fault.
//!
//! Each drill starts a private lab, runs the playbook on the healthy lab (it must find
//! nothing wrong and change nothing), injects the fault, and runs it again: the
//! diagnosis must find the fault through the playbook's own expectations and findings,
//! the session must take the branch that fits, run the action, verify the recovery and
//! end resolved, leaving events.jsonl, log.md and postmortem.md. One line per drill
//! (fault, branch, times) goes to stderr and to `$CARGO_TARGET_TMPDIR/drills.txt`.

mod common;

use common::{run_playbook, Lab, RunOptions, Session};
use std::io::Write;
use std::time::Instant;

struct Drill {
    /// Seed system and playbook, for the summary line.
    seed: &'static str,
    playbook: &'static str,
    /// Per-system env file of the lab (`pedidos` needs its own database user).
    system: Option<&'static str>,
    fault: &'static str,
    fault_args: &'static [&'static str],
    /// A shell test that holds once the fault shows (run with the lab env), if it takes a moment.
    settled: Option<&'static str>,
    /// What a person would answer (the same for the healthy and the faulted run).
    answers: &'static str,
    /// Diagnosis steps that must report the fault, with their outcome (`find` or `fail`).
    detects: &'static [(&'static str, &'static str)],
    /// The step (a check or a decision) whose edge must lead to the action.
    branch: &'static str,
    /// The choice taken there, when `branch` is a decision.
    decides: Option<&'static str>,
    /// The action that must run, and succeed, on the faulted lab only.
    action: &'static str,
    /// Verification steps that must end ok after the action.
    verifies: &'static [&'static str],
}

fn drill(d: &Drill) {
    let t = Instant::now();
    let lab = Lab::up();
    let opts = RunOptions {
        playbook: d.playbook,
        answers: d.answers,
        system: d.system,
        allow_destructive: true,
    };

    let healthy = run_playbook(&lab, "healthy", &opts);
    assert_healthy(d, &healthy);
    healthy.assert_no_secrets(&lab);

    let injected = lab.fault(d.fault, d.fault_args);
    if let Some(check) = d.settled {
        lab.wait_until(&format!("fault {} to show", d.fault), check, 20);
    }
    let faulted = run_playbook(&lab, "fault", &opts);
    assert_recovered(d, &faulted);
    faulted.assert_no_secrets(&lab);

    let line = format!(
        "{:<4} {:<27} fault={:<16} detected={} branch={} verified={} healthy-run={:.1}s fault-run={:.1}s total={:.1}s",
        d.seed,
        d.playbook,
        d.fault,
        d.detects
            .iter()
            .map(|(s, o)| format!("{s}:{o}"))
            .collect::<Vec<_>>()
            .join(","),
        match d.decides {
            Some(choice) => format!("{}[{}]->{}", d.branch, choice.replace(' ', "_"), d.action),
            None => format!("{}:{}->{}", d.branch, faulted.outcome(d.branch).unwrap_or_default(), d.action),
        },
        d.verifies.join(","),
        healthy.took.as_secs_f64(),
        faulted.took.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
    eprintln!("DRILL {line}\n      ({injected})");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("drills.txt"))
    {
        let _ = writeln!(f, "{line}");
    }
}

fn assert_healthy(d: &Drill, s: &Session) {
    let ctx = || {
        format!(
            "drill {} / {} on the HEALTHY lab\n{}",
            d.seed,
            d.playbook,
            s.report()
        )
    };
    assert!(
        s.troubles().is_empty(),
        "a healthy lab must show no trouble: {}",
        ctx()
    );
    assert_eq!(s.status(), "resolved", "{}", ctx());
    assert_eq!(s.code, 0, "{}", ctx());
    assert!(
        s.outcome(d.action).is_none(),
        "the action {} must not run on a healthy lab: {}",
        d.action,
        ctx()
    );
    s.assert_record();
}

fn assert_recovered(d: &Drill, s: &Session) {
    let ctx = || {
        format!(
            "drill {} / {} after fault {}\n{}",
            d.seed,
            d.playbook,
            d.fault,
            s.report()
        )
    };
    for (step, outcome) in d.detects {
        assert_eq!(
            s.outcome(step).as_deref(),
            Some(*outcome),
            "diagnosis step {step} must report the fault: {}",
            ctx()
        );
    }
    assert_eq!(
        s.next_of(d.branch).as_deref(),
        Some(d.action),
        "the session must branch from {} to {}: {}",
        d.branch,
        d.action,
        ctx()
    );
    if let Some(choice) = d.decides {
        assert!(
            s.decisions().iter().any(|(_, c)| c == choice),
            "the session must choose {choice:?}: {}",
            ctx()
        );
    }
    assert_eq!(
        s.outcome(d.action).as_deref(),
        Some("ok"),
        "action {} must run and succeed: {}",
        d.action,
        ctx()
    );
    let path = s.path();
    let action_at = path
        .iter()
        .position(|p| p == d.action)
        .unwrap_or(usize::MAX);
    for step in d.verifies {
        assert_eq!(
            s.outcome(step).as_deref(),
            Some("ok"),
            "verification {step} must pass: {}",
            ctx()
        );
        let at = path.iter().rposition(|p| p == step).unwrap_or(0);
        assert!(
            at > action_at,
            "verification {step} must come after the action: {}",
            ctx()
        );
    }
    assert_eq!(s.status(), "resolved", "{}", ctx());
    assert_eq!(s.code, 0, "{}", ctx());
    s.assert_record();
}

// ---------------------------------------------------------------- Remember Me (seed 000)

const JOBS_BACKLOG_ANSWERS: &str =
    "decisions:\n  la-concurrencia-del-worker-es-baja-para: \"No\"\n";

#[test]
fn remember_me_worker_down_jobs_pile_up() {
    drill(&Drill {
        seed: "000",
        playbook: "jobs-backlog",
        system: Some("remember-me"),
        fault: "worker-down",
        fault_args: &[],
        settled: None,
        answers: JOBS_BACKLOG_ANSWERS,
        detects: &[
            ("jobs-metrics", "find"),
            ("jobs-age", "find"),
            ("worker-status", "fail"),
        ],
        branch: "worker-status",
        decides: None,
        action: "restart-worker",
        verifies: &["verify-backlog"],
    });
}

#[test]
fn remember_me_jobs_stuck_in_processing() {
    drill(&Drill {
        seed: "000",
        playbook: "jobs-backlog",
        system: Some("remember-me"),
        fault: "stuck-jobs",
        fault_args: &[],
        settled: None,
        answers: JOBS_BACKLOG_ANSWERS,
        detects: &[("stuck-jobs", "find")],
        branch: "stuck-jobs",
        decides: None,
        action: "requeue-stuck",
        verifies: &["verify-stuck"],
    });
}

#[test]
fn remember_me_redis_down_worker_cannot_lock() {
    drill(&Drill {
        seed: "000",
        playbook: "jobs-backlog",
        system: Some("remember-me"),
        fault: "redis-down",
        fault_args: &[],
        settled: Some("docker-compose logs worker | grep -q 'Redis connection failed'"),
        answers: JOBS_BACKLOG_ANSWERS,
        detects: &[("redis-ping", "fail")],
        branch: "redis-ping",
        decides: None,
        action: "restart-redis",
        verifies: &["redis-ping-after", "verify-backlog"],
    });
}

#[test]
fn remember_me_webhook_secret_mismatch() {
    drill(&Drill {
        seed: "000",
        playbook: "webhooks-failing",
        system: Some("remember-me"),
        fault: "webhook-secret",
        fault_args: &[],
        settled: Some("docker-compose logs api | grep -q 'Invalid signature'"),
        answers: "decisions:\n  el-whatsapp_app_secret-meta_app_secret: \"Sí\"\n  \
                  la-api-acepta-nuestro-token-pero-meta: \"No\"\n  \
                  el-whatsapp_verify_token-de-env-docker: \"Sí\"\n  \
                  rawbodymiddleware-esta-registrado-antes: \"Sí\"\n  \
                  requestidmiddleware-esta-registrado: \"Sí\"\n  \
                  se-han-completado-los-secretos-que: \"No\"\n",
        detects: &[("logs-invalid-signature", "find")],
        branch: "el-whatsapp_app_secret-meta_app_secret",
        decides: Some("Sí"),
        action: "restart-api",
        verifies: &["verify-webhook"],
    });
}

// ---------------------------------------------------------------- Anclora (seed 001)

#[test]
fn anclora_app_down_503() {
    drill(&Drill {
        seed: "001",
        playbook: "app-down-503",
        system: Some("anclora"),
        fault: "api-503",
        fault_args: &[],
        settled: None,
        answers: "decisions:\n  which-recovery-option-fits: \"Option 1\"\n",
        detects: &[("health-check", "fail"), ("ecs-service-status", "find")],
        branch: "which-recovery-option-fits",
        decides: Some("Option 1"),
        action: "force-new-deployment",
        verifies: &["verify-health", "verify-running"],
    });
}

#[test]
fn anclora_redis_connection_failures() {
    drill(&Drill {
        seed: "001",
        playbook: "redis-connection-failures",
        system: Some("anclora"),
        fault: "redis-down",
        fault_args: &[],
        settled: None,
        answers: "decisions:\n  which-option-fits: \"Option 1\"\n",
        detects: &[("redis-ping", "fail")],
        branch: "which-option-fits",
        decides: Some("Option 1"),
        action: "restart-redis",
        verifies: &["verify-redis", "verify-app-health"],
    });
}

#[test]
fn anclora_queue_backlog_20000_jobs() {
    drill(&Drill {
        seed: "001",
        playbook: "queue-backlog",
        system: Some("anclora"),
        fault: "bull-backlog",
        fault_args: &["20000"],
        settled: None,
        answers: "decisions:\n  which-option-fits: \"Option 1\"\n",
        detects: &[("queue-metrics", "find")],
        branch: "which-option-fits",
        decides: Some("Option 1"),
        action: "scale-up-workers",
        verifies: &["verify-backlog"],
    });
}

// ---------------------------------------------------------------- Chatbot operations (seed 002)

#[test]
fn chatbot_component_diagnosis_postgres_down() {
    drill(&Drill {
        seed: "002",
        playbook: "component-diagnosis",
        system: Some("chatbot"),
        fault: "pg-down",
        fault_args: &[],
        settled: None,
        answers: "",
        detects: &[("postgres-ready", "fail")],
        branch: "postgres-ready",
        decides: None,
        action: "restart-postgres",
        verifies: &["verify-healthz"],
    });
}

#[test]
fn chatbot_component_diagnosis_redis_down() {
    drill(&Drill {
        seed: "002",
        playbook: "component-diagnosis",
        system: Some("chatbot"),
        fault: "redis-down",
        fault_args: &[],
        settled: None,
        answers: "",
        detects: &[("redis-ping", "fail")],
        branch: "redis-ping",
        decides: None,
        action: "restart-redis",
        verifies: &["verify-healthz"],
    });
}

// ---------------------------------------------------------------- Chatbot troubleshooting (seed 003)

#[test]
fn chatbot_healthz_503_postgres_down() {
    drill(&Drill {
        seed: "003",
        playbook: "healthz-503",
        system: Some("chatbot"),
        fault: "pg-down",
        fault_args: &[],
        settled: None,
        answers: "decisions:\n  se-ha-corregido-database_url-host-puerto: \"No\"\n",
        detects: &[("healthz", "fail"), ("pg-isready", "fail")],
        branch: "pg-isready",
        decides: None,
        action: "restart-postgres",
        verifies: &["verify-healthz"],
    });
}

#[test]
fn chatbot_redis_not_responding() {
    drill(&Drill {
        seed: "003",
        playbook: "redis-not-responding",
        system: Some("chatbot"),
        fault: "redis-down",
        fault_args: &[],
        settled: None,
        answers: "decisions:\n  redis_password-coincide-con-el: \"Sí\"\n",
        detects: &[("ping", "fail"), ("container-state", "fail")],
        branch: "container-state",
        decides: None,
        action: "restart-redis",
        verifies: &["verify-ping"],
    });
}

#[test]
fn chatbot_queue_not_draining_worker_down() {
    drill(&Drill {
        seed: "003",
        playbook: "queue-not-draining",
        system: Some("chatbot"),
        fault: "worker-down",
        fault_args: &[],
        settled: None,
        answers: "",
        detects: &[("worker-running", "fail")],
        branch: "worker-running",
        decides: None,
        action: "restart-worker",
        verifies: &["verify-worker", "verify-whatsapp-status"],
    });
}

// ---------------------------------------------------------------- Pedidos (seed 004)

#[test]
fn pedidos_redis_disconnected() {
    drill(&Drill {
        seed: "004",
        playbook: "pedidos-redis-disconnected",
        system: Some("pedidos"),
        fault: "redis-down",
        fault_args: &[],
        settled: None,
        answers: "",
        detects: &[("redis-running", "fail")],
        branch: "redis-running",
        decides: None,
        action: "restart-redis",
        verifies: &["verify-ping", "verify-health-redis"],
    });
}

#[test]
fn pedidos_db_connection_errors() {
    drill(&Drill {
        seed: "004",
        playbook: "pedidos-db-connection",
        system: Some("pedidos"),
        fault: "pg-down",
        fault_args: &[],
        settled: None,
        answers: "",
        detects: &[("postgres-running", "fail")],
        branch: "postgres-running",
        decides: None,
        action: "restart-postgres",
        verifies: &["verify-health-db"],
    });
}

#[test]
fn pedidos_api_answers_503() {
    drill(&Drill {
        seed: "004",
        playbook: "pedidos-api-down",
        system: Some("pedidos"),
        fault: "api-503",
        fault_args: &[],
        settled: None,
        answers: "",
        detects: &[("api-logs", "find"), ("health", "fail")],
        branch: "health",
        decides: None,
        action: "restart-api",
        verifies: &["verify-health"],
    });
}

#[test]
fn pedidos_payments_not_processing() {
    drill(&Drill {
        seed: "004",
        playbook: "pedidos-payments-stuck",
        system: Some("pedidos"),
        fault: "payments-failing",
        fault_args: &[],
        settled: None,
        answers: "decisions:\n  se-ha-corregido-la-causa-de-los-fallos: \"Sí\"\n",
        detects: &[("failed-jobs", "find")],
        branch: "se-ha-corregido-la-causa-de-los-fallos",
        decides: Some("Sí"),
        action: "retry-failed-jobs",
        verifies: &["verify-payments"],
    });
}
