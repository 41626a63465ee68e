//! Fence info strings: the language and the step attributes, in `{key=value}` form
//! (`bash {id=ping expect="PONG" timeout=10s}`) or Runme's JSON form
//! (`sh {"name":"ping","expect":"PONG"}`). SPEC §1 lists the keys.

use crate::graph::{ExpectKind, Expectation, FindKind, Finding, NodeKind};

/// Attributes of one fenced block. `None` means "not given": detection decides.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Attrs {
    pub id: Option<String>,
    pub title: Option<String>,
    pub kind: Option<NodeKind>,
    pub expect: Vec<Expectation>,
    pub findings: Vec<Finding>,
    pub on_ok: Option<String>,
    pub on_fail: Option<String>,
    pub on_find: Option<String>,
    pub timeout_ms: Option<u64>,
    pub watch: Option<bool>,
    pub confirm: Option<bool>,
    pub destructive: Option<bool>,
    pub skip: Option<bool>,
    pub interactive: Option<bool>,
    pub shell: Option<String>,
    pub cwd: Option<String>,
}

impl Attrs {
    pub fn is_empty(&self) -> bool {
        *self == Attrs::default()
    }
}

#[derive(Debug, Default, Clone)]
pub struct FenceInfo {
    /// Lower-case language word (`bash`, `console`, `yaml`), empty when unlabeled.
    pub lang: String,
    pub attrs: Attrs,
    /// Problems with the attributes (unknown keys, bad values), for lint.
    pub problems: Vec<String>,
}

/// Runme keys that have no meaning for runbook; accepted silently.
const RUNME_IGNORED: &[&str] = &[
    "excludefromrunall",
    "terminalrows",
    "closeterminalonsuccess",
    "background",
    "promptenv",
    "mimetype",
    "category",
    "interpreter",
    "cwd_",
    "id_",
];

/// The language word alone (cheap: no attribute parsing).
pub fn lang_of(info: &str) -> String {
    let info = info.trim();
    let end = info
        .find(|c: char| c.is_whitespace() || c == '{' || c == ',')
        .unwrap_or(info.len());
    info[..end].to_lowercase()
}

/// The `id`/`name` attribute alone, if the info string has attributes at all.
pub fn id_of(info: &str) -> Option<String> {
    if !info.contains("id") && !info.contains("name") {
        return None;
    }
    parse(info).attrs.id
}

pub fn parse(info: &str) -> FenceInfo {
    let info = info.trim();
    let lang_end = info
        .find(|c: char| c.is_whitespace() || c == '{' || c == ',')
        .unwrap_or(info.len());
    let mut out = FenceInfo {
        lang: info[..lang_end].trim().to_lowercase(),
        ..FenceInfo::default()
    };
    let rest = info[lang_end..].trim();
    let body = match (rest.find('{'), rest.rfind('}')) {
        (Some(open), Some(close)) if close > open => &rest[open + 1..close],
        (Some(open), _) => {
            out.problems
                .push("attribute block `{` is never closed".to_string());
            &rest[open + 1..]
        }
        _ => rest,
    };
    let pairs = if body.trim_start().starts_with('"') {
        json_pairs(body, &mut out.problems)
    } else {
        kv_pairs(body)
    };
    for (key, value) in pairs {
        apply(&mut out, &key, value);
    }
    out
}

/// `{"name":"ping","expect":"PONG","timeout":10}` → pairs; values become strings.
fn json_pairs(body: &str, problems: &mut Vec<String>) -> Vec<(String, Option<String>)> {
    let text = format!("{{{body}}}");
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text) {
        Ok(map) => map
            .into_iter()
            .map(|(k, v)| {
                let value = match v {
                    serde_json::Value::String(s) => Some(s),
                    serde_json::Value::Null => None,
                    other => Some(other.to_string()),
                };
                (k, value)
            })
            .collect(),
        Err(e) => {
            problems.push(format!("attributes are not valid JSON: {e}"));
            Vec::new()
        }
    }
}

