//! Sample output and result sentences in real-world runbooks (field trial P2, P5):
//! sample rows under `# Output:` never run, tables are shown and not judged, a bare label
//! is no expectation, and "Should return `PONG`." after a block is that block's check.

use runbook::graph::{ExpectKind, Expectation, FindKind, NodeKind};

mod field_graph;
use field_graph::{commands, parse_one as parse, step_running as by_command, step_running_part};

fn expect(kind: ExpectKind, value: &str) -> Expectation {
    Expectation {
        kind,
        value: value.to_string(),
    }
}

#[test]
fn rows_under_an_output_label_never_run() {
    let p = parse(
        "# Node down\n## Diagnosis\n```bash\nkubectl get nodes\n# Output:\nNAME     STATUS     ROLES    AGE   VERSION\nnode-2   NotReady   <none>   3d    v1.28.0\n\nkubectl describe node node-2\n```\n",
    );
    assert_eq!(
        commands(&p),
        vec!["kubectl get nodes", "kubectl describe node node-2"]
    );
    assert!(p.variables.is_empty(), "<none> in a sample is no variable");
    let get = by_command(&p, "kubectl get nodes");
    assert!(get.expect.is_empty(), "a table is shown, not judged");
    let text = get.text.as_deref().unwrap_or_default();
    assert!(text.contains("node-2   NotReady"), "{text}");
    assert!(by_command(&p, "kubectl describe node node-2")
        .expect
        .is_empty());
}

#[test]
fn a_bare_label_is_no_expectation() {
    let p = parse(
        "# Kubelet\n## Diagnosis\n```bash\nsudo systemctl status kubelet\n# Output:\n# kubelet.service - active (running) since Mon\n```\n\n```bash\nredis-cli ping\n# Salida:\n# PONG\n```\n",
    );
    let status = by_command(&p, "sudo systemctl status kubelet");
    assert!(status.expect.is_empty(), "{:?}", status.expect);
    assert!(status
        .text
        .as_deref()
        .is_some_and(|t| t.contains("active (running)")));
    // One short sample line is still what the command prints.
    assert_eq!(
        by_command(&p, "redis-cli ping").expect,
        vec![expect(ExpectKind::Contains, "PONG")]
    );
}

#[test]
fn transcript_tables_are_shown_and_single_lines_judged() {
    let p = parse(
        "# Volume full\n## Diagnosis\n```bash\n$ kubectl get storageclass\nNAME       PROVISIONER   AGE\nstandard   gce-pd        28d\n```\n\n```console\n$ redis-cli ping\nPONG\n```\n",
    );
    let sc = by_command(&p, "kubectl get storageclass");
    assert!(sc.expect.is_empty(), "{:?}", sc.expect);
    assert!(sc.text.as_deref().is_some_and(|t| t.contains("28d")));
    assert_eq!(
        by_command(&p, "redis-cli ping").expect,
        vec![expect(ExpectKind::Contains, "PONG")]
    );
}

#[test]
fn output_comments_go_to_the_command_above_them() {
    let p = parse(
        "# Cache\n## Diagnosis\n```bash\nredis-cli ping\n# Debe responder: PONG\nredis-cli dbsize\n```\n",
    );
    assert_eq!(
        by_command(&p, "redis-cli ping").expect,
        vec![expect(ExpectKind::Contains, "PONG")]
    );
    assert!(by_command(&p, "redis-cli dbsize").expect.is_empty());
}

