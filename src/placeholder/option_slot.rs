//! Arguments a program reads as options when a value starts with `-`: the hosts of
//! `ssh`, `scp` and `sftp` (`-J` too), the operands of `scp`, `rsync`, `git clone`
//! (`fetch`, `pull`, `push`, `ls-remote`), `curl`, `wget`, `kubectl` and `oc`, the container
//! of `docker exec`, read as their own option parsers read them, behind wrappers
//! (`sudo`, `env`, `timeout`, `xargs`, `docker exec`, `kubectl exec --`, ...).

mod grammars;

use super::identifier_len;
use grammars::Grammar;

/// An argument where a value starting with `-` stops being data: the program reads
/// it as an option (`ssh -oProxyCommand=…` runs a command, so does
/// `git clone --upload-pack=…`). Only the slots where no valid value starts with `-`:
/// hosts, URLs, repositories, remotes, containers, resource names, remote paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSlot {
    /// The program, as it reads the argument (`ssh`).
    pub program: &'static str,
    /// What it expects there instead (`the host`).
    pub expects: &'static str,
    /// The value is a list of jump hosts (`ssh -J a,ops@b:22`): ssh hands each host on
    /// to another ssh as its last argument, so any of them may be read as an option.
    pub hops: bool,
}

impl OptionSlot {
    /// Whether the program would read `value`, put in this slot, as an option.
    pub fn reads_as_option(&self, value: &str) -> bool {
        value.starts_with('-')
            || (self.hops && value.split(',').any(|hop| hop_host(hop).starts_with('-')))
    }

    const fn of(program: &'static str, expects: &'static str) -> Self {
        OptionSlot {
            program,
            expects,
            hops: false,
        }
    }
}

/// The host of a jump hop, `[ssh://][user@]host[:port]`, with what follows it.
fn hop_host(hop: &str) -> &str {
    let hop = hop.strip_prefix("ssh://").unwrap_or(hop);
    hop.rsplit_once('@').map_or(hop, |(_, host)| host)
}

/// The words of a simple command up to a placeholder, split as the shell splits them
/// (a line continued with `\` is one line), and the part of the placeholder's own
/// word before it, quotes removed (`ops@` in `ssh "ops@<HOST>"`). `before` runs from
/// the start of the simple command to the placeholder.
pub(super) fn words_up_to(before: &str) -> (Vec<String>, String) {
    /// Marks where the placeholder was, in a word of its own or not.
    const HERE: char = '\u{1}';
    // Most commands have no continued line: no copy for them.
    let joined = if before.contains("\\\n") {
        std::borrow::Cow::Owned(before.replace("\\\n", " "))
    } else {
        std::borrow::Cow::Borrowed(before)
    };
    let mut words = ["", "\"", "'"]
        .iter()
        .find_map(|close| shlex::split(&format!("{joined}{HERE}{close}")))
        .unwrap_or_else(|| {
            let mut words: Vec<String> = joined.split_whitespace().map(String::from).collect();
            let starts_word = joined.is_empty() || joined.ends_with(char::is_whitespace);
            match words.last_mut() {
                Some(last) if !starts_word => last.push(HERE),
                _ => words.push(HERE.to_string()),
            }
            words
        });
    let own = words.pop().unwrap_or_default();
    let prefix = own.split(HERE).next().unwrap_or_default();
    let prefix = prefix
        .chars()
        .filter(|c| !matches!(c, '"' | '\'' | '\\'))
        .collect();
    (words, prefix)
}

/// Every program [`option_slot_after`] finds a slot of has one of these in its name
/// (`oc ` with its space: the two letters alone are in too many words).
const SLOT_PROGRAMS: [&str; 10] = [
    "ssh", "scp", "sftp", "rsync", "git", "curl", "wget", "kubectl", "docker", "oc ",
];

/// Whether `text` holds the name of a program with option slots ([`SLOT_PROGRAMS`]):
/// one automaton pass instead of a substring search per name.
pub(super) fn names_slot_program(text: &str) -> bool {
    static NAMES: once_cell::sync::Lazy<Option<aho_corasick::AhoCorasick>> =
        once_cell::sync::Lazy::new(|| aho_corasick::AhoCorasick::new(SLOT_PROGRAMS).ok());
    match NAMES.as_ref() {
        Some(names) => names.is_match(text),
        None => SLOT_PROGRAMS.iter().any(|p| text.contains(p)),
    }
}

/// Shell words that may come before a command word.
const COMMAND_KEYWORDS: &[&str] = &[
    "if", "then", "elif", "else", "do", "while", "until", "!", "{",
];

