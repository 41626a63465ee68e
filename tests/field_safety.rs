//! Safety flags the parser sets on runbooks it was not written for: destructive commands
//! of any program (and prose warnings next to them), never a read-only diagnosis;
//! interactive and never-ending commands; commands meant for a shell opened on another
//! host or in a pod; commands of programs the parser has no list entry for.

use runbook::graph::{Node, NodeKind};
use runbook::markdown;
use std::path::Path;

mod field_graph;
use field_graph::{commands, parse_one as parse, step_running as by_command};

#[test]
fn destructive_commands_of_any_program_are_flagged() {
    let p = parse(
        "# Disk full\n\n## Resolution\n\n```bash\n\
         sudo apt-get purge linux-headers-5.4.0-42\n\
         sudo apt-get autoremove -y\n\
         helmfile destroy\n\
         sudo mkfs.ext4 /dev/sdb\n\
         sudo growpart /dev/sda 1\n\
         sudo resize2fs /dev/sda1\n\
         sudo swapoff -a\n\
         etcdctl del --prefix /registry\n\
         sudo kubeadm reset -f\n\
         sudo gitlab-rails runner /tmp/sq.rb kill Worker\n\
         ```\n",
    );
    let cmds = commands(&p);
    assert_eq!(cmds.len(), 10, "{cmds:#?}");
    for n in p.nodes.iter().filter(|n| n.command.is_some()) {
        assert!(n.destructive, "{:?} should be destructive", n.command);
        assert_eq!(n.kind, NodeKind::Action);
    }
}

#[test]
fn reads_are_never_destructive() {
    let p = parse(
        "# Database slow\n\n## Diagnosis\n\n```bash\n\
         psql -h <db-host> -c 'select 1'\n\
         mysql -u <db_user> -e 'SHOW PROCESSLIST'\n\
         etcdctl endpoint status -w table\n\
         kubeadm upgrade plan\n\
         velero restore get\n\
         gitlab-rails runner /tmp/sq.rb kill Worker --dry-run\n\
         grep -i kill /var/log/syslog\n\
         git reset --soft HEAD~1\n\
         ```\n",
    );
    for n in p.nodes.iter().filter(|n| n.command.is_some()) {
        assert!(!n.destructive, "{:?} is a read", n.command);
        assert_eq!(n.kind, NodeKind::Check, "{:?}", n.command);
    }
    // A real restore through a redirect still is one, placeholder or not.
    let p = parse("# Restore\n\n## Diagnosis\n\n```bash\npsql -h <db-host> app < dump.sql\n```\n");
    assert!(by_command(&p, "psql -h <db-host> app < dump.sql").destructive);
}

#[test]
fn prose_warnings_mark_the_step_destructive() {
    let p = parse(
        "# Volume full\n\n## Diagnosis\n\n\
         **WARNING**: this removes every stored object.\n\n\
         ```bash\nmc-cleanup-objects --all\n```\n\n\
         Check the log level, look for WARNING lines:\n\n\
         ```bash\njournalctl -u app --since today\n```\n\n\
         ```bash\n# Recrear el volumen (CUIDADO: pérdida de datos)\nfoo-volumes recreate data\n```\n",
    );
    assert!(by_command(&p, "mc-cleanup-objects --all").destructive);
    assert!(!by_command(&p, "journalctl -u app --since today").destructive);
    let recreate = p
        .nodes
        .iter()
        .find(|n| {
            n.command
                .as_deref()
                .is_some_and(|c| c.contains("foo-volumes"))
        })
        .expect("recreate step");
    assert!(recreate.destructive);
}

