//! Secret redaction before anything reaches a file or the screen (SPEC §4).
//!
//! A [`Redactor`] masks two kinds of secret:
//! - values it was told about (secret variables, and environment variables whose
//!   names look secret), also in their base64 and URL-encoded forms;
//! - secrets recognisable by shape: `KEY=value`, `password: x`, `--password x`,
//!   `redis-cli -a x`, `Authorization:`/`Cookie:`/`X-*-Token` headers, `curl -u`,
//!   passwords in URLs, JWTs, PEM private keys and well-known token prefixes.
//!
//! Every mask reads `«redacted:RULE»`, so a reader sees that something was there and
//! why, never what. The redactor counts matches per rule ([`Redactor::report`]);
//! it never records a value.

use crate::placeholder::looks_secret;
use aho_corasick::{AhoCorasick, MatchKind};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};
use regex::{Captures, Regex};
use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, OnceLock, PoisonError, RwLock};

/// What every mask starts with; a value that already starts with it is left alone,
/// so redacting twice changes nothing.
pub const MASK_OPEN: &str = "«redacted";

/// The mask that replaces a secret found by `rule`.
pub fn mask(rule: Rule) -> String {
    format!("{MASK_OPEN}:{}»", rule.name())
}

/// The rules, in the order they are applied. Structural rules (PEM blocks, JWTs)
/// run before the key/value rules so a key/value rule never masks half a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// An exact secret value, or its base64 / URL encoding.
    SecretValue,
    PemPrivateKey,
    Jwt,
    /// `AKIA…`, `ghp_…`, `glpat-…`, `xoxb-…`, `sk_live_…` and friends.
    TokenPrefix,
    /// `Authorization:` / `Proxy-Authorization:` header values, and bare `Bearer <token>`.
    Authorization,
    /// `Cookie:` / `Set-Cookie:` header values and curl `--cookie`.
    Cookie,
    /// `X-Auth-Token:`, `X-Api-Key:` and other custom secret headers.
    SecretHeader,
    /// The password of `curl -u user:pass`.
    CurlUser,
    /// The password of `scheme://user:pass@host`.
    UrlPassword,
    /// `redis-cli -a pass`, `mysql -ppass`, `sshpass -p pass`.
    PasswordOption,
    /// `--password pass`, `--token=…`, `--client-secret …`.
    SecretFlag,
    /// `NAME=value` where NAME names a secret.
    Assignment,
    /// `name: value` (YAML, config dumps) and `"name": "value"` (JSON) where name names a secret.
    KeyValue,
    /// A secret-looking word after "password", "token", "contraseña"... in prose:
    /// "tried the password Hx81-pw-2024". Notes come from another process, which
    /// cannot know the session's secret values.
    ProseSecret,
}

