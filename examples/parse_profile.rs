//! Parses the seed runbooks, concatenated to SIZE bytes, N times: a fixed workload for
//! `valgrind --tool=callgrind` (instruction counts do not depend on machine load).
//!
//! Run: `cargo build --release --example parse_profile` then
//! `RAYON_NUM_THREADS=1 valgrind --tool=callgrind target/release/examples/parse_profile 1048576 2`.

use std::path::{Path, PathBuf};

fn main() {
    let mut args = std::env::args().skip(1);
    let size: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1 << 20);
    let times: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let text = seeds_to(size);
    let mut playbooks = 0;
    for _ in 0..times {
        playbooks += runbook::markdown::parse_document(&text, Path::new("seeds.md"))
            .expect("parses")
            .len();
    }
    println!(
        "{} bytes, {times} parses, {playbooks} playbooks",
        text.len()
    );
}

/// The seeds, each followed by a blank line, repeated until `size` bytes.
fn seeds_to(size: usize) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("seeds")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let seeds: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("seed text"))
        .collect();
    let mut text = String::with_capacity(size + 64 * 1024);
    while text.len() < size {
        for s in &seeds {
            text.push_str(s);
            text.push_str("\n\n");
            if text.len() >= size {
                break;
            }
        }
    }
    text
}
