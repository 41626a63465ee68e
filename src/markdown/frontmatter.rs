//! YAML front matter of authored playbooks (SPEC §1).

use crate::error::{Error, Result};
use crate::graph::{Variable, Warning};
use serde_json::Value;
use std::path::Path;

/// Where the front matter is: the YAML text, the file line of its first line, and the
/// byte offset where the Markdown body starts.
pub struct Split<'a> {
    pub yaml: &'a str,
    pub yaml_line: usize,
    pub body_offset: usize,
    /// A closing `---` (or `...`) line ends it.
    pub closed: bool,
}

/// Finds a `---` … `---` (or `...`) block at the very top of the document. A leading
/// `---` whose block does not look like YAML keys is a thematic break, not front matter.
pub fn split(text: &str) -> Option<Split<'_>> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let open_len = text.len() - rest.len();
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == "---" || bare == "..." {
            let yaml = &rest[..offset];
            if !looks_like_yaml(yaml) {
                return None;
            }
            return Some(Split {
                yaml,
                yaml_line: 2,
                body_offset: open_len + offset + line.len(),
                closed: true,
            });
        }
        offset += line.len();
    }
    // Never closed: front matter only if the first line is clearly a key.
    let first = rest.lines().next().unwrap_or("");
    if is_key_line(first) {
        Some(Split {
            yaml: rest,
            yaml_line: 2,
            body_offset: text.len(),
            closed: false,
        })
    } else {
        None
    }
}

fn looks_like_yaml(yaml: &str) -> bool {
    yaml.lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .is_some_and(is_key_line)
}

fn is_key_line(line: &str) -> bool {
    let line = line.trim_start();
    let key_end = line
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '"' || c == '\''))
        .unwrap_or(line.len());
    key_end > 0 && line[key_end..].trim_start().starts_with(':')
}

/// The keys runbook understands; others are kept out with a warning.
#[derive(Debug, Default, Clone)]
pub struct FrontMatter {
    pub id: Option<String>,
    pub title: Option<String>,
    pub service: Option<String>,
    pub severity: Option<String>,
    pub lang: Option<String>,
    pub tags: Vec<String>,
    pub timeout_ms: Option<u64>,
    pub variables: Vec<Variable>,
    pub warnings: Vec<Warning>,
}

impl FrontMatter {
    /// Whether this front matter declares a runbook playbook (rather than, say, the
    /// `title:` of a static-site page that holds a multi-incident runbook). A severity
    /// alone does not: notes kept in a wiki carry one for the whole runbook.
    pub fn is_playbook(&self) -> bool {
        self.id.is_some() || !self.variables.is_empty()
    }
}

const KNOWN_KEYS: &[&str] = &[
    "id",
    "title",
    "service",
    "severity",
    "lang",
    "language",
    "tags",
    "timeout",
    "variables",
    "vars",
    "description",
    "owner",
    "owners",
    "source",
    "runbook",
    "version",
    "updated",
    "author",
    "authors",
    "date",
    "summary",
];

