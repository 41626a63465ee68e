//! The parser's general rules on runbooks it was not written for: alert runbooks
//! (Meaning/Impact/Diagnosis/Mitigation), Possible checks/Investigation/Solution/
//! Verification, Spanish bold labels, authored playbooks with both attribute forms,
//! and bad input (empty, no code, unclosed fences, bad front matter, not UTF-8).

use runbook::error::Error;
use runbook::graph::{EdgeOn, ExpectKind, FindKind, Node, NodeKind, Playbook};
use runbook::markdown;
use std::path::Path;

fn fixture(name: &str) -> Vec<Playbook> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/parser")
        .join(name);
    markdown::parse_file(&path).expect("fixture parses")
}

fn parse(md: &str) -> Vec<Playbook> {
    markdown::parse_document(md, Path::new("doc.md")).expect("parses")
}

fn kinds(p: &Playbook) -> Vec<NodeKind> {
    p.nodes.iter().map(|n| n.kind).collect()
}

fn find(p: &Playbook, pred: impl Fn(&Node) -> bool) -> &Node {
    p.nodes.iter().find(|n| pred(n)).expect("node")
}

#[test]
fn alert_runbook_meaning_impact_diagnosis_mitigation() {
    let books = fixture("alert_runbook.md");
    assert_eq!(books.len(), 1);
    let p = &books[0];
    assert_eq!(p.title, "KafkaConsumerLagHigh");
    assert_eq!(p.lang, "en");
    assert_eq!(
        kinds(p),
        vec![
            NodeKind::Note,
            NodeKind::Note,
            NodeKind::Check,
            NodeKind::Check,
            NodeKind::Check,
            NodeKind::Decision,
            NodeKind::Action,
            NodeKind::Action,
            NodeKind::Escalate,
            NodeKind::End
        ]
    );
    // Inline code spans that are commands become runnable checks.
    let groups = find(p, |n| {
        n.command
            .as_deref()
            .is_some_and(|c| c.starts_with("kafka-consumer-groups"))
    });
    assert_eq!(groups.kind, NodeKind::Check);
    let logs = find(p, |n| {
        n.command.as_deref().is_some_and(|c| c.contains(" logs "))
    });
    assert!(logs
        .findings
        .iter()
        .any(|f| f.value == "CommitFailedException"));
    assert!(logs
        .findings
        .iter()
        .any(|f| f.kind == FindKind::Threshold && f.value == "records-lag-max > 10000"));
    // "If …" mitigation bullets are alternatives.
    let d = find(p, |n| n.kind == NodeKind::Decision);
    assert_eq!(d.choices.len(), 2);
    assert!(d.choices[0]
        .label
        .starts_with("If the pods are crash looping"));
    let undo = p.node(&d.choices[0].to).unwrap();
    assert!(undo.destructive, "kubectl rollout undo");
    assert!(p.variable("NAMESPACE").is_some() && p.variable("KAFKA_BROKER").is_some());
}

#[test]
fn possible_checks_investigation_solution_verification() {
    let p = &fixture("checks_en.md")[0];
    let disk = find(p, |n| n.title == "Disk usage");
    assert_eq!(disk.kind, NodeKind::Check);
    // "Example output:" + a text block is shown with the check; a table (column widths,
    // sizes) is not judged verbatim.
    assert!(disk.expect.iter().all(|e| e.kind != ExpectKind::Contains));
    assert!(disk
        .text
        .as_deref()
        .is_some_and(|t| t.contains("Filesystem      Size")));
    // Option A/B headings are one decision.
    let d = find(p, |n| n.kind == NodeKind::Decision);
    let labels: Vec<&str> = d.choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "Option A: Remove old WAL archives",
            "Option B: Grow the volume"
        ]
    );
    assert!(
        p.node(&d.choices[0].to).unwrap().destructive,
        "find -delete"
    );
    // The branches rejoin at the verification check.
    let verify = find(p, |n| {
        n.command.as_deref().is_some_and(|c| c.contains("awk"))
    });
    assert_eq!(verify.kind, NodeKind::Check);
    for c in &d.choices {
        assert!(
            p.edges.iter().any(|e| e.from == c.to && e.to == verify.id),
            "{c:?}"
        );
    }
    assert_eq!(p.hypotheses.len(), 2);
    // A prose comment is not literal output.
    let size = find(p, |n| {
        n.command
            .as_deref()
            .is_some_and(|c| c.contains("pg_database_size"))
    });
    assert!(size.expect.is_empty(), "{:?}", size.expect);
}

