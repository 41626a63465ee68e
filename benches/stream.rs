//! Streaming throughput: a step printing 1 GiB run through `exec::run` (merged pipe,
//! runs of whole lines to a live callback, head/tail capture) against the same command
//! with its output thrown away by the shell, `bash -c 'CMD > /dev/null'`.
//! Target: exec / direct ≥ 0.7 of the direct throughput.
//!
//! A floor for context: `CMD | cat > /dev/null`, the same bytes through a pipe to a
//! reader that does nothing with them. Writing into a pipe instead of /dev/null costs
//! the command a copy per byte, and the reader another; on a machine with two cores,
//! where the command's own processes already use both, that alone can keep a reader
//! below the target whatever it does.
//!
//! `cargo bench --bench stream`. Three shapes of output: one long line (no line ending
//! for 1 GiB: pieces reach the callback) and log-like 64-byte lines (16 M lines), each
//! made by two processes (`head | tr`, `yes | head`) that already keep both cores of a
//! small machine busy; and 1.2 GB of numbers from one process (`seq`), a command that
//! leaves a core for the reader, as most commands that print a lot do.
//! Each is run through two callbacks: `exec::run` alone (the callback only counts,
//! as in a `--quiet` session), and with the session's stream redaction of every
//! byte (what a shown step costs before the terminal).
//! `STREAM_RUNS` sets the timed runs per side (default 5; the median is reported).

use runbook::exec::{self, Chunk, ExecSpec};
use runbook::redact::Redactor;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TARGET: f64 = 0.7;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: a quick run.
    let benching = std::env::args().any(|a| a == "--bench");
    let runs: usize = std::env::var("STREAM_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 5 } else { 1 });
    let bytes: u64 = if benching { 1 << 30 } else { 16 << 20 };
    // `seq` over numbers of one width: ten bytes a line, 1.2 GB (12 MB quick).
    let numbers: u64 = if benching { 120_000_000 } else { 1_200_000 };
    let shapes = [
        (
            "one long line",
            format!("head -c {bytes} /dev/zero | tr '\\0' a"),
            bytes,
        ),
        (
            "64-byte lines",
            format!(
                "yes '{}' | head -c {bytes}",
                "2024-05-01T10:00:00Z INFO worker processed job 12345 in 3ms"
            ),
            bytes,
        ),
        (
            "one process, seq",
            format!("seq {} {}", 100_000_000, 100_000_000 + numbers - 1),
            numbers * 10,
        ),
    ];
    // The session's runtime: one worker thread, `block_on` from the main thread.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    // Values like those a session knows: a secret variable, one from the environment.
    let redactor = Redactor::with_env(
        ["s3cr3t-pw".to_string()],
        [("API_TOKEN".to_string(), "tok-4711-abcdef".to_string())],
    );
    let mut worst = f64::INFINITY;
    for (shape, command, bytes) in shapes {
        let mut direct = Vec::new();
        let mut floor = Vec::new();
        let mut sides = [Side::new("exec::run"), Side::new("exec::run+redact")];
        // Alternate the sides so drift in machine load hits all alike.
        for _ in 0..runs {
            direct.push(time_shell(&format!("{command} > /dev/null")));
            floor.push(time_shell(&format!("{command} | cat > /dev/null")));
            for (side, redactor) in sides.iter_mut().zip([None, Some(&redactor)]) {
                let cpu_before = own_cpu();
                side.times
                    .push(time_exec(&runtime, &command, bytes, redactor));
                side.cpu.push(own_cpu().saturating_sub(cpu_before));
            }
        }
        let direct = median(direct);
        let floor = median(floor);
        println!(
            "stream/{shape}: {} MiB  direct {direct:>8.1?} ({:>5.0} MiB/s)  pipe to cat {floor:>8.1?} ({:>5.0} MiB/s, ratio {:.2})",
            bytes >> 20,
            mib_per_s(bytes, direct),
            mib_per_s(bytes, floor),
            ratio(direct, floor),
        );
        for (i, side) in sides.into_iter().enumerate() {
            let took = median(side.times);
            let ratio = ratio(direct, took);
            if i == 0 {
                worst = worst.min(ratio);
            }
            println!(
                "  {:<17} {took:>8.1?} ({:>5.0} MiB/s, runner CPU {:.2?})  throughput ratio {ratio:.2}{}",
                side.name,
                mib_per_s(bytes, took),
                median(side.cpu),
                if i == 0 { format!(" (target ≥ {TARGET})") } else { String::new() },
            );
        }
    }
    if benching && worst < TARGET {
        eprintln!("stream: below target ({worst:.2} < {TARGET})");
    }
}

/// Timings of one way of running the command.
struct Side {
    name: &'static str,
    times: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Side {
    fn new(name: &'static str) -> Self {
        Side {
            name,
            times: Vec::new(),
            cpu: Vec::new(),
        }
    }
}

/// `bash -c script`, timed.
fn time_shell(script: &str) -> Duration {
    let began = Instant::now();
    let status = Command::new("bash")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .status()
        .expect("bash runs");
    assert!(status.success());
    began.elapsed()
}

/// How much of the direct throughput `took` achieves.
fn ratio(direct: Duration, took: Duration) -> f64 {
    direct.as_secs_f64() / took.as_secs_f64()
}

/// Runs `command` through `exec::run`; with a redactor, every chunk goes through the
/// session's stream redaction.
fn time_exec(
    runtime: &tokio::runtime::Runtime,
    command: &str,
    bytes: u64,
    redactor: Option<&Redactor>,
) -> Duration {
    let mut spec = ExecSpec::new(command);
    spec.timeout = Duration::from_secs(600);
    let mut seen = 0u64;
    let mut redacted = redactor.map(Redactor::lines);
    let mut on_output = |output: Chunk<'_>| {
        seen += output.text().len() as u64;
        match redacted.as_mut() {
            Some(r) => std::hint::black_box(r.lines_of(output.text()).len()),
            None => std::hint::black_box(output.text().len()),
        };
    };
    let began = Instant::now();
    let result = runtime
        .block_on(exec::run(&spec, &mut on_output))
        .expect("bash starts");
    let took = began.elapsed();
    assert_eq!(result.exit_code, Some(0));
    assert_eq!(result.total_bytes, bytes);
    assert_eq!(seen, bytes);
    took
}

/// CPU time (user + system) this process has used so far, from /proc/self/stat.
fn own_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are the
    // 12th and 13th, in clock ticks.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    let ticks: u64 = fields.iter().sum();
    Duration::from_millis(ticks * 1000 / clock_ticks_per_second())
}

fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn mib_per_s(bytes: u64, took: Duration) -> f64 {
    (bytes as f64 / (1 << 20) as f64) / took.as_secs_f64()
}
