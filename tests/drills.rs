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

use common::{example_answers, run_playbook, Lab, RunOptions, Session};
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
    // What a person would answer, the same for the healthy and the faulted run.
    let answers = example_answers(d.playbook);
    let opts = RunOptions {
        playbook: d.playbook,
        answers: &answers,
        system: d.system,
        allow_destructive: true,
        vars: &[],
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
    publish(&line, &injected);
}

/// One summary line per drill, on stderr and in `$CARGO_TARGET_TMPDIR/drills.txt`.
fn publish(line: &str, detail: &str) {
    eprintln!("DRILL {line}\n      ({detail})");
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

#[test]
fn remember_me_worker_down_jobs_pile_up() {
    drill(&Drill {
        seed: "000",
        playbook: "jobs-backlog",
        system: Some("remember-me"),
        fault: "worker-down",
        fault_args: &[],
        settled: None,
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
        detects: &[("failed-jobs", "find")],
        branch: "se-ha-corregido-la-causa-de-los-fallos",
        decides: Some("Sí"),
        action: "retry-failed-jobs",
        verifies: &["verify-payments"],
    });
}

// ---------------------------------------------------------------- Chatbot procedures (seed 002)
//
// A procedure (the shift checklist, backup, restore, DR, deploy, rollback) changes the
// lab on purpose, so its healthy run is the real operation, and what it did is checked
// in the lab itself (rows, files, schema, processes), not only through the session's own
// checks. The faulted run breaks what the procedure depends on: the session must notice
// it, stop before doing harm, and end escalated (exit 1) to the level that fits.

/// The sessions of one procedure drill, for its summary line.
struct Procedure<'a> {
    lab: &'a Lab,
    seed: &'static str,
    name: &'static str,
    fault: &'static str,
    started: Instant,
    runs: Vec<String>,
}

impl<'a> Procedure<'a> {
    fn new(lab: &'a Lab, seed: &'static str, name: &'static str, fault: &'static str) -> Self {
        Procedure {
            lab,
            seed,
            name,
            fault,
            // Counted from before `up`, as the other drills count their total.
            started: Instant::now()
                .checked_sub(lab.started)
                .unwrap_or_else(Instant::now),
            runs: Vec::new(),
        }
    }

    /// `runbook run PLAYBOOK` on the chatbot lab with `examples/answers/PLAYBOOK.yaml`.
    fn run(
        &mut self,
        label: &str,
        playbook: &str,
        allow_destructive: bool,
        vars: &[(&str, &str)],
    ) -> Session {
        let answers = example_answers(playbook);
        let s = run_playbook(
            self.lab,
            label,
            &RunOptions {
                playbook,
                answers: &answers,
                system: Some("chatbot"),
                allow_destructive,
                vars,
            },
        );
        s.assert_record();
        s.assert_no_secrets(self.lab);
        s
    }

    /// Notes a finished session for the summary: `label=playbook:status[:how] TIME`.
    fn note(&mut self, label: &str, s: &Session, how: &str) {
        let how = if how.is_empty() {
            String::new()
        } else {
            format!(":{how}")
        };
        self.runs.push(format!(
            "{label}={}:{}{how}({:.1}s)",
            playbook_of(s),
            s.status(),
            s.took.as_secs_f64()
        ));
    }

    fn publish(self, detail: &str) {
        let line = format!(
            "{:<4} {:<27} fault={:<16} {} total={:.1}s",
            self.seed,
            self.name,
            self.fault,
            self.runs.join(" "),
            self.started.elapsed().as_secs_f64()
        );
        publish(&line, detail);
    }
}

