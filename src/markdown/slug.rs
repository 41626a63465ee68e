//! Slugs and display titles: lower-case ASCII, accents folded, GitHub-like anchors.
//!
//! `Webhooks Fallan` → `webhooks-fallan`, `Diagnóstico` → `diagnostico`. Headings that
//! went through a wrong text encoding (`üî¥ CRITICAL ISSUES`, an emoji decoded as Mac
//! Roman) keep a clean slug because tokens with no ASCII letter or digit are dropped.

use foldhash::HashSet;

/// The slug of a heading or title.
pub fn slugify(text: &str) -> String {
    title_slug(&clean_title_cow(text))
}

/// `slugify` of a title already through `clean_title` (cleaning it again would change
/// nothing, and costs a pass over it).
pub fn title_slug(title: &str) -> String {
    // deunicode allocates even for ASCII, which most titles are.
    let folded = if title.is_ascii() {
        std::borrow::Cow::Borrowed(title)
    } else {
        std::borrow::Cow::Owned(deunicode::deunicode(title))
    };
    let mut out = String::with_capacity(folded.len());
    let mut dash = false;
    // `folded` is ASCII (deunicode's output is), so bytes are characters.
    for c in folded.bytes() {
        if c.is_ascii_alphanumeric() || c == b'_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(char::from(c.to_ascii_lowercase()));
        } else if c.is_ascii_whitespace() || matches!(c, 0x0b | b'-' | b'/' | b'.' | b':') {
            dash = true;
        }
        // Other punctuation is dropped, as GitHub does: `(503 Errors)` → `503-errors`.
    }
    if out.starts_with('_') || out.ends_with('_') {
        return out.trim_matches('_').to_string();
    }
    out
}

/// A slug cut at a word boundary so ids stay readable.
pub fn short_slug(text: &str, max: usize) -> String {
    cut_slug(slugify(text), max)
}

/// `short_slug` of a title already through `clean_title`.
pub fn short_title_slug(title: &str, max: usize) -> String {
    cut_slug(title_slug(title), max)
}

fn cut_slug(slug: String, max: usize) -> String {
    if slug.len() <= max {
        return slug;
    }
    let mut cut = String::new();
    for word in slug.split('-') {
        if !cut.is_empty() && cut.len() + 1 + word.len() > max {
            break;
        }
        if !cut.is_empty() {
            cut.push('-');
        }
        cut.push_str(word);
    }
    if cut.is_empty() {
        slug.chars().take(max).collect()
    } else {
        cut
    }
}

/// A title for display: emoji and mis-decoded emoji removed, whitespace collapsed.
/// Real words always hold an ASCII letter or digit (even `Diagnóstico`, `¿Falla`);
/// `üî¥` (🔴 decoded as Mac Roman), `‚ö†Ô∏è` and `🔍` hold none.
pub fn clean_title(text: &str) -> String {
    clean_title_cow(text).into_owned()
}

