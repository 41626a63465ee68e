//! Fifth field trial: cases that ran in a row. Scenario headings whose steps are
//! numbered items (U1), `Caso N` headings with Cause / Solution labels (U2), `Solución N`
//! headings with a `(Si …)` aside (U3); runbooks split into their role parts (W2) and
//! severities that were not read (W6). Every document here is self-written.

use runbook::graph::Playbook;
use runbook::markdown;
use std::path::Path;

mod field_graph;
use field_graph::{
    avoidable, decisions, labels, parse_one as parse, step_running_part as by_command,
};

fn parse_all(md: &str) -> Vec<Playbook> {
    markdown::parse_document(md, Path::new("doc.md")).expect("parses")
}

fn ids(books: &[Playbook]) -> Vec<&str> {
    books.iter().map(|p| p.id.as_str()).collect()
}

#[test]
fn scenario_headings_whose_steps_are_numbered_items_are_a_choice() {
    let p = parse(
        "# Queue stalled\n## Symptoms\n- Jobs pile up\n## Response\n\
         ### Scenario 1: Slow consumer\n1. **Look at the consumers:**\n\
         \x20  ```bash\n   rabbitmqctl list_consumers\n   ```\n\
         ### Scenario 2: Poisoned messages\n1. **Purge the queue:**\n\
         \x20  ```bash\n   rabbitmqctl purge_queue jobs\n   ```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1, "{:#?}", p.nodes);
    assert_eq!(
        labels(d[0]),
        vec![
            "Scenario 1: Slow consumer",
            "Scenario 2: Poisoned messages",
            "None of these"
        ]
    );
    assert!(avoidable(&p, &by_command(&p, "purge_queue").id));
    // Spanish, with the block written inside a bullet item.
    let p = parse(
        "# Cola detenida\n## Síntomas\n- Se acumulan trabajos\n## Respuesta\n\
         ### Escenario A: consumidor lento\n- **Ver los consumidores:**\n\
         \x20 ```bash\n  rabbitmqctl list_consumers\n  ```\n\
         ### Escenario B: mensajes envenenados\n- Purgar la cola: `rabbitmqctl purge_queue jobs`\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1, "{:#?}", p.nodes);
    assert_eq!(labels(d[0]).last(), Some(&"Ninguno"));
    assert!(avoidable(&p, &by_command(&p, "purge_queue").id));
}

#[test]
fn case_headings_with_cause_and_solution_labels_are_a_choice_of_one_runbook() {
    let books = parse_all(
        "# Tienda lenta\n**Síntomas:**\n- Páginas lentas\n## Resolución\n\
         ### Caso 1: CPU alta\n**Causa:** demasiadas peticiones\n**Solución:**\n\
         1. Reiniciar la web:\n   ```bash\n   sudo systemctl restart tienda-web\n   ```\n\
         ### Caso 2: Memoria llena\n**Causa:** caché sin limpiar\n**Solución:**\n\
         1. Vaciar la caché:\n   ```bash\n   redis-cli FLUSHDB\n   ```\n",
    );
    assert_eq!(ids(&books), vec!["tienda-lenta"]);
    let p = &books[0];
    assert_eq!(p.nodes[0].title, "Páginas lentas");
    let d = decisions(p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["Caso 1: CPU alta", "Caso 2: Memoria llena", "Ninguno"]
    );
    assert!(avoidable(p, &by_command(p, "FLUSHDB").id));
    // English, beside a diagnosis part; the fix's block at the top level.
    let books = parse_all(
        "# Slow shop\n## Symptoms\n- Pages are slow\n## Diagnosis\n```bash\nuptime\n```\n\
         ## Resolution\n### Case 1: High CPU\n**Cause:** too many requests\n**Fix:**\n\
         ```bash\nsudo systemctl restart shop-web\n```\n\
         ### Case 2: Memory full\n**Cause:** stale cache\n**Fix:**\n\
         ```bash\nredis-cli FLUSHDB\n```\n",
    );
    assert_eq!(ids(&books), vec!["slow-shop"]);
    assert!(avoidable(&books[0], &by_command(&books[0], "FLUSHDB").id));
}

#[test]
fn a_runbook_of_role_parts_stays_one_incident() {
    let books = parse_all(
        "# Database failover\n## Symptoms\n- API returns 500\n\
         ## Initial Assessment\n```bash\nkubectl logs -l app=postgres --tail=100\n```\n\
         ## Response Procedures\n```bash\nkubectl rollout restart statefulset/postgres\n```\n\
         ## Recovery Verification\n```bash\ncurl -s http://api.local/ready\n```\n",
    );
    assert_eq!(ids(&books), vec!["database-failover"]);
    assert_eq!(books[0].nodes[0].title, "API returns 500");
    let books = parse_all(
        "# Caída de la base de datos\n## Detección y síntomas\n- La API devuelve 500\n\
         ## Evaluación inicial\n```bash\nkubectl logs -l app=postgres --tail=100\n```\n\
         ## Procedimientos de respuesta\n```bash\nkubectl rollout restart statefulset/postgres\n```\n\
         ## Verificación de la recuperación\n```bash\ncurl -s http://api.local/ready\n```\n\
         ## Prevención futura\n- Alertas de conexiones\n",
    );
    assert_eq!(ids(&books), vec!["caida-de-la-base-de-datos"]);
    assert_eq!(books[0].nodes[0].title, "La API devuelve 500");
    // The Spanish runbook with one case under its resolution part.
    let books = parse_all(
        "# Runbook: Sitio lento\n## Descripción del problema\n**Síntomas:**\n- Quejas\n\
         ## Pasos de diagnóstico\n```bash\ntail -n 100 /var/log/app.log\n```\n\
         ## Pasos de resolución\n### Caso 1: CPU alta\n**Causa:** muchas peticiones\n\
         **Solución:**\n1. Reiniciar:\n\n```bash\nsudo systemctl restart tienda-web\n```\n",
    );
    assert_eq!(ids(&books), vec!["runbook-sitio-lento"]);
}

#[test]
fn numbered_solutions_are_options_whose_if_aside_stays_in_the_label() {
    let p = parse(
        "# Latencia alta en la API\n## Síntomas\n- p95 alto\n## Mitigación\n\
         ### **Solución 1: Arranques en frío** (Si > 30% son arranques en frío)\n\
         ```bash\naws lambda put-provisioned-concurrency-config --function-name api --provisioned-concurrent-executions 5\n```\n\
         ### **Solución 2: Más memoria**\n\
         ```bash\nnpx serverless deploy function -f api --stage prod\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1, "{:#?}", p.nodes);
    assert_eq!(
        labels(d[0]),
        vec![
            "Solución 1: Arranques en frío (Si > 30% son arranques en frío)",
            "Solución 2: Más memoria"
        ]
    );
    assert!(avoidable(&p, &by_command(&p, "serverless deploy").id));
    assert!(avoidable(&p, &by_command(&p, "provisioned-concurrency").id));
    // English.
    let p = parse(
        "# Slow API\n## Mitigation\n### Solution 1: More replicas\n\
         ```bash\nkubectl scale deployment api --replicas=6\n```\n\
         ### Fix 2 - More memory\n```bash\nkubectl set resources deployment api --limits=memory=2Gi\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1, "{:#?}", p.nodes);
    assert_eq!(
        labels(d[0]),
        vec!["Solution 1: More replicas", "Fix 2 - More memory"]
    );
}

#[test]
fn front_matter_severity_without_an_id_applies_to_every_incident() {
    for (value, level) in [("P0", "sev1"), ("critical", "sev1"), ("P3", "sev3")] {
        let md = format!(
            "---\nowner: platform\nseverity: {value}\n---\n# Database runbooks\n\
             ## Writes fail\n**Symptoms:** errors\n**Fix:**\n```bash\npatronictl list\n```\n\
             ## Replica lags\n**Symptoms:** lag\n**Fix:**\n```bash\npatronictl restart pg replica\n```\n"
        );
        let books = parse_all(&md);
        // Not an authored playbook: still one playbook per incident.
        assert_eq!(ids(&books), vec!["writes-fail", "replica-lags"], "{value}");
        for p in &books {
            assert_eq!(p.severity.as_deref(), Some(level), "{value}");
        }
        let listed = markdown::summarize(&md, Path::new("doc.md")).expect("lists");
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].severity.as_deref(), Some(level));
    }
}

#[test]
fn criticidad_labels_and_severity_headings_set_the_severity() {
    let p = parse(
        "# Cola de mensajes muertos no vacía\n**🔴 Criticidad: CRÍTICA**  \n**📟 Canal: PagerDuty**\n\
         ## Síntomas\n- Mensajes en la DLQ\n## Solución\n\
         ```bash\nkubectl rollout restart deployment/consumidor -n colas\n```\n",
    );
    assert_eq!(p.severity.as_deref(), Some("sev1"));
    let p = parse(
        "# Sitio lento\n## Nivel de Severidad\n**Alta** - Afecta a todos los usuarios.\n\
         ## Síntomas\n- Páginas lentas\n## Solución\n```bash\nsudo systemctl restart web\n```\n",
    );
    assert_eq!(p.severity.as_deref(), Some("sev2"));
    let p = parse(
        "# Orders down\n## Severity level\nP0\n## Symptoms\n- 500s\n## Fix\n\
         ```bash\nsudo systemctl restart orders\n```\n",
    );
    assert_eq!(p.severity.as_deref(), Some("sev1"));
}

#[test]
fn a_severity_under_the_title_reaches_every_incident() {
    let books = parse_all(
        "# Database runbooks\n**Severity**: P0 - Critical  \n**Owner**: platform\n\
         ## Writes fail\n**Symptoms:** errors\n**Fix:**\n```bash\npatronictl list\n```\n\
         ## Replica lags\n**Severity**: P3\n\n**Symptoms:** lag\n**Fix:**\n\
         ```bash\npatronictl restart pg replica\n```\n",
    );
    assert_eq!(ids(&books), vec!["writes-fail", "replica-lags"]);
    assert_eq!(books[0].severity.as_deref(), Some("sev1"));
    // An incident's own severity wins over the title's.
    assert_eq!(books[1].severity.as_deref(), Some("sev3"));
}

#[test]
fn emoji_alert_titles_are_incidents_and_their_bare_command_lines_run() {
    let books = parse_all(
        "# Cluster alert runbooks\n\n🚨 DeploymentUnavailable\n\nSeverity: Critical\n\n\
         **Description**\n\nNo replica is available.\n\n**Immediate Actions**\n\n\
         Roll back immediately:\n\nkubectl rollout undo deployment <name>\n\n\
         🚨 NodeDiskFull (root volume)\n\nSeverity: Warning\n\n**Description**\n\nThe disk is full.\n\n\
         **Mitigation**\n\ndocker system prune -af\n",
    );
    assert_eq!(
        ids(&books),
        vec!["deploymentunavailable", "nodediskfull-root-volume"]
    );
    let undo = by_command(&books[0], "rollout undo");
    assert_eq!(undo.kind, runbook::graph::NodeKind::Action);
    assert!(books[0].variables.iter().any(|v| v.name == "NAME"));
    assert_eq!(books[0].severity.as_deref(), Some("sev1"));
    assert_eq!(books[1].severity.as_deref(), Some("sev3"));
    // Once the author fences a command, lines outside fences are prose; a lone emoji
    // paragraph is no title.
    let books = parse_all(
        "# Notes\n\n🚨 DeploymentUnavailable\n\n**Fix**\n\nkubectl rollout undo deployment api\n\n\
         ```bash\nkubectl get pods\n```\n",
    );
    assert_eq!(books.len(), 1);
    assert!(books[0]
        .nodes
        .iter()
        .all(|n| n.command.as_deref() != Some("kubectl rollout undo deployment api")));
}

#[test]
fn commands_of_later_work_are_shown_never_run() {
    // Once a runbook of role parts is one incident, its prevention part is on its path.
    let p = parse(
        "# Dead letters pile up\n## Symptoms\n- DLQ not empty\n## Response Procedures\n\
         ```bash\nkubectl rollout restart deployment/consumer\n```\n\
         ## Recovery Verification\n```bash\nrabbitmqctl list_queues\n```\n\
         ## Future prevention\n### Circuit breakers\n\
         ```bash\nkubectl set env deployment/consumer BREAKER=true\n```\n",
    );
    assert!(p
        .nodes
        .iter()
        .all(|n| !n.command.as_deref().unwrap_or_default().contains("set env")));
    let shown = p
        .nodes
        .iter()
        .find(|n| n.title == "Circuit breakers")
        .expect("shown");
    assert!(shown
        .text
        .as_deref()
        .unwrap_or_default()
        .contains("set env"));
    let p = parse(
        "# Disco lleno\n## Síntomas\n- 100% de uso\n## Solución\n```bash\njournalctl --vacuum-size=500M\n```\n\
         ## Solución a largo plazo\n```bash\nsudo growpart /dev/sda 1\n```\n",
    );
    assert!(p.nodes.iter().all(|n| !n
        .command
        .as_deref()
        .unwrap_or_default()
        .contains("growpart")));
}

#[test]
fn a_lone_numbered_case_is_still_a_case() {
    let p = parse(
        "# Sitio lento\n**Síntomas:**\n- Quejas\n## Pasos de resolución\n\
         ### Caso 1: CPU alta\n**Causa:** muchas peticiones\n**Solución:**\n\
         ```bash\nsudo systemctl restart tienda-web\n```\n\
         ## Verificación\n```bash\ncurl -s http://tienda.local/health\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1, "{:#?}", p.nodes);
    assert_eq!(labels(d[0]), vec!["Caso 1: CPU alta", "Ninguno"]);
    assert!(avoidable(&p, &by_command(&p, "systemctl restart").id));
    // A lone way of doing something is no case: it is how to do it.
    let p = parse("# Certificate expiring\n## Renewal\n### Via CLI\n```bash\ncertbot renew\n```\n");
    assert!(decisions(&p).is_empty());
}
