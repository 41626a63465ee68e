//! Alternatives and conditions in real runbooks are never a plain sequence: conditional
//! comments inside a block, conditional headings, provider/variant labels and "`A` or
//! `B`" each become a decision or a `fail` branch.

use runbook::graph::{EdgeOn, Playbook};

mod field_graph;
use field_graph::{decisions, labels, parse_one as parse, step_running_part as by_command};

/// Where `from` goes on `on`.
fn edge<'a>(p: &'a Playbook, from: &'a str, on: &EdgeOn) -> Option<&'a str> {
    p.edges_from(from)
        .find(|e| &e.on == on)
        .map(|e| e.to.as_str())
}

/// Whether some edge leads straight from `from` to `to` (whatever its outcome).
fn leads(p: &Playbook, from: &str, to: &str) -> bool {
    p.edges_from(from).any(|e| e.to == to)
}

#[test]
fn failure_comment_hangs_off_the_step_above() {
    let p = parse(
        "# Web down\n\n## Resolution\n\n```bash\n# Restart it\ndocker restart web\n# If the container won't start, recreate it\ndocker compose up -d web\n```\n\n## Verification\n\n```bash\ncurl -fsS http://localhost/health\n```\n",
    );
    let restart = by_command(&p, "docker restart web");
    let recreate = by_command(&p, "docker compose up");
    let health = by_command(&p, "curl -fsS");
    assert_eq!(recreate.title, "recreate it");
    assert_eq!(
        edge(&p, &restart.id, &EdgeOn::Fail),
        Some(recreate.id.as_str())
    );
    assert_eq!(edge(&p, &restart.id, &EdgeOn::Ok), Some(health.id.as_str()));
    assert_ne!(
        edge(&p, &restart.id, &EdgeOn::Next),
        Some(recreate.id.as_str())
    );
    assert!(decisions(&p).is_empty());
}

#[test]
fn spanish_si_falla_comment_after_a_check_is_its_fail_branch() {
    let p = parse(
        "# Kubelet caído\n\n## Solución\n\n```bash\n# Verificar estado\nsudo systemctl status kubelet\n\n# Si falla al iniciar, ver logs\nsudo journalctl -u kubelet -n 50 --no-pager\n```\n",
    );
    let status = by_command(&p, "systemctl status kubelet");
    let logs = by_command(&p, "journalctl");
    assert_eq!(edge(&p, &status.id, &EdgeOn::Fail), Some(logs.id.as_str()));
    assert_eq!(edge(&p, &status.id, &EdgeOn::Ok), Some("end"));
}

