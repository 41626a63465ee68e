//! Second field trial: alternatives that must never run one after another. Sibling
//! scenario headings (R7/S1), an `# Or …` alternative that ends at the next comment
//! (R3), failure cases about something other than the step above (R4), optional
//! alternatives with a way out (R5), OS labels as comments (S4) and prose escalation
//! ladders (S7). Every document here is self-written.

use runbook::graph::{EdgeOn, NodeKind, Playbook};

mod field_graph;
use field_graph::{decisions, labels, parse_one as parse, step_running_part as by_command};

/// Where `from` goes on `next`, `ok` or `fail`.
fn after<'a>(p: &'a Playbook, from: &str, on: &EdgeOn) -> Option<&'a str> {
    p.edges
        .iter()
        .find(|e| e.from == from && &e.on == on)
        .map(|e| e.to.as_str())
}

fn next_of<'a>(p: &'a Playbook, from: &str) -> Option<&'a str> {
    after(p, from, &EdgeOn::Next)
}

#[test]
fn scenario_headings_under_resolution_are_one_decision() {
    let p = parse(
        "# Cache failure\n## Symptoms\n- Errors talking to the cache.\n## Resolution\n\
         ### Cache completely down\n```bash\nkubectl rollout restart statefulset/cache\n```\n\
         ### Cache out of memory\n```bash\nredis-cli -h cache FLUSHALL\n```\n\
         ## Verification\n```bash\nredis-cli -h cache ping\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec![
            "Cache completely down",
            "Cache out of memory",
            "None of these"
        ]
    );
    let restart = by_command(&p, "rollout restart");
    let flush = by_command(&p, "FLUSHALL");
    let ping = by_command(&p, "ping");
    // Each scenario goes on to the verification, never into the other one.
    assert_eq!(next_of(&p, &restart.id), Some(ping.id.as_str()));
    assert_eq!(next_of(&p, &flush.id), Some(ping.id.as_str()));
    assert_eq!(d[0].choices[2].to, ping.id);
}

