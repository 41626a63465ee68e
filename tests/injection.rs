//! Values are data, never code: every hostile value, in every quoting context a
//! placeholder can sit in, run by a real shell. The value must arrive byte-exact and the
//! marker file its payload would create must never appear.

use runbook::vars::{prepare_for, refusals, Bindings, Prepared};
use std::path::Path;
use std::process::Command;

/// Hostile values; `{M}` is replaced by the marker file's path.
const VALUES: &[&str] = &[
    "$(touch {M})",
    "`touch {M}`",
    "a; touch {M}",
    "a && touch {M} || touch {M}",
    "it's \"quoted\"",
    "x\ntouch {M}\ny",
    "'; touch {M}; '",
    "\"; touch {M}; \"",
    "\\\"; touch {M}; \\\"",
    "'\"$(touch {M})\"'",
    "EOF\ntouch {M}\nEOF",
    "\tEOF\ntouch {M}",
    "$((1+1)) ${HOME} $HOME * ?",
    "\\",
    "trailing backslash \\",
    "  leading and trailing  ",
    "-n",
    "-oProxyCommand=touch {M}",
    "é ü 😀 \u{7f}",
    "a\r\nb",
    "",
];

/// A command written with a placeholder, and what it prints given the value.
struct Case {
    shell: &'static str,
    command: &'static str,
    expected: fn(&str) -> String,
}

fn same(v: &str) -> String {
    v.to_string()
}

fn line(v: &str) -> String {
    format!("{v}\n")
}

fn wrapped(v: &str) -> String {
    format!("pre {v} post")
}

/// Contexts where the value must arrive byte-exact.
const EXACT: &[Case] = &[
    // The three notations of a literal placeholder, in each quoting context.
    Case {
        shell: "bash",
        command: "printf %s <VALUE>",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "printf %s \"<VALUE>\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "printf %s 'pre <VALUE> post'",
        expected: wrapped,
    },
    Case {
        shell: "bash",
        command: "printf %s pre-<VALUE>-post",
        expected: |v| format!("pre-{v}-post"),
    },
    Case {
        shell: "bash",
        command: "printf %s \"pre '<VALUE>' post\"",
        expected: |v| format!("pre '{v}' post"),
    },
    Case {
        shell: "bash",
        command: "printf %s {{value}}",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "printf %s \"{{ value }}\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "printf %s '{{value}}'",
        expected: same,
    },
    // References the author already quoted.
    Case {
        shell: "bash",
        command: "printf %s \"$VALUE\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "printf %s \"${VALUE:-default}\"",
        expected: |v| {
            if v.is_empty() {
                "default".into()
            } else {
                v.into()
            }
        },
    },
    // Inside command substitutions.
    Case {
        shell: "bash",
        command: "printf %s \"$(printf %s <VALUE>)\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "printf %s \"`printf %s <VALUE>`\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "printf %s \"`printf %s \"<VALUE>\"`\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "printf %s `printf %s '<VALUE>'`",
        expected: |v| v.split([' ', '\t', '\n']).collect(),
    },
    // Heredocs, expanded and not.
    Case {
        shell: "bash",
        command: "cat <<EOF\n<VALUE>\nEOF",
        expected: line,
    },
    Case {
        shell: "bash",
        command: "cat <<'EOF'\n<VALUE>\nEOF",
        expected: line,
    },
    Case {
        shell: "bash",
        command: "cat <<-\"EOF\"\n\t<VALUE> $HOME `x`\n\tEOF",
        expected: |v| format!("{v} $HOME `x`\n"),
    },
    // Scripts for a nested shell, single- and double-quoted, each inner context.
    Case {
        shell: "bash",
        command: "bash -c 'printf %s <VALUE>'",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "bash -c 'printf %s \"<VALUE>\"'",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "bash -c 'printf %s \"$VALUE\"'",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "bash -c \"printf %s <VALUE>\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "bash -c \"printf %s \\\"<VALUE>\\\"\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "bash -c \"printf %s '<VALUE>'\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "bash -c \"printf %s $VALUE\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "bash -c \"printf %s \\\"$VALUE\\\"\"",
        expected: same,
    },
    // Commands that join their arguments into a script for another shell (stand-ins for
    // `watch`, `ssh` and `su`, which need a terminal, a server or a password, do what
    // the real ones do with their arguments: see `STAND_INS`).
    Case {
        shell: "bash",
        command: "eval \"printf %s <VALUE>\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "eval 'printf %s <VALUE>'",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "eval printf %s <VALUE>",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "eval printf %s $VALUE",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "watch -n 5 \"printf %s <VALUE>\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "watch -n5 -t printf %s \"$VALUE\"",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "sudo ssh -p 2222 -t ops@db-1 printf %s <VALUE>",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "ssh -i key.pem db-1 'printf %s \"<VALUE>\"'",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "su - postgres -c \"printf %s <VALUE>\"",
        expected: same,
    },
    // The command word anywhere in its simple command, and lines continued.
    Case {
        shell: "bash",
        command: "sudo -u app watch -n 1 printf %s <VALUE>",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "if x=1 eval printf %s <VALUE>; then :; fi",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "ssh db-1 \\\n  printf %s <VALUE>",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "watch -x printf %s <VALUE>",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "bash --noprofile -o pipefail -c 'printf %s <VALUE>'",
        expected: same,
    },
    // A bash session quoting for an inner `sh` (dash): POSIX quotes, not `$'…'`.
    Case {
        shell: "bash",
        command: "sh -c 'printf %s <VALUE>'",
        expected: same,
    },
    Case {
        shell: "bash",
        command: "sh -c \"printf %s <VALUE>\"",
        expected: same,
    },
    // Other shells: no quoting at expansion time, the inner shell reads the environment.
    Case {
        shell: "sh",
        command: "printf %s <VALUE>",
        expected: same,
    },
    Case {
        shell: "sh",
        command: "printf %s \"<VALUE>\"",
        expected: same,
    },
    Case {
        shell: "sh",
        command: "printf %s '<VALUE>'",
        expected: same,
    },
    Case {
        shell: "sh",
        command: "sh -c 'printf %s <VALUE>'",
        expected: same,
    },
    Case {
        shell: "sh",
        command: "sh -c \"printf %s <VALUE>\"",
        expected: same,
    },
    Case {
        shell: "sh",
        command: "cat <<'EOF'\n<VALUE>\nEOF",
        expected: line,
    },
];