#[test]
fn spanish_bold_labels() {
    let books = fixture("bold_labels_es.md");
    assert_eq!(books.len(), 1, "Contactos is reference material");
    let p = &books[0];
    assert_eq!(p.lang, "es");
    assert_eq!(p.symptoms().count(), 2);
    let health = find(p, |n| n.title == "Comprobar la salud de la pasarela");
    assert_eq!(health.kind, NodeKind::Check);
    assert_eq!(
        health.expect[0].kind,
        ExpectKind::Status,
        "Debería mostrar: `200` after curl"
    );
    assert_eq!(health.expect[0].value, "200");
    assert!(p
        .nodes
        .iter()
        .any(|n| n.title == "Revisar los errores recientes"));
    let d = find(p, |n| n.kind == NodeKind::Decision);
    assert_eq!(d.title, "¿Qué caso aplica?");
    let restart = p.node(&d.choices[0].to).unwrap();
    assert_eq!(
        restart.command.as_deref(),
        Some("systemctl restart pasarela")
    );
    assert!(restart.destructive);
    assert_eq!(p.prevention.len(), 1);
}

#[test]
fn authored_front_matter_and_both_attribute_forms() {
    let p = &fixture("authored.md")[0];
    assert_eq!(p.id, "cache-degraded");
    assert_eq!(p.service.as_deref(), Some("shop"));
    assert_eq!(p.severity.as_deref(), Some("sev3"));
    assert_eq!(p.tags, vec!["redis", "cache"]);
    assert_eq!(p.timeout_ms, Some(20_000));
    assert!(p.variable("REDIS_PASSWORD").unwrap().secret);
    assert_eq!(
        p.variable("SHOP_URL").unwrap().default.as_deref(),
        Some("http://localhost:8080")
    );
    assert!(
        p.variable("shop_url").is_some(),
        "{{{{shop_url}}}} mustache placeholder"
    );
    assert!(p.variable("f").is_none(), "loop variables are not inputs");

    let ping = p.node("ping").unwrap();
    assert_eq!(ping.timeout_ms, Some(5_000));
    assert_eq!(ping.expect[0].value, "PONG");
    assert!(p
        .edges
        .iter()
        .any(|e| e.from == "ping" && e.on == EdgeOn::Fail && e.to == "restart-redis"));

    let hit = p.node("hit-rate").unwrap();
    assert_eq!(hit.expect[0].kind, ExpectKind::Threshold);
    assert_eq!(hit.findings[0].value, "evicted_keys > 1000");
    // on-find names a heading slug: it leads to the first step under that heading.
    let find_edge = p
        .edges
        .iter()
        .find(|e| e.from == "hit-rate" && matches!(e.on, EdgeOn::Find(_)))
        .unwrap();
    assert_eq!(p.node(&find_edge.to).unwrap().kind, NodeKind::Decision);

    let console = find(p, |n| {
        n.command.as_deref() == Some("curl -s {{shop_url}}/health")
    });
    assert_eq!(console.expect[0].value, r#"{"status":"ok"}"#);

    let d = find(p, |n| n.kind == NodeKind::Decision);
    assert_eq!(d.title, "Is memory full?");
    assert_eq!(
        d.choices[0].to, "raise-maxmemory",
        "a link leads to the step id"
    );
    assert_eq!(p.node(&d.choices[1].to).unwrap().kind, NodeKind::Manual);

    let restart = p.node("restart-redis").unwrap();
    assert!(restart.confirm);
    assert!(restart.destructive);
    assert_eq!(p.prevention, vec!["Alert on evicted_keys."]);
}

#[test]
fn multi_incident_decision_tree_expected_and_if_it_fails() {
    let books = fixture("multi_incident_en.md");
    let ids: Vec<&str> = books.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, vec!["queue-consumers-stuck", "nightly-backup-missing"]);
    let p = &books[0];
    let d = find(p, |n| n.kind == NodeKind::Decision);
    assert_eq!(d.choices[0].to, "broker-checks", "link to a heading slug");
    let broker = p.node("broker-checks").unwrap();
    assert!(broker
        .expect
        .iter()
        .any(|e| e.kind == ExpectKind::Threshold && e.value == "consumers > 0"));
    let fail = p
        .edges
        .iter()
        .find(|e| e.from == "broker-checks" && e.on == EdgeOn::Fail)
        .unwrap();
    let restart = p.node(&fail.to).unwrap();
    assert_eq!(
        restart.command.as_deref(),
        Some("systemctl restart rabbitmq-server")
    );
    assert!(restart.destructive);
    assert_eq!(p.hypotheses.len(), 1);
    let backup = &books[1];
    assert_eq!(
        backup.nodes.iter().filter(|n| n.command.is_some()).count(),
        2
    );
}

