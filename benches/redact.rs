//! Redaction cost: it runs over every line a step prints, every event and the
//! postmortem. `cargo bench --bench redact` reports throughput for ordinary output
//! (no secret), output where every line holds one, one line at a time, and in runs of
//! whole lines as the executor streams them (`LineRedactor::lines_of`).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use runbook::redact::Redactor;

/// Lines like those the seed runbooks' commands print: docker, curl, redis, logs.
const ORDINARY: [&str; 8] = [
    "chatbot-app-1   ghcr.io/acme/app:1.4.2   \"uvicorn main:app\"   app   Up 3 hours (healthy)   0.0.0.0:8003->8003/tcp",
    "2026-01-01T10:00:00.123Z INFO  worker-web job=4711 status=done duration_ms=132 queue=webhooks",
    "< HTTP/1.1 200 OK",
    "{\"status\":\"ok\",\"redis\":\"up\",\"postgres\":\"up\",\"pendingCount\":3,\"failedCount\":0}",
    "db0:keys=1523,expires=12,avg_ttl=0",
    "integration_jobs_pending_count 57",
    "WARN  token refresh scheduled for user 42 in 300s",
    "   PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND",
];

const SECRETIVE: [&str; 4] = [
    "> Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "DATABASE_URL=postgres://chatbot:s3cr3t-pw@db:5432/chatbot",
    "redis-cli -h redis -a s3cr3t-pw ping",
    "{\"access_token\":\"opaque-abc-123\",\"token_type\":\"bearer\"}",
];

fn block(lines: &[&str], bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 256);
    for line in lines.iter().cycle() {
        if out.len() >= bytes {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn redactor() -> Redactor {
    Redactor::with_env(
        ["s3cr3t-pw".to_string(), "another-secret-value".to_string()],
        Vec::new(),
    )
}

fn bench(c: &mut Criterion) {
    let r = redactor();
    let mut group = c.benchmark_group("redact");
    for (name, lines) in [
        ("ordinary", &ORDINARY[..]),
        ("secret-every-line", &SECRETIVE[..]),
    ] {
        let text = block(lines, 1 << 20);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("{name}/1MiB-block"), |b| {
            b.iter(|| r.redact_cow(black_box(&text)).len())
        });
        // A run of whole lines as `exec::run` hands them on, as the session redacts it.
        group.bench_function(format!("{name}/1MiB-stream-run"), |b| {
            let mut stream = r.lines();
            b.iter(|| stream.lines_of(black_box(&text)).len())
        });
        group.bench_function(format!("{name}/1MiB-line-by-line"), |b| {
            b.iter(|| {
                text.split_inclusive('\n')
                    .map(|line| r.redact_cow(black_box(line)).len())
                    .sum::<usize>()
            })
        });
    }
    // Output none of whose bytes can be a secret (one long line, log lines without
    // a trigger word): what the one scan of a stream run costs.
    for (name, text) in [
        ("no-trigger-long-line", "a".repeat(1 << 20)),
        (
            "no-trigger-log-lines",
            block(
                &["2024-05-01T10:00:00Z INFO worker processed job 12345 in 3ms"],
                1 << 20,
            ),
        ),
    ] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("{name}/1MiB-stream-run"), |b| {
            let mut stream = r.lines();
            b.iter(|| stream.lines_of(black_box(&text)).len())
        });
    }
    // `yes`-like output: the cost per line, not per byte.
    let tiny = "y\n".repeat(1 << 19);
    group.throughput(Throughput::Bytes(tiny.len() as u64));
    group.bench_function("tiny-lines/1MiB-line-by-line", |b| {
        b.iter(|| {
            let mut lines = r.lines();
            tiny.split_inclusive('\n')
                .map(|line| lines.line(black_box(line)).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