/// Contexts where only safety is promised: unquoted `$VALUE` is split into words by the
/// author's choice; a script inside a script keeps its placeholder as written, and so
/// does a joined script under a shell other than bash.
const SAFE_ONLY: &[(&str, &str)] = &[
    ("bash", "printf '%s|' $VALUE"),
    ("bash", "printf '%s|' ${VALUE}"),
    ("bash", "echo $VALUE"),
    ("bash", "sh -c 'bash -c \"printf %s <VALUE>\"'"),
    ("bash", "bash -c \"sh -c 'printf %s <VALUE>'\""),
    ("bash", "cat <<'E O F'\n<VALUE>\nE O F"),
    ("bash", "bash -c 'cat <<EOF\n<VALUE>\nEOF'"),
    ("bash", "ssh db-1 \"sudo sh -c 'printf %s <VALUE>'\""),
    ("sh", "eval printf %s <VALUE>"),
    ("sh", "watch printf %s <VALUE>"),
];

/// Stand-ins on PATH for commands that cannot run here, each handing its arguments to
/// a shell the way the real one does: `watch` joins what follows its options, `ssh`
/// what follows the host (the remote shell parses it), `su -c` its command. Like the
/// real ones, `ssh` and `scp` run a `-oProxyCommand=` met among their options, and
/// `rsync` its `-e`/`--rsh` command. `kubectl` reads flags anywhere before `--` and
/// runs the exec credential plugin of a `--kubeconfig` it is given (before any
/// request, as kubectl 1.32 does), and so does OpenShift's `oc`; `kubectl exec … --`
/// and `docker exec CONTAINER` run their command here as if in the pod or container,
/// `docker exec -e` with that variable set.
const STAND_INS: &[(&str, &str)] = &[
    (
        "watch",
        "#!/bin/sh\nx=\nwhile [ $# -gt 0 ]; do case $1 in -n|-d) shift 2;; -x) x=1; shift;; -*) shift;; *) break;; esac; done\n[ -n \"$x\" ] && exec \"$@\"\nexec sh -c \"$*\"\n",
    ),
    (
        "ssh",
        "#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in -oProxyCommand=*) sh -c \"${1#-oProxyCommand=}\"; shift;; -o) case $2 in ProxyCommand=*) sh -c \"${2#ProxyCommand=}\";; esac; shift 2;; --) shift; break;; -[bcDEeFIiJLlmOoPpQRSWw]) shift 2;; -*) shift;; *) break;; esac; done\nshift\nexec sh -c \"$*\"\n",
    ),
    (
        "scp",
        "#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in -oProxyCommand=*) sh -c \"${1#-oProxyCommand=}\"; shift;; --) break;; -[cDFiJloPSX]) shift 2;; -*) shift;; *) break;; esac; done\n",
    ),
    (
        "rsync",
        "#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in --rsh=*) sh -c \"${1#--rsh=}\"; shift;; -e) sh -c \"$2\"; shift 2;; -e*) sh -c \"${1#-e}\"; shift;; --) break;; *) shift;; esac; done\n",
    ),
    (
        "kubectl",
        "#!/bin/sh\nsub=\ncfg=\nwhile [ $# -gt 0 ]; do case $1 in --) shift; break;; --kubeconfig=*) cfg=${1#--kubeconfig=}; shift;; --kubeconfig) cfg=$2; shift 2;; -[cfklLnosv]|--tail|--container|--namespace|--context) shift 2;; -*) shift;; *) [ -z \"$sub\" ] && sub=$1; shift;; esac; done\n[ -n \"$cfg\" ] && \"$(sed -n 's/^ *command: *//p' \"$cfg\")\"\n[ \"$sub\" = exec ] && [ $# -gt 0 ] && exec \"$@\"\nexit 0\n",
    ),
    (
        "oc",
        "#!/bin/sh\nsub=\ncfg=\nwhile [ $# -gt 0 ]; do case $1 in --) shift; break;; --kubeconfig=*) cfg=${1#--kubeconfig=}; shift;; --kubeconfig) cfg=$2; shift 2;; -[cfklLnosv]|--tail|--container|--namespace|--context) shift 2;; -*) shift;; *) [ -z \"$sub\" ] && sub=$1; shift;; esac; done\n[ -n \"$cfg\" ] && \"$(sed -n 's/^ *command: *//p' \"$cfg\")\"\n[ \"$sub\" = exec ] && [ $# -gt 0 ] && exec \"$@\"\nexit 0\n",
    ),
    (
        "docker",
        "#!/bin/sh\n[ \"$1\" = container ] && shift\nshift\nwhile [ $# -gt 0 ]; do case $1 in -e|--env) export \"$2\"; shift 2;; -e*) export \"${1#-e}\"; shift;; --env=*) export \"${1#--env=}\"; shift;; -[uw]|--user|--workdir|--env-file|--detach-keys) shift 2;; --) shift; break;; -*) shift;; *) break;; esac; done\nshift\nexec \"$@\"\n",
    ),
    (
        "su",
        "#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in -c) exec sh -c \"$2\";; *) shift;; esac; done\n",
    ),
    (
        "sudo",
        "#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in -u|-g) shift 2;; -*) shift;; *) break;; esac; done\nexec \"$@\"\n",
    ),
];

