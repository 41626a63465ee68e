//! Judging a command's output against the expectations and findings of its step.

use crate::exec::ExecResult;
use crate::graph::{ExpectKind, Expectation, FindKind, Finding, Node};
use once_cell::sync::Lazy;
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How a step ended (SPEC §4 `step_finished.outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Fail,
    Find,
    Timeout,
    Skipped,
    Error,
}

/// A finding that held, with the output lines that matched it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingHit {
    pub label: String,
    pub lines: Vec<String>,
}

/// The judgement of one run of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub outcome: Outcome,
    /// Human descriptions of the expectations that did not hold.
    pub failed: Vec<String>,
    /// Expected vs actual, as a unified diff, when an expectation on text failed.
    pub diff: Option<String>,
    pub findings: Vec<FindingHit>,
}

impl Verdict {
    /// The label of the first finding, which names the `find:<label>` edge to take.
    pub fn finding_label(&self) -> Option<&str> {
        self.findings.first().map(|f| f.label.as_str())
    }
}

/// Lines kept per finding hit: enough to show, bounded for huge outputs.
const MAX_HIT_LINES: usize = 20;
/// Lines of actual output shown in a diff.
const MAX_DIFF_LINES: usize = 200;

/// Judges one run of `node`: every expectation must hold for **ok**; any finding that
/// holds makes it **find** (trouble found; it wins over failed expectations, being the
/// more specific diagnosis); a timeout is **timeout**; an interrupted or unfinished run,
/// or a pattern that cannot be compiled, is **error**.
///
/// Without an `exit` expectation the exit code must be 0, except that a command ending
/// in `grep` may also exit 1 ("no line matched" is an answer, not a failure), and a
/// `watch` step stopped at the end of its window has no exit code to check.
pub fn judge(node: &Node, result: &ExecResult) -> Verdict {
    let output = result.output.as_str();
    let mut verdict = Verdict {
        outcome: Outcome::Ok,
        failed: Vec::new(),
        diff: None,
        findings: Vec::new(),
    };
    let mut broken = Vec::new();
    for finding in &node.findings {
        match finding_hit(finding, output) {
            Ok(Some(hit)) => verdict.findings.push(hit),
            Ok(None) => {}
            Err(why) => broken.push(why),
        }
    }
    if result.interrupted {
        verdict.failed.push("interrupted before it finished".into());
        verdict.outcome = Outcome::Error;
        return verdict;
    }
    if result.timed_out {
        verdict.failed.push(format!(
            "timed out after {}",
            human_duration(result.duration)
        ));
        verdict.outcome = Outcome::Timeout;
        return verdict;
    }
    if result.exit_code.is_none() && !result.watched {
        verdict
            .failed
            .push("the command did not run to completion".into());
        verdict.outcome = Outcome::Error;
        return verdict;
    }
    for expectation in expectations_of(node, result) {
        match check(&expectation, result) {
            Ok(None) => {}
            Ok(Some(miss)) => {
                verdict.failed.push(miss.description);
                if verdict.diff.is_none() {
                    verdict.diff = miss.diff;
                }
            }
            Err(why) => broken.push(why),
        }
    }
    verdict.outcome = if !broken.is_empty() {
        verdict.failed.extend(broken);
        Outcome::Error
    } else if !verdict.findings.is_empty() {
        Outcome::Find
    } else if !verdict.failed.is_empty() {
        Outcome::Fail
    } else {
        Outcome::Ok
    };
    verdict
}

/// The node's expectations plus the implicit exit-code one.
fn expectations_of(node: &Node, result: &ExecResult) -> Vec<Expectation> {
    let mut all = node.expect.clone();
    if !result.watched && !all.iter().any(|e| e.kind == ExpectKind::Exit) {
        let value = if ends_in_grep(node.command.as_deref().unwrap_or("")) {
            "0|1"
        } else {
            "0"
        };
        all.push(Expectation {
            kind: ExpectKind::Exit,
            value: value.into(),
        });
    }
    all
}

/// Whether the last command of the last pipeline is grep (or a relative of it).
fn ends_in_grep(command: &str) -> bool {
    let last = command
        .trim_end()
        .rsplit(['|', ';', '\n', '&'])
        .next()
        .unwrap_or("");
    let program = last.split_whitespace().next().unwrap_or("");
    let program = program.rsplit('/').next().unwrap_or(program);
    matches!(program, "grep" | "egrep" | "fgrep" | "zgrep" | "rg")
}

/// An expectation that did not hold.
struct Miss {
    description: String,
    diff: Option<String>,
}

impl Miss {
    fn new(description: String) -> Self {
        Miss {
            description,
            diff: None,
        }
    }
}

/// `Ok(None)`: it holds. `Err`: it cannot be checked (a bad pattern or number).
fn check(expectation: &Expectation, result: &ExecResult) -> Result<Option<Miss>, String> {
    let output = result.output.as_str();
    let value = expectation.value.as_str();
    Ok(match expectation.kind {
        ExpectKind::Contains => (!output.contains(value)).then(|| Miss {
            description: format!("the output does not contain {value:?}"),
            diff: Some(unified_diff(value, output)),
        }),
        ExpectKind::Exact => (output.trim() != value.trim()).then(|| Miss {
            description: "the output is not exactly what was expected".into(),
            diff: Some(unified_diff(value.trim(), output.trim())),
        }),
        ExpectKind::Regex => (!compile(value, "expect-regex")?.is_match(output))
            .then(|| Miss::new(format!("no match for /{value}/ in the output"))),
        ExpectKind::Exit => check_exit(value, result)?,
        ExpectKind::Status => check_status(value, output)?,
        ExpectKind::Threshold => check_threshold(value, output)?,
    })
}

fn check_exit(value: &str, result: &ExecResult) -> Result<Option<Miss>, String> {
    let wanted = value
        .split(['|', ','])
        .map(|v| v.trim().parse::<i32>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("expect-exit {value:?} is not an exit code"))?;
    Ok(match result.exit_code {
        Some(code) if wanted.contains(&code) => None,
        Some(code) => Some(Miss::new(format!("exit code {code}, expected {value}"))),
        None if result.watched => Some(Miss::new(format!(
            "stopped after its watch window, so no exit code (expected {value})"
        ))),
        None => Some(Miss::new(format!("no exit code, expected {value}"))),
    })
}

fn check_status(value: &str, output: &str) -> Result<Option<Miss>, String> {
    let patterns: Vec<&str> = value.split(['|', ',']).map(str::trim).collect();
    let valid = |p: &&str| {
        p.len() == 3
            && p.chars()
                .all(|c| c.is_ascii_digit() || c == 'x' || c == 'X')
    };
    if patterns.is_empty() || !patterns.iter().all(valid) {
        return Err(format!(
            "expect-status {value:?} is not a status such as 200 or 2xx"
        ));
    }
    Ok(match http_status(output) {
        Some(status) if patterns.iter().any(|p| status_matches(p, status)) => None,
        Some(status) => Some(Miss::new(format!("HTTP status {status}, expected {value}"))),
        None => Some(Miss::new(format!(
            "no HTTP status in the output, expected {value}"
        ))),
    })
}

/// The HTTP status in curl output: the last status line of `-i`/`-v` (after redirects
/// the final response), else a bare `-w '%{http_code}'` number ending the output.
pub fn http_status(output: &str) -> Option<u16> {
    static STATUS_LINE: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?m)^(?:<\s*)?HTTP/\d(?:\.\d)?\s+(\d{3})\b").expect("valid regex")
    });
    static TRAILING_CODE: Lazy<Regex> =
        Lazy::new(|| Regex::new(r"(?:^|[^\d.])(\d{3})\s*$").expect("valid regex"));
    STATUS_LINE
        .captures_iter(output)
        .last()
        .or_else(|| TRAILING_CODE.captures(output))
        .and_then(|c| c[1].parse().ok())
        .filter(|s| (100..=599).contains(s))
}

fn status_matches(pattern: &str, status: u16) -> bool {
    pattern
        .chars()
        .zip(status.to_string().chars())
        .all(|(p, s)| p.eq_ignore_ascii_case(&'x') || p == s)
}

fn check_threshold(value: &str, output: &str) -> Result<Option<Miss>, String> {
    let threshold = Threshold::parse(value)?;
    let readings = read_field(output, &threshold.field);
    if readings.is_empty() {
        return Ok(Some(Miss::new(format!(
            "{} not found in the output (expected {value})",
            threshold.field
        ))));
    }
    let offending: Vec<&Reading> = readings
        .iter()
        .filter(|r| !threshold.holds(r.value))
        .collect();
    Ok((!offending.is_empty()).then(|| {
        let shown: Vec<String> = offending.iter().map(|r| r.line.clone()).collect();
        Miss::new(format!("{} (expected {value})", shown.join("; ")))
    }))
}

fn finding_hit(finding: &Finding, output: &str) -> Result<Option<FindingHit>, String> {
    let lines: Vec<String> = match finding.kind {
        FindKind::Contains => {
            let wanted: Vec<String> = finding
                .value
                .split('|')
                .map(|a| a.trim().to_lowercase())
                .filter(|a| !a.is_empty())
                .collect();
            output
                .lines()
                .filter(|line| {
                    let line = line.to_lowercase();
                    wanted.iter().any(|w| line.contains(w))
                })
                .take(MAX_HIT_LINES)
                .map(str::to_string)
                .collect()
        }
        FindKind::Regex => {
            let re = compile(&finding.value, "find-regex")?;
            let by_line: Vec<String> = output
                .lines()
                .filter(|line| re.is_match(line))
                .take(MAX_HIT_LINES)
                .map(str::to_string)
                .collect();
            if by_line.is_empty() {
                // A pattern spanning lines: show what it matched.
                re.find(output)
                    .map(|m| m.as_str().to_string())
                    .into_iter()
                    .collect()
            } else {
                by_line
            }
        }
        FindKind::Threshold => {
            let threshold = Threshold::parse(&finding.value)?;
            read_field(output, &threshold.field)
                .into_iter()
                .filter(|r| threshold.holds(r.value))
                .take(MAX_HIT_LINES)
                .map(|r| r.line)
                .collect()
        }
    };
    Ok((!lines.is_empty()).then(|| FindingHit {
        label: finding.label.clone(),
        lines,
    }))
}

/// Patterns match line by line (`^`/`$` at line ends).
fn compile(pattern: &str, attribute: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .multi_line(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("{attribute} /{pattern}/ is not a valid pattern: {e}"))
}

/// `field OP number`, e.g. `pendingCount > 10`.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub field: String,
    pub op: Comparison,
    pub number: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Equal,
    NotEqual,
}

impl Threshold {
    /// Parses `field OP number`; OP is one of `> >= < <= == !=` (`=` reads as `==`);
    /// a unit glued to the number (`768MB`, `5%`) is ignored.
    pub fn parse(text: &str) -> Result<Threshold, String> {
        static FORM: Lazy<Regex> = Lazy::new(|| {
            Regex::new(r"^\s*(\S+?)\s*(>=|<=|==|!=|>|<|=)\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*[A-Za-z%]*\s*$")
                .expect("valid regex")
        });
        let c = FORM.captures(text).ok_or_else(|| {
            format!("threshold {text:?} is not `field OP number` (OP: > >= < <= == !=)")
        })?;
        let op = match &c[2] {
            ">" => Comparison::Greater,
            ">=" => Comparison::GreaterOrEqual,
            "<" => Comparison::Less,
            "<=" => Comparison::LessOrEqual,
            "!=" => Comparison::NotEqual,
            _ => Comparison::Equal,
        };
        let number = c[3]
            .parse()
            .map_err(|_| format!("threshold {text:?}: {} is not a number", &c[3]))?;
        Ok(Threshold {
            field: c[1].to_string(),
            op,
            number,
        })
    }

    pub fn holds(&self, value: f64) -> bool {
        match self.op {
            Comparison::Greater => value > self.number,
            Comparison::GreaterOrEqual => value >= self.number,
            Comparison::Less => value < self.number,
            Comparison::LessOrEqual => value <= self.number,
            Comparison::Equal => value == self.number,
            Comparison::NotEqual => value != self.number,
        }
    }
}

/// A number read from the output, with the line that shows it.
#[derive(Debug, Clone, PartialEq)]
struct Reading {
    value: f64,
    line: String,
}

/// Every value of `field` in the output: from JSON (at any depth, dotted paths allowed),
/// else from Prometheus text lines (`metric{labels} value`), else from `field: value` /
/// `field=value` lines (redis INFO, env dumps, logs).
fn read_field(output: &str, field: &str) -> Vec<Reading> {
    let from_json = json_documents(output)
        .iter()
        .flat_map(|doc| json_readings(doc, field))
        .collect::<Vec<_>>();
    if !from_json.is_empty() {
        return from_json;
    }
    let from_metrics = prometheus_readings(output, field);
    if !from_metrics.is_empty() {
        return from_metrics;
    }
    key_value_readings(output, field)
}

/// The JSON documents in the output: the whole of it, or the body after curl's
/// headers, or one document per line (JSON lines).
fn json_documents(output: &str) -> Vec<serde_json::Value> {
    if let Ok(doc) = serde_json::from_str(output.trim()) {
        return vec![doc];
    }
    let mut docs = Vec::new();
    let mut offset = 0;
    for line in output.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let start = offset + (line.len() - trimmed.len());
            let mut stream = serde_json::Deserializer::from_str(&output[start..])
                .into_iter::<serde_json::Value>();
            if let Some(Ok(doc)) = stream.next() {
                docs.push(doc);
                if docs.len() >= 1000 {
                    break;
                }
            }
        }
        offset += line.len();
    }
    docs
}

fn json_readings(doc: &serde_json::Value, field: &str) -> Vec<Reading> {
    let path: Vec<&str> = field.split('.').collect();
    let mut out = Vec::new();
    collect_json(doc, &path, field, &mut out, 0);
    out
}

/// Looks `path` up starting at `value` and at every object and array below it.
fn collect_json(
    value: &serde_json::Value,
    path: &[&str],
    field: &str,
    out: &mut Vec<Reading>,
    depth: usize,
) {
    if depth > 64 || out.len() >= MAX_HIT_LINES {
        return;
    }
    if let Some(found) = follow(value, path).and_then(number_of) {
        out.push(Reading {
            value: found,
            line: format!("{field} = {}", format_number(found)),
        });
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            for child in map.values() {
                collect_json(child, path, field, out, depth + 1);
            }
        }
        serde_json::Value::Array(items) => {
            for child in items {
                collect_json(child, path, field, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn follow<'v>(value: &'v serde_json::Value, path: &[&str]) -> Option<&'v serde_json::Value> {
    path.iter().try_fold(value, |v, key| match v {
        serde_json::Value::Object(map) => map.get(*key),
        serde_json::Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

fn number_of(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        serde_json::Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// `metric 57` and `metric{queue="x"} 57 1700000000` lines; `field` names the metric,
/// optionally with its labels.
fn prometheus_readings(output: &str, field: &str) -> Vec<Reading> {
    static SAMPLE: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)").expect("valid regex")
    });
    let (name, labels) = match field.split_once('{') {
        Some((name, labels)) => (name, Some(normalise_labels(labels.trim_end_matches('}')))),
        None => (field, None),
    };
    output
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let c = SAMPLE.captures(line.trim())?;
            if &c[1] != name {
                return None;
            }
            if let Some(wanted) = &labels {
                let got = c.get(2).map_or(String::new(), |m| {
                    normalise_labels(m.as_str().trim_start_matches('{').trim_end_matches('}'))
                });
                if &got != wanted {
                    return None;
                }
            }
            let value = c[3].parse().ok()?;
            Some(Reading {
                value,
                line: line.trim().to_string(),
            })
        })
        .take(MAX_HIT_LINES)
        .collect()
}

fn normalise_labels(labels: &str) -> String {
    let mut parts: Vec<String> = labels
        .split(',')
        .map(|p| p.split_whitespace().collect::<String>())
        .filter(|p| !p.is_empty())
        .collect();
    parts.sort();
    parts.join(",")
}

/// `field: 57`, `field=57`, `"field": 57` anywhere on a line.
fn key_value_readings(output: &str, field: &str) -> Vec<Reading> {
    let Ok(re) = Regex::new(&format!(
        r#"(?:^|[^A-Za-z0-9_])"?{}"?\s*[:=]\s*"?(-?\d+(?:\.\d+)?)"#,
        regex::escape(field)
    )) else {
        return Vec::new();
    };
    output
        .lines()
        .filter_map(|line| {
            let value = re.captures(line)?[1].parse().ok()?;
            Some(Reading {
                value,
                line: line.trim().to_string(),
            })
        })
        .take(MAX_HIT_LINES)
        .collect()
}

/// Expected vs actual as a unified diff (actual cut to its first lines).
fn unified_diff(expected: &str, actual: &str) -> String {
    let mut actual_shown: String = actual.split_inclusive('\n').take(MAX_DIFF_LINES).collect();
    if actual_shown.len() < actual.len() {
        actual_shown.push_str("\n[… output cut …]\n");
    }
    let expected = with_final_newline(expected);
    let actual_shown = with_final_newline(&actual_shown);
    similar::TextDiff::configure()
        .timeout(Duration::from_millis(200))
        .diff_lines(expected.as_str(), actual_shown.as_str())
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

fn with_final_newline(text: &str) -> String {
    if text.ends_with('\n') || text.is_empty() {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

fn human_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 10.0 {
        format!("{secs:.1}s")
    } else {
        format!("{}s", d.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::NodeKind;

    fn node(command: &str) -> Node {
        let mut n = Node::new("check", NodeKind::Check, "Check", 1);
        n.command = Some(command.to_string());
        n
    }

    fn expect(mut n: Node, kind: ExpectKind, value: &str) -> Node {
        n.expect.push(Expectation {
            kind,
            value: value.into(),
        });
        n
    }

    fn find(mut n: Node, kind: FindKind, value: &str, label: &str) -> Node {
        n.findings.push(Finding {
            kind,
            value: value.into(),
            label: label.into(),
        });
        n
    }

    fn ran(output: &str, exit_code: i32) -> ExecResult {
        ExecResult {
            exit_code: Some(exit_code),
            timed_out: false,
            interrupted: false,
            watched: false,
            duration: Duration::from_millis(20),
            output: output.to_string(),
            total_bytes: output.len() as u64,
        }
    }

    fn outcome(n: &Node, r: &ExecResult) -> Outcome {
        judge(n, r).outcome
    }

    #[test]
    fn exit_code_zero_is_expected_by_default() {
        let n = node("true");
        assert_eq!(outcome(&n, &ran("", 0)), Outcome::Ok);
        let v = judge(&n, &ran("", 2));
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(v.failed, ["exit code 2, expected 0"]);
    }

    #[test]
    fn grep_finding_nothing_is_not_a_failure() {
        let n = node("docker logs api | grep -i error");
        assert_eq!(outcome(&n, &ran("", 1)), Outcome::Ok);
        assert_eq!(outcome(&n, &ran("grep: bad", 2)), Outcome::Fail);
        let n = node("grep ERROR /var/log/app.log | wc -l");
        assert_eq!(outcome(&n, &ran("", 1)), Outcome::Fail);
    }

    #[test]
    fn explicit_exit_expectations() {
        let n = expect(node("x"), ExpectKind::Exit, "3");
        assert_eq!(outcome(&n, &ran("", 3)), Outcome::Ok);
        assert_eq!(outcome(&n, &ran("", 0)), Outcome::Fail);
        let n = expect(node("x"), ExpectKind::Exit, "0|1");
        assert_eq!(outcome(&n, &ran("", 1)), Outcome::Ok);
        let n = expect(node("x"), ExpectKind::Exit, "zero");
        let v = judge(&n, &ran("", 0));
        assert_eq!(v.outcome, Outcome::Error);
        assert!(v.failed[0].contains("not an exit code"));
    }

    #[test]
    fn contains_with_a_diff_when_missing() {
        let n = expect(node("redis-cli ping"), ExpectKind::Contains, "PONG");
        assert_eq!(outcome(&n, &ran("PONG\n", 0)), Outcome::Ok);
        let v = judge(&n, &ran("NOAUTH Authentication required.\n", 0));
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(v.failed, ["the output does not contain \"PONG\""]);
        let diff = v.diff.expect("a diff");
        assert!(diff.contains("--- expected"), "{diff}");
        assert!(diff.contains("+++ actual"), "{diff}");
        assert!(diff.contains("-PONG"), "{diff}");
        assert!(diff.contains("+NOAUTH Authentication required."), "{diff}");
    }

    #[test]
    fn exact_compares_the_trimmed_output() {
        let n = expect(node("cat f"), ExpectKind::Exact, "ok\nready");
        assert_eq!(outcome(&n, &ran("\n ok\nready\n\n", 0)), Outcome::Ok);
        let v = judge(&n, &ran("ok\nnot ready\n", 0));
        assert_eq!(v.outcome, Outcome::Fail);
        let diff = v.diff.expect("a diff");
        assert!(
            diff.contains("-ready") && diff.contains("+not ready"),
            "{diff}"
        );
    }

    #[test]
    fn regex_matches_lines() {
        let n = expect(node("x"), ExpectKind::Regex, r"^accepting connections$");
        assert_eq!(
            outcome(
                &n,
                &ran("/var/run/postgresql:5432 - x\naccepting connections\n", 0)
            ),
            Outcome::Ok
        );
        assert_eq!(outcome(&n, &ran("no response", 0)), Outcome::Fail);
        let n = expect(node("x"), ExpectKind::Regex, "(unclosed");
        assert_eq!(outcome(&n, &ran("", 0)), Outcome::Error);
    }

    #[test]
    fn http_status_from_curl_output() {
        assert_eq!(
            http_status("HTTP/1.1 200 OK\r\nContent-Type: x\r\n\r\n{}"),
            Some(200)
        );
        assert_eq!(
            http_status("* Trying\n> GET / HTTP/2\n< HTTP/2 503 \n< server: x\n"),
            Some(503)
        );
        assert_eq!(
            http_status("HTTP/1.1 301 Moved\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n"),
            Some(404)
        );
        assert_eq!(http_status("200"), Some(200));
        assert_eq!(http_status("{\"ok\":true}\n204\n"), Some(204));
        assert_eq!(http_status("version 1.200"), None);
        assert_eq!(http_status("nothing here"), None);
    }

    #[test]
    fn status_expectations() {
        let n = expect(node("curl -i x"), ExpectKind::Status, "200");
        assert_eq!(outcome(&n, &ran("HTTP/1.1 200 OK\r\n", 0)), Outcome::Ok);
        let v = judge(&n, &ran("HTTP/1.1 503 Service Unavailable\r\n", 0));
        assert_eq!(v.failed, ["HTTP status 503, expected 200"]);
        let n = expect(node("curl -i x"), ExpectKind::Status, "2xx");
        assert_eq!(outcome(&n, &ran("HTTP/2 204\n", 0)), Outcome::Ok);
        assert_eq!(outcome(&n, &ran("HTTP/2 401\n", 0)), Outcome::Fail);
        assert_eq!(outcome(&n, &ran("curl: (7) refused", 0)), Outcome::Fail);
        let n = expect(node("curl"), ExpectKind::Status, "2xx|401");
        assert_eq!(outcome(&n, &ran("401", 0)), Outcome::Ok);
        let n = expect(node("curl"), ExpectKind::Status, "ok");
        assert_eq!(outcome(&n, &ran("200", 0)), Outcome::Error);
    }

    #[test]
    fn thresholds_parse() {
        let t = Threshold::parse("pendingCount > 10").expect("parses");
        assert_eq!(
            (t.field.as_str(), t.op, t.number),
            ("pendingCount", Comparison::Greater, 10.0)
        );
        assert_eq!(
            Threshold::parse("x>=1.5").expect("parses").op,
            Comparison::GreaterOrEqual
        );
        assert_eq!(
            Threshold::parse("mem < 768MB").expect("parses").number,
            768.0
        );
        assert_eq!(
            Threshold::parse("errors = 0").expect("parses").op,
            Comparison::Equal
        );
        assert_eq!(Threshold::parse("a != -2").expect("parses").number, -2.0);
        assert!(Threshold::parse("pendingCount alto").is_err());
        assert!(Threshold::parse("> 10").is_err());
    }

    #[test]
    fn threshold_on_json_at_any_depth() {
        let n = expect(node("curl"), ExpectKind::Threshold, "pendingCount < 10");
        let body = r#"{"queues":{"integration":{"pendingCount":57,"failed":0}}}"#;
        let v = judge(&n, &ran(body, 0));
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(v.failed, ["pendingCount = 57 (expected pendingCount < 10)"]);
        assert_eq!(outcome(&n, &ran(r#"{"pendingCount": 3}"#, 0)), Outcome::Ok);
        let n = expect(
            node("curl"),
            ExpectKind::Threshold,
            "queues.integration.failed == 0",
        );
        assert_eq!(outcome(&n, &ran(body, 0)), Outcome::Ok);
        let n = expect(node("curl"), ExpectKind::Threshold, "items.1.n >= 2");
        assert_eq!(
            outcome(&n, &ran(r#"{"items":[{"n":1},{"n":"2"}]}"#, 0)),
            Outcome::Ok
        );
    }

    #[test]
    fn threshold_on_json_after_curl_headers() {
        let out = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"pendingCount\": 12}";
        let n = expect(node("curl -i"), ExpectKind::Threshold, "pendingCount <= 12");
        assert_eq!(outcome(&n, &ran(out, 0)), Outcome::Ok);
    }

    #[test]
    fn threshold_on_prometheus_lines() {
        let metrics = "# HELP integration_jobs_pending_count Jobs waiting\n# TYPE integration_jobs_pending_count gauge\nintegration_jobs_pending_count 57\nintegration_jobs_failed_total{queue=\"wa\", kind=\"x\"} 3 1700000000\n";
        let n = expect(
            node("curl /metrics"),
            ExpectKind::Threshold,
            "integration_jobs_pending_count < 100",
        );
        assert_eq!(outcome(&n, &ran(metrics, 0)), Outcome::Ok);
        let n = find(
            node("curl /metrics"),
            FindKind::Threshold,
            "integration_jobs_pending_count > 10",
            "backlog",
        );
        let v = judge(&n, &ran(metrics, 0));
        assert_eq!(v.outcome, Outcome::Find);
        assert_eq!(
            v.findings,
            [FindingHit {
                label: "backlog".into(),
                lines: vec!["integration_jobs_pending_count 57".into()]
            }]
        );
        let n = expect(
            node("c"),
            ExpectKind::Threshold,
            "integration_jobs_failed_total{kind=\"x\",queue=\"wa\"} == 3",
        );
        assert_eq!(outcome(&n, &ran(metrics, 0)), Outcome::Ok);
        let n = expect(
            node("c"),
            ExpectKind::Threshold,
            "integration_jobs_failed_total{queue=\"other\"} == 3",
        );
        assert_eq!(outcome(&n, &ran(metrics, 0)), Outcome::Fail);
    }

    #[test]
    fn threshold_on_key_value_lines() {
        let n = find(
            node("redis-cli INFO clients"),
            FindKind::Threshold,
            "connected_clients > 1000",
            "too many clients",
        );
        let v = judge(
            &n,
            &ran(
                "# Clients\r\nconnected_clients:1520\r\nblocked_clients:0\r\n",
                0,
            ),
        );
        assert_eq!(v.outcome, Outcome::Find);
        assert_eq!(v.findings[0].lines, ["connected_clients:1520"]);
    }

    #[test]
    fn threshold_field_missing_fails_the_expectation() {
        let n = expect(node("c"), ExpectKind::Threshold, "pendingCount < 10");
        let v = judge(&n, &ran("{\"other\": 1}", 0));
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.failed[0].contains("pendingCount not found"));
    }

    #[test]
    fn contains_findings_are_case_insensitive_with_alternatives() {
        let n = find(
            node("docker logs api"),
            FindKind::Contains,
            "ECONNREFUSED|timeout",
            "redis down",
        );
        let out = "ok\nError: connect econnrefused 127.0.0.1:6379\nok\nRequest Timeout after 30s\n";
        let v = judge(&n, &ran(out, 0));
        assert_eq!(v.outcome, Outcome::Find);
        assert_eq!(v.finding_label(), Some("redis down"));
        assert_eq!(
            v.findings[0].lines,
            [
                "Error: connect econnrefused 127.0.0.1:6379",
                "Request Timeout after 30s"
            ]
        );
        assert_eq!(outcome(&n, &ran("all good\n", 0)), Outcome::Ok);
    }

    #[test]
    fn every_hit_is_recorded_and_the_first_names_the_edge() {
        let mut n = find(
            node("x"),
            FindKind::Regex,
            r"status=(FAILED|DEAD)",
            "failed jobs",
        );
        n = find(n, FindKind::Contains, "rate limit", "rate limited");
        n = find(n, FindKind::Contains, "absent", "never");
        let v = judge(&n, &ran("job 1 status=FAILED\nRate Limit exceeded\n", 0));
        assert_eq!(v.finding_label(), Some("failed jobs"));
        let labels: Vec<&str> = v.findings.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["failed jobs", "rate limited"]);
    }

    #[test]
    fn findings_win_over_failed_expectations() {
        let n = expect(
            find(node("x"), FindKind::Contains, "OOM", "oom"),
            ExpectKind::Contains,
            "healthy",
        );
        assert_eq!(outcome(&n, &ran("OOMKilled\n", 0)), Outcome::Find);
    }

    #[test]
    fn invalid_find_regex_is_an_error() {
        let n = find(node("x"), FindKind::Regex, "[", "bad");
        let v = judge(&n, &ran("x", 0));
        assert_eq!(v.outcome, Outcome::Error);
        assert!(v.failed[0].contains("find-regex"));
    }

    #[test]
    fn timeouts_interruptions_and_watches() {
        let n = expect(node("sleep 1000"), ExpectKind::Contains, "x");
        let mut r = ran("", 0);
        r.exit_code = None;
        r.timed_out = true;
        assert_eq!(outcome(&n, &r), Outcome::Timeout);
        r.timed_out = false;
        r.interrupted = true;
        assert_eq!(outcome(&n, &r), Outcome::Error);
        r.interrupted = false;
        assert_eq!(outcome(&n, &r), Outcome::Error);
        r.watched = true;
        r.output = "tick x\n".into();
        assert_eq!(outcome(&n, &r), Outcome::Ok);
        let n = expect(node("tail -f"), ExpectKind::Exit, "0");
        assert_eq!(outcome(&n, &r), Outcome::Fail);
    }

    #[test]
    fn all_expectations_must_hold() {
        let n = expect(
            expect(node("curl -i"), ExpectKind::Status, "200"),
            ExpectKind::Contains,
            "\"status\":\"ok\"",
        );
        let good = "HTTP/1.1 200 OK\r\n\r\n{\"status\":\"ok\"}";
        assert_eq!(outcome(&n, &ran(good, 0)), Outcome::Ok);
        let bad = "HTTP/1.1 200 OK\r\n\r\n{\"status\":\"degraded\"}";
        let v = judge(&n, &ran(bad, 0));
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(v.failed.len(), 1);
    }
}