impl Rule {
    pub const ALL: [Rule; 14] = [
        Rule::SecretValue,
        Rule::PemPrivateKey,
        Rule::Jwt,
        Rule::TokenPrefix,
        Rule::Authorization,
        Rule::Cookie,
        Rule::SecretHeader,
        Rule::CurlUser,
        Rule::UrlPassword,
        Rule::PasswordOption,
        Rule::SecretFlag,
        Rule::Assignment,
        Rule::KeyValue,
        Rule::ProseSecret,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::SecretValue => "secret-value",
            Rule::PemPrivateKey => "private-key",
            Rule::Jwt => "jwt",
            Rule::TokenPrefix => "token",
            Rule::Authorization => "authorization",
            Rule::Cookie => "cookie",
            Rule::SecretHeader => "secret-header",
            Rule::CurlUser => "curl-user",
            Rule::UrlPassword => "url-password",
            Rule::PasswordOption => "password-option",
            Rule::SecretFlag => "secret-flag",
            Rule::Assignment => "assignment",
            Rule::KeyValue => "key-value",
            Rule::ProseSecret => "prose-secret",
        }
    }

    fn index(self) -> usize {
        Rule::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

/// Masks secrets in text. Cheap to share: `Send + Sync`, counts with atomics, and
/// learns new secrets through `&self` so an `Arc<Redactor>` can be taught mid-session.
pub struct Redactor {
    /// Replaced whole when a secret is learned; readers hold a snapshot.
    known: RwLock<Arc<KnownValues>>,
    /// Bumped on every change of `known`, so a [`LineRedactor`] notices cheaply.
    generation: AtomicU64,
    counts: [AtomicUsize; Rule::ALL.len()],
}

/// The known secret values and their encodings, and the automata built from them
/// (rebuilt whole when a secret is added).
struct KnownValues {
    values: Vec<String>,
    /// Leftmost-longest over `values`: finds them to mask them.
    exact: Option<AhoCorasick>,
    /// One scan of a text for everything that could need masking: the trigger
    /// words of the shape rules, the PEM marker and the values (ASCII
    /// case-insensitive, so a superset). Nothing found: nothing to do.
    scan: AhoCorasick,
    /// The same words as a DFA, stepped by hand by [`KnownValues::may_trigger`].
    scan_dfa: aho_corasick::dfa::DFA,
    /// The length of the longest word of `scan`.
    longest_word: usize,
    /// For each word of `scan`, the bits of what it wakes.
    scan_bits: Vec<u32>,
}

/// The shortest of the three stretches [`KnownValues::may_trigger`] scans side by side
/// (shorter texts are scanned in one go).
const MIN_SCAN_STRETCH: usize = 4096;

/// Bits of [`KnownValues::scan_bits`] beyond the per-pattern ones.
const VALUE_BIT: u32 = 1 << 31;
const PRIVATE_KEY_BIT: u32 = 1 << 30;
const PATTERN_BITS: u32 = !(VALUE_BIT | PRIVATE_KEY_BIT);

impl KnownValues {
    fn build(values: Vec<String>) -> Option<KnownValues> {
        let exact = if values.is_empty() {
            None
        } else {
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&values)
                .ok()?;
            Some(ac)
        };
        let mut words: Vec<String> = Vec::new();
        let mut scan_bits: Vec<u32> = Vec::new();
        let mut add =
            |word: &str, bit: u32| match words.iter().position(|w| w.eq_ignore_ascii_case(word)) {
                Some(at) => scan_bits[at] |= bit,
                None => {
                    words.push(word.to_string());
                    scan_bits.push(bit);
                }
            };
        for (word, bits) in PATTERNS.trigger_words.iter().zip(&PATTERNS.trigger_masks) {
            add(word, *bits);
        }
        add("-----BEGIN", PRIVATE_KEY_BIT);
        for value in &values {
            add(value, VALUE_BIT);
        }
        let scan = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&words)
            .ok()?;
        let scan_dfa = aho_corasick::dfa::DFA::builder()
            .ascii_case_insensitive(true)
            .build(&words)
            .ok()?;
        Some(KnownValues {
            values,
            exact,
            scan,
            scan_dfa,
            longest_word: words.iter().map(String::len).max().unwrap_or(0),
            scan_bits,
        })
    }

    /// Whether `text` may hold a word of the scan; like `scan.is_match`, two to three
    /// times as fast on long texts. Running the automaton is a chain of table
    /// look-ups, each waiting for the one before: here it runs over three stretches
    /// of the text side by side, independent chains the CPU interleaves (more
    /// stretches gain nothing measurable). Each stretch also reads the start of the
    /// next, so a word across a border is found.
    fn may_trigger(&self, text: &str) -> bool {
        use aho_corasick::{automaton::Automaton, Anchored};
        let text = text.as_bytes();
        let dfa = &self.scan_dfa;
        let stretch = text.len() / 3;
        let overlap = self.longest_word.saturating_sub(1);
        let start = dfa.start_state(Anchored::No);
        let (Ok(start), true) = (start, stretch >= MIN_SCAN_STRETCH.max(overlap)) else {
            return self.scan.is_match(text);
        };
        let first = &text[..stretch + overlap];
        let second = &text[stretch..2 * stretch + overlap];
        let third = &text[2 * stretch..];
        let (mut a, mut b, mut c) = (start, start, start);
        for ((&x, &y), &z) in first.iter().zip(second).zip(third) {
            a = dfa.next_state(Anchored::No, a, x);
            b = dfa.next_state(Anchored::No, b, y);
            c = dfa.next_state(Anchored::No, c, z);
            if dfa.is_match(a) | dfa.is_match(b) | dfa.is_match(c) {
                return true;
            }
        }
        // What is left of the stretches that are longer than the shortest.
        let together = first.len().min(third.len());
        [
            (a, &first[together..]),
            (b, &second[together..]),
            (c, &third[together..]),
        ]
        .into_iter()
        .any(|(state, rest)| {
            rest.iter()
                .scan(state, |state, &byte| {
                    *state = dfa.next_state(Anchored::No, *state, byte);
                    Some(dfa.is_match(*state))
                })
                .any(|found| found)
        })
    }

    /// What `text` may need: value, private-key and pattern bits.
    fn bits(&self, text: &str) -> u32 {
        self.scan
            .find_overlapping_iter(text)
            .fold(0, |bits, m| bits | self.scan_bits[m.pattern().as_usize()])
    }
}

// Hand-written so a `{:?}` can never print a secret.
impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("known_values", &self.known().values.len())
            .field("report", &self.report())
            .finish()
    }
}

impl Default for Redactor {
    /// A redactor that knows no values: the shape rules only.
    fn default() -> Self {
        Redactor {
            // Built from static words only: it cannot fail.
            known: RwLock::new(Arc::new(
                KnownValues::build(Vec::new()).expect("static trigger words"),
            )),
            generation: AtomicU64::new(0),
            counts: Default::default(),
        }
    }
}

impl Redactor {
    /// A redactor for `secret_values` and for the values of this process's environment
    /// variables whose names look secret.
    pub fn new(secret_values: impl IntoIterator<Item = String>) -> Redactor {
        Redactor::with_env(secret_values, std::env::vars())
    }

    /// Like [`Redactor::new`], with the environment given explicitly.
    pub fn with_env(
        secret_values: impl IntoIterator<Item = String>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Redactor {
        let mut values: Vec<String> = secret_values.into_iter().collect();
        values.extend(
            env.into_iter()
                .filter(|(name, value)| looks_secret(name) && env_value_worth_masking(value))
                .map(|(_, value)| value),
        );
        let r = Redactor::default();
        r.learn(values);
        r
    }

    /// Learns one more secret value (a variable answered during the session).
    /// Values shorter than three characters are ignored: they would mask ordinary
    /// words and numbers everywhere.
    pub fn add_secret(&self, value: impl AsRef<str>) {
        self.learn([value.as_ref().to_string()]);
    }

    /// `text` with every secret masked.
    pub fn redact(&self, text: &str) -> String {
        self.redact_cow(text).into_owned()
    }

    /// Like [`Redactor::redact`], without allocating when nothing matches.
    pub fn redact_cow<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.redact_with(&self.known(), text)
    }