#[test]
fn last_resort_sibling_is_an_alternative() {
    let p = parse(
        "# High error rate\n## Symptoms\n- 5xx above 5%.\n## Remediation\n\
         ### Roll back with the script\n```bash\n./scripts/rollback.sh app\n```\n\
         ### Emergency rollback (last resort)\n```bash\nkubectl rollout undo deployment/app\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].choices.len(), 3);
    assert_eq!(d[0].choices[2].to, "end");
    let script = by_command(&p, "rollback.sh");
    assert_eq!(next_of(&p, &script.id), Some("end"));
}

#[test]
fn lettered_and_issue_titles_are_cases_in_spanish_too() {
    let p = parse(
        "# Base de datos caída\n## Síntomas\n- La API devuelve 500.\n## Diagnóstico\n\
         ### A. Contenedor caído\n```bash\ndocker restart db\n```\n\
         ### B. Disco lleno\n```bash\ndf -h\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["A. Contenedor caído", "B. Disco lleno", "Ninguno"]
    );
    let p = parse(
        "# Rollback\n## Symptoms\n- Bad release.\n## Common issues\n\
         ### Issue: Rollback stuck\n```bash\nkubectl rollout status deployment/app\n```\n\
         ### Issue: Cache inconsistent\n```bash\nredis-cli FLUSHALL\n```\n",
    );
    assert_eq!(decisions(&p).len(), 1);
    let status = by_command(&p, "rollout status");
    assert_eq!(next_of(&p, &status.id), Some("end"));
}

#[test]
fn step_headings_stay_a_sequence() {
    // Numbered steps.
    let p = parse(
        "# Worker stuck\n## Symptoms\n- Queue grows.\n## Resolution\n\
         ### 1. Restart the worker\n```bash\nsystemctl restart worker\n```\n\
         ### 2. Verify\n```bash\nsystemctl status worker\n```\n",
    );
    assert!(decisions(&p).is_empty());
    let restart = by_command(&p, "restart worker");
    let status = by_command(&p, "status worker");
    assert_eq!(next_of(&p, &restart.id), Some(status.id.as_str()));
    // Imperative titles, not scenarios.
    let p = parse(
        "# Worker stuck\n## Symptoms\n- Queue grows.\n## Resolution\n\
         ### Restart\n```bash\nsystemctl restart worker\n```\n\
         ### Check the queue\n```bash\nworker-cli queue stats\n```\n",
    );
    assert!(decisions(&p).is_empty());
    let restart = by_command(&p, "restart worker");
    let stats = by_command(&p, "queue stats");
    assert_eq!(next_of(&p, &restart.id), Some(stats.id.as_str()));
    // Component titles naming no problem stay a sequence too.
    let p = parse(
        "# Outage\n## Symptoms\n- Site down.\n## Resolution\n\
         ### Database\n```bash\nsystemctl restart postgresql\n```\n\
         ### Application\n```bash\nsystemctl restart app\n```\n",
    );
    assert!(decisions(&p).is_empty());
}

#[test]
fn or_alternative_ends_at_the_next_comment() {
    let p = parse(
        "# Logs missing\n## Diagnosis\n```bash\n# Check the agent\nsystemctl status fluent-bit\n\
         # Or check its container\ndocker ps --filter name=fluent-bit\n\
         # Then read the last errors\njournalctl -u fluent-bit -n 50\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].choices.len(), 2);
    let docker = by_command(&p, "docker ps");
    assert!(!docker.command.as_deref().unwrap().contains("journalctl"));
    let journal = by_command(&p, "journalctl");
    let agent = by_command(&p, "systemctl status");
    // Both paths rejoin at the log step.
    assert_eq!(next_of(&p, &docker.id), Some(journal.id.as_str()));
    assert_eq!(next_of(&p, &agent.id), Some(journal.id.as_str()));
}

#[test]
fn failure_case_about_something_else_is_a_decision() {
    let p = parse(
        "# Deploy broken\n## Recovery\n```bash\n# Check resources\nfree -h\n\n\
         # If the deployment failed\ndocker compose down\ndocker compose up -d\n\n\
         # Restore from backup\nsudo cp -r /opt/app-backup /opt/app\n```\n",
    );
    let free = by_command(&p, "free -h");
    assert!(after(&p, &free.id, &EdgeOn::Fail).is_none());
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["If the deployment failed", "Otherwise"]);
    let down = by_command(&p, "compose down");
    assert_eq!(down.title, "If the deployment failed");
    let restore = by_command(&p, "cp -r");
    assert_eq!(d[0].choices[1].to, restore.id);
}

#[test]
fn failure_case_about_the_step_above_is_its_fail_edge() {
    let p = parse(
        "# Service down\n## Recovery\n```bash\n# Restart the service\nsystemctl restart app\n\n\
         # If it fails\njournalctl -u app -n 50\n```\n",
    );
    let restart = by_command(&p, "systemctl restart");
    let logs = by_command(&p, "journalctl");
    assert_eq!(
        after(&p, &restart.id, &EdgeOn::Fail),
        Some(logs.id.as_str())
    );
    let p = parse(
        "# Servicio caído\n## Recuperación\n```bash\n# Reiniciar el servicio\nsystemctl restart app\n\n\
         # Si el reinicio falla\njournalctl -u app -n 50\n```\n",
    );
    let restart = by_command(&p, "systemctl restart");
    assert!(after(&p, &restart.id, &EdgeOn::Fail).is_some());
}

#[test]
fn optional_alternatives_have_a_way_out() {
    let p = parse(
        "# Cache full\n## Resolution\n```bash\n# Clear a single database if needed\nredis-cli -n 0 FLUSHDB\n\n\
         # Or clear everything (use with caution)\nredis-cli FLUSHALL\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].choices.len(), 3);
    assert_eq!(d[0].choices[2].label, "None");
    assert_eq!(d[0].choices[2].to, "end");
    let p = parse(
        "# Caché llena\n## Resolución\n```bash\n# Limpiar una base si es necesario\nredis-cli -n 0 FLUSHDB\n\n\
         # O limpiar todo\nredis-cli FLUSHALL\n```\n",
    );
    assert_eq!(decisions(&p)[0].choices[2].label, "Ninguna");
    // Plain alternatives that change nothing for good need no way out.
    let p = parse(
        "# Logs\n## Diagnosis\n```bash\n# Read the logs\njournalctl -u app -n 50\n\n\
         # Or read them from the container\ndocker logs app --tail 50\n```\n",
    );
    assert_eq!(decisions(&p)[0].choices.len(), 2);
}

#[test]
fn os_comment_labels_are_alternatives() {
    let p = parse(
        "# Firewall\n## Fix\n```bash\n# Ubuntu\nsudo ufw allow 8010/tcp\n\n\
         # Amazon Linux\nsudo firewall-cmd --permanent --add-port=8010/tcp\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["Ubuntu", "Amazon Linux"]);
    let ufw = by_command(&p, "ufw");
    assert_eq!(next_of(&p, &ufw.id), Some("end"));
    // A comment that is not a variant still titles a step in a row.
    let p = parse("# Disk\n## Diagnosis\n```bash\n# Usage\ndf -h\n\n# Inodes\ndf -i\n```\n");
    assert!(decisions(&p).is_empty());
}

#[test]
fn prose_escalation_ladder_is_conditional() {
    let p = parse(
        "# Disk full\n## Resolution\nDelete logs older than 2 days:\n\
         ```bash\nsudo find /var/log/app -mtime +2 -delete\n```\n\
         If that didn't work, remove temporary files:\n\
         ```bash\nsudo find /tmp -type f -mtime +2 -delete\n```\n\
         If you're still short of space, delete everything older than 10 minutes:\n\
         ```bash\nsudo find /var/log/app -mmin +10 -delete\n```\n",
    );
    let first = by_command(&p, "-mtime +2 -delete");
    let tmp = by_command(&p, "find /tmp");
    let last = by_command(&p, "-mmin +10");
    // The second attempt is taken when the first did not help (round 4: a person says
    // so; the delete itself exiting 0 proves nothing), never right after it.
    assert_eq!(after(&p, &first.id, &EdgeOn::Fail), None);
    assert_ne!(next_of(&p, &first.id), Some(tmp.id.as_str()));
    let d = decisions(&p);
    assert_eq!(d.len(), 2);
    assert_eq!(next_of(&p, &first.id), Some(d[0].id.as_str()));
    assert_eq!(d[0].title, "Did that help?");
    assert_eq!(labels(d[0]), vec!["If that didn't work", "Yes, it helped"]);
    assert_eq!(d[0].choices[0].to, tmp.id);
    // The third is a case a person judges, with a way past it.
    assert_eq!(d[1].choices[0].to, last.id);
    assert_eq!(d[1].choices[1].label, "Otherwise");
    // Spanish.
    let p = parse(
        "# Disco lleno\n## Resolución\nBorrar logs viejos:\n\
         ```bash\nsudo find /var/log/app -mtime +2 -delete\n```\n\
         Si sigue sin espacio, borrar los temporales:\n\
         ```bash\nsudo find /tmp -type f -delete\n```\n",
    );
    let tmp = by_command(&p, "find /tmp");
    assert!(p
        .edges
        .iter()
        .any(|e| e.to == tmp.id && e.on != EdgeOn::Next));
}

#[test]
fn spanish_state_titles_under_solucion_are_cases() {
    let p = parse(
        "# API caída\n## Síntomas\n- Errores 502.\n## Solución\n\
         ### Servicio caído\n```bash\nsystemctl restart api\n```\n\
         ### Disco lleno\n```bash\nsudo journalctl --vacuum-size=200M\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["Servicio caído", "Disco lleno", "Ninguno"]
    );
    // Spanish imperative steps stay a sequence.
    let p = parse(
        "# API caída\n## Síntomas\n- Errores 502.\n## Solución\n\
         ### Reiniciar el servicio\n```bash\nsystemctl restart api\n```\n\
         ### Verificar\n```bash\ncurl -fsS http://localhost/health\n```\n",
    );
    assert!(decisions(&p).is_empty());
}

#[test]
fn per_host_headings_are_cases_but_files_are_steps() {
    let p = parse(
        "# Disk full\n## Symptoms\n- Disk above 90%.\n## Resolution\n\
         #### db-1.example.net\n```bash\nsudo systemctl restart postgresql\n```\n\
         #### web-1.example.net\n```bash\nsudo systemctl restart nginx\n```\n",
    );
    assert_eq!(decisions(&p).len(), 1);
    let p = parse(
        "# Config drift\n## Symptoms\n- Wrong settings.\n## Resolution\n\
         ### nginx.conf\n```bash\nsudo cp nginx.conf /etc/nginx/nginx.conf\n```\n\
         ### app.yaml\n```bash\nkubectl apply -f app.yaml\n```\n",
    );
    assert!(decisions(&p).is_empty());
}

#[test]
fn a_lead_in_without_a_comma_is_labelled_by_its_condition() {
    let p = parse(
        "# Disk full\n## Resolution\nRemove old logs:\n\
         ```bash\nsudo find /var/log/app -mtime +2 -delete\n```\n\
         If space is still low you can delete the cache too.\n\
         ```bash\nsudo rm -rf /var/cache/app\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["If space is still low", "Otherwise"]);
    let rm = by_command(&p, "rm -rf");
    assert_eq!(d[0].choices[0].to, rm.id);
}

#[test]
fn numbered_possible_causes_are_cases_and_one_cause_fix_never_runs_for_another() {
    let p = parse(
        "# Worker cannot reach the queue\n## Symptoms\n- Jobs fail with `connection refused`.\n\
         ## Possible causes\n### 1. Port closed on the firewall\n```bash\nsudo ufw status verbose\n```\n\
         Open the port:\n```bash\nsudo ufw allow 5672/tcp\n```\n\
         ### 2. Queue service stopped\n```bash\nsystemctl is-active rabbitmq-server\n```\n\
         ## Resolution\n```bash\nsudo systemctl restart queue-worker\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1, "{:#?}", p.nodes);
    assert_eq!(
        labels(d[0]),
        vec![
            "1. Port closed on the firewall",
            "2. Queue service stopped",
            "None of these"
        ]
    );
    // The firewall fix belongs to its own cause: the other cause never reaches it.
    let fix = by_command(&p, "ufw allow");
    let stopped = by_command(&p, "is-active rabbitmq-server");
    assert_ne!(next_of(&p, &stopped.id), Some(fix.id.as_str()));
    let restart = by_command(&p, "restart queue-worker");
    assert_eq!(next_of(&p, &fix.id), Some(restart.id.as_str()));
}

#[test]
fn a_prerequisite_sentence_does_not_make_the_fix_conditional() {
    let p = parse(
        "# Web stack down\n## Symptoms\n- The site returns 502.\n## Resolution\n\
         If `jq` is not installed, install it first.\n\
         ```bash\ndocker compose restart web\n```\n",
    );
    assert!(decisions(&p).is_empty(), "{:#?}", p.nodes);
    let restart = by_command(&p, "compose restart web");
    assert_eq!(restart.kind, NodeKind::Action);
}

/// Round 4: "If that didn't work" / "Si no funciona" after an action asks whether the
/// action helped; "If it fails" / "Si falla" is still the action's exit status.
#[test]
fn if_that_did_not_help_after_an_action_is_asked() {
    for doc in [
        "# API down\n## Resolution\n```bash\nsudo systemctl restart api\n```\n\
         If this doesn't help, restart nginx too:\n```bash\nsudo systemctl restart nginx\n```\n",
        "# API caída\n## Solución\n```bash\nsudo systemctl restart api\n```\n\
         **Si no funciona:**\n\n```bash\nsudo systemctl restart nginx\n```\n",
        "# API caída\n## Solución\n```bash\nsudo systemctl restart api\n```\n\
         ### Si no funciona\n\n```bash\nsudo systemctl restart nginx\n```\n",
        "# API caída\n## Solución\n```bash\nsudo systemctl restart api\n\
         # Si no funciona, reiniciar nginx\nsudo systemctl restart nginx\n```\n",
    ] {
        let p = parse(doc);
        let api = by_command(&p, "restart api");
        let nginx = by_command(&p, "restart nginx");
        assert_eq!(after(&p, &api.id, &EdgeOn::Fail), None, "{doc}");
        let d = decisions(&p);
        assert_eq!(d.len(), 1, "{doc}");
        assert_eq!(next_of(&p, &api.id), Some(d[0].id.as_str()), "{doc}");
        assert!(["Did that help?", "¿Funcionó?"].contains(&d[0].title.as_str()));
        assert_eq!(d[0].choices[0].to, nginx.id, "{doc}");
        assert_eq!(d[0].choices[1].to, "end", "{doc}");
    }
    // The exit status of the step above.
    let p = parse(
        "# API caída\n## Solución\n```bash\nsudo systemctl restart api\n\
         # Si falla\njournalctl -u api -n 50\n```\n",
    );
    let api = by_command(&p, "restart api");
    let logs = by_command(&p, "journalctl");
    assert_eq!(after(&p, &api.id, &EdgeOn::Fail), Some(logs.id.as_str()));
    // After a check, "si no funciona" is what the check found.
    let p = parse(
        "# API caída\n## Diagnóstico\n```bash\ncurl -fsS http://localhost/health\n```\n\
         Si no funciona, ver los logs:\n```bash\njournalctl -u api -n 50\n```\n",
    );
    let check = by_command(&p, "curl");
    let logs = by_command(&p, "journalctl");
    assert_eq!(after(&p, &check.id, &EdgeOn::Fail), Some(logs.id.as_str()));
}

#[test]
fn otherwise_under_what_a_check_must_show_is_its_failure() {
    for md in [
        "# GTID error\n## Solución\n```bash\n# Verificar GTID\nmysql -e \"SHOW VARIABLES LIKE 'gtid_mode';\"\n\
         # Debe mostrar:\n# gtid_mode = ON\n# Si no, reiniciar servicios\n\
         docker compose restart db-master db-slave\n```\n",
        "# GTID error\n## Fix\n```bash\n# Check GTID\nmysql -e \"SHOW VARIABLES LIKE 'gtid_mode';\"\n\
         # Should show:\n# gtid_mode = ON\n# Otherwise, restart the databases\n\
         docker compose restart db-master db-slave\n```\n",
    ] {
        let p = runbook::markdown::parse_document(md, std::path::Path::new("doc.md"))
            .expect("parses")
            .remove(0);
        let check = p
            .nodes
            .iter()
            .find(|n| n.command.as_deref().is_some_and(|c| c.contains("gtid_mode")))
            .expect("check");
        let restart = p
            .nodes
            .iter()
            .find(|n| n.command.as_deref().is_some_and(|c| c.contains("restart")))
            .expect("restart");
        let on = |on: runbook::graph::EdgeOn| {
            p.edges
                .iter()
                .find(|e| e.from == check.id && e.on == on)
                .map(|e| e.to.clone())
        };
        assert_eq!(on(runbook::graph::EdgeOn::Fail), Some(restart.id.clone()), "{md}");
        assert_ne!(on(runbook::graph::EdgeOn::Ok), Some(restart.id.clone()), "{md}");
    }
}

#[test]
fn recovery_after_an_emergency_measure_is_a_case_not_the_next_step() {
    for (md, label) in [
        (
            "# Consumer lag\n## Remediation\n```bash\nkubectl scale deployment ingester --replicas=0 -n p\n```\n\
             **Recovery**:\n```bash\nkubectl scale deployment ingester --replicas=3 -n p\n```\n",
            "Recovery",
        ),
        (
            "# Retraso de consumidores\n## Mitigación\n```bash\nkubectl scale deployment ingester --replicas=0 -n p\n```\n\
             **Recuperación**:\n```bash\nkubectl scale deployment ingester --replicas=3 -n p\n```\n",
            "Recuperación",
        ),
    ] {
        let p = parse(md);
        let pause = by_command(&p, "--replicas=0");
        let resume = by_command(&p, "--replicas=3");
        let next = p
            .edges
            .iter()
            .find(|e| e.from == pause.id && e.on == EdgeOn::Next)
            .map(|e| e.to.clone());
        assert_ne!(next.as_deref(), Some(resume.id.as_str()), "{md}");
        let d = decisions(&p);
        assert!(
            d.iter().any(|d| labels(d).contains(&label)),
            "{md}: {:?}",
            d.iter().map(|d| labels(d)).collect::<Vec<_>>()
        );
    }
}