/// `clean_title` without copying when nothing needs removing (the common case).
pub fn clean_title_cow(text: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = text.trim();
    if kept_as_is(trimmed) {
        return std::borrow::Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(text.len());
    for token in text.split_whitespace() {
        if !token.chars().any(|c| c.is_ascii_alphanumeric()) && !is_meaningful_symbol(token) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    }
    std::borrow::Cow::Owned(out)
}

/// Whether every space-separated token of `trimmed` is kept as it is: none empty (a
/// double space), none holding other line white space, each with an ASCII letter or
/// digit or a meaningful symbol. One pass over the bytes: titles are checked often.
fn kept_as_is(trimmed: &str) -> bool {
    let token_kept = |start: usize, end: usize, alnum: bool| {
        end > start && (alnum || is_meaningful_symbol(&trimmed[start..end]))
    };
    let mut start = 0;
    let mut alnum = false;
    for (i, &b) in trimmed.as_bytes().iter().enumerate() {
        match b {
            b' ' => {
                if !token_kept(start, i, alnum) {
                    return false;
                }
                start = i + 1;
                alnum = false;
            }
            b'\t' | b'\n' | b'\r' => return false,
            _ => alnum |= b.is_ascii_alphanumeric(),
        }
    }
    token_kept(start, trimmed.len(), alnum)
}

/// Symbols that carry meaning in a title even without letters: a few arrows and
/// operators, and any run of ASCII punctuation that is not Markdown markup (`(<` in
/// `Diagnóstico rápido (< 2 min)`, `(~5` is not one: it has a digit).
fn is_meaningful_symbol(token: &str) -> bool {
    token == "→"
        || (token.bytes().all(|b| b.is_ascii_punctuation())
            && !token
                .bytes()
                .all(|b| matches!(b, b'*' | b'_' | b'~' | b'`' | b'#')))
}

/// Hands out unique slugs: the second `redis` becomes `redis-1`, as GitHub anchors do.
#[derive(Debug, Default)]
pub struct SlugSet {
    seen: HashSet<String>,
    /// The next suffix to try per base, so the thousandth `sintomas` costs one probe.
    next: foldhash::HashMap<String, usize>,
}

impl SlugSet {
    pub fn new() -> Self {
        SlugSet::default()
    }

    /// Reserves a name so it is never handed out (e.g. `end`).
    pub fn reserve(&mut self, name: &str) {
        self.seen.insert(name.to_string());
    }

    pub fn contains(&self, name: &str) -> bool {
        self.seen.contains(name)
    }

    /// `base` if free, else `base-1`, `base-2`...
    pub fn unique(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        if !self.seen.contains(base) {
            self.seen.insert(base.to_string());
            return base.to_string();
        }
        match self.next.get_mut(base) {
            Some(counter) => next_free(&mut self.seen, base, counter),
            None => {
                let mut counter = 1;
                let slug = next_free(&mut self.seen, base, &mut counter);
                self.next.insert(base.to_string(), counter);
                slug
            }
        }
    }
}

/// The first `base-N` not yet seen, from `*counter` on; it is marked seen.
fn next_free(seen: &mut HashSet<String>, base: &str, counter: &mut usize) -> String {
    let mut candidate = String::with_capacity(base.len() + 6);
    loop {
        candidate.clear();
        candidate.push_str(base);
        candidate.push('-');
        push_decimal(&mut candidate, *counter);
        *counter += 1;
        if !seen.contains(&candidate) {
            seen.insert(candidate.clone());
            return candidate;
        }
    }
}

/// `out.push_str(&n.to_string())` without the formatting machinery, which costs more
/// than the rest of `unique` in a document with thousands of repeated headings.
fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(slugify("Webhooks Fallan"), "webhooks-fallan");
        assert_eq!(slugify("Diagnóstico"), "diagnostico");
        assert_eq!(slugify("Backups y Recuperación"), "backups-y-recuperacion");
    }

    #[test]
    fn drops_punctuation_like_github() {
        assert_eq!(
            slugify("Issue: Application Down (503 Errors)"),
            "issue-application-down-503-errors"
        );
        assert_eq!(slugify("`/healthz` responde 503"), "healthz-responde-503");
        assert_eq!(
            slugify("1) 401 en endpoints protegidos"),
            "1-401-en-endpoints-protegidos"
        );
    }

    #[test]
    fn mis_decoded_emoji_do_not_reach_the_slug() {
        assert_eq!(slugify("üî¥ CRITICAL ISSUES"), "critical-issues");
        assert_eq!(slugify("‚ö†Ô∏è  WARNING ISSUES"), "warning-issues");
        assert_eq!(slugify("‚ÑπÔ∏è  INFO ISSUES"), "info-issues");
        assert_eq!(slugify("🔍 DIAGNOSTIC COMMANDS"), "diagnostic-commands");
        assert_eq!(clean_title("üìû Escalation"), "Escalation");
    }

    #[test]
    fn ascii_punctuation_stays_and_markup_goes() {
        assert_eq!(
            clean_title("Diagnóstico Rápido (< 2 min)"),
            "Diagnóstico Rápido (< 2 min)"
        );
        assert_eq!(clean_title("Latency (>= 500 ms)"), "Latency (>= 500 ms)");
        assert_eq!(clean_title("** Notes __"), "Notes");
        assert_eq!(
            slugify("Diagnóstico Rápido (< 2 min)"),
            "diagnostico-rapido-2-min"
        );
    }

    #[test]
    fn spanish_words_survive() {
        assert_eq!(
            clean_title("¿Falla solo un usuario?"),
            "¿Falla solo un usuario?"
        );
        assert_eq!(slugify("Índice"), "indice");
        assert_eq!(slugify("Árbol de decisión"), "arbol-de-decision");
    }

    #[test]
    fn unique_slugs() {
        let mut set = SlugSet::new();
        set.reserve("end");
        assert_eq!(set.unique("redis"), "redis");
        assert_eq!(set.unique("redis"), "redis-1");
        assert_eq!(set.unique("end"), "end-1");
        for _ in 2..120 {
            set.unique("redis");
        }
        assert_eq!(set.unique("redis"), "redis-120");
        set.reserve("x-1");
        set.unique("x");
        assert_eq!(set.unique("x"), "x-2");
    }

    #[test]
    fn short_slugs_cut_at_words() {
        assert_eq!(
            short_slug("Verificar métricas de jobs y más cosas largas", 24),
            "verificar-metricas-de"
        );
    }

    proptest::proptest! {
        #[test]
        fn byte_token_check_equals_the_split_one(text in "[a-z1 \t\n\r&/→é🔴-]{0,16}") {
            let by_split = text.split(' ').all(|t| {
                !t.is_empty()
                    && !t.contains(['\t', '\n', '\r'])
                    && (t.bytes().any(|b| b.is_ascii_alphanumeric()) || is_meaningful_symbol(t))
            });
            proptest::prop_assert_eq!(kept_as_is(&text), by_split);
        }
    }
}
