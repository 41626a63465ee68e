//! Gaps left open by the fourth field trial: causes written as bold numbered labels,
//! configuration lines in a shell block, sample paths, healthy words in "look for"
//! sentences, `Expected:` alternatives and the kind of state-changing commands. Every
//! document here is self-written.

use runbook::graph::NodeKind;

mod field_graph;
use field_graph::{
    avoidable, decisions, labels, parse_one as parse, step_running_part as by_command,
};

#[test]
fn bold_numbered_causes_are_one_choice_each_not_a_sequence() {
    for md in [
        "# Backups fail\n## Symptoms\n- The nightly backup failed\n## Common causes\n\
         **1. Disk full**\n\n**Check:**\n```bash\ndf -h /backups\n```\n\n**Fix:**\n1. Free some space\n\n\
         **2. Credentials expired**\n\n**Check:**\n```bash\naws sts get-caller-identity\n```\n\n\
         **Fix:**\n1. Rotate the key\n",
        "# Las copias fallan\n## Síntomas\n- La copia nocturna falló\n## Causas comunes\n\
         **1. Disco lleno**\n\n**Verificar:**\n```bash\ndf -h /backups\n```\n\n**Solución:**\n1. Liberar espacio\n\n\
         **2. Credenciales caducadas**\n\n**Verificar:**\n```bash\naws sts get-caller-identity\n```\n\n\
         **Solución:**\n1. Rotar la clave\n",
        "# Las copias fallan\n## Causas posibles\n\
         **Causa 1: disco lleno**\n```bash\ndf -h /backups\n```\n\n\
         **Causa 2: credenciales caducadas**\n```bash\naws sts get-caller-identity\n```\n",
    ] {
        let p = parse(md);
        let d = decisions(&p);
        assert_eq!(d.len(), 1, "{md}");
        assert_eq!(labels(d[0]).len(), 3, "two causes and none: {:?}", labels(d[0]));
        assert_eq!(p.hypotheses.len(), 2, "{:?}", p.hypotheses);
        let df = by_command(&p, "df -h");
        let sts = by_command(&p, "aws sts");
        assert!(avoidable(&p, &df.id) && avoidable(&p, &sts.id), "{md}");
        // Checking a cause reads: it is a check, not an action.
        assert_eq!(sts.kind, NodeKind::Check, "{md}");
    }
}

#[test]
fn env_file_lines_are_shown_not_run() {
    for md in [
        "# Backend cannot reach the cache\n## Solution\n```bash\n# 1. Point REDIS_URL at the service in .env:\n\
         REDIS_URL=redis://cache:6379/0\nCACHE_TTL=\"300\"\n\n# 2. Recreate\ndocker compose up -d\n```\n",
        "# El backend no llega a la caché\n## Solución\n```bash\n# En .env:\nREDIS_URL=redis://cache:6379/0\n\n\
         # Recrear\ndocker compose up -d\n```\n",
    ] {
        let p = parse(md);
        let cmds = field_graph::commands(&p);
        assert!(!cmds.iter().any(|c| c.contains("REDIS_URL")), "{cmds:?}");
        assert!(cmds.iter().any(|c| c.contains("docker compose up -d")), "{cmds:?}");
        let shown = p.nodes.iter().filter_map(|n| n.text.as_deref()).collect::<Vec<_>>().join("\n");
        assert!(shown.contains("REDIS_URL=redis://cache:6379/0"), "{shown}");
    }
    // A lead-in naming the file does the same for a block of its lines.
    for md in [
        "# Cache unreachable\n## Fix\nAdd to `.env`:\n```bash\nREDIS_URL=redis://cache:6379/0\n```\n\
         ```bash\ndocker compose up -d\n```\n",
        "# Caché inaccesible\n## Solución\nEn el archivo .env.production:\n```bash\nREDIS_URL=redis://cache:6379/0\n```\n\
         ```bash\ndocker compose up -d\n```\n",
    ] {
        let cmds = field_graph::commands(&parse(md)).join("\n");
        assert!(!cmds.contains("REDIS_URL"), "{cmds}");
    }
    // An assignment the commands below use still runs with them.
    let p = parse("# Slow\n## Diagnosis\n```bash\nNS=prod\nkubectl get pods -n $NS\n```\n");
    assert!(by_command(&p, "kubectl get pods")
        .command
        .as_deref()
        .unwrap()
        .contains("NS=prod"));
}

#[test]
fn sample_names_in_commands_are_placeholders() {
    let p = parse(
        "# Disk full\n## Resolution\n```bash\n# Example: empty one large log\n\
         truncate -s 0 /var/log/your-service.log\n```\n",
    );
    let step = by_command(&p, "truncate");
    assert_eq!(
        step.command.as_deref(),
        Some("truncate -s 0 /var/log/<your-service.log>")
    );
    assert!(
        p.variables.iter().any(|v| v.name == "YOUR_SERVICE_LOG"),
        "{:?}",
        p.variables
    );
    let p = parse(
        "# Sitio caído\n## Diagnóstico\n```bash\ncurl -I https://tu-dominio.com/health\n```\n",
    );
    assert!(
        p.variables.iter().any(|v| v.name == "TU_DOMINIO_COM"),
        "{:?}",
        p.variables
    );
}

