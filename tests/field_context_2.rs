//! Second field trial, context and transcripts: how far a shell opened elsewhere
//! (`ssh host`, `kubectl exec -it`) reaches, `$ NS=x` lines of a console transcript, and
//! result sentences after a block of never-ending pings.

use runbook::graph::{ExpectKind, Node, NodeKind, Playbook};

mod field_graph;
use field_graph::{commands, parse_one as parse, step_running as by_command};

/// Steps to type in the other shell: manual, never run here.
fn typed_there(p: &Playbook) -> Vec<&Node> {
    p.nodes
        .iter()
        .filter(|n| {
            n.kind == NodeKind::Manual && n.text.as_deref().is_some_and(|t| t.contains("$ "))
        })
        .collect()
}

#[test]
fn back_on_the_workstation_runs_here_again() {
    let p = parse(
        "# Worker disk full\n\n## Diagnosis\n\nLog in to the worker:\n\n\
         ```bash\nssh worker-1\ndf -h\n```\n\n\
         Back on your workstation, check the node object:\n\n\
         ```bash\nkubectl describe node worker-1\n```\n",
    );
    assert_eq!(
        commands(&p),
        vec!["ssh worker-1", "kubectl describe node worker-1"]
    );
    let ssh = by_command(&p, "ssh worker-1")
        .text
        .clone()
        .unwrap_or_default();
    assert!(ssh.contains("$ df -h") && !ssh.contains("kubectl"), "{ssh}");
    assert_eq!(
        by_command(&p, "kubectl describe node worker-1").kind,
        NodeKind::Check
    );
}

#[test]
fn a_lead_in_naming_the_node_reaches_across_a_heading() {
    let p = parse(
        "# Node NotReady\n\n## Diagnosis\n\n```bash\nssh worker-1\nsudo systemctl status kubelet\n```\n\n\
         ## Resolution\n\nOn the worker node, restart the kubelet:\n\n\
         ```bash\nsudo systemctl restart kubelet\n```\n\n\
         Then confirm from the cluster:\n\n```bash\nkubectl get nodes\n```\n",
    );
    // Only the opener and the cluster check run here.
    assert_eq!(commands(&p), vec!["ssh worker-1", "kubectl get nodes"]);
    let typed = typed_there(&p);
    assert_eq!(typed.len(), 1, "{:#?}", p.nodes);
    let text = typed[0].text.as_deref().unwrap_or("");
    assert!(text.contains("`ssh worker-1`"), "{text}");
    assert!(text.contains("$ sudo systemctl restart kubelet"), "{text}");
    assert!(typed[0].destructive);
    // The step sits where the document puts it: after the opener, before the check.
    let at = |id: &str| p.nodes.iter().position(|n| n.id == id).unwrap();
    assert!(at(&typed[0].id) < at(&by_command(&p, "kubectl get nodes").id));
}

#[test]
fn host_only_commands_after_a_heading_are_typed_on_the_host() {
    let p = parse(
        "# Nodo caído\n\n## Diagnóstico\n\n```bash\n# En el nodo\nssh k8s-worker-01\n```\n\n\
         ### Problema: kubelet detenido\n\n\
         ```bash\n# Reiniciar kubelet\nsudo systemctl restart kubelet\n\n\
         # Corregir containerd\nsudo sed -i 's/a/b/' /etc/containerd/config.toml\n```\n\n\
         ### Problema: CNI\n\n```bash\nkubectl get pods -n kube-system\n```\n",
    );
    assert_eq!(
        commands(&p),
        vec!["ssh k8s-worker-01", "kubectl get pods -n kube-system"]
    );
    let typed = typed_there(&p);
    assert_eq!(typed.len(), 2, "{:#?}", p.nodes);
    let text = typed[0].text.as_deref().unwrap();
    assert!(
        text.contains("En la shell que abrió `ssh k8s-worker-01`"),
        "{text}"
    );
}

#[test]
fn spanish_lead_ins_choose_the_shell() {
    let p = parse(
        "# Pod lento\n\n## Diagnóstico\n\n```bash\nkubectl exec -it api-0 -- sh\n```\n\n\
         ## Solución\n\nDentro del contenedor, borrar la caché:\n\n```bash\nrm -rf /tmp/cache\n```\n\n\
         En tu máquina, reiniciar el despliegue:\n\n\
         ```bash\nkubectl rollout restart deploy/api\n```\n\n\
         Dentro del contenedor, ver el uso:\n\n```bash\ndu -sh /tmp\n```\n",
    );
    // After "en tu máquina" the context is over: the last block runs here too.
    assert_eq!(
        commands(&p),
        vec![
            "kubectl exec -it api-0 -- sh",
            "kubectl rollout restart deploy/api",
            "du -sh /tmp"
        ]
    );
    let typed = typed_there(&p);
    assert_eq!(typed.len(), 1);
    assert!(typed[0].destructive, "rm -rf stays flagged");
}