/// Commands that run the command their arguments name, with the options of theirs
/// that take an argument (short letters, long names). Each stops reading options at
/// the command (`xargs` is `+` getopt).
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
        "xargs" => (
            "adEILnPs",
            &[
                "--arg-file",
                "--delimiter",
                "--max-args",
                "--max-chars",
                "--max-lines",
                "--max-procs",
                "--process-slot-var",
            ],
        ),
        "exec" => ("a", &[]),
        "command" | "builtin" | "nohup" | "setsid" | "chronic" | "eval" | "time" => ("", &[]),
        _ => return None,
    })
}

/// What the arguments of a program make of the word after them.
enum Role {
    /// An argument the program reads as an option when it starts with `-`.
    Slot(OptionSlot),
    /// Anything else: the program takes it as it is (or it is not ours to judge).
    Data,
    /// The arguments from this index on are a command the program runs.
    Command(usize),
}

/// Which option slot a placeholder is, given the words of its simple command before it
/// and the part of its own word before it (`prefix`, empty when it begins the word):
/// the command word is found past assignments, keywords and the commands that run
/// another (`sudo -u app`, `timeout 5`, `xargs -n1`, `ssh HOST`, `docker exec app`,
/// `kubectl exec pod --`); its arguments are then read the way the program reads them.
/// Any other program's arguments are its own business: no slot.
pub(super) fn option_slot_after(words: &[String], prefix: &str) -> Option<OptionSlot> {
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
        let role = match program {
            "ssh" => ssh(args, prefix),
            "git" | "kubectl" | "oc" | "docker" if !prefix.is_empty() => Role::Data,
            "git" => git(args),
            "kubectl" => kubectl(args, "kubectl"),
            // OpenShift's client is kubectl with more subcommands: the same flags.
            "oc" => kubectl(args, "oc"),
            "docker" => docker(args),
            _ => match every_operand(program) {
                Some((grammar, slot)) => operand_anywhere(args, prefix, grammar, slot),
                None => wrapper(program, args)?,
            },
        };
        match role {
            Role::Slot(slot) => return Some(slot),
            Role::Data => return None,
            Role::Command(at) => rest = args.get(at..)?,
        }
    }
}

/// A command that runs the command its arguments name: where that command starts.
fn wrapper(program: &str, args: &[String]) -> Option<Role> {
    let (short, long) = wrapper_options(program)?;
    let o = read_options(args, Grammar { short, long });
    if o.pending.is_some() {
        return Some(Role::Data);
    }
    // `timeout DURATION COMMAND`
    Some(Role::Command(o.operand + usize::from(program == "timeout")))
}

/// Programs that take every operand as a slot, with their option grammar.
fn every_operand(program: &str) -> Option<(Grammar, OptionSlot)> {
    let files = "a file or host:path";
    Some(match program {
        "scp" => (grammars::SCP, OptionSlot::of("scp", files)),
        "sftp" => (grammars::SFTP, OptionSlot::of("sftp", "the host")),
        "rsync" => (grammars::RSYNC, OptionSlot::of("rsync", files)),
        "curl" => (grammars::CURL, OptionSlot::of("curl", "a URL")),
        "wget" => (grammars::WGET, OptionSlot::of("wget", "a URL")),
        _ => return None,
    })
}

/// `ssh [options] host [options] [command]`: the host is a slot, and so is a jump
/// host among the options; ssh reads options after the host too (unless `--` came
/// first), then the remote shell runs the rest.
fn ssh(args: &[String], prefix: &str) -> Role {
    let o = read_options(args, grammars::SSH);
    if o.operand == args.len() {
        return match o.pending {
            None if o.ended => Role::Data,
            None if prefix.is_empty() => Role::Slot(OptionSlot::of("ssh", "the host")),
            pending => jump_host_role(pending, prefix, grammars::SSH, "ssh"),
        };
    }
    let after = &args[o.operand + 1..];
    if o.ended {
        return Role::Command(o.operand + 1);
    }
    let again = read_options(after, grammars::SSH);
    if again.operand == after.len() && !again.ended {
        return jump_host_role(again.pending, prefix, grammars::SSH, "ssh");
    }
    Role::Command(o.operand + 1 + again.operand)
}

