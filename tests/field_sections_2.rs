//! Which sections are incidents, second field trial: README sections with inline
//! commands are not incidents, numbered procedure steps and topic sub-headings stay in
//! one procedure, numbered possible causes are hypotheses of one incident, plain
//! `Label:` lines are role labels, and the introduction's code spans are not steps.

use runbook::graph::{NodeKind, Playbook};
use runbook::markdown;
use std::path::Path;

fn parse(md: &str) -> Vec<Playbook> {
    markdown::parse_document(md, Path::new("doc.md")).expect("parses")
}

fn ids(books: &[Playbook]) -> Vec<&str> {
    books.iter().map(|p| p.id.as_str()).collect()
}

fn commands(p: &Playbook) -> Vec<&str> {
    p.nodes
        .iter()
        .filter_map(|n| n.command.as_deref())
        .collect()
}

fn count(p: &Playbook, kind: NodeKind) -> usize {
    p.nodes.iter().filter(|n| n.kind == kind).count()
}

#[test]
fn readme_sections_with_inline_commands_are_not_incidents() {
    let md = "# Tool docs

## Installation

Run `make install` to put the tool on your PATH.

## Uso

Ejecuta `tool --help` para ver las opciones.

## Testing

Run `make test` before opening a pull request.

## Troubleshooting

### Build fails

**Symptom**: `make` stops with a linker error.

**Fix**: run `make clean && make`.
";
    assert_eq!(ids(&parse(md)), vec!["build-fails"]);
}

#[test]
fn an_inline_leaf_needs_a_problem_above_it() {
    // No problem or role anywhere: notes about a project, not incidents.
    let plain = "# Project guide

## Formatting

Run `cargo fmt` before committing.
";
    assert!(parse(plain).is_empty());
    // A problem title above the leaf makes its command a step of an incident.
    let problem = "# Queue stuck

## Drain the queue

Run `worker drain --all` and wait.
";
    let books = parse(problem);
    assert_eq!(ids(&books), vec!["drain-the-queue"]);
    assert_eq!(commands(&books[0]), vec!["worker drain --all"]);
}

#[test]
fn tests_that_are_the_procedure_stay_incidents() {
    // "Pruebas de …" is what the runbook runs, not a README's test section.
    let md = "# Pruebas de red

## Prueba 1: Aislamiento

### Procedimiento

```bash
ping -c 3 10.0.2.10
```
";
    assert_eq!(parse(md).len(), 1);
}

#[test]
fn numbered_imperative_steps_are_one_procedure() {
    let md = "# Rollback runbook

## When to use

Error rate above 5%.

## Rollback steps

### 1. Assess the situation

```bash
kubectl get pods -n app
```

### 2. Initiate rollback

#### Option A: Kubernetes

```bash
kubectl rollout undo deployment/app -n app
```

#### Option B: Git revert

```bash
git revert HEAD
```

### 3. Verify

```bash
kubectl rollout status deployment/app -n app
```

### 4. Communicate status

Post an update in the incident channel.

## Tools

- Grafana
";
    let books = parse(md);
    // One incident: the whole runbook (or its steps section in a longer document).
    assert_eq!(books.len(), 1);
    let p = &books[0];
    let cmds = commands(p);
    assert_eq!(cmds.first(), Some(&"kubectl get pods -n app"));
    assert_eq!(
        cmds.last(),
        Some(&"kubectl rollout status deployment/app -n app")
    );
    // The options stay a choice.
    assert_eq!(count(p, NodeKind::Decision), 1);
}

#[test]
fn numbered_topics_that_are_not_steps_stay_apart() {
    // `1. Redis` is a topic, not an imperative step: the numbered leaves are still
    // split when they hold sub-headings of their own.
    assert!(!runbook_imperative("1. Redis"));
    assert!(runbook_imperative("2. Verificar el servicio"));
    assert!(runbook_imperative("3. Monitor stability (5 min)"));
}

fn runbook_imperative(title: &str) -> bool {
    // Through the parser: a numbered section with a sub-heading inside a procedure.
    let md = format!(
        "# Doc

## Procedure steps

### 0. Check first

```bash
uptime
```

### {title}

#### Detail

```bash
df -h
```
"
    );
    parse(&md).len() == 1
}