#[test]
fn console_block_is_command_plus_output() {
    let p = &parse("# T\n\n```console\n$ redis-cli ping\nPONG\n```\n")[0];
    let n = &p.nodes[0];
    assert_eq!(n.command.as_deref(), Some("redis-cli ping"));
    assert_eq!(n.expect[0].value, "PONG");
}

#[test]
fn runme_json_and_key_value_attributes_agree() {
    let a = &parse(
        "---\nid: a\n---\n```bash {id=ping expect=\"PONG\" timeout=10s}\nredis-cli ping\n```\n",
    )[0];
    let b = &parse("---\nid: a\n---\n```sh {\"name\":\"ping\",\"expect\":\"PONG\",\"timeout\":\"10s\"}\nredis-cli ping\n```\n")[0];
    assert_eq!(a.nodes[0].id, b.nodes[0].id);
    assert_eq!(a.nodes[0].expect, b.nodes[0].expect);
    assert_eq!(a.nodes[0].timeout_ms, b.nodes[0].timeout_ms);
}

#[test]
fn find_with_several_values_gives_several_findings() {
    let p = &parse("---\nid: a\n---\n```bash {find=\"Lock not acquired|Redis connection failed\"}\ndocker logs w\n```\n")[0];
    let values: Vec<&str> = p.nodes[0]
        .findings
        .iter()
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(values, vec!["Lock not acquired", "Redis connection failed"]);
}

#[test]
fn ids_are_unique_and_end_is_reserved() {
    let p = &parse("# T\n\n## End\n\n```bash\nls\n```\n\n## End\n\n```bash\nls\n```\n")[0];
    let ids: Vec<&str> = p.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.iter().filter(|i| **i == "end").count(), 1, "{ids:?}");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

// ----- bad input -----------------------------------------------------------------------

#[test]
fn empty_document_is_an_empty_result_with_a_warning() {
    let d = markdown::parse_detailed("", Path::new("e.md")).unwrap();
    assert!(d.incidents().next().is_none());
    assert_eq!(d.warnings[0].line, 1);
    let d = markdown::parse_detailed("  \n\n", Path::new("e.md")).unwrap();
    assert!(d.incidents().next().is_none());
}

#[test]
fn no_code_blocks_is_a_warning_not_an_error() {
    let d = markdown::parse_detailed("# Notes\n\nJust prose.\n", Path::new("n.md")).unwrap();
    assert!(d.incidents().next().is_none());
    assert!(d
        .warnings
        .iter()
        .any(|w| w.message.contains("no code blocks")));
}

