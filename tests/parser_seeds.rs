//! The five seed runbooks, unmodified: the acceptance examples of issue 2 and a
//! reviewed snapshot of `graph --format json` for every incident section.

use runbook::graph::{EdgeOn, ExpectKind, FindKind, Node, NodeKind, Playbook};
use runbook::markdown::{self, ParsedDoc};
use std::path::Path;

const SEEDS: [&str; 5] = [
    "000_3ae160e69951683b.txt",
    "001_b18540f57ebd0037.txt",
    "002_92f93a2b4eeee815.txt",
    "003_094d870d71ef5eb9.txt",
    "004_0b5c6994c1168a24.txt",
];

fn doc(file: &str) -> ParsedDoc {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("seed");
    // A stable, relative source in the snapshots.
    markdown::parse_detailed(&text, &Path::new("seeds").join(file)).expect("seed parses")
}

fn section(file: &str, slug: &str) -> Playbook {
    let d = doc(file);
    d.sections
        .into_iter()
        .find(|s| s.slug == slug)
        .unwrap_or_else(|| panic!("no section {slug}"))
        .playbook
}

fn node<'a>(p: &'a Playbook, id: &str) -> &'a Node {
    p.node(id)
        .unwrap_or_else(|| panic!("no node {id} in {:#?}", ids(p)))
}

fn ids(p: &Playbook) -> Vec<&str> {
    p.nodes.iter().map(|n| n.id.as_str()).collect()
}

fn commands(p: &Playbook) -> Vec<&Node> {
    p.nodes.iter().filter(|n| n.command.is_some()).collect()
}

fn finding_values(n: &Node) -> Vec<(FindKind, &str)> {
    n.findings
        .iter()
        .map(|f| (f.kind, f.value.as_str()))
        .collect()
}

#[test]
fn every_seed_parses_into_incident_sections() {
    let counts: Vec<usize> = SEEDS.iter().map(|s| doc(s).incidents().count()).collect();
    assert_eq!(counts, vec![4, 8, 6, 16, 8]);
    for seed in SEEDS {
        for p in doc(seed).into_incidents() {
            assert!(p.source.starts_with("seeds/"), "{}", p.source);
            assert!(p.source.ends_with(&format!("#{}", p.id)));
            assert_eq!(p.nodes.last().map(|n| n.kind), Some(NodeKind::End));
            assert!(p.nodes.iter().all(|n| n.line > 0));
            let mut seen = std::collections::HashSet::new();
            assert!(
                p.nodes.iter().all(|n| seen.insert(n.id.clone())),
                "unique ids in {}",
                p.id
            );
        }
    }
}

#[test]
fn reference_sections_are_not_listed_but_still_parse() {
    let d = doc(SEEDS[0]);
    let listed: Vec<&str> = d.incidents().map(|p| p.id.as_str()).collect();
    assert_eq!(
        listed,
        vec![
            "jobs-acumulados",
            "webhooks-fallan",
            "rate-limit-pegando",
            "mensajes-failed"
        ]
    );
    assert!(d
        .sections
        .iter()
        .any(|s| s.slug == "monitoring-alerting" || s.slug.starts_with("alertas")));
    let d = doc(SEEDS[1]);
    assert!(d.incidents().all(|p| p.id.starts_with("issue-")));
    assert!(d.sections.iter().any(|s| !s.incident));
}

// ----- 000 -------------------------------------------------------------------------

#[test]
fn seed000_webhooks_fallan_symptoms_and_look_for_findings() {
    let p = section(SEEDS[0], "webhooks-fallan");
    assert_eq!(p.symptoms().count(), 3);
    assert_eq!(p.lang, "es");
    let logs = node(&p, "verificar-logs-de-webhooks");
    assert_eq!(logs.kind, NodeKind::Check);
    assert_eq!(
        finding_values(logs),
        vec![
            (FindKind::Contains, "Invalid signature"),
            (FindKind::Contains, "Webhook verification failed"),
            (FindKind::Contains, "Missing raw body"),
        ]
    );
}