#[test]
fn a_commands_section_with_topic_headings_is_one_procedure() {
    let md = "# Web server runbook

## Target service

nginx on web-1.

## Commands

### Process check

```bash
systemctl status nginx
```

```bash
ps aux | grep nginx
```

### Logs

```bash
tail -n 50 /var/log/nginx/error.log
```

### If worse

Run `systemctl reload nginx`.
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["commands"]);
    assert_eq!(
        commands(&books[0])[..3],
        [
            "systemctl status nginx",
            "ps aux | grep nginx",
            "tail -n 50 /var/log/nginx/error.log"
        ]
    );
}

#[test]
fn numbered_possible_causes_are_hypotheses_of_one_incident() {
    let md = "# API cannot reach the payment provider

## Symptom

Every call fails with `connection refused`.

## Possible causes

### 1. Egress blocked

**Verify**:

```bash
iptables -L OUTPUT -n
```

**Fix**: open port 443.

### 2. Wrong proxy

**Verify**:

```bash
env | grep -i proxy
```

**Fix**: unset the proxy.

## Resolution

```bash
systemctl restart api
```
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["api-cannot-reach-the-payment-provider"]);
    let p = &books[0];
    assert_eq!(count(p, NodeKind::Symptom), 1);
    assert!(commands(p).contains(&"systemctl restart api"));
    assert!(commands(p).contains(&"iptables -L OUTPUT -n"));
}

#[test]
fn spanish_causes_with_a_qualifier_are_causes() {
    let md = "# Sin conexión al proveedor

## Posibles causas de red

### 1. Firewall

```bash
iptables -L OUTPUT -n
```

### 2. Proxy

```bash
env | grep -i proxy
```

## Pasos de resolución

```bash
systemctl restart api
```
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["sin-conexion-al-proveedor"]);
    assert!(commands(&books[0]).contains(&"systemctl restart api"));
}

#[test]
fn plain_labels_glued_to_a_list_are_role_labels() {
    let md = "# Runbook - Disk full

Checks:
- `df -h`

Fix:
- Remove old logs
- Rotate the logs
Prevention:
- Alert at 80% disk
";
    let books = parse(md);
    assert_eq!(books.len(), 1);
    let p = &books[0];
    assert_eq!(p.prevention, vec!["Alert at 80% disk".to_string()]);
    assert!(p.nodes.iter().all(|n| !n.title.contains("Prevention")));
    assert!(p.nodes.iter().all(|n| !n.title.contains("Alert at 80%")));
    assert_eq!(commands(p), vec!["df -h"]);
}

#[test]
fn spanish_plain_labels_are_role_labels() {
    let md = "# Disco lleno

Síntoma:
- El disco está al 100%.

Solución:
- Borrar logs viejos
Prevención:
- Rotar los logs
";
    let books = parse(md);
    let p = &books[0];
    assert_eq!(count(p, NodeKind::Symptom), 1);
    assert_eq!(p.prevention, vec!["Rotar los logs".to_string()]);
}

#[test]
fn intro_code_spans_are_not_checks() {
    let md = "# Metrics missing after certificates expired

Commands such as `kubectl top pod` suddenly stop working, and this article explains
why.

## Symptoms

```bash
kubectl top pod
```

## Resolution

```bash
sudo microk8s refresh-certs -e ca.crt
```
";
    let books = parse(md);
    let p = &books[0];
    assert_eq!(
        commands(p)
            .iter()
            .filter(|c| **c == "kubectl top pod")
            .count(),
        1
    );
    assert!(p.nodes[0].command.is_none());
}

#[test]
fn a_leaf_without_roles_below_keeps_its_inline_command() {
    // No role heading further down: the paragraph is the procedure itself.
    let md = "# Redis down

Restart it with `systemctl restart redis`.
";
    let books = parse(md);
    assert_eq!(commands(&books[0]), vec!["systemctl restart redis"]);
}

#[test]
fn alert_message_fields_are_symptoms() {
    let md = "# Alerts

##### Alert: QueueFull
+ *Message*: `Queue is full.`
+ *Severity*: warning
+ *Action*: Drain it with `worker drain --all`.
";
    let books = parse(md);
    let p = &books[0];
    assert_eq!(p.nodes[0].kind, NodeKind::Symptom);
    assert!(
        p.nodes[0].title.contains("Queue is full") || {
            let d = p.nodes[0].text.as_deref().unwrap_or("");
            d.contains("Queue is full")
        }
    );
    assert_eq!(commands(p), vec!["worker drain --all"]);
}

