//! A private lab per test (examples/lab), and `runbook run` sessions against it.
//!
//! Each [`Lab`] lives in its own temporary LAB_DIR on its own free ports, so tests run
//! in parallel; dropping it runs `examples/lab/down`, even when the test panics.
//! Missing Redis/PostgreSQL binaries are a test failure, never a skip.

#![allow(dead_code)] // each test binary uses a different part of the harness

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn lab_home() -> PathBuf {
    repo_root().join("examples").join("lab")
}

/// Fails (never skips) when what the lab needs is not installed.
pub fn require_lab_tools() {
    let pg_ok = std::env::var_os("PG_BIN")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::iter::once(PathBuf::from("/usr/lib/postgresql/15/bin")))
        .any(|d| d.join("initdb").exists() && d.join("pg_ctl").exists());
    let missing: Vec<&str> = ["redis-server", "redis-cli", "psql", "python3", "curl"]
        .into_iter()
        .filter(|tool| !on_path(tool))
        .collect();
    assert!(
        missing.is_empty() && pg_ok,
        "the lab needs redis-server, redis-cli, psql, python3, curl and PostgreSQL 15 \
         (missing: {missing:?}{}); run .ci/run or apt-get install -y redis-server postgresql-15 curl",
        if pg_ok { "" } else { ", /usr/lib/postgresql/15/bin (or PG_BIN)" }
    );
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}

pub struct Lab {
    pub dir: tempfile::TempDir,
    pub env_file: PathBuf,
    pub env: BTreeMap<String, String>,
    pub started: Duration,
}