#[test]
fn seed000_jobs_threshold_findings() {
    let p = section(SEEDS[0], "jobs-acumulados");
    let metrics = node(&p, "verificar-metricas-de-jobs");
    let thresholds: Vec<&str> = metrics
        .findings
        .iter()
        .filter(|f| f.kind == FindKind::Threshold)
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(
        thresholds,
        vec!["pendingCount > 10", "oldestPendingAgeMs > 60000"]
    );
    // "`lastRunAt` muy antiguo" is for a person to judge: kept as text, not a finding.
    assert!(metrics.text.as_deref().unwrap_or("").contains("lastRunAt"));
    assert!(metrics
        .findings
        .iter()
        .all(|f| !f.value.contains("lastRunAt")));
}

#[test]
fn seed000_yaml_alert_rules_are_not_commands() {
    let d = doc(SEEDS[0]);
    for s in &d.sections {
        for n in &s.playbook.nodes {
            let cmd = n.command.as_deref().unwrap_or("");
            assert!(
                !cmd.contains("groups:") && !cmd.contains("alert:"),
                "{}: {cmd}",
                s.slug
            );
        }
    }
}

#[test]
fn seed000_conditional_actions_are_one_decision() {
    let p = section(SEEDS[0], "jobs-acumulados");
    let decision = p
        .nodes
        .iter()
        .find(|n| n.kind == NodeKind::Decision)
        .expect("decision");
    let labels: Vec<&str> = decision.choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "Si worker está caído",
            "Si Redis está caído",
            "Si hay jobs bloqueados (PROCESSING > 5 min)",
            "Si concurrency es bajo"
        ]
    );
    // The blocked-jobs branch is the UPDATE, destructive, not a manual note.
    let blocked = node(&p, &decision.choices[2].to);
    assert!(blocked.destructive, "{blocked:#?}");
    assert!(blocked.command.as_deref().unwrap_or("").contains("UPDATE"));
}

#[test]
fn seed000_repl_transcript_runs_the_client_per_command() {
    let p = section(SEEDS[0], "rate-limit-pegando");
    let redis = node(&p, "verificar-redis-rate-limit");
    assert_eq!(
        redis.command.as_deref(),
        Some(
            "docker-compose exec redis redis-cli KEYS 'rate_limit:*'\n\
             docker-compose exec redis redis-cli GET rate_limit:auth.login:org-123"
        )
    );
    assert!(!redis.interactive);
}

#[test]
fn seed000_placeholders_become_variables() {
    let p = section(SEEDS[0], "mensajes-failed");
    let jwt = p.variable("JWT").expect("JWT");
    assert!(jwt.secret);
    assert!(p.variable("TOKEN").is_some_and(|v| v.secret));
    assert!(p.variable("JOB_ID").is_some_and(|v| !v.secret));
    assert!(p.variable("MESSAGE_LOG_ID").is_some());
}

// ----- 001 -------------------------------------------------------------------------

#[test]
fn seed001_numbered_comment_headers_split_the_diagnostic_block() {
    let p = section(SEEDS[1], "issue-application-down-503-errors");
    assert_eq!(p.severity.as_deref(), Some("sev1"));
    let checks: Vec<&Node> = p
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Check)
        .collect();
    let titles: Vec<&str> = checks.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Check ECS service status",
            "Check task status",
            "Check stopped tasks",
            // A watch of `aws ecs describe-services` only inspects, even under the fix.
            "Monitor recovery"
        ]
    );
    assert!(checks[0]
        .command
        .as_deref()
        .unwrap()
        .starts_with("aws ecs describe-services"));
    assert_eq!(checks[0].line, 19);
}

#[test]
fn seed001_options_are_one_decision_never_a_sequence() {
    let p = section(SEEDS[1], "issue-application-down-503-errors");
    let decisions: Vec<&Node> = p
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Decision)
        .collect();
    assert_eq!(decisions.len(), 1);
    let d = decisions[0];
    let labels: Vec<&str> = d.choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "Option 1: Force new deployment",
            "Option 2: Scale up desired count",
            "Option 3: Rollback to previous version"
        ]
    );
    let alternatives: Vec<&str> = d.choices.iter().map(|c| c.to.as_str()).collect();
    // No alternative leads to another alternative: each rejoins at the monitor step.
    for e in &p.edges {
        if alternatives.contains(&e.from.as_str()) {
            assert!(!alternatives.contains(&e.to.as_str()), "{e:?}");
            assert_eq!(e.to, "monitor-recovery");
        }
    }
    assert!(
        node(&p, alternatives[0]).destructive,
        "--force-new-deployment"
    );
    let monitor = node(&p, "monitor-recovery");
    assert!(monitor.watch, "watch -n 5 is a watch step");
    assert!(monitor
        .command
        .as_deref()
        .unwrap()
        .starts_with("watch -n 5"));
}

