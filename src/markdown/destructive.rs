//! Commands that change or destroy state and must be confirmed: data deletion (Redis
//! `FLUSHALL`/`DEL`, SQL `UPDATE`/`DELETE`/`DROP`/`TRUNCATE`), restarts and stops,
//! deployments and rollbacks, restores, process kills, file removal.
//!
//! Detection reads the program of each simple command, so `grep restart` or a URL
//! holding `delete` in a read-only GET does not count, while `xargs redis-cli DEL` and
//! `docker compose exec postgres psql -c "UPDATE ..."` do.

use super::shell::{base_name, positional, program, simple_commands, Word};
use once_cell::sync::Lazy;
use regex::Regex;

/// SQL that writes or destroys, anywhere in the command text (psql -c, heredocs).
const SQL_PATTERN: &str = r#"(?i)\bUPDATE\s+[\\"\w.`]+\s+SET\b|\bDELETE\s+FROM\b|\bDROP\s+(?:TABLE|DATABASE|SCHEMA|INDEX|VIEW|USER|ROLE|OWNED|MATERIALIZED|SEQUENCE|EXTENSION)\b|\bTRUNCATE\b\s+(?:TABLE\s+)?["\w]|\bALTER\s+(?:TABLE|DATABASE|USER|ROLE|SYSTEM)\b|\bINSERT\s+INTO\b|\bpg_terminate_backend\b|\bpg_cancel_backend\b|\bVACUUM\s+FULL\b|\bREINDEX\b|\bSET\s+(?:GLOBAL|PERSIST)\s"#;

static SQL: Lazy<Regex> = Lazy::new(|| Regex::new(SQL_PATTERN).expect("static regex"));

/// `SQL` with ASCII classes and word boundaries: the same matches on ASCII text (most
/// commands), found by the fast automaton, which gives up on Unicode word boundaries.
static SQL_ASCII: Lazy<Regex> =
    Lazy::new(|| Regex::new(&SQL_PATTERN.replacen("(?i)", "(?i-u)", 1)).expect("static regex"));

/// Words every `SQL` match contains: a match of this plain alternation (a fast literal
/// search) is needed before the word-bounded `SQL` is worth running.
static SQL_WORDS: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)update|delete|drop|truncate|alter|insert|pg_terminate_backend|pg_cancel_backend|vacuum|reindex|global|persist")
        .expect("static regex")
});

/// Redis commands that delete data, drop connections or change configuration.
static REDIS: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)\b(?:FLUSHALL|FLUSHDB)\b|\bCLIENT\s+KILL\b|\bCONFIG\s+SET\b|\bSHUTDOWN\b\s*(?:NOSAVE|SAVE)?\s*$|\bDEBUG\s+(?:SEGFAULT|RELOAD|RESTART)\b")
        .expect("static regex")
});

/// Why `command` is destructive, or `None`.
pub fn detect(command: &str) -> Option<String> {
    let code = strip_comments(command);
    detect_in(&code, &simple_commands(&code))
}

/// `detect` on a command already split by `simple_commands` (comments included: a
/// full-line comment never forms a simple command of its own).
pub fn detect_in(code: &str, cmds: &[Vec<Word>]) -> Option<String> {
    let code = strip_comments(code);
    if SQL_WORDS.is_match(&code) {
        let sql = if code.is_ascii() { &SQL_ASCII } else { &SQL };
        if let Some(m) = sql.find(&code) {
            return Some(format!("SQL `{}`", first_words(m.as_str())));
        }
    }
    if let Some(client) = import_into_database(&code) {
        return Some(format!("data import into `{client}`"));
    }
    for words in cmds {
        if let Some(reason) = simple(words) {
            return Some(reason);
        }
    }
    if code.contains("--force-new-deployment") {
        return Some("`--force-new-deployment`".into());
    }
    None
}

pub fn is_destructive(command: &str) -> bool {
    detect(command).is_some()
}

/// `gunzip -c dump.sql.gz | psql db`, `psql db < dump.sql`: a restore, whatever the file.
fn import_into_database(code: &str) -> Option<&'static str> {
    // `psql`, `mysql` and `sqlite3` all hold `sql`: three searches rule out the five
    // clients (most commands name none).
    let names_client = ["sql", "mariadb", "mongorestore"]
        .iter()
        .any(|c| code.contains(c));
    if !names_client {
        return None;
    }
    static PIPED: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"\|\s*(?:\\\s*)?(?:sudo\s+(?:-\S+\s+)*|(?:docker|docker-compose|podman)\s+(?:compose\s+)?exec\s+(?:-\S+\s+)*[\w.-]+\s+|kubectl\s+exec\s+[^|;&]*?--\s+)?(psql|mysql|mariadb|mongorestore|sqlite3)\b([^|;&]*)")
            .expect("static regex")
    });
    static REDIRECTED: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"\b(psql|mysql|mariadb|sqlite3)\b[^|;&\n]*<\s*[^<\s]+").expect("static regex")
    });
    // `<db-host>` is a value to fill in and `'… WHERE a < 5'` is SQL: neither redirects.
    static ANGLE: Lazy<Regex> =
        Lazy::new(|| Regex::new(r"<[A-Za-z][\w.-]*(?: [\w.-]+)*>").expect("static regex"));
    // Each regex needs its operator (`|`, `<`): skip the ones that cannot match.
    let piped = code.contains('|').then(|| PIPED.captures_iter(code));
    for c in piped.into_iter().flatten() {
        let args = c.get(2).map(|m| m.as_str()).unwrap_or("");
        let runs_own_command =
            args.contains(" -c") || args.contains(" -e") || args.contains("--command");
        if !runs_own_command {
            return Some(client_name(&c[1]));
        }
    }
    if !code.contains('<') {
        return None;
    }
    let plain = without_quoted(&ANGLE.replace_all(code, "X"));
    REDIRECTED
        .captures(&plain)
        .filter(|c| !c[0].contains("<<"))
        .map(|c| client_name(&c[1]))
}