impl Lab {
    /// `examples/lab/up` in a fresh LAB_DIR; panics with the lab's own words if it fails.
    pub fn up() -> Lab {
        require_lab_tools();
        let dir = tempfile::Builder::new()
            .prefix("runbook-lab-")
            .tempdir()
            .expect("a temporary LAB_DIR");
        let t = Instant::now();
        let out = Command::new(lab_home().join("up"))
            .env("LAB_DIR", dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("examples/lab/up runs");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let lab_dir = dir.path().to_path_buf();
        if !out.status.success() {
            let _ = Command::new(lab_home().join("down"))
                .env("LAB_DIR", &lab_dir)
                .output();
            panic!(
                "examples/lab/up failed ({}):\n{stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let env_file = PathBuf::from(stdout.lines().last().unwrap_or_default().trim());
        assert!(
            env_file.is_file(),
            "the last line of `up` must be the env file, got {stdout:?}"
        );
        let env = dotenvy::from_path_iter(&env_file)
            .expect("the env file parses as dotenv")
            .map(|kv| kv.expect("a dotenv line"))
            .collect();
        Lab {
            dir,
            env_file,
            env,
            started: t.elapsed(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn var(&self, name: &str) -> &str {
        self.env
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("the lab env file has no {name}"))
    }

    /// The per-system overrides written by `up` (`remember-me`, `anclora`, `chatbot`, `pedidos`).
    pub fn system_env(&self, system: &str) -> PathBuf {
        self.path().join("env").join(format!("{system}.env"))
    }

    /// `examples/lab/fault NAME ARGS...`; panics if the fault could not be injected.
    pub fn fault(&self, name: &str, args: &[&str]) -> String {
        let out = Command::new(lab_home().join("fault"))
            .arg(name)
            .args(args)
            .env("LAB_DIR", self.path())
            .stdin(Stdio::null())
            .output()
            .expect("examples/lab/fault runs");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "fault {name} failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text.trim().to_string()
    }

    /// A bash command with the lab's env file exported, as a runbook step would see it.
    pub fn sh(&self, script: &str) -> Output {
        Command::new("bash")
            .arg("-c")
            .arg(script)
            .envs(&self.env)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .output()
            .expect("bash runs")
    }

    pub fn sh_ok(&self, script: &str) -> String {
        let out = self.sh(script);
        assert!(
            out.status.success(),
            "`{script}` failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// HTTP status of GET `path` on the api (curl), with optional extra curl arguments.
    pub fn http_status(&self, path: &str, extra: &str) -> u16 {
        let out = self.sh_ok(&format!(
            "curl -s -o /dev/null -w '%{{http_code}}' {extra} \"$API_URL{path}\""
        ));
        out.trim().parse().unwrap_or(0)
    }

    /// Waits until `script` succeeds (a fault has taken effect), for up to `secs`.
    pub fn wait_until(&self, what: &str, script: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if self.sh(script).status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("timed out after {secs} s waiting for: {what} (`{script}`)");
    }

    /// Pids of the lab's processes: pidfiles, the postmaster, and anything whose
    /// command line names this LAB_DIR (zombies excluded: they are not running).
    pub fn live_pids(&self) -> Vec<u32> {
        let dir = self.path().to_string_lossy().to_string();
        let mut pids = Vec::new();
        let Ok(entries) = fs::read_dir("/proc") else {
            return pids;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .unwrap_or("Z");
            if cmdline.contains(&dir) && state != "Z" && state != "X" {
                pids.push(pid);
            }
        }
        pids
    }

    pub fn down(&self) -> Output {
        Command::new(lab_home().join("down"))
            .env("LAB_DIR", self.path())
            .stdin(Stdio::null())
            .output()
            .expect("examples/lab/down runs")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.down();
    }
}

impl Lab {
    /// Secret values the session was given through the env file: none may reach a file
    /// or the screen (the passwords inside DATABASE_URL and REDIS_URL included).
    pub fn secret_values(&self) -> Vec<String> {
        const SECRET: [&str; 7] = ["TOKEN", "SECRET", "PASSWORD", "KEY", "JWT", "AUTH", "DSN"];
        let mut values: Vec<String> = self
            .env
            .iter()
            .filter(|(k, _)| SECRET.iter().any(|s| k.contains(s)))
            .map(|(_, v)| v.clone())
            .chain(self.env.values().filter_map(|v| url_password(v)))
            .filter(|v| v.len() >= 8)
            .collect();
        values.sort();
        values.dedup();
        values
    }
}

/// The password of `scheme://user:password@host...`, if any.
fn url_password(value: &str) -> Option<String> {
    let rest = value.split_once("://")?.1;
    let userinfo = rest.split_once('@')?.0;
    userinfo.split_once(':').map(|(_, p)| p.to_string())
}

/// One finished `runbook run` against the lab.
pub struct Session {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub dir: PathBuf,
    pub events: Vec<Value>,
    pub took: Duration,
}

pub struct RunOptions<'a> {
    pub playbook: &'a str,
    /// `runbook run --answers` YAML.
    pub answers: &'a str,
    /// `remember-me`, `anclora`, `chatbot`, `pedidos`: its env file is passed after lab.env.
    pub system: Option<&'a str>,
    pub allow_destructive: bool,
    /// `--var NAME=VALUE`: what a person gives on the command line (a file to restore...).
    pub vars: &'a [(&'a str, &'a str)],
}

/// `examples/answers/PLAYBOOK.yaml`: the answers a drill gives, which a person can
/// reuse to rehearse the drill by hand (docs/lab.md).
pub fn example_answers(playbook: &str) -> String {
    let path = repo_root()
        .join("examples")
        .join("answers")
        .join(format!("{playbook}.yaml"));
    fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("every drilled playbook has {path:?} (docs/lab.md): {e}"))
}

/// Runs the real binary unattended: `runbook run ID --env-file ... --answers ... --yes`.
pub fn run_playbook(lab: &Lab, label: &str, opts: &RunOptions) -> Session {
    let work = lab.path().join(format!("work-{label}"));
    let incidents = lab.path().join(format!("incidents-{label}"));
    fs::create_dir_all(&work).expect("a work dir");
    let answers = work.join("answers.yaml");
    fs::write(&answers, opts.answers).expect("answers written");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runbook"));
    cmd.arg("--playbooks")
        .arg(repo_root().join("playbooks"))
        .arg("--incidents-dir")
        .arg(&incidents)
        .arg("--no-color")
        .arg("run")
        .arg(opts.playbook)
        .arg("--env-file")
        .arg(&lab.env_file);
    if let Some(system) = opts.system {
        cmd.arg("--env-file").arg(lab.system_env(system));
    }
    for (name, value) in opts.vars {
        cmd.arg("--var").arg(format!("{name}={value}"));
    }
    cmd.arg("--answers").arg(&answers).arg("--yes");
    if opts.allow_destructive {
        cmd.arg("--allow-destructive");
    }
    let t = Instant::now();
    let out = run_with_deadline(cmd.current_dir(&work), Duration::from_secs(300));
    let took = t.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let dir = single_incident(&incidents, &stdout, &stderr);
    let events = read_events(&dir.join("events.jsonl"));
    Session {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr,
        dir,
        events,
        took,
    }
}

fn run_with_deadline(cmd: &mut Command, limit: Duration) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the runbook binary starts");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("runbook output"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("runbook run did not finish within {limit:?}");
        }
    }
}

fn single_incident(incidents: &Path, stdout: &str, stderr: &str) -> PathBuf {
    let dirs: Vec<PathBuf> = fs::read_dir(incidents)
        .unwrap_or_else(|e| {
            panic!("no incidents dir {incidents:?} ({e})\nstdout:\n{stdout}\nstderr:\n{stderr}")
        })
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(
        dirs.len(),
        1,
        "one incident directory expected in {incidents:?}, found {dirs:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    dirs.into_iter().next().unwrap_or_default()
}

pub fn read_events(path: &Path) -> Vec<Value> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{path:?}: bad event {l:?}: {e}"))
        })
        .collect()
}

