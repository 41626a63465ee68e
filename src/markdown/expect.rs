//! Prose → expectations and findings.
//!
//! "Esperado: 200 con payload de usuario" after a curl is an HTTP-status expectation;
//! "`PONG`." is output that must appear; "`pendingCount` alto (> 10)" under "Buscar:" is a
//! threshold finding `pendingCount > 10`; "Invalid signature" in quotes is text to look
//! for. Prose that only a person can judge ("`lastRunAt` muy antiguo") stays prose.

use super::blocks::{code_spans, plain, Span};
use crate::graph::{ExpectKind, Expectation, FindKind, Finding};
use once_cell::sync::Lazy;
use regex::Regex;

static THRESHOLD: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^\s*(\S(?:.*?\S)?)\s*(>=|<=|==|!=|>|<|=)\s*(-?\d+(?:\.\d+)?)\s*$")
        .expect("static regex")
});

/// `field OP number` → (field, op, number). Used to validate attributes too.
pub fn parse_threshold(text: &str) -> Option<(String, String, f64)> {
    let c = THRESHOLD.captures(text)?;
    let op = match &c[2] {
        "=" => "==",
        other => other,
    };
    Some((c[1].to_string(), op.to_string(), c[3].parse().ok()?))
}

/// An operator and a bare number in prose: `(> 10)`, `> 60000 = 1 min`, `>10,000`,
/// `mayor que 5`, `more than 3`. A number glued to a unit (`30s`, `90%`) is not taken:
/// the output being compared rarely uses the same unit.
static PROSE_THRESHOLD: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)(>=|<=|≥|≤|>|<|\bmayor(?:es)? (?:que|a|de)\b|\bmenor(?:es)? (?:que|a|de)\b|\bmore than\b|\bgreater than\b|\bover\b|\babove\b|\bless than\b|\bbelow\b|\bunder\b|\bfewer than\b)\s*(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:[^\w%.]|$|\.\s|\.$)",
    )
    .expect("static regex")
});

/// Text every `PROSE_THRESHOLD` match holds: the comparisons without their word
/// boundaries, a plain alternation of literals that is searched fast.
static THRESHOLD_WORDS: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)>|<|≥|≤|mayor|menor|more than|greater than|over|above|less than|below|under|fewer than")
        .expect("static regex")
});

/// Whether `text` may hold a match of `\d` (a Unicode decimal digit). `char::is_numeric`
/// takes in every decimal digit, so `false` is exact.
fn has_decimal_digit(text: &str) -> bool {
    if text.is_ascii() {
        return text.bytes().any(|b| b.is_ascii_digit());
    }
    text.chars()
        .any(|c| c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric()))
}

static QUOTED: Lazy<Regex> =
    Lazy::new(|| Regex::new(r#""([^"]{2,})"|“([^”]{2,})”|«([^»]{2,})»"#).expect("static regex"));

static STATUS_START: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)^\W*(?:HTTP(?:/\d(?:\.\d)?)?\s*|status\s*(?:code\s*)?:?\s*|c[oó]digo\s*(?:http\s*)?:?\s*|respuesta\s*)?([1-5]\d\d)\b")
        .expect("static regex")
});

static STATUS_ANY: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)\b(?:HTTP(?:/\d(?:\.\d)?)?|status(?: code)?|c[oó]digo(?: http)?)\s*:?\s*([1-5]\d\d)\b")
        .expect("static regex")
});

static EXIT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)\b(?:exit(?:\s+code|\s+status)?|c[oó]digo de salida|returns? code)\s*:?\s*(\d{1,3})\b")
        .expect("static regex")
});

/// Words only a person can judge: a finding built on them would match every output.
const JUDGEMENT_WORDS: &[&str] = &[
    "alto",
    "alta",
    "altos",
    "altas",
    "bajo",
    "baja",
    "bajos",
    "elevado",
    "elevada",
    "muy",
    "antiguo",
    "antigua",
    "viejo",
    "creciendo",
    "incrementando",
    "aumentando",
    "subiendo",
    "lento",
    "lenta",
    "high",
    "low",
    "growing",
    "increasing",
    "rising",
    "old",
    "stale",
    "spike",
    "spikes",
    "slow",
    "large",
    "huge",
    "many",
    "muchos",
    "muchas",
    "frequent",
    "repeated",
    "repetidos",
    "anormal",
    "abnormal",
    "unusual",
];

