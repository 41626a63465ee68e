//! runbook: executable runbooks. Markdown → step graph → interpreter → incident events → views.

pub mod analysis;
pub mod answers;
pub mod catalog;
pub mod cli;
pub mod error;
pub mod exec;
pub mod graph;
pub mod guided;
pub mod incident;
pub mod inspect;
pub mod interpret;
pub mod judge;
pub mod lint;
pub mod markdown;
pub mod placeholder;
pub mod postmortem;
pub mod prompt;
pub mod redact;
pub mod render;
pub mod session;
pub mod shell_syntax;
pub mod stdout;
pub mod vars;

use clap::Parser;
use cli::{Cli, Command};
use std::ffi::OsString;

/// Runs the command line and returns the process exit code.
pub fn run<I: IntoIterator<Item = OsString>>(args: I) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("runbook: {e}");
            e.exit_code()
        }
    }
}

fn dispatch(cli: Cli) -> error::Result<i32> {
    let g = &cli.global;
    match &cli.command {
        Command::List(a) => inspect::list(g, a),
        Command::Show(a) => inspect::show(g, a),
        Command::Graph(a) => inspect::graph(g, a),
        Command::Lint(a) => lint::command(g, a),
        Command::Run(a) => session::run(g, a),
        Command::Resume(a) => session::resume(g, a),
        Command::Incidents(a) => incident::list_command(g, a),
        Command::Note(a) => incident::note_command(g, a),
        Command::Postmortem(a) => postmortem::command(g, a),
    }
}

// Parsing and the session allocate many small strings: mimalloc serves them faster
// than the system allocator (`cargo bench --bench parse`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
