//! Interpreter overhead: a playbook of 200 trivial steps (`true`) run unattended by the
//! real binary, against a bash script running the same 200 commands, one `bash -c`
//! each. Target: runbook / bash ≤ 1.3.
//!
//! `cargo bench --bench overhead` (release-built binary). runbook's time includes
//! everything a real run does: parsing, 200 × (step_started + step_finished) events,
//! each fsynced before the next step starts (SPEC §4), log.md, the postmortem. The
//! incident record is written twice over: to a temp directory on disk (what a user
//! gets), and to tmpfs (`/dev/shm`, when there is one), where a sync costs nothing, so
//! the figure is the interpreter's own overhead. `OVERHEAD_RUNS` sets the number of
//! timed runs (default 7).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STEPS: usize = 200;
const TARGET: f64 = 1.3;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run once, quickly.
    let benching = std::env::args().any(|a| a == "--bench");
    let runs: usize = std::env::var("OVERHEAD_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 7 } else { 1 });
    let tmp = tempfile::tempdir().expect("temp dir");
    let playbook = write_playbook(tmp.path());
    let script = write_script(tmp.path());
    let bash = || {
        let status = Command::new("bash")
            .arg(&script)
            .current_dir(tmp.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("run bash");
        assert!(status.success());
    };
    let mut places = vec![("disk", tmp.path().to_path_buf())];
    if Path::new("/dev/shm").is_dir() {
        places.push(("tmpfs", Path::new("/dev/shm").to_path_buf()));
    }
    for (label, place) in places {
        let runbook = || {
            let incidents = tempfile::tempdir_in(&place).expect("incidents dir");
            let status = Command::new(env!("CARGO_BIN_EXE_runbook"))
                .arg("--incidents-dir")
                .arg(incidents.path())
                .args(["-q", "run"])
                .arg(&playbook)
                .arg("--yes")
                .current_dir(tmp.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .status()
                .expect("run runbook");
            assert_eq!(
                status.code(),
                Some(0),
                "the 200-step playbook must end resolved"
            );
        };
        // Warm up caches (binary, bash, the filesystem) once each.
        runbook();
        bash();
        let mut rb = Vec::with_capacity(runs);
        let mut sh = Vec::with_capacity(runs);
        for _ in 0..runs {
            rb.push(time(runbook));
            sh.push(time(bash));
        }
        let (rb, sh) = (median(&mut rb), median(&mut sh));
        let ratio = rb.as_secs_f64() / sh.as_secs_f64();
        println!(
            "overhead ({label}: incidents in {}): {STEPS} steps, median of {runs}: \
             runbook {:.1} ms ({:.2} ms/step), bash -c each {:.1} ms ({:.2} ms/step); \
             ratio {ratio:.2} (target ≤ {TARGET}: {})",
            place.display(),
            ms(rb),
            ms(rb) / STEPS as f64,
            ms(sh),
            ms(sh) / STEPS as f64,
            if ratio <= TARGET { "met" } else { "NOT met" }
        );
    }
}

fn write_playbook(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from(
        "---\nid: overhead\ntitle: Two hundred trivial steps\nseverity: sev4\nlang: en\n---\n\n\
         # Two hundred trivial steps\n\n## Diagnosis\n\n",
    );
    for i in 1..=STEPS {
        text.push_str(&format!("```bash {{id=step-{i}}}\ntrue\n```\n\n"));
    }
    let path = dir.join("overhead.md");
    std::fs::write(&path, text).expect("write playbook");
    path
}

fn write_script(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from("set -e\n");
    for _ in 0..STEPS {
        text.push_str("bash -c true\n");
    }
    let path = dir.join("overhead.sh");
    std::fs::write(&path, text).expect("write script");
    path
}

fn time(f: impl Fn()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
