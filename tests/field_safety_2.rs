//! Second field trial, safety: a caution next to a read is just text; commands that
//! change state are actions in any section, and destructive when they lose data or
//! replace/restart something; configuration text and bare REPL lines in shell blocks
//! are shown, never run; a literal example of a generic command is never run on its own.

use runbook::graph::NodeKind;

mod field_graph;
use field_graph::{
    avoidable, commands, decisions, labels, parse_one as parse, step_running as by_command,
    step_running_part,
};

#[test]
fn a_caution_next_to_a_read_is_text_not_a_destructive_flag() {
    for lead in [
        "**Warning:** this can take several minutes on big clusters.",
        "Caution: the output may be very large.",
        "**¡Cuidado!** La salida puede ser muy larga.",
    ] {
        let p = parse(&format!(
            "# Nodes under pressure\n\n## Diagnosis\n\n{lead}\n\n```bash\nkubectl top pods -A\n```\n"
        ));
        let n = by_command(&p, "kubectl top pods -A");
        assert!(!n.destructive, "{lead}");
        assert_eq!(n.kind, NodeKind::Check, "{lead}");
        assert!(
            n.text.as_deref().unwrap_or("").contains("minutes")
                || n.text.as_deref().unwrap_or("").contains("large")
                || n.text.as_deref().unwrap_or("").contains("larga"),
            "the warning stays as the step's text: {:?}",
            n.text
        );
    }
}

#[test]
fn a_warning_that_names_harm_or_sits_next_to_a_write_still_flags() {
    for lead in [
        "**Warning:** this deletes every cached session.",
        "Caution: data loss if the replica is behind.",
        "**Cuidado:** borra las claves de la caché.",
    ] {
        let p = parse(&format!(
            "# Cache stale\n\n## Diagnosis\n\n{lead}\n\n```bash\n./scripts/cache-tool.sh refresh\n```\n"
        ));
        assert!(
            by_command(&p, "./scripts/cache-tool.sh refresh").destructive,
            "{lead}"
        );
    }
    // A bare caution next to a command that writes.
    let p = parse(
        "# Certs expired\n\n## Fix\n\nCaution: run it on one node at a time.\n\n\
         ```bash\nsudo systemctl start kubelet\n```\n",
    );
    assert!(by_command(&p, "sudo systemctl start kubelet").destructive);
}

#[test]
fn state_changing_commands_are_actions_in_any_section() {
    let p = parse(
        "# Host hardening\n\n## Diagnosis\n\n```bash\n\
         sudo ufw allow 22/tcp\n\
         sudo apt-get install -y unattended-upgrades\n\
         sudo yum install -y yum-cron\n\
         sudo firewall-cmd --permanent --add-port=8010/tcp\n\
         kubectl uncordon node-1\n\
         ```\n\n## Communicate\n\n```bash\n\
         curl -X POST $SLACK_WEBHOOK -d '{\"text\":\"done\"}'\n\
         curl -X PUT https://api.example.com/v1/flags/checkout\n\
         ```\n",
    );
    assert_eq!(commands(&p).len(), 6, "{:#?}", commands(&p));
    for n in p.nodes.iter().filter(|n| n.command.is_some()) {
        let command = n.command.as_deref().unwrap_or_default();
        assert_eq!(n.kind, NodeKind::Action, "{command:?} changes state");
        // Round 4: the host's packages changed need a confirmation (destructive); a
        // request that sends something needs one too, though it loses nothing.
        assert_eq!(n.destructive, command.contains("install"), "{command:?}");
        assert_eq!(n.confirm, command.starts_with("curl"), "{command:?}");
    }
}

#[test]
fn destructive_state_changes_are_flagged() {
    let p = parse(
        "# Rollback\n\n## Checks\n\n```bash\n\
         sudo firewall-cmd --reload\n\
         sudo microk8s disable metrics-server\n\
         sudo microk8s refresh-certs -e front-proxy-client.crt\n\
         kubectl exec deploy/migrator -- npm run migrate:down\n\
         yarn rollback\n\
         sudo cp -r /opt/app-backup /opt/app\n\
         gcloud run services update api --region=us-central1 --vpc-egress=all-traffic\n\
         gcloud run deploy api-test --image=gcr.io/p/api\n\
         kubectl apply -f deploy.yaml\n\
         kubectl rollout undo deploy/api\n\
         ```\n",
    );
    assert_eq!(commands(&p).len(), 10, "{:#?}", commands(&p));
    for n in p.nodes.iter().filter(|n| n.command.is_some()) {
        assert!(n.destructive, "{:?} should be destructive", n.command);
        assert_eq!(n.kind, NodeKind::Action);
    }
}