/// A threshold written in prose around a field: `` `pendingCount` alto (> 10) ``.
pub fn prose_threshold(spans: &[Span]) -> Option<String> {
    let text = plain(spans);
    // A threshold needs a number and a comparison: most prose lacks one or the other,
    // and the regex (Unicode word boundaries on accented text) costs far more.
    if !has_decimal_digit(&text) || !THRESHOLD_WORDS.is_match(&text) {
        return None;
    }
    let caps = PROSE_THRESHOLD.captures(&text)?;
    let op = match caps[1].to_lowercase().as_str() {
        ">" | "more than" | "greater than" | "over" | "above" => ">",
        ">=" | "≥" => ">=",
        "<" | "less than" | "below" | "under" | "fewer than" => "<",
        "<=" | "≤" => "<=",
        s if s.starts_with("mayor") => ">",
        s if s.starts_with("menor") => "<",
        _ => return None,
    };
    let number = caps[2].replace(',', "");
    let field = field_before(spans, &text, caps.get(0)?.start())?;
    Some(format!("{field} {op} {number}"))
}

/// The metric or JSON field a threshold is about: the first code span, or an
/// identifier-looking word (`pending_count`, `oldestPendingAgeMs`) before the operator.
fn field_before(spans: &[Span], text: &str, op_at: usize) -> Option<String> {
    if let Some(code) = code_spans(spans).into_iter().next() {
        let code = code.trim().to_string();
        if !code.contains(' ') || code.contains('{') {
            return Some(code);
        }
    }
    text[..op_at]
        .split(|c: char| c.is_whitespace() || c == '(' || c == ',')
        .rev()
        .find(|w| is_identifier(w))
        .map(str::to_string)
}

