//! Command-line surface (SPEC §3). Parsing only: each command lives in its own module.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "runbook",
    version,
    about = "Executable runbooks for on-call engineers"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Directory searched for playbooks before RUNBOOK_PATH, ./playbooks and the built-in ones.
    #[arg(long, global = true, value_name = "DIR")]
    pub playbooks: Option<PathBuf>,
    /// Where incident records are written.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "RUNBOOK_INCIDENTS",
        default_value = "incidents"
    )]
    pub incidents_dir: PathBuf,
    /// No ANSI colours (also NO_COLOR).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More output.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Less output.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Playbooks on the search path, or the incident sections of FILEs.
    List(ListArgs),
    /// Outline of a playbook: symptoms, steps, expectations, branches, variables.
    Show(ShowArgs),
    /// The step graph as Mermaid, Graphviz dot or JSON.
    Graph(GraphArgs),
    /// Check playbooks for dangling targets, unreachable steps, undefined variables...
    Lint(LintArgs),
    /// Run a playbook: guided on a terminal, unattended with --yes or without one.
    Run(RunArgs),
    /// Continue an interrupted incident session.
    Resume(ResumeArgs),
    /// Incident records with status and duration.
    Incidents(IncidentsArgs),
    /// Append a note to an incident.
    Note(NoteArgs),
    /// Render (again) the postmortem draft of an incident.
    Postmortem(PostmortemArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// List the incident sections of this Markdown file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub playbook: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum GraphFormat {
    #[default]
    Mermaid,
    Dot,
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    pub playbook: String,
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories; default: the search path.
    pub paths: Vec<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Playbook id, path, or FILE#section-slug. On a terminal, omit it to pick one.
    pub playbook: Option<String>,
    /// A variable, K=V (repeatable).
    #[arg(long = "var", value_name = "K=V", value_parser = parse_key_value)]
    pub vars: Vec<(String, String)>,
    /// A dotenv file of variables (repeatable).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// YAML answers: `vars:`, `decisions:` and the rest (see README).
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Run unattended: never prompt.
    #[arg(long)]
    pub yes: bool,
    /// Let destructive actions run unattended.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Print every command and the path, run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Default per-step timeout, e.g. 30s, 2m.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
    /// Session severity, overriding the playbook's.
    #[arg(long, value_name = "sevN", value_parser = ["sev1", "sev2", "sev3", "sev4"])]
    pub severity: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Incident directory name (or a unique prefix / playbook id), or its path.
    pub incident: String,
    #[command(flatten)]
    pub run: ResumeRunArgs,
}

/// The run flags that still make sense when resuming.
#[derive(Debug, Clone, Args)]
pub struct ResumeRunArgs {
    #[arg(long = "var", value_name = "K=V", value_parser = parse_key_value)]
    pub vars: Vec<(String, String)>,
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub allow_destructive: bool,
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
pub struct IncidentsArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum NoteKind {
    Symptom,
    Hypothesis,
    Action,
    Note,
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    pub incident: String,
    #[arg(long, value_enum, default_value_t = NoteKind::Note)]
    pub kind: NoteKind,
    /// The note; several words are joined with spaces.
    #[arg(required = true, num_args = 1..)]
    pub text: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PostmortemArgs {
    pub incident: String,
    /// A handlebars template of your own.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    #[arg(long, value_parser = ["en", "es"])]
    pub lang: Option<String>,
    /// Write here instead of INCIDENT/postmortem.md (`-` for stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("expected K=V, got `{s}`"))?;
    if k.is_empty() {
        return Err(format!("empty variable name in `{s}`"));
    }
    Ok((k.to_string(), v.to_string()))
}

/// `500ms`, `10s`, `2m`, `1h`, or bare seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("invalid duration `{s}`"))?;
    let secs = match unit.trim() {
        "" | "s" | "sec" | "secs" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("invalid duration unit in `{s}` (use ms, s, m, h)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("invalid duration `{s}`"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s").unwrap().as_secs(), 10);
        assert_eq!(parse_duration("2m").unwrap().as_secs(), 120);
        assert_eq!(parse_duration("500ms").unwrap().as_millis(), 500);
        assert_eq!(parse_duration("7").unwrap().as_secs(), 7);
        assert!(parse_duration("x").is_err());
        assert!(parse_duration("5y").is_err());
    }

    #[test]
    fn key_values() {
        assert_eq!(
            parse_key_value("A=b=c").unwrap(),
            ("A".into(), "b=c".into())
        );
        assert!(parse_key_value("=x").is_err());
        assert!(parse_key_value("novalue").is_err());
    }
}