impl Session {
    fn finished(&self) -> impl Iterator<Item = &Value> {
        self.events.iter().filter(|e| e["kind"] == "step_finished")
    }

    /// Outcome of the last run of `step` (`ok`, `fail`, `find`, `skipped`...).
    pub fn outcome(&self, step: &str) -> Option<String> {
        self.finished()
            .filter(|e| e["step"] == step)
            .last()
            .and_then(|e| e["outcome"].as_str().map(str::to_string))
    }

    /// Steps in the order they finished.
    pub fn path(&self) -> Vec<String> {
        self.finished()
            .filter_map(|e| e["step"].as_str().map(str::to_string))
            .collect()
    }

    /// (step, outcome) of every step that found trouble or failed.
    pub fn troubles(&self) -> Vec<(String, String)> {
        self.finished()
            .filter(|e| {
                matches!(
                    e["outcome"].as_str(),
                    Some("find" | "fail" | "timeout" | "error")
                )
            })
            .map(|e| {
                (
                    e["step"].as_str().unwrap_or_default().to_string(),
                    e["outcome"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    pub fn decisions(&self) -> Vec<(String, String)> {
        self.events
            .iter()
            .filter(|e| e["kind"] == "decision")
            .map(|e| {
                (
                    e["step"].as_str().unwrap_or_default().to_string(),
                    e["choice"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// Where the session went after `step`: the `next` of its last `step_finished`, or
    /// the target of the decision taken there.
    pub fn next_of(&self, step: &str) -> Option<String> {
        self.events
            .iter()
            .rev()
            .find(|e| {
                e["step"] == step
                    && matches!(e["kind"].as_str(), Some("step_finished" | "decision"))
            })
            .and_then(|e| {
                let key = if e["kind"] == "decision" {
                    "to"
                } else {
                    "next"
                };
                e[key].as_str().map(str::to_string)
            })
    }

    /// Who the session escalated to (`session_ended.level`), if it did.
    pub fn level(&self) -> Option<String> {
        self.events
            .iter()
            .rev()
            .find(|e| e["kind"] == "session_ended")
            .and_then(|e| e["level"].as_str().map(str::to_string))
    }

    pub fn status(&self) -> String {
        self.events
            .iter()
            .rev()
            .find(|e| e["kind"] == "session_ended")
            .and_then(|e| e["status"].as_str().map(str::to_string))
            .unwrap_or_else(|| "none".into())
    }

    /// Everything a failing assertion should show.
    pub fn report(&self) -> String {
        format!(
            "exit {} status {} path {:?}\ntroubles {:?}\ndecisions {:?}\nincident {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.status(),
            self.path(),
            self.troubles(),
            self.decisions(),
            self.dir,
            tail(&self.stdout, 80),
            tail(&self.stderr, 40)
        )
    }

    /// No secret value of the lab appears in the incident files or on the screen.
    pub fn assert_no_secrets(&self, lab: &Lab) {
        let mut texts = vec![
            ("stdout".to_string(), self.stdout.clone()),
            ("stderr".to_string(), self.stderr.clone()),
        ];
        for entry in fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let text = fs::read_to_string(entry.path()).unwrap_or_default();
            texts.push((entry.file_name().to_string_lossy().to_string(), text));
        }
        for secret in lab.secret_values() {
            for (name, text) in &texts {
                assert!(
                    !text.contains(&secret),
                    "a secret value of the lab env file leaked into {name} of {:?}",
                    self.dir
                );
            }
        }
    }

    /// events.jsonl, log.md and postmortem.md are on disk and not empty.
    pub fn assert_record(&self) {
        for file in ["events.jsonl", "log.md", "postmortem.md"] {
            let path = self.dir.join(file);
            let len = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            assert!(
                len > 0,
                "{file} missing or empty in {:?}\n{}",
                self.dir,
                self.report()
            );
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