#[test]
fn result_sentences_belong_to_the_block_above() {
    let p = parse(
        "# Cache down\n## Diagnosis\n```bash\nredis-cli -h cache ping\n```\nShould return `PONG`.\n```bash\nredis-cli -h cache dbsize\n```\n→ Debe mostrar `(integer) 0` o `(integer) 1`.\n\n```bash\ncurl -s -o /dev/null -w '%{http_code}' http://cache/health\n```\n\nDebería devolver `200`.\n\n```bash\nredis-cli -h cache info replication\n```\n\nYou should see `role:master` in the reply.\n",
    );
    let ping = by_command(&p, "redis-cli -h cache ping");
    assert_eq!(ping.expect, vec![expect(ExpectKind::Contains, "PONG")]);
    let dbsize = by_command(&p, "redis-cli -h cache dbsize");
    assert_eq!(
        dbsize.expect,
        vec![expect(ExpectKind::Regex, r"\(integer\) 0|\(integer\) 1")]
    );
    assert!(
        !dbsize.text.as_deref().unwrap_or_default().contains("PONG"),
        "the sentence about ping is not the next step's description"
    );
    assert_eq!(
        by_command(
            &p,
            "curl -s -o /dev/null -w '%{http_code}' http://cache/health"
        )
        .expect,
        vec![expect(ExpectKind::Status, "200")]
    );
    assert_eq!(
        by_command(&p, "redis-cli -h cache info replication").expect,
        vec![expect(ExpectKind::Contains, "role:master")]
    );
    assert!(p.nodes.iter().all(|n| n.kind != NodeKind::Manual));
}

#[test]
fn any_of_the_alternatives_satisfies_the_check() {
    let p = parse(
        "# VLAN\n## Procedure\n```bash\nnmap -Pn -p 22 10.0.0.5\n```\n\nThe results should show the port as `filtered`, `closed` or `blocked`.\n",
    );
    let nmap = by_command(&p, "nmap -Pn -p 22 10.0.0.5");
    assert_eq!(nmap.expect.len(), 1);
    let e = &nmap.expect[0];
    assert_eq!(e.kind, ExpectKind::Regex);
    let re = regex::Regex::new(&e.value).unwrap();
    assert!(re.is_match("22/tcp closed ssh"));
    assert!(re.is_match("22/tcp filtered ssh"));
    assert!(!re.is_match("22/tcp open ssh"));
}

#[test]
fn look_for_sentences_and_comments_are_findings() {
    let p = parse(
        "# Node down\n## Diagnosis\n```bash\njournalctl -u kubelet --no-pager\n```\n\nLook for `PLEG is not healthy` or `runtime is down` in the output.\n\n```bash\nkubectl describe node node-2\n# Buscar en output:\n#   Type             Status  Reason\n#   MemoryPressure   False   KubeletHasSufficientMemory\n#   Ready            False   KubeletNotReady  # ❌ PROBLEMA\n```\n",
    );
    let logs = by_command(&p, "journalctl -u kubelet --no-pager");
    let values: Vec<&str> = logs.findings.iter().map(|f| f.value.as_str()).collect();
    assert_eq!(values, vec!["PLEG is not healthy", "runtime is down"]);
    let describe = by_command(&p, "kubectl describe node node-2");
    assert_eq!(describe.findings.len(), 1, "only the marked row");
    let f = &describe.findings[0];
    assert_eq!(f.kind, FindKind::Regex);
    let re = regex::Regex::new(&f.value).unwrap();
    assert!(re.is_match("  Ready   False  KubeletNotReady   kubelet stopped"));
    assert!(!re.is_match("  Ready   True   KubeletReady"));
    assert!(describe
        .text
        .as_deref()
        .is_some_and(|t| t.contains("MemoryPressure")));
}

#[test]
fn unmarked_table_rows_to_look_for_are_not_findings() {
    let p = parse(
        "# Pods\n## Diagnosis\n```bash\nkubectl describe pod web\n# Look for:\n# Events:\n#   Type     Reason            Message\n#   Warning  FailedScheduling  0/2 nodes are available\n```\n",
    );
    let describe = by_command(&p, "kubectl describe pod web");
    assert!(describe.findings.is_empty(), "{:?}", describe.findings);
    assert!(describe
        .text
        .as_deref()
        .is_some_and(|t| t.contains("FailedScheduling")));
}