fn is_identifier(word: &str) -> bool {
    let ident = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    let shaped = word.contains('_')
        || (word.chars().any(|c| c.is_ascii_lowercase())
            && word.chars().skip(1).any(|c| c.is_ascii_uppercase()));
    ident && shaped && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// One "look for" item → a finding, or `None` when only a person can judge it.
pub fn finding_from_item(spans: &[Span]) -> Option<Finding> {
    any_finding_from_item(spans).filter(|f| !healthy_value(&f.value))
}

/// `finding_from_item` before healthy values are left out.
fn any_finding_from_item(spans: &[Span]) -> Option<Finding> {
    if let Some(threshold) = prose_threshold(spans) {
        return Some(Finding {
            kind: FindKind::Threshold,
            value: threshold.clone(),
            label: threshold,
        });
    }
    if let Some(quoted) = first_quoted(&text_outside_code(spans)) {
        return Some(pattern_finding(&quoted));
    }
    if let Some(bad) = values_it_should_not_be(spans) {
        return Some(bad);
    }
    let codes = code_spans(spans);
    let code = codes.first()?;
    let rest = residue_words(spans);
    if rest.iter().any(|w| JUDGEMENT_WORDS.contains(&w.as_str())) {
        return None;
    }
    Some(pattern_finding(code.trim()))
}

/// "Consumer `STATE`: should be `Stable`, not `Rebalancing` or `Dead`" / "`estado` debe
/// ser `OK`, no `FAIL`": the values after the "not" are the problem (the column named
/// first is printed every time, the healthy value is what should be there).
fn values_it_should_not_be(spans: &[Span]) -> Option<Finding> {
    let mut after_not = false;
    let mut seen_should = false;
    let mut bad: Vec<String> = Vec::new();
    for span in spans {
        match span {
            Span::Code(c) if after_not => bad.push(c.trim().to_string()),
            Span::Code(_) => {}
            other => {
                let text = deunicode::deunicode(&plain(std::slice::from_ref(other))).to_lowercase();
                seen_should |= [
                    "should be",
                    "must be",
                    "debe ser",
                    "deberia ser",
                    "debe estar",
                ]
                .iter()
                .any(|w| text.contains(w));
                after_not |= seen_should
                    && text
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .any(|w| matches!(w, "not" | "no" | "ni" | "never" | "nunca"));
            }
        }
    }
    if bad.is_empty() {
        return None;
    }
    let label = bad.join(" | ");
    let value = bad
        .iter()
        .map(|b| regex::escape(b))
        .collect::<Vec<_>>()
        .join("|");
    Some(Finding {
        kind: FindKind::Regex,
        value,
        label,
    })
}

/// The prose of spans with code spans blanked out.
fn text_outside_code(spans: &[Span]) -> String {
    let mut text = String::new();
    for span in spans {
        match span {
            Span::Code(_) => text.push(' '),
            other => text.push_str(&plain(std::slice::from_ref(other))),
        }
    }
    text
}

/// Words of an item outside its code spans, parentheses removed, folded to lower case.
fn residue_words(spans: &[Span]) -> Vec<String> {
    let mut text = String::new();
    for span in spans {
        if let Span::Code(_) = span {
            text.push(' ');
        } else {
            text.push_str(&plain(std::slice::from_ref(span)));
        }
    }
    deunicode::deunicode(&text)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn first_quoted(text: &str) -> Option<String> {
    let c = QUOTED.captures(text)?;
    (1..=3)
        .find_map(|i| c.get(i))
        .map(|m| m.as_str().trim().to_string())
}

/// A literal to look for; `<seconds>`-style holes become a regex.
fn pattern_finding(text: &str) -> Finding {
    static HOLE: Lazy<Regex> = Lazy::new(|| Regex::new(r"<[A-Za-z][\w-]*>").expect("static regex"));
    if HOLE.is_match(text) {
        let mut pattern = String::new();
        let mut last = 0;
        for m in HOLE.find_iter(text) {
            pattern.push_str(&regex::escape(&text[last..m.start()]));
            pattern.push_str(r"\S+");
            last = m.end();
        }
        pattern.push_str(&regex::escape(&text[last..]));
        return Finding {
            kind: FindKind::Regex,
            value: pattern,
            label: text.to_string(),
        };
    }
    Finding {
        kind: FindKind::Contains,
        value: text.to_string(),
        label: text.to_string(),
    }
}

/// Expectations stated in prose about the output of `command`.
pub fn expectations_from_text(spans: &[Span], command: &str) -> Vec<Expectation> {
    let text = plain(spans);
    let mut out = Vec::new();
    let http = is_http_command(command);
    let mut status = None;
    if http {
        status = STATUS_START
            .captures(&text)
            .or_else(|| STATUS_ANY.captures(&text))
            .map(|c| c[1].to_string());
    }
    if let Some(code) = &status {
        out.push(Expectation {
            kind: ExpectKind::Status,
            value: code.clone(),
        });
    }
    if let Some(c) = EXIT.captures(&text) {
        out.push(Expectation {
            kind: ExpectKind::Exit,
            value: c[1].to_string(),
        });
    }
    if let Some(threshold) = prose_threshold(spans) {
        out.push(Expectation {
            kind: ExpectKind::Threshold,
            value: threshold,
        });
        return out;
    }
    let mut literals: Vec<String> = code_spans(spans);
    if let Some(q) = first_quoted(&text_outside_code(spans)) {
        literals.push(q);
    }
    let literals: Vec<String> = literals
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && Some(l) != status.as_ref())
        .collect();
    if literals.len() >= 2 && any_of(spans) {
        // "`A` o `B`": one expectation that either satisfies.
        let pattern: Vec<String> = literals.iter().map(|l| regex::escape(l)).collect();
        out.push(Expectation {
            kind: ExpectKind::Regex,
            value: pattern.join("|"),
        });
        return out;
    }
    if !literals.is_empty() && bare_alternative(spans) {
        // "`PONG` or an error about authentication": the output may hold no literal.
        return out;
    }
    for lit in literals {
        let kind = if http && is_status(&lit) {
            ExpectKind::Status
        } else {
            ExpectKind::Contains
        };
        push_unique(&mut out, Expectation { kind, value: lit });
    }
    out
}

/// The sentence offers an alternative without a literal beside one with it: "no CAA
/// records, OR one allowing the CA: `0 issue …`", "`PONG` or an error", "`OK` o un
/// mensaje vacío". Holding the output to the literal would fail the other case. An
/// "or" that joins words ("in one or two seconds", "uno o dos") offers none.
fn bare_alternative(spans: &[Span]) -> bool {
    static JOINT: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?:,\s*(?:or|o|u)|\bOR|\bor\s+(?:else|a|an|the|no|nothing|empty|some|any)|\bo\s+(?:bien|un|una|el|la|nada|ningun|ninguna|ninguno|vacio|vacia))\b")
            .expect("static regex")
    });
    let marked = super::blocks::marked(spans);
    // Cheap first test: most sentences hold no "o".
    if !marked.contains(['o', 'O', 'u']) {
        return false;
    }
    let folded = deunicode::deunicode(&marked);
    let Some(joint) = JOINT.find(&folded) else {
        return false;
    };
    let has = |part: &str| part.contains('`') || QUOTED.is_match(part);
    let (before, after) = (&folded[..joint.start()], &folded[joint.end()..]);
    has(before) != has(after)
}