/// `code` with the text inside quotes removed (the quotes stay).
fn without_quoted(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut quote: Option<char> = None;
    for c in code.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => {}
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

fn client_name(name: &str) -> &'static str {
    match name {
        "psql" => "psql",
        "mysql" => "mysql",
        "mariadb" => "mariadb",
        "mongorestore" => "mongorestore",
        _ => "sqlite3",
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// Full-line comments removed: `# Update environment variable` is not SQL.
fn strip_comments(command: &str) -> std::borrow::Cow<'_, str> {
    let comment = |l: &str| l.trim_start().starts_with('#');
    // Most commands have no comment line and no line ending to normalise: no copy.
    let comments = || command.contains('#') && command.lines().any(comment);
    if !command.contains('\r') && !command.ends_with('\n') && !comments() {
        return std::borrow::Cow::Borrowed(command);
    }
    std::borrow::Cow::Owned(
        command
            .lines()
            .filter(|l| !comment(l))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn simple(words: &[Word]) -> Option<String> {
    let (prog, args) = program(words)?;
    let arg = |i: usize| args.get(i).map(|a| a.as_ref()).unwrap_or("");
    let has = |w: &str| args.iter().any(|a| a == w);
    let verb = |verbs: &[&str]| args.iter().find(|a| verbs.contains(&a.as_ref())).cloned();
    let reason = |what: &str| Some(format!("`{prog} {what}`"));
    if let Some(blocking) = blocks_traffic(prog, args) {
        return Some(blocking);
    }
    match prog {
        "rm" | "rmdir" | "shred" | "unlink" | "truncate" | "mkfs" | "mke2fs" | "mkswap"
        | "wipefs" | "dd" | "fdisk" | "sfdisk" | "sgdisk" | "parted" => Some(format!("`{prog}`")),
        _ if prog.starts_with("mkfs.") => Some(format!("`{prog}`")),
        // Partitions, file systems, volumes and swap resized or taken away.
        "growpart" | "resize2fs" | "xfs_growfs" | "swapoff" | "lvextend" | "lvresize"
        | "lvreduce" | "lvremove" | "vgremove" | "pvremove" => Some(format!("`{prog}`")),
        "apt" | "apt-get" | "aptitude" | "yum" | "dnf" | "microdnf" | "zypper" | "apk" | "snap" => {
            system_package_change(prog, args).and_then(|v| reason(&v))
        }
        "dpkg"
            if args
                .iter()
                .any(|a| matches!(a.as_ref(), "-r" | "-P" | "--remove" | "--purge")) =>
        {
            Some("`dpkg --remove`".into())
        }
        "dpkg" | "rpm"
            if args.iter().any(|a| {
                matches!(
                    a.as_ref(),
                    "-i" | "--install" | "-U" | "--upgrade" | "-e" | "--erase" | "-F" | "--freshen"
                ) || (prog == "rpm" && ["-U", "-i", "-e", "-F"].iter().any(|f| a.starts_with(f)))
            }) =>
        {
            Some(format!("`{prog}` package change"))
        }
        // `sudo pip install`: the system's Python packages; a plain `pip install` is the
        // user's or a virtualenv's.
        "pip" | "pip3" | "gem"
            if words.first().is_some_and(|w| w == "sudo")
                && verb(&["install", "uninstall"]).is_some() =>
        {
            Some(format!("`sudo {prog}` system-wide install"))
        }
        "etcdctl" => etcdctl(args),
        "kubeadm" => {
            let words = positional(args, &["--config", "--kubeconfig", "--cri-socket"]);
            // `kubeadm alpha certs renew` is the older spelling of `kubeadm certs renew`.
            let words = match words.first() {
                Some(&"alpha") => &words[1..],
                _ => &words[..],
            };
            match words.first().copied() {
                Some(sub @ ("reset" | "init" | "join")) => reason(sub),
                Some("upgrade") if matches!(words.get(1), Some(&"apply" | &"node")) => {
                    reason("upgrade apply")
                }
                Some("certs") if words.get(1) == Some(&"renew") => reason("certs renew"),
                _ => None,
            }
        }
        "ssh" => remote_command(args),
        // A script handed to a shell is judged as if written out: `xargs -I{} sh -c
        // "kubectl delete secret {}"`, `su - app -c 'rm -rf …'`, `eval "$cleanup"`.
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "mksh" | "ash" | "su" | "runuser" => {
            inline_script(args).and_then(detect)
        }
        "eval" => detect(&args.join(" ")),
        // A firewall switched on, off or reloaded cuts live connections.
        "ufw" => verb(&["enable", "disable", "reset", "reload"]).and_then(|v| reason(&v)),
        "firewall-cmd" => args
            .iter()
            .find(|a| matches!(a.as_ref(), "--reload" | "--complete-reload" | "--panic-on"))
            .and_then(|f| reason(f)),
        "microk8s" | "microk8s.kubectl" => microk8s(prog, args),
        "npm" | "yarn" | "pnpm" | "bun" => package_script(args)
            .filter(|s| risky_word(s))
            .and_then(|s| reason(&format!("run {s}"))),
        "cp" | "mv" | "rsync" if restores_backup(args) => Some(format!("`{prog}` from a backup")),
        "tar" if extracts_backup(args) => Some("`tar -x` of a backup".into()),
        "borg" => verb(&["extract"]).and_then(|v| reason(&v)),
        "mysqlimport" => Some(format!("`{prog}`")),
        "redis-cli" | "valkey-cli" if has("--pipe") => Some(format!("data import into `{prog}`")),
        "kill" | "pkill" | "killall" | "xkill" => Some(format!("`{prog}`")),
        "reboot" | "shutdown" | "poweroff" | "halt" => Some(format!("`{prog}`")),
        "pg_restore" if !(has("-l") || has("--list")) => Some("`pg_restore`".into()),
        "pg_restore" => None,
        "dropdb" | "dropuser" | "mongorestore" | "pg_resetwal" => Some(format!("`{prog}`")),
        "pg_ctl" => verb(&["stop", "restart", "kill", "promote"]).and_then(|v| reason(&v)),
        "docker" | "docker-compose" | "podman" | "nerdctl" => docker(prog, args),
        "kubectl" | "oc" => kubectl(prog, args),
        "helm" => verb(&["uninstall", "delete", "rollback", "upgrade"]).and_then(|v| reason(&v)),
        "terraform" | "tofu" => {
            verb(&["apply", "destroy", "import", "taint"]).and_then(|v| reason(&v))
        }
        "systemctl" | "service" | "rc-service" | "supervisorctl" | "pm2" | "launchctl" => verb(&[
            "restart",
            "stop",
            "kill",
            "disable",
            "mask",
            "reload",
            "delete",
            "unload",
            "try-restart",
            "reload-or-restart",
        ])
        .and_then(|v| reason(&v)),
        "redis-cli" | "valkey-cli" => redis(args),
        "git" => git(args),
        "aws" => aws(args),
        // `update` and `deploy` replace a running revision or instance.
        "gcloud" | "az" | "doctl" | "heroku" | "fly" | "flyctl" => verb(&[
            "delete", "stop", "restart", "reset", "resize", "rollback", "destroy", "scale",
            "update", "deploy",
        ])
        .filter(|_| !cloud_local(args))
        .and_then(|v| reason(&v)),
        "curl" | "wget" | "http" | "xh" => http(args),
        // Hosting CLIs: a production deploy replaces what runs.
        "vercel" | "netlify" => args
            .iter()
            .find(|a| {
                matches!(
                    a.as_ref(),
                    "--prod" | "deploy" | "redeploy" | "promote" | "rollback" | "remove" | "rm"
                )
            })
            .and_then(|a| reason(a)),
        // Vacuuming deletes archived journal files.
        "journalctl" => args
            .iter()
            .find(|a| a.starts_with("--vacuum-"))
            .and_then(|a| reason(a.split('=').next().unwrap_or(a))),
        "make" | "just" | "task" => args
            .iter()
            .find(|a| !a.starts_with('-') && !a.contains('=') && risky_word(a))
            .and_then(|t| reason(t)),
        // Serverless and infrastructure-as-code tools: a deploy replaces what runs, a
        // destroy takes it away.
        "serverless" | "sls" | "cdk" | "sam" | "firebase" | "wrangler" | "kamal" | "eb" => verb(&[
            "deploy",
            "destroy",
            "remove",
            "rollback",
            "delete",
            "publish",
            "terminate",
            "swap",
        ])
        .and_then(|v| reason(&v)),
        "pulumi" => {
            verb(&["up", "update", "destroy", "import", "refresh"]).and_then(|v| reason(&v))
        }
        // A playbook changes the hosts it names, unless it only checks.
        "ansible-playbook" if !has("--check") && !has("-C") => Some(format!("`{prog}`")),
        "prisma" => {
            if args.iter().any(|a| a == "migrate")
                && args
                    .iter()
                    .any(|a| matches!(a.as_ref(), "reset" | "deploy" | "resolve" | "dev"))
            {
                Some("`prisma migrate`".into())
            } else {
                None
            }
        }
        "alembic" => verb(&["upgrade", "downgrade", "stamp"]).and_then(|v| reason(&v)),
        "sed"
            if args
                .iter()
                .any(|a| a == "-i" || a.starts_with("-i") || a == "--in-place") =>
        {
            Some("`sed -i`".into())
        }
        "iptables" | "ip6tables"
            if args
                .iter()
                .any(|a| matches!(a.as_ref(), "-F" | "-D" | "-X" | "--flush")) =>
        {
            Some(format!("`{prog} {}`", arg(0)))
        }
        "crontab" if has("-r") => Some("`crontab -r`".into()),
        "find"
            if has("-delete")
                || args
                    .windows(2)
                    .any(|w| w[0] == "-exec" && matches!(w[1].as_ref(), "rm" | "shred")) =>
        {
            Some("`find -delete`".into())
        }
        "psql" | "mysql" | "mariadb" | "sqlite3" => None,
        _ if risky_word(prog)
            && (prog.ends_with(".sh")
                || prog.contains('-')
                || prog.contains('_')
                || words[0].contains('/')) =>
        {
            Some(format!("`{prog}`"))
        }
        _ => risky_subcommand(prog, args),
    }
}

/// A firewall rule that drops or rejects traffic, or takes an allowed port or service
/// away: live connections are cut, the service the runbook is about among them.
fn blocks_traffic(prog: &str, args: &[Word]) -> Option<String> {
    let arg = |w: &Word| w.as_ref().to_ascii_lowercase();
    // `--flag value` or `--flag=value`, lower-cased.
    let after = |flags: &[&str]| {
        args.iter().enumerate().find_map(|(i, a)| {
            let a = a.as_ref();
            flags.iter().find_map(|f| match a.strip_prefix(f) {
                Some("") => args.get(i + 1).map(arg),
                Some(rest) => rest.strip_prefix('=').map(str::to_ascii_lowercase),
                None => None,
            })
        })
    };
    let blocking = |target: &str| matches!(target, "drop" | "reject" | "deny");
    let blocks = match prog {
        "iptables" | "ip6tables" => {
            after(&["-j", "--jump"]).is_some_and(|t| blocking(&t))
                || args
                    .windows(3)
                    .any(|w| matches!(w[0].as_ref(), "-P" | "--policy") && blocking(&arg(&w[2])))
        }
        "nft" => {
            args.first()
                .is_some_and(|a| matches!(a.as_ref(), "add" | "insert"))
                && args.iter().any(|a| blocking(&arg(a)))
        }
        "ufw" => {
            let verbs: Vec<String> = args
                .iter()
                .filter(|a| !a.starts_with('-'))
                .map(arg)
                .collect();
            matches!(verbs.first().map(String::as_str), Some("deny" | "reject"))
                || verbs
                    .windows(2)
                    .any(|w| w[0] == "default" && blocking(&w[1]))
                || (verbs.first().is_some_and(|v| v == "insert")
                    && verbs.iter().any(|v| blocking(v)))
        }
        "firewall-cmd" => args.iter().any(|a| {
            [
                "--remove-service",
                "--remove-port",
                "--remove-source",
                "--set-target",
            ]
            .iter()
            .any(|f| a.as_ref().starts_with(f))
        }),
        "gcloud" => {
            args.iter().any(|a| a == "firewall-rules")
                && args
                    .iter()
                    .any(|a| matches!(a.as_ref(), "create" | "update"))
                && after(&["--action"]).is_some_and(|t| blocking(&t))
        }
        "aws" => args.iter().any(|a| {
            matches!(
                a.as_ref(),
                "revoke-security-group-ingress" | "revoke-security-group-egress"
            )
        }),
        _ => false,
    };
    blocks.then(|| format!("`{prog}` firewall rule that blocks traffic"))
}

/// `microk8s disable x`, `microk8s refresh-certs -e x.crt` (new certificates, services
/// restarted; `-c` only checks), `microk8s kubectl …`.
fn microk8s(prog: &str, args: &[Word]) -> Option<String> {
    if prog == "microk8s.kubectl" {
        return kubectl("kubectl", args);
    }
    let sub = args.first().map(|a| a.as_ref())?;
    let check = args.iter().any(|a| a == "-c" || a == "--check");
    match sub {
        "kubectl" => kubectl("kubectl", &args[1..]),
        "disable" | "reset" | "stop" | "leave" | "remove-node" => Some(format!("`microk8s {sub}`")),
        "refresh-certs" if !check => Some("`microk8s refresh-certs`".into()),
        _ => None,
    }
}

/// The script `npm run migrate:down` / `yarn rollback` runs.
fn package_script<'a>(args: &'a [Word]) -> Option<&'a str> {
    let words: Vec<&str> = args
        .iter()
        .map(|a| a.as_ref())
        .filter(|a| !a.starts_with('-'))
        .collect();
    match words.as_slice() {
        ["run" | "run-script", script, ..] => Some(script),
        [script, ..] if !PACKAGE_VERBS.contains(script) => Some(script),
        _ => None,
    }
}

/// Built-in verbs of npm/yarn/pnpm/bun (anything else names a script).
const PACKAGE_VERBS: &[&str] = &[
    "install",
    "i",
    "ci",
    "add",
    "remove",
    "rm",
    "uninstall",
    "update",
    "upgrade",
    "test",
    "t",
    "start",
    "ls",
    "list",
    "view",
    "info",
    "why",
    "audit",
    "outdated",
    "exec",
    "x",
    "dlx",
    "init",
    "create",
    "publish",
    "pack",
    "link",
    "config",
    "cache",
    "version",
    "help",
    "run",
];

/// `apt-get install`, `yum update`, `apk add`, `snap refresh`, `apt remove`: the host's
/// packages installed, upgraded or removed (services restarted, libraries replaced).
/// `apt-get update` only refreshes the package lists; `--simulate`, `-s`, `--dry-run`
/// and `--assumeno` change nothing.
fn system_package_change(prog: &str, args: &[Word]) -> Option<String> {
    if args.iter().any(|a| {
        matches!(
            a.as_ref(),
            "-s" | "--simulate" | "--just-print" | "--dry-run" | "--assumeno" | "--downloadonly"
        )
    }) {
        return None;
    }
    let first = args.iter().find(|a| !a.starts_with('-'))?.as_ref();
    let changes = match prog {
        "apk" => matches!(first, "add" | "del" | "upgrade" | "fix"),
        "snap" => matches!(first, "install" | "remove" | "refresh" | "revert"),
        "zypper" => matches!(
            first,
            "install" | "in" | "remove" | "rm" | "update" | "up" | "dist-upgrade" | "dup" | "patch"
        ),
        // `yum update`/`dnf update` upgrade packages; `apt update` reads lists.
        "yum" | "dnf" | "microdnf" if matches!(first, "update" | "distro-sync") => true,
        _ => matches!(
            first,
            "install"
                | "reinstall"
                | "localinstall"
                | "groupinstall"
                | "upgrade"
                | "full-upgrade"
                | "dist-upgrade"
                | "downgrade"
                | "remove"
                | "purge"
                | "autoremove"
                | "autopurge"
                | "erase"
                | "groupremove"
        ),
    };
    changes.then(|| first.to_string())
}

/// `cp -r /opt/app-backup /opt/app`: a backup copied over what it backs up.
fn restores_backup(args: &[Word]) -> bool {
    let paths: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(|a| a.to_lowercase())
        .collect();
    let Some((dest, sources)) = paths.split_last() else {
        return false;
    };
    let backup = |p: &str| {
        ["backup", "bak", "respaldo", ".old", "previous", "snapshot"]
            .iter()
            .any(|w| p.contains(w))
    };
    // `cp dump.rdb /var/lib/redis/`: a dump put back where the server reads its data.
    let dump = |p: &str| p.contains("dump") || p.ends_with(".rdb") || p.ends_with(".aof");
    let data_dir = dest.starts_with("/var/lib/") || dest.starts_with("/data");
    !sources.is_empty()
        && (sources.iter().any(|s| backup(s)) || (data_dir && sources.iter().any(|s| dump(s))))
        && !backup(dest)
}

/// `tar -xzf backup.tar.gz -C /var/lib/app`: a backup unpacked over live files.
fn extracts_backup(args: &[Word]) -> bool {
    // `--extract`, `-xzf`, or `xzf` as the first word.
    let extract = args.iter().enumerate().any(|(i, a)| {
        let bundle = (a.starts_with('-') && !a.starts_with("--")) || i == 0;
        a == "--extract"
            || a == "--get"
            || (bundle
                && a.contains('x')
                && a.trim_start_matches('-')
                    .chars()
                    .all(|c| c.is_ascii_alphabetic()))
    });
    extract
        && args.iter().any(|a| {
            let a = a.to_lowercase();
            ["backup", "respaldo", "snapshot", "dump"]
                .iter()
                .any(|w| a.contains(w))
        })
}

/// `gcloud config set`, `gcloud components update`, `az login`: the local tool's own
/// settings, not the cloud.
fn cloud_local(args: &[Word]) -> bool {
    args.iter()
        .find(|a| !a.starts_with('-'))
        .is_some_and(|a| matches!(a.as_ref(), "config" | "auth" | "components" | "extension"))
}

/// Whether a command changes state, destructive or not: packages installed, services
/// started or enabled, firewall rules, cluster objects, cloud resources created or
/// updated, an HTTP request that sends data. Such a command is an action wherever it
/// is written; reads (`get`, `describe`, `status`, `logs`, `curl -I`) are not.
pub fn changes_state_in(code: &str, cmds: &[Vec<Word>]) -> bool {
    detect_in(code, cmds).is_some() || writes_in(cmds)
}

/// The non-destructive half of `changes_state_in`: for a caller that has already run
/// `detect_in` on the same command.
pub fn writes_in(cmds: &[Vec<Word>]) -> bool {
    cmds.iter().any(|w| writes(w))
}

/// Whether a command of `cmds` is an HTTP request that sends something (`curl -X POST`
/// to a webhook, `-d`, `PUT`): a message to people or a change on a server, which an
/// unattended run makes only when told to.
pub fn sends_request_in(cmds: &[Vec<Word>]) -> bool {
    cmds.iter().any(|w| {
        program(w).is_some_and(|(prog, args)| match prog {
            "curl" | "wget" | "http" | "xh" => sends_data(args),
            // `gh issue comment 123 --body …`: a message others read.
            "gh" => {
                matches!(args.first().map(|a| a.as_ref()), Some("issue" | "pr"))
                    && args.iter().any(|a| {
                        matches!(
                            a.as_ref(),
                            "comment" | "create" | "close" | "merge" | "edit" | "review" | "reopen"
                        )
                    })
            }
            _ => false,
        })
    })
}

/// Whether every command of `cmds` that changes state is an HTTP request: sent from a
/// diagnosis or verification step, it is a probe (a signed test webhook, a login).
pub fn only_requests_in(cmds: &[Vec<Word>]) -> bool {
    cmds.iter().filter(|w| writes(w)).all(|w| {
        program(w).is_some_and(|(prog, _)| matches!(prog, "curl" | "wget" | "http" | "xh"))
    })
}

fn writes(words: &[Word]) -> bool {
    let Some((prog, args)) = program(words) else {
        return false;
    };
    if args.iter().any(|a| a.starts_with("--dry-run")) {
        return false;
    }
    let has = |w: &str| args.iter().any(|a| a == w);
    let any = |verbs: &[&str]| args.iter().any(|a| verbs.contains(&a.as_ref()));
    let first = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(|a| a.as_ref());
    const INSTALLING: &[&str] = &[
        "install",
        "reinstall",
        "localinstall",
        "groupinstall",
        "upgrade",
        "full-upgrade",
        "dist-upgrade",
        "downgrade",
        "add",
        "refresh",
        "ci",
    ];
    if names_a_fix(prog) && (words[0].contains('/') || is_script(prog)) {
        return true;
    }
    // `python3 ./rotate_keys.py`, `bash scripts/fix-perms.sh`.
    let interpreter = matches!(
        prog,
        "python" | "python3" | "bash" | "sh" | "node" | "ruby" | "perl"
    );
    if interpreter && first.is_some_and(|f| is_script(f) && names_a_fix(base_name(f))) {
        return true;
    }
    match prog {
        // Task runners: `fab production mysql.reset_slave`, `rake db:migrate`.
        "fab" | "fabric" | "invoke" | "inv" | "rake" | "cap" => {
            args.iter().any(|a| !a.starts_with('-') && names_a_fix(a))
        }
        "apt" | "apt-get" | "aptitude" | "yum" | "dnf" | "microdnf" | "zypper" | "apk" | "snap"
        | "brew" | "pip" | "pip3" | "pipx" | "gem" | "npm" | "pnpm" | "yarn" => {
            first.is_some_and(|f| INSTALLING.contains(&f))
        }
        "dpkg" | "rpm" => any(&["-i", "--install", "--configure", "-U", "--upgrade"]),
        "dpkg-reconfigure"
        | "update-ca-certificates"
        | "useradd"
        | "usermod"
        | "groupadd"
        | "chpasswd"
        | "setenforce"
        | "swapon"
        | "umount"
        | "exportfs" => true,
        "ufw" => !matches!(first, None | Some("status" | "show" | "version" | "app")),
        "firewall-cmd" => args.iter().any(|a| {
            [
                "--add-",
                "--remove-",
                "--set-",
                "--new-",
                "--delete-",
                "--change-",
                "--permanent",
            ]
            .iter()
            .any(|p| a.starts_with(p))
        }),
        "iptables" | "ip6tables" => any(&["-A", "-I", "-R", "-P", "-N", "--append", "--insert"]),
        "sysctl" => has("-w") || args.iter().any(|a| !a.starts_with('-') && a.contains('=')),
        "systemctl" | "service" => any(&[
            "start",
            "enable",
            "unmask",
            "daemon-reload",
            "set-property",
            "reenable",
            "isolate",
        ]),
        // `kubectl run --rm -it probe -- wget …` is a throwaway probe pod.
        "kubectl" | "oc" => match super::shell::kube_words(args).as_slice() {
            ["run", ..] => !has("--rm"),
            words => matches!(
                words,
                ["uncordon" | "expose" | "autoscale", ..] | ["rollout", "resume", ..]
            ),
        },
        "helm" => first == Some("install"),
        "docker" | "docker-compose" | "podman" => {
            let sub = positional(
                args,
                &["-f", "--file", "-p", "--project-name", "--env-file"],
            )
            .into_iter()
            .find(|w| *w != "compose");
            match sub {
                // `build`/`pull` only make local images: a build can be the check.
                Some("up" | "start" | "create" | "push" | "commit") => true,
                Some("run") => !has("--rm"),
                _ => false,
            }
        }
        "gcloud" | "az" | "doctl" | "heroku" | "fly" | "flyctl" => {
            !cloud_local(args)
                && args.iter().any(|a| {
                    matches!(
                        a.as_ref(),
                        "create" | "enable" | "start" | "import" | "patch"
                    ) || a.starts_with("add-")
                        || a.starts_with("set-")
                })
        }
        "aws" => args.iter().any(|a| {
            [
                "create-",
                "start-",
                "run-",
                "attach-",
                "associate-",
                "register-",
                "enable-",
            ]
            .iter()
            .any(|p| a.starts_with(p))
        }),
        "curl" | "wget" | "http" | "xh" => sends_data(args),
        "redis-cli" | "valkey-cli" => args.iter().any(|a| {
            matches!(
                a.to_uppercase().as_str(),
                "SET"
                    | "HSET"
                    | "LPUSH"
                    | "RPUSH"
                    | "SADD"
                    | "ZADD"
                    | "XADD"
                    | "EXPIRE"
                    | "PERSIST"
                    | "INCR"
                    | "DECR"
                    | "BGSAVE"
                    | "BGREWRITEAOF"
                    | "PUBLISH"
            )
        }),
        "git" => matches!(
            first,
            Some("commit" | "push" | "pull" | "merge" | "cherry-pick")
        ),
        "certbot" => !matches!(first, Some("certificates") | None),
        _ => !READERS.contains(&prog) && subcommand_among(args, CHANGING).is_some(),
    }
}

/// Whether every command of `cmds` only inspects (`du -sh /var/log/* | sort -h`, `dig
/// example.org CAA +short`, `kubectl get pods`, `systemctl status nginx`) and writes
/// no file: a diagnosis even under a Fix heading, so a check, not an action.
pub fn inspects_only(cmds: &[Vec<Word>]) -> bool {
    !cmds.is_empty()
        && cmds.iter().all(|words| {
            let Some((prog, args)) = program(words) else {
                return true;
            };
            // `2>&1` leaves its `1` as a command of its own.
            let inspects = prog.bytes().all(|b| b.is_ascii_digit())
                || (prog == "watch" && watched_inspects(args))
                || INSPECTORS.contains(&prog)
                || shows_only(prog, args)
                || reads_database(prog, args)
                || (!READERS.contains(&prog) && looking_subcommand(args));
            inspects && !redirects_to_file(words)
        })
}

/// `watch -n 5 "psql -c 'SELECT …'"`, `watch kubectl get pods`: the command it repeats
/// only inspects.
fn watched_inspects(args: &[Word]) -> bool {
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        i += if matches!(args[i].as_ref(), "-n" | "--interval") {
            2
        } else {
            1
        };
    }
    match &args[i.min(args.len())..] {
        [] => false,
        [script] => inspects_only(&simple_commands(script)),
        words => inspects_only(&[words.to_vec()]),
    }
}