#[test]
fn interactive_state_changes_are_marked() {
    let p = parse(
        "# Firewall\n\n## Steps\n\n```bash\n\
         sudo ufw enable\n\
         sudo dpkg-reconfigure -plow unattended-upgrades\n\
         sudo ufw --force enable\n\
         sudo DEBIAN_FRONTEND=noninteractive dpkg-reconfigure tzdata\n\
         ```\n",
    );
    let ufw = by_command(&p, "sudo ufw enable");
    assert!(ufw.interactive && ufw.destructive && ufw.kind == NodeKind::Action);
    let dpkg = by_command(&p, "sudo dpkg-reconfigure -plow unattended-upgrades");
    assert!(dpkg.interactive && dpkg.kind == NodeKind::Action && !dpkg.destructive);
    assert!(!by_command(&p, "sudo ufw --force enable").interactive);
    assert!(
        !by_command(
            &p,
            "sudo DEBIAN_FRONTEND=noninteractive dpkg-reconfigure tzdata"
        )
        .interactive
    );
}

#[test]
fn reads_stay_checks() {
    let p = parse(
        "# Service slow\n\n## Investigation\n\n```bash\n\
         kubectl get pods -A\n\
         kubectl describe node node-1\n\
         kubectl logs deploy/api --tail=50\n\
         gcloud run services describe api --region=us-central1\n\
         sudo ufw status verbose\n\
         sudo firewall-cmd --list-all\n\
         apt list --installed\n\
         curl -I https://example.com/health\n\
         curl -s https://example.com/api/items\n\
         curl -X POST https://example.com/api/auth/login -d '{\"u\":\"x\"}'\n\
         sudo microk8s refresh-certs -c\n\
         npm test\n\
         docker compose build app\n\
         kubectl run -it --rm probe --image=busybox --restart=Never -- wget -O- http://api\n\
         curl -s -X POST https://example.com/api/webhooks/test -d '{}'\n\
         ```\n",
    );
    // The last one sends a request, but from a diagnosis step it is a probe.
    assert_eq!(commands(&p).len(), 15, "{:#?}", commands(&p));
    for n in p.nodes.iter().filter(|n| n.command.is_some()) {
        assert_eq!(n.kind, NodeKind::Check, "{:?} only reads", n.command);
        assert!(!n.destructive, "{:?}", n.command);
    }
}

#[test]
fn configuration_text_in_a_shell_block_is_shown_not_run() {
    for block in [
        "# redis.conf\nmaxmemory 4gb\nmaxmemory-policy allkeys-lru\ntimeout 0\nsave 900 1\nrename-command FLUSHALL \"\"\nrequirepass ${REDIS_PASSWORD}",
        "# /etc/postgresql/16/main/postgresql.conf\nshared_buffers = 4GB\nmax_connections = 200",
        "maxmemory 4gb\nsave 900 1\ntimeout 0",
    ] {
        let p = parse(&format!(
            "# Cache evictions\n\n## Diagnosis\n\n```bash\nredis-cli -h cache ping\n```\n\n\
             ## Prevention\n\nSet these:\n\n```bash\n{block}\n```\n"
        ));
        assert_eq!(commands(&p), vec!["redis-cli -h cache ping"], "{block}");
        assert!(
            p.nodes.iter().any(|n| n.kind == NodeKind::Note
                && n.text.as_deref().unwrap_or("").contains(block.lines().nth(1).unwrap())),
            "shown as a note: {block}"
        );
    }
    // Commands that edit the file are still commands.
    let p = parse(
        "# Cache evictions\n\n## Fix\n\n```bash\n# redis.conf\n\
         sudo sed -i 's/^maxmemory .*/maxmemory 4gb/' /etc/redis/redis.conf\n\
         sudo systemctl restart redis\n```\n",
    );
    let all = commands(&p).join("\n");
    assert!(
        all.contains("sudo sed -i") && all.contains("systemctl restart"),
        "{all}"
    );
    // Tools no list knows keep running (`nodetool status` is not `key value`).
    let p = parse("# Ring\n\n## Diagnosis\n\n```bash\nnodetool status\nnodetool info\n```\n");
    assert_eq!(commands(&p).len(), 2, "{:#?}", commands(&p));
}