/// A placeholder among the options of ssh, scp or sftp: in the argument of the option
/// in the word before (`pending`: `-J <X>`, `-o ProxyJump=<X>`) or in an option word
/// of its own (`prefix`: `-J$X`, `-vJ a,<X>`, `-oProxyJump=<X>`, where the option is
/// the cluster's first letter taking an argument). Only a jump host is a slot there.
fn jump_host_role(
    pending: Option<&str>,
    prefix: &str,
    grammar: Grammar,
    program: &'static str,
) -> Role {
    let option = pending.unwrap_or(prefix);
    let Some(cluster) = option.strip_prefix('-').filter(|c| !c.starts_with('-')) else {
        return Role::Data;
    };
    let Some((at, letter)) = cluster
        .char_indices()
        .find(|(_, c)| grammar.short.contains(*c))
    else {
        return Role::Data;
    };
    // The argument so far: the placeholder's word, or the rest of the option's.
    let so_far = match pending {
        Some(_) => prefix,
        None => &cluster[at + letter.len_utf8()..],
    };
    jump_argument(letter, so_far, program)
}

/// Whether the argument of option `letter`, written up to the placeholder as
/// `so_far`, puts the placeholder at the start of a jump host: `-J` takes a list of
/// `[ssh://][user@]host[:port]`, and so does the `ProxyJump` of `-o`.
fn jump_argument(letter: char, so_far: &str, program: &'static str) -> Role {
    let spec = match letter {
        'J' => Some(so_far),
        'o' => proxy_jump_spec(so_far),
        _ => None,
    };
    let hop = spec.map(|spec| spec.rsplit(',').next().unwrap_or(spec));
    match hop {
        Some(hop) if hop_host(hop).is_empty() => Role::Slot(OptionSlot {
            program,
            expects: "a jump host",
            hops: true,
        }),
        _ => Role::Data,
    }
}

/// The value of a `-o` config line so far when its keyword is `ProxyJump`
/// (`ProxyJump=`, `proxyjump `; ssh_config keywords ignore case).
fn proxy_jump_spec(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let keyword = line
        .get(..9)
        .filter(|k| k.eq_ignore_ascii_case("ProxyJump"))?;
    let rest = line[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    (rest.len() < line.len() - keyword.len()).then(|| rest.trim_start())
}

/// A program that reads options anywhere before `--` (getopt with permutation, popt,
/// git's parse-options, pflag, curl) and takes every operand as a slot: the word after
/// `args` is one unless it is an option's argument or comes after `--`. scp and sftp
/// stop at their first operand, but no file or host worth naming starts with `-`.
fn operand_anywhere(args: &[String], prefix: &str, grammar: Grammar, slot: OptionSlot) -> Role {
    let mut rest = args;
    loop {
        let o = read_options(rest, grammar);
        if o.operand < rest.len() && !o.ended {
            rest = &rest[o.operand + 1..];
            continue;
        }
        return match o.pending {
            _ if o.ended => Role::Data,
            None if prefix.is_empty() => Role::Slot(slot),
            pending if matches!(slot.program, "scp" | "sftp") => {
                jump_host_role(pending, prefix, grammar, slot.program)
            }
            _ => Role::Data,
        };
    }
}

/// A program whose options stop at its first operand (git's own options, `git
/// ls-remote`, `docker exec`): whether the word after `args` is that operand.
fn first_operand(args: &[String], grammar: Grammar) -> bool {
    let o = read_options(args, grammar);
    o.operand == args.len() && o.pending.is_none() && !o.ended
}

/// `git [options] clone|fetch|pull|push|ls-remote ...`: their repository, remote, URL,
/// refspec or directory operands are slots (`--upload-pack=` runs a command). The
/// first four read options after operands too; `ls-remote` stops at its repository.
fn git(args: &[String]) -> Role {
    let o = read_options(args, grammars::GIT);
    if o.pending.is_some() || o.ended || o.operand == args.len() {
        return Role::Data;
    }
    let rest = &args[o.operand + 1..];
    let (grammar, expects) = match args[o.operand].as_str() {
        "clone" => (grammars::GIT_CLONE, "a repository or directory"),
        "fetch" => (grammars::GIT_FETCH, "a remote or refspec"),
        "pull" => (grammars::GIT_PULL, "a remote or refspec"),
        "push" => (grammars::GIT_PUSH, "a remote or refspec"),
        "ls-remote" if first_operand(rest, grammars::GIT_LS_REMOTE) => {
            return Role::Slot(OptionSlot::of("git", "a repository"));
        }
        _ => return Role::Data,
    };
    operand_anywhere(rest, "", grammar, OptionSlot::of("git", expects))
}

/// `kubectl [flags] subcommand [flags] operands [-- command]`: pflag reads flags
/// anywhere before `--`, so every operand (a resource, a name, a port) is a slot;
/// after `exec`'s `--` comes the command it runs in the pod.
fn kubectl(args: &[String], program: &'static str) -> Role {
    let slot = OptionSlot::of(program, "a resource or its name");
    let mut subcommand: Option<&str> = None;
    let mut at = 0;
    loop {
        let rest = &args[at..];
        let grammar = match subcommand {
            Some("logs") => grammars::KUBECTL_LOGS,
            _ => grammars::KUBECTL,
        };
        let o = read_options(rest, grammar);
        if o.pending.is_some() {
            return Role::Data;
        }
        if o.ended {
            let exec = subcommand == Some("exec") && o.operand < rest.len();
            return if exec {
                Role::Command(at + o.operand)
            } else {
                Role::Data
            };
        }
        if o.operand == rest.len() {
            return Role::Slot(slot);
        }
        subcommand = subcommand.or(Some(rest[o.operand].as_str()));
        at += o.operand + 1;
    }
}

/// `docker [options] [container] exec [options] CONTAINER COMMAND...`: options stop at
/// the container (pflag, not interspersed), which is a slot; the rest is a command.
fn docker(args: &[String]) -> Role {
    let o = read_options(args, grammars::DOCKER);
    if o.pending.is_some() || o.ended || o.operand == args.len() {
        return Role::Data;
    }
    let mut at = o.operand + 1;
    if args[o.operand] == "container" {
        at += 1;
    }
    if args.get(at - 1).map(String::as_str) != Some("exec") {
        return Role::Data;
    }
    let rest = &args[at..];
    if first_operand(rest, grammars::DOCKER_EXEC) {
        return Role::Slot(OptionSlot::of("docker", "a container"));
    }
    let o = read_options(rest, grammars::DOCKER_EXEC);
    match o.pending {
        None if o.operand < rest.len() => Role::Command(at + o.operand + 1),
        _ => Role::Data,
    }
}

/// Where the options at the start of some arguments end.
struct Options<'a> {
    /// The index of the first operand (the length when there is none).
    operand: usize,
    /// `--` ended the options.
    ended: bool,
    /// The arguments ran out where this option still expected its argument: the next
    /// word is that argument.
    pending: Option<&'a str>,
}

