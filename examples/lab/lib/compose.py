"""`docker` and `docker compose`/`docker-compose` stand-ins mapped onto the lab's processes.

There is no Docker engine in the lab: a "container" is one of the lab's services
(common.ALIASES maps the seeds' container names onto them). Only what the seeds run is
implemented; anything else fails loudly, never silently.
"""

import datetime
import json
import os
import re
import signal
import sys
import time

import control
from common import SERVICES, Lab, canonical, parse_dotenv

PROJECT = "runbook-lab"


class Usage(Exception):
    pass


def container(service):
    return f"{PROJECT}-{service}-1"


def resolve(lab, names):
    """Lab services for the names given (all services when none), keeping the name as typed."""
    if not names:
        return [(s, s) for s in SERVICES]
    out = []
    for name in names:
        service = canonical(name)
        if service is None:
            raise Usage(f"no such service: {name}")
        out.append((service, name))
    return out


# ---------------------------------------------------------------- logs

APP_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)Z")
PG_TS = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) UTC")
REDIS_TS = re.compile(r"^\d+:[A-Z] (\d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d(?:\.\d+)?)")


def line_time(line):
    for pattern, fmt in ((APP_TS, "%Y-%m-%dT%H:%M:%S"), (PG_TS, "%Y-%m-%d %H:%M:%S"), (REDIS_TS, "%d %b %Y %H:%M:%S")):
        m = pattern.match(line)
        if m:
            text, _, frac = m.group(1).partition(".")
            try:
                ts = datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc).timestamp()
            except ValueError:
                return None
            return ts + (float("0." + frac) if frac else 0.0)
    return None