/// A SQL client given one read-only query: `psql -c "SELECT count(*) FROM jobs"`,
/// `mysql -e 'SHOW PROCESSLIST'`, `psql -c '\dt'`.
fn reads_database(prog: &str, args: &[Word]) -> bool {
    const READING: &[&str] = &[
        "select", "show", "explain", "describe", "desc", "\\d", "\\l",
    ];
    if !matches!(
        prog,
        "psql" | "mysql" | "mariadb" | "sqlite3" | "clickhouse-client"
    ) {
        return false;
    }
    let query = args
        .windows(2)
        .find(|w| {
            matches!(
                w[0].as_ref(),
                "-c" | "-e" | "--command" | "--execute" | "-q" | "--query"
            )
        })
        .map(|w| w[1].as_ref())
        .or_else(|| {
            (prog == "sqlite3")
                .then(|| args.last().map(|a| a.as_ref()))
                .flatten()
        });
    query.is_some_and(|q| {
        let first = q.trim_start().to_ascii_lowercase();
        READING.iter().any(|r| first.starts_with(r))
            && !SQL_WORDS.is_match(q)
            && !q.trim_end().trim_end_matches(';').contains(';')
    })
}

/// `date` and `hostname` show unless told to set (`date -s …`, `hostname web-1`).
fn shows_only(prog: &str, args: &[Word]) -> bool {
    match prog {
        "date" => !args.iter().any(|a| a == "-s" || a.starts_with("--set")),
        "hostname" => args.iter().all(|a| a.starts_with('-')),
        _ => false,
    }
}