/// `id=ping expect="PONG" watch timeout=10s` → pairs; a bare word is a flag.
fn kv_pairs(body: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() {
            if chars.next().is_none() {
                break;
            }
            continue;
        }
        while chars.peek().is_some_and(|c| *c == ' ') {
            chars.next();
        }
        if chars.peek() != Some(&'=') {
            out.push((key, None));
            continue;
        }
        chars.next();
        while chars.peek().is_some_and(|c| *c == ' ') {
            chars.next();
        }
        let value = match chars.peek() {
            Some(&q @ ('"' | '\'')) => {
                chars.next();
                let mut v = String::new();
                while let Some(c) = chars.next() {
                    if c == '\\' && q == '"' {
                        if let Some(n) = chars.next() {
                            v.push(n);
                        }
                    } else if c == q {
                        break;
                    } else {
                        v.push(c);
                    }
                }
                v
            }
            _ => {
                let mut v = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == ',' {
                        break;
                    }
                    v.push(c);
                    chars.next();
                }
                v
            }
        };
        out.push((key, Some(value)));
    }
    out
}

fn apply(out: &mut FenceInfo, key: &str, value: Option<String>) {
    let k = key.to_lowercase().replace('_', "-");
    let attrs = &mut out.attrs;
    let text = value.clone().unwrap_or_default();
    let need_value = |problems: &mut Vec<String>| {
        if value.as_deref().is_none_or(str::is_empty) {
            problems.push(format!("attribute `{key}` needs a value"));
            true
        } else {
            false
        }
    };
    match k.as_str() {
        "id" | "name" => {
            if !need_value(&mut out.problems) {
                attrs.id = Some(text)
            }
        }
        "title" => attrs.title = value,
        "kind" | "type" => match text.to_lowercase().as_str() {
            "check" => attrs.kind = Some(NodeKind::Check),
            "action" => attrs.kind = Some(NodeKind::Action),
            "manual" => attrs.kind = Some(NodeKind::Manual),
            "note" => attrs.kind = Some(NodeKind::Note),
            other => out.problems.push(format!(
                "kind `{other}` is not check, action, manual or note"
            )),
        },
        "expect" => expect(attrs, ExpectKind::Contains, value, key, &mut out.problems),
        "expect-exact" => expect(attrs, ExpectKind::Exact, value, key, &mut out.problems),
        "expect-regex" => {
            check_regex(&text, key, &mut out.problems);
            expect(attrs, ExpectKind::Regex, value, key, &mut out.problems)
        }
        "expect-exit" => {
            if text.trim().parse::<i32>().is_err() {
                out.problems
                    .push(format!("expect-exit `{text}` is not an exit code"));
            } else {
                expect(attrs, ExpectKind::Exit, value, key, &mut out.problems)
            }
        }
        "expect-status" => {
            if !text
                .trim()
                .chars()
                .all(|c| c.is_ascii_digit() || c == 'x' || c == 'X')
                || text.trim().len() != 3
            {
                out.problems.push(format!(
                    "expect-status `{text}` is not an HTTP status (e.g. 200, 2xx)"
                ));
            } else {
                expect(attrs, ExpectKind::Status, value, key, &mut out.problems)
            }
        }
        "expect-threshold" => {
            if super::expect::parse_threshold(&text).is_none() {
                out.problems.push(format!(
                    "expect-threshold `{text}` is not `field OP number` (OP: > >= < <= == !=)"
                ));
            } else {
                expect(attrs, ExpectKind::Threshold, value, key, &mut out.problems)
            }
        }
        "find" => {
            for part in text.split('|').map(str::trim).filter(|p| !p.is_empty()) {
                attrs.findings.push(finding(FindKind::Contains, part));
            }
            need_value(&mut out.problems);
        }
        "find-regex" => {
            check_regex(&text, key, &mut out.problems);
            if !need_value(&mut out.problems) {
                attrs.findings.push(finding(FindKind::Regex, &text));
            }
        }
        "find-threshold" => {
            for part in text.split('|').map(str::trim).filter(|p| !p.is_empty()) {
                if super::expect::parse_threshold(part).is_none() {
                    out.problems
                        .push(format!("find-threshold `{part}` is not `field OP number`"));
                } else {
                    attrs.findings.push(finding(FindKind::Threshold, part));
                }
            }
        }
        "on-ok" => attrs.on_ok = value.filter(|v| !v.is_empty()),
        "on-fail" => attrs.on_fail = value.filter(|v| !v.is_empty()),
        "on-find" => attrs.on_find = value.filter(|v| !v.is_empty()),
        "timeout" => match crate::cli::parse_duration(&text) {
            Ok(d) => attrs.timeout_ms = Some(d.as_millis() as u64),
            Err(e) => out.problems.push(format!("timeout: {e}")),
        },
        "watch" => attrs.watch = flag(value, key, &mut out.problems),
        "confirm" => attrs.confirm = flag(value, key, &mut out.problems),
        "destructive" => attrs.destructive = flag(value, key, &mut out.problems),
        "skip" => attrs.skip = flag(value, key, &mut out.problems),
        "interactive" => attrs.interactive = flag(value, key, &mut out.problems),
        "shell" => attrs.shell = value.filter(|v| !v.is_empty()),
        "cwd" => attrs.cwd = value.filter(|v| !v.is_empty()),
        other if RUNME_IGNORED.contains(&other.replace('-', "").as_str()) => {}
        _ => out.problems.push(format!("unknown attribute `{key}`")),
    }
}