    /// How many secrets each rule masked so far (rules that never matched are omitted).
    pub fn report(&self) -> Vec<(String, usize)> {
        Rule::ALL
            .iter()
            .map(|r| {
                (
                    r.name().to_string(),
                    self.counts[r.index()].load(Ordering::Relaxed),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// A redactor for a stream read line by line, which also masks the body lines
    /// of a PEM private key (a single line does not show it is inside one).
    pub fn lines(&self) -> LineRedactor<'_> {
        LineRedactor {
            redactor: self,
            known: self.known(),
            generation: self.generation.load(Ordering::Acquire),
            in_private_key: false,
        }
    }

    fn redact_with<'t>(&self, known: &KnownValues, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        // Most text holds nothing that could be a secret: one scan says so.
        if !known.scan.is_match(text) {
            return out;
        }
        let bits = known.bits(text);
        if bits & VALUE_BIT != 0 {
            if let Some(exact) = &known.exact {
                out = self.replace_values(exact, out);
            }
        }
        if bits & PRIVATE_KEY_BIT != 0 {
            out = self.apply(&PATTERNS.private_key, out);
        }
        if bits & PATTERN_BITS == 0 {
            return out;
        }
        // One line: the bits found before masking values still say which rules
        // can apply (a mask itself needs none).
        let one_line = !out.trim_end_matches(['\n', '\r']).contains('\n');
        if one_line {
            return self.apply_patterns(bits, out);
        }
        self.redact_lines(known, out)
    }

    fn count(&self, rule: Rule) {
        self.counts[rule.index()].fetch_add(1, Ordering::Relaxed);
    }

    fn known(&self) -> Arc<KnownValues> {
        // A panic while holding the lock cannot leave the values half-written
        // (they are replaced whole), so a poisoned lock is still usable.
        self.known
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn learn(&self, values: impl IntoIterator<Item = String>) {
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        let mut forms = known.values.clone();
        for value in values {
            if value.trim().chars().count() < MIN_SECRET_LEN {
                continue;
            }
            for form in encoded_forms(&value) {
                if form.chars().count() >= MIN_SECRET_LEN && !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
        if forms.len() == known.values.len() {
            return;
        }
        // Only an absurd number of huge secrets could make the automata fail to
        // build; the previous ones then stay rather than a panic.
        if let Some(rebuilt) = KnownValues::build(forms) {
            *known = Arc::new(rebuilt);
            self.generation.fetch_add(1, Ordering::Release);
        }
    }

    /// Runs the shape rules line by line (none spans lines, and a short line is
    /// cheap to match); a line none of whose rules' trigger words occur is copied
    /// as it is.
    fn redact_lines<'t>(&self, known: &KnownValues, text: Cow<'t, str>) -> Cow<'t, str> {
        let mut changed: Option<String> = None;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let redacted = self.apply_patterns(known.bits(line), Cow::Borrowed(line));
            match (redacted, changed.as_mut()) {
                (Cow::Owned(new), None) => {
                    let mut out = String::with_capacity(text.len() + 64);
                    out.push_str(&text[..offset]);
                    out.push_str(&new);
                    changed = Some(out);
                }
                (new, Some(out)) => out.push_str(&new),
                (Cow::Borrowed(_), None) => {}
            }
            offset += line.len();
        }
        match changed {
            Some(out) => Cow::Owned(out),
            None => text,
        }
    }

    /// The line-wise patterns whose bits are set, in order; a regex runs only on a
    /// line holding a byte its every match needs (a prose line with "token" in it
    /// has no `=` or `:` for the key/value rules to find).
    fn apply_patterns<'l>(&self, bits: u32, line: Cow<'l, str>) -> Cow<'l, str> {
        let mut out = line;
        for (i, pattern) in PATTERNS.by_line.iter().enumerate() {
            if bits & (1 << i) != 0 && holds_a_required_byte(pattern.rule, &out) {
                out = self.apply(pattern, out);
            }
        }
        out
    }

    fn replace_values<'t>(&self, exact: &AhoCorasick, text: Cow<'t, str>) -> Cow<'t, str> {
        // The scan is case-insensitive; the values are not.
        if exact.find(text.as_ref()).is_none() {
            return text;
        }
        let mut out = String::with_capacity(text.len() + 32);
        exact.replace_all_with(&text, &mut out, |_, _, dst| {
            self.count(Rule::SecretValue);
            dst.push_str(&mask(Rule::SecretValue));
            true
        });
        Cow::Owned(out)
    }

    fn apply<'t>(&self, pattern: &Pattern, text: Cow<'t, str>) -> Cow<'t, str> {
        let replaced = pattern.re().replace_all(&text, |caps: &Captures| {
            let whole = caps.get(0).map_or("", |m| m.as_str());
            match (pattern.mask)(caps) {
                Some(masked) => {
                    self.count(pattern.rule);
                    masked
                }
                None => whole.to_string(),
            }
        });
        // A rule whose every match was let be (a `$VARIABLE`, a plain `x=1`) still
        // hands back a copy: keep the original then, so nothing is copied further.
        let changed = match replaced {
            Cow::Owned(s) if s != *text => Some(s),
            _ => None,
        };
        changed.map_or(text, Cow::Owned)
    }
}

/// Redacts a stream line by line; see [`Redactor::lines`].
pub struct LineRedactor<'r> {
    redactor: &'r Redactor,
    /// A snapshot of the known values, refreshed when the redactor learns more.
    known: Arc<KnownValues>,
    generation: u64,
    in_private_key: bool,
}

