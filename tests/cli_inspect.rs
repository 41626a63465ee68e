//! `list`, `show`, `graph`, `lint` through the real binary: lookup by id, path and
//! `FILE#slug`, the search path, suggestions, output formats and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn runbook(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runbook"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUNBOOK_PATH")
        .env("NO_COLOR", "1")
        .output()
        .expect("runbook runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn seed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds")
        .join(name)
}

const AUTHORED: &str = "---\nid: disk-full\ntitle: Disk full\nservice: db\nseverity: sev2\nlang: en\n---\n\n# Disk full\n\n## Diagnosis\n\n```bash {id=usage expect=\"%\"}\ndf -h /\n```\n";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("mine/db")).unwrap();
    std::fs::write(dir.path().join("mine/db/disk-full.md"), AUTHORED).unwrap();
    std::fs::copy(
        seed("000_3ae160e69951683b.txt"),
        dir.path().join("seed000.md"),
    )
    .unwrap();
    dir
}

#[test]
fn list_from_any_directory_shows_search_path_and_built_ins() {
    let ws = workspace();
    let o = runbook(ws.path(), &["--playbooks", "mine", "list", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows[0]["id"], "disk-full");
    assert_eq!(rows[0]["source"], "mine/db/disk-full.md");
    assert_eq!(rows[0]["severity"], "sev2");
    for key in ["id", "title", "source", "service", "severity", "lang"] {
        assert!(rows[0].get(key).is_some(), "{key}");
    }
    // The built-in playbooks come with the binary: their source is their id.
    let builtin = rows.iter().filter(|r| r["source"] == r["id"]).count();
    assert!(
        builtin > 0,
        "built-in playbooks are listed with their id as source"
    );

    let table = stdout(&runbook(ws.path(), &["--playbooks", "mine", "list"]));
    let header = table.lines().next().unwrap();
    for col in ["ID", "TITLE", "SERVICE", "SEVERITY", "LANG", "SOURCE"] {
        assert!(header.contains(col), "{header}");
    }
    assert!(table.contains("disk-full"));
}

#[test]
fn runbook_path_is_searched() {
    let ws = workspace();
    let o = Command::new(env!("CARGO_BIN_EXE_runbook"))
        .args(["show", "disk-full"])
        .current_dir(ws.path())
        .env(
            "RUNBOOK_PATH",
            format!("/nonexistent:{}", ws.path().join("mine").display()),
        )
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Disk full"));
}

#[test]
fn list_file_shows_incident_sections_with_their_slugs() {
    let ws = workspace();
    let o = runbook(ws.path(), &["list", "-f", "seed000.md", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sources: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        vec![
            "seed000.md#jobs-acumulados",
            "seed000.md#webhooks-fallan",
            "seed000.md#rate-limit-pegando",
            "seed000.md#mensajes-failed"
        ]
    );
    // What list prints, show and graph accept.
    for source in sources {
        let o = runbook(ws.path(), &["graph", source, "--format", "json"]);
        assert!(o.status.success(), "{source}: {}", stderr(&o));
        let p: runbook::graph::Playbook = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(p.source, source);
    }
}

#[test]
fn show_outline_and_json() {
    let ws = workspace();
    let o = runbook(ws.path(), &["show", "seed000.md#webhooks-fallan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("Webhooks Fallan  [webhooks-fallan]"),
        "{text}"
    );
    assert!(text.contains("Symptoms:"));
    assert!(text.contains("$ docker-compose logs api | grep -i webhook"));
    assert!(text.contains("look for (contains): Invalid signature"));
    let o = runbook(ws.path(), &["show", "--json", "seed000.md#jobs-acumulados"]);
    let p: runbook::graph::Playbook = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(p.id, "jobs-acumulados");
    assert!(p.variables.iter().any(|v| v.name == "JWT" && v.secret));
}

#[test]
fn graph_formats() {
    let ws = workspace();
    let mermaid = stdout(&runbook(
        ws.path(),
        &["graph", "seed000.md#jobs-acumulados"],
    ));
    assert!(mermaid.starts_with("flowchart TD\n"));
    // Labels are quoted, quotes and `#`/`<>` are entity codes, ids are positional.
    assert!(
        mermaid.contains("n0>\"Jobs en estado PENDING que no se procesan\"]"),
        "{mermaid}"
    );
    assert!(mermaid.contains("n6{\"¿Qué caso aplica?\"}"), "{mermaid}");
    assert!(mermaid.contains("-->|\"Si worker está caído\"|"));
    assert!(
        mermaid.contains("(PROCESSING #gt; 5 min)"),
        "`>` is escaped: {mermaid}"
    );
    assert!(!mermaid.contains("[\"end\"]") && mermaid.contains("((\"Fin\"))"));
    for line in mermaid.lines().skip(1) {
        assert_eq!(line.matches('"').count() % 2, 0, "balanced quotes: {line}");
    }
    let dot = stdout(&runbook(
        ws.path(),
        &["graph", "seed000.md#jobs-acumulados", "--format", "dot"],
    ));
    assert!(dot.starts_with("digraph \"jobs-acumulados\" {"));
    assert!(dot.contains("shape=diamond"));
    assert!(dot.trim_end().ends_with('}'));
}

#[test]
fn lookup_errors_exit_2_with_suggestions() {
    let ws = workspace();
    let o = runbook(ws.path(), &["--playbooks", "mine", "show", "disk-ful"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `disk-full`"),
        "{}",
        stderr(&o)
    );

    let o = runbook(ws.path(), &["show", "seed000.md#webhook-fallan"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("seed000.md#webhooks-fallan"),
        "{}",
        stderr(&o)
    );

    // A multi-incident file without a section names the sections to pick from.
    let o = runbook(ws.path(), &["show", "seed000.md"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("seed000.md#rate-limit-pegando"),
        "{}",
        stderr(&o)
    );

    let o = runbook(ws.path(), &["show", "missing/file.md"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing/file.md"));
}

#[test]
fn an_authored_file_is_found_by_path() {
    let ws = workspace();
    let o = runbook(
        ws.path(),
        &["graph", "mine/db/disk-full.md", "--format", "json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let p: runbook::graph::Playbook = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(p.id, "disk-full");
    assert_eq!(p.nodes[0].id, "usage");
}

#[test]
fn lint_exit_codes_and_formats() {
    let ws = workspace();
    let o = runbook(ws.path(), &["lint", "mine"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));

    std::fs::write(
        ws.path().join("broken.md"),
        "---\nid: broken\n---\n\n```bash {id=a expect=ok on-fail=nowhere}\nls\n```\n\n```bash {id=b destructive=false}\ndocker compose down\n```\n\n```bash\nls\n",
    )
    .unwrap();
    let o = runbook(ws.path(), &["lint", "broken.md"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("broken.md:6: error: dangling target"), "{out}");
    assert!(
        out.contains(
            "broken.md:10: error: unguarded destructive action `b` (`docker compose down`)"
        ),
        "{out}"
    );
    assert!(
        out.contains("broken.md:13: warning: code fence is never closed"),
        "{out}"
    );

    let o = runbook(ws.path(), &["lint", "--json", "broken.md"]);
    let reports: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let first = &reports.as_array().unwrap()[0];
    for key in ["file", "line", "level", "message"] {
        assert!(first.get(key).is_some(), "{key}");
    }

    std::fs::write(ws.path().join("fm.md"), "---\nid: [x\n---\n").unwrap();
    let o = runbook(ws.path(), &["lint", "fm.md"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("fm.md:2: error: front matter is not valid YAML"),
        "{}",
        stdout(&o)
    );

    // Only warnings: exit 0.
    std::fs::write(ws.path().join("empty.md"), "").unwrap();
    let o = runbook(ws.path(), &["lint", "empty.md"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("empty.md:1: warning: empty document"));
}

#[test]
fn lint_names_a_command_the_shell_cannot_parse() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("quote.md"),
        "# Pod pending\n\n## Diagnosis\n\n```bash\nkubectl get pods -A\n```\n\n\
         ```bash\nkubectl get pod <pending pod> -o json | jq '.spec.nodeSelector\n```\n",
    )
    .unwrap();
    let o = runbook(ws.path(), &["lint", "quote.md"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "quote.md:10: error: [pod-pending] the shell cannot parse this command: unexpected EOF"
        ),
        "{out}"
    );
    // The placeholder is a value to fill, not a redirection: the first line parses.
    assert_eq!(out.matches("cannot parse").count(), 1, "{out}");
}

#[test]
fn the_shipped_playbooks_lint_clean_of_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = runbook(dir, &["lint", "playbooks"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// `runbook list | head -1`: a reader that leaves early ends the output quietly.
#[test]
fn a_closed_pipe_ends_the_output_without_a_panic() {
    for args in [
        &["list"][..],
        &["graph", "jobs-backlog", "--format", "json"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_runbook"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