/// `200`, `503`: a three-digit HTTP status.
fn is_status(value: &str) -> bool {
    value.len() == 3
        && value.chars().all(|c| c.is_ascii_digit())
        && matches!(value.as_bytes()[0], b'1'..=b'5')
}

/// The code spans of a sentence are alternatives: "`A` or `B`", "`A`, `B` o `C`".
fn any_of(spans: &[Span]) -> bool {
    let marked = super::blocks::marked(spans);
    let parts: Vec<&str> = marked.split('`').collect();
    // parts: text, code, text, code, ..., text; the joints are the texts between codes.
    if parts.len() < 5 {
        return false;
    }
    let joints: Vec<String> = parts[2..parts.len() - 1]
        .iter()
        .step_by(2)
        .map(|j| j.trim().trim_start_matches(',').trim().to_lowercase())
        .collect();
    let alternative = |j: &str| matches!(j, "or" | "o" | "u" | "/" | "or even" | "ou");
    joints.iter().any(|j| alternative(j)) && joints.iter().all(|j| j.is_empty() || alternative(j))
}

/// What a sentence right after a command block says about its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultSentence {
    /// "Should return `PONG`.", "→ Debe mostrar `A` o `B`", "You should see `x`".
    Expected,
    /// "Look for `X` or `Y` in the output.", "Buscar `OOMKilled`."
    LookFor,
}

/// Verbs that say what a command prints, English and Spanish, folded to ASCII (code spans
/// read `@code@`). Only prescriptive forms ("should return", "debe mostrar", "you will
/// see"): a plain "returns the list of `Pending` pods" describes, it does not expect.
/// "be"/"ser"/"estar" count only right before the literal ("should be `Running`"), not in
/// "should be safe to delete `/tmp/x`".
static EXPECT_VERB: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r#"\b(?:(?:should|must|will|would)(?: (?:now|also|then|only|still|usually))? (?:(?:return|show|print|output|display|respond|reply|say|contain|include|list|report|see|look like|answer|produce|appear)\b|(?:be|read)(?: (?:in|as|set to|equal to))? (?:@code@|"))|you(?:'ll| will)? (?:see|get)\b|expect(?:ed)?(?: to see)?\b|the (?:output|response|result) (?:is|shows|contains)\b|deb(?:e|en|es|eria|erian|erias)(?: (?:ahora|tambien|solo))? (?:(?:devolver|mostrar|responder|retornar|imprimir|ver|verse|aparecer|indicar|decir|contener|listar)\b|(?:ser|estar|quedar)(?: (?:en|como|igual a))? (?:@code@|"))|veras\b|(?:salida|resultado|respuesta) esperad[ao]\b)"#,
    )
    .expect("static regex")
});

static LOOK_VERB: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"\b(?:look(?:ing)? for|watch for|search for|busca(?:r)?|fijate en|fijarse en)\b")
        .expect("static regex")
});

/// Words that turn a result sentence around ("should not show `error`") or make it a
/// condition ("If it returns `X`, ..."): such prose is left for a person to read.
static NOT_A_RESULT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"\b(?:not|never|no|nunca|sin|without|unless|nor|ni)\b|n't\b|^\W*(?:if|si|when|cuando|en caso|once|una vez|after|despues)\b")
        .expect("static regex")
});

