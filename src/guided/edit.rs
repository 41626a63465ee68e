//! Editing a command at the prompt. A one-line prompt cannot hold newlines, but
//! most multi-line commands in runbooks are one command split with `\` at line
//! ends: joined, they are the same command on one line.

/// The command on one line when every newline in it is a `\` continuation the
/// shell would remove anyway; `None` when a newline means something (a script,
/// a heredoc, a newline inside single quotes, a comment).
pub fn one_line(command: &str) -> Option<String> {
    let command = command.trim_end();
    if !command.contains('\n') {
        return Some(command.to_string());
    }
    let mut out = String::with_capacity(command.len());
    let mut chars = command.chars().peekable();
    let (mut single, mut double) = (false, false);
    let mut word_start = true;
    while let Some(c) = chars.next() {
        match c {
            '\\' if !single => match chars.next() {
                Some('\n') => {
                    // A continuation: the backslash-newline disappears; the next
                    // line's indentation collapses to one space between words.
                    while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
                    if !out.ends_with([' ', '\t']) && !double {
                        out.push(' ');
                    }
                    word_start = true;
                    continue;
                }
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                    word_start = false;
                    continue;
                }
                None => return None,
            },
            '\n' => return None,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && word_start => return None,
            _ => {}
        }
        word_start = c == ' ' || c == '\t' || c == ';' || c == '|' || c == '&';
        out.push(c);
    }
    (!single && !double).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_lines_stay_as_they_are() {
        assert_eq!(
            one_line("redis-cli ping\n").as_deref(),
            Some("redis-cli ping")
        );
    }

    #[test]
    fn continuations_join_into_one_line() {
        assert_eq!(
            one_line("curl -s -H \"Authorization: Bearer $JWT\" \\\n  \"$API_URL/api/metrics\"")
                .as_deref(),
            Some("curl -s -H \"Authorization: Bearer $JWT\" \"$API_URL/api/metrics\"")
        );
        assert_eq!(
            one_line("docker compose \\\n    logs app").as_deref(),
            Some("docker compose logs app")
        );
    }

    #[test]
    fn meaningful_newlines_keep_the_editor() {
        // A script.
        assert_eq!(one_line("for i in 1 2; do\n  echo $i\ndone"), None);
        // A newline inside single quotes is data.
        assert_eq!(one_line("psql -c 'SELECT 1 \\\n FROM t'"), None);
        // A continuation after a comment continues nothing.
        assert_eq!(one_line("ls # list \\\n rm -rf x"), None);
        // A newline inside double quotes is data too (an SQL statement).
        assert_eq!(one_line("psql -c \"\n  SELECT 1;\n\""), None);
    }

    #[test]
    fn escaped_characters_survive() {
        assert_eq!(
            one_line("echo \\$HOME \\\n  \\\"x\\\"").as_deref(),
            Some("echo \\$HOME \\\"x\\\"")
        );
    }
}