def parse_since(value):
    """`15m`, `1h30m`, `10s` (relative) or an RFC 3339 time / date: the epoch it means."""
    m = re.fullmatch(r"((?:\d+(?:\.\d+)?[hms])+)", value)
    if m:
        seconds = sum(float(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([hms])", value))
        return time.time() - seconds
    try:
        ts = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Usage(f'invalid value "{value}" for flag --since') from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=datetime.timezone.utc)
    return ts.timestamp()


def read_log(lab, service):
    try:
        with open(lab.logfile(service), errors="replace") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def stamped(lines):
    """(time, line) pairs; a line without its own time (a traceback) takes the previous one."""
    out, last = [], 0.0
    for line in lines:
        ts = line_time(line)
        last = ts if ts is not None else last
        out.append((last, line))
    return out


def logs(lab, args):
    follow, tail, since, prefix, names = False, None, None, True, []
    it = iter(args)
    for a in it:
        if a in ("-f", "--follow"):
            follow = True
        elif a in ("-t", "--timestamps", "--no-color"):
            pass
        elif a == "--no-log-prefix":
            prefix = False
        elif a in ("--tail", "-n", "--since", "--until"):
            value = next(it, None)
            if value is None:
                raise Usage(f"flag needs an argument: {a}")
            tail, since = (value, since) if a in ("--tail", "-n") else (tail, parse_since(value) if a == "--since" else since)
        elif a.startswith("--tail="):
            tail = a.split("=", 1)[1]
        elif a.startswith("--since="):
            since = parse_since(a.split("=", 1)[1])
        elif a.startswith("--until="):
            pass
        elif a.startswith("-"):
            raise Usage(f"unknown flag: {a}")
        else:
            names.append(a)
    if tail is not None and tail != "all" and not tail.isdigit():
        raise Usage(f'invalid value "{tail}" for flag --tail')
    targets = resolve(lab, names)
    width = max(len(f"{name}-1") for _, name in targets)
    merged = []
    for service, name in targets:
        entries = stamped(read_log(lab, service))
        if since is not None:
            entries = [e for e in entries if e[0] >= since]
        if tail not in (None, "all"):
            entries = entries[-int(tail):] if int(tail) > 0 else []
        label = f"{name}-1".ljust(width) + "  | " if prefix else ""
        merged += [(ts, i, label + line) for i, (ts, line) in enumerate(entries)]
    if len(targets) > 1:
        merged.sort(key=lambda e: e[0])
    out = sys.stdout
    for _, _, line in merged:
        out.write(line + "\n")
    out.flush()
    if follow:
        follow_logs(lab, targets, width, prefix)
    return 0


def follow_logs(lab, targets, width, prefix):
    """Like `logs -f`: new lines as they are written, until interrupted."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    offsets = {s: os.path.getsize(lab.logfile(s)) if os.path.exists(lab.logfile(s)) else 0 for s, _ in targets}
    try:
        while True:
            for service, name in targets:
                path = lab.logfile(service)
                try:
                    size = os.path.getsize(path)
                except OSError:
                    continue
                if size < offsets[service]:
                    offsets[service] = 0
                if size > offsets[service]:
                    with open(path, errors="replace") as f:
                        f.seek(offsets[service])
                        chunk = f.read()
                        offsets[service] = f.tell()
                    label = f"{name}-1".ljust(width) + "  | " if prefix else ""
                    for line in chunk.splitlines():
                        sys.stdout.write(label + line + "\n")
                    sys.stdout.flush()
            time.sleep(0.2)
    except (KeyboardInterrupt, BrokenPipeError):
        return


# ---------------------------------------------------------------- ps, stats, images


def ps(lab, args):
    fmt = None
    names = []
    it = iter(args)
    for a in it:
        if a in ("-a", "--all", "-q", "--quiet", "--services"):
            continue
        if a == "--format":
            fmt = next(it, "table")
        elif a.startswith("--format="):
            fmt = a.split("=", 1)[1]
        elif a.startswith("-"):
            raise Usage(f"unknown flag: {a}")
        else:
            names.append(a)
    rows = []
    for service, name in resolve(lab, names):
        running, status = control.describe(lab, service)
        rows.append({"Name": container(service), "Image": f"{PROJECT}/{service}", "Command": command_of(service),
                     "Service": name, "State": "running" if running else "exited", "Status": status,
                     "Publishers": control.ports_of(lab, service)})
    if fmt == "json":
        print(json.dumps(rows))
        return 0
    cols = [("NAME", "Name"), ("IMAGE", "Image"), ("COMMAND", "Command"), ("SERVICE", "Service"),
            ("STATUS", "Status"), ("PORTS", "Publishers")]
    widths = [max(len(h), *(len(str(r[k])) for r in rows)) for h, k in cols]
    print("   ".join(h.ljust(w) for (h, _), w in zip(cols, widths)).rstrip())
    for r in rows:
        print("   ".join(str(r[k]).ljust(w) for (_, k), w in zip(cols, widths)).rstrip())
    return 0


def command_of(service):
    return {"redis": '"redis-server /data/…"', "postgres": '"postgres"'}.get(service, f'"python3 services.py {service}"')


def proc_tree(pid):
    """pid and its descendants (postgres forks a process per backend)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def usage_of(pids):
    ticks, rss = 0, 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
            rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            pass
    return ticks, rss


def stats(lab, args):
    stream = "--no-stream" not in args
    while True:
        running = [(s, control.service_pid(lab, s)) for s in SERVICES if control.is_running(lab, s)]
        trees = {s: proc_tree(pid) for s, pid in running}
        before = {s: usage_of(t)[0] for s, t in trees.items()}
        time.sleep(0.5)
        hz = os.sysconf("SC_CLK_TCK")
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        print(f"{'CONTAINER ID':<14}{'NAME':<28}{'CPU %':<9}{'MEM USAGE / LIMIT':<24}{'MEM %':<8}PIDS")
        for s, tree in trees.items():
            ticks, rss = usage_of(tree)
            cpu = (ticks - before[s]) / hz / 0.5 * 100
            usage = f"{rss / 1048576:.1f}MiB / {total / 1073741824:.2f}GiB"
            print(f"{os.urandom(6).hex():<14}{container(s):<28}{f'{cpu:.2f}%':<9}{usage:<24}"
                  f"{f'{rss / total * 100:.2f}%':<8}{len(tree)}")
        sys.stdout.flush()
        if not stream:
            return 0
        time.sleep(0.5)


def images(lab, _args):
    repo = lab.env.get("REPO_DIR", "")
    tags = []
    try:
        tags = sorted((t for t in os.listdir(os.path.join(repo, ".git", "refs", "tags"))), reverse=True)
    except OSError:
        pass
    print(f"{'REPOSITORY':<26}{'TAG':<10}{'IMAGE ID':<15}{'CREATED':<16}SIZE")
    for service in ("api", "worker", "scheduler", "web"):
        for i, tag in enumerate(tags or ["latest"]):
            digest = __import__("hashlib").sha256(f"{service}{tag}".encode()).hexdigest()[:12]
            print(f"{PROJECT + '/' + service:<26}{tag.lstrip('v'):<10}{digest:<15}{f'{i + 1} days ago':<16}{150 + i}MB")
    return 0


# ---------------------------------------------------------------- exec


def exec_(lab, args):
    env_extra, workdir = {}, None
    i = 0
    while i < len(args) and args[i].startswith("-"):
        a = args[i]
        if a in ("-e", "--env", "-u", "--user", "-w", "--workdir", "--index"):
            if i + 1 >= len(args):
                raise Usage(f"flag needs an argument: {a}")
            if a in ("-e", "--env"):
                k, _, v = args[i + 1].partition("=")
                env_extra[k] = v if _ else os.environ.get(k, "")
            elif a in ("-w", "--workdir"):
                workdir = args[i + 1]
            i += 2
            continue
        if not re.fullmatch(r"-[Tdit]+|--(no-TTY|detach|interactive|tty|privileged)", a):
            raise Usage(f"unknown flag: {a}")
        i += 1
    if i >= len(args):
        raise Usage("exec requires at least 2 arguments: SERVICE COMMAND")
    name, command = args[i], args[i + 1:]
    service = canonical(name)
    if service is None:
        raise Usage(f"no such service: {name}")
    if not command:
        raise Usage("exec requires at least 2 arguments: SERVICE COMMAND")
    if not control.is_running(lab, service):
        sys.stderr.write(f'service "{name}" is not running\n')
        return 1
    env = container_env(lab, service)
    env.update(env_extra)
    os.chdir(workdir or lab.root)
    try:
        os.execvpe(command[0], command, env)
    except FileNotFoundError:
        sys.stderr.write(f'OCI runtime exec failed: exec failed: unable to start container process: exec: "{command[0]}": '
                         "executable file not found in $PATH: unknown\n")
        return 127


def container_env(lab, service):
    """The environment a command sees inside the service's container."""
    env = dict(os.environ)
    env.update(lab.env)
    if service == "postgres":
        # Inside the postgres container psql talks to the local socket (trust) and has no PG* defaults.
        for k in ("PGDATABASE", "PGUSER", "PGPASSFILE", "PGPASSWORD"):
            env.pop(k, None)
        env["PGHOST"] = lab.pg_socket_dir
    elif service not in ("redis",):
        env.update(parse_dotenv(lab.app_env_file))
    return env


# ---------------------------------------------------------------- lifecycle


def lifecycle(lab, verb, args):
    names = [a for a in args if not a.startswith("-")]
    targets = resolve(lab, names) if names else [(s, s) for s in control.START_ORDER]
    if verb in ("stop", "kill", "down"):
        targets = sorted(targets, key=lambda t: control.STOP_ORDER.index(t[0]))
    label = {"restart": "Restarting", "stop": "Stopping", "start": "Starting", "kill": "Killing", "up": "Running",
             "down": "Stopping"}[verb]
    print(f"[+] {label} {len(targets)}/{len(targets)}")
    for service, _name in targets:
        t = time.monotonic()
        try:
            if verb == "restart":
                control.restart(lab, service)
                done = "Started"
            elif verb in ("stop", "down"):
                done = "Stopped" if control.stop(lab, service) else "Exited"
            elif verb == "kill":
                done = "Killed" if control.stop(lab, service, kill=True) else "Exited"
            else:
                done = "Started" if control.start(lab, service) else "Running"
        except control.LabError as e:
            print(f" ✘ Container {container(service)}  Error")
            sys.stderr.write(f"Error response from daemon: {e}\n")
            return 1
        print(f" ✔ Container {container(service)}  {done:<10}{time.monotonic() - t:.1f}s")
    return 0


def pull(lab, args):
    for service, _ in resolve(lab, [a for a in args if not a.startswith("-")]):
        print(f" ✔ {service} Pulled (lab: {PROJECT}/{service} is local, nothing to download)")
    return 0


def build(lab, args):
    for service, _ in resolve(lab, [a for a in args if not a.startswith("-")]):
        print(f" => [{service}] lab: runs from examples/lab/lib/services.py, nothing to build")
    print(" ✔ Built")
    return 0


COMPOSE_GLOBAL_WITH_VALUE = ("-f", "--file", "-p", "--project-name", "--env-file", "--profile", "--project-directory",
                             "--ansi", "--progress", "--parallel")


def compose(lab, args):
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in COMPOSE_GLOBAL_WITH_VALUE else 1
    if i >= len(args):
        raise Usage("missing command: ps, logs, exec, restart, stop, start, up, down, pull, build...")
    cmd, rest = args[i], args[i + 1:]
    table = {"ps": ps, "logs": logs, "exec": exec_, "pull": pull, "build": build, "images": images}
    if cmd in table:
        return table[cmd](lab, rest)
    if cmd in ("restart", "stop", "start", "kill", "up", "down"):
        return lifecycle(lab, cmd, rest)
    if cmd == "version":
        print("Docker Compose version v2.24.0 (runbook lab stand-in)")
        return 0
    raise Usage(f"docker compose {cmd}: not available in the runbook lab")


def docker(lab, args):
    if not args:
        raise Usage("usage: docker compose|ps|logs|exec|restart|stop|start|stats|image ls")
    cmd, rest = args[0], args[1:]
    if cmd == "compose":
        return compose(lab, rest)
    if cmd == "ps":
        return ps(lab, [a for a in rest if a not in ("-a", "--all")])
    if cmd in ("logs", "exec"):
        return (logs if cmd == "logs" else exec_)(lab, rest)
    if cmd in ("restart", "stop", "start", "kill"):
        return lifecycle(lab, cmd, rest)
    if cmd == "stats":
        return stats(lab, rest)
    if cmd == "images" or (cmd == "image" and rest[:1] in (["ls"], ["list"])):
        return images(lab, rest)
    if cmd == "version":
        print("Docker version 24.0.0 (runbook lab stand-in: no engine, services are local processes)")
        return 0
    raise Usage(f"docker {cmd}: not available in the runbook lab")


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `docker compose logs api | head` ends quietly, like docker
    lab = Lab()
    if not os.path.exists(lab.env_file):
        sys.stderr.write(f"Cannot connect to the Docker daemon: no runbook lab at {lab.root} (run examples/lab/up)\n")
        return 1
    prog = os.path.basename(argv[1]) if len(argv) > 1 else "docker"
    try:
        if prog == "docker-compose":
            return compose(lab, argv[2:])
        return docker(lab, argv[2:])
    except Usage as e:
        sys.stderr.write(f"{prog}: {e}\n")
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
