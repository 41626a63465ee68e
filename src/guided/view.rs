//! What the guided session prints around its prompts: step headers, verdicts,
//! the severity matrix and escalation levels. Pure functions returning strings,
//! so they are tested without a terminal.

use crate::graph::Node;
use crate::judge::{Outcome, Verdict};

/// ANSI styling, or none at all (`--no-color`, `NO_COLOR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    pub color: bool,
}

impl Paint {
    /// Colour unless `--no-color` was given or `NO_COLOR` is set (no-color.org).
    pub fn from_env(no_color_flag: bool) -> Self {
        let env_off = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Paint {
            color: !no_color_flag && !env_off,
        }
    }

    fn wrap(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }
    pub fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }
    pub fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }
    pub fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }
    pub fn yellow(self, text: &str) -> String {
        self.wrap("33", text)
    }
    pub fn cyan(self, text: &str) -> String {
        self.wrap("36", text)
    }
}

/// Whether the playbook's language is Spanish (everything else gets English).
pub fn is_es(lang: &str) -> bool {
    lang.trim().to_ascii_lowercase().starts_with("es")
}

/// The severity matrix of the seed runbook 002 (§4), per level.
pub fn severity_meaning(severity: &str, lang: &str) -> &'static str {
    let es = is_es(lang);
    match (severity, es) {
        ("sev1", true) => "caída total del servicio o pérdida activa de datos",
        ("sev2", true) => "funcionalidad core degradada (login, envío, webhooks)",
        ("sev3", true) => "degradación parcial o intermitente",
        ("sev4", true) => "impacto bajo / operativo interno",
        ("sev1", false) => "total outage or active data loss",
        ("sev2", false) => "core functionality degraded (login, sending, webhooks)",
        ("sev3", false) => "partial or intermittent degradation",
        ("sev4", false) => "low impact / internal operations",
        _ => "",
    }
}

pub const SEVERITIES: [&str; 4] = ["sev1", "sev2", "sev3", "sev4"];

/// One escalation level of the seed runbook 001 ("Escalation").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// What is recorded, e.g. `Level 2 - On-Call Engineer`.
    pub name: &'static str,
    /// When it applies and how fast it responds.
    pub when: &'static str,
}

pub fn escalation_levels(lang: &str) -> [Level; 4] {
    if is_es(lang) {
        [
            Level {
                name: "Nivel 1 - Respuesta automática",
                when: "auto-escalado, auto-reinicio, circuit breakers; sin intervención humana",
            },
            Level {
                name: "Nivel 2 - Ingeniero/a de guardia",
                when: "servicio degradado, problemas de rendimiento, fallos no críticos; respuesta < 30 min",
            },
            Level {
                name: "Nivel 3 - Líder de ingeniería",
                when: "servicio crítico caído, riesgo de pérdida de datos, incidente de seguridad; respuesta < 15 min",
            },
            Level {
                name: "Nivel 4 - CTO",
                when: "caída mayor (> 30 min), impacto de negocio, decisión ejecutiva; respuesta < 5 min",
            },
        ]
    } else {
        [
            Level {
                name: "Level 1 - Automated Response",
                when: "auto-scaling, auto-restart, circuit breakers; no human intervention",
            },
            Level {
                name: "Level 2 - On-Call Engineer",
                when: "service degradation, performance issues, non-critical failures; response < 30 min",
            },
            Level {
                name: "Level 3 - Engineering Lead",
                when: "critical service down, data loss risk, security incident; response < 15 min",
            },
            Level {
                name: "Level 4 - CTO",
                when: "major outage (> 30 min), business impact, executive decision needed; response < 5 min",
            },
        ]
    }
}