#[test]
fn editors_and_shells_are_interactive() {
    for cmd in [
        "kubectl edit deployment web",
        "systemctl edit app.service",
        "crontab -e",
        "sudo -i",
        "kubectl debug node/worker-1 -it --image=ubuntu",
    ] {
        let p = parse(&format!(
            "# Web down\n\n## Diagnosis\n\n```bash\n{cmd}\n```\n"
        ));
        assert!(by_command(&p, cmd).interactive, "{cmd}");
    }
    let p = parse("# Web down\n\n## Diagnosis\n\n```bash\nkubectl get deployment web\n```\n");
    assert!(!by_command(&p, "kubectl get deployment web").interactive);
}

#[test]
fn never_ending_samplers_are_bounded_watches() {
    let p = parse(
        "# Slow host\n\n## Diagnosis\n\n```bash\n\
         sudo perf record -p 1234\n\
         strace -p 1234\n\
         vmstat 1\n\
         iostat -x 1 3\n\
         top -b -n 1\n\
         ```\n",
    );
    for cmd in ["sudo perf record -p 1234", "strace -p 1234", "vmstat 1"] {
        assert!(by_command(&p, cmd).watch, "{cmd}");
    }
    for cmd in ["iostat -x 1 3", "top -b -n 1"] {
        assert!(!by_command(&p, cmd).watch, "{cmd}");
    }
}

#[test]
fn commands_after_a_shell_opener_are_typed_there_not_run_here() {
    let p = parse(
        "# Etcd members down\n\n## Diagnosis\n\n\
         Open a shell in the etcd container:\n\n\
         ```console\n$ oc rsh -c etcdctl -n openshift-etcd etcd-0\n```\n\n\
         Check the members:\n\n\
         ```console\n$ etcdctl member list -w table\n```\n\n\
         ```bash\netcdctl del --prefix /stale\n```\n\n\
         ## Verification\n\n\
         ```bash\noc get pods -n openshift-etcd\n```\n",
    );
    let rsh = by_command(&p, "oc rsh -c etcdctl -n openshift-etcd etcd-0");
    assert!(rsh.interactive);
    // Later blocks of the same section are typed there: steps of their own, never run.
    let typed: Vec<&Node> = p
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Manual)
        .collect();
    assert_eq!(typed.len(), 2, "{:#?}", p.nodes);
    let text = typed[0].text.as_deref().unwrap_or("");
    assert!(text.contains("$ etcdctl member list -w table"), "{text}");
    assert_eq!(typed[0].title, "Check the members");
    assert!(typed[1]
        .text
        .as_deref()
        .unwrap_or("")
        .contains("$ etcdctl del --prefix /stale"));
    // What is typed there destroys: that step says so.
    assert!(typed[1].destructive);
    let cmds = commands(&p);
    assert!(!cmds.iter().any(|c| c.starts_with("etcdctl")), "{cmds:#?}");
    // A new heading is back on this machine.
    assert!(!by_command(&p, "oc get pods -n openshift-etcd").interactive);
}

#[test]
fn a_shell_opener_inside_one_step_splits_it() {
    let p = parse(
        "# Nodo caído\n\n## Diagnóstico\n\n```bash\n\
         # 1. Ver nodos\nkubectl get nodes\n\n\
         # 2. En el nodo, verificar kubelet\nssh worker-01\nsudo systemctl status kubelet\n\n\
         # 3. Ver logs\nsudo journalctl -u kubelet --since '10 min ago'\n\
         ```\n",
    );
    assert_eq!(
        commands(&p),
        vec!["kubectl get nodes", "ssh worker-01"],
        "{:#?}",
        p.nodes
    );
    let ssh = by_command(&p, "ssh worker-01");
    assert!(ssh.interactive);
    let text = ssh.text.as_deref().unwrap_or("");
    assert!(
        text.starts_with("En la shell que abre, ejecutar:"),
        "{text}"
    );
    assert!(text.contains("$ sudo systemctl status kubelet"), "{text}");
    assert!(text.contains("$ sudo journalctl -u kubelet"), "{text}");
}