/// Parses the YAML; anything that is not a YAML mapping is a parse error at its line.
pub fn parse(split: &Split<'_>, path: &Path) -> Result<FrontMatter> {
    if !split.closed {
        // Read as YAML, the whole document would fail at some Markdown line far below,
        // or pass with its body lost.
        return Err(Error::Parse {
            file: path.to_path_buf(),
            line: 1,
            message: "front matter opened here is never closed: end it with a `---` line".into(),
        });
    }
    let value: Value = serde_saphyr::from_str(split.yaml).map_err(|e| {
        let line = e
            .location()
            .map(|l| l.line() as usize)
            .unwrap_or(1)
            .saturating_sub(1)
            + split.yaml_line;
        Error::Parse {
            file: path.to_path_buf(),
            line,
            message: format!(
                "front matter is not valid YAML: {}",
                yaml_message(&e.to_string())
            ),
        }
    })?;
    let map = match value {
        Value::Object(map) => map,
        Value::Null => return Ok(FrontMatter::default()),
        other => {
            return Err(Error::Parse {
                file: path.to_path_buf(),
                line: split.yaml_line,
                message: format!(
                    "front matter must be a YAML mapping of keys (id, title, ...), found {}",
                    kind_name(&other)
                ),
            })
        }
    };
    let mut fm = FrontMatter::default();
    for (key, value) in &map {
        let line = key_line(split, key);
        match key.as_str() {
            "id" => fm.id = scalar(value),
            "title" => fm.title = scalar(value),
            "service" => fm.service = scalar(value),
            "severity" => fm.severity = severity(value, line, &mut fm.warnings),
            "lang" | "language" => fm.lang = scalar(value).map(|l| l.to_lowercase()),
            "tags" => fm.tags = string_list(value),
            "timeout" => fm.timeout_ms = timeout(value, line, &mut fm.warnings),
            "variables" | "vars" => fm.variables = variables(value, line, &mut fm.warnings),
            k if KNOWN_KEYS.contains(&k) => {}
            other => fm.warnings.push(Warning {
                line,
                message: format!("unknown front-matter key `{other}` (ignored)"),
            }),
        }
    }
    if let Some(lang) = &fm.lang {
        if lang != "en" && lang != "es" {
            fm.warnings.push(Warning {
                line: key_line(split, "lang"),
                message: format!("lang `{lang}` is not `en` or `es`"),
            });
        }
    }
    Ok(fm)
}

/// The parser's message without its own position (relative to the YAML, not the file).
fn yaml_message(s: &str) -> String {
    static POSITION: once_cell::sync::Lazy<regex::Regex> = once_cell::sync::Lazy::new(|| {
        regex::Regex::new(r"^(?:error:\s*)?line \d+ column \d+:\s*").expect("static regex")
    });
    static AT: once_cell::sync::Lazy<regex::Regex> = once_cell::sync::Lazy::new(|| {
        regex::Regex::new(r"\s+at line \d+, column \d+").expect("static regex")
    });
    let first = s.lines().next().unwrap_or(s);
    let msg = POSITION.replace(first, "");
    AT.replace_all(&msg, "").into_owned()
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a plain string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The file line where `key:` is written, for warnings.
fn key_line(split: &Split<'_>, key: &str) -> usize {
    split
        .yaml
        .lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + split.yaml_line)
        .unwrap_or(split.yaml_line)
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(scalar).collect(),
        Value::String(s) => s
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

fn severity(v: &Value, line: usize, warnings: &mut Vec<Warning>) -> Option<String> {
    let raw = scalar(v)?;
    // `critical`, `Alta`, `P0 - Critical` name a level too.
    let normal =
        normalize_severity(&raw).or_else(|| super::roles::severity_of(&raw).map(str::to_string));
    if normal.is_none() {
        warnings.push(Warning {
            line,
            message: format!("severity `{raw}` is not one of sev1..sev4"),
        });
    }
    normal
}

/// `sev2`, `SEV-2`, `2`, `p2` → `sev2`; `P0` (above P1 where teams count from zero) →
/// `sev1`.
pub fn normalize_severity(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    let lower = raw.to_lowercase();
    let prefix_ok = lower.starts_with("sev") || lower.starts_with('p') || lower == digits;
    match digits.as_str() {
        "1" | "2" | "3" | "4" if prefix_ok => Some(format!("sev{digits}")),
        "0" if prefix_ok && lower != digits => Some("sev1".into()),
        _ => None,
    }
}

fn timeout(v: &Value, line: usize, warnings: &mut Vec<Warning>) -> Option<u64> {
    let raw = scalar(v)?;
    match crate::cli::parse_duration(&raw) {
        Ok(d) => Some(d.as_millis() as u64),
        Err(e) => {
            warnings.push(Warning { line, message: e });
            None
        }
    }
}

/// `NAME: {default, secret, description}`, `NAME: "default"`, or a list of
/// `{name, default, secret, description}`.
fn variables(v: &Value, line: usize, warnings: &mut Vec<Warning>) -> Vec<Variable> {
    let mut out = Vec::new();
    match v {
        Value::Object(map) => {
            for (name, spec) in map {
                out.push(variable(name, spec));
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(m) => match m.get("name").and_then(scalar) {
                        Some(name) => out.push(variable(&name, item)),
                        None => warnings.push(Warning {
                            line,
                            message: "a variable in the list has no `name`".into(),
                        }),
                    },
                    Value::String(name) => out.push(variable(name, &Value::Null)),
                    _ => {}
                }
            }
        }
        Value::Null => {}
        _ => warnings.push(Warning {
            line,
            message: "`variables` must be a mapping of NAME: {default, secret, description}".into(),
        }),
    }
    out
}