#[test]
fn unclosed_fence_is_a_warning_with_its_line() {
    let books = parse("# T\n\ntext\n\n```bash\nls -la\n");
    let p = &books[0];
    assert_eq!(p.nodes[0].command.as_deref(), Some("ls -la"));
    let w = p
        .warnings
        .iter()
        .find(|w| w.message.contains("never closed"))
        .unwrap();
    assert_eq!(w.line, 5);
}

#[test]
fn bad_front_matter_is_a_parse_error_with_file_and_line() {
    let err = markdown::parse_document(
        "---\nid: x\ntitle: [broken\n---\n# T\n",
        Path::new("bad.md"),
    )
    .unwrap_err();
    match &err {
        Error::Parse { file, line, .. } => {
            assert_eq!(file, Path::new("bad.md"));
            assert_eq!(*line, 3);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().starts_with("bad.md:3:"));
    assert_eq!(err.exit_code(), 2);
}

/// Fourth field trial: front matter with no closing `---` is an error at its opening
/// line, whether a Markdown body follows (which would fail as YAML far below) or not
/// (which passed with nothing in it).
#[test]
fn unclosed_front_matter_is_an_error_at_its_opening_line() {
    for text in [
        "---\nid: x\ntitle: Broken\n\n# Redis down\n\n```bash\nredis-cli ping\n```\n",
        "---\nid: x\ntitle: Broken\n",
    ] {
        let err = markdown::parse_document(text, Path::new("open.md")).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("open.md:1:") && message.contains("never closed"),
            "{message}"
        );
        assert_eq!(err.exit_code(), 2);
    }
}

#[test]
fn non_utf8_file_is_decoded_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.md");
    std::fs::write(&path, b"# Caf\xe9\n\n```bash\necho caf\xe9\n```\n").unwrap();
    let d = markdown::parse_file_detailed(&path).unwrap();
    assert_eq!(d.incidents().count(), 1);
    assert!(d.warnings[0].message.contains("UTF-8"));
    assert_eq!(d.warnings[0].line, 1);
    assert!(d.sections[0]
        .playbook
        .warnings
        .iter()
        .any(|w| w.message.contains("UTF-8")));
}

#[test]
fn missing_file_names_the_file() {
    let err = markdown::parse_file(Path::new("/nonexistent/x.md")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/x.md"));
}

#[test]
fn h1_role_sections_without_a_title_heading_are_one_playbook() {
    let books = parse("# Symptoms\n\n- API slow\n\n# Diagnosis\n\n```bash\ncurl -s localhost/health\n```\n\n# Mitigation\n\n```bash\nsystemctl restart api\n```\n");
    assert_eq!(books.len(), 1);
    assert_eq!(books[0].id, "doc");
    assert_eq!(books[0].symptoms().count(), 1);
}

#[test]
fn numbered_sub_headings_are_steps_of_one_incident() {
    let books = parse("# Ops\n\n## Redis down\n\n### 1. Check status\n\n```bash\nredis-cli ping\n```\n\n```bash\nredis-cli info clients\n```\n\n### 2. Restart\n\n```bash\nsystemctl restart redis\n```\n\n## Disk full\n\n```bash\ndf -h\n```\n");
    let ids: Vec<&str> = books.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, vec!["redis-down", "disk-full"]);
    let titles: Vec<&str> = books[0].nodes.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles[0], "Check status");
    assert!(titles.contains(&"Restart"));
}

#[test]
fn list_summaries_agree_with_full_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = runbook::catalog::markdown_files(&root.join("playbooks"));
    files.extend(runbook::catalog::markdown_files(
        &root.join("tests/fixtures/parser"),
    ));
    files.push(root.join("tests/fixtures/seeds/000_3ae160e69951683b.txt"));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let quick = markdown::summarize(&text, &file).unwrap();
        let full: Vec<markdown::Summary> = markdown::parse_document(&text, &file)
            .unwrap()
            .iter()
            .map(markdown::Summary::from)
            .collect();
        assert_eq!(quick, full, "{}", file.display());
    }
}

