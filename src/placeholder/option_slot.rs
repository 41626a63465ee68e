//! Arguments a program reads as options when a value starts with `-`: the host of
//! `ssh` and `sftp`, the operands of `scp` and `rsync`, read as their own option
//! parsers read them, behind wrappers (`sudo`, `env`, `timeout`, ...) and assignments.

use super::identifier_len;

/// An argument where a value starting with `-` stops being data: the program reads
/// it as an option (`ssh -oProxyCommand=…` runs a command). Only the slots of
/// programs that take a host or a remote path there, where no valid value starts
/// with `-`: the host of `ssh` and `sftp`, every operand of `scp` and `rsync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSlot {
    /// The program, as it reads the argument (`ssh`).
    pub program: &'static str,
    /// What it expects there instead (`the host`).
    pub expects: &'static str,
}

/// The words of a simple command up to a word, split as the shell splits them (a line
/// continued with `\` is one line); unbalanced quotes are split at blanks.
pub(super) fn command_words(before: &str) -> Vec<String> {
    let joined = before.replace("\\\n", " ");
    shlex::split(&joined).unwrap_or_else(|| joined.split_whitespace().map(String::from).collect())
}

/// Every program [`option_slot_after`] finds a slot of has one of these in its name.
pub(super) const SLOT_PROGRAMS: [&str; 4] = ["ssh", "scp", "sftp", "rsync"];

/// Options of `ssh` that take an argument (OpenSSH's getopt string).
const SSH_WITH_ARG: &str = "BbcDEeFIiJLlmOoPpQRSWw";
const SCP_WITH_ARG: &str = "cDFiJloPSX";
const SFTP_WITH_ARG: &str = "BbcDFiJloPRSsX";
const RSYNC_WITH_ARG: &str = "eBfMT@";
/// rsync's long options that take an argument, which popt also reads from the next
/// word (`--exclude '- *.o'`).
const RSYNC_LONG_WITH_ARG: &[&str] = &[
    "--address",
    "--backup-dir",
    "--block-size",
    "--bwlimit",
    "--cc",
    "--checksum-choice",
    "--checksum-seed",
    "--chmod",
    "--chown",
    "--compare-dest",
    "--compress-choice",
    "--compress-level",
    "--config",
    "--contimeout",
    "--copy-as",
    "--copy-dest",
    "--debug",
    "--dparam",
    "--early-input",
    "--exclude",
    "--exclude-from",
    "--files-from",
    "--filter",
    "--groupmap",
    "--iconv",
    "--include",
    "--include-from",
    "--info",
    "--link-dest",
    "--log-file",
    "--log-file-format",
    "--log-format",
    "--max-alloc",
    "--max-delete",
    "--max-size",
    "--min-size",
    "--modify-window",
    "--only-write-batch",
    "--out-format",
    "--outbuf",
    "--partial-dir",
    "--password-file",
    "--port",
    "--protocol",
    "--read-batch",
    "--remote-option",
    "--rsh",
    "--rsync-path",
    "--skip-compress",
    "--sockopts",
    "--stderr",
    "--stop-after",
    "--stop-at",
    "--suffix",
    "--temp-dir",
    "--timeout",
    "--usermap",
    "--write-batch",
    "--zc",
    "--zl",
];

/// Shell words that may come before a command word.
const COMMAND_KEYWORDS: &[&str] = &[
    "if", "then", "elif", "else", "do", "while", "until", "!", "{",
];

