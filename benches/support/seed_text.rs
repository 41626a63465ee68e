//! The seed runbooks concatenated to a given size: the parse benchmark's text, and the
//! fixed workload of `examples/parse_profile`.

use std::path::{Path, PathBuf};

/// The seeds (tests/fixtures/seeds, in name order), each followed by a blank line,
/// repeated until the text holds at least `size` bytes.
pub fn seeds_to(size: usize) -> String {
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