#[test]
fn bare_repl_lines_are_not_shell_commands() {
    let p = parse(
        "# Redis down\n\n## Diagnosis\n\n```bash\nredis-cli -h cache ping\n```\n\n\
         ## Useful commands\n\n```bash\n# Watch commands live\nMONITOR\n\
         # Current config\nCONFIG GET *\n```\n",
    );
    assert_eq!(commands(&p), vec!["redis-cli -h cache ping"]);
    // After their client they still become client commands.
    let p = parse(
        "# Redis slow\n\n## Diagnosis\n\n```bash\nredis-cli -h cache -p 6379\nINFO memory\nINFO clients\n```\n",
    );
    let cmds = commands(&p);
    assert_eq!(cmds.len(), 2, "{cmds:#?}");
    assert!(cmds
        .iter()
        .all(|c| c.starts_with("redis-cli -h cache -p 6379 INFO")));
}

#[test]
fn a_literal_example_after_the_generic_form_is_shown_never_run() {
    // The generic form in the lead-in, the example in the block.
    let p = parse(
        "# Disk full\n\n## Resolution\n\n\
         Grow the partition with `sudo growpart <device> <partition>`. Example:\n\n\
         ```\nsudo growpart /dev/sda 1\n```\n",
    );
    assert_eq!(commands(&p), vec!["sudo growpart <device> <partition>"]);
    let n = by_command(&p, "sudo growpart <device> <partition>");
    assert!(n.text.as_deref().unwrap_or("").contains("/dev/sda 1"));
    // The generic form as the step above, then "Por ejemplo:".
    let p = parse(
        "# Cola atascada\n\n## Resolución\n\n```bash\nsudo worker-tool kill <WORKER NAME> --dry-run\n```\n\n\
         Por ejemplo:\n\n```bash\nsudo worker-tool kill MirrorWorker --dry-run\n```\n",
    );
    assert_eq!(
        commands(&p),
        vec!["sudo worker-tool kill <WORKER NAME> --dry-run"]
    );
    // A `# … example` comment over the literal form.
    let p = parse(
        "# Disk full\n\n## Resolution\n\n```bash\nsudo growpart <device> <partition>\n```\n\n\
         ```bash\n# Root volume example\nsudo growpart /dev/sda 1\n```\n",
    );
    assert_eq!(commands(&p), vec!["sudo growpart <device> <partition>"]);
    // "Example:" before a command that is no copy of a generic one still runs.
    let p = parse("# Disk full\n\n## Diagnosis\n\nExample:\n\n```bash\ndf -h\n```\n");
    assert_eq!(commands(&p), vec!["df -h"]);
}

#[test]
fn a_program_in_another_language_in_a_shell_block_is_shown_not_run() {
    for block in [
        "import redis\nr = redis.Redis(host=\"cache\")\nprint(r.info(\"memory\"))",
        "# Count stuck jobs\nfrom rq import Queue\nq = Queue(connection=conn)\nprint(len(q))",
        "#!/usr/bin/env python3\nimport sys\nprint(sys.argv)",
        "def drain(queue):\n    for job in queue.jobs:\n        job.requeue()",
        "#!/usr/bin/env node\nconsole.log(process.env.API_URL)",
    ] {
        let p = parse(&format!(
            "# Queue stuck\n\n## Diagnosis\n\n```bash\nredis-cli -h cache llen jobs\n```\n\n\
             Or from Python:\n\n```bash\n{block}\n```\n"
        ));
        assert_eq!(
            commands(&p),
            vec!["redis-cli -h cache llen jobs"],
            "{block}"
        );
        let last = block.lines().last().unwrap();
        assert!(
            p.nodes.iter().any(|n| n.kind == NodeKind::Note
                && n.text.as_deref().unwrap_or("").contains(last)),
            "shown as a note: {block}"
        );
    }
    // Shell scripts and commands that start Python still run.
    for block in [
        "#!/bin/bash\nset -e\nredis-cli -h cache ping",
        "#!/usr/bin/env bash\nredis-cli -h cache ping",
        "python3 - <<'EOF'\nimport redis\nprint(redis.Redis().ping())\nEOF",
        "python3 -c 'import redis; print(redis.Redis().ping())'",
    ] {
        let p = parse(&format!(
            "# Queue stuck\n\n## Diagnosis\n\n```bash\n{block}\n```\n"
        ));
        assert!(!commands(&p).is_empty(), "{block}");
    }
}