#[test]
fn prose_that_is_no_result_stays_prose() {
    let p = parse(
        "# PVC full\n## Resolution\n```bash\nkubectl -n app edit pvc data\n```\n\nAnd edit `.spec.resources.requests.storage` to the new size. Eventually the status will say \"Waiting for restart\".\n\n```bash\nkubectl -n app get pvc data\n```\n\nIf it returns `Pending`, check the storage class.\n\n```bash\nkubectl get events\n```\n\nIt should not show `FailedMount`.\n\n```bash\nkubectl get sc\n```\n\nThis lists the pods of the namespace.\n\n```bash\nkubectl -n app get pods\n```\n",
    );
    for node in p.nodes.iter().filter(|n| n.command.is_some()) {
        assert!(node.expect.is_empty(), "{}: {:?}", node.id, node.expect);
    }
    // A paragraph that states no result still leads in to the block below it.
    let pods = by_command(&p, "kubectl -n app get pods");
    assert!(pods
        .text
        .as_deref()
        .is_some_and(|t| t.contains("lists the pods")));
}

#[test]
fn expected_response_lead_in_after_a_command() {
    let p = parse(
        "# API down\n## Diagnosis\n```bash\ncurl -s http://api/health\n```\n\nExpected response when healthy:\n```json\n{\"status\":\"healthy\"}\n```\n\n```bash\ncurl -s http://api/ready\n```\n\nExample output:\n```json\n{\n  \"ready\": true\n}\n```\n",
    );
    assert_eq!(
        by_command(&p, "curl -s http://api/health").expect,
        vec![expect(ExpectKind::Contains, r#"{"status":"healthy"}"#)]
    );
    let ready = by_command(&p, "curl -s http://api/ready");
    assert!(ready.expect.is_empty(), "{:?}", ready.expect);
    assert!(ready
        .text
        .as_deref()
        .is_some_and(|t| t.contains("\"ready\": true")));
    assert!(p.nodes.iter().all(|n| n.kind != NodeKind::Note));
}

/// Fourth field trial: psql meta-commands typed after `psql` run through it (`-c`), with
/// the runbook's own `# comment` left out, and `\q` only leaves the prompt: none reaches
/// bash.
#[test]
fn psql_meta_commands_after_the_client_run_through_it() {
    let p = parse(
        "# Base inaccesible\n\n## Solución\n\n```bash\n\
         docker exec -it db psql -U postgres -d app\n# Dentro de psql:\n\
         \\dt  # Ver tablas\n\\d+ jobs\n\\q   # Salir\n```\n",
    );
    let commands = commands(&p).join("\n");
    assert_eq!(
        commands,
        "docker exec -it db psql -U postgres -d app -c \"\\\\dt\"\n\
         docker exec -it db psql -U postgres -d app -c \"\\\\d+ jobs\""
    );
}

#[test]
fn short_facts_after_a_command_are_its_text_not_steps() {
    let p = parse(
        "# Queue backlog\n## Resolution\n```bash\n# Scale up workers\n\
         docker compose up -d --scale worker=5\n```\n\
         **Effect**: immediate  \n**Extra cost**: ~$40/month\n",
    );
    let scale = step_running_part(&p, "--scale worker=5");
    let text = scale.text.as_deref().unwrap_or("");
    assert!(text.contains("Effect: immediate"), "{text}");
    assert!(text.contains("Extra cost: ~$40/month"), "{text}");
    assert!(!p.nodes.iter().any(|n| n.title.starts_with("Effect")));
    let p = parse(
        "# Latencia alta\n## Solución\n```bash\naws lambda update-function-configuration --function-name api --memory-size 1024\n```\n\
         **Efecto**: inmediato\n",
    );
    assert!(step_running_part(&p, "--memory-size")
        .text
        .as_deref()
        .unwrap_or("")
        .contains("Efecto: inmediato"));
    // An order after a command is still a step of its own.
    let p = parse(
        "# Queue backlog\n## Resolution\n```bash\ndocker compose up -d --scale worker=5\n```\n\
         **Then**: restart the API gateway\n",
    );
    assert!(p
        .nodes
        .iter()
        .any(|n| n.title.contains("restart the API gateway")));
}