impl LineRedactor<'_> {
    /// One line (with or without its newline), redacted; borrowed when nothing
    /// in it needed masking.
    pub fn line<'l>(&mut self, line: &'l str) -> Cow<'l, str> {
        if self.in_private_key {
            if line.contains("-----END") && PEM_END.is_match(line) {
                self.in_private_key = false;
            }
            return Cow::Owned(line_mask(line));
        }
        if line.contains("-----BEGIN") && PEM_BEGIN.is_match(line) && !PEM_END.is_match(line) {
            self.in_private_key = true;
            self.redactor.count(Rule::PemPrivateKey);
            return Cow::Owned(line_mask(line));
        }
        self.refresh();
        self.redactor.redact_with(&self.known, line)
    }

    /// Several whole lines at once (a run of streamed output), redacted; borrowed
    /// when nothing in it needed masking. One scan of the whole text finds the lines
    /// holding anything a rule or a known value could match; only those are
    /// redacted, and the text between them is copied as it is.
    pub fn lines_of<'t>(&mut self, text: &'t str) -> Cow<'t, str> {
        self.refresh();
        if !self.in_private_key && !self.known.may_trigger(text) {
            return Cow::Borrowed(text);
        }
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut at = 0;
        while at < text.len() {
            let start = if self.in_private_key {
                at // every line of the key's body
            } else {
                match self.known.scan.find(&text[at..]) {
                    Some(m) => line_start(text, at + m.start()),
                    None => break,
                }
            };
            let end = line_end(text, start);
            if let Cow::Owned(masked) = self.line(&text[start..end]) {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len() + 64));
                out.push_str(&text[copied..start]);
                out.push_str(&masked);
                copied = end;
            }
            at = end;
        }
        match out {
            Some(mut out) => {
                out.push_str(&text[copied..]);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(text),
        }
    }

    /// Takes in the values the redactor learned since the last call.
    fn refresh(&mut self) {
        let now = self.redactor.generation.load(Ordering::Acquire);
        if now != self.generation {
            self.known = self.redactor.known();
            self.generation = now;
        }
    }
}

/// Where the line holding byte `at` of `text` starts.
fn line_start(text: &str, at: usize) -> usize {
    memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |newline| newline + 1)
}

/// Where the line starting at `start` ends, its `\n` included.
fn line_end(text: &str, start: usize) -> usize {
    memchr::memchr(b'\n', &text.as_bytes()[start..])
        .map_or(text.len(), |newline| start + newline + 1)
}

/// A whole line replaced by the private-key mask, keeping its line ending.
fn line_mask(line: &str) -> String {
    let ending = &line[line.trim_end_matches(['\r', '\n']).len()..];
    format!("{}{ending}", mask(Rule::PemPrivateKey))
}

/// Shorter values would mask ordinary words and numbers everywhere.
const MIN_SECRET_LEN: usize = 3;

/// Environment values like `1`, `true` or `off` under a secret-looking name are
/// settings, not secrets; masking them would mask every `true` on screen.
fn env_value_worth_masking(value: &str) -> bool {
    let v = value.trim();
    if v.chars().count() < 4 {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    let setting = [
        "true", "false", "none", "null", "never", "always", "enabled", "disabled",
    ];
    !(setting.contains(&lower.as_str()) || (v.len() < 6 && v.bytes().all(|b| b.is_ascii_digit())))
}

/// Characters a URL query component leaves alone (`-._~`), the rest percent-encoded.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Form encoding leaves more alone; spaces become `+`, handled below.
const URL_LOOSE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The value itself and the forms it takes when encoded: base64 (standard and
/// URL-safe, padded or not, and the stretch a value leaves inside a longer base64
/// string such as a Basic credential) and percent-encoding (upper and lower hex).
fn encoded_forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_string()];
    let trimmed = value.trim();
    if trimmed != value {
        forms.push(trimmed.to_string());
    }
    let bytes = value.as_bytes();
    for engine in [&STANDARD, &URL_SAFE] {
        forms.push(engine.encode(bytes));
    }
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        forms.push(engine.encode(bytes));
        if bytes.len() >= 8 {
            forms.extend(embedded_base64(engine, bytes));
        }
    }
    for set in [URL_COMPONENT, URL_LOOSE] {
        let encoded = utf8_percent_encode(value, set).to_string();
        forms.push(encoded.replace("%20", "+"));
        forms.push(lower_hex_escapes(&encoded));
        forms.push(encoded);
    }
    forms.sort();
    forms.dedup();
    forms
}

/// The base64 characters that depend only on `bytes` when they sit at offset 0, 1
/// or 2 of a longer encoded input: whatever surrounds them, these stretches appear.
fn embedded_base64(engine: &impl Engine, bytes: &[u8]) -> Vec<String> {
    (0..3usize)
        .filter_map(|offset| {
            let mut input = vec![0u8; offset];
            input.extend_from_slice(bytes);
            let encoded = engine.encode(&input);
            // Characters mixing bits of the unknown neighbours: the leading ones of
            // the prefix, and the trailing one when the value ends mid-group.
            let skip = [0, 2, 3][offset];
            let drop_tail = usize::from(input.len() % 3 != 0);
            let end = encoded.len().checked_sub(drop_tail)?;
            encoded.get(skip..end).map(str::to_string)
        })
        .filter(|s| s.len() >= 8)
        .collect()
}

fn lower_hex_escapes(encoded: &str) -> String {
    static ESCAPE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"%[0-9A-F]{2}").expect("static regex"));
    ESCAPE
        .replace_all(encoded, |c: &Captures| c[0].to_ascii_lowercase())
        .into_owned()
}