/// Fourth field trial: a line the runbook crosses out (`# ❌`, `# wrong`, `# NO usar`,
/// or under a `# ❌ Wrong:` label) is shown and never run; the line marked right runs.
#[test]
fn a_line_the_runbook_marks_wrong_never_runs() {
    let p = parse(
        "# Data lost after restart\n\n## Fix\n\n```bash\n\
         docker compose down      # ✅ keeps the data\n\
         docker compose down -v   # ❌ deletes the volumes\n```\n",
    );
    assert_eq!(
        commands(&p),
        ["docker compose down      # ✅ keeps the data"]
    );
    let p = parse(
        "# La API no conecta\n\n## Solución\n\n```bash\n\
         # Incorrecto:\nredis-cli -h localhost FLUSHALL\n\n\
         # Correcto:\nredis-cli -h redis ping\n\n\
         rm -rf /data/cache  # NO usar en producción\n```\n",
    );
    assert_eq!(commands(&p), ["redis-cli -h redis ping"]);
    // An emoji inside the command's own text is data, and a remark is not a label.
    let p = parse(
        "# Worker down\n\n## Diagnosis\n\n```bash\n\
         # Don't forget the quotes\necho \"❌ worker down\"\n```\n",
    );
    assert_eq!(commands(&p), ["echo \"❌ worker down\""]);
}

/// Fourth field trial: a part that lists what not to do (`Anti-patterns…`, `Dangerous
/// commands (avoid …)`, `Never run this…`, `Qué no hacer`) is shown, never run, and
/// never an incident of its own.
#[test]
fn what_not_to_do_is_shown_never_run() {
    let p = parse(
        "# Redis full\n\n## Symptoms\n\n- OOM errors\n\n## Fix\n\n\
         ```bash\nredis-cli CONFIG SET maxmemory 4gb\n```\n\n\
         ### Never run this in production\n\n```bash\nredis-cli FLUSHALL\n```\n\n\
         ### C) Dangerous commands (avoid unless you know why)\n\n```bash\nrm -rf /var/lib/redis\n```\n\n\
         **Qué no hacer:**\n\n- `redis-cli DEBUG RESTART`\n",
    );
    assert_eq!(commands(&p), ["redis-cli CONFIG SET maxmemory 4gb"]);
    let shown: Vec<&str> = p
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Note)
        .filter_map(|n| n.text.as_deref())
        .collect();
    for line in ["FLUSHALL", "rm -rf /var/lib/redis", "DEBUG RESTART"] {
        assert!(
            shown.iter().any(|t| t.contains(line)),
            "{line} shown: {shown:?}"
        );
    }
    let md = "# Tool problems\n\n## Login failure\n\n**Symptom**\n\nUnauthorized.\n\n\
              **Fix**\n\n```bash\nmytool login\n```\n\n\
              ## Anti-patterns to stop immediately\n\n\
              - Running `helm upgrade` in production without validation\n\n\
              ```bash\nkubectl delete namespace prod\n```\n";
    let listed: Vec<String> = runbook::markdown::parse_document(md, std::path::Path::new("t.md"))
        .expect("parses")
        .into_iter()
        .map(|p| p.title)
        .collect();
    assert_eq!(listed, ["Login failure"]);
    let doc = runbook::markdown::parse_detailed(md, std::path::Path::new("t.md")).expect("parses");
    let anti = doc
        .sections
        .iter()
        .find(|s| s.slug == "anti-patterns-to-stop-immediately")
        .expect("still addressable by slug");
    assert!(
        commands(&anti.playbook).is_empty(),
        "{:?}",
        commands(&anti.playbook)
    );
}