/// The block shown before a step's prompt: title, where it comes from, the
/// command (already redacted by the caller) and what is special about it.
pub fn step_header(node: &Node, command: &str, paint: Paint) -> String {
    let mut out = format!(
        "\n{} {}\n",
        paint.bold(&format!("▶ {}", node.title)),
        paint.dim(&format!(
            "[{} · {} · line {}]",
            node.kind.as_str(),
            node.id,
            node.line
        ))
    );
    if let Some(text) = node.text.as_deref().filter(|t| !t.trim().is_empty()) {
        for line in text.lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    for (i, line) in command.lines().enumerate() {
        let prefix = if i == 0 { "$ " } else { "  " };
        out.push_str(&format!("  {}\n", paint.cyan(&format!("{prefix}{line}"))));
    }
    let mut marks = Vec::new();
    if node.destructive {
        marks.push(paint.red("destructive: asks for confirmation"));
    }
    if node.watch {
        marks.push(paint.yellow("watch: streamed for a bounded time"));
    }
    if node.interactive {
        marks.push(paint.yellow("interactive: uses the terminal"));
    }
    if !node.expect.is_empty() {
        let expected: Vec<String> = node
            .expect
            .iter()
            .map(|e| format!("{} {}", format!("{:?}", e.kind).to_lowercase(), e.value))
            .collect();
        marks.push(paint.dim(&format!("expects: {}", expected.join(", "))));
    }
    if !marks.is_empty() {
        out.push_str(&format!("  {}\n", marks.join(" · ")));
    }
    out
}

fn outcome_badge(outcome: Outcome, paint: Paint) -> String {
    match outcome {
        Outcome::Ok => paint.green("✔ ok"),
        Outcome::Fail => paint.red("✘ fail"),
        Outcome::Find => paint.yellow("⚑ find: trouble found"),
        Outcome::Timeout => paint.red("⏱ timeout"),
        Outcome::Skipped => paint.dim("↷ skipped"),
        Outcome::Error => paint.red("✘ error"),
    }
}

/// Lines of a unified diff, coloured the usual way.
fn paint_diff(diff: &str, paint: Paint) -> String {
    diff.lines()
        .map(|line| {
            let styled = if line.starts_with("@@") {
                paint.cyan(line)
            } else if line.starts_with('+') && !line.starts_with("+++") {
                paint.green(line)
            } else if line.starts_with('-') && !line.starts_with("---") {
                paint.red(line)
            } else {
                line.to_string()
            };
            format!("    {styled}\n")
        })
        .collect()
}

/// The judgement of a check: outcome, expectations that did not hold, the diff,
/// and each finding with the output lines that matched it.
pub fn verdict_view(node: &Node, verdict: &Verdict, paint: Paint) -> String {
    let mut out = format!(
        "{} {}\n",
        outcome_badge(verdict.outcome, paint),
        paint.dim(&format!("({})", node.title))
    );
    for failed in &verdict.failed {
        out.push_str(&format!("  {} {failed}\n", paint.red("✘")));
    }
    if let Some(diff) = verdict.diff.as_deref().filter(|d| !d.trim().is_empty()) {
        out.push_str(&format!("  {}\n", paint.bold("expected vs actual:")));
        out.push_str(&paint_diff(diff, paint));
    }
    for hit in &verdict.findings {
        out.push_str(&format!(
            "  {} {}\n",
            paint.yellow("⚑"),
            paint.bold(&hit.label)
        ));
        for line in &hit.lines {
            out.push_str(&format!("    {} {line}\n", paint.dim("│")));
        }
    }
    out
}

/// A manual step or a decision: the title and the prose that goes with it.
pub fn instruction_view(node: &Node, paint: Paint) -> String {
    let mut out = format!("\n{}\n", paint.bold(&format!("▶ {}", node.title)));
    if let Some(text) = node
        .text
        .as_deref()
        .filter(|t| same_words(t) != same_words(&node.title))
    {
        for line in text.lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// Letters and digits only, lower-cased: a title made from its text (with
/// punctuation or Markdown dropped) says the same thing twice otherwise.
fn same_words(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Characters an option of a list may take on this terminal: inquire draws a
/// two-character cursor and checkbox before it, and a wrapped option breaks the
/// list's redrawing.
pub fn option_width() -> usize {
    let columns = crossterm::terminal::size().map_or(100, |(w, _)| usize::from(w));
    columns.saturating_sub(6).clamp(20, 160)
}

/// At most `max` characters (not bytes), with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{ExpectKind, Expectation, NodeKind};
    use crate::judge::FindingHit;

    const PLAIN: Paint = Paint { color: false };
    const COLOR: Paint = Paint { color: true };

    fn check() -> Node {
        let mut n = Node::new("depth", NodeKind::Check, "Queue depth", 12);
        n.command = Some("redis-cli LLEN queue".into());
        n.expect.push(Expectation {
            kind: ExpectKind::Contains,
            value: "pendingCount".into(),
        });
        n
    }

    #[test]
    fn header_shows_title_origin_command_and_expectations() {
        let h = step_header(&check(), "redis-cli -a '****' LLEN queue", PLAIN);
        assert!(h.contains("▶ Queue depth [check · depth · line 12]"), "{h}");
        assert!(h.contains("  $ redis-cli -a '****' LLEN queue\n"), "{h}");
        assert!(h.contains("expects: contains pendingCount"), "{h}");
        assert!(!h.contains('\x1b'));
    }

    #[test]
    fn header_marks_destructive_and_multiline_commands() {
        let mut n = check();
        n.destructive = true;
        let h = step_header(&n, "a \\\n  b", PLAIN);
        assert!(h.contains("  $ a \\\n      b\n"), "{h}");
        assert!(h.contains("destructive"), "{h}");
    }

    #[test]
    fn verdict_lists_failures_diff_and_findings() {
        let v = Verdict {
            outcome: Outcome::Find,
            failed: vec!["output contains `PONG`".into()],
            diff: Some("--- expected\n+++ actual\n-PONG\n+LOADING".into()),
            findings: vec![FindingHit {
                label: "pending=5".into(),
                lines: vec!["pending=5 queue=jobs".into()],
            }],
        };
        let plain = verdict_view(&check(), &v, PLAIN);
        assert!(
            plain.starts_with("⚑ find: trouble found (Queue depth)\n"),
            "{plain}"
        );
        assert!(plain.contains("  ✘ output contains `PONG`\n"));
        assert!(plain.contains("    -PONG\n    +LOADING\n"));
        assert!(plain.contains("  ⚑ pending=5\n    │ pending=5 queue=jobs\n"));
        assert!(!plain.contains('\x1b'));

        let colored = verdict_view(&check(), &v, COLOR);
        assert!(colored.contains("\x1b[31m-PONG\x1b[0m"));
        assert!(colored.contains("\x1b[32m+LOADING\x1b[0m"));
        assert!(!colored.contains("\x1b[32m+++ actual"));
    }

    #[test]
    fn severity_matrix_in_the_playbook_language() {
        assert_eq!(
            severity_meaning("sev1", "es"),
            "caída total del servicio o pérdida activa de datos"
        );
        assert_eq!(
            severity_meaning("sev3", "en"),
            "partial or intermittent degradation"
        );
        for sev in SEVERITIES {
            assert!(!severity_meaning(sev, "en").is_empty());
            assert!(!severity_meaning(sev, "es").is_empty());
        }
    }

    #[test]
    fn four_escalation_levels_from_the_seed() {
        let en = escalation_levels("en");
        assert_eq!(en[1].name, "Level 2 - On-Call Engineer");
        assert_eq!(en[3].name, "Level 4 - CTO");
        assert!(escalation_levels("es")[2].name.starts_with("Nivel 3"));
    }

    #[test]
    fn instruction_text_is_not_repeated_under_a_title_made_from_it() {
        let mut n = Node::new("src", NodeKind::Note, "Fuente: `seeds/000` Jobs", 3);
        n.text = Some("Fuente: `seeds/000` § Jobs".into());
        assert_eq!(
            instruction_view(&n, PLAIN),
            "\n▶ Fuente: `seeds/000` Jobs\n"
        );
        n.text = Some("Restart it by hand.".into());
        assert!(instruction_view(&n, PLAIN).ends_with("  Restart it by hand.\n"));
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("síntomas", 20), "síntomas");
        assert_eq!(truncate("síntomas", 4), "sín…");
    }
}