#[test]
fn a_list_announced_as_causes_is_hypotheses() {
    let md = "# Disk almost full

## Symptoms

An alert says the disk is at 95%.

There are two possible causes:

1. A volume filled up.
1. A process leaks file handles.

## Resolution

Check the possible causes:

- `df -h`
- `lsof | wc -l`
";
    let p = &parse(md)[0];
    assert_eq!(
        p.hypotheses,
        vec![
            "A volume filled up.".to_string(),
            "A process leaks file handles.".to_string()
        ]
    );
    assert_eq!(count(p, NodeKind::Symptom), 1);
    // A list of commands announced the same way is still run.
    assert_eq!(commands(p), vec!["df -h", "lsof | wc -l"]);
}

#[test]
fn an_instruction_in_the_introduction_is_still_run() {
    let md = "# Redis down

First, run `redis-cli ping` to see whether it answers.

## Resolution

```bash
systemctl restart redis
```
";
    let p = &parse(md)[0];
    assert_eq!(
        commands(p),
        vec!["redis-cli ping", "systemctl restart redis"]
    );
}

#[test]
fn metric_sections_are_not_readme_sections() {
    let md = "# Servidor lento

## Uso de CPU

Revisa `top -b -n 1`.

## Installation

Run `make install`.
";
    assert_eq!(ids(&parse(md)), vec!["uso-de-cpu"]);
}

#[test]
fn plain_labels_make_sections_incidents_and_split_paragraphs() {
    let md = "# Ops notes

## Disk full

Symptom:
The disk is at 100%.

Fix:
Run `journalctl --vacuum-size=200M`.
Prevention:
Alert at 80%.

## Queue slow

Síntoma:
Los trabajos tardan.

Solución:
Ejecuta `worker scale --up`.
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["disk-full", "queue-slow"]);
    let p = &books[0];
    assert_eq!(count(p, NodeKind::Symptom), 1);
    assert_eq!(commands(p), vec!["journalctl --vacuum-size=200M"]);
    assert_eq!(p.prevention, vec!["Alert at 80%.".to_string()]);
}

/// Fourth field trial: `(< 2 min)` in a heading is part of the title, so the aside is
/// read as one (`Diagnóstico Rápido` is the Diagnosis role) and the document stays one
/// incident with its severity.
#[test]
fn a_time_limit_aside_in_a_heading_keeps_its_role() {
    let md = "# Runbook: Cola atrasada\n\n**Severidad:** CRITICAL\n\n## Síntomas\n\n\
              - Atraso de la cola mayor a 5 s\n\n## Diagnóstico Rápido (< 2 min)\n\n\
              ```bash\nredis-cli LLEN jobs\n```\n\n## Acciones de Mitigación (< 10 min)\n\n\
              ```bash\nkubectl scale deployment worker --replicas=6\n```\n";
    let playbooks =
        runbook::markdown::parse_document(md, std::path::Path::new("cola.md")).expect("parses");
    assert_eq!(
        playbooks.len(),
        1,
        "{:?}",
        playbooks.iter().map(|p| &p.title).collect::<Vec<_>>()
    );
    assert_eq!(playbooks[0].severity.as_deref(), Some("sev1"));
}

/// Fourth field trial: a title that starts with a reference word but names a problem
/// (`Template render error`) is an incident; `Template` alone stays reference.
#[test]
fn a_problem_named_after_a_reference_word_is_an_incident() {
    let md = "# Tool problems\n\n## Template render error\n\n**Symptom**\n\n\
              Rendering fails.\n\n**Fix**\n\n```bash\nmytool render --debug\n```\n\n\
              ## Template\n\n```bash\nmytool template list\n```\n\n\
              ## Login failure\n\n**Symptom**\n\nUnauthorized.\n\n**Fix**\n\n\
              ```bash\nmytool login\n```\n";
    let titles: Vec<String> = runbook::markdown::parse_document(md, std::path::Path::new("t.md"))
        .expect("parses")
        .into_iter()
        .map(|p| p.title)
        .collect();
    assert_eq!(titles, ["Template render error", "Login failure"]);
}

