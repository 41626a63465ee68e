//! Step titles and texts: shortened, unnumbered, joined.

pub(super) fn append(text: &mut Option<String>, more: &str) {
    match text {
        Some(t) if !t.is_empty() => {
            t.push('\n');
            t.push_str(more);
        }
        _ => *text = Some(more.to_string()),
    }
}

pub(super) fn join_text(description: Option<&str>, parts: &[&str]) -> Option<String> {
    let mut all: Vec<&str> = Vec::new();
    if let Some(d) = description {
        all.push(d);
    }
    all.extend(parts.iter().copied().filter(|p| !p.trim().is_empty()));
    (!all.is_empty()).then(|| all.join("\n"))
}

/// Titles stay one line and short; the rest goes to the text.
pub(super) fn shorten_title(text: &str) -> (String, Option<String>) {
    let one_line = one_line(text);
    let max = 90;
    // No more characters than bytes: most titles are short enough by their length.
    if one_line.len() <= max || one_line.chars().count() <= max {
        return (one_line, None);
    }
    let mut cut: String = one_line.chars().take(max).collect();
    if let Some(space) = cut.rfind(' ') {
        cut.truncate(space);
    }
    (format!("{cut}…"), Some(one_line))
}

/// `text`'s words joined by single spaces; most titles already are, and are copied as
/// they are.
fn one_line(text: &str) -> String {
    // White space other than ` ` (ASCII holds five, tested byte by byte when the
    // title is ASCII; elsewhere Unicode's, character by character).
    let other_space = if text.is_ascii() {
        text.bytes()
            .any(|b| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
    } else {
        text.contains(|c: char| c.is_whitespace() && c != ' ')
    };
    let single_spaced =
        !text.starts_with(' ') && !text.ends_with(' ') && !text.contains("  ") && !other_space;
    if single_spaced {
        return text.to_string();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A readable title for an untitled command: its first line after any setup
/// (`NS=x`, `cd dir`), shortened.
pub(super) fn command_title(command: &str) -> String {
    let whole_setup = |l: &&str| {
        let t = l.trim_end();
        !t.ends_with('\\') && !t.contains("<<") && crate::markdown::shell::is_setup(t)
    };
    // A script is named by its first comment, else by its first command.
    let script = command.trim_start().starts_with("#!");
    if let Some(comment) = script
        .then(|| {
            command
                .lines()
                .skip(1)
                .find_map(|l| l.trim().strip_prefix('#'))
                .map(str::trim)
                .filter(|c| !c.is_empty())
        })
        .flatten()
    {
        return shorten_title(comment).0;
    }
    let comment = |l: &str| script && l.trim_start().starts_with('#');
    let mut lines = command
        .lines()
        .filter(|l| !l.trim().is_empty() && !comment(l));
    let first = lines
        .clone()
        .find(|l| !whole_setup(l))
        .or_else(|| lines.next())
        .unwrap_or(command)
        .trim();
    let first = first.trim_end_matches('\\').trim();
    shorten_title(first).0
}

/// `2. Verificar conectividad` → `Verificar conectividad` (the slug keeps the number).
pub(super) fn strip_numbering(title: &str) -> String {
    let t = title.trim();
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 3 {
        return t.to_string();
    }
    match t[digits..].strip_prefix(['.', ')']) {
        Some(rest) if rest.starts_with(' ') && !rest.trim().is_empty() => rest.trim().to_string(),
        _ => t.to_string(),
    }
}