/// Programs that only show the system's state.
const INSPECTORS: &[&str] = &[
    "du",
    "df",
    "ls",
    "cat",
    "zcat",
    "grep",
    "egrep",
    "fgrep",
    "zgrep",
    "rg",
    "head",
    "tail",
    "wc",
    "sort",
    "uniq",
    "cut",
    "tr",
    "awk",
    "jq",
    "yq",
    "column",
    "dig",
    "host",
    "nslookup",
    "ping",
    "ps",
    "pgrep",
    "pidof",
    "free",
    "uptime",
    "vmstat",
    "iostat",
    "mpstat",
    "lsblk",
    "lsof",
    "netstat",
    "ss",
    "stat",
    "file",
    "findmnt",
    "whoami",
    "id",
    "printenv",
    "nproc",
    "getent",
    "traceroute",
    "tracepath",
    "mtr",
];

/// A looking word among the first subcommand words (`kubectl -n prod get pods`,
/// `docker ps`, `systemctl status nginx`) and no changing or destroying one.
fn looking_subcommand(args: &[Word]) -> bool {
    const ALSO_LOOKING: &[&str] = &["ps", "top", "stats", "events", "is-active", "is-enabled"];
    let words = args
        .iter()
        .map(|a| a.as_ref())
        .filter(|a| !a.starts_with('-'))
        .take(3);
    let mut looks = false;
    for w in words {
        let verb = w.split(['-', '_']).next().unwrap_or(w);
        if DESTROYING.contains(&verb) || CHANGING.contains(&verb) {
            return false;
        }
        looks |= LOOKING.contains(&verb) || ALSO_LOOKING.contains(&w);
    }
    looks
}

/// `> out.txt`, `>>log`, `2>errors.txt`: output written to a file (`2>/dev/null` and
/// `2>&1` write none).
fn redirects_to_file(words: &[Word]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        let Some(target) = w
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .strip_prefix('>')
        else {
            return false;
        };
        let target = target.trim_start_matches('>');
        let target = match target {
            "" => words.get(i + 1).map_or("", |n| n.as_ref()),
            t => t,
        };
        !(target.is_empty() || target == "/dev/null" || target.starts_with('&'))
    })
}

/// Subcommand words that change what a program with no rule of its own manages, short
/// of destroying it: `vercel login`, `vercel certs renew`, `velero backup create`,
/// `consul kv put`, `ip route add`, `minikube start`.
const CHANGING: &[&str] = &[
    "login", "logout", "renew", "issue", "deploy", "create", "add", "put", "write", "set", "apply",
    "install", "update", "upgrade", "enable", "disable", "start", "scale", "rotate", "push",
    "publish", "promote", "import", "patch", "register", "mount",
];

/// A POST that only looks something up, tries a login or takes a diagnostic
/// (`/api/auth/login`, `/_search`, `/graphql`, `/health`, `/admin/profile/cpu`): the
/// host's name does not count.
fn looks_up(args: &[Word]) -> bool {
    args.iter()
        .filter(|a| a.contains("://") || a.starts_with('/'))
        .any(|url| {
            let path = url.split_once("://").map_or(url.as_ref(), |(_, rest)| {
                rest.find('/').map_or("", |i| &rest[i..])
            });
            names_lookup(path)
        })
}

/// Whether a URL path, lower-cased, holds a word of a lookup (`login`, `_search`,
/// `health`, …). An ASCII path (most) lower-cases byte by byte, so one ASCII
/// case-insensitive automaton pass answers; other text may fold into ASCII (the
/// Kelvin sign into `k`) and is lower-cased first.
fn names_lookup(path: &str) -> bool {
    const WORDS: [&str; 18] = [
        "login", "auth", "token", "search", "query", "graphql", "health", "status", "_count",
        "ping", "validate", "verify", "snapshot", "profile", "pprof", "debug", "heap", "trace",
    ];
    static ASCII_WORDS: Lazy<Option<aho_corasick::AhoCorasick>> = Lazy::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(WORDS)
            .ok()
    });
    match ASCII_WORDS.as_ref() {
        Some(words) if path.is_ascii() => words.is_match(path),
        _ => {
            let path = path.to_lowercase();
            WORDS.iter().any(|w| path.contains(w))
        }
    }
}

