//! `--dry-run`: the plan of a run, printed; nothing runs, nothing is written.

use super::{emit, Settings};
use crate::answers::{self, Answers, Scope};
use crate::error::{Error, Result};
use crate::graph::{Node, NodeKind, Playbook};
use crate::interpret::{self, PlanStop};
use crate::redact::Redactor;
use crate::vars::{self, Bindings};

/// `--dry-run`: the path a healthy system takes and every command exactly as it would
/// run (secrets masked). Runs nothing and writes no incident. Unattended, what a real
/// run would still miss fails it like the real run would (exit 3), and so does a value
/// the real run would refuse (exit 2).
pub(super) fn dry_run(playbook: &Playbook, answers: &Answers, settings: &Settings) -> Result<i32> {
    let resolution = vars::resolve(playbook, &settings.vars, &settings.env_files, &answers.vars)?;
    let bindings = resolution.bindings;
    let redactor = Redactor::new(bindings.secret_values().into_iter().map(String::from));
    let unresolved: Vec<&str> = resolution.missing.iter().map(|v| v.name.as_str()).collect();
    let decide = |n: &Node| answers.choice(playbook, n);
    let plan = interpret::plan(playbook, &decide);
    let scope = Scope {
        from: None,
        allow_destructive: settings.allow_destructive,
        interactive: false,
    };
    let paint = settings.paint;
    let mut out = format!(
        "{} {} ({}) — nothing runs, no incident is written\n",
        paint.bold("dry run:"),
        playbook.title,
        playbook.id
    );
    for (i, id) in plan.path.iter().enumerate() {
        let Some(node) = playbook.node(id) else {
            continue;
        };
        out.push_str(&plan_entry(
            i + 1,
            node,
            playbook,
            answers,
            &bindings,
            &redactor,
            &unresolved,
            scope,
        ));
    }
    out.push_str(&plan_stop(&plan.stop, playbook));
    emit(&out);

    let guided = settings.guided();
    super::refuse_option_values(playbook, answers, &bindings, settings.scope(guided, None))?;
    let missing = answers::missing(playbook, answers, &resolution.missing, scope);
    if missing.is_empty() {
        return Ok(0);
    }
    if guided {
        emit(&format!(
            "a guided run asks for:\n{}\n",
            missing
                .iter()
                .map(|m| format!("  - {m}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
        return Ok(0);
    }
    Err(Error::Missing(missing))
}

#[allow(clippy::too_many_arguments)]
fn plan_entry(
    n: usize,
    node: &Node,
    playbook: &Playbook,
    answers: &Answers,
    bindings: &Bindings,
    redactor: &Redactor,
    unresolved: &[&str],
    scope: Scope,
) -> String {
    let mut out = format!(
        "{n:>3}. [{}] {}  ({}, line {})\n",
        node.kind.as_str(),
        node.title,
        node.id,
        node.line
    );
    if let Some(command) = answers.command(node) {
        let shell = node.shell.as_deref().unwrap_or("bash");
        let display = vars::prepare_for(command, bindings, shell).display;
        for (i, line) in redactor.redact(&display).lines().enumerate() {
            out.push_str(&format!("     {} {line}\n", if i == 0 { "$" } else { " " }));
        }
        let needs: Vec<String> = crate::placeholder::names(command)
            .into_iter()
            .filter(|name| unresolved.contains(&name.as_str()))
            .collect();
        if !needs.is_empty() {
            out.push_str(&format!("     needs: {}\n", needs.join(", ")));
        }
        for refusal in vars::refusals(command, bindings, shell) {
            out.push_str(&format!("     refused: {refusal}\n"));
        }
        if let Some(why) = held_back_why(node, answers, scope) {
            out.push_str(&format!("     not run: {why}\n"));
        } else if node.watch {
            out.push_str(&format!(
                "     watch: streamed for {}s\n",
                super::walk::watch_window(node).as_secs()
            ));
        }
    } else if node.kind == NodeKind::Decision {
        if let Some(choice) = answers.choice(playbook, node) {
            out.push_str(&format!("     → {} (→ {})\n", choice.label, choice.to));
        }
    } else if let Some(text) = node
        .text
        .as_deref()
        .filter(|t| t.trim() != node.title.trim())
    {
        for line in text.lines().take(3) {
            out.push_str(&format!("     {line}\n"));
        }
    }
    out
}

/// Why an unattended run would not execute a step's command.
fn held_back_why(node: &Node, answers: &Answers, scope: Scope) -> Option<&'static str> {
    if answers::will_run(node, answers, scope) {
        None
    } else if node.skip {
        Some("marked skip in the playbook")
    } else if answers.skips(node) {
        Some("skipped by the answers file")
    } else if node.interactive {
        Some("interactive: needs a terminal")
    } else if !node.destructive {
        Some("needs confirmation: --allow-destructive or confirm: in the answers file")
    } else {
        Some("destructive: needs --allow-destructive or confirm: in the answers file")
    }
}

fn plan_stop(stop: &PlanStop, playbook: &Playbook) -> String {
    match stop {
        PlanStop::End => "  → end\n".into(),
        PlanStop::Undecided { node, choices } => {
            let title = playbook.node(node).map_or("", |n| n.title.as_str());
            let mut out =
                format!("  ? decision `{node}` \"{title}\" has no answer; its choices:\n");
            for c in choices {
                out.push_str(&format!("      - {} → {}\n", c.label, c.to));
            }
            out
        }
        PlanStop::Loop { node } => format!("  ↺ back to `{node}`: the ok-path loops\n"),
        PlanStop::Broken(e) => format!("  ✘ {e}\n"),
    }
}