#[test]
fn a_later_section_silent_about_the_host_runs_here() {
    let p = parse(
        "# Disk\n\n## Diagnosis\n\n```bash\nssh db-1\ndf -h\n```\n\n\
         ## Mitigation\n\nScale the service down:\n\n\
         ```bash\nkubectl scale deploy/api --replicas=0\n```\n\n\
         ## Verification\n\nCheck db-1 again:\n\n```bash\ndf -h /var\n```\n",
    );
    // A lead-in naming the host puts the block there again.
    assert_eq!(
        commands(&p),
        vec!["ssh db-1", "kubectl scale deploy/api --replicas=0"]
    );
    assert_eq!(typed_there(&p).len(), 1);
}

#[test]
fn exit_ends_the_shell_for_later_blocks_too() {
    let p = parse(
        "# Disk\n\n## Diagnosis\n\n```bash\nssh db-1\ndf -h\nexit\n```\n\n\
         Check the volume:\n\n```bash\nsudo systemctl status kubelet\n```\n",
    );
    assert_eq!(
        commands(&p),
        vec!["ssh db-1", "sudo systemctl status kubelet"]
    );
}

#[test]
fn console_assignments_travel_with_the_next_command() {
    let p = parse(
        "# Cache check\n\n## Diagnosis\n\n```console\n$ NS=\"payments\"\n\
         $ export POD=$(kubectl -n $NS get pod -l app=cache -o name)\n\
         $ kubectl -n $NS logs $POD --tail=5\nready\n$ kubectl -n $NS get svc\n```\n",
    );
    assert!(
        p.variables
            .iter()
            .all(|v| v.name != "NS" && v.name != "POD"),
        "{:#?}",
        p.variables
    );
    let logs = &p.nodes[0];
    let cmd = logs.command.as_deref().unwrap_or("");
    assert!(cmd.starts_with("NS=\"payments\"\nexport POD=$("), "{cmd}");
    assert!(cmd.ends_with("logs $POD --tail=5"), "{cmd}");
    assert_eq!(logs.title, "kubectl -n $NS logs $POD --tail=5");
    assert_eq!(logs.expect.len(), 1);
    // The next command uses NS too: a transcript is one shell session.
    let svc = p.nodes[1].command.as_deref().unwrap_or("");
    assert!(
        svc.starts_with("NS=\"payments\"\n") && svc.ends_with("\nkubectl -n $NS get svc"),
        "{svc}"
    );
}

#[test]
fn a_result_sentence_after_like_pings_is_about_each() {
    let p = parse(
        "# Firewall\n\n## Diagnosis\n\n```bash\nping 10.0.30.10\nping 10.0.40.10\n```\n\n\
         Should show `100% packet loss` or `Destination Host Unreachable`.\n\n\
         ```bash\nping -c 3 10.0.30.10\n```\n\nShould show `100% packet loss`.\n",
    );
    for target in ["ping 10.0.30.10", "ping 10.0.40.10"] {
        let n = by_command(&p, target);
        assert!(n.watch);
        // Ended by SIGTERM, ping prints no summary: its text is not judged, only shown.
        assert!(n.expect.is_empty(), "{target}: {:?}", n.expect);
        assert!(n.text.as_deref().unwrap_or("").contains("100% packet loss"));
    }
    // A bounded ping prints its summary: judged.
    let bounded = by_command(&p, "ping -c 3 10.0.30.10");
    assert!(!bounded.watch);
    assert!(bounded
        .expect
        .iter()
        .any(|e| e.kind == ExpectKind::Contains || e.value.contains("100% packet loss")));
}

#[test]
fn a_result_sentence_is_about_its_own_command_not_its_neighbours() {
    let p = parse(
        "# Cache\n\n## Diagnosis\n\n```bash\nkubectl get pods -l app=redis\nredis-cli ping\n```\n\n\
         Should return `PONG`.\n",
    );
    assert!(by_command(&p, "kubectl get pods -l app=redis")
        .expect
        .is_empty());
    assert_eq!(by_command(&p, "redis-cli ping").expect.len(), 1);
}

#[test]
fn list_items_after_the_opener_are_typed_there() {
    let p = parse(
        "# Disk\n\n## Diagnosis\n\n```bash\nssh db-1\n```\n\n\
         1. Check the disk: `df -h /var`\n\
         2. Restart the agent: `sudo systemctl restart node-exporter`\n\n\
         ## Verification\n\nBack on your workstation:\n\n1. Check the target: `curl -s http://db-1:9100/metrics`\n",
    );
    assert_eq!(
        commands(&p),
        vec!["ssh db-1", "curl -s http://db-1:9100/metrics"],
        "{:#?}",
        p.nodes
    );
    assert_eq!(typed_there(&p).len(), 2);
}

#[test]
fn exit_in_a_later_block_ends_the_shell() {
    let p = parse(
        "# Disk\n\n## Diagnosis\n\n```bash\nssh db-1\n```\n\n\
         On the host, clean up and leave:\n\n```bash\nsudo journalctl --vacuum-size=200M\nexit\n```\n\n\
         ## Verification\n\n```bash\nsudo systemctl status kubelet\n```\n",
    );
    assert_eq!(
        commands(&p),
        vec!["ssh db-1", "sudo systemctl status kubelet"]
    );
}