/// Reads options from the start of `args` the way getopt does: clusters of short
/// options (`-vp 22`, `-p22`) where the letters that take an argument take the rest of
/// the word or the next one; `--name=value`, and `--name value` for the long names
/// that take one; `--` ends them, and so does the first operand.
fn read_options(args: &[String], grammar: Grammar) -> Options<'_> {
    let mut i = 0;
    while let Some(word) = args.get(i) {
        let takes_next = if word == "--" {
            return Options {
                operand: i + 1,
                ended: true,
                pending: None,
            };
        } else if word.starts_with("--") {
            !word.contains('=') && grammar.long.contains(&word.as_str())
        } else if let Some(cluster) = word.strip_prefix('-').filter(|c| !c.is_empty()) {
            cluster
                .char_indices()
                .find(|(_, c)| grammar.short.contains(*c))
                .is_some_and(|(at, c)| at + c.len_utf8() == cluster.len())
        } else {
            break;
        };
        if takes_next && i + 1 == args.len() {
            return Options {
                operand: args.len(),
                ended: false,
                pending: Some(word),
            };
        }
        i += if takes_next { 2 } else { 1 };
    }
    Options {
        operand: i,
        ended: false,
        pending: None,
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
        let words = |s: &str| words_up_to(s).0;
        let read = |s: &str, grammar| {
            let words = words(s);
            let o = read_options(&words, grammar);
            (o.operand, o.ended, o.pending.map(String::from))
        };
        assert_eq!(read("-vp 22 host ", grammars::SSH), (2, false, None));
        assert_eq!(read("-vp ", grammars::SSH), (1, false, Some("-vp".into())));
        assert_eq!(read("-v -- -x ", grammars::SSH), (2, true, None));
        let rsync_long = Grammar {
            short: "",
            long: grammars::RSYNC.long,
        };
        assert_eq!(
            read("--exclude x --delete - y ", rsync_long),
            (3, false, None)
        );
        assert_eq!(
            without_redirections(&words("a 2>&1 > out <PORT> < in b ")),
            ["a", "<PORT>", "b"]
        );
        assert!(is_assignment("X=1") && is_assignment("a[2]+=x") && !is_assignment("=x"));
        assert!(!is_assignment("-oX=y") && !is_assignment("ssh"));
    }
}
