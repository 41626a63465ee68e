//! Shared by the `run_*` integration tests: the real binary, a temp directory per test,
//! fixture playbooks from `tests/fixtures/run/`, and readers for what a run leaves.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_runbook");

/// A test's own directory: `marks/` for the markers steps leave, `incidents/` for
/// incident records.
pub struct Env {
    pub tmp: TempDir,
}

impl Env {
    pub fn new() -> Env {
        let env = Env {
            tmp: tempfile::tempdir().expect("temp dir"),
        };
        std::fs::create_dir_all(env.marks()).expect("marks dir");
        env
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn marks(&self) -> PathBuf {
        self.path().join("marks")
    }

    pub fn incidents(&self) -> PathBuf {
        self.path().join("incidents")
    }

    /// `MARKS=<dir>`, for `--var`.
    pub fn marks_var(&self) -> String {
        format!("MARKS={}", self.marks().display())
    }

    pub fn marked(&self, name: &str) -> bool {
        self.marks().join(name).exists()
    }

    /// The markers present, sorted.
    pub fn markers(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.marks())
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// The binary with this test's incidents directory, no colour, no terminal.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(BIN);
        cmd.arg("--incidents-dir")
            .arg(self.incidents())
            .arg("--no-color")
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("RUNBOOK_INCIDENTS")
            .env_remove("RUNBOOK_PATH")
            .stdin(Stdio::null());
        cmd
    }

    /// Starts `slow.md` unattended and returns once its long step is running, for
    /// tests that interrupt or kill the runner mid-step.
    pub fn start_slow_run(&self, stderr: Stdio) -> std::process::Child {
        let child = self
            .command([
                "run",
                &fixture("slow.md"),
                "--yes",
                "--var",
                &self.marks_var(),
            ])
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn the runbook binary");
        assert!(
            wait_for(Duration::from_secs(30), || self.marked("long-started")),
            "the long step never started"
        );
        child
    }

    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command(args).output().expect("run the runbook binary")
    }

    pub fn incident_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.incidents())
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        dirs.sort();
        dirs
    }

    /// The single incident this test created.
    pub fn incident(&self) -> PathBuf {
        let dirs = self.incident_dirs();
        assert_eq!(dirs.len(), 1, "expected one incident, found {dirs:?}");
        dirs[0].clone()
    }

    pub fn events(&self) -> Vec<Value> {
        events(&self.incident())
    }
}

pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/run")
        .join(name)
        .display()
        .to_string()
}

pub fn events(incident: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(incident.join("events.jsonl")).expect("events.jsonl");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad event line {l}: {e}")))
        .collect()
}

pub fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// The events of one kind (and, if given, one step).
pub fn of_kind<'a>(events: &'a [Value], kind: &str, step: Option<&str>) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["kind"] == kind && step.is_none_or(|s| e["step"] == s))
        .collect()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Both streams, for assertion messages.
pub fn shown(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    )
}

/// The id of the first node of `kind` in `runbook graph FILE --format json`.
pub fn node_id_of_kind(env: &Env, file: &str, kind: &str) -> String {
    let out = env.run(["graph", file, "--format", "json"]);
    assert!(out.status.success(), "{}", shown(&out));
    let graph: Value = serde_json::from_slice(&out.stdout).expect("graph json");
    graph["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["kind"] == kind))
        .and_then(|n| n["id"].as_str())
        .unwrap_or_else(|| panic!("no {kind} node in {file}: {graph}"))
        .to_string()
}

/// Waits until `cond` holds, at most `limit`.
pub fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// Whether a process with this pid exists (and is not a zombie we could reap).
pub fn alive(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Field 3 is the state; a zombie (`Z`) is dead, waiting to be reaped by its parent.
    match stat.rsplit_once(") ") {
        Some((_, rest)) => !rest.starts_with('Z'),
        None => false,
    }
}

pub fn read_pid(path: &Path) -> i32 {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim()
        .parse()
        .expect("a pid")
}
