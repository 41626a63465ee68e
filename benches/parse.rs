//! Parser throughput and `list` latency.
//!
//! - `parse/seeds-10MB`: the five seed runbooks concatenated to ~10 MB, parsed as one
//!   document (target ≥ 50 MB/s); `parse/blocks-only-10MB` is the Markdown layer alone
//!   and `parse/pulldown-only-10MB` is pulldown-cmark's offset iterator alone (the floor).
//! - `list/1000-playbooks`: `runbook --playbooks DIR list` (the real binary, process
//!   start included) over a directory of 1,000 authored playbooks (target < 100 ms);
//!   `list/catalog-all` is the same work as a library call.
//!
//! Run: `cargo bench --bench parse`.

#[path = "support/seed_text.rs"]
mod seed_text;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::{Path, PathBuf};
use std::time::Duration;

const TARGET_BYTES: usize = 10 * 1024 * 1024;

fn ten_megabytes() -> String {
    seed_text::seeds_to(TARGET_BYTES)
}

fn parse(c: &mut Criterion) {
    let text = ten_megabytes();
    let path = Path::new("seeds-10MB.md");
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    // pulldown-cmark alone, with the options `blocks::parse` uses: the floor under
    // everything else (nothing the parser does can be faster than tokenising).
    group.bench_function("pulldown-only-10MB", |b| {
        b.iter(|| {
            pulldown_cmark::Parser::new_ext(&text, runbook::markdown::blocks::options())
                .into_offset_iter()
                .count()
        })
    });
    // The Markdown layer alone (pulldown-cmark events → blocks with lines): the floor
    // the step-graph pass builds on.
    group.bench_function("blocks-only-10MB", |b| {
        b.iter(|| {
            let index = runbook::markdown::blocks::LineIndex::new(&text);
            runbook::markdown::blocks::parse(&text, &index, 0)
        })
    });
    group.bench_function("seeds-10MB", |b| {
        b.iter(|| {
            let playbooks = runbook::markdown::parse_document(&text, path).expect("parses");
            assert!(playbooks.len() > 1000);
            playbooks
        })
    });
    group.finish();
}

/// 1,000 authored playbooks, in the shape of the shipped ones, in 10 sub-directories.
fn playbook_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..1000 {
        let sub = dir.path().join(format!("system-{}", i % 10));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let text = format!(
            "---\nid: playbook-{i}\ntitle: Redis not responding {i}\nservice: svc-{}\nseverity: sev2\nlang: es\ntags: [redis, cache]\nvariables:\n  REDIS_PASSWORD: {{ secret: true }}\n  API_URL: {{ default: \"http://localhost:8003\" }}\n---\n\n# Redis no responde {i}\n\n## Síntomas\n\n- La API devuelve 503.\n- `redis_up` es 0.\n\n## Diagnóstico\n\n```bash {{id=ping expect=\"PONG\" on-fail=restart timeout=10s}}\ndocker compose exec redis redis-cli -a \"$REDIS_PASSWORD\" ping\n```\n\n```bash {{id=health expect-status=200 on-ok=end}}\ncurl -i \"$API_URL/healthz\"\n```\n\n## Acciones\n\n```bash {{id=restart destructive=true on-ok=health}}\ndocker compose restart redis\n```\n\n## Prevención\n\n- Alerta cuando `redis_up` sea 0.\n",
            i % 10
        );
        std::fs::write(sub.join(format!("playbook-{i}.md")), text).expect("write");
    }
    dir
}

fn list(c: &mut Criterion) {
    let dir = playbook_dir();
    let mut group = c.benchmark_group("list");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    let dir_arg = dir.path().to_string_lossy().into_owned();
    group.bench_function("1000-playbooks", |b| {
        b.iter(|| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_runbook"))
                .args(["--playbooks", &dir_arg, "list"])
                .current_dir(dir.path())
                .env_remove("RUNBOOK_PATH")
                .output()
                .expect("runbook list");
            assert!(out.status.success());
            assert!(out.stdout.len() > 50_000);
            out
        })
    });
    let global = runbook::cli::Global {
        playbooks: Some(dir.path().to_path_buf()),
        incidents_dir: PathBuf::from("incidents"),
        no_color: true,
        verbose: 0,
        quiet: true,
    };
    group.bench_function("catalog-all", |b| {
        b.iter(|| {
            let all = runbook::catalog::all(&global).expect("all");
            assert!(all.len() >= 1000);
            all
        })
    });
    group.finish();
}

criterion_group!(benches, parse, list);
criterion_main!(benches);