/// Round 4: a backup restore written as the remedy of one case never runs on every
/// path, and every restore needs a confirmation.
#[test]
fn a_restore_after_if_the_problem_persists_runs_only_in_that_case() {
    // A numbered item over its own block.
    let p = parse(
        "# Caché corrupta\n\n## Solución\n\n1. Reiniciar Redis:\n\n   ```bash\n   \
         docker compose restart redis\n   ```\n\n\
         2. Si el problema persiste, restaurar el backup:\n\n   ```bash\n   \
         docker compose stop redis\n   cp /backups/dump.rdb /var/lib/redis/dump.rdb\n   ```\n\n\
         3. Verificar:\n\n   ```bash\n   redis-cli ping\n   ```\n",
    );
    let restore = step_running_part(&p, "cp /backups/dump.rdb");
    assert!(restore.destructive);
    assert!(avoidable(&p, &restore.id), "{:#?}", p.edges);
    assert!(!avoidable(&p, &by_command(&p, "redis-cli ping").id));
    let d = decisions(&p);
    assert_eq!(d[0].title, "¿Funcionó?");
    assert_eq!(
        labels(d[0]),
        vec!["Si el problema persiste", "Sí, funcionó"]
    );
    // A lead-in over several blocks: each of them belongs to the case.
    let p = parse(
        "# Orders table corrupted\n\n## Resolution\n\n```bash\nsudo systemctl restart app\n```\n\n\
         If the problem persists, restore last night's dump:\n\n\
         ```bash\nsudo systemctl stop app\n```\n\n\
         ```bash\ngunzip -c /backups/app.sql.gz | psql -h db app\n```\n\n\
         ## Verification\n\n```bash\ncurl -fsS http://localhost:8080/health\n```\n",
    );
    for part in ["systemctl stop app", "gunzip"] {
        assert!(avoidable(&p, &step_running_part(&p, part).id), "{part}");
    }
    assert!(step_running_part(&p, "gunzip").destructive);
}

#[test]
fn a_rollback_part_after_the_fix_is_a_case_with_a_way_past() {
    for (doc, label, past) in [
        (
            "# Orders DB down\n\n## Resolution\n\n```bash\nsudo systemctl restart postgresql\n```\n\n\
             ### Rollback\n\n```bash\npg_restore -d app --clean /backups/app.dump\n```\n\n\
             ## Verification\n\n```bash\ncurl -fsS http://localhost:8080/health\n```\n",
            "Rollback",
            "Otherwise",
        ),
        (
            "# Base caída\n\n## Solución\n\n**Opción 1: reiniciar**\n\n```bash\n\
             sudo systemctl restart postgresql\n```\n\n**Opción 2: failover**\n\n```bash\n\
             ./scripts/failover.sh\n```\n\n### Plan de reversión\n\n```bash\n\
             mysql -u root app < /backups/app.sql\n```\n\n\
             ## Verificación\n\n```bash\ncurl -fsS http://localhost:8080/health\n```\n",
            "Plan de reversión",
            "Si no",
        ),
        (
            "# Base caída\n\n## Solución\n\n```bash\nsudo systemctl restart postgresql\n```\n\n\
             **Restaurar el backup:**\n\n```bash\nmongorestore --drop /backups/mongo\n```\n\n\
             ## Verificación\n\n```bash\ncurl -fsS http://localhost:8080/health\n```\n",
            "Restaurar el backup",
            "Si no",
        ),
    ] {
        let p = parse(doc);
        let restore = p
            .nodes
            .iter()
            .find(|n| n.command.as_deref().is_some_and(|c| c.contains("/backups/")))
            .expect("a restore step");
        assert!(restore.destructive, "{label}");
        assert!(avoidable(&p, &restore.id), "{label}: {:#?}", p.edges);
        let d = decisions(&p);
        let d = d.last().expect("a decision");
        assert_eq!(labels(d), vec![label, past]);
    }
    // A rollback procedure on its own, or a numbered restore step, is the path itself.
    for doc in [
        "# Rollback de deploy\n\n## Pasos\n\n### Restaurar el backup\n\n```bash\n\
         pg_restore -d app /backups/app.dump\n```\n",
        "# Datos perdidos\n\n## Solución\n\n### 1. Detener la app\n\n```bash\n\
         sudo systemctl stop app\n```\n\n### 2. Restaurar el backup\n\n```bash\n\
         pg_restore -d app /backups/app.dump\n```\n",
    ] {
        let p = parse(doc);
        assert!(decisions(&p).is_empty(), "{doc}");
        assert!(!avoidable(&p, &step_running_part(&p, "pg_restore").id));
    }
}