/// A sentence stating what the command above prints, or what to look for in it. The
/// paragraph's first sentence must carry a verb that says so ("should return", "debe
/// mostrar", "look for") followed by the literal to check (a code span or a quote), and
/// no literal may stand before that verb or in a later sentence: "Edit `x`. It will then
/// say "y"" is an instruction, not a result. A code span that is itself a command makes
/// it a step, not a result.
pub fn result_sentence(spans: &[Span]) -> Option<ResultSentence> {
    let marked = super::blocks::marked(spans);
    if marked.len() > 400 {
        return None;
    }
    let mut folded = String::with_capacity(marked.len());
    for (i, part) in marked.split('`').enumerate() {
        if i % 2 == 1 {
            if is_command_span(part) {
                return None;
            }
            folded.push_str(" @code@ ");
        } else {
            folded.push_str(&deunicode::deunicode(part).to_lowercase());
        }
    }
    let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    static SENTENCE_END: Lazy<Regex> =
        Lazy::new(|| Regex::new(r"[.!?;](?:\s|$)").expect("static regex"));
    let end = SENTENCE_END
        .find(&folded)
        .map_or(folded.len(), |m| m.start());
    let (first, rest) = folded.split_at(end);
    if has_literal(rest) || NOT_A_RESULT.is_match(first) {
        return None;
    }
    let (kind, verb) = match LOOK_VERB.find(first) {
        Some(m) => (ResultSentence::LookFor, m),
        None => (ResultSentence::Expected, EXPECT_VERB.find(first)?),
    };
    // The literal follows the verb (the weak verbs hold it in their match).
    (!has_literal(&first[..verb.start()]) && has_literal(&first[verb.start()..])).then_some(kind)
}

/// Folded prose (code spans as `@code@`) holds a code span or a quote.
fn has_literal(folded: &str) -> bool {
    static QUOTE: Lazy<Regex> =
        Lazy::new(|| Regex::new(r#""[^"]{2,}"|<<[^>]{2,}>>"#).expect("static regex"));
    folded.contains("@code@") || QUOTE.is_match(folded)
}

/// A lead-in ending in `:` that introduces the output of the command above: "Expected
/// response when healthy:", "You should see something like:", "Debería mostrar algo como:".
pub fn is_result_lead_in(text: &str) -> bool {
    let folded = deunicode::deunicode(text).to_lowercase();
    static OUTPUT_NOUN: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"^\W*(?:expected|example|sample|typical|esperad[ao]|ejemplo de) (?:output|response|result|salida|respuesta|resultado)\b|^\W*(?:salida|respuesta|resultado) (?:esperad[ao]|de ejemplo|tipica)\b")
            .expect("static regex")
    });
    // "The output should be:", "It should look like this:": the literal is the block.
    static BE_LIKE: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"\b(?:should|must|will|deb\w*) (?:be|look(?: something)? like|ser|verse|parecerse a)\b")
            .expect("static regex")
    });
    folded.split_whitespace().count() <= 12
        && !NOT_A_RESULT.is_match(&folded)
        && (OUTPUT_NOUN.is_match(&folded)
            || EXPECT_VERB.is_match(&folded)
            || BE_LIKE.is_match(&folded))
}

/// A code span that reads as a command to run (`kubectl get pods`), not output.
fn is_command_span(code: &str) -> bool {
    let code = code.trim();
    code.split_whitespace().count() >= 2 && super::shell::looks_like_command(code)
}

/// Every literal a "look for" sentence names: "Look for `X` or `Y`" finds either.
/// The rules of `finding_from_item` hold (thresholds, judgement words). A sentence
/// that names a healthy value among them ("conditions like `Ready`, `MemoryPressure`")
/// names things to read, not problems: it finds nothing.
pub fn findings_from_sentence(spans: &[Span]) -> Vec<Finding> {
    let Some(first) = any_finding_from_item(spans) else {
        return Vec::new();
    };
    if first.kind == FindKind::Threshold {
        return vec![first];
    }
    let mut literals: Vec<String> = code_spans(spans);
    if let Some(q) = first_quoted(&text_outside_code(spans)) {
        literals.push(q);
    }
    if literals.iter().any(|l| healthy_value(l.trim())) {
        return Vec::new();
    }
    let mut out: Vec<Finding> = Vec::new();
    for lit in literals.iter().map(|l| l.trim()) {
        if lit.is_empty() {
            continue;
        }
        let f = pattern_finding(lit);
        if !out.iter().any(|x| x.value == f.value) {
            out.push(f);
        }
    }
    out
}

/// Sample output written in a document → the expectation it supports, if any. Only one
/// short line is taken as literal (`PONG`, `(integer) 0`): a table or several lines hold
/// ages, hashes and widths that differ on every machine, so they are shown, not judged.
/// `max_words` bounds commentary samples (`# Output:` rows); transcripts pass `usize::MAX`.
pub fn sample_expectation(sample: &str, max_words: usize) -> Option<String> {
    let mut lines = sample.lines().map(str::trim).filter(|l| !l.is_empty());
    let line = lines.next()?;
    let single = lines.next().is_none();
    let literal = line.chars().any(char::is_alphanumeric)
        && !has_column_gap(line)
        && line.chars().count() <= 200
        && line.split_whitespace().count() <= max_words;
    (single && literal).then(|| line.to_string())
}