#[test]
fn unlabeled_fences_in_lists_if_headings_and_expected_output_blocks() {
    let p = &fixture("possible_checks_en.md")[0];
    let offset = find(p, |n| n.title == "Check the replication offset");
    assert_eq!(
        offset.command.as_deref(),
        Some("redis-cli -h $REDIS_HOST info replication")
    );
    let d = find(p, |n| n.kind == NodeKind::Decision);
    let labels: Vec<&str> = d.choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "If the replica is stuck",
            "If the primary is overloaded",
            "Otherwise"
        ]
    );
    let replicaof = p.node(&d.choices[0].to).unwrap();
    assert!(replicaof.destructive, "REPLICAOF changes the topology");
    assert_eq!(replicaof.expect[0].value, "OK", "console output");
    let verify = find(p, |n| {
        n.command
            .as_deref()
            .is_some_and(|c| c.contains("master_link_status"))
    });
    assert_eq!(verify.expect[0].value, "master_link_status:up");
}

#[test]
fn paso_headings_resultado_esperado_and_deberia_mostrar() {
    let p = &fixture("pasos_es.md")[0];
    let titles: Vec<&str> = p.nodes.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Descripción",
            "Verificar el puerto",
            "Reiniciar postfix",
            "Comprobar la cola",
            "Escalamiento",
            "Fin"
        ]
    );
    assert_eq!(p.nodes[1].expect[0].value, "succeeded");
    assert!(p.nodes[2].destructive);
    assert_eq!(p.nodes[3].expect[0].value, "Mail queue is empty");
    assert_eq!(p.nodes[4].kind, NodeKind::Escalate);
}

#[test]
fn placeholders_in_every_notation_and_self_set_variables_excluded() {
    let p = &parse("# T\n\n```bash\nSUM=$(echo x | sha256sum)\necho \"$SUM\" $OTHER ${POSTGRES_USER:-chatbot} {{name}} <JWT> <job-id> $API_KEY\nfor f in a b; do echo $f; done\n```\n")[0];
    let names: Vec<&str> = p.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["OTHER", "POSTGRES_USER", "name", "JWT", "JOB_ID", "API_KEY"]
    );
    assert_eq!(
        p.variable("POSTGRES_USER").unwrap().default.as_deref(),
        Some("chatbot")
    );
    assert!(p.variable("JWT").unwrap().secret);
    assert!(p.variable("API_KEY").unwrap().secret);
    assert!(!p.variable("JOB_ID").unwrap().secret);
}

/// An author names a decision with `{#id}` after its question, as headings take one:
/// answers files then say `one-user: "Yes"` instead of a key made from the question.
#[test]
fn a_decision_takes_the_id_its_author_gives() {
    let md = "---\nid: auth\ntitle: Auth failures\n---\n\n# Auth failures\n\n## Diagnosis\n\n\
              ```bash {id=login}\ncurl -s -o /dev/null -w '%{http_code}' \"$API/login\"\n```\n\n\
              - Does it fail for one user only? {#one-user}\n  \
              - Yes → check that user's token: [login](#login)\n  \
              - No → check `JWT_SECRET` on every service\n\n\
              - Is the clock off? {#one-user}\n  - Yes → fix NTP\n  - No → escalate\n";
    let p = &parse(md)[0];
    let d = p
        .node("one-user")
        .expect("the decision keeps its author's id");
    assert_eq!(d.kind, NodeKind::Decision);
    assert_eq!(d.title, "Does it fail for one user only?");
    let labels: Vec<&str> = d.choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["Yes", "No"]);
    assert_eq!(d.choices[0].to, "login");
    // The same id twice: the second is renamed, with a warning naming its line.
    let second = find(p, |n| n.title == "Is the clock off?");
    assert_ne!(second.id, "one-user");
    assert!(
        p.warnings
            .iter()
            .any(|w| w.message.contains("`one-user` is used twice")),
        "{:?}",
        p.warnings
    );
}