fn variable(name: &str, spec: &Value) -> Variable {
    let mut var = Variable {
        name: name.to_string(),
        default: None,
        secret: crate::placeholder::looks_secret(name),
        description: None,
    };
    match spec {
        Value::Object(m) => {
            var.default = m.get("default").and_then(scalar);
            if let Some(Value::Bool(secret)) = m.get("secret") {
                var.secret = *secret;
            }
            var.description = m.get("description").and_then(scalar);
        }
        other => var.default = scalar(other),
    }
    var
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm(text: &str) -> Result<FrontMatter> {
        let s = split(text).expect("front matter");
        parse(&s, Path::new("t.md"))
    }

    #[test]
    fn spec_example() {
        let f = fm("---\nid: redis-not-responding\ntitle: Redis not responding\nservice: chatbot\nseverity: sev2            # sev1..sev4\nlang: es\ntags: [redis, cache]\nvariables:\n  REDIS_PASSWORD: { secret: true, description: \"requirepass\" }\n  API_URL: { default: \"http://localhost:8003\" }\n---\n# body\n").unwrap();
        assert_eq!(f.id.as_deref(), Some("redis-not-responding"));
        assert_eq!(f.severity.as_deref(), Some("sev2"));
        assert_eq!(f.tags, vec!["redis", "cache"]);
        assert_eq!(f.variables.len(), 2);
        assert!(f.variables[0].secret);
        assert_eq!(
            f.variables[1].default.as_deref(),
            Some("http://localhost:8003")
        );
        assert!(f.warnings.is_empty());
    }

    #[test]
    fn not_yaml_is_a_parse_error_with_line() {
        let err = fm("---\nid: x\ntags: [unclosed\n---\n").unwrap_err();
        match err {
            Error::Parse { line, message, .. } => {
                assert!((2..=4).contains(&line), "line {line}");
                assert!(message.contains("YAML"));
            }
            other => panic!("{other:?}"),
        }
        let err = fm("---\nid: x\n- a\n---\n").unwrap_err();
        assert!(matches!(err, Error::Parse { .. }));
    }

    #[test]
    fn thematic_break_is_not_front_matter() {
        assert!(split("---\n\n# Title\n\n---\n").is_none());
        assert!(split("# Title\n---\n").is_none());
    }

    #[test]
    fn body_offset_points_after_the_fence() {
        let text = "---\nid: a\n---\nbody";
        let s = split(text).unwrap();
        assert_eq!(&text[s.body_offset..], "body");
    }

    #[test]
    fn severities() {
        assert_eq!(normalize_severity("SEV-1").as_deref(), Some("sev1"));
        assert_eq!(normalize_severity("3").as_deref(), Some("sev3"));
        assert_eq!(normalize_severity("critical"), None);
        assert_eq!(normalize_severity("P0").as_deref(), Some("sev1"));
        assert_eq!(normalize_severity("0"), None);
    }
}
