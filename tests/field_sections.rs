//! Which sections of a real runbook are incidents, what their parts are called, and
//! what the document says about severity and escalation: single-incident documents
//! with sub-headed parts, numbered incident headings, fence-less incidents, stacked
//! bold labels, qualified role names, severity fields and the Spanish "escalar".

use runbook::graph::{NodeKind, Playbook};
use runbook::markdown;
use std::path::Path;

fn parse_as(md: &str, file: &str) -> Vec<Playbook> {
    markdown::parse_document(md, Path::new(file)).expect("parses")
}

fn parse(md: &str) -> Vec<Playbook> {
    parse_as(md, "doc.md")
}

fn ids(books: &[Playbook]) -> Vec<&str> {
    books.iter().map(|p| p.id.as_str()).collect()
}

fn kinds(p: &Playbook) -> Vec<NodeKind> {
    p.nodes.iter().map(|n| n.kind).collect()
}

fn commands(p: &Playbook) -> Vec<&str> {
    p.nodes
        .iter()
        .filter_map(|n| n.command.as_deref())
        .collect()
}

const SINGLE: &str = "# Worker backlog

## First and foremost

Tell the channel you are on it.

## Symptoms

- Jobs wait in the `mail` queue for minutes.

## Investigation

### Are the workers up

```bash
systemctl status mailer
```

### How deep is the queue

```bash
redis-cli llen queue:mail
```

## Resolution

### Restart the workers

```bash
sudo systemctl restart mailer
```

## References

- https://example.org/mail-queue
";

#[test]
fn a_single_incident_document_is_one_incident_with_its_symptoms() {
    let books = parse(SINGLE);
    assert_eq!(ids(&books), vec!["worker-backlog"]);
    let p = &books[0];
    assert_eq!(p.title, "Worker backlog");
    assert_eq!(
        p.nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Symptom)
            .count(),
        1
    );
    assert_eq!(
        commands(p),
        vec![
            "systemctl status mailer",
            "redis-cli llen queue:mail",
            "sudo systemctl restart mailer"
        ]
    );
    let restart = p
        .nodes
        .iter()
        .find(|n| n.title == "Restart the workers")
        .unwrap();
    assert_eq!(restart.kind, NodeKind::Action);
}

#[test]
fn a_container_of_incidents_is_not_merged_into_one() {
    // `## Troubleshooting` is a role word, but its sub-sections carry roles of their own.
    let md = "# Mail service

## Overview

Sends the mail.

## Troubleshooting

### Queue stuck

#### Symptoms

- Nothing leaves the queue.

#### Fix

```bash
sudo systemctl restart mailer
```

### Disk full

#### Symptoms

- Writes fail.

#### Fix

```bash
sudo journalctl --vacuum-size=200M
```
";
    assert_eq!(ids(&parse(md)), vec!["queue-stuck", "disk-full"]);
}

#[test]
fn a_generic_procedure_heading_leaves_the_title_to_its_parent() {
    let md = "# Network tests

## Test 1: VLAN isolation

### Objective

Check that the VLANs cannot reach each other.

### Environment

Two hosts.

### Procedure

**Step 1:** Ping the other VLAN.

```bash
ping -c 3 10.0.30.1
```

## Test 2: DNS

### Objective

Check name resolution.

### Procedure

```bash
dig +short example.org
```
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["test-1-vlan-isolation", "test-2-dns"]);
    assert_eq!(commands(&books[0]), vec!["ping -c 3 10.0.30.1"]);
}

#[test]
fn numbered_headings_with_their_own_labels_are_incidents() {
    let md = "# Database runbook

## Common problems

### 1. Slow logins

**Symptoms:** logins take seconds.

**Diagnosis:**
```bash
pg_isready -h db
```

### 2. Replica behind

**Symptoms:** reports show old data.

**Diagnosis:**
```bash
psql -h replica -c 'select now() - pg_last_xact_replay_timestamp()'
```
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["1-slow-logins", "2-replica-behind"]);
    for p in &books {
        assert_eq!(kinds(p)[0], NodeKind::Symptom, "{}", p.id);
        assert_eq!(commands(p).len(), 1);
    }
}

#[test]
fn numbered_headings_without_labels_stay_steps() {
    let md = "# Ops

## Redis down

### 1. Check status

```bash
redis-cli ping
```

### 2. Restart

```bash
sudo systemctl restart redis
```
";
    assert_eq!(ids(&parse(md)), vec!["redis-down"]);
}

#[test]
fn stacked_bold_labels_and_inline_commands_make_an_incident() {
    let md = "# Ops runbook

## Incidents

### Cache down
**Symptom**: the API answers 503.
**Action**:

1. Restart the cache: `sudo systemctl restart redis`
2. Check it answers: `redis-cli ping`
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["cache-down"]);
    let p = &books[0];
    assert_eq!(
        kinds(p),
        vec![
            NodeKind::Symptom,
            NodeKind::Action,
            NodeKind::Action,
            NodeKind::End
        ]
    );
    assert_eq!(
        commands(p),
        vec!["sudo systemctl restart redis", "redis-cli ping"]
    );
    assert!(p.nodes[1].destructive);
}