#[test]
fn seed001_prevention_items_and_destructive_redis_actions() {
    let p = section(SEEDS[1], "issue-redis-connection-failures");
    assert_eq!(
        p.prevention,
        vec![
            "Connection pooling (max 20 connections)",
            "Connection timeout configuration",
            "Health checks on Redis",
            "Redis cluster for HA"
        ]
    );
    assert!(p.variable("REDIS_HOST").is_some());
    let kill = commands(&p)
        .into_iter()
        .find(|n| n.command.as_deref().unwrap().contains("CLIENT KILL"))
        .unwrap();
    assert!(kill.destructive);
    assert_eq!(kill.kind, NodeKind::Action);
    let ping = node(&p, "check-redis-connectivity");
    assert!(!ping.destructive);
}

#[test]
fn seed001_todo_comments_are_a_manual_step_and_mojibake_headings_do_not_break_slugs() {
    let p = section(SEEDS[1], "issue-high-memory-usage-oom-kills");
    let todo = node(&p, "long-term-fix-memory-leaks");
    assert_eq!(todo.kind, NodeKind::Manual);
    assert!(todo
        .text
        .as_deref()
        .unwrap()
        .contains("Analyze heap snapshots"));
    let d = doc(SEEDS[1]);
    for s in &d.sections {
        assert!(
            s.slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'),
            "{}",
            s.slug
        );
    }
    assert!(d
        .sections
        .iter()
        .any(|s| s.slug == "diagnostic-commands" || s.slug == "system-health"));
}

#[test]
fn seed001_never_ending_commands_are_watch_steps() {
    let p = section(SEEDS[1], "issue-missing-metrics-in-grafana");
    let tail = commands(&p)
        .into_iter()
        .find(|n| n.command.as_deref().unwrap().starts_with("tail -f"))
        .unwrap();
    assert!(tail.watch);
}

// ----- 002 -------------------------------------------------------------------------

#[test]
fn seed002_destructive_and_defaults() {
    let rollback = section(SEEDS[2], "10-rollback-estandar");
    let down = commands(&rollback)
        .into_iter()
        .find(|n| n.command.as_deref() == Some("docker compose down"))
        .unwrap();
    assert!(down.destructive);
    let restore = section(SEEDS[2], "12-restore-de-postgresql");
    let pg_restore = commands(&restore)
        .into_iter()
        .find(|n| n.command.as_deref().unwrap().starts_with("pg_restore"))
        .unwrap();
    assert!(pg_restore.destructive);
    let backup = section(SEEDS[2], "11-backup-de-postgresql");
    let listing = commands(&backup)
        .into_iter()
        .find(|n| n.command.as_deref().unwrap().starts_with("pg_restore -l"))
        .unwrap();
    assert!(!listing.destructive, "pg_restore -l only lists");
    let components = section(SEEDS[2], "15-diagnostico-rapido-por-componente");
    let user = components.variable("POSTGRES_USER").unwrap();
    assert_eq!(user.default.as_deref(), Some("chatbot"));
    assert!(components.variable("REDIS_PASSWORD").unwrap().secret);
    assert_eq!(
        components
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Check)
            .count(),
        5,
        "one check per component"
    );
}

// ----- 003 -------------------------------------------------------------------------