/// Round 4: a deployment or installation guide is one procedure, not a list of
/// incidents; only a part of it that names a problem is one.
#[test]
fn a_deployment_guide_yields_only_its_troubleshooting() {
    let md = "# Guía de despliegue de la API

## Requisitos

- Docker 24+

## Instalación

### Paso 1: Instalar dependencias

```bash
sudo apt-get install -y docker.io
```

## Configuración

```bash
cp .env.example .env
```

## Deploy

```bash
docker compose up -d --build
```

## Verificación

```bash
curl -fsS http://localhost:3000/health
```

## Problemas comunes

### El contenedor no arranca

```bash
docker compose logs api
```
";
    assert_eq!(ids(&parse(md)), vec!["el-contenedor-no-arranca"]);
    let md = "# Deploying the billing service

## Configuration

```bash
kubectl -n billing create secret generic db --from-literal=url=$DB_URL
```

## Upgrade

```bash
helm upgrade billing billing/billing -n billing
```

## Uninstall

```bash
helm uninstall billing -n billing
```
";
    // At most the guide itself, as one procedure.
    assert!(parse(md).len() <= 1, "{:?}", ids(&parse(md)));
    // A runbook about deployments, or a rollback procedure, keeps its incidents.
    let md = "# Rollback de deploy\n\n## Pasos\n\n```bash\nhelm rollback api 3\n```\n";
    assert_eq!(parse(md).len(), 1);
    let md = "# Deployment runbook

## Deploy stuck

### Diagnosis

```bash
kubectl rollout status deploy/api
```

## Rollback failed

### Diagnosis

```bash
helm history api
```
";
    assert_eq!(ids(&parse(md)), vec!["deploy-stuck", "rollback-failed"]);
}

/// Fourth field trial: `## Incidente A: …` with a `**Síntoma:**` label and a
/// `### Procedimiento de Respuesta` part is one incident, named after its own heading.
#[test]
fn a_symptom_label_beside_a_response_procedure_is_one_incident() {
    let md = "# Manual de operaciones\n\n## Incidente A: Cola llena\n\
              **Síntoma:** más de 50 trabajos en `dead_letter`.\n\n\
              ### Procedimiento de Respuesta\n\n```bash\npsql -c 'SELECT 1'\n```\n\n\
              ## Incident B: Sync loop\n**Symptom:** the form never submits.\n\n\
              ### Response steps\n\n```bash\ncurl -s http://localhost/health\n```\n";
    let titles: Vec<String> = runbook::markdown::parse_document(md, std::path::Path::new("m.md"))
        .expect("parses")
        .into_iter()
        .map(|p| p.title)
        .collect();
    assert_eq!(titles, ["Incidente A: Cola llena", "Incident B: Sync loop"]);
}

/// Fourth field trial: a runbook of role parts with one incident of its own among them
/// (`## Emergency: …` with its own Impact and Actions) is two incidents: the runbook,
/// without the emergency's steps, and the emergency.
#[test]
fn an_incident_among_role_parts_is_carved_out_of_the_runbook() {
    let md = "# Runbook: Certificate expiring\n\n## Immediate Actions\n\n\
              ```bash\nopenssl s_client -connect example.org:443\n```\n\n\
              ## Emergency: Certificate Already Expired\n\n**Impact:**\n- Browser warnings\n\n\
              **Immediate Actions:**\n\n```bash\ncertbot certonly --force-renewal -d example.org\n```\n\n\
              ## Verification\n\n```bash\ncurl -I https://example.org\n```\n";
    let playbooks =
        runbook::markdown::parse_document(md, std::path::Path::new("cert.md")).expect("parses");
    let titles: Vec<&str> = playbooks.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Runbook: Certificate expiring",
            "Emergency: Certificate Already Expired"
        ]
    );
    assert_eq!(
        commands(&playbooks[0]),
        [
            "openssl s_client -connect example.org:443",
            "curl -I https://example.org"
        ]
    );
    assert_eq!(
        commands(&playbooks[1]),
        ["certbot certonly --force-renewal -d example.org"]
    );
}