#[test]
fn other_condition_comment_is_a_decision_with_a_way_past() {
    let p = parse(
        "# Pods pendientes\n\n## Solución\n\n```bash\nkubectl get pods -n kube-system -l k8s-app=calico-node\n\n# Si no hay pods de Calico, instalar CNI\nkubectl apply -f https://example.com/calico.yaml\n\n# Esperar a que esté listo\nkubectl get pods -n kube-system\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["Si no hay pods de Calico", "Si no"]);
    let install = by_command(&p, "kubectl apply");
    let wait = p
        .nodes
        .iter()
        .find(|n| n.command.as_deref() == Some("kubectl get pods -n kube-system"))
        .expect("wait step");
    assert_eq!(install.title, "instalar CNI");
    assert_eq!(d[0].choices[0].to, install.id);
    assert_eq!(
        d[0].choices[1].to, wait.id,
        "\"si no\" goes on after the case"
    );
    let check = by_command(&p, "calico-node");
    assert_eq!(edge(&p, &check.id, &EdgeOn::Next), Some(d[0].id.as_str()));
    assert!(!leads(&p, &check.id, &install.id));
}

#[test]
fn still_after_an_action_is_asked_not_assumed() {
    // A restart that exits 0 says nothing about pods still pending: a person decides.
    let p = parse(
        "# API down\n\n## Resolution\n\n```bash\n# Restart the deployment\nkubectl -n app rollout restart deployment/api\n# If pods are still pending, add a node\naws autoscaling set-desired-capacity --auto-scaling-group-name workers --desired-capacity 5\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["If pods are still pending", "Otherwise"]);
    let add = by_command(&p, "set-desired-capacity");
    assert_eq!(add.title, "add a node");
    assert_eq!(d[0].choices[1].to, "end");
    let restart = by_command(&p, "rollout restart");
    assert!(!leads(&p, &restart.id, &add.id));
}

#[test]
fn otherwise_comment_is_the_second_choice() {
    let p = parse(
        "# Cache down\n\n## Resolution\n\n```bash\nredis-cli ping\n# If it answers LOADING, wait for the load to finish\nsleep 60\n# Otherwise, restart it\nsudo systemctl restart redis\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["If it answers LOADING", "Otherwise"]);
    let wait = by_command(&p, "sleep 60");
    let restart = by_command(&p, "systemctl restart redis");
    assert_eq!(d[0].choices[0].to, wait.id);
    assert_eq!(d[0].choices[1].to, restart.id);
    assert!(!leads(&p, &wait.id, &restart.id), "never both");
}

#[test]
fn a_never_ending_command_inside_a_case_stays_in_it() {
    let p = parse(
        "# Pods pending\n\n## Resolution\n\n```bash\nkubectl get nodes\n# If a node is cordoned, uncordon it and watch\nkubectl get pods -w\nkubectl uncordon node-1\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    let watch = by_command(&p, "get pods -w");
    let uncordon = by_command(&p, "uncordon");
    assert_eq!(d[0].choices[0].to, watch.id);
    assert_eq!(
        edge(&p, &watch.id, &EdgeOn::Next),
        Some(uncordon.id.as_str())
    );
    assert_eq!(edge(&p, &uncordon.id, &EdgeOn::Next), Some("end"));
    assert_eq!(d[0].choices[1].to, "end");
}

#[test]
fn conditional_heading_has_two_choices() {
    let p = parse(
        "# Service down\n\n## Resolution\n\n```bash\nsudo systemctl restart app\n```\n\n### If the restart does not help\n\n```bash\njournalctl -u app -n 100 --no-pager\n```\n\n## Verification\n\n```bash\ncurl -fsS http://localhost:8080/health\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["If the restart does not help", "Otherwise"]
    );
    let logs = by_command(&p, "journalctl");
    let health = by_command(&p, "curl");
    assert_eq!(d[0].choices[0].to, logs.id);
    assert_eq!(d[0].choices[1].to, health.id);
    assert!(
        !p.warnings.iter().any(|w| w.message.contains("choice")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn spanish_conditional_heading_and_written_otherwise() {
    let p = parse(
        "# Servicio caído\n\n## Solución\n\n```bash\nsudo systemctl restart app\n```\n\n#### Si el reinicio no funciona\n\n```bash\nsudo journalctl -u app -n 100\n```\n\n#### Si no\n\n```bash\ncurl -fsS http://localhost:8080/health\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["Si el reinicio no funciona", "Si no"]);
    assert_eq!(d[0].choices[1].to, by_command(&p, "curl").id);
}

#[test]
fn provider_labels_are_one_choice_each() {
    let p = parse(
        "# Cannot reach the cluster\n\n## Resolution\n\n**AWS EKS**:\n```bash\naws eks update-kubeconfig --name prod\n```\n\n**Azure AKS**:\n```bash\naz aks get-credentials --resource-group rg --name prod\n```\n\n**GCP GKE**:\n```bash\ngcloud container clusters get-credentials prod\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["AWS EKS", "Azure AKS", "GCP GKE"]);
    let aws = by_command(&p, "aws eks");
    let az = by_command(&p, "az aks");
    let gcloud = by_command(&p, "gcloud");
    assert_eq!(d[0].choices[0].to, aws.id);
    assert_eq!(d[0].choices[1].to, az.id);
    assert_eq!(d[0].choices[2].to, gcloud.id);
    for n in [aws, az, gcloud] {
        assert_eq!(edge(&p, &n.id, &EdgeOn::Next), Some("end"), "{}", n.id);
    }
    assert_eq!(p.nodes.iter().filter(|n| n.command.is_some()).count(), 3);
}

#[test]
fn os_labels_in_a_tight_list_are_alternatives() {
    let p = parse(
        "# jq missing\n\n## Resolution\n\n- **Ubuntu/Debian**: `sudo apt-get install -y jq`\n- **macOS**: `brew install jq`\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["Ubuntu/Debian", "macOS"]);
    let apt = by_command(&p, "apt-get install");
    assert_eq!(d[0].choices[0].to, apt.id);
    assert!(!leads(&p, &apt.id, &d[0].choices[1].to));
}

#[test]
fn bold_step_labels_stay_a_sequence() {
    let p = parse(
        "# App down\n\n## Resolution\n\n**Check logs**:\n```bash\njournalctl -u app -n 50\n```\n\n**Restart**:\n```bash\nsudo systemctl restart app\n```\n",
    );
    assert!(decisions(&p).is_empty());
    let logs = by_command(&p, "journalctl");
    let restart = by_command(&p, "systemctl restart");
    assert_eq!(edge(&p, &logs.id, &EdgeOn::Next), Some(restart.id.as_str()));
}

#[test]
fn commands_joined_by_or_are_alternatives() {
    let p = parse(
        "# Redis down\n\n## Resolution\n\nRestart it with `sudo systemctl restart redis` or `sudo systemctl restart sentinel`.\n\n- Reinicie con `sudo systemctl restart api` o `sudo docker restart api`\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 2);
    assert_eq!(
        labels(d[0]),
        vec![
            "sudo systemctl restart redis",
            "sudo systemctl restart sentinel"
        ]
    );
    let redis = by_command(&p, "restart redis");
    let sentinel = by_command(&p, "restart sentinel");
    assert_eq!(
        redis.command.as_deref(),
        Some("sudo systemctl restart redis")
    );
    assert!(!leads(&p, &redis.id, &sentinel.id), "never both");
    assert_eq!(edge(&p, &redis.id, &EdgeOn::Next), Some(d[1].id.as_str()));
    assert_eq!(d[1].choices.len(), 2);
}

#[test]
fn an_or_paragraph_between_commands_is_a_choice() {
    let p = parse(
        "# Redis down\n\n## Resolution\n\n`sudo systemctl restart redis`\n\nor\n\n`sudo systemctl restart sentinel`.\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].choices.len(), 2);
    assert!(!p.nodes.iter().any(|n| n.title == "or"));
    let redis = by_command(&p, "restart redis");
    assert_eq!(edge(&p, &redis.id, &EdgeOn::Next), Some("end"));
}

#[test]
fn or_comment_in_a_block_is_another_way() {
    let p = parse(
        "# Namespace missing\n\n## Solución\n\n```bash\n# Verificar permisos\nkubectl auth can-i create namespaces\n\n# Crear manualmente\nkubectl create namespace demo\n\n# O usar el Makefile\nmake k8s-namespaces\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    let create = by_command(&p, "create namespace demo");
    let make = by_command(&p, "make k8s");
    assert_eq!(d[0].choices[0].to, create.id);
    assert_eq!(d[0].choices[1].to, make.id);
    assert!(!leads(&p, &create.id, &make.id));
    let auth = by_command(&p, "auth can-i");
    assert_eq!(edge(&p, &auth.id, &EdgeOn::Next), Some(d[0].id.as_str()));
}

#[test]
fn and_or_in_prose_is_not_a_choice() {
    // Two commands with "and then" between them are a sequence.
    let p = parse(
        "# Cache\n\n## Resolution\n\n- Run `redis-cli info memory` and then `redis-cli info stats`\n",
    );
    assert!(decisions(&p).is_empty());
}