#[test]
fn seed003_decision_tree_and_http_status_expectation() {
    let p = section(SEEDS[3], "1-401-en-endpoints-protegidos");
    let d = p
        .nodes
        .iter()
        .find(|n| n.kind == NodeKind::Decision)
        .unwrap();
    assert_eq!(d.title, "¿Falla solo un usuario?");
    let labels: Vec<&str> = d.choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, vec!["Sí", "No"]);
    assert_eq!(
        node(&p, &d.choices[0].to).title,
        "revisar credenciales y expiración de token"
    );
    assert_eq!(
        node(&p, &d.choices[1].to).title,
        "revisar JWT_SECRET y reloj del servidor"
    );
    for c in &d.choices {
        assert!(p
            .edges
            .iter()
            .any(|e| e.from == d.id && e.to == c.to && e.on == EdgeOn::Choice(c.label.clone())));
    }
    let curl = commands(&p)[0];
    assert!(curl
        .expect
        .iter()
        .any(|e| e.kind == ExpectKind::Status && e.value == "200"));
    // "Si falla" is what happens when that check fails.
    let fail = p
        .edges
        .iter()
        .find(|e| e.from == curl.id && e.on == EdgeOn::Fail)
        .expect("fail edge");
    assert_eq!(node(&p, &fail.to).kind, NodeKind::Manual);
    assert!(p.variable("TOKEN").is_some_and(|v| v.secret));
}

#[test]
fn seed003_redis_expects_pong_and_causes_become_hypotheses() {
    let p = section(SEEDS[3], "6-redis-no-responde");
    let ping = commands(&p)[0];
    assert!(ping.command.as_deref().unwrap().ends_with("ping"));
    assert!(ping
        .expect
        .iter()
        .any(|e| e.kind == ExpectKind::Contains && e.value == "PONG"));
    let ws = section(SEEDS[3], "3-websocket-de-metricas-no-conecta");
    assert_eq!(
        ws.hypotheses,
        vec![
            "Token enviado en query string (rechazado).",
            "Scope inválido en token WS.",
            "Token expirado."
        ]
    );
    let ui = section(SEEDS[3], "10-ui-carga-pero-acciones-fallan");
    assert_eq!(ui.hypotheses.len(), 3, "Causas comunes");
}

// ----- 004 -------------------------------------------------------------------------

#[test]
fn seed004_pong_from_the_comment() {
    let p = section(SEEDS[4], "redis-desconectado");
    let ping = commands(&p)
        .into_iter()
        .find(|n| n.command.as_deref().unwrap().contains("PING"))
        .unwrap();
    assert_eq!(ping.title, "Verificar conectividad");
    assert_eq!(ping.expect.len(), 1);
    assert_eq!(ping.expect[0].value, "PONG");
    let restart = node(&p, "reiniciar");
    assert!(restart.destructive);
}

#[test]
fn seed004_destructive_detection() {
    let d = doc(SEEDS[4]);
    let all: Vec<&Node> = d
        .sections
        .iter()
        .flat_map(|s| s.playbook.nodes.iter())
        .filter(|n| n.command.is_some())
        .collect();
    let flagged = |needle: &str| {
        all.iter()
            .filter(|n| n.command.as_deref().unwrap().contains(needle))
            .all(|n| n.destructive)
    };
    assert!(flagged("FLUSHALL"));
    assert!(flagged("xargs redis-cli DEL"));
    assert!(flagged("git revert"));
    assert!(flagged("UPDATE tenants"));
    assert!(flagged("gunzip -c"), "a restore through psql");
    assert!(all
        .iter()
        .filter(|n| n.command.as_deref() == Some("git log --oneline -10"))
        .all(|n| !n.destructive));
}

#[test]
fn seed004_unlabeled_prose_fences_and_crontab_are_not_commands() {
    let d = doc(SEEDS[4]);
    for s in &d.sections {
        for n in &s.playbook.nodes {
            let cmd = n.command.as_deref().unwrap_or("");
            assert!(!cmd.contains("Severidad"), "{cmd}");
            assert!(!cmd.starts_with("0 2 * * *"), "{cmd}");
        }
    }
}

// ----- snapshots ---------------------------------------------------------------------

#[test]
fn graph_json_snapshots_of_every_incident_section() {
    for seed in SEEDS {
        let stem = &seed[..3];
        for p in doc(seed).into_incidents() {
            insta::assert_json_snapshot!(format!("seed{stem}__{}", p.id), p);
        }
    }
}