#[test]
fn context_and_fallback_parts_keep_one_procedure() {
    // Alert Trigger, Overview and Communication are prose; Manual renewal applies only
    // if the automatic one failed; "Verification after renewal" is the Verification
    // part. One procedure, with the expired-certificate emergency carved out of it.
    let md = "# Runbook: Certificate renewal

## Alert Trigger

Fires 14 days before expiry.

## Overview

Certificates renew on their own.

## Immediate Actions

```bash
openssl s_client -connect example.org:443 </dev/null | openssl x509 -noout -dates
```

## Manual Renewal (If Auto-Renewal Failed)

```bash
certbot renew --cert-name example.org
```

## Emergency: Certificate Already Expired

**Impact:** every user sees a warning.

**Immediate Actions:**

```bash
certbot certonly --force-renewal -d example.org
```

## Communication

Post in the team channel.

## Verification After Renewal

```bash
curl -I https://example.org
```
";
    let books = parse(md);
    assert_eq!(
        ids(&books),
        vec![
            "runbook-certificate-renewal",
            "emergency-certificate-already-expired"
        ]
    );
    let main = &books[0];
    assert!(commands(main).iter().any(|c| c.contains("certbot renew")));
    assert!(commands(main).iter().any(|c| c.contains("curl -I")));
    assert!(!commands(main).iter().any(|c| c.contains("--force-renewal")));
    // Spanish, the same shape.
    let es = "# Runbook: certificado por vencer

## Disparador de la alerta

Salta 14 días antes del vencimiento.

## Contexto

Los certificados se renuevan solos.

## Acciones inmediatas

```bash
openssl s_client -connect example.org:443 </dev/null | openssl x509 -noout -dates
```

## Renovación manual (si falla la automática)

```bash
certbot renew --cert-name example.org
```

## Emergencia: certificado vencido

**Impacto:** todos ven una advertencia.

**Acciones inmediatas:**

```bash
certbot certonly --force-renewal -d example.org
```

## Comunicación

Avisar en el canal del equipo.

## Verificación posterior a la renovación

```bash
curl -I https://example.org
```
";
    assert_eq!(
        ids(&parse(es)),
        vec![
            "runbook-certificado-por-vencer",
            "emergencia-certificado-vencido"
        ]
    );
}

#[test]
fn parts_per_operating_system_are_named_by_it_and_keep_its_setup() {
    let md = "# Respaldo de la base

## Ubuntu

### Respaldo

```bash
pg_dump --format custom --file /srv/db.backup app
```

## Arch Linux

Antes de operar, inicia el servicio:

```bash
sudo systemctl start postgresql
```

### Respaldo

```bash
/usr/bin/pg_dump --format custom --file /srv/db.backup app
```
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["respaldo", "respaldo-1"]);
    let titles: Vec<&str> = books.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, vec!["Respaldo (Ubuntu)", "Respaldo (Arch Linux)"]);
    // Arch's setup is the first step of its backup, not an incident of its own.
    assert_eq!(
        commands(&books[1]),
        vec![
            "sudo systemctl start postgresql",
            "/usr/bin/pg_dump --format custom --file /srv/db.backup app"
        ]
    );
    assert_eq!(
        commands(&books[0]),
        vec!["pg_dump --format custom --file /srv/db.backup app"]
    );
}

#[test]
fn a_top_level_condition_heading_is_a_case_of_the_part_above() {
    let md = "# Renovación de certificados

```bash
kubectl get nodes
```

# Si los nodos no están en Ready, aplicar lo siguiente:

```bash
kubeadm token create --ttl 24h0m0s
```
";
    let books = parse(md);
    assert_eq!(ids(&books), vec!["renovacion-de-certificados"]);
    assert_eq!(
        commands(&books[0]),
        vec!["kubectl get nodes", "kubeadm token create --ttl 24h0m0s"]
    );
    assert_eq!(count(&books[0], NodeKind::Decision), 1);
}

#[test]
fn a_one_item_list_over_a_block_is_its_lead_in() {
    let md = "# Rejoin a worker

## Procedure

1. Wipe the old node state:
```bash
rm -rf /etc/kubernetes
```
* Reiniciamos kubelet
```bash
systemctl restart kubelet
```
";
    let books = parse(md);
    let p = &books[0];
    let titles: Vec<&str> = p.nodes.iter().map(|n| n.title.as_str()).collect();
    assert!(titles.contains(&"Wipe the old node state"), "{titles:?}");
    assert!(titles.contains(&"Reiniciamos kubelet"), "{titles:?}");
    // No step asks a person to do by hand what the block below does.
    assert_eq!(count(p, NodeKind::Manual), 0, "{titles:?}");
}