/// Round 4: installing, upgrading or removing the host's packages needs a confirmation;
/// so does a request that sends something (a webhook POST to people). Reads stay reads.
#[test]
fn package_changes_and_sending_requests_need_a_confirmation() {
    let p = parse(
        "# Agent missing\n\n## Resolution\n\n```bash\n\
         sudo apt-get install -y node-exporter\n```\n\n```bash\nsudo dnf upgrade -y openssl\n```\n\n\
         ```bash\nsudo apt-get remove -y old-agent\n```\n\n\
         ```bash\ncurl -X POST https://hooks.slack.example/services/T0 -d '{\"text\":\"fixed\"}'\n```\n",
    );
    for part in ["apt-get install", "dnf upgrade", "apt-get remove"] {
        let n = step_running_part(&p, part);
        assert!(n.destructive, "{part}");
    }
    let hook = step_running_part(&p, "curl -X POST");
    assert!(!hook.destructive && hook.confirm);
    // Look-alikes that only read.
    let p = parse(
        "# Agent missing\n\n## Resolution\n\n```bash\napt-cache policy node-exporter\n```\n\n\
         ```bash\napt list --installed\n```\n\n```bash\nsudo apt-get update\n```\n\n\
         ```bash\ncurl -X GET https://api.example.com/v1/agents\n```\n\n\
         ```bash\ncurl -s https://api.example.com/health\n```\n",
    );
    for n in p.nodes.iter().filter(|n| n.command.is_some()) {
        assert!(!n.destructive && !n.confirm, "{:?}", n.command);
    }
    // Sent from a diagnosis step, a request is a probe: judged, not confirmed.
    let p = parse(
        "# Login broken\n\n## Diagnosis\n\n```bash\n\
         curl -X POST https://api.example.com/api/auth/login -d '{\"u\":\"probe\"}'\n```\n",
    );
    assert!(!p.nodes.iter().any(|n| n.confirm));
}

/// Fourth field trial: a block that is a script (`#!/usr/bin/env bash`) runs whole, as
/// one step: split into steps, each in a shell of its own, `set -euo pipefail`, its
/// variables and its functions would be lost after the first.
#[test]
fn a_script_block_runs_whole() {
    let p = parse(
        "# Disk full\n\n## Diagnosis\n\n```bash\n#!/usr/bin/env bash\nset -euo pipefail\n\
         # Disk usage by mount\nDIR=/var\ndf -h\ndu -xhd1 \"$DIR\"\n```\n",
    );
    let commands = commands(&p);
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert!(commands[0].starts_with("#!/usr/bin/env bash\nset -euo pipefail"));
    assert!(commands[0].ends_with("du -xhd1 \"$DIR\""));
    let step = by_command(&p, commands[0]);
    assert_eq!(step.title, "Disk usage by mount");
}

#[test]
fn a_command_whose_prompts_the_runbook_says_to_follow_is_interactive() {
    for (md, cmd) in [
        (
            "# Cluster leader lost\n## Fix\n```bash\n# Move the cluster to a new leader\n\
             clusterctl promote --cluster main\n\n# Follow the prompts:\n\
             # - pick the node with the least lag\n```\n",
            "clusterctl promote",
        ),
        (
            "# Líder perdido\n## Solución\n```bash\n# Cambiar de líder\n\
             clusterctl promote --cluster main\n\n# Sigue las instrucciones en pantalla\n```\n",
            "clusterctl promote",
        ),
    ] {
        let p = parse(md);
        assert!(step_running_part(&p, cmd).interactive, "{md}");
    }
    // A prompt note after prose, not after a command, marks nothing.
    let p = parse(
        "# Cluster leader lost\n## Fix\n```bash\nclusterctl status\n```\n\
         Then open the console.\n```bash\n# Follow the prompts\n```\n",
    );
    assert!(!by_command(&p, "clusterctl status").interactive);
}