/// One shape rule: a regex and how to mask a match (`None`: leave it, e.g. the
/// value is a `$VARIABLE` reference or already masked). The regex is compiled the
/// first time a text wakes the rule: compiling them all took half of a short run's
/// own work, and most runs print nothing most rules would look at.
struct Pattern {
    rule: Rule,
    source: String,
    re: OnceLock<Regex>,
    mask: fn(&Captures) -> Option<String>,
}

impl Pattern {
    fn re(&self) -> &Regex {
        self.re.get_or_init(|| {
            Regex::new(&self.source)
                .unwrap_or_else(|e| panic!("static regex for {}: {e}", self.rule.name()))
        })
    }
}

struct Patterns {
    /// Multi-line: applied to the whole text.
    private_key: Pattern,
    /// Everything else, applied line by line.
    by_line: Vec<Pattern>,
    /// The trigger words of the rules in `by_line` (a rule runs on a line only when
    /// one of its words occurs there, ASCII case-insensitive), and for each word
    /// the bits of the patterns it wakes. [`KnownValues`] scans for them.
    trigger_words: Vec<&'static str>,
    trigger_masks: Vec<u32>,
}

/// Words that occur in every name [`name_looks_secret`] accepts.
const SECRET_NAME_TRIGGERS: &[&str] = &[
    "token",
    "secret",
    "pass",
    "key",
    "jwt",
    "credential",
    "dsn",
    "auth",
    "sessionid",
    "bearer",
    "cookie",
    "signature",
];

/// Bytes one of which every match of the rule's patterns holds; empty when there is
/// no such byte.
fn required_bytes(rule: Rule) -> &'static [u8] {
    match rule {
        Rule::Jwt => b".",
        Rule::Cookie => b":-", // `Cookie:` headers, `--cookie` flags
        Rule::SecretHeader | Rule::KeyValue => b":",
        Rule::CurlUser | Rule::PasswordOption | Rule::SecretFlag => b"-",
        Rule::UrlPassword => b"@",
        Rule::Assignment => b"=",
        // A bare `Bearer token`, prose, token prefixes: letters and spaces only.
        Rule::Authorization
        | Rule::TokenPrefix
        | Rule::ProseSecret
        | Rule::SecretValue
        | Rule::PemPrivateKey => b"",
    }
}

/// Whether `line` holds one of the [`required_bytes`] of `rule` (or it has none).
fn holds_a_required_byte(rule: Rule, line: &str) -> bool {
    let line = line.as_bytes();
    match *required_bytes(rule) {
        [] => true,
        [a] => memchr::memchr(a, line).is_some(),
        [a, b] => memchr::memchr2(a, b, line).is_some(),
        [a, b, c, ..] => memchr::memchr3(a, b, c, line).is_some(),
    }
}

/// The words without which a rule cannot match.
fn triggers(rule: Rule) -> &'static [&'static str] {
    match rule {
        Rule::SecretValue | Rule::PemPrivateKey => &[],
        Rule::Jwt => &["eyJ"],
        Rule::TokenPrefix => &[
            "AKIA",
            "ASIA",
            "AROA",
            "AIDA",
            "gho_",
            "ghp_",
            "ghu_",
            "ghs_",
            "ghr_",
            "github_pat_",
            "glpat-",
            "glptt-",
            "gldt-",
            "glrt-",
            "glcbt-",
            "glimt-",
            "glagent-",
            "xox",
            "xapp-",
            "_live_",
            "_test_",
            "whsec_",
            "sk-",
            "AIza",
            "SG.",
            "npm_",
            "pypi-",
            "hf_",
            "dop_v1_",
            "shpat_",
            "shpss_",
            "shpca_",
            "shppa_",
            "EAA",
            "ya29.",
        ],
        Rule::Authorization => &["authorization", "bearer"],
        Rule::Cookie => &["cookie"],
        Rule::SecretHeader => &["token", "key", "secret", "auth", "password", "signature"],
        Rule::CurlUser => &["curl"],
        Rule::UrlPassword => &["://"],
        Rule::PasswordOption => &["redis-cli", "mysql", "mariadb", "sshpass"],
        Rule::SecretFlag | Rule::Assignment | Rule::KeyValue => SECRET_NAME_TRIGGERS,
        Rule::ProseSecret => &["pass", "contrase", "clave", "secret", "token", "api"],
    }
}

static PEM_BEGIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----").expect("static regex")
});
static PEM_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----").expect("static regex")
});

/// A value up to the next space, quote or separator.
const BARE: &str = r#"[^\s"'`,;&|<>()\[\]{}]+"#;
/// A value as a shell or config file writes it: quoted or bare.
const VALUE: &str =
    r#"(?:"[^"\n]*"|'[^'\n]*'|<[A-Za-z0-9_ -]+>|\$\{[^}\s]*\}|[^\s"'`,;&|<>()\[\]{}]+)"#;
/// The schemes of an `Authorization:` header, kept visible before the masked credential.
const AUTH_SCHEMES: [&str; 10] = [
    "basic",
    "bearer",
    "token",
    "digest",
    "negotiate",
    "ntlm",
    "apikey",
    "aws4-hmac-sha256",
    "hoba",
    "mutual",
];
/// `curl … -u ` / `--user `, up to where the credential starts.
const CURL_USER: &str = r"curl\b[^\n|;&]*?\s(?:-u\s*|--user(?:\s+|=))";
/// A token as HTTP credentials spell it.
const TOKEN68: &str = r"[A-Za-z0-9._~+/\-]+=*";

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let (mut pem, by_line): (Vec<Pattern>, Vec<Pattern>) = pattern_list()
        .into_iter()
        .partition(|p| p.rule == Rule::PemPrivateKey);
    assert!(
        by_line.len() < 30,
        "one bit per pattern, two for values and keys"
    );
    let mut words: Vec<&'static str> = Vec::new();
    let mut trigger_masks: Vec<u32> = Vec::new();
    for (i, p) in by_line.iter().enumerate() {
        for word in triggers(p.rule) {
            match words.iter().position(|w| w == word) {
                Some(at) => trigger_masks[at] |= 1 << i,
                None => {
                    words.push(word);
                    trigger_masks.push(1 << i);
                }
            }
        }
    }
    Patterns {
        private_key: pem.remove(0),
        by_line,
        trigger_words: words,
        trigger_masks,
    }
});