#[test]
fn exit_closes_the_remote_shell() {
    let p = parse(
        "# Disk\n\n## Diagnosis\n\n```bash\nssh db-1\ndf -h\nexit\n```\n\n```bash\nuptime\n```\n",
    );
    assert_eq!(commands(&p), vec!["ssh db-1", "uptime"]);
    let text = by_command(&p, "ssh db-1").text.clone().unwrap_or_default();
    assert!(
        text.contains("$ df -h") && text.contains("$ exit"),
        "{text}"
    );
}

#[test]
fn programs_outside_the_list_are_commands_by_their_shape() {
    let p = parse(
        "# Cassandra node down\n\n## Diagnosis\n\n\
         ```\nnodetool status\n```\n\n\
         `gitlab-ctl status`\n\n\
         Check the cluster with `cockroach node status --insecure`.\n\n\
         ## Resolution\n\n```\ngitlab-ctl restart redis\n```\n",
    );
    for cmd in [
        "nodetool status",
        "gitlab-ctl status",
        "cockroach node status --insecure",
    ] {
        assert_eq!(by_command(&p, cmd).kind, NodeKind::Check, "{cmd}");
    }
    let restart = by_command(&p, "gitlab-ctl restart redis");
    assert_eq!(restart.kind, NodeKind::Action);
    assert!(restart.destructive);
}

#[test]
fn prose_output_and_errors_in_fences_stay_text() {
    let p = parse(
        "# Pods failing\n\n## Diagnosis\n\n\
         The events show:\n\n```\nback-off restarting failed container\n```\n\n\
         Clients log `connection refused` and `context deadline exceeded`.\n\n\
         ```\nnode-2 NotReady <none> 3d v1.28.0\n```\n\n\
         ```bash\nkubectl get pods\n```\n",
    );
    assert_eq!(commands(&p), vec!["kubectl get pods"], "{:#?}", p.nodes);
}

#[test]
fn a_console_block_without_prompts_stays_visible_with_its_lead_in() {
    let p = parse(
        "# Etcd full\n\n## Diagnosis\n\n\
         Check the quota use with this query in the metrics console:\n\n\
         ```console\n(etcd_db_total_size_in_bytes / etcd_server_quota_backend_bytes) * 100\n```\n\n\
         ```console\nkubectl -n kube-etcd get pods\n```\n",
    );
    let query = p
        .nodes
        .iter()
        .find(|n| {
            n.text
                .as_deref()
                .is_some_and(|t| t.contains("etcd_db_total"))
        })
        .expect("the query is kept");
    assert_eq!(query.kind, NodeKind::Note);
    assert!(query.command.is_none());
    assert!(
        query.title.contains("quota use")
            || query.text.as_deref().unwrap_or("").contains("quota use")
    );
    // Commands written bare in a console block still run.
    assert_eq!(commands(&p), vec!["kubectl -n kube-etcd get pods"]);
}

#[test]
fn a_numbered_procedure_inside_a_fence_becomes_steps() {
    let p = parse(
        "# Sistema caído\n\n## Pasos inmediatos\n\n```\n\
         1. Verificar servicios\n   docker compose ps\n\n\
         2. Ver errores\n   docker compose logs --tail=100 | grep -i error\n\n\
         3. Escalar si es necesario\n   Contactar: guardia de plataforma\n```\n",
    );
    assert_eq!(
        commands(&p),
        vec![
            "docker compose ps",
            "docker compose logs --tail=100 | grep -i error"
        ]
    );
    assert_eq!(
        by_command(&p, "docker compose ps").title,
        "Verificar servicios"
    );
    // Prose stays a list of lines in one note: not a procedure, nothing to run.
    let books = markdown::parse_document(
        "# Escalado\n\n## Acciones\n\n```\nSeveridad 1 (Crítico):\n  1. Contactar DevOps on-call\n  2. Notificar Tech Lead\n```\n",
        Path::new("doc.md"),
    )
    .expect("parses");
    assert!(books.iter().all(|b| commands(b).is_empty()), "{books:#?}");
}