fn expect(
    attrs: &mut Attrs,
    kind: ExpectKind,
    value: Option<String>,
    key: &str,
    problems: &mut Vec<String>,
) {
    match value {
        Some(v) if !v.is_empty() => attrs.expect.push(Expectation {
            kind,
            value: v.trim().to_string(),
        }),
        _ => problems.push(format!("attribute `{key}` needs a value")),
    }
}

fn finding(kind: FindKind, value: &str) -> Finding {
    Finding {
        kind,
        value: value.to_string(),
        label: value.to_string(),
    }
}

fn check_regex(pattern: &str, key: &str, problems: &mut Vec<String>) {
    if let Err(e) = regex::Regex::new(pattern) {
        problems.push(format!(
            "{key} `{pattern}` is not a valid regex: {}",
            e.to_string().lines().last().unwrap_or("")
        ));
    }
}

fn flag(value: Option<String>, key: &str, problems: &mut Vec<String>) -> Option<bool> {
    match value.as_deref().map(str::to_lowercase).as_deref() {
        None | Some("") | Some("true") | Some("yes") | Some("1") | Some("on") => Some(true),
        Some("false") | Some("no") | Some("0") | Some("off") => Some(false),
        Some(other) => {
            problems.push(format!(
                "attribute `{key}` takes true or false, not `{other}`"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_form() {
        let f = parse(r#"bash {id=ping expect="PONG" timeout=10s}"#);
        assert_eq!(f.lang, "bash");
        assert_eq!(f.attrs.id.as_deref(), Some("ping"));
        assert_eq!(f.attrs.expect[0].value, "PONG");
        assert_eq!(f.attrs.expect[0].kind, ExpectKind::Contains);
        assert_eq!(f.attrs.timeout_ms, Some(10_000));
        assert!(f.problems.is_empty());
    }

    #[test]
    fn runme_json_form() {
        let f = parse(
            r#"sh {"name":"ping","expect":"PONG","interactive":false,"excludeFromRunAll":true}"#,
        );
        assert_eq!(f.lang, "sh");
        assert_eq!(f.attrs.id.as_deref(), Some("ping"));
        assert_eq!(f.attrs.expect[0].value, "PONG");
        assert_eq!(f.attrs.interactive, Some(false));
        assert!(f.problems.is_empty(), "{:?}", f.problems);
    }

    #[test]
    fn every_spec_key() {
        let f = parse(
            r#"bash {id=a expect=x expect-exact='y z' expect-regex="^ok$" expect-exit=3 expect-status=200 expect-threshold="pendingCount < 10" find="a|b" find-regex="err(or)?" find-threshold="lag > 5" on-ok=end on-fail=fix on-find=fix timeout=2m watch confirm destructive=false skip=no shell=sh cwd=/tmp}"#,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let a = &f.attrs;
        assert_eq!(a.expect.len(), 6);
        assert_eq!(a.findings.len(), 4);
        assert_eq!(a.findings[0].value, "a");
        assert_eq!(a.findings[1].value, "b");
        assert_eq!(a.on_ok.as_deref(), Some("end"));
        assert_eq!(a.timeout_ms, Some(120_000));
        assert_eq!(a.watch, Some(true));
        assert_eq!(a.destructive, Some(false));
        assert_eq!(a.skip, Some(false));
        assert_eq!(a.shell.as_deref(), Some("sh"));
        assert_eq!(a.cwd.as_deref(), Some("/tmp"));
    }

    #[test]
    fn problems_are_reported_not_fatal() {
        let f = parse("bash {idd=x expect-status=abc timeout=5y");
        assert_eq!(f.problems.len(), 4, "{:?}", f.problems);
        let f = parse(r#"sh {"name": }"#);
        assert_eq!(f.problems.len(), 1);
    }

    #[test]
    fn plain_languages() {
        assert_eq!(parse("").lang, "");
        assert_eq!(parse("YAML").lang, "yaml");
        assert!(parse("console").attrs.is_empty());
    }
}