fn pattern(rule: Rule, re: &str, mask: fn(&Captures) -> Option<String>) -> Pattern {
    Pattern {
        rule,
        source: re.to_string(),
        re: OnceLock::new(),
        mask,
    }
}

fn pattern_list() -> Vec<Pattern> {
    vec![
        pattern(
            Rule::PemPrivateKey,
            // A block cut off before its END line is masked to the end of the text.
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\z)",
            |_| Some(mask(Rule::PemPrivateKey)),
        ),
        pattern(
            Rule::Jwt,
            r"(?-u:\b)eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
            |_| Some(mask(Rule::Jwt)),
        ),
        pattern(
            Rule::TokenPrefix,
            concat!(
                r"(?-u:\b)(?:",
                r"(?:AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16}",
                r"|gh[pousr]_[A-Za-z0-9]{20,}",
                r"|github_pat_[A-Za-z0-9_]{20,}",
                r"|glpat-[A-Za-z0-9_-]{20,}",
                r"|gl(?:ptt|dt|rt|cbt|imt|agent)-[A-Za-z0-9_-]{20,}",
                r"|xox[abposr]-[A-Za-z0-9-]{10,}",
                r"|xapp-[A-Za-z0-9-]{10,}",
                r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}",
                r"|whsec_[A-Za-z0-9]{20,}",
                r"|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}",
                r"|AIza[0-9A-Za-z_-]{35}",
                r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}",
                r"|npm_[A-Za-z0-9]{36}",
                r"|pypi-[A-Za-z0-9_-]{50,}",
                r"|hf_[A-Za-z0-9]{30,}",
                r"|dop_v1_[a-f0-9]{64}",
                r"|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}",
                r"|EAA[A-Za-z0-9]{30,}",
                r"|ya29\.[A-Za-z0-9_-]{20,}",
                r")",
            ),
            |_| Some(mask(Rule::TokenPrefix)),
        ),
        pattern(
            Rule::Authorization,
            &format!(
                r"(?i)(?-u:\b)((?:proxy-)?authorization\s*[:=]\s*(?:(?:{})\s+)?)({VALUE})",
                AUTH_SCHEMES.join("|")
            ),
            |c| {
                // The scheme alone (`Authorization: Bearer <JWT>` seen as a bare
                // `Bearer`) is no secret.
                let value = c.get(2)?.as_str();
                if AUTH_SCHEMES.iter().any(|s| value.eq_ignore_ascii_case(s)) {
                    return None;
                }
                keep_prefix(c, Rule::Authorization)
            },
        ),
        pattern(
            Rule::Authorization,
            &format!(r"(?-u:\b)((?:[Bb]earer|BEARER)\s+)({TOKEN68})"),
            |c| {
                // `Bearer token` in prose: too short, or an ordinary word.
                let value = c.get(2)?.as_str();
                let plausible = value.len() >= 16 || value.chars().any(|ch| ch.is_ascii_digit());
                if plausible {
                    keep_prefix(c, Rule::Authorization)
                } else {
                    None
                }
            },
        ),
        pattern(
            Rule::Cookie,
            r#"(?i)(?-u:\b)((?:set-)?cookie\s*:\s*)([^"'\r\n]+)"#,
            |c| keep_prefix(c, Rule::Cookie),
        ),
        pattern(
            Rule::Cookie,
            &format!(r"(\s--cookie(?:\s+|=))({VALUE})"),
            |c| keep_prefix(c, Rule::Cookie),
        ),
        pattern(
            Rule::SecretHeader,
            &format!(
                r"(?i)(?-u:\b)((?:x-[a-z0-9-]*(?:token|api-?key|secret|auth[a-z-]*|password|signature)|api-?key|private-token|job-token|deploy-token)\s*:\s*)({VALUE})"
            ),
            |c| keep_prefix(c, Rule::SecretHeader),
        ),
        pattern(
            Rule::CurlUser,
            &format!(r#"(?-u:\b)({CURL_USER}[^\s:'"]*:)({BARE})"#),
            |c| keep_prefix(c, Rule::CurlUser),
        ),
        pattern(
            Rule::CurlUser,
            &format!(r#"(?-u:\b)({CURL_USER}'[^:'\n]*:)([^'\n]+)"#),
            |c| keep_prefix(c, Rule::CurlUser),
        ),
        pattern(
            Rule::CurlUser,
            &format!(r#"(?-u:\b)({CURL_USER}"[^:"\n]*:)([^"\n]+)"#),
            |c| keep_prefix(c, Rule::CurlUser),
        ),
        pattern(
            Rule::UrlPassword,
            r#"(?i)(?-u:\b)([a-z][a-z0-9+.-]*://[^\s:/@"'`]*:)([^\s@/"'`]+)@"#,
            |c| keep_prefix(c, Rule::UrlPassword).map(|m| format!("{m}@")),
        ),
        pattern(
            Rule::PasswordOption,
            &format!(r"(?-u:\b)(redis-cli\b[^\n|;&]*?\s(?:-a|--pass)\s+)({VALUE})"),
            |c| keep_prefix(c, Rule::PasswordOption),
        ),
        pattern(
            Rule::PasswordOption,
            &format!(
                r"(?-u:\b)((?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n|;&]*?\s-p)({BARE})"
            ),
            |c| keep_prefix(c, Rule::PasswordOption),
        ),
        pattern(
            Rule::PasswordOption,
            &format!(r"(?-u:\b)(sshpass\s+-p\s*)({VALUE})"),
            |c| keep_prefix(c, Rule::PasswordOption),
        ),
        pattern(
            Rule::SecretFlag,
            &format!(r"((?:^|\s)--([A-Za-z0-9][A-Za-z0-9-]*)(?:=|\s+))({VALUE})"),
            |c| {
                let name = c.get(2)?.as_str();
                let value = c.get(3)?.as_str();
                if name.starts_with("no-") || value.starts_with('-') || !name_looks_secret(name) {
                    return None;
                }
                masked_value(c.get(1)?.as_str(), value, Rule::SecretFlag)
            },
        ),
        pattern(
            Rule::Assignment,
            &format!(r"(?-u:\b)([A-Za-z_][A-Za-z0-9_.-]*)(=)({VALUE})"),
            |c| {
                let name = c.get(1)?.as_str();
                if !name_looks_secret(name) {
                    return None;
                }
                let prefix = format!("{name}=");
                masked_value(&prefix, c.get(3)?.as_str(), Rule::Assignment)
            },
        ),
        pattern(
            Rule::KeyValue,
            // JSON and Python-dict style: `"password": "x"`, `'token': 'x'`.
            r#"(["'])([A-Za-z_][A-Za-z0-9_.-]*)(["']\s*:\s*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*')"#,
            |c| {
                let name = c.get(2)?.as_str();
                if !name_looks_secret(name) {
                    return None;
                }
                let prefix = format!("{}{name}{}", &c[1], &c[3]);
                masked_value(&prefix, c.get(4)?.as_str(), Rule::KeyValue)
            },
        ),
        pattern(
            Rule::KeyValue,
            // YAML and config dumps: a key at the start of a line, so prose such as
            // "check the token: it expired" passes.
            &format!(r"(?m)^(\s*(?:-\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*:\s+)({VALUE})"),
            |c| {
                let name = c.get(2)?.as_str();
                if !name_looks_secret(name)
                    || matches!(
                        name.to_ascii_lowercase().as_str(),
                        "auth" | "key" | "cookie"
                    )
                {
                    return None;
                }
                let prefix = format!("{}{name}{}", &c[1], &c[3]);
                masked_value(&prefix, c.get(4)?.as_str(), Rule::KeyValue)
            },
        ),
        pattern(
            Rule::ProseSecret,
            // After a space or the start, so `ws-token` or `--token` are not prose.
            r#"(?i)((?:^|[\s(])(?:password|passwd|passphrase|contraseña|clave|secret|token|api[ _-]?key)(?:\s+(?:is|was|es|era|:))?\s+)([A-Za-z0-9_\-+/.!@#%^&*~]{8,})"#,
            |c| {
                // Only a word that looks generated: letters and digits together.
                // "password reset", "token expired", "clave JWT_SECRET" pass.
                let value = c.get(2)?.as_str();
                let letters = value.chars().any(char::is_alphabetic);
                let digits = value.chars().any(|ch| ch.is_ascii_digit());
                if letters && digits {
                    keep_prefix(c, Rule::ProseSecret)
                } else {
                    None
                }
            },
        ),
    ]
}

/// Keeps capture 1 (the key, header name or flag) and masks capture 2 (the value).
fn keep_prefix(c: &Captures, rule: Rule) -> Option<String> {
    masked_value(c.get(1)?.as_str(), c.get(2)?.as_str(), rule)
}

/// `prefix` followed by the mask, keeping the value's quotes; `None` when the value
/// is not a secret but a reference to one (`$TOKEN`, `${TOKEN}`, `<JWT>`, `{{jwt}}`)
/// or already masked.
fn masked_value(prefix: &str, value: &str, rule: Rule) -> Option<String> {
    let (open, inner, close) = split_quotes(value);
    if inner.is_empty() || is_reference(inner) || is_stand_in(inner) || inner.starts_with(MASK_OPEN)
    {
        return None;
    }
    Some(format!("{prefix}{open}{}{close}", mask(rule)))
}

/// Text standing where a value would be, in documentation and patterns: `...`,
/// `***`, `xxxx`, a regex such as `.+`. Without a letter or digit it is no secret
/// (a known secret value is masked by the value rule whatever it looks like).
fn is_stand_in(value: &str) -> bool {
    const LITERALS: [&str; 9] = [
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "empty",
        "redacted",
        "changeme",
    ];
    !value.chars().any(|c| c.is_alphanumeric())
        || (value.len() >= 3 && value.chars().all(|c| c == 'x' || c == 'X'))
        || LITERALS.contains(&value.to_ascii_lowercase().as_str())
        // `KEY=VALUE`, `TOKEN=YOUR_TOKEN`: a capitalised placeholder word.
        || value.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

fn split_quotes(value: &str) -> (&str, &str, &str) {
    for q in ["\"", "'"] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return (q, &value[1..value.len() - 1], q);
        }
    }
    ("", value, "")
}

