//! Parses the seed runbooks, concatenated to SIZE bytes, N times: a fixed workload for
//! `valgrind --tool=callgrind` (instruction counts do not depend on machine load).
//!
//! Run: `cargo build --release --example parse_profile` then
//! `RAYON_NUM_THREADS=1 valgrind --tool=callgrind target/release/examples/parse_profile 1048576 2`.

#[path = "../benches/support/seed_text.rs"]
mod seed_text;

use seed_text::seeds_to;
use std::path::Path;

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