/// `curl -X POST`, `curl -d …`, `--data`, `-F`, `--json`, `-T`, `wget --post-data`,
/// `http PUT …`: the request sends or changes something. `-I`/`--head`/`-G` only read.
fn sends_data(args: &[Word]) -> bool {
    let method = args
        .iter()
        .position(|a| a == "-X" || a == "--request" || a == "--method")
        .and_then(|i| args.get(i + 1))
        .map(|m| m.to_uppercase())
        .or_else(|| {
            args.iter().find_map(|a| {
                a.strip_prefix("-X")
                    .or_else(|| a.strip_prefix("--request="))
                    .or_else(|| a.strip_prefix("--method="))
                    .filter(|m| !m.is_empty())
                    .map(str::to_uppercase)
            })
        })
        .or_else(|| {
            // httpie: `http PUT url`.
            args.iter()
                .find(|a| !a.starts_with('-'))
                .filter(|a| matches!(a.as_ref(), "POST" | "PUT" | "PATCH" | "DELETE"))
                .map(|a| a.to_string())
        });
    if let Some(m) = method {
        return matches!(m.as_str(), "PUT" | "PATCH" | "DELETE")
            || (m == "POST" && !looks_up(args));
    }
    let reads = args
        .iter()
        .any(|a| matches!(a.as_ref(), "-I" | "--head" | "-G" | "--get"));
    !reads
        && !looks_up(args)
        && args.iter().any(|a| {
            matches!(
                a.as_ref(),
                "-d" | "-F" | "-T" | "--json" | "--form" | "--upload-file"
            ) || a.starts_with("--data")
                || a.starts_with("--post-")
                || (a.starts_with("-d") && a.len() > 2 && !a.starts_with("-d-"))
        })
}

/// `etcdctl del`, `defrag`, `compact`, `member remove`, `snapshot restore`: keys,
/// history or members gone, or a member blocked while it defragments.
fn etcdctl(args: &[Word]) -> Option<String> {
    const VALUE_FLAGS: &[&str] = &[
        "--endpoints",
        "--cacert",
        "--cert",
        "--key",
        "--user",
        "--password",
        "-w",
        "--write-out",
        "--command-timeout",
        "--dial-timeout",
    ];
    let words = positional(args, VALUE_FLAGS);
    let sub = *words.first()?;
    let next = words.get(1).copied().unwrap_or("");
    let risky = match sub {
        "del" | "defrag" | "compact" | "compaction" | "move-leader" => true,
        "member" => matches!(next, "remove" | "update"),
        "snapshot" => next == "restore",
        "lease" => next == "revoke",
        "alarm" => next == "disarm",
        _ => false,
    };
    risky.then(|| format!("`etcdctl {}`", words[..words.len().min(2)].join(" ")))
}

/// The script a shell or `su` runs from its `-c` argument (`sh -c '…'`, `bash -lc
/// '…'`, `su - app --command='…'`): the word after the first option cluster holding `c`.
fn inline_script<'a>(args: &'a [Word]) -> Option<&'a str> {
    for (i, arg) in args.iter().enumerate() {
        if let Some(script) = arg.strip_prefix("--command=") {
            return Some(script);
        }
        let cluster = arg
            .strip_prefix('-')
            .filter(|c| c.bytes().all(|b| b.is_ascii_alphabetic()));
        if arg == "--command" || cluster.is_some_and(|c| c.contains('c')) {
            return args.get(i + 1).map(|a| a.as_ref());
        }
    }
    None
}

/// `ssh host 'sudo systemctl restart nginx'`: the command run on the other side.
fn remote_command(args: &[Word]) -> Option<String> {
    const VALUE_FLAGS: &[&str] = &[
        "-i", "-p", "-l", "-o", "-J", "-F", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-I", "-m",
        "-O", "-Q", "-S", "-W", "-w", "-B",
    ];
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        i += if VALUE_FLAGS.contains(&args[i].as_ref()) {
            2
        } else {
            1
        };
    }
    let remote = args.get(i + 1..).filter(|r| !r.is_empty())?;
    detect(&remote.join(" "))
}

/// Programs that only read or print their arguments: `grep delete`, `echo stop`, `man kill`.
const READERS: &[&str] = &[
    "grep",
    "egrep",
    "fgrep",
    "zgrep",
    "rg",
    "ag",
    "ack",
    "echo",
    "printf",
    "cat",
    "zcat",
    "bat",
    "less",
    "more",
    "head",
    "tail",
    "man",
    "help",
    "info",
    "tldr",
    "which",
    "whereis",
    "type",
    "apropos",
    "whatis",
    "ls",
    "stat",
    "file",
    "wc",
    "sort",
    "uniq",
    "cut",
    "tr",
    "awk",
    "sed",
    "find",
    "jq",
    "yq",
    "diff",
    "test",
    "[",
    "pgrep",
    "pidof",
    "ps",
    "journalctl",
    "dmesg",
    "history",
    "alias",
    "hash",
    "declare",
    "local",
    "read",
    "export",
    "set",
    "unset",
    "cd",
    "pushd",
    "popd",
    "sleep",
    "date",
    "true",
    "false",
    "logger",
    "column",
    "basename",
    "dirname",
    "readlink",
    "realpath",
    "printenv",
    "for",
    "while",
    "until",
    "if",
    "case",
    "select",
    "function",
    "source",
    ".",
    "dig",
    "host",
    "nslookup",
    "ping",
];

/// Subcommand words that delete, stop or reset whatever the program manages.
const DESTROYING: &[&str] = &[
    "destroy",
    "purge",
    "wipe",
    "delete",
    "del",
    "drop",
    "remove",
    "rm",
    "erase",
    "reset",
    "kill",
    "terminate",
    "uninstall",
    "teardown",
    "truncate",
    "flush",
    "flushall",
    "prune",
    "decommission",
    "removenode",
    "rollback",
    "restore",
    "restart",
    "stop",
    "shutdown",
    "reboot",
    "poweroff",
    "evict",
    "revoke",
    "failover",
    "reinit",
    "format",
];

/// Subcommand words that only look.
const LOOKING: &[&str] = &[
    "get", "describe", "list", "ls", "show", "status", "logs", "log", "inspect", "view", "info",
    "history", "plan", "diff", "help", "version",
];

/// `helmfile destroy`, `consul kv delete`, `rabbitmqctl purge_queue`, `gitlab-rails
/// runner sq.rb kill Worker`, `rsync --delete`: a destroying word among the first
/// subcommand words of a program with no rule of its own (scripts passed to a runner
/// are stepped over). A looking word among them (`velero restore get`) or `--dry-run`
/// makes it a read.
fn risky_subcommand(prog: &str, args: &[Word]) -> Option<String> {
    if READERS.contains(&prog) || args.iter().any(|a| a.starts_with("--dry-run")) {
        return None;
    }
    if let Some(flag) = args.iter().find(|a| {
        matches!(
            a.as_ref(),
            "--delete" | "--purge" | "--wipe" | "--destroy" | "--drop"
        )
    }) {
        return Some(format!("`{prog} {flag}`"));
    }
    subcommand_among(args, DESTROYING).map(|h| format!("`{prog} {h}`"))
}

/// The first of the first three subcommand words (flags and scripts stepped over) whose
/// verb is one of `verbs`; none when a looking word is among them (`velero restore
/// get`, `vercel certs ls`).
fn subcommand_among<'a>(args: &'a [Word], verbs: &[&str]) -> Option<&'a str> {
    let mut hit = None;
    let mut counted = 0;
    for a in args {
        if counted == 3 {
            break;
        }
        let a = a.as_ref();
        if a.starts_with('-') || is_script(a) {
            continue;
        }
        counted += 1;
        if !is_subcommand_word(a) {
            continue;
        }
        // A verb leads a compound subcommand (`purge_queue`, `delete-cluster`); a
        // resource name is free to end in one (`chatbot_restore`).
        let verb = a.split(['-', '_']).next().unwrap_or(a);
        if LOOKING.contains(&verb) {
            return None;
        }
        if hit.is_none() && verbs.contains(&verb) {
            hit = Some(a);
        }
    }
    hit
}

/// `sq.rb`, `./cleanup.py`: a script handed to a runner, whose own words follow it.
fn is_script(word: &str) -> bool {
    [".rb", ".py", ".sh", ".js", ".pl", ".ts", ".php"]
        .iter()
        .any(|ext| word.len() > ext.len() && word.ends_with(ext))
}

/// `purge_queue`, `delete-cluster`, `kill`: lower-case letters joined by `-` or `_`.
fn is_subcommand_word(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_lowercase())
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Prose or comments next to a command that warn it destroys: "CAUTION: DATA LOSS",
/// "**WARNING**: this removes every key", "¡Cuidado! Borra…", "cannot be undone". A
/// bare caution ("Warning: this can take minutes", "use with caution", "NO
/// RECOMENDADO") counts only when the command itself `writes`: next to a read it is
/// just text.
pub fn warned(text: &str, writes: bool) -> bool {
    static CAPS: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"\b(?:WARNING|CAUTION|DANGER|CUIDADO|PELIGRO|ADVERTENCIA)\b[\s*_)]*[:!]")
            .expect("static regex")
    });
    static LEADING: Lazy<Regex> = Lazy::new(|| {
        Regex::new(
            r"(?i)^[\W_]*(?:warning|caution|danger|cuidado|peligro|advertencia)\b[\s*_)]*[:!]",
        )
        .expect("static regex")
    });
    static CAUTIONS: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)(?:^|[^\w])(?:be careful with|use with caution|us(?:ar|e) con (?:precauci[oó]n|cuidado)|no recomendado|not recommended)")
            .expect("static regex")
    });
    // Every pattern here needs one of these words: most text has none of them.
    static WORDS: Lazy<aho_corasick::AhoCorasick> = Lazy::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "warning",
                "caution",
                "danger",
                "cuidado",
                "peligro",
                "advertencia",
                "careful",
                "recomendado",
                "recommended",
                "precauci",
                "data loss",
                "rdida de datos",
                "irreversible",
                "undone",
                "deshacer",
            ])
            .expect("static words")
    });
    if !WORDS.is_match(text) {
        return false;
    }
    let cautioned = || CAPS.is_match(text) || LEADING.is_match(text) || CAUTIONS.is_match(text);
    names_harm(text) || ((writes || names_harmful_verb(text)) && cautioned())
}