/// `$NAME`, `${NAME}`, `${NAME:-default}`, `<name>`, `{{name}}`, `%NAME%`: a placeholder
/// the reader needs to see, not a value.
fn is_reference(value: &str) -> bool {
    static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=?+][^}]*)?\}|<[A-Za-z0-9_ -]+>|\{\{\s*[A-Za-z0-9_.]+\s*\}\}|%[A-Za-z_][A-Za-z0-9_]*%|\$\(cat [^)]+\))$",
        )
        .expect("static regex")
    });
    REFERENCE.is_match(value)
}

/// Whether a key, flag or variable name names a secret: one of its words (split at
/// `_`, `-`, `.` and camelCase) is a secret word, and its last word does not say it
/// holds something else about the secret (`TOKEN_URL`, `PASSWORD_FILE`, `key_id`).
fn name_looks_secret(name: &str) -> bool {
    /// Words that make any name a secret's (`JWT_SECRET`, `tokenValue`).
    const STRONG: [&str; 16] = [
        "token",
        "secret",
        "password",
        "passwd",
        "passphrase",
        "apikey",
        "jwt",
        "credential",
        "credentials",
        "dsn",
        "requirepass",
        "masterauth",
        "privatekey",
        "accesstoken",
        "sessionid",
        "bearer",
    ];
    /// Words that name a secret only as the last word (`API_KEY`, `REDIS_AUTH`), not
    /// as a qualifier (`key_prefix`, `--auth-local`, `pass_through`).
    const WEAK: [&str; 5] = ["key", "auth", "pass", "cookie", "signature"];
    const NOT_A_SECRET: [&str; 24] = [
        "url", "uri", "host", "port", "user", "username", "name", "file", "path", "dir", "id",
        "type", "method", "header", "mode", "enabled", "expiry", "expires", "ttl", "length",
        "stdin", "prompt", "count", "policy",
    ];
    let words = name_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    // A lone lower-case `key` is Python's `sorted(key=...)` or a map key; `KEY`
    // in capitals is a setting.
    if words.len() == 1 && last == "key" && name != "KEY" {
        return false;
    }
    // `PGPASSWORD`, `authtoken`: a secret word glued to a prefix. Plurals
    // (`max_tokens`) count things rather than hold them.
    const GLUED: [&str; 5] = ["password", "passwd", "secret", "token", "apikey"];
    let strong = |w: &String| STRONG.contains(&w.as_str()) || GLUED.iter().any(|g| w.ends_with(g));
    let named = words.iter().any(strong) || WEAK.contains(&last.as_str());
    named && !NOT_A_SECRET.contains(&last.as_str())
}

fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            prev_lower = false;
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        current.push(ch.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules compile on first use: every one must compile.
    #[test]
    fn every_rule_compiles() {
        PATTERNS.private_key.re();
        for pattern in &PATTERNS.by_line {
            pattern.re();
        }
    }

    #[test]
    fn words_of_names() {
        assert_eq!(name_words("REDIS_PASSWORD"), ["redis", "password"]);
        assert_eq!(name_words("jwtSecret"), ["jwt", "secret"]);
        assert_eq!(name_words("x-api-key"), ["x", "api", "key"]);
    }

    #[test]
    fn secret_names() {
        for yes in [
            "REDIS_PASSWORD",
            "api_key",
            "KEY",
            "jwtSecret",
            "client-secret",
            "requirepass",
            "ADMIN_TOKEN",
        ] {
            assert!(name_looks_secret(yes), "{yes}");
        }
        for no in [
            "key",
            "key_prefix",
            "auth-local",
            "keys",
            "keyspace",
            "TOKEN_URL",
            "password-stdin",
            "AWS_ACCESS_KEY_ID",
            "monkey",
            "user",
        ] {
            assert!(!name_looks_secret(no), "{no}");
        }
    }

    #[test]
    fn embedded_base64_is_found_in_a_basic_credential() {
        let secret = "s3cr3t-passw0rd";
        let basic = STANDARD.encode(format!("admin:{secret}"));
        let forms = encoded_forms(secret);
        assert!(
            forms
                .iter()
                .any(|f| f.len() >= 8 && basic.contains(f.as_str())),
            "{basic} {forms:?}"
        );
    }

    #[test]
    fn the_side_by_side_scan_finds_words_wherever_they_are() {
        let value = "a-long-secret-value-0123456789";
        let known = KnownValues::build(vec![value.to_string()]).expect("automata");
        for len in [100, 3 * MIN_SCAN_STRETCH, 3 * MIN_SCAN_STRETCH + 2, 50_000] {
            let filler = "x".repeat(len);
            assert!(!known.may_trigger(&filler), "{len}");
            let stretch = len / 3;
            let borders = (0..=3).map(|lane| (lane * stretch).min(len));
            for border in borders {
                for word in ["ToKeN", value, "eyJ"] {
                    for back in 0..=word.len() {
                        let at = border.saturating_sub(back).min(len);
                        let text = format!("{}{word}{}", &filler[..at], &filler[at..]);
                        assert!(known.may_trigger(&text), "{word} at {at} of {len}");
                    }
                }
            }
        }
    }

    #[test]
    fn references_are_not_values() {
        for r in [
            "$TOKEN",
            "${JWT}",
            "${PGPASSWORD:-chatbot}",
            "<JWT>",
            "{{ token }}",
        ] {
            assert!(is_reference(r), "{r}");
        }
        assert!(!is_reference("hunter2"));
        for stand_in in ["...", "***", ".+", "xxxx", "…"] {
            assert!(is_stand_in(stand_in), "{stand_in}");
        }
        assert!(!is_stand_in("x1y2"));
    }
}