/// Commands that run the command their arguments name, with the options of theirs
/// that take an argument (short letters, long names).
fn wrapper_options(program: &str) -> Option<(&'static str, &'static [&'static str])> {
    Some(match program {
        "sudo" => (
            "CDghpRrTtUu",
            &[
                "--chdir",
                "--chroot",
                "--close-from",
                "--command-timeout",
                "--group",
                "--host",
                "--other-user",
                "--prompt",
                "--role",
                "--type",
                "--user",
            ],
        ),
        "doas" => ("Cu", &[]),
        "env" => ("CSu", &["--chdir", "--split-string", "--unset"]),
        "nice" => ("n", &["--adjustment"]),
        "ionice" => ("cnp", &["--class", "--classdata", "--pid"]),
        "timeout" => ("ks", &["--kill-after", "--signal"]),
        "stdbuf" => ("eio", &["--error", "--input", "--output"]),
        "watch" => ("nq", &["--equexit", "--interval"]),
        "exec" => ("a", &[]),
        "command" | "builtin" | "nohup" | "setsid" | "chronic" | "eval" | "time" => ("", &[]),
        _ => return None,
    })
}

/// Which option slot the word after `words` (the simple command before it) is: the
/// command word is found past assignments, keywords and the commands that run another
/// (`sudo -u app`, `timeout 5`, `watch -n 1`, `eval`, `ssh HOST`, whose remote command
/// is a command too); its arguments are then read the way the program reads them.
/// Any other program's arguments are its own business: no slot.
pub(super) fn option_slot_after(words: &[String]) -> Option<OptionSlot> {
    let words = without_redirections(words);
    let mut rest: &[String] = &words;
    loop {
        let (first, args) = rest.split_first()?;
        let word = first.as_str();
        if COMMAND_KEYWORDS.contains(&word) || is_assignment(word) {
            rest = args;
            continue;
        }
        let program = word.rsplit('/').next().unwrap_or(word);
        let skip = match program {
            "ssh" => {
                let o = read_options(args, SSH_WITH_ARG, &[]);
                if o.pending {
                    return None;
                }
                if o.operand == args.len() {
                    let slot = OptionSlot {
                        program: "ssh",
                        expects: "the host",
                    };
                    return (!o.ended).then_some(slot);
                }
                // args[o.operand] is the host; ssh reads options after it too (unless
                // `--` came first), then the remote shell runs the rest.
                let after = &args[o.operand + 1..];
                let again = if o.ended {
                    0
                } else {
                    let o = read_options(after, SSH_WITH_ARG, &[]);
                    if o.pending {
                        return None;
                    }
                    o.operand
                };
                o.operand + 1 + again
            }
            "scp" | "sftp" | "rsync" => return operand_slot(program, args),
            _ => {
                let (with_arg, long) = wrapper_options(program)?;
                let o = read_options(args, with_arg, long);
                if o.pending {
                    return None;
                }
                // `timeout DURATION COMMAND`
                o.operand + usize::from(program == "timeout")
            }
        };
        rest = args.get(skip..)?;
    }
}

/// Every operand of `scp`, `sftp` and `rsync` names a file or a host: before `--`,
/// each is a slot (rsync reads options after operands too; scp and sftp do not, but
/// no file or host worth naming there starts with `-`).
fn operand_slot(program: &str, args: &[String]) -> Option<OptionSlot> {
    let (program, with_arg, long, expects) = match program {
        "scp" => ("scp", SCP_WITH_ARG, &[][..], "a file or host:path"),
        "sftp" => ("sftp", SFTP_WITH_ARG, &[][..], "the host"),
        _ => (
            "rsync",
            RSYNC_WITH_ARG,
            RSYNC_LONG_WITH_ARG,
            "a file or host:path",
        ),
    };
    let mut rest = args;
    loop {
        let o = read_options(rest, with_arg, long);
        if o.pending || o.ended {
            return None;
        }
        if o.operand == rest.len() {
            return Some(OptionSlot { program, expects });
        }
        rest = &rest[o.operand + 1..];
    }
}

/// Where the options at the start of some arguments end.
struct Options {
    /// The index of the first operand (the length when there is none).
    operand: usize,
    /// `--` ended the options.
    ended: bool,
    /// The arguments ran out where an option still expected its argument: the next
    /// word is that argument.
    pending: bool,
}

/// Reads options from the start of `args` the way getopt does: clusters of short
/// options (`-vp 22`, `-p22`) where the letters in `with_arg` take the rest of the
/// word or the next one; `--name=value`, and `--name value` for the names in
/// `long_with_arg`; `--` ends them, and so does the first operand.
fn read_options(args: &[String], with_arg: &str, long_with_arg: &[&str]) -> Options {
    let mut i = 0;
    while let Some(word) = args.get(i) {
        let takes_next = if word == "--" {
            return Options {
                operand: i + 1,
                ended: true,
                pending: false,
            };
        } else if word.starts_with("--") {
            !word.contains('=') && long_with_arg.contains(&word.as_str())
        } else if let Some(cluster) = word.strip_prefix('-').filter(|c| !c.is_empty()) {
            cluster
                .char_indices()
                .find(|(_, c)| with_arg.contains(*c))
                .is_some_and(|(at, c)| at + c.len_utf8() == cluster.len())
        } else {
            break;
        };
        if takes_next && i + 1 == args.len() {
            return Options {
                operand: args.len(),
                ended: false,
                pending: true,
            };
        }
        i += if takes_next { 2 } else { 1 };
    }
    Options {
        operand: i,
        ended: false,
        pending: false,
    }
}

/// The words without redirections (`2>/dev/null`, `> out`), which may sit anywhere.
fn without_redirections(words: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut target_next = false;
    for word in words {
        if std::mem::take(&mut target_next) {
            continue;
        }
        let operator = redirection_len(word);
        if operator == 0 {
            out.push(word.clone());
        } else {
            target_next = operator == word.len();
        }
    }
    out
}

/// The length of the redirection operator a word starts with (`2>&`, `>>`, `<`), or
/// 0; an angle placeholder (`<PORT>`) is not one.
fn redirection_len(word: &str) -> usize {
    let angle = word.len() > 2
        && word.starts_with('<')
        && word.ends_with('>')
        && word[1..word.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let operator = word[digits..]
        .bytes()
        .take_while(|b| matches!(b, b'<' | b'>' | b'&' | b'|'))
        .count();
    let starts = word[digits..].starts_with(['<', '>']) || word[digits..].starts_with("&>");
    if angle || !starts {
        0
    } else {
        digits + operator
    }
}

/// `NAME=value`, `NAME+=value`, `NAME[i]=value`.
fn is_assignment(word: &str) -> bool {
    let name = identifier_len(word);
    if name == 0 {
        return false;
    }
    let rest = &word[name..];
    let rest = match rest.strip_prefix('[') {
        Some(index) => index.find(']').map_or("", |end| &index[end + 1..]),
        None => rest,
    };
    rest.starts_with('=') || rest.starts_with("+=")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_options_like_getopt() {
        let words = |s: &str| command_words(s);
        let o = read_options(&words("-vp 22 host"), SSH_WITH_ARG, &[]);
        assert_eq!((o.operand, o.ended, o.pending), (2, false, false));
        let o = read_options(&words("-p"), SSH_WITH_ARG, &[]);
        assert_eq!((o.operand, o.ended, o.pending), (1, false, true));
        let o = read_options(&words("-v -- -x"), SSH_WITH_ARG, &[]);
        assert_eq!((o.operand, o.ended, o.pending), (2, true, false));
        let o = read_options(&words("--exclude x --delete - y"), "", RSYNC_LONG_WITH_ARG);
        assert_eq!((o.operand, o.ended, o.pending), (3, false, false));
        assert_eq!(
            without_redirections(&words("a 2>&1 > out <PORT> < in b")),
            ["a", "<PORT>", "b"]
        );
        assert!(is_assignment("X=1") && is_assignment("a[2]+=x") && !is_assignment("=x"));
        assert!(!is_assignment("-oX=y") && !is_assignment("ssh"));
    }
}
