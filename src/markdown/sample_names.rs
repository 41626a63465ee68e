//! Sample names an author left for the reader to replace: `/var/log/your-app.log`,
//! `https://your-domain.com`, `YOUR_API_KEY`, `tu-servidor`, `tu_contraseña`. Run as
//! written they name nothing (or the wrong thing), so they become `<…>` placeholders
//! the session asks for, like `<pod name>`.

/// `command` with each sample name wrapped in `<…>`; `None` when it has none (the
/// common case: nothing is copied).
pub fn as_placeholders(command: &str) -> Option<String> {
    let bytes = command.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match sample_at(bytes, i) {
            Some(end) => {
                spans.push((i, end));
                i = end;
            }
            None => i += 1,
        }
    }
    if spans.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(command.len() + 2 * spans.len());
    let mut from = 0;
    for (start, end) in spans {
        out.push_str(&command[from..start]);
        out.push('<');
        out.push_str(&command[start..end]);
        out.push('>');
        from = end;
    }
    out.push_str(&command[from..]);
    Some(out)
}

/// The end of a sample name starting at `i`: `your-` / `your_` / `tu-` / `tu_` at the
/// start of a word or path segment, then a name (letters, digits, `-`, `_`, `.`).
fn sample_at(bytes: &[u8], i: usize) -> Option<usize> {
    // Cheap first-byte test: most positions fail here.
    if !matches!(bytes[i], b'y' | b'Y' | b't' | b'T') {
        return None;
    }
    if i > 0 && !boundary(bytes[i - 1]) {
        return None;
    }
    let rest = &bytes[i..];
    let prefix = ["your", "tu"]
        .iter()
        .find(|p| rest.len() > p.len() && rest[..p.len()].eq_ignore_ascii_case(p.as_bytes()))?
        .len();
    if !matches!(rest[prefix], b'-' | b'_') {
        return None;
    }
    let len = rest.iter().take_while(|&&b| name_byte(b)).count();
    // Trailing punctuation ends a sentence or a host, it is not part of the name.
    let len = len
        - rest[..len]
            .iter()
            .rev()
            .take_while(|&&b| matches!(b, b'.' | b'-' | b'_'))
            .count();
    (len > prefix + 1).then_some(i + len)
}

/// What may come right before a sample name: not a letter or digit (`ayour-`), nor a
/// placeholder's own notation (`<your-app>`, `$YOUR_KEY`, `${YOUR_KEY}`).
fn boundary(b: u8) -> bool {
    !(b.is_ascii_alphanumeric() || b >= 0x80 || matches!(b, b'_' | b'-' | b'<' | b'$' | b'{'))
}

/// Letters (accented ones too), digits, `-`, `_` and `.`.
fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80 || matches!(b, b'-' | b'_' | b'.')
}

#[cfg(test)]
mod tests {
    use super::as_placeholders;

    #[test]
    fn sample_names_become_placeholders() {
        let cases = [
            (
                "truncate -s 0 /var/log/your-app.log",
                "truncate -s 0 /var/log/<your-app.log>",
            ),
            (
                "curl https://your-domain.com/health.",
                "curl https://<your-domain.com>/health.",
            ),
            (
                "curl -H \"Authorization: Bearer YOUR_API_KEY\" x",
                "curl -H \"Authorization: Bearer <YOUR_API_KEY>\" x",
            ),
            ("ssh admin@tu-servidor", "ssh admin@<tu-servidor>"),
            ("mysql -p tu_contraseña", "mysql -p <tu_contraseña>"),
        ];
        for (command, expected) in cases {
            assert_eq!(
                as_placeholders(command).as_deref(),
                Some(expected),
                "{command}"
            );
        }
    }

    #[test]
    fn other_words_and_placeholders_stay() {
        for command in [
            "kubectl get pods",
            "echo <your-app>",
            "echo $YOUR_KEY ${YOUR_KEY}",
            "ls /opt/tutorial /opt/your /opt/yours-truly",
            "grep tu- file",
            "systemctl status my-tu-app",
        ] {
            assert_eq!(as_placeholders(command), None, "{command}");
        }
    }
}