#[test]
fn error_text_quoted_under_symptoms_is_a_symptom() {
    let md = "# Runbook

## Problems

### 1. Timeouts

**Symptoms**:
```
Error: timeout exceeded when trying to connect
```

**Diagnosis**:
```bash
pg_isready -h db
```
";
    let p = &parse(md)[0];
    assert_eq!(p.nodes[0].kind, NodeKind::Symptom);
    assert!(p.nodes[0].title.contains("timeout exceeded"));
    assert_eq!(commands(p), vec!["pg_isready -h db"]);
}

#[test]
fn an_alert_query_under_symptoms_is_one_symptom() {
    let md = "# Runbook: High API latency

## Detection

```promql
# P95 latency alert
histogram_quantile(0.95,
  rate(http_request_duration_seconds_bucket[5m])
) > 3
```

## Resolution

```bash
kubectl rollout restart deploy/api
```
";
    let p = &parse(md)[0];
    let symptoms: Vec<&str> = p
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Symptom)
        .map(|n| n.title.as_str())
        .collect();
    assert_eq!(symptoms.len(), 1, "{symptoms:?}");
    assert!(symptoms[0].contains("histogram_quantile"), "{symptoms:?}");
}

#[test]
fn a_leaf_with_only_inline_commands_is_an_incident() {
    let md = "# Alerts

### Group: jobs
##### Alert: JobFailed
+ *Message*: `Job failed to complete.`
+ *Severity*: warning
+ *Action*: Check the job with `kubectl describe job <job>`.
##### Alert: JobSlow
+ *Message*: `Job is slow.`
+ *Severity*: warning
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["alert-jobfailed"]);
    let p = &books[0];
    assert_eq!(p.severity.as_deref(), Some("sev3"));
    assert_eq!(commands(p), vec!["kubectl describe job <job>"]);
    assert!(p.nodes.iter().all(|n| !n.title.contains("warning")));
}

#[test]
fn qualified_role_names() {
    let md = "# Pool exhausted

## Observed symptoms

- Requests time out.

## Data gathering

```bash
psql -c 'select count(*) from pg_stat_activity'
```

## Immediate Actions (0-5 minutes)

```bash
sudo systemctl restart pgbouncer
```

## Solución a largo plazo

- Subir `max_connections` a 200.

## Action items

- Alert on pool usage above 80 %.
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["pool-exhausted"]);
    let p = &books[0];
    assert_eq!(
        kinds(p),
        vec![
            NodeKind::Symptom,
            NodeKind::Check,
            NodeKind::Action,
            NodeKind::End
        ]
    );
    assert_eq!(p.prevention.len(), 2, "{:?}", p.prevention);
}

#[test]
fn a_long_heading_that_starts_with_a_role_word_stays_a_title() {
    let md = "# Pool

## Symptoms

- Timeouts.

## Check the database connection pool settings

```bash
grep pool_size /etc/app.conf
```
";
    let p = &parse(md)[0];
    let check = p.nodes.iter().find(|n| n.command.is_some()).unwrap();
    assert_eq!(check.title, "Check the database connection pool settings");
    assert_eq!(check.kind, NodeKind::Check);
}

#[test]
fn severity_fields_set_the_severity_and_are_not_steps() {
    let md = "# Database down

**Severity**: CRITICAL
**SLA**: 15 minutes

## Symptoms

- The API answers 500.

## Diagnosis

```bash
pg_isready -h db
```
";
    let p = &parse(md)[0];
    assert_eq!(p.severity.as_deref(), Some("sev1"));
    assert!(p
        .nodes
        .iter()
        .all(|n| !n.title.contains("CRITICAL")
            && !n.text.as_deref().unwrap_or("").contains("CRITICAL")));

    let es = "# Operaciones

## Incidente: API lenta

**Severidad**: Alta
**Tiempo de respuesta**: 15 minutos

```bash
curl -s http://localhost/health
```
";
    assert_eq!(parse(es)[0].severity.as_deref(), Some("sev2"));
}

#[test]
fn the_file_name_says_nothing_about_severity() {
    let md = "## Cache down\n\n```bash\nredis-cli ping\n```\n";
    for file in ["high-latency.md", "info-service-down.md", "p2.md"] {
        let p = &parse_as(md, file)[0];
        assert_eq!(p.severity, None, "{file}");
    }
    // A heading above the incident still does.
    let md = "# Runbook\n\n## Critical issues\n\n### Cache down\n\n```bash\nredis-cli ping\n```\n";
    assert_eq!(parse(md)[0].severity.as_deref(), Some("sev1"));
}

#[test]
fn escalar_scales_unless_someone_is_named() {
    let md = "# API lenta

## Solución

- Escalar horizontalmente: `kubectl scale deployment api --replicas=3`
- Escalar instancia
- Escalar al equipo de plataforma si nada funciona.
";
    let p = &parse(md)[0];
    assert_eq!(
        kinds(p),
        vec![
            NodeKind::Action,
            NodeKind::Manual,
            NodeKind::Escalate,
            NodeKind::End
        ]
    );
    assert_eq!(
        p.nodes[0].command.as_deref(),
        Some("kubectl scale deployment api --replicas=3")
    );
}