/// Two or more spaces (or a tab) between words: a row of a table.
pub fn has_column_gap(line: &str) -> bool {
    line.trim().contains("  ") || line.trim().contains('\t')
}

/// Marks authors put on the row that shows the problem in a sample: ❌, ✗, `<--`.
const PROBLEM_MARKS: &[&str] = &["❌", "✗", "✘", "<--", "<==", "←"];

/// The rows under a "look for" comment → findings. When the author marks rows (❌),
/// only those are findings; otherwise quoted text, or the row itself when it is the only
/// one. Other rows are context for a person (headers, healthy rows).
pub fn findings_from_rows(rows: &[String]) -> Vec<Finding> {
    let marked: Vec<&str> = rows
        .iter()
        .filter_map(|r| {
            let at = PROBLEM_MARKS.iter().filter_map(|m| r.find(m)).min()?;
            Some(r[..at].trim().trim_end_matches('#').trim())
        })
        .filter(|r| !r.is_empty())
        .collect();
    let picked: Vec<String> = if !marked.is_empty() {
        marked.iter().map(|r| r.to_string()).collect()
    } else {
        let quoted: Vec<String> = rows.iter().filter_map(|r| first_quoted(r)).collect();
        let real: Vec<&String> = rows.iter().filter(|r| !r.trim().is_empty()).collect();
        if !quoted.is_empty() {
            quoted
        } else if real.len() == 1 && !real[0].trim().ends_with(':') {
            vec![real[0].trim().to_string()]
        } else {
            Vec::new()
        }
    };
    picked
        .iter()
        .filter(|r| !healthy_value(r))
        .map(|r| row_finding(r))
        .collect()
}

/// A value that says all is well (`Ready`, `Running`, `active (running)`, `OK`,
/// `Healthy`, `activo`): seeing it in the output is no problem, so it is never a
/// finding, whatever the sentence around it ("Look for conditions like `Ready`").
pub fn healthy_value(value: &str) -> bool {
    // Healthy values are a word or two: longer text is never one.
    value.len() <= 40
        && value
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .all(|w| {
                let w = w.to_lowercase();
                HEALTHY_WORDS.contains(&deunicode::deunicode(&w).as_str())
            })
        && value.chars().any(char::is_alphanumeric)
}

/// Words of a healthy status, in English and Spanish.
const HEALTHY_WORDS: &[&str] = &[
    "ready",
    "running",
    "healthy",
    "ok",
    "up",
    "active",
    "online",
    "available",
    "bound",
    "succeeded",
    "success",
    "successful",
    "passing",
    "passed",
    "green",
    "connected",
    "established",
    "synced",
    "insync",
    "pong",
    "listo",
    "lista",
    "activo",
    "activa",
    "sano",
    "saludable",
    "disponible",
    "conectado",
    "correcto",
    "exitoso",
];

