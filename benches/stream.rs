//! Streaming throughput: a step printing 1 GiB run through `exec::run` (merged pipe,
//! line splitting, live `on_line` callback, head/tail capture) against the same command
//! with its output thrown away by the shell, `bash -c 'CMD > /dev/null'`.
//! Target: exec / direct ≥ 0.7 of the direct throughput.
//!
//! `cargo bench --bench stream`. Two shapes of output: one long line (pieces of
//! `MAX_LINE_BYTES` reach the callback) and log-like 64-byte lines (16 M callbacks).
//! `STREAM_RUNS` sets the timed runs per side (default 5; the median is reported).

use runbook::exec::{self, ExecSpec};
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
    let shapes = [
        (
            "one long line",
            format!("head -c {bytes} /dev/zero | tr '\\0' a"),
        ),
        (
            "64-byte lines",
            format!(
                "yes '{}' | head -c {bytes}",
                "2024-05-01T10:00:00Z INFO worker processed job 12345 in 3ms"
            ),
        ),
    ];
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut worst = f64::INFINITY;
    for (shape, command) in &shapes {
        let mut direct = Vec::new();
        let mut through_exec = Vec::new();
        let mut runner_cpu = Vec::new();
        // Alternate the sides so drift in machine load hits both alike.
        for _ in 0..runs {
            direct.push(time_direct(command));
            let cpu_before = own_cpu();
            through_exec.push(time_exec(&runtime, command, bytes));
            runner_cpu.push(own_cpu().saturating_sub(cpu_before));
        }
        let direct = median(direct);
        let through_exec = median(through_exec);
        let runner_cpu = median(runner_cpu);
        let ratio = direct.as_secs_f64() / through_exec.as_secs_f64();
        worst = worst.min(ratio);
        println!(
            "stream/{shape}: {} MiB  direct {:>8.1?} ({:>5.0} MiB/s)  exec::run {:>8.1?} ({:>5.0} MiB/s, runner CPU {:.2?})  throughput ratio {ratio:.2} (target ≥ {TARGET})",
            bytes >> 20,
            direct,
            mib_per_s(bytes, direct),
            through_exec,
            mib_per_s(bytes, through_exec),
            runner_cpu,
        );
    }
    if benching && worst < TARGET {
        eprintln!("stream: below target ({worst:.2} < {TARGET})");
    }
}

fn time_direct(command: &str) -> Duration {
    let began = Instant::now();
    let status = Command::new("bash")
        .arg("-c")
        .arg(format!("{command} > /dev/null"))
        .stdin(Stdio::null())
        .status()
        .expect("bash runs");
    assert!(status.success());
    began.elapsed()
}

fn time_exec(runtime: &tokio::runtime::Runtime, command: &str, bytes: u64) -> Duration {
    let mut spec = ExecSpec::new(command);
    spec.timeout = Duration::from_secs(600);
    let mut lines = 0u64;
    let mut on_line = |line: &str| {
        lines += 1;
        std::hint::black_box(line);
    };
    let began = Instant::now();
    let result = runtime
        .block_on(exec::run(&spec, &mut on_line))
        .expect("bash starts");
    let took = began.elapsed();
    assert_eq!(result.exit_code, Some(0));
    assert_eq!(result.total_bytes, bytes);
    assert!(lines > 0);
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
