//! Graph analysis for `lint`: dangling targets, unreachable steps, undefined variables,
//! checks without expectations, unguarded destructive actions, duplicate ids.

use crate::graph::{NodeKind, Playbook};
use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Level::Error => "error",
            Level::Warning => "warning",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub line: usize,
    pub level: Level,
    pub message: String,
}

impl Issue {
    fn error(line: usize, message: String) -> Self {
        Issue {
            line,
            level: Level::Error,
            message,
        }
    }
    fn warning(line: usize, message: String) -> Self {
        Issue {
            line,
            level: Level::Warning,
            message,
        }
    }
}

/// What the author declared, for the checks that need it (authored playbooks only).
#[derive(Debug, Default)]
pub struct Declared<'a> {
    /// Front-matter variable names; `None` for real runbooks, which declare nothing.
    pub variables: Option<&'a [String]>,
}

/// Every problem with one playbook's graph.
pub fn analyze(p: &Playbook, declared: &Declared<'_>) -> Vec<Issue> {
    let mut out = Vec::new();
    duplicate_ids(p, &mut out);
    dangling(p, &mut out);
    unreachable(p, &mut out);
    if let Some(vars) = declared.variables {
        undefined_variables(p, vars, &mut out);
    }
    checks_without_expectations(p, &mut out);
    unguarded_destructive(p, &mut out);
    unsubstituted_placeholders(p, &mut out);
    out
}

fn line_of(p: &Playbook, id: &str) -> usize {
    p.node(id).map(|n| n.line).unwrap_or(1)
}

fn duplicate_ids(p: &Playbook, out: &mut Vec<Issue>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for n in &p.nodes {
        if let Some(first) = seen.insert(&n.id, n.line) {
            out.push(Issue::error(
                n.line,
                format!("step id `{}` is used twice (first at line {first})", n.id),
            ));
        }
    }
}

fn dangling(p: &Playbook, out: &mut Vec<Issue>) {
    let ids: HashSet<&str> = p.nodes.iter().map(|n| n.id.as_str()).collect();
    for e in &p.edges {
        if !ids.contains(e.to.as_str()) {
            out.push(Issue::error(
                line_of(p, &e.from),
                format!(
                    "dangling target: step `{}` leads ({}) to `{}`, which is not a step id, heading slug or `end`",
                    e.from, e.on, e.to
                ),
            ));
        }
    }
    for n in &p.nodes {
        for c in &n.choices {
            if !ids.contains(c.to.as_str()) {
                out.push(Issue::error(
                    n.line,
                    format!(
                        "dangling target: choice `{}` of `{}` leads to `{}`, which is not a step",
                        c.label, n.id, c.to
                    ),
                ));
            }
        }
        if n.kind == NodeKind::Decision && n.choices.len() < 2 {
            out.push(Issue::warning(
                n.line,
                format!("decision `{}` has fewer than two choices", n.id),
            ));
        }
    }
}

fn successors(p: &Playbook) -> HashMap<&str, Vec<&str>> {
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &p.edges {
        next.entry(e.from.as_str()).or_default().push(e.to.as_str());
    }
    next
}

fn unreachable(p: &Playbook, out: &mut Vec<Issue>) {
    let Some(start) = p.start() else { return };
    let next = successors(p);
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue = VecDeque::from([start.id.as_str()]);
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id) {
            continue;
        }
        for &to in next.get(id).into_iter().flatten() {
            queue.push_back(to);
        }
    }
    for n in &p.nodes {
        if !seen.contains(n.id.as_str()) {
            let what = if n.kind == NodeKind::End {
                "the end is unreachable: every path loops".to_string()
            } else {
                format!("unreachable step `{}`: no edge leads to it", n.id)
            };
            out.push(Issue::warning(n.line, what));
        }
    }
}

fn undefined_variables(p: &Playbook, declared: &[String], out: &mut Vec<Issue>) {
    let mut reported = HashSet::new();
    for n in &p.nodes {
        let Some(command) = &n.command else { continue };
        for ph in crate::placeholder::scan(command) {
            if declared.contains(&ph.name) || ph.default.is_some() {
                continue;
            }
            if reported.insert(ph.name.clone()) {
                out.push(Issue::warning(
                    n.line,
                    format!(
                        "undefined variable `{}` in step `{}`: not declared in the front matter `variables:`",
                        ph.name, n.id
                    ),
                ));
            }
        }
    }
}

/// `<X>` or `{{x}}` where no value can be put safely (a script inside a script, or a
/// script `watch`/`eval`/`ssh` builds under a shell other than bash): it stays as
/// written, which the shell then reads as a redirection or a literal.
fn unsubstituted_placeholders(p: &Playbook, out: &mut Vec<Issue>) {
    use crate::placeholder::{Notation, Quoting};
    for n in &p.nodes {
        let Some(command) = &n.command else { continue };
        let bash = crate::vars::is_bash(n.shell.as_deref().unwrap_or("bash"));
        for (ph, quoting) in crate::placeholder::scan_detailed(command).found {
            let literal = matches!(ph.notation, Notation::Angle | Notation::Mustache);
            // `$X` that `watch`/`eval`/`ssh` parse again: bash quotes it, others cannot.
            let reparsed = quoting == Quoting::JoinedScript && !bash;
            let written = &command[ph.range.clone()];
            let why = if reparsed {
                "is parsed again by the shell `watch`/`eval`/`ssh` hand it to, and only bash (the default `shell`) can quote its value for that: under this shell a value could run as code"
            } else if literal && !crate::vars::substituted(quoting, bash) {
                "is left as written: no value can be quoted through that many shells; move it one shell out"
            } else {
                continue;
            };
            out.push(Issue::warning(
                n.line,
                format!("`{written}` in step `{}` {why}", n.id),
            ));
        }
    }
}