/// "data loss", "irreversible", "cannot be undone": harm that needs no warning word.
fn names_harm(text: &str) -> bool {
    static PHRASES: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)(?:^|[^\w])(?:data loss|p[eé]rdida de datos|irreversible|cannot be undone|can't be undone|can not be undone|no se puede deshacer)")
            .expect("static regex")
    });
    static NEGATED: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)\b(?:no|without|sin)\s+(?:data loss|p[eé]rdida de datos)")
            .expect("static regex")
    });
    PHRASES.is_match(text) && !NEGATED.is_match(text)
}

/// A warning's harmful effect: "removes every key", "borra los datos", "restarts".
fn names_harmful_verb(text: &str) -> bool {
    static VERBS: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)\b(?:delet(?:e|es|ed|ing)|remov(?:e|es|ed|ing)|eras(?:e|es|ed|ing)|wip(?:e|es|ed|ing)|destroy(?:s|ed|ing)?|drop(?:s|ped|ping)?|overwrit(?:e|es|ing|ten)|restart(?:s|ed|ing)?|downtime|outage|borra[nr]?|elimina[nr]?|destruye[n]?|sobrescribe[n]?|reinicia[nr]?)\b")
            .expect("static regex")
    });
    VERBS.is_match(text)
}

/// Script and target names that change what is deployed or stored.
/// A script or task named by what it changes: `fix-replication.sh`, `mysql.reset_slave`,
/// `db:migrate`, `rotate_keys.py`.
fn names_a_fix(name: &str) -> bool {
    const FIXING: &[&str] = &[
        "fix", "repair", "reset", "restart", "renew", "rotate", "sync", "resync", "recover",
        "rebuild", "reload", "apply", "update", "upgrade", "enable", "disable", "start", "stop",
        "create", "install", "promote", "failover", "deploy", "migrate", "rollback", "restore",
        "cleanup", "clean", "drain", "requeue", "retry", "replay",
    ];
    has_part_among(name, FIXING)
}

fn risky_word(word: &str) -> bool {
    const RISKY: &[&str] = &[
        "rollback", "restore", "reset", "drop", "destroy", "wipe", "purge", "deploy", "failover",
        "teardown", "cleanup", "clean", "flush", "prune", "down", "migrate", "truncate", "delete",
        "revert", "restart", "stop", "kill", "shutdown",
    ];
    has_part_among(word, RISKY)
}

/// Whether one of `word`'s alphanumeric parts, lower-cased, is among `names`. ASCII
/// (most words) lower-cases byte by byte, so its parts compare without a copy; other
/// text may fold to ASCII (the Kelvin sign to `k`) and is lower-cased first.
fn has_part_among(word: &str, names: &[&str]) -> bool {
    let named = |part: &str| names.iter().any(|n| part.eq_ignore_ascii_case(n));
    let parts = |w: &str| w.split(|c: char| !c.is_ascii_alphanumeric()).any(named);
    if word.is_ascii() {
        parts(word)
    } else {
        parts(&word.to_lowercase())
    }
}

fn docker(prog: &str, args: &[Word]) -> Option<String> {
    // `docker compose …`: skip the plugin word and global flags.
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_ref();
        if a == "compose"
            || a == "-f"
            || a == "--file"
            || a == "-p"
            || a == "--project-name"
            || a == "--env-file"
        {
            i += if a == "compose" { 1 } else { 2 };
        } else if a.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    let sub = args.get(i).map(|a| a.as_ref()).unwrap_or("");
    let rest = args.get(i + 1..).unwrap_or(&[]);
    match sub {
        "down" | "rm" | "rmi" | "restart" | "stop" | "kill" | "pause" => {
            let plugin = if args.iter().any(|a| a == "compose") {
                " compose"
            } else {
                ""
            };
            Some(format!("`{prog}{plugin} {sub}`"))
        }
        // Recreating what runs in production restarts it: `docker compose -f
        // docker-compose.prod.yml up -d backend`, `up -d --force-recreate`.
        "up" | "build"
            if args[..i]
                .windows(2)
                .any(|w| matches!(w[0].as_ref(), "-f" | "--file") && w[1].contains("prod"))
                || rest.iter().any(|a| a == "--force-recreate") =>
        {
            Some(format!(
                "`{prog} compose {sub}` recreating production containers"
            ))
        }
        "system" | "volume" | "image" | "container" | "network" | "builder"
            if rest.iter().any(|a| matches!(a.as_ref(), "prune" | "rm")) =>
        {
            Some(format!("`{prog} {sub} prune/rm`"))
        }
        "service"
            if rest
                .iter()
                .any(|a| matches!(a.as_ref(), "rm" | "update" | "scale" | "rollback")) =>
        {
            Some(format!("`{prog} service`"))
        }
        "exec" | "run" => {
            // The command inside the container: skip flags, the service, and judge the rest.
            let mut j = 0;
            while j < rest.len() {
                let a = rest[j].as_ref();
                if matches!(
                    a,
                    "-u" | "--user"
                        | "-e"
                        | "--env"
                        | "-w"
                        | "--workdir"
                        | "--name"
                        | "--entrypoint"
                        | "-v"
                        | "--volume"
                        | "--network"
                ) {
                    j += 2;
                } else if a.starts_with('-') {
                    j += 1;
                } else {
                    break;
                }
            }
            let inner = rest.get(j + 1..).unwrap_or(&[]);
            if inner.is_empty() {
                None
            } else {
                simple(inner)
            }
        }
        _ => None,
    }
}

fn kubectl(prog: &str, args: &[Word]) -> Option<String> {
    // Global flags that take a value come before the verb: `-n ns`, `--context c`.
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        let takes_value = matches!(
            args[i].as_ref(),
            "-n" | "--namespace"
                | "--context"
                | "--cluster"
                | "--kubeconfig"
                | "-s"
                | "--server"
                | "--user"
                | "--token"
                | "-l"
                | "--selector"
        );
        i += if takes_value { 2 } else { 1 };
    }
    let mut sub = args.get(i).map(|a| a.as_ref())?;
    if sub == "adm" {
        // `oc adm drain|cordon|taint …`: the verb comes after `adm`.
        sub = args.get(i + 1).map(|a| a.as_ref())?;
    }
    match sub {
        "delete" | "drain" | "cordon" | "scale" | "apply" | "replace" | "patch" | "edit"
        | "taint" | "label" | "annotate" | "set" | "create" => Some(format!("`{prog} {sub}`")),
        "rollout"
            if args
                .iter()
                .any(|a| a == "restart" || a == "undo" || a == "pause") =>
        {
            Some(format!("`{prog} rollout`"))
        }
        "exec" => {
            let dashdash = args.iter().position(|a| a == "--")?;
            simple(&args[dashdash + 1..])
        }
        _ => None,
    }
}