#[test]
fn a_block_opening_its_own_shell_runs_here_and_takes_over() {
    let p = parse(
        "# Pods\n\n## Diagnosis\n\n```bash\noc rsh -n ns api-0\n```\n\n\
         ```bash\nkubectl exec -it web-0 -- /bin/bash\n```\n\n```bash\nls /srv\n```\n",
    );
    assert_eq!(
        commands(&p),
        vec!["oc rsh -n ns api-0", "kubectl exec -it web-0 -- /bin/bash"]
    );
    let typed = typed_there(&p);
    assert_eq!(typed.len(), 1);
    assert!(typed[0]
        .text
        .as_deref()
        .unwrap()
        .contains("`kubectl exec -it web-0 -- /bin/bash`"));
}

/// Fourth field trial: prose that sends the engineer to another host, with no `ssh`
/// command (`SSH into the affected node and…`, `Conéctate por SSH al nodo`), is a step
/// the engineer takes; the blocks after it follow the rules of a shell opened by a
/// command, so `systemctl` on the node never runs on this machine.
#[test]
fn going_to_a_host_in_prose_keeps_its_commands_off_this_machine() {
    for (md, went) in [
        (
            "# Node not ready\n\n## Diagnosis\n\n```bash\nkubectl get nodes\n```\n\n\
             SSH into the affected node and check the kubelet:\n\n\
             ```bash\nsudo systemctl status kubelet\n```\n\n## Resolution\n\n\
             Restart the kubelet on the node:\n\n```bash\nsudo systemctl restart kubelet\n```\n",
            "SSH into the affected node",
        ),
        (
            "# Nodo caído\n\n## Diagnóstico\n\n```bash\nkubectl get nodes\n```\n\n\
             Conéctate por SSH al nodo afectado y revisa el kubelet:\n\n\
             ```bash\nsudo systemctl status kubelet\n```\n\n## Solución\n\n\
             ```bash\nsudo systemctl restart kubelet\n```\n",
            "Conéctate por SSH al nodo",
        ),
    ] {
        let p = parse(md);
        assert_eq!(commands(&p), ["kubectl get nodes"], "{went}");
        assert!(
            p.nodes
                .iter()
                .any(|n| n.kind == NodeKind::Manual && n.title.starts_with(went)),
            "{went}"
        );
        assert_eq!(typed_there(&p).len(), 2, "{went}");
    }
    // An `ssh` command in the block is the opener itself, as before.
    let p = parse(
        "# Worker disk full\n\n## Diagnosis\n\nSSH into the worker:\n\n\
         ```bash\nssh worker-1\ndf -h\n```\n",
    );
    assert_eq!(commands(&p), ["ssh worker-1"]);
}

/// Round 4: a comment that only names where or with what the commands run (`# Docker`,
/// `# En el servidor`) titles no step: the lead-in above titles the step under it, and
/// never the next one.
#[test]
fn a_lone_context_comment_does_not_shift_titles() {
    let p = parse(
        "# API lenta\n\n## Solución\n\nReiniciar la API:\n\n```bash\n# Docker\n\
         docker compose restart api\n```\n\nVerificar los logs:\n\n```bash\n\
         # En el servidor\njournalctl -u api -n 50\n```\n",
    );
    let restart = by_command(&p, "docker compose restart api");
    assert_eq!(restart.title, "Reiniciar la API");
    assert!(restart.text.as_deref().unwrap_or("").contains("Docker"));
    assert_eq!(
        by_command(&p, "journalctl -u api -n 50").title,
        "Verificar los logs"
    );
    // Over `# 1.` headers it is their context, not a step of its own.
    let p = parse(
        "# API slow\n\n## Resolution\n\n```bash\n# Docker\n# 1. List containers\n\
         docker compose ps\n# 2. Restart the API\ndocker compose restart api\n```\n",
    );
    assert!(
        !p.nodes.iter().any(|n| n.kind == NodeKind::Manual),
        "{:#?}",
        p.nodes
    );
    let ps = by_command(&p, "docker compose ps");
    assert_eq!(ps.title, "List containers");
    assert_eq!(
        by_command(&p, "docker compose restart api").title,
        "Restart the API"
    );
    // Two of them are still the choices of one decision; a title that says what the
    // step does stays its title.
    let p = parse(
        "# API slow\n\n## Resolution\n\n```bash\n# Docker\ndocker compose restart api\n\n\
         # Kubernetes\nkubectl rollout restart deploy/api\n```\n",
    );
    assert!(p.nodes.iter().any(|n| n.kind == NodeKind::Decision));
    let p = parse("# Disk\n## Diagnosis\n```bash\n# Usage\ndf -h\n```\n");
    assert_eq!(by_command(&p, "df -h").title, "Usage");
}
