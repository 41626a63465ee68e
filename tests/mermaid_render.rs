//! `runbook graph --format mermaid` must render on GitHub: every built-in playbook and
//! every incident section of the seeds is rendered by mermaid itself (mermaid-cli, the
//! mermaid 11 GitHub uses, in headless Chromium). A syntax error fails the render.
//!
//! `.ci/install` installs mermaid-cli under `~/.cache/runbook/mermaid-cli` and Debian's
//! Chromium; `RUNBOOK_MMDC` and `RUNBOOK_CHROMIUM` point elsewhere.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn runbook(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_runbook"))
        .args(args)
        .output()
        .expect("runbook runs");
    assert!(
        out.status.success(),
        "runbook {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn ids(listing: &str, key: &str) -> Vec<String> {
    let rows: Vec<Value> = serde_json::from_str(listing).expect("list --json");
    rows.iter()
        .map(|row| row[key].as_str().expect("a name").to_string())
        .collect()
}

/// What `graph` is asked for: the built-in playbooks by id, the seeds' sections by
/// their source, `FILE#slug`.
fn every_graph_name() -> Vec<String> {
    let mut names = ids(&runbook(&["list", "--json"]), "id");
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .expect("seeds")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for file in files {
        let file = file.display().to_string();
        names.extend(ids(&runbook(&["list", "-f", &file, "--json"]), "source"));
    }
    names
}

fn mmdc() -> PathBuf {
    if let Some(path) = std::env::var_os("RUNBOOK_MMDC") {
        return path.into();
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    let installed = Path::new(&home).join(".cache/runbook/mermaid-cli/node_modules/.bin/mmdc");
    assert!(
        installed.exists(),
        "mermaid-cli is missing at {}: run .ci/install (or set RUNBOOK_MMDC)",
        installed.display()
    );
    installed
}

#[test]
fn every_graph_renders_with_mermaid() {
    let names = every_graph_name();
    assert!(
        names.len() > 80,
        "45 playbooks and 42 seed sections: {names:?}"
    );
    let mut doc = String::from("# Every graph\n");
    for name in &names {
        let graph = runbook(&["graph", name, "--format", "mermaid"]);
        doc.push_str(&format!("\n## {name}\n\n```mermaid\n{graph}```\n"));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("graphs.md");
    std::fs::write(&input, doc).expect("write graphs");
    let chromium = std::env::var("RUNBOOK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    // Root in CI: Chromium's sandbox refuses root; no network: no background fetches.
    let browser = serde_json::json!({
        "executablePath": chromium,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    let config = dir.path().join("puppeteer.json");
    std::fs::write(&config, browser.to_string()).expect("write config");
    let output = dir.path().join("rendered.md");
    let run = Command::new(mmdc())
        .arg("--puppeteerConfigFile")
        .arg(&config)
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .expect("mmdc runs");
    assert!(
        run.status.success(),
        "mermaid could not render a graph:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    for n in 1..=names.len() {
        let svg = dir.path().join(format!("rendered-{n}.svg"));
        let text = std::fs::read_to_string(&svg)
            .unwrap_or_else(|e| panic!("{} ({}): {e}", svg.display(), names[n - 1]));
        assert!(text.contains("<svg"), "{}: not an SVG", names[n - 1]);
        assert!(
            !text.contains("Syntax error"),
            "{}: mermaid drew a syntax error",
            names[n - 1]
        );
    }
}