fn checks_without_expectations(p: &Playbook, out: &mut Vec<Issue>) {
    for n in &p.nodes {
        if n.kind == NodeKind::Check
            && n.command.is_some()
            && n.expect.is_empty()
            && n.findings.is_empty()
            && !n.watch
            && !n.skip
        {
            out.push(Issue::warning(
                n.line,
                format!(
                    "check `{}` has no expectation or finding: only its exit code is judged",
                    n.id
                ),
            ));
        }
    }
}

/// A destructive action needs a person's go-ahead: the interpreter asks for one when the
/// step is marked destructive. Unguarded: detection says destructive but the author turned
/// the flag off without `confirm`, or it runs before any check or decision.
fn unguarded_destructive(p: &Playbook, out: &mut Vec<Issue>) {
    for n in &p.nodes {
        let Some(command) = &n.command else { continue };
        if !n.destructive && !n.confirm {
            if let Some(reason) = crate::markdown::destructive::detect(command) {
                out.push(Issue::error(
                    n.line,
                    format!(
                        "unguarded destructive action `{}` ({reason}): marked destructive=false without confirm=true",
                        n.id
                    ),
                ));
            }
        }
    }
    let Some(start) = p.start() else { return };
    let next = successors(p);
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue = VecDeque::from([start.id.as_str()]);
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = p.node(id) else { continue };
        if node.destructive && !node.skip {
            out.push(Issue::warning(
                node.line,
                format!(
                    "destructive action `{}` can run before any check or decision confirms it is needed",
                    node.id
                ),
            ));
            continue;
        }
        // A check, a decision or a person's manual step stands between here and what follows.
        let gate = matches!(
            node.kind,
            NodeKind::Check | NodeKind::Decision | NodeKind::Manual | NodeKind::Escalate
        );
        if gate {
            continue;
        }
        for &to in next.get(id).into_iter().flatten() {
            queue.push_back(to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse(md: &str) -> Playbook {
        crate::markdown::parse_document(md, Path::new("t.md"))
            .unwrap()
            .remove(0)
    }

    #[test]
    fn dangling_and_unreachable() {
        let p = parse("---\nid: t\n---\n## A\n```bash {id=a expect=x on-fail=nowhere on-ok=end}\nls\n```\n## B\n```bash {id=b expect=y}\nls\n```\n");
        let issues = analyze(&p, &Declared::default());
        assert!(
            issues
                .iter()
                .any(|i| i.level == Level::Error && i.message.contains("`nowhere`")),
            "{issues:#?}"
        );
        assert!(
            issues
                .iter()
                .any(|i| i.message.contains("unreachable step `b`")),
            "{issues:#?}"
        );
    }

    #[test]
    fn undefined_variables_only_when_declared_list_given() {
        let p = parse("---\nid: t\nvariables:\n  A: {default: x}\n---\n```bash {expect=ok}\necho $A $B ${C:-c}\n```\n");
        let declared = vec!["A".to_string()];
        let issues = analyze(
            &p,
            &Declared {
                variables: Some(&declared),
            },
        );
        let undefined: Vec<_> = issues
            .iter()
            .filter(|i| i.message.contains("undefined"))
            .collect();
        assert_eq!(undefined.len(), 1, "{issues:#?}");
        assert!(undefined[0].message.contains("`B`"));
    }

    #[test]
    fn checks_without_expectations_and_unguarded_destructive() {
        let p = parse("---\nid: t\n---\n```bash {destructive=false}\ndocker compose down\n```\n```bash\nls\n```\n");
        let issues = analyze(&p, &Declared::default());
        assert!(
            issues
                .iter()
                .any(|i| i.level == Level::Error && i.message.contains("unguarded destructive")),
            "{issues:#?}"
        );
        assert!(
            issues.iter().any(|i| i.message.contains("no expectation")),
            "{issues:#?}"
        );
    }

    #[test]
    fn placeholders_too_deep_to_fill_are_flagged() {
        let p = parse("---\nid: t\n---\n```bash {expect=x}\nsh -c 'bash -c \"echo <job-id>\"'\n```\n```bash {expect=y}\nsh -c 'echo <job-id>'\n```\n");
        let deep: Vec<_> = analyze(&p, &Declared::default())
            .into_iter()
            .filter(|i| i.message.contains("left as written"))
            .collect();
        assert_eq!(deep.len(), 1, "{deep:#?}");
        assert!(deep[0].message.contains("`<job-id>`"), "{deep:#?}");
    }

    #[test]
    fn destructive_first_step_is_flagged() {
        let p = parse("---\nid: t\n---\n```bash\nredis-cli FLUSHALL\n```\n");
        let issues = analyze(&p, &Declared::default());
        assert!(
            issues
                .iter()
                .any(|i| i.message.contains("before any check")),
            "{issues:#?}"
        );
    }
}