/// One row to look for: a table row matches with any spacing between its cells.
fn row_finding(row: &str) -> Finding {
    if !has_column_gap(row) {
        return pattern_finding(row);
    }
    let cells: Vec<String> = row.split_whitespace().map(regex::escape).collect();
    Finding {
        kind: FindKind::Regex,
        value: cells.join(r"\s+"),
        label: row.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Expectation from a one-line value (`# Debe responder: PONG`).
pub fn expectation_from_value(value: &str, command: &str) -> Expectation {
    let value = value
        .trim()
        .trim_matches(|c| c == '`' || c == '"' || c == '\'')
        .trim_end_matches('.')
        .trim();
    if is_status(value) && is_http_command(command) {
        Expectation {
            kind: ExpectKind::Status,
            value: value.to_string(),
        }
    } else {
        Expectation {
            kind: ExpectKind::Contains,
            value: value.to_string(),
        }
    }
}

fn push_unique(out: &mut Vec<Expectation>, e: Expectation) {
    if !out.contains(&e) {
        out.push(e);
    }
}

/// curl, wget, httpie: commands whose output can carry an HTTP status.
pub fn is_http_command(command: &str) -> bool {
    command.split_whitespace().any(|w| {
        let w = w.rsplit('/').next().unwrap_or(w);
        matches!(w, "curl" | "wget" | "http" | "https" | "xh" | "httpie")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(md: &str) -> Vec<Span> {
        let idx = super::super::blocks::LineIndex::new(md);
        match super::super::blocks::parse(md, &idx, 0).into_iter().next() {
            Some(super::super::blocks::Block::Para(p)) => p.spans,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn alternatives_without_a_literal_are_not_judged() {
        let judged = |md: &str| !expectations_from_text(&spans(md), "dig x").is_empty();
        assert!(!judged(
            "no CAA records, OR one allowing the CA: `0 issue \"x\"`"
        ));
        assert!(!judged(
            "Should return `PONG` or an error about authentication."
        ));
        assert!(!judged("Debe mostrar `OK` o un mensaje vacío."));
        assert!(judged("Should return `PONG` within one or two seconds."));
        assert!(judged("Debe responder `ok` en uno o dos segundos."));
        assert!(judged("Should return `PONG`."));
    }

    #[test]
    fn the_values_a_field_should_not_be_are_the_finding() {
        let spans = vec![
            Span::Text("Consumer ".into()),
            Span::Code("STATE".into()),
            Span::Text(": should be ".into()),
            Span::Code("Stable".into()),
            Span::Text(", not ".into()),
            Span::Code("Rebalancing".into()),
            Span::Text(" or ".into()),
            Span::Code("Dead".into()),
        ];
        let f = finding_from_item(&spans).expect("finding");
        assert_eq!(f.kind, FindKind::Regex);
        assert_eq!(f.value, "Rebalancing|Dead");
        let es = vec![
            Span::Code("estado".into()),
            Span::Text(" debe ser ".into()),
            Span::Code("OK".into()),
            Span::Text(", no ".into()),
            Span::Code("FAIL".into()),
        ];
        assert_eq!(finding_from_item(&es).expect("finding").value, "FAIL");
    }

    #[test]
    fn healthy_values_are_no_findings() {
        for v in [
            "Ready",
            "Running",
            "active (running)",
            "OK",
            "Activo",
            "1/1",
        ] {
            assert_eq!(healthy_value(v), v != "1/1", "{v}");
        }
        for v in [
            "NotReady",
            "CrashLoopBackOff",
            "Connection refused",
            "inactive (dead)",
        ] {
            assert!(!healthy_value(v), "{v}");
        }
        assert!(finding_from_item(&spans("`Ready`")).is_none());
    }

    #[test]
    fn thresholds_in_look_for_items() {
        let f = finding_from_item(&spans("`pendingCount` alto (> 10)")).unwrap();
        assert_eq!(f.kind, FindKind::Threshold);
        assert_eq!(f.value, "pendingCount > 10");
        let f = finding_from_item(&spans("`oldestPendingAgeMs` alto (> 60000 = 1 min)")).unwrap();
        assert_eq!(f.value, "oldestPendingAgeMs > 60000");
        let f = finding_from_item(&spans("queue_depth above 10,000")).unwrap();
        assert_eq!(f.value, "queue_depth > 10000");
    }

    #[test]
    fn quoted_and_code_findings() {
        let f = finding_from_item(&spans("\"Invalid signature\"")).unwrap();
        assert_eq!(
            (f.kind, f.value.as_str()),
            (FindKind::Contains, "Invalid signature")
        );
        let f = finding_from_item(&spans(
            "\"Lock not acquired\" (múltiples workers compitiendo)",
        ))
        .unwrap();
        assert_eq!(f.value, "Lock not acquired");
        let f = finding_from_item(&spans("`HTTP/1.1 429 Too Many Requests`")).unwrap();
        assert_eq!(f.value, "HTTP/1.1 429 Too Many Requests");
        let f = finding_from_item(&spans("`Retry-After: <seconds>`")).unwrap();
        assert_eq!(f.kind, FindKind::Regex);
        assert!(regex::Regex::new(&f.value)
            .unwrap()
            .is_match("Retry-After: 30"));
        assert_eq!(f.label, "Retry-After: <seconds>");
    }

    #[test]
    fn judgement_only_items_are_not_findings() {
        assert!(finding_from_item(&spans("`lastRunAt` muy antiguo")).is_none());
        assert!(finding_from_item(&spans("`integration_jobs_pending_count` alto")).is_none());
        assert!(finding_from_item(&spans("Errores repetidos")).is_none());
        assert!(
            finding_from_item(&spans("`integration_job_latency_ms` alto (p95, p99)")).is_none()
        );
    }

    #[test]
    fn expectations() {
        let e = expectations_from_text(&spans("200 con payload de usuario."), "curl -i http://x");
        assert_eq!(
            e,
            vec![Expectation {
                kind: ExpectKind::Status,
                value: "200".into()
            }]
        );
        let e = expectations_from_text(&spans("`PONG`."), "redis-cli ping");
        assert_eq!(
            e,
            vec![Expectation {
                kind: ExpectKind::Contains,
                value: "PONG".into()
            }]
        );
        let e = expectations_from_text(&spans("200 con `ws_token`."), "curl -i -X POST x");
        assert_eq!(e.len(), 2);
        assert!(expectations_from_text(
            &spans("Eventos auditables con motivos claros."),
            "docker logs"
        )
        .is_empty());
        let e = expectations_from_text(&spans("exit code 0"), "true");
        assert_eq!(e[0].kind, ExpectKind::Exit);
    }

    #[test]
    fn result_sentences() {
        use ResultSentence::*;
        let r = |md: &str| result_sentence(&spans(md));
        assert_eq!(r("Should return `PONG`."), Some(Expected));
        assert_eq!(
            r("→ Debe mostrar `A` o `B`, indicando el bloqueo."),
            Some(Expected)
        );
        assert_eq!(r("Debería devolver `200`."), Some(Expected));
        assert_eq!(r("The output should be `ok`."), Some(Expected));
        assert_eq!(r("Look for `X` or `Y` in the output."), Some(LookFor));
        // Conditions, negations, instructions and commands are not results.
        assert_eq!(r("If it returns `X`, restart it."), None);
        assert_eq!(r("It should not show `ERR`."), None);
        assert_eq!(r("Edit `x`. It will say \"done\"."), None);
        assert_eq!(r("Should return `PONG`. Then run `y`."), None);
        assert_eq!(r("You should see `kubectl get pods` work."), None);
        assert_eq!(r("Should return something sensible."), None);
        assert_eq!(r("The pod should be `Running`."), Some(Expected));
        assert_eq!(r("Debe estar en `Ready`."), Some(Expected));
        assert_eq!(r("It should be safe to delete `/tmp/x`."), None);
        assert_eq!(r("This returns the list of `Pending` pods."), None);
    }

    #[test]
    fn result_lead_ins() {
        assert!(is_result_lead_in("Expected response when healthy"));
        assert!(is_result_lead_in("The output should be"));
        assert!(is_result_lead_in("Debería verse así"));
        assert!(is_result_lead_in("You should see something like"));
        assert!(!is_result_lead_in("Check the logs"));
        assert!(!is_result_lead_in(
            "If it is not running, it should be restarted with"
        ));
    }

    #[test]
    fn alternatives_are_one_regex() {
        let e = expectations_from_text(&spans("Debe mostrar `a.b` o `c`."), "x");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].kind, ExpectKind::Regex);
        assert_eq!(e[0].value, r"a\.b|c");
        let e = expectations_from_text(&spans("Debe mostrar `a` y `c`."), "x");
        assert_eq!(e.len(), 2, "both must hold");
    }

    #[test]
    fn samples_and_rows() {
        assert_eq!(sample_expectation("PONG\n", 3), Some("PONG".into()));
        assert_eq!(sample_expectation("a b c d", 3), None);
        assert_eq!(sample_expectation("NAME   AGE", usize::MAX), None);
        assert_eq!(sample_expectation("a\nb", usize::MAX), None);
        assert_eq!(sample_expectation("{", usize::MAX), None);
        let rows: Vec<String> = vec![
            "Type    Status".into(),
            "Ready   False   NotReady  # ❌ here".into(),
        ];
        let f = findings_from_rows(&rows);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].value, r"Ready\s+False\s+NotReady");
        assert!(findings_from_rows(&["Type   Status".into(), "Ready   True".into()]).is_empty());
        assert_eq!(
            findings_from_rows(&["\"disk full\"".into()])[0].value,
            "disk full"
        );
    }

    #[test]
    fn threshold_attribute_syntax() {
        assert_eq!(
            parse_threshold("pendingCount > 10"),
            Some(("pendingCount".into(), ">".into(), 10.0))
        );
        assert!(parse_threshold(r#"webhook_events_total{status="error"} >= 1"#).is_some());
        assert!(parse_threshold("nothing here").is_none());
    }
}