fn playbook_of(s: &Session) -> String {
    s.events
        .iter()
        .find(|e| e["kind"] == "session_started")
        .and_then(|e| e["playbook"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Each step ended with the given outcome.
fn expect_steps(s: &Session, what: &str, steps: &[(&str, &str)]) {
    for (step, outcome) in steps {
        assert_eq!(
            s.outcome(step).as_deref(),
            Some(*outcome),
            "{what}: step {step}\n{}",
            s.report()
        );
    }
}

/// None of these steps ran (the session stopped before them).
fn expect_not_run(s: &Session, what: &str, steps: &[&str]) {
    for step in steps {
        assert!(
            s.outcome(step).is_none(),
            "{what}: {step} must not run\n{}",
            s.report()
        );
    }
}

fn expect_resolved(s: &Session, what: &str) {
    assert_eq!(
        (s.status().as_str(), s.code),
        ("resolved", 0),
        "{what}\n{}",
        s.report()
    );
}

/// Ended escalated (exit 1) right after `at`, to a level that mentions `level_has`.
fn expect_escalated(s: &Session, what: &str, at: &str, level_has: &str) {
    assert_eq!(
        (s.status().as_str(), s.code),
        ("escalated", 1),
        "{what}\n{}",
        s.report()
    );
    let path = s.path();
    assert_eq!(
        path.last().map(String::as_str),
        Some(at),
        "{what}: the last step run must be {at}\n{}",
        s.report()
    );
    let level = s.level().unwrap_or_default();
    assert!(
        level.contains(level_has),
        "{what}: escalation level {level:?} must mention {level_has:?}\n{}",
        s.report()
    );
}

/// The playbook an escalation hands over to: `runbook run ID` in its level.
fn handoff(s: &Session) -> String {
    let level = s.level().unwrap_or_default();
    let id = level
        .split("runbook run ")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        })
        .unwrap_or_default();
    assert!(
        !id.is_empty(),
        "no `runbook run ID` in the escalation level {level:?}"
    );
    id
}

/// A one-line SQL answer from the lab's chatbot database (as the superuser).
fn chatbot_sql(lab: &Lab, db: &str, sql: &str) -> String {
    lab.sh_ok(&format!("psql -d {db} -tAc \"{sql}\""))
        .trim()
        .to_string()
}

/// The newest `chatbot_*.dump` in the lab's BACKUP_DIR.
fn newest_dump(lab: &Lab) -> String {
    lab.sh_ok(r#"ls -t "$BACKUP_DIR"/chatbot_*.dump | head -1"#)
        .trim()
        .to_string()
}

/// A copy of `dump` missing its last 100 bytes (a backup cut short), named `name` in
/// BACKUP_DIR and one minute newer than everything there.
fn truncated_copy(lab: &Lab, dump: &str, name: &str) -> String {
    let out = format!("{}/{name}", lab.var("BACKUP_DIR"));
    lab.sh_ok(&format!(
        "size=$(stat -c %s '{dump}') && head -c $((size - 100)) '{dump}' > '{out}' && touch -d '+1 minute' '{out}'"
    ));
    out
}

const SENTINEL: &str = "DRILL_SENTINEL";

fn insert_sentinel(lab: &Lab) {
    chatbot_sql(
        lab,
        "chatbot",
        &format!("INSERT INTO audit_events (event_type, actor, detail) VALUES ('{SENTINEL}', 'drills', 'must survive a restore')"),
    );
}

fn sentinels(lab: &Lab, db: &str) -> String {
    chatbot_sql(
        lab,
        db,
        &format!("SELECT count(*) FROM audit_events WHERE event_type = '{SENTINEL}'"),
    )
}

#[test]
fn chatbot_shift_start_checklist_hands_off_to_component_diagnosis() {
    let lab = Lab::up();
    let mut p = Procedure::new(&lab, "002", "shift-start-checklist", "worker-down");

    let healthy = p.run("healthy", "shift-start-checklist", false, &[]);
    expect_resolved(&healthy, "the checklist on a healthy lab");
    assert!(
        healthy.troubles().is_empty(),
        "a healthy lab must show no trouble\n{}",
        healthy.report()
    );
    p.note("healthy", &healthy, "");

    let injected = lab.fault("worker-down", &[]);
    let found = p.run("fault", "shift-start-checklist", false, &[]);
    expect_steps(&found, "the checklist", &[("containers", "find")]);
    expect_escalated(
        &found,
        "a stopped worker-web ends the checklist escalated",
        "containers",
        "runbook run component-diagnosis",
    );
    expect_not_run(&found, "the checklist", &["healthz", "container-stats"]);
    p.note("fault", &found, "containers:find->escalado");

    // The person follows the handoff: the playbook the escalation names fixes it.
    let next = handoff(&found);
    let fixed = p.run("handoff", &next, true, &[]);
    expect_steps(
        &fixed,
        "the handoff",
        &[
            ("worker-running", "fail"),
            ("restart-worker", "ok"),
            ("verify-worker", "ok"),
            ("verify-healthz", "ok"),
        ],
    );
    assert_eq!(
        fixed.next_of("worker-running").as_deref(),
        Some("restart-worker"),
        "{}",
        fixed.report()
    );
    expect_resolved(&fixed, "component-diagnosis after the checklist's handoff");
    assert!(lab.sh_ok("docker compose ps worker-web").contains(" Up "));
    p.note("handoff", &fixed, "worker-running:fail->restart-worker");
    p.publish(&injected);
}

#[test]
fn chatbot_postgres_backup_then_restore() {
    let lab = Lab::up();
    let mut p = Procedure::new(&lab, "002", "postgres-backup+restore", "data-loss");
    insert_sentinel(&lab);

    // A real pg_dump, with no permission to destroy anything.
    let backup = p.run("backup", "postgres-backup", false, &[]);
    expect_steps(
        &backup,
        "the backup",
        &[
            ("pg-dump", "ok"),
            ("validate-backup", "ok"),
            ("backup-reads-whole", "ok"),
        ],
    );
    expect_resolved(&backup, "a backup of a healthy lab");
    let dump = newest_dump(&lab);
    assert!(
        lab.sh_ok(&format!("pg_restore -l '{dump}'"))
            .contains("TABLE DATA public audit_events"),
        "the dump {dump} holds the audit_events rows"
    );
    p.note("backup", &backup, "");

    // Data loss on the live database, then the restore into a separate one.
    chatbot_sql(
        &lab,
        "chatbot",
        &format!("DELETE FROM audit_events WHERE event_type = '{SENTINEL}'"),
    );
    let restore = p.run(
        "restore",
        "postgres-restore",
        true,
        &[("BACKUP_FILE", &dump)],
    );
    expect_steps(
        &restore,
        "the restore",
        &[
            ("backup-readable", "ok"),
            ("backup-complete", "ok"),
            ("create-restore-db", "ok"),
            ("restore-dump", "ok"),
            ("consistency-check", "ok"),
            ("restored-tables", "ok"),
        ],
    );
    expect_resolved(&restore, "a restore of a good dump");
    assert_eq!(
        sentinels(&lab, "chatbot_restore"),
        "1",
        "the lost row is back in chatbot_restore"
    );
    assert_eq!(
        sentinels(&lab, "chatbot"),
        "0",
        "the live database is left alone"
    );
    p.note("restore", &restore, "restored-tables:ok");

    // A dump cut short keeps a readable index: only reading it whole finds out, and
    // the session stops before creating anything.
    let cut = truncated_copy(&lab, &dump, "chatbot_cut.dump");
    let refused = p.run(
        "restore-cut",
        "postgres-restore",
        true,
        &[("BACKUP_FILE", &cut), ("RESTORE_DB", "chatbot_restore_cut")],
    );
    expect_steps(
        &refused,
        "a cut dump",
        &[("backup-readable", "ok"), ("backup-complete", "fail")],
    );
    expect_escalated(&refused, "a cut dump", "backup-complete", "Nivel 3");
    expect_not_run(
        &refused,
        "a cut dump",
        &["create-restore-db", "restore-dump"],
    );
    assert_eq!(
        chatbot_sql(
            &lab,
            "postgres",
            "SELECT count(*) FROM pg_database WHERE datname = 'chatbot_restore_cut'"
        ),
        "0"
    );
    p.note("restore-cut", &refused, "backup-complete:fail->escalado");

    // PostgreSQL down: pg_dump fails, and the good dump of this same minute survives.
    let size = lab.sh_ok(&format!("stat -c %s '{dump}'"));
    let injected = lab.fault("pg-down", &[]);
    let failed = p.run("backup-pg-down", "postgres-backup", false, &[]);
    expect_steps(
        &failed,
        "a backup with PostgreSQL down",
        &[("pg-dump", "fail")],
    );
    expect_escalated(
        &failed,
        "a backup with PostgreSQL down",
        "pg-dump",
        "Data owner",
    );
    expect_not_run(
        &failed,
        "a backup with PostgreSQL down",
        &["validate-backup"],
    );
    assert_eq!(
        lab.sh_ok(&format!("stat -c %s '{dump}'")),
        size,
        "the good dump is intact"
    );
    assert_eq!(newest_dump(&lab), cut, "no empty dump was left behind");
    p.note("backup-pg-down", &failed, "pg-dump:fail->escalado");
    p.publish(&injected);
}

#[test]
fn chatbot_disaster_recovery_skips_a_cut_backup() {
    let lab = Lab::up();
    let mut p = Procedure::new(&lab, "002", "disaster-recovery", "data-loss+down");
    insert_sentinel(&lab);
    let backup = p.run("backup", "postgres-backup", false, &[]);
    expect_resolved(&backup, "the backup DR restores from");
    let good = newest_dump(&lab);
    p.note("backup", &backup, "");

    // The disaster: data lost, every service stopped, and the last backup (taken
    // while it happened) cut short. With no valid dump the DR stops before restoring.
    lab.sh_ok(&format!("mv '{good}' '{good}.hold'"));
    let cut = truncated_copy(&lab, &format!("{good}.hold"), "chatbot_29991231_2359.dump");
    chatbot_sql(
        &lab,
        "chatbot",
        "DELETE FROM audit_events; DROP TABLE messages",
    );
    let down = lab.sh_ok("docker compose down");
    let stuck = p.run("no-valid-backup", "disaster-recovery", true, &[]);
    expect_steps(
        &stuck,
        "DR with no valid dump",
        &[("alt-infra-up", "ok"), ("latest-valid-backup", "fail")],
    );
    expect_escalated(
        &stuck,
        "DR with no valid dump",
        "latest-valid-backup",
        "Nivel 3",
    );
    expect_not_run(
        &stuck,
        "DR with no valid dump",
        &["restore-latest", "rehydrate"],
    );
    p.note(
        "no-valid-backup",
        &stuck,
        "latest-valid-backup:fail->escalado",
    );

    // The good dump found again: DR skips the cut one and restores it.
    lab.sh_ok(&format!("mv '{good}.hold' '{good}'"));
    let dr = p.run("recover", "disaster-recovery", true, &[]);
    expect_steps(
        &dr,
        "DR",
        &[
            ("alt-infra-up", "ok"),
            ("latest-valid-backup", "ok"),
            ("restore-latest", "ok"),
            ("rehydrate", "ok"),
            ("verify-healthz", "ok"),
        ],
    );
    expect_resolved(&dr, "DR from the newest valid dump");
    assert!(
        dr.stdout
            .contains(&format!("descartado (no se lee entero): {cut}")),
        "the cut dump is skipped\n{}",
        dr.report()
    );
    assert_eq!(sentinels(&lab, "chatbot"), "1", "the lost rows are back");
    // The dropped table is back (psql fails on a missing table).
    chatbot_sql(&lab, "chatbot", "SELECT count(*) FROM messages");
    let ps = lab.sh_ok("docker compose ps");
    for service in ["api", "worker", "scheduler", "redis", "postgres"] {
        assert!(
            ps.lines()
                .any(|l| l.contains(&format!("runbook-lab-{service}-1")) && l.contains(" Up ")),
            "{service} runs again after DR:\n{ps}"
        );
    }
    p.note("recover", &dr, "skipped-cut-dump,restore-latest:ok");
    p.publish(&format!(
        "audit_events emptied, messages dropped, every service stopped ({} lines of compose down), newest dump cut short",
        down.lines().count()
    ));
}

fn lockout_columns(lab: &Lab) -> String {
    chatbot_sql(
        lab,
        "chatbot",
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name IN ('failed_attempts', 'locked_until')",
    )
}

fn alembic_current(lab: &Lab) -> String {
    lab.sh_ok("alembic current")
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn chatbot_deploy_backs_up_then_migrates() {
    let lab = Lab::up();
    let mut p = Procedure::new(&lab, "002", "chatbot-deploy", "pg-down");
    // The lab one migration behind: the release to deploy brings the lockout columns.
    lab.sh_ok("alembic downgrade -1");
    assert_eq!(lockout_columns(&lab), "0");

    // No backup, no deploy: nothing after the failed backup runs.
    let injected = lab.fault("pg-down", &[]);
    let refused = p.run("no-backup", "chatbot-deploy", true, &[]);
    expect_steps(
        &refused,
        "a deploy with PostgreSQL down",
        &[("backup-db", "fail")],
    );
    expect_escalated(
        &refused,
        "a deploy with PostgreSQL down",
        "backup-db",
        "Nivel 3",
    );
    expect_not_run(
        &refused,
        "a deploy with PostgreSQL down",
        &["build-images", "migrate", "restart-in-order"],
    );
    p.note("no-backup", &refused, "backup-db:fail->escalado");

    lab.sh_ok("docker compose start postgres");
    assert_eq!(
        alembic_current(&lab),
        "9f8e7d6c5b4a",
        "the refused deploy migrated nothing"
    );
    let deploy = p.run("deploy", "chatbot-deploy", true, &[]);
    expect_steps(
        &deploy,
        "the deploy",
        &[
            ("backup-db", "ok"),
            ("build-images", "ok"),
            ("migrate", "ok"),
            ("restart-in-order", "ok"),
            ("verify-healthz", "ok"),
        ],
    );
    expect_resolved(&deploy, "a deploy on a healthy lab");
    assert_eq!(alembic_current(&lab), "c41f7a9e2b10 (head)");
    assert_eq!(
        lockout_columns(&lab),
        "2",
        "the release's migration ran for real"
    );
    let dump = newest_dump(&lab);
    lab.sh_ok(&format!("pg_restore -f /dev/null '{dump}'"));
    p.note("deploy", &deploy, "migrate:ok");
    p.publish(&injected);
}

#[test]
fn chatbot_bad_release_smoke_test_then_rollback() {
    let lab = Lab::up();
    let mut p = Procedure::new(&lab, "002", "smoke-test+rollback", "api-503");
    let smoke_steps = [
        ("admin-session", "ok"),
        ("ws-token", "ok"),
        ("dashboard", "ok"),
        ("send-test-message", "ok"),
        ("audit-event", "ok"),
    ];
    let healthy = p.run("smoke", "post-deploy-smoke-test", false, &[]);
    expect_steps(&healthy, "the smoke test of a good release", &smoke_steps);
    expect_resolved(&healthy, "the smoke test of a good release");
    p.note("smoke", &healthy, "");

    // The release (at the head migration) is bad: the api answers 503.
    let injected = lab.fault("api-503", &[]);
    let failed = p.run("smoke-bad", "post-deploy-smoke-test", false, &[]);
    expect_steps(
        &failed,
        "the smoke test of a bad release",
        &[("admin-session", "fail")],
    );
    assert!(
        failed.decisions().iter().any(|(step, choice)| step
            == "el-fallo-afecta-a-login-envio-o-webhooks"
            && choice == "Sí"),
        "{}",
        failed.report()
    );
    expect_escalated(
        &failed,
        "the smoke test of a bad release",
        "admin-session",
        "runbook run chatbot-rollback",
    );
    p.note("smoke-bad", &failed, "admin-session:fail->Sí->escalado");

    let api_before = lab.sh_ok(r#"cat "$LAB_DIR/run/api.pid""#);
    let rollback = p.run("rollback", &handoff(&failed), true, &[]);
    expect_steps(
        &rollback,
        "the rollback",
        &[
            ("image-tags", "ok"),
            ("revert-migration", "ok"),
            ("verify-downgrade", "ok"),
            ("compose-down", "ok"),
            ("compose-up", "ok"),
            ("verify-healthz", "ok"),
        ],
    );
    expect_resolved(&rollback, "the rollback of a bad release");
    assert_eq!(alembic_current(&lab), "9f8e7d6c5b4a", "one revision back");
    assert_eq!(
        lockout_columns(&lab),
        "0",
        "the release's schema change is reverted"
    );
    let api_after = lab.sh_ok(r#"cat "$LAB_DIR/run/api.pid""#);
    assert_ne!(
        api_before.trim(),
        api_after.trim(),
        "the rollback replaced the api process"
    );
    p.note(
        "rollback",
        &rollback,
        "revert-migration:ok,compose-down/up:ok",
    );

    let again = p.run("smoke-after", "post-deploy-smoke-test", false, &[]);
    expect_steps(&again, "the smoke test after the rollback", &smoke_steps);
    expect_resolved(&again, "the smoke test after the rollback");
    p.note("smoke-after", &again, "");
    p.publish(&injected);
}