#[test]
fn healthy_values_are_never_findings() {
    let p = parse(
        "# Node not ready\n## Diagnosis\n```bash\nkubectl describe node node-1\n```\n\n\
         Look for conditions like `Ready`, `MemoryPressure` or `DiskPressure`.\n",
    );
    let step = by_command(&p, "kubectl describe node");
    // Names to read, a healthy one among them: no problem named, nothing found.
    assert!(step.findings.is_empty(), "{:?}", step.findings);
    let p = parse(
        "# Pods failing\n## Diagnosis\n```bash\nkubectl get pods\n```\n\n\
         Look for `CrashLoopBackOff` or `OOMKilled`.\n",
    );
    assert_eq!(by_command(&p, "kubectl get pods").findings.len(), 2);
    let p = parse(
        "# Servicio caído\n## Diagnóstico\n```bash\nsystemctl status app\n```\n\n\
         **Buscar:**\n- `active (running)`\n",
    );
    assert!(by_command(&p, "systemctl status").findings.is_empty());
}

#[test]
fn expected_lists_of_alternatives_never_hold_the_output_to_one() {
    // An alternative with no literal (no records at all): nothing is judged.
    let p = parse(
        "# Renewal fails\n## Diagnosis\n**Check CAA records:**\n```bash\ndig example.org CAA +short\n```\n\n\
         **Expected:**\n- No CAA records\n- OR a record allowing the CA: `0 issue \"letsencrypt.org\"`\n",
    );
    let dig = by_command(&p, "dig example.org CAA");
    assert!(dig.expect.is_empty(), "{:?}", dig.expect);
    let text = dig.text.as_deref().unwrap_or("");
    assert!(
        text.starts_with("Expected, one of: No CAA records / OR"),
        "{text}"
    );
    // Each alternative names its literal: either satisfies.
    let p = parse(
        "# Réplica atrasada\n## Diagnóstico\n```bash\npsql -c 'select state from pg_stat_replication'\n```\n\n\
         **Esperado:**\n- `streaming` si la réplica está al día\n- o `catchup` mientras se pone al día\n",
    );
    let e = &by_command(&p, "pg_stat_replication").expect;
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].value, "streaming|catchup");
}

#[test]
fn state_changes_are_actions_and_inspections_checks_whatever_the_part() {
    let p = parse(
        "# Certificate expired\n## Diagnosis\n```bash\n# Log in\nvercel login\n\n\
         # Renew\nvercel certs renew app.example.org\n\n# List\nvercel certs ls\n```\n",
    );
    assert_eq!(by_command(&p, "vercel login").kind, NodeKind::Action);
    assert_eq!(by_command(&p, "certs renew").kind, NodeKind::Action);
    assert_eq!(by_command(&p, "certs ls").kind, NodeKind::Check);
    let p = parse(
        "# Disco lleno\n## Solución\n```bash\n# Ver los logs más grandes\ndu -sh /var/log/* | sort -h\n\n\
         # Vaciar el journal\njournalctl --vacuum-size=200M\n```\n",
    );
    assert_eq!(by_command(&p, "du -sh").kind, NodeKind::Check);
    assert_eq!(by_command(&p, "journalctl --vacuum").kind, NodeKind::Action);
}

#[test]
fn a_document_without_markdown_is_read_line_by_line() {
    for (md, title) in [
        (
            "Disk full notes\n\n1) Check usage\ndf -h /\n\nIf above 90%, clean up.\n\n\
             2) Clean the journal\njournalctl --vacuum-time=2d\n",
            "Disk full notes",
        ),
        (
            "Notas: disco lleno\n\nVer el uso\ndf -h /\n\nLimpiar el journal\njournalctl --vacuum-time=2d\n",
            "Notas: disco lleno",
        ),
    ] {
        let p = parse(md);
        assert_eq!(p.title, title);
        let df = by_command(&p, "df -h /");
        assert_eq!(df.kind, NodeKind::Check);
        assert_eq!(df.line, md.lines().position(|l| l == "df -h /").unwrap() + 1);
        assert!(by_command(&p, "journalctl --vacuum-time=2d").destructive);
    }
    // Prose with no command line stays prose.
    let books = runbook::markdown::parse_document(
        "Some notes\n\nNothing to run here.\n",
        std::path::Path::new("notes.md"),
    )
    .expect("parses");
    assert!(books.is_empty());
}

#[test]
fn a_result_sentence_with_a_bare_alternative_is_not_judged() {
    let p = parse(
        "# Renewal fails\n## Diagnosis\n```bash\ndig example.org CAA +short\n```\n\n\
         **Expected:** no CAA records, OR one allowing the CA: `0 issue \"letsencrypt.org\"`\n",
    );
    assert!(by_command(&p, "dig").expect.is_empty());
    let p = parse(
        "# Caché caída\n## Diagnóstico\n```bash\nredis-cli ping\n```\n\n\
         Debe responder `PONG` o un error de autenticación.\n",
    );
    assert!(by_command(&p, "redis-cli ping").expect.is_empty());
}