fn redis(args: &[Word]) -> Option<String> {
    const DESTRUCTIVE: &[&str] = &[
        "FLUSHALL",
        "FLUSHDB",
        "DEL",
        "UNLINK",
        "SHUTDOWN",
        "SWAPDB",
        "RENAME",
        "MIGRATE",
        "RESTORE",
        "FAILOVER",
        "REPLICAOF",
        "SLAVEOF",
    ];
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_ref();
        match a {
            "-h" | "-p" | "-a" | "-n" | "-u" | "--user" | "--pass" | "-s" | "--pattern" | "-i"
            | "-r" | "--cacert" | "--cert" | "--key" => i += 2,
            a if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    let cmd = args.get(i)?.to_uppercase();
    let sub = args
        .get(i + 1)
        .map(|s| s.to_uppercase())
        .unwrap_or_default();
    if DESTRUCTIVE.contains(&cmd.as_str()) {
        return Some(format!("Redis `{cmd}`"));
    }
    if (cmd == "CLIENT" && sub == "KILL")
        || (cmd == "CONFIG" && (sub == "SET" || sub == "RESETSTAT" || sub == "REWRITE"))
        || (cmd == "SCRIPT" && sub == "FLUSH")
        || (cmd == "FUNCTION" && sub == "FLUSH")
    {
        return Some(format!("Redis `{cmd} {sub}`"));
    }
    REDIS
        .find(&args[i..].join(" "))
        .map(|m| format!("Redis `{}`", m.as_str()))
}

fn git(args: &[Word]) -> Option<String> {
    let sub = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(|a| a.as_ref())?;
    let has = |w: &str| args.iter().any(|a| a == w);
    let risky = match sub {
        "revert" | "rebase" => true,
        "reset" => has("--hard"),
        "push" => has("--force") || has("-f") || has("--force-with-lease") || has("--delete"),
        "clean" => args.iter().any(|a| a.starts_with("-") && a.contains('f')),
        "branch" => has("-D") || has("--delete"),
        "checkout" | "restore" => has("--") || has("."),
        _ => false,
    };
    risky.then(|| format!("`git {sub}`"))
}

fn aws(args: &[Word]) -> Option<String> {
    if args.iter().any(|a| a == "--force-new-deployment") {
        return Some("`--force-new-deployment`".into());
    }
    let words: Vec<&str> = args
        .iter()
        .map(|a| a.as_ref())
        .filter(|a| !a.starts_with('-'))
        .collect();
    if words.first() == Some(&"s3") && words.get(1).is_some_and(|v| *v == "rm" || *v == "rb") {
        return Some("`aws s3 rm`".into());
    }
    let op = words.get(1)?;
    if *op == "update-kubeconfig" {
        // Writes the local kubeconfig only, like `gcloud … get-credentials`.
        return None;
    }
    const VERBS: &[&str] = &[
        "delete-",
        "terminate-",
        "stop-",
        "reboot-",
        "update-",
        "put-",
        "modify-",
        "remove-",
        "detach-",
        "deregister-",
        "purge-",
        "restore-",
        "reset-",
        "failover-",
        "promote-",
        "switchover-",
        "revoke-",
        "disable-",
        "cancel-",
    ];
    VERBS
        .iter()
        .any(|v| op.starts_with(v))
        .then(|| format!("`aws {} {op}`", words[0]))
}

fn http(args: &[Word]) -> Option<String> {
    let method = args
        .iter()
        .position(|a| a == "-X" || a == "--request")
        .and_then(|i| args.get(i + 1))
        .map(|m| m.to_uppercase())
        .or_else(|| {
            args.iter().find_map(|a| {
                a.strip_prefix("-X")
                    .filter(|m| !m.is_empty())
                    .map(str::to_uppercase)
            })
        });
    match method.as_deref() {
        Some("DELETE") => Some("HTTP `DELETE`".into()),
        Some("POST" | "PUT" | "PATCH") => {
            let url = args
                .iter()
                .find(|a| a.contains("://") || a.starts_with('/'))?;
            let path = url.to_lowercase();
            [
                "restart", "reboot", "shutdown", "delete", "purge", "flush", "reset", "kill",
                "drop", "truncate", "rollback", "restore", "disable", "pause", "clear", "wipe",
                "failover", "stop",
            ]
            .iter()
            .find(|w| path.contains(*w))
            .map(|w| format!("HTTP POST to a `{w}` endpoint"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yes(cmd: &str) {
        assert!(is_destructive(cmd), "should be destructive: {cmd}");
    }
    fn no(cmd: &str) {
        assert!(
            !is_destructive(cmd),
            "should not be destructive: {cmd}: {:?}",
            detect(cmd)
        );
    }

    #[test]
    fn promotions_deploys_and_vacuums_are_destructive() {
        yes("sudo kubeadm alpha certs renew all");
        yes("docker-compose -f docker-compose.prod.yml up -d backend");
        yes("docker compose up -d --force-recreate api");
        yes("mysql -uroot -e \"SET GLOBAL sync_binlog = 0;\"");
        no("docker compose -f docker-compose.dev.yml up -d");
        no("mysql -e \"SHOW GLOBAL STATUS\"");
        assert!(sends_request_in(&simple_commands(
            "gh issue comment 123 --body done"
        )));
        assert!(!sends_request_in(&simple_commands("gh issue view 123")));
        yes("aws rds promote-read-replica --db-instance-identifier db-replica");
        yes("aws rds switchover-blue-green-deployment --blue-green-deployment-identifier x");
        yes("npx serverless deploy function -f checkout --stage prod");
        yes("sls deploy --stage prod");
        yes("npx -p aws-cdk cdk deploy --all");
        yes("cdk destroy ApiStack");
        yes("pulumi up --yes");
        yes("firebase deploy --only functions");
        yes("wrangler deploy");
        yes("ansible-playbook -i prod site.yml");
        yes("npx prisma migrate deploy");
        no("npx serverless info --stage prod");
        no("cdk diff");
        no("pulumi preview");
        no("ansible-playbook -i prod site.yml --check");
        no("npx prettier --check .");
        yes("vercel --prod");
        yes("vercel rollback https://app-x.vercel.app");
        yes("netlify deploy --prod --dir=dist");
        yes("journalctl --vacuum-size=200M");
        yes("sudo journalctl --vacuum-time 7d");
        no("aws rds describe-db-instances --db-instance-identifier db-replica");
        no("vercel ls");
        no("vercel inspect app-x.vercel.app");
        no("journalctl -u kubelet --since '10 min ago'");
        no("journalctl --disk-usage");
    }

    #[test]
    fn a_script_handed_to_a_shell_is_judged_as_written_out() {
        yes("kubectl get secrets -o name | xargs -I{} sh -c \"kubectl delete -n mon {}\"");
        yes("bash -c \"kubectl delete secret old-one -n mon\"");
        yes("kubectl exec redis-0 -- sh -c \"redis-cli FLUSHALL\"");
        yes("docker exec app sh -c 'rm -rf /data/cache'");
        yes("sudo su -c \"rm -rf /var/lib/app\"");
        yes("su - postgres --command='dropdb app'");
        yes("bash -lc 'systemctl restart nginx'");
        yes("eval \"docker compose down\"");
        // An unclosed quote, as a real runbook wrote it.
        yes("kubectl get secrets | xargs -I{} sh -c \"kubectl delete secret -n mon {}");
        no("sh -c 'kubectl get pods'");
        no("bash -c \"echo restart\"");
        no("su - app -c 'tail -n 50 /var/log/app.log'");
        no("bash scripts/check.sh -c config.yaml");
        no("sh -x ./healthcheck.sh");
    }

    #[test]
    fn issue_list() {
        yes("docker-compose exec redis redis-cli FLUSHALL");
        yes("docker-compose exec redis redis-cli --scan --pattern \"tenant:abc123:*\" | xargs redis-cli DEL");
        yes("redis-cli -h $REDIS_HOST \\\n  DEL bull:anclora-whatsapp:failed");
        yes("psql -U postgres -d remember_me -c \"\n  UPDATE \\\"IntegrationJob\\\" \n  SET status = 'PENDING';\n\"");
        yes("psql -c 'DELETE FROM jobs'");
        yes("psql -c 'DROP TABLE x'");
        yes("psql -c 'TRUNCATE jobs'");
        yes("redis-cli -h $REDIS_HOST CLIENT KILL TYPE normal");
        yes("aws ecs update-service \\\n  --cluster c \\\n  --service s \\\n  --force-new-deployment");
        yes("docker compose down");
        yes("docker-compose restart worker");
        yes("docker compose restart app");
        yes("pg_restore -h localhost -U chatbot -d chatbot_restore backups/x.dump");
        yes("git revert <commit_hash>");
        yes("rm -rf /tmp/x");
        yes("kill -9 1234");
        yes("systemctl restart nginx");
        yes("kubectl rollout restart deploy/api");
        yes("./scripts/deployment/rollback.sh production");
        yes("curl -X POST https://evolution.anclora.com/instance/restart/$INSTANCE_NAME");
        yes("redis-cli CONFIG SET maxclients 10000");
        yes("make db-restore BACKUP_FILE=x.sql");
        yes("docker-compose stop api");
        yes("kubectl -n $NAMESPACE scale deploy/orders --replicas=6");
        yes("find /var/wal -mtime +7 -delete");
        yes("gunzip -c /backups/pedidos_20251107.sql.gz | \\\n  docker-compose exec -T postgres psql -U pedidos pedidos");
        yes("psql -U x mydb < dump.sql");
    }

    #[test]
    fn firewall_rules_that_block_traffic() {
        yes("sudo iptables -A INPUT -p tcp --dport 6379 -j DROP");
        yes("iptables -I INPUT 1 -s 10.0.0.5 -j REJECT");
        yes("iptables -P INPUT DROP");
        yes("sudo nft add rule inet filter input tcp dport 22 drop");
        yes("sudo ufw deny 5432/tcp");
        yes("ufw default deny incoming");
        yes("ufw insert 1 reject from 1.2.3.4");
        yes("firewall-cmd --permanent --remove-service=http");
        yes("gcloud compute firewall-rules create block-redis --action=DENY --rules=tcp:6379");
        yes("gcloud compute firewall-rules update r --action deny");
        yes("aws ec2 revoke-security-group-ingress --group-id sg-1 --protocol tcp --port 22");
        // Rules that let traffic in, and reads, are not.
        no("sudo iptables -A INPUT -p tcp --dport 6379 -j ACCEPT");
        no("sudo iptables -L -n");
        no("sudo ufw allow 22/tcp");
        no("sudo ufw status verbose");
        no("gcloud compute firewall-rules create allow-web --action=ALLOW --rules=tcp:80");
        no("gcloud compute firewall-rules list");
        no("nft list ruleset");
        no("firewall-cmd --list-all");
    }

    #[test]
    fn read_only_commands() {
        no("docker-compose logs api | grep -i restart");
        no("pg_restore -l backups/chatbot.dump | head");
        no("redis-cli -h $REDIS_HOST CLIENT LIST | grep blocked");
        no("curl -X POST http://localhost:3000/admin/heap-snapshot");
        no("curl -i -X POST http://localhost:8003/api/auth/ws-token");
        no("# Update environment variable\naws ecs describe-services --cluster x");
        no("docker compose ps");
        no("psql -c 'SELECT 1'");
        no("git log --oneline -10");
        no("kubectl -n $NAMESPACE get pods -l app=x");
        no("find /var/log -name '*.gz'");
        no("redis-cli ping");
        no("docker compose exec postgres pg_isready -U ${POSTGRES_USER:-chatbot}");
        no("make health-check");
        no("echo x | grep y");
        no("docker compose logs app | grep psql");
        no("cat q.sql | psql -c 'select 1'");
    }

    #[test]
    fn packages_disks_clusters_and_unknown_tools() {
        yes("sudo apt-get purge linux-headers-5.4.0-42");
        yes("sudo apt-get autoremove -y");
        yes("yum remove -y httpd");
        yes("dnf erase nginx");
        yes("helmfile destroy");
        yes("helmfile -e prod destroy");
        yes("sudo mkfs.ext4 /dev/sdb");
        yes("sudo growpart /dev/sda 1");
        yes("sudo resize2fs /dev/sda1");
        yes("xfs_growfs /");
        yes("sudo swapoff -a");
        yes("etcdctl del --prefix /registry");
        yes("ETCDCTL_API=3 etcdctl --endpoints $EP defrag");
        yes("etcdctl member remove 8e9e05c52164694d");
        yes("sudo kubeadm reset -f");
        yes("sudo gitlab-rails runner /tmp/sq.rb kill Worker");
        yes("gitlab-ctl restart redis");
        yes("consul kv delete app/config");
        yes("rabbitmqctl purge_queue jobs");
        yes("rsync -a --delete src/ dst/");
        yes("oc adm drain node-1 --ignore-daemonsets");
        yes("ssh db1 'sudo systemctl restart postgresql'");
        yes("psql -h <db-host> mydb < dump.sql");
    }

    #[test]
    fn host_package_changes_and_restores() {
        yes("sudo apt-get install -y nginx");
        yes("sudo apt upgrade");
        yes("yum update");
        yes("sudo dnf install -y postgresql15");
        yes("apk add curl");
        yes("snap refresh");
        yes("rpm -Uvh agent.rpm");
        yes("dpkg -i agent.deb");
        yes("sudo pip install awscli");
        yes("mysql -u root app < dump.sql");
        yes("zcat backup.sql.gz | mysql app");
        yes("mongorestore --drop /backups/mongo");
        yes("cp /tmp/dump.rdb /var/lib/redis/dump.rdb");
        yes("cat dump.txt | redis-cli --pipe");
        yes("mysqlimport app orders.csv");
        yes("tar -xzf backup.tar.gz -C /var/lib/app");
        yes("borg extract ::latest");
    }

    #[test]
    fn reads_stay_reads() {
        no("psql -h <db-host> -c 'select 1'");
        no("mysql -u <db_user> -e 'SHOW PROCESSLIST'");
        no("psql -U <db user> -c \"SELECT * FROM t WHERE n < 5\"");
        no("apt list --installed");
        no("apt-cache policy nginx");
        no("apt-get update");
        no("sudo apt-get install -s nginx");
        no("dnf check-update");
        no("rpm -qa | grep nginx");
        no("dpkg -l nginx");
        no("pip install awscli");
        no("cp /var/lib/redis/dump.rdb /tmp/");
        no("tar -czf backup.tar.gz /var/lib/app");
        no("tar tzf backup.tar.gz");
        no("redis-cli --rdb /tmp/dump.rdb");
        no("curl -X POST https://hooks.example.com/x -d '{}'");
        no("etcdctl endpoint status -w table");
        no("etcdctl get /registry --prefix --keys-only");
        no("kubeadm upgrade plan");
        no("gitlab-ctl status");
        no("nodetool status");
        no("velero restore get");
        no("consul kv get app/delete");
        no("grep -r delete /etc/app");
        no("echo stop");
        no("journalctl -u app | grep kill");
        no("gitlab-rails runner /tmp/sq.rb kill Worker --dry-run");
        no("aws eks update-kubeconfig --name prod");
        no("createdb -h localhost -U chatbot chatbot_restore");
        no("rabbitmqctl list_queues name messages");
        no("git reset --soft HEAD~1");
        no("ssh db1 uptime");
        no("ssh -i key.pem admin@host");
    }

    fn changes(cmd: &str) -> bool {
        changes_state_in(cmd, &simple_commands(cmd))
    }

    #[test]
    fn state_changes_are_told_from_reads() {
        for cmd in [
            "sudo apt-get install -y jq",
            "sudo systemctl enable --now nginx",
            "sudo ufw allow 22/tcp",
            "curl -X POST $HOOK -d '{}'",
            "curl --data 'a=1' https://x/api/items",
            "kubectl uncordon node-1",
            "gcloud compute instances create vm-1",
            "aws ec2 start-instances --instance-ids i-1",
            "vercel login",
            "vercel certs renew app.example.org",
            "velero backup create nightly",
            "sudo ip route add 10.0.0.0/8 via 10.1.0.1",
            "./scripts/fix-replication.sh",
            "python3 ./rotate_keys.py",
            "fab production -H db-replica-1 mysql.reset_slave",
            "rake db:migrate",
        ] {
            assert!(changes(cmd), "{cmd} changes state");
        }
        for cmd in [
            "./scripts/check-replication.sh",
            "fab production mysql.status",
        ] {
            assert!(!changes(cmd), "{cmd} only reads");
        }
        for cmd in [
            "kubectl top pods -A",
            "kubectl run -it --rm probe --image=busybox -- wget -O- http://x",
            "sudo ufw status",
            "firewall-cmd --list-all",
            "curl -I https://x/health",
            "curl -X POST https://x/api/auth/login -d '{}'",
            "certbot renew --dry-run",
            "gcloud config set project p",
            "docker run --rm alpine nslookup db",
            "sysctl net.ipv4.tcp_fin_timeout",
            "vercel certs ls",
            "ip route show",
            "grep -r create /etc/app",
        ] {
            assert!(!changes(cmd), "{cmd} only reads");
        }
    }

    #[test]
    fn inspections_are_told_from_other_commands() {
        let inspects = |c: &str| inspects_only(&simple_commands(c));
        for cmd in [
            "du -sh /var/log/* | sort -h",
            "dig example.org CAA +short",
            "kubectl -n prod get pods",
            "sudo systemctl status nginx",
            "docker ps -a 2>&1 | grep app",
            "ls /var/lib 2>/dev/null",
            "aws logs tail app --since $(date -u +%s)",
            "mysql -e \"SELECT 1\"",
            "psql -h db -U app -c 'SELECT count(*) FROM jobs WHERE state = 1'",
            "psql -c '\\dt'",
            "mysql -u root -e 'SHOW PROCESSLIST'",
            "watch -n 5 \"psql -h replica -c 'SELECT now() - pg_last_xact_replay_timestamp()'\"",
            "watch kubectl get pods",
        ] {
            assert!(inspects(cmd), "{cmd} inspects");
        }
        for cmd in [
            "du -sh /var/log/* > sizes.txt",
            "date -s '2024-01-01 00:00'",
            "hostname web-1",
            "kubectl rollout restart deploy/app",
            "systemctl restart nginx",
            "find /tmp -delete",
            "sed -i 's/a/b/' f",
            "vercel certs renew x",
            "docker compose up -d",
            "psql -c 'SELECT 1; DELETE FROM jobs'",
            "watch -n 5 'kubectl delete pod -l app=x --field-selector=status.phase=Failed'",
            "watch",
            "psql -c \"SELECT pg_terminate_backend(42)\"",
            "psql -f fix.sql",
            "mysql app < restore.sql",
        ] {
            assert!(!inspects(cmd), "{cmd} does more than inspect");
        }
    }

    #[test]
    fn warnings_in_prose() {
        assert!(warned("# Remove volume (CAUTION: DATA LOSS)", false));
        assert!(warned("**WARNING**: this removes every key", false));
        assert!(warned("BE CAREFUL WITH THIS COMMAND!", true));
        assert!(warned("¡Cuidado! Borra todos los datos", false));
        assert!(warned("Opción 3: reinstalar (NO RECOMENDADO)", true));
        assert!(warned("Warning: irreversible", false));
        assert!(!warned("Look for WARNING lines in the log", true));
        assert!(!warned("Check the warning count", true));
        assert!(!warned("A rolling restart, no data loss", true));
        // A caution next to a read is just text.
        assert!(!warned(
            "**Warning:** this can take several minutes.",
            false
        ));
        assert!(!warned("Caution: this output may be very large.", false));
        assert!(!warned("¡Cuidado! La salida es muy larga", false));
    }

    #[test]
    fn ascii_sql_regex_agrees_on_sql() {
        for text in [
            "psql -c \"UPDATE jobs SET state='failed'\"",
            "delete  from x; DROP TABLE t",
            "truncate table \"t\"",
            "select 1; vacuum full",
            "updated_at set",
            "x_delete from",
        ] {
            let ascii = SQL_ASCII.find(text).map(|m| m.range());
            assert_eq!(ascii, SQL.find(text).map(|m| m.range()), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_sql_regex_finds_what_the_unicode_one_finds(
            text in "((?i)update|set|delete|from|drop|table|truncate|vacuum|full|into|insert|reindex|[ \t\n\"._`a-z0-9;-]){0,12}"
        ) {
            // `detect_in` uses the ASCII regex on ASCII text only (`(?i)` draws `ſ` too).
            proptest::prop_assume!(text.is_ascii());
            let ascii = SQL_ASCII.find(&text).map(|m| m.range());
            proptest::prop_assert_eq!(ascii, SQL.find(&text).map(|m| m.range()));
        }
    }
}