struct Sandbox {
    dir: tempfile::TempDir,
    bin: tempfile::TempDir,
    /// What an attacker's option would point at: `{P}` in a template.
    payloads: Option<tempfile::TempDir>,
}

impl Sandbox {
    fn new() -> Self {
        // Stand-ins live outside the working directory, where `*` in a value would see them.
        let bin = tempfile::tempdir().expect("temp dir");
        for (name, script) in STAND_INS {
            let path = bin.path().join(name);
            std::fs::write(&path, script).expect("stand-in");
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .expect("executable");
        }
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
            bin,
            payloads: None,
        }
    }

    /// A sandbox with payload files, outside the working directory like the
    /// stand-ins: `payload.sh` touches the marker, `evil.kubeconfig` runs it as an
    /// exec credential plugin, `curlrc` makes curl write the marker, `hello.txt` says
    /// hello; `origin.git` is a bare repository and `work` a clone of it with a commit.
    fn with_payloads() -> Self {
        let mut sandbox = Sandbox::new();
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().display().to_string();
        let marker = sandbox.marker().display().to_string();
        let files = [
            ("payload.sh", format!("#!/bin/sh\ntouch '{marker}'\n")),
            (
                "evil.kubeconfig",
                format!(
                    "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec:\n      \
                     apiVersion: client.authentication.k8s.io/v1\n      command: {p}/payload.sh\n"
                ),
            ),
            (
                "curlrc",
                format!("output = \"{marker}\"\nurl = \"file://{p}/hello.txt\"\n"),
            ),
            ("hello.txt", "hello\n".to_string()),
        ];
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("payload");
        }
        let script = dir.path().join("payload.sh");
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("executable");
        let git = |args: &[&str]| {
            let status = Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("git runs")
                .status;
            assert!(status.success(), "git {args:?}");
        };
        git(&["init", "-q", "--bare", "origin.git"]);
        git(&["clone", "-q", "origin.git", "work"]);
        git(&["-C", "work", "commit", "-q", "--allow-empty", "-m", "first"]);
        sandbox.payloads = Some(dir);
        sandbox
    }

    fn marker(&self) -> std::path::PathBuf {
        self.dir.path().join("pwned")
    }

    fn value(&self, template: &str) -> String {
        let payloads = self
            .payloads
            .as_ref()
            .map(|d| d.path().display().to_string());
        template
            .replace("{M}", &self.marker().display().to_string())
            .replace("{P}", payloads.as_deref().unwrap_or("{P}"))
    }

    /// Runs the prepared script with its environment; returns stdout.
    fn run(&self, shell: &str, prepared: &Prepared) -> Vec<u8> {
        self.run_script(shell, &prepared.script, &prepared.env)
    }

    fn run_script(&self, shell: &str, script: &str, env: &[(String, String)]) -> Vec<u8> {
        let path = format!(
            "{}:{}",
            self.bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let output = Command::new(shell)
            .arg("-c")
            .arg(script)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("PATH", path)
            .current_dir(self.dir.path())
            .output()
            .expect("shell runs");
        output.stdout
    }

    /// Runs `runbook` here with the stand-ins on PATH, incidents kept here.
    fn runbook(&self, args: &[&str]) -> std::process::Output {
        let path = format!(
            "{}:{}",
            self.bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new(env!("CARGO_BIN_EXE_runbook"))
            .args(["--no-color", "--incidents-dir", "incidents"])
            .args(args)
            .env("PATH", path)
            .env_remove("RUNBOOK_INCIDENTS")
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("runbook runs")
    }

    fn assert_no_marker(&self, context: &str) {
        assert!(
            !Path::new(&self.marker()).exists(),
            "payload executed: {context}"
        );
    }
}

fn bindings(value: &str) -> Bindings {
    let mut b = Bindings::new();
    b.set("VALUE", value, false);
    b.set("value", value, false);
    b
}

#[test]
fn values_arrive_byte_exact_and_never_run() {
    let sandbox = Sandbox::new();
    for template in VALUES {
        let value = sandbox.value(template);
        let b = bindings(&value);
        for case in EXACT {
            let prepared = prepare_for(case.command, &b, case.shell);
            let context = format!(
                "{} -c {:?} with {value:?} (script {:?})",
                case.shell, case.command, prepared.script
            );
            let out = sandbox.run(case.shell, &prepared);
            sandbox.assert_no_marker(&context);
            let expected = (case.expected)(&value);
            assert_eq!(String::from_utf8_lossy(&out), expected, "{context}");
        }
    }
}

#[test]
fn values_never_run_where_exactness_is_not_promised() {
    let sandbox = Sandbox::new();
    for template in VALUES {
        let value = sandbox.value(template);
        let b = bindings(&value);
        for (shell, command) in SAFE_ONLY {
            let prepared = prepare_for(command, &b, shell);
            sandbox.run(shell, &prepared);
            sandbox.assert_no_marker(&format!("{shell} -c {command:?} with {value:?}"));
        }
    }
}

/// What a person sees (and might paste) means the same as what runs.
#[test]
fn displayed_command_runs_like_the_prepared_one() {
    let sandbox = Sandbox::new();
    for template in VALUES {
        let value = sandbox.value(template);
        let b = bindings(&value);
        for case in EXACT.iter().filter(|c| c.shell == "bash") {
            let prepared = prepare_for(case.command, &b, "bash");
            let shown = sandbox.run_script("bash", &prepared.display, &[]);
            sandbox.assert_no_marker(&format!("display {:?}", prepared.display));
            if prepared.display.contains("<VALUE>") {
                // A value that would end its heredoc is not written out: nothing to compare.
                continue;
            }
            let ran = sandbox.run("bash", &prepared);
            assert_eq!(
                String::from_utf8_lossy(&shown),
                String::from_utf8_lossy(&ran),
                "display {:?} of {:?}",
                prepared.display,
                case.command
            );
        }
    }
}

#[test]
fn values_reach_commands_as_environment_variables() {
    let sandbox = Sandbox::new();
    let mut b = Bindings::new();
    b.set("REDIS_HOST", "127.0.0.1", false);
    b.set("UNUSED_BY_COMMAND", "exported anyway", false);
    let prepared = prepare_for("printf '%s' \"$UNUSED_BY_COMMAND\"", &b, "bash");
    let out = sandbox.run("bash", &prepared);
    assert_eq!(String::from_utf8_lossy(&out), "exported anyway");
}

mod arbitrary_values {
    use super::*;
    use proptest::prelude::*;

    /// Shell-significant characters are over-represented on purpose.
    fn value() -> impl Strategy<Value = String> {
        let alphabet = prop_oneof![
            Just('\''),
            Just('"'),
            Just('$'),
            Just('`'),
            Just('\\'),
            Just('('),
            Just(')'),
            Just(';'),
            Just('\n'),
            Just(' '),
            Just('*'),
            Just('E'),
            Just('O'),
            Just('F'),
            proptest::char::range('a', 'z'),
            any::<char>().prop_filter("no NUL", |c| *c != '\0'),
        ];
        proptest::collection::vec(alphabet, 0..40).prop_map(|cs| cs.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn any_value_arrives_exactly(v in value()) {
            let sandbox = Sandbox::new();
            let b = bindings(&v);
            for command in [
                "printf %s <VALUE>",
                "printf %s \"<VALUE>\"",
                "printf %s '<VALUE>'",
                "bash -c 'printf %s <VALUE>'",
                "bash -c \"printf %s <VALUE>\"",
                "sh -c \"printf %s <VALUE>\"",
                "eval printf %s <VALUE>",
                "watch -n 1 printf %s \"$VALUE\"",
                "cat <<'EOF'\n<VALUE>\nEOF",
            ] {
                let prepared = prepare_for(command, &b, "bash");
                let out = sandbox.run("bash", &prepared);
                let mut expected = v.clone();
                if command.starts_with("cat") {
                    expected.push('\n');
                }
                prop_assert_eq!(String::from_utf8_lossy(&out), expected, "{:?}", prepared.script);
            }
        }
    }
}

/// Commands where a value begins an argument that the program reads as an option when
/// it starts with `-`, each with the program named in the refusal and a value that
/// makes one run the payload. Quoting cannot help there: the program itself reads the
/// value. `{P}` is the payload directory (see [`Sandbox::with_payloads`]).
const OPTION_SLOTS: &[(&str, &str, &str, &str)] = &[
    (
        "bash",
        "ssh",
        "ssh <VALUE> uptime",
        "-oProxyCommand=touch {M}",
    ),
    (
        "bash",
        "ssh",
        "ssh \"$VALUE\" uptime",
        "-oProxyCommand=touch {M}",
    ),
    (
        "bash",
        "ssh",
        "ssh -o ConnectTimeout=5 '<VALUE>'",
        "-oProxyCommand=touch {M}",
    ),
    // Unquoted, the value is split into words: a payload without blanks.
    (
        "bash",
        "ssh",
        "sudo ssh -p 2222 ${VALUE} uptime",
        "-oProxyCommand=touch${IFS}{M}",
    ),
    (
        "bash",
        "ssh",
        "sh -c 'ssh <VALUE> uptime'",
        "-oProxyCommand=touch {M}",
    ),
    (
        "bash",
        "ssh",
        "bash -c \"ssh <VALUE> uptime\"",
        "-oProxyCommand=touch {M}",
    ),
    (
        "bash",
        "ssh",
        "ssh bastion ssh <VALUE> uptime",
        "-oProxyCommand=touch {M}",
    ),
    (
        "bash",
        "ssh",
        "watch -n 1 ssh <VALUE> uptime",
        "-oProxyCommand=touch {M}",
    ),
    (
        "sh",
        "ssh",
        "ssh $VALUE uptime",
        "-oProxyCommand=touch${IFS}{M}",
    ),
    (
        "sh",
        "ssh",
        "ssh \"<VALUE>\" uptime",
        "-oProxyCommand=touch {M}",
    ),
    (
        "bash",
        "scp",
        "scp <VALUE> db-1:/tmp/",
        "-oProxyCommand=touch {M}",
    ),
    (
        "bash",
        "rsync",
        "rsync -a --delete <VALUE> db-1:/srv/",
        "--rsh=touch {M}",
    ),
    (
        "bash",
        "rsync",
        "rsync -a <VALUE> db-1:/srv/",
        "-etouch {M}",
    ),
    // ssh reached through a container, a pod or xargs is ssh all the same.
    (
        "bash",
        "ssh",
        "docker exec -it toolbox ssh <VALUE> uptime",
        "-oProxyCommand=touch {M}",
    ),
    (
        "bash",
        "ssh",
        "kubectl exec -it toolbox -c shell -- ssh <VALUE> uptime",
        "-oProxyCommand=touch {M}",
    ),
    (
        "bash",
        "ssh",
        "echo uptime | xargs -n 1 ssh <VALUE>",
        "-oProxyCommand=touch {M}",
    ),
    // Real git: `--upload-pack`/`-u`/`--receive-pack` name the command git runs (through
    // a shell) to talk to the repository, before or after the operands.
    (
        "bash",
        "git",
        "git -C {P}/work fetch <VALUE>",
        "--upload-pack=touch {M};:",
    ),
    (
        "bash",
        "git",
        "git -C {P}/work pull --ff-only \"$VALUE\"",
        "--upload-pack=touch {M};:",
    ),
    (
        "bash",
        "git",
        "git -C {P}/work push <VALUE> HEAD",
        "--receive-pack=touch {M};:",
    ),
    (
        "bash",
        "git",
        "git -C {P}/work ls-remote <VALUE>",
        "--upload-pack=touch {M};:",
    ),
    (
        "bash",
        "git",
        "git clone -q file://{P}/origin.git <VALUE>",
        "-utouch {M};:",
    ),
    // Real curl and wget: `-K` reads options from a file, `-o` names the file written.
    ("bash", "curl", "curl -fsS <VALUE>", "-K{P}/curlrc"),
    (
        "bash",
        "curl",
        "curl -fsS $VALUE",
        "-o{M} file://{P}/hello.txt",
    ),
    ("bash", "wget", "wget -q \"<VALUE>\"", "-o{M}"),
    // kubectl reads flags anywhere before `--`: a kubeconfig's exec plugin runs.
    (
        "bash",
        "kubectl",
        "kubectl logs -f --tail 100 <VALUE>",
        "--kubeconfig={P}/evil.kubeconfig",
    ),
    (
        "bash",
        "kubectl",
        "kubectl -n ops exec -it <VALUE> -- ls /",
        "--kubeconfig={P}/evil.kubeconfig",
    ),
    // OpenShift's client reads its flags the same way.
    (
        "bash",
        "oc",
        "oc -n ops get pod <VALUE>",
        "--kubeconfig={P}/evil.kubeconfig",
    ),
    (
        "bash",
        "oc",
        "sudo oc rsh <VALUE> ls /",
        "--kubeconfig={P}/evil.kubeconfig",
    ),
    // docker exec reads options up to the container: `-e` sets the command's variables.
    (
        "bash",
        "docker",
        "docker exec $VALUE bash -c true",
        "-eBASH_ENV={P}/payload.sh app",
    ),
];

#[test]
fn values_that_would_reach_a_program_as_options_are_refused() {
    let sandbox = Sandbox::with_payloads();
    for (shell, program, command, template) in OPTION_SLOTS {
        let command = sandbox.value(command);
        let value = sandbox.value(template);
        let b = bindings(&value);
        let refused = refusals(&command, &b, shell);
        assert_eq!(refused.len(), 1, "{shell} -c {command:?}: {refused:?}");
        let message = refused[0].to_string();
        assert!(
            message.contains("VALUE") && message.contains("starts with `-`"),
            "{message}"
        );
        assert!(
            message.contains(&format!("{program} would read it as an option")),
            "{message}"
        );
        assert!(!message.contains(&value), "{message}");
        // Not a false alarm: run anyway, the value is an option and the payload runs.
        sandbox.run(shell, &prepare_for(&command, &b, shell));
        assert!(
            sandbox.marker().exists(),
            "{shell} -c {command:?} with {value:?} is harmless: why refuse it?"
        );
        std::fs::remove_file(sandbox.marker()).expect("marker removed");
    }
}

/// `ssh -J` hands each jump host to another ssh, as the last word of a command line
/// it builds: a host starting with `-` there (first, after a comma or after `user@`)
/// is an option of that ssh. Real OpenSSH, where there is one, shows it: the inner ssh
/// prints its version for `-V` (and stops there: no network is needed).
#[test]
fn jump_hosts_are_refused_and_real_ssh_reads_them_as_options() {
    let cases = [
        ("ssh -F /dev/null -J <VALUE> db-1 true", "-V"),
        ("ssh -F /dev/null -J <VALUE> db-1 true", "bastion,-V"),
        ("ssh -F /dev/null -J ops@<VALUE> db-1 true", "-V"),
        ("ssh -F /dev/null -o ProxyJump=<VALUE> db-1 true", "-V"),
    ];
    let ssh = Command::new("ssh").arg("-V").output().is_ok();
    for (command, value) in cases {
        let b = bindings(value);
        let refused = refusals(command, &b, "bash");
        assert_eq!(refused.len(), 1, "{command:?} with {value:?}");
        let message = refused[0].to_string();
        assert!(
            message.contains("has a host starting with `-`: ssh would read it as an option")
                && message.ends_with("not as a jump host"),
            "{message}"
        );
        if !ssh {
            continue;
        }
        let prepared = prepare_for(command, &b, "bash");
        let out = Command::new("bash")
            .arg("-c")
            .arg(&prepared.script)
            .envs(prepared.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("bash runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("OpenSSH_"),
            "{command:?} with {value:?}: {stderr}"
        );
    }
    let hops = bindings("bastion.example.com,ops@db-2:2222");
    assert_eq!(refusals("ssh -J <VALUE> db-1", &hops, "bash"), []);
}

/// A value starting with `-` anywhere else is data like any other: not refused, and
/// it runs as the author meant it to.
#[test]
fn a_leading_dash_elsewhere_is_not_refused() {
    let sandbox = Sandbox::with_payloads();
    let cases: &[(&str, &str, &str)] = &[
        ("echo offset <VALUE>", "-5", "offset -5\n"),
        ("expr 10 + <VALUE>", "-5", "5\n"),
        ("seq 2 | head -n <VALUE>", "-1", "1\n"),
        (
            "date -u -d @0 +%Y; printf '%s\\n' <VALUE>",
            "-n",
            "1970\n-n\n",
        ),
        (
            "ssh db-1 printf %s <VALUE>",
            "-oProxyCommand=touch {M}",
            "-oProxyCommand=touch {M}",
        ),
        (
            "ssh db-1 echo \"$VALUE\"",
            "-oProxyCommand=touch {M}",
            "-oProxyCommand=touch {M}\n",
        ),
        ("ssh ops@<VALUE> true", "-oProxyCommand=touch {M}", ""),
        ("ssh -- <VALUE> true", "-oProxyCommand=touch {M}", ""),
        ("ssh -l <VALUE> db-1 true", "-oProxyCommand=touch {M}", ""),
        ("scp -- <VALUE> db-1:/tmp/", "-oProxyCommand=touch {M}", ""),
        (
            "ssh -o User=<VALUE> -J bastion db-1 true",
            "-oProxyCommand=touch {M}",
            "",
        ),
        ("echo up | xargs printf '%s %s\\n' <VALUE>", "-5", "-5 up\n"),
        // git: after `--`, a value is a path (git refuses a strange one); the patterns
        // after `ls-remote`'s repository are patterns; other subcommands' operands are
        // revisions, messages, files.
        (
            "git -C {P}/work fetch -q -- <VALUE> 2>/dev/null; echo $?",
            "--upload-pack=touch {M};:",
            "128\n",
        ),
        (
            "git ls-remote {P}/origin.git <VALUE>",
            "--upload-pack=touch {M};:",
            "",
        ),
        (
            "git -C {P}/work log --format=%s <VALUE> 2>/dev/null; echo $?",
            "-1",
            "first\n0\n",
        ),
        (
            "git -C {P}/work config --get --default <VALUE> x.y",
            "-n",
            "-n\n",
        ),
        // curl: an option's argument, and anything after `--`.
        (
            "curl -s -H <VALUE> file://{P}/hello.txt",
            "-o{M}",
            "hello\n",
        ),
        (
            "curl -s --proto =file -- <VALUE>; echo $?",
            "-K{P}/curlrc",
            "1\n",
        ),
        ("curl -s \"file://{P}/<VALUE>\"", "-o{M}", ""),
        // kubectl and docker: a flag's value, and the command they run.
        ("kubectl logs --tail <VALUE> app", "-1", ""),
        ("oc logs --tail <VALUE> app", "-1", ""),
        (
            "oc exec app -- printf %s <VALUE>",
            "--kubeconfig={P}/evil.kubeconfig",
            "--kubeconfig={P}/evil.kubeconfig",
        ),
        // Two letters inside other words are not the program.
        ("printf %s doc <VALUE>", "-n", "doc-n"),
        (
            "kubectl exec app -- printf %s <VALUE>",
            "--kubeconfig={P}/evil.kubeconfig",
            "--kubeconfig={P}/evil.kubeconfig",
        ),
        ("docker exec -u <VALUE> app printf %s ok", "-1", "ok"),
        (
            "docker exec app printf %s <VALUE>",
            "-eBASH_ENV={P}/payload.sh",
            "-eBASH_ENV={P}/payload.sh",
        ),
    ];
    for (command, template, expected) in cases {
        let command = &sandbox.value(command);
        let value = sandbox.value(template);
        let b = bindings(&value);
        assert_eq!(
            refusals(command, &b, "bash"),
            [],
            "{command:?} with {value:?}"
        );
        let out = sandbox.run("bash", &prepare_for(command, &b, "bash"));
        sandbox.assert_no_marker(&format!("{command:?} with {value:?}"));
        assert_eq!(
            String::from_utf8_lossy(&out),
            sandbox.value(expected),
            "{command:?}"
        );
    }
}

/// Through `runbook run`: the run is refused before any step with an error naming the
/// step, the variable and the program (exit 2), nothing runs and no incident is
/// written; `--dry-run` says the same. A host that is a host runs.
#[test]
fn runbook_run_refuses_an_option_for_a_host_before_any_step() {
    let sandbox = Sandbox::new();
    let playbook = sandbox.dir.path().join("hosts.md");
    std::fs::write(
        &playbook,
        "---\nid: hosts\ntitle: Hosts\n---\n\n# Hosts\n\n## Diagnosis\n\n\
         ```bash {id=offset expect=-5}\necho offset <OFFSET>\n```\n\n\
         ```bash {id=connect expect=up}\nssh <HOST> echo up\n```\n",
    )
    .expect("playbook");
    let run = |args: &[&str]| sandbox.runbook(args);
    let pb = playbook.to_str().expect("UTF-8 path");
    let hostile = format!("HOST={}", sandbox.value("-oProxyCommand=touch {M}"));
    let incidents = sandbox.dir.path().join("incidents");

    let out = run(&["run", pb, "--yes", "--var", "OFFSET=-5", "--var", &hostile]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("refusing to run; no step has run"),
        "{stderr}"
    );
    assert!(
        stderr.contains("step `connect` (line 15): the value of HOST starts with `-`: ssh would read it as an option"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("OFFSET"),
        "a number is not refused: {stderr}"
    );
    sandbox.assert_no_marker("runbook run");
    assert!(
        !incidents.exists(),
        "no incident for a run that never started"
    );

    let out = run(&[
        "run",
        pb,
        "--dry-run",
        "--var",
        "OFFSET=-5",
        "--var",
        &hostile,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("refused: the value of HOST starts with `-`"),
        "{stdout}"
    );
    sandbox.assert_no_marker("runbook run --dry-run");

    // An answers file that edits a step into the same shape is refused the same way.
    let answers = sandbox.dir.path().join("answers.yaml");
    std::fs::write(&answers, "edit:\n  offset: \"ssh <HOST> echo -5\"\n").expect("answers");
    let out = run(&[
        "run",
        pb,
        "--answers",
        answers.to_str().expect("UTF-8 path"),
        "--var",
        "OFFSET=-5",
        "--var",
        &hostile,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("step `offset` (line 11)"), "{stderr}");
    sandbox.assert_no_marker("runbook run --answers with an edit");

    let out = run(&[
        "run",
        pb,
        "--yes",
        "--var",
        "OFFSET=-5",
        "--var",
        "HOST=db-1",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("│ offset -5") && stdout.contains("│ up"),
        "{stdout}"
    );
}

/// The same through `runbook run` for a git clone: refused before any step, naming
/// the step, the variable and git, never showing the value; `--dry-run` shows it.
#[test]
fn runbook_run_refuses_an_option_for_a_repository() {
    let sandbox = Sandbox::with_payloads();
    let playbook = sandbox.dir.path().join("clone.md");
    std::fs::write(
        &playbook,
        "---\nid: clone\ntitle: Clone\n---\n\n# Clone\n\n## Fix\n\n\
         ```bash {id=clone}\ngit clone -q <REPO_URL> app\n```\n",
    )
    .expect("playbook");
    let pb = playbook.to_str().expect("UTF-8 path");
    let value = sandbox.value("--upload-pack=touch {M};:");
    let hostile = format!("REPO_URL={value}");
    let refused = "the value of REPO_URL starts with `-`: git would read it as an option";

    let out = sandbox.runbook(&["run", pb, "--yes", "--var", &hostile]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("step `clone` (line 11): {refused}")),
        "{stderr}"
    );
    assert!(!stderr.contains(&value), "{stderr}");
    sandbox.assert_no_marker("runbook run of a git clone");

    let out = sandbox.runbook(&["run", pb, "--dry-run", "--var", &hostile]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    // The command is shown as it would run; the refusal itself does not repeat it.
    let refusal = stdout.lines().find(|l| l.contains("refused:"));
    assert!(
        refusal.is_some_and(|l| l.contains(refused) && !l.contains(&value)),
        "{stdout}"
    );
    sandbox.assert_no_marker("runbook run --dry-run of a git clone");

    let url = sandbox.value("REPO_URL=file://{P}/origin.git");
    let out = sandbox.runbook(&["run", pb, "--yes", "--var", &url]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sandbox.dir.path().join("app/.git").exists(), "cloned");
}
