"""Starting, stopping and inspecting the lab's processes (one LAB_DIR = one lab).

`up`/`down`/`status`/`fault` are thin wrappers around this module, and so are the
`docker`/`docker-compose` stand-ins, so every way of touching a service goes
through the same start/stop code.
"""

import gzip
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request

from apps import make_jwt
from clients import Unavailable
from common import LAB_HOME, SERVICES, Lab, dotenv_line, parse_dotenv

APP_SERVICES = ["api", "worker", "scheduler", "web", "prometheus"]
START_ORDER = ["redis", "postgres"] + APP_SERVICES
STOP_ORDER = ["scheduler", "api", "worker", "web", "prometheus", "postgres", "redis"]


class LabError(Exception):
    pass


# ---------------------------------------------------------------- processes


def pid_state(pid):
    """'alive', 'zombie' or 'gone' (a zombie is not running: nobody reaped it yet)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "gone"
    return "zombie" if state in ("Z", "X") else "alive"


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def service_pid(lab, service):
    if service == "postgres":
        return read_pid(os.path.join(lab.pg_data, "postmaster.pid"))
    return read_pid(lab.pidfile(service))


def is_running(lab, service):
    pid = service_pid(lab, service)
    return pid is not None and pid_state(pid) == "alive"


def wait_gone(pid, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pid_state(pid) != "alive":
            return True
        time.sleep(0.05)
    return pid_state(pid) != "alive"


def lab_user():
    """(name, uid, gid) of the unprivileged user PostgreSQL runs as, or None when not root."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("LAB_USER", "runbook-lab")
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", name], capture_output=True)
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            raise LabError(f"cannot create the unprivileged user {name!r} for PostgreSQL (useradd failed)") from None
    return pw.pw_name, pw.pw_uid, pw.pw_gid


def as_lab_user(cmd):
    user = lab_user()
    return ["runuser", "-u", user[0], "--"] + cmd if user else cmd


def chown_lab_user(path):
    user = lab_user()
    if user:
        os.chown(path, user[1], user[2])


def check_reachable(path, user):
    """PostgreSQL, running as `user`, must be able to reach `path`."""
    if not user:
        return
    _, uid, gid = user
    parts = os.path.abspath(path).split(os.sep)
    for i in range(2, len(parts) + 1):
        d = os.sep.join(parts[:i]) or os.sep
        st = os.stat(d)
        bit = stat.S_IXUSR if st.st_uid == uid else stat.S_IXGRP if st.st_gid == gid else stat.S_IXOTH
        if not st.st_mode & bit:
            raise LabError(f"PostgreSQL runs as {user[0]}, which cannot enter {d} (mode {oct(st.st_mode & 0o777)}); "
                           "choose a LAB_DIR whose parents are world-searchable, e.g. under /tmp")


def pg_bin(tool):
    base = os.environ.get("PG_BIN")
    candidates = [base] if base else []
    candidates += ["/usr/lib/postgresql/15/bin"]
    if os.path.isdir("/usr/lib/postgresql"):
        candidates += [f"/usr/lib/postgresql/{v}/bin" for v in sorted(os.listdir("/usr/lib/postgresql"), reverse=True)]
    for d in candidates:
        if d and os.access(os.path.join(d, tool), os.X_OK):
            return os.path.join(d, tool)
    found = shutil.which(tool)
    if found:
        return found
    raise LabError(f"PostgreSQL's {tool} not found (install postgresql-15 or set PG_BIN)")


def require(tool):
    path = shutil.which(tool)
    if not path:
        raise LabError(f"{tool} not found on PATH (apt-get install -y {'redis-server' if 'redis' in tool else tool})")
    return path


def service_env(lab):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": lab.root,
           "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(lab.env)
    return env


def record(lab, service, **values):
    path = lab.state(f"{service}.json")
    data = {}
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        pass
    data.update(values)
    with open(path, "w") as f:
        json.dump(data, f)


def service_record(lab, service):
    try:
        with open(lab.state(f"{service}.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


# ---------------------------------------------------------------- start / stop


def start(lab, service):
    """Starts `service` unless it runs; returns False when it already ran."""
    if is_running(lab, service):
        return False
    {"redis": start_redis, "postgres": start_postgres}.get(service, start_app)(lab, service)
    record(lab, service, startedAt=time.time(), exitCode=None, stoppedAt=None)
    return True


def stop(lab, service, kill=False):
    """Stops `service`; returns False when it was not running."""
    pid = service_pid(lab, service)
    if pid is None or pid_state(pid) != "alive":
        return False
    if service == "postgres" and not kill:
        subprocess.run(as_lab_user([pg_bin("pg_ctl"), "-D", lab.pg_data, "-m", "fast", "-w", "-t", "20", "stop"]),
                       capture_output=True, start_new_session=True)
    else:
        sig = signal.SIGKILL if kill else signal.SIGTERM
        try:
            if service in APP_SERVICES:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass
    if not wait_gone(pid, 10):
        try:
            os.killpg(pid, signal.SIGKILL) if service in APP_SERVICES else os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        wait_gone(pid, 5)
    if service in APP_SERVICES or service == "redis":
        try:
            os.unlink(lab.pidfile(service))
        except FileNotFoundError:
            pass
    record(lab, service, stoppedAt=time.time(), exitCode=137 if kill else 0)
    return True


def restart(lab, service):
    stop(lab, service)
    start(lab, service)


def start_app(lab, service):
    log = open(lab.logfile(service), "ab")
    proc = subprocess.Popen([sys.executable, "-B", os.path.join(LAB_HOME, "lib", "services.py"), service, "--lab", lab.root],
                            cwd=os.path.join(LAB_HOME, "lib"), env=service_env(lab), stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    with open(lab.pidfile(service), "w") as f:
        f.write(f"{proc.pid}\n")
    port = {"api": "API_PORT", "web": "WEB_PORT", "prometheus": "PROMETHEUS_PORT"}.get(service)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(f"{service} exited with {proc.returncode} at start; see {lab.logfile(service)}")
        if port is None:
            time.sleep(0.2)
            return
        try:
            socket.create_connection(("127.0.0.1", int(lab.env[port])), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise LabError(f"{service} did not listen on port {lab.env[port]} within 15 s; see {lab.logfile(service)}")


def redis_conf(lab):
    e = lab.env
    conf = os.path.join(lab.redis_dir, "redis.conf")
    with open(conf, "w") as f:
        f.write("\n".join([
            f"port {e['REDIS_PORT']}", "bind 127.0.0.1", "protected-mode yes", "daemonize yes",
            f"pidfile {lab.pidfile('redis')}", f"logfile {lab.logfile('redis')}", f"dir {lab.redis_dir}",
            "dbfilename dump.rdb", "save 3600 1", "appendonly no", "maxclients 1000",
            f"requirepass {e['REDIS_PASSWORD']}", ""]))
    os.chmod(conf, 0o600)
    return conf


def start_redis(lab, _service):
    conf = redis_conf(lab)
    subprocess.run([require("redis-server"), conf], check=True, capture_output=True, start_new_session=True)
    client = lab.redis()
    deadline = time.monotonic() + 10
    while True:
        try:
            client.call("PING")
            client.close()
            return
        except Unavailable as e:
            if time.monotonic() > deadline:
                raise LabError(f"redis-server did not answer PING within 10 s ({e}); see {lab.logfile('redis')}")
            time.sleep(0.05)


def start_postgres(lab, _service):
    log = lab.logfile("postgres")
    if not os.path.exists(log):
        open(log, "a").close()
    chown_lab_user(log)
    r = subprocess.run(as_lab_user([pg_bin("pg_ctl"), "-D", lab.pg_data, "-l", log, "-w", "-t", "30", "start"]),
                       capture_output=True, text=True, start_new_session=True, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise LabError(f"PostgreSQL did not start: {r.stdout.strip()} {r.stderr.strip()}; see {log}")


# ---------------------------------------------------------------- up


def free_ports(count):
    socks, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def port_free(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no conflict
    try:
        s.bind(("127.0.0.1", int(port)))
        return True
    except OSError:
        return False
    finally:
        s.close()


def choose_settings(lab, previous):
    """Ports (reused when still free) and secrets (reused: they live in the databases)."""
    names = ["API_PORT", "WEB_PORT", "PROMETHEUS_PORT", "REDIS_PORT", "PGPORT"]
    fresh = iter(free_ports(len(names)))
    s = {}
    for name in names:
        wanted = os.environ.get(f"LAB_{name}") or previous.get(name)
        s[name] = str(wanted) if wanted and port_free(wanted) else str(next(fresh))
    for name in ["REDIS_PASSWORD", "POSTGRES_PG_PASSWORD", "CHATBOT_PG_PASSWORD", "PEDIDOS_PG_PASSWORD", "JWT_SECRET",
                 "TOKEN", "ADMIN_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "EVOLUTION_API_KEY",
                 "ADMIN_PASSWORD", "LAB_KEY"]:
        s[name] = previous.get(name) or secrets.token_hex(16)
    return s


def write_app_config(lab, s):
    lines = [
        "# Configuration of the lab's applications (like docker compose's env_file).",
        "# api/worker/scheduler read it when they start: change it, then restart them.",
        f"JWT_SECRET={s['JWT_SECRET']}", f"ADMIN_PASSWORD={s['ADMIN_PASSWORD']}", f"ADMIN_KEY={s['ADMIN_TOKEN']}",
        f"METRICS_TOKEN={s['TOKEN']}", f"WHATSAPP_APP_SECRET={s['WHATSAPP_APP_SECRET']}",
        f"META_APP_SECRET={s['WHATSAPP_APP_SECRET']}", f"WHATSAPP_VERIFY_TOKEN={s['WHATSAPP_VERIFY_TOKEN']}",
        f"EVOLUTION_API_KEY={s['EVOLUTION_API_KEY']}", "WHATSAPP_MODE=web", "INTEGRATION_WORKER_CONCURRENCY=5",
        "RATE_LIMIT_ENABLED=true", "RATE_LIMIT_LOGIN_LIMIT=10", "RATE_LIMIT_WINDOW_SEC=60", "BULL_RATE_PER_TASK=150",
        "TASK_MEMORY_MB=160",
        f"CORS_ORIGINS=http://127.0.0.1:{s['WEB_PORT']},http://localhost:{s['WEB_PORT']}", ""]
    for path in (lab.app_env_file, lab.state("env.docker.orig")):
        with open(path, "w") as f:
            f.write("\n".join(lines))
        os.chmod(path, 0o600)


def write_env_files(lab, s):
    api = f"http://127.0.0.1:{s['API_PORT']}"
    pg = f"127.0.0.1:{s['PGPORT']}"
    jwt = make_jwt(s["JWT_SECRET"], {"sub": "admin", "role": "admin", "email": "admin@example.com",
                                     "exp": int(time.time()) + 30 * 86400})
    bin_dir = os.path.join(LAB_HOME, "bin")
    path = os.pathsep.join([bin_dir] + [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != bin_dir])
    values = {
        "LAB_DIR": lab.root, "LAB_HOME": LAB_HOME, "LOG_DIR": lab.log_dir,
        "API_URL": api, "WEB_URL": f"http://127.0.0.1:{s['WEB_PORT']}",
        "PROMETHEUS_URL": f"http://127.0.0.1:{s['PROMETHEUS_PORT']}", "PROMETHEUS_LOG": lab.logfile("prometheus"),
        "EVOLUTION_URL": api, "EVOLUTION_API_KEY": s["EVOLUTION_API_KEY"], "INSTANCE_NAME": "anclora-main",
        "API_PORT": s["API_PORT"], "WEB_PORT": s["WEB_PORT"], "PROMETHEUS_PORT": s["PROMETHEUS_PORT"],
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": s["REDIS_PORT"], "REDIS_PASSWORD": s["REDIS_PASSWORD"],
        "REDISCLI_AUTH": s["REDIS_PASSWORD"], "REDIS_URL": f"redis://:{s['REDIS_PASSWORD']}@127.0.0.1:{s['REDIS_PORT']}/0",
        "PGHOST": "127.0.0.1", "PGPORT": s["PGPORT"], "PGPASSFILE": os.path.join(lab.root, "pgpass"),
        "PGUSER": "postgres", "PGDATABASE": "remember_me",
        "POSTGRES_USER": "chatbot", "POSTGRES_DB": "chatbot", "POSTGRES_PASSWORD": s["CHATBOT_PG_PASSWORD"],
        "DATABASE_URL": f"postgresql://chatbot:{s['CHATBOT_PG_PASSWORD']}@{pg}/chatbot",
        "JWT": jwt, "ACCESS_TOKEN": jwt, "TOKEN": s["TOKEN"], "ADMIN_TOKEN": s["ADMIN_TOKEN"],
        "ADMIN_KEY": s["ADMIN_TOKEN"], "ADMIN_PASSWORD": s["ADMIN_PASSWORD"],
        "WHATSAPP_APP_SECRET": s["WHATSAPP_APP_SECRET"], "WHATSAPP_VERIFY_TOKEN": s["WHATSAPP_VERIFY_TOKEN"],
        "ECS_CLUSTER": "anclora-production", "ECS_SERVICE": "anclora-whatsapp",
        "APP_ENV_FILE": lab.app_env_file, "REPO_DIR": os.path.join(lab.root, "repo"),
        "BACKUP_DIR": os.path.join(lab.root, "backups"), "TEST_PHONE": "+34600000000",
        "TASK_DEF_FILE": os.path.join(lab.root, "task-definition-updated.json"), "TERM": "dumb", "PATH": path,
    }
    private = {k: s[k] for k in ("POSTGRES_PG_PASSWORD", "CHATBOT_PG_PASSWORD", "PEDIDOS_PG_PASSWORD", "JWT_SECRET",
                                 "LAB_KEY")}
    header = ["# runbook lab environment: runbook run PLAYBOOK --env-file THIS_FILE",
              "# (also `set -a; . THIS_FILE; set +a` in a shell). Written by examples/lab/up."]
    with open(lab.env_file, "w") as f:
        f.write("\n".join(header + [dotenv_line(k, v) for k, v in values.items()]) + "\n")
    os.chmod(lab.env_file, 0o600)
    with open(lab.state("secrets.env"), "w") as f:
        f.write("\n".join(dotenv_line(k, v) for k, v in private.items()) + "\n")
    os.chmod(lab.state("secrets.env"), 0o600)
    systems = {
        "remember-me": {"PGUSER": "postgres", "PGDATABASE": "remember_me", "POSTGRES_USER": "postgres",
                        "POSTGRES_DB": "remember_me",
                        "DATABASE_URL": f"postgresql://postgres:{s['POSTGRES_PG_PASSWORD']}@{pg}/remember_me"},
        "anclora": {},
        "chatbot": {"PGUSER": "chatbot", "PGDATABASE": "chatbot", "POSTGRES_USER": "chatbot", "POSTGRES_DB": "chatbot",
                    "DATABASE_URL": f"postgresql://chatbot:{s['CHATBOT_PG_PASSWORD']}@{pg}/chatbot"},
        "pedidos": {"PGUSER": "pedidos", "PGDATABASE": "pedidos", "POSTGRES_USER": "pedidos", "POSTGRES_DB": "pedidos",
                    "POSTGRES_PASSWORD": s["PEDIDOS_PG_PASSWORD"],
                    "DATABASE_URL": f"postgresql://pedidos:{s['PEDIDOS_PG_PASSWORD']}@{pg}/pedidos"},
    }
    os.makedirs(os.path.join(lab.root, "env"), exist_ok=True)
    for system, extra in systems.items():
        p = os.path.join(lab.root, "env", f"{system}.env")
        with open(p, "w") as f:
            f.write(f"# {system}: overrides on top of ../lab.env\n" + "".join(dotenv_line(k, v) + "\n" for k, v in extra.items()))
        os.chmod(p, 0o600)
    with open(os.path.join(lab.root, "pgpass"), "w") as f:
        for role, key in (("postgres", "POSTGRES_PG_PASSWORD"), ("chatbot", "CHATBOT_PG_PASSWORD"),
                          ("pedidos", "PEDIDOS_PG_PASSWORD")):
            f.write(f"*:{s['PGPORT']}:*:{role}:{s[key]}\n")
    os.chmod(os.path.join(lab.root, "pgpass"), 0o600)
    with open(lab.state("lab-key"), "w") as f:
        f.write(s["LAB_KEY"] + "\n")
    os.chmod(lab.state("lab-key"), 0o600)
    lab._env = None


def init_postgres(lab, s):
    user = lab_user()
    pg_dir = os.path.dirname(lab.pg_data)
    os.makedirs(lab.pg_socket_dir, exist_ok=True)
    chown_lab_user(pg_dir)
    chown_lab_user(lab.pg_socket_dir)
    check_reachable(pg_dir, user)
    if os.path.exists(os.path.join(lab.pg_data, "PG_VERSION")):
        write_pg_conf(lab, s)
        return False
    pwfile = os.path.join(pg_dir, "initpw")
    with open(pwfile, "w") as f:
        f.write(s["POSTGRES_PG_PASSWORD"] + "\n")
    chown_lab_user(pwfile)
    r = subprocess.run(as_lab_user([pg_bin("initdb"), "-D", lab.pg_data, "-U", "postgres", "--pwfile", pwfile,
                                    "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                                    "--locale=C.UTF-8", "--no-sync"]),
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    os.unlink(pwfile)
    if r.returncode != 0:
        raise LabError(f"initdb failed: {r.stderr.strip()[-600:]}")
    with open(os.path.join(lab.pg_data, "postgresql.conf"), "a") as f:
        f.write("\ninclude 'lab.conf'\n")
    write_pg_conf(lab, s)
    return True


def write_pg_conf(lab, s):
    path = os.path.join(lab.pg_data, "lab.conf")
    with open(path, "w") as f:
        f.write("\n".join([
            "# written by examples/lab/up", f"port = {s['PGPORT']}", "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{lab.pg_socket_dir}'", "fsync = off", "synchronous_commit = off",
            "full_page_writes = off", "shared_buffers = 32MB", "max_connections = 80", "timezone = 'UTC'",
            "log_timezone = 'UTC'", "shared_preload_libraries = 'pg_stat_statements'",
            "log_line_prefix = '%m [%p] %q%u@%d '", "log_connections = off", ""]))
    chown_lab_user(path)


def psql(lab, database, user, sql=None, file=None, variables=None):
    cmd = [require("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", lab.pg_socket_dir, "-p", lab.env["PGPORT"],
           "-U", user, "-d", database]
    for k, v in (variables or {}).items():
        cmd += ["-v", f"{k}={v}"]
    cmd += ["-f", file] if file else ["-c", sql]
    r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise LabError(f"psql {database} failed: {r.stderr.strip()[-600:]}")
    return r.stdout


def load_schemas(lab, s):
    sql = os.path.join(LAB_HOME, "sql")
    psql(lab, "postgres", "postgres", file=os.path.join(sql, "roles.sql"),
         variables={"postgres_pw": s["POSTGRES_PG_PASSWORD"], "chatbot_pw": s["CHATBOT_PG_PASSWORD"],
                    "pedidos_pw": s["PEDIDOS_PG_PASSWORD"]})
    psql(lab, "remember_me", "postgres", file=os.path.join(sql, "remember_me.sql"))
    psql(lab, "chatbot", "chatbot", file=os.path.join(sql, "chatbot.sql"))
    psql(lab, "pedidos", "postgres", sql="CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    psql(lab, "pedidos", "pedidos", file=os.path.join(sql, "pedidos.sql"))


def make_backup(lab):
    """A real plain-SQL dump of pedidos, gzipped, as the nightly cron would leave it."""
    backups = os.path.join(lab.root, "backups")
    os.makedirs(backups, exist_ok=True)
    out = os.path.join(backups, time.strftime("pedidos_%Y%m%d.sql.gz"))
    dump = subprocess.run([pg_bin("pg_dump"), "-h", lab.pg_socket_dir, "-p", lab.env["PGPORT"], "-U", "pedidos",
                           "--clean", "--if-exists", "--no-owner", "pedidos"], capture_output=True,
                          stdin=subprocess.DEVNULL)
    if dump.returncode != 0:
        raise LabError(f"pg_dump pedidos failed: {dump.stderr.decode(errors='replace')[-400:]}")
    with gzip.open(out, "wb") as f:
        f.write(dump.stdout)


def make_repo(lab):
    """The deployed application's repository: a stable release and a bad one on top."""
    repo = os.path.join(lab.root, "repo")
    if os.path.isdir(os.path.join(repo, ".git")) or not shutil.which("git"):
        return
    shutil.copytree(os.path.join(LAB_HOME, "repo"), repo, dirs_exist_ok=True)
    env = dict(os.environ, GIT_AUTHOR_NAME="Lab", GIT_AUTHOR_EMAIL="lab@example.com", GIT_COMMITTER_NAME="Lab",
               GIT_COMMITTER_EMAIL="lab@example.com")

    def git(*args):
        subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, env=env)

    git("init", "-q", "-b", "main")
    git("config", "user.name", "Lab")
    git("config", "user.email", "lab@example.com")
    releases = [("1.2.0", "feat: tenant-aware cache keys"), ("1.2.1", "fix: payments webhook idempotency"),
                ("1.3.0", "feat: new payments provider client (bad release)")]
    for version, message in releases:
        with open(os.path.join(repo, "VERSION"), "w") as f:
            f.write(version + "\n")
        git("add", "-A")
        git("commit", "-q", "-m", f"{message} (v{version})")
        git("tag", f"v{version}")


def seed_redis(lab):
    r = lab.redis()
    r.pipeline([("HSETNX", "evolution:instance:anclora-main", "state", "open"),
                ("SETNX", "whatsapp:runtime", "running")] +
               [("SETNX", key, 0) for key in ("anclora:metrics:messages_total", "anclora:metrics:processed_total",
                                              "anclora:metrics:failed_total", "rate_limit_metrics:hits:auth.login",
                                              "rate_limit_metrics:rejected:auth.login")])
    r.close()


def write_task_definition(lab):
    """The file the Anclora OOM procedure registers (`--cli-input-json file://...`)."""
    path = lab.env["TASK_DEF_FILE"]
    if not os.path.exists(path):
        with open(path, "w") as f:
            json.dump({"family": "anclora-whatsapp", "containerDefinitions": [
                {"name": "app", "image": "runbook-lab/api", "memoryReservation": 2048}]}, f, indent=2)


def archive_logs(lab):
    """Moves the logs aside (log/archive-TIME/) and empties them in place, so a fresh
    diagnosis does not find an earlier fault's lines. Servers keep writing (O_APPEND)."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    archive = os.path.join(lab.log_dir, f"archive-{stamp}")
    os.makedirs(archive, exist_ok=True)
    for name in os.listdir(lab.log_dir):
        path = os.path.join(lab.log_dir, name)
        if name.endswith(".log") and os.path.isfile(path):
            shutil.copy2(path, os.path.join(archive, name))
            with open(path, "r+") as f:
                f.truncate(0)


def up(lab):
    if os.path.exists(lab.env_file) and all(is_running(lab, s) for s in SERVICES):
        return lab.env_file
    previous = {**parse_dotenv(lab.env_file), **parse_dotenv(lab.state("secrets.env"))}
    for d in (lab.root, lab.run_dir, lab.log_dir, lab.state_dir, lab.redis_dir, os.path.join(lab.root, "pg")):
        os.makedirs(d, exist_ok=True)
    if lab_user():
        # PostgreSQL runs as the lab user: it must reach its data dir and write its log,
        # whatever the caller's umask.
        for d in (lab.root, lab.log_dir):
            os.chmod(d, 0o755)
    require("redis-server")
    require("redis-cli")
    require("psql")
    s = choose_settings(lab, previous)
    write_env_files(lab, s)
    if not os.path.exists(lab.app_env_file):
        write_app_config(lab, s)
    if not os.path.exists(lab.state("ecs.json")):
        with open(lab.state("ecs.json"), "w") as f:
            json.dump({"desiredCount": 2, "taskDefinition": "anclora-whatsapp:7", "stoppedTasks": []}, f)
    write_task_definition(lab)
    start(lab, "redis")
    seed_redis(lab)
    fresh = init_postgres(lab, s)
    start(lab, "postgres")
    if fresh:
        load_schemas(lab, s)
        make_backup(lab)
        make_repo(lab)
    elif os.listdir(lab.log_dir):
        archive_logs(lab)
    for service in APP_SERVICES:
        start(lab, service)
    wait_healthy(lab)
    return lab.env_file


def wait_healthy(lab, seconds=20):
    url = lab.env["API_URL"] + "/health"
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}"
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        time.sleep(0.1)
    raise LabError(f"the api did not become healthy within {seconds} s ({last}); see {lab.logfile('api')}")


def down(lab):
    stopped = [s for s in STOP_ORDER if stop(lab, s)]
    left = [s for s in SERVICES if is_running(lab, s)]
    if left:
        raise LabError(f"still running after down: {', '.join(left)}")
    return stopped


# ---------------------------------------------------------------- status


def uptime_text(seconds):
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} seconds"
    if seconds < 3600:
        return f"{seconds // 60} minutes" if seconds >= 120 else "About a minute"
    return f"{seconds // 3600} hours"


def describe(lab, service):
    """(running, status text) in `docker compose ps` words."""
    rec = service_record(lab, service)
    now = time.time()
    if is_running(lab, service):
        return True, f"Up {uptime_text(now - (rec.get('startedAt') or now))}"
    code = rec.get("exitCode")
    code = 0 if code is None else code
    since = rec.get("stoppedAt")
    return False, f"Exited ({code}) {uptime_text(now - since)} ago" if since else f"Exited ({code})"


def ports_of(lab, service):
    e = lab.env
    return {"api": f"127.0.0.1:{e.get('API_PORT')}->3000/tcp", "web": f"127.0.0.1:{e.get('WEB_PORT')}->80/tcp",
            "prometheus": f"127.0.0.1:{e.get('PROMETHEUS_PORT')}->9090/tcp",
            "redis": f"127.0.0.1:{e.get('REDIS_PORT')}->6379/tcp",
            "postgres": f"127.0.0.1:{e.get('PGPORT')}->5432/tcp"}.get(service, "")


def status_lines(lab):
    lines = [f"{'SERVICE':<12} {'PID':>8}  {'STATUS':<28} PORTS"]
    for service in SERVICES:
        _, text = describe(lab, service)
        pid = service_pid(lab, service) if is_running(lab, service) else "-"
        lines.append(f"{service:<12} {pid!s:>8}  {text:<28} {ports_of(lab, service)}")
    return lines


# ---------------------------------------------------------------- main


def main(argv):
    if len(argv) < 2 or argv[1] not in ("up", "down", "status", "start", "stop", "restart", "fault"):
        sys.stderr.write("usage: control.py up|down [--purge]|status|start|stop|restart SERVICE...|fault NAME [ARGS]\n")
        return 2
    lab = Lab()
    cmd = argv[1]
    try:
        if cmd == "up":
            try:
                path = up(lab)
            except Exception:
                try:
                    down(lab)
                except (LabError, OSError):
                    pass
                raise
            for line in status_lines(lab):
                print(line)
            print(path)
        elif cmd == "down":
            if not os.path.isdir(lab.root):
                print(f"no lab at {lab.root}")
                return 0
            stopped = down(lab)
            print(f"lab stopped ({', '.join(stopped) or 'nothing was running'}): {lab.root}")
            if "--purge" in argv[2:]:
                shutil.rmtree(lab.root, ignore_errors=True)
                print(f"removed {lab.root}")
        elif cmd == "status":
            if not os.path.exists(lab.env_file):
                print(f"no lab at {lab.root} (run examples/lab/up)")
                return 1
            print("\n".join(status_lines(lab)))
            print(lab.env_file)
        elif cmd == "fault":
            import faults
            return faults.main(lab, argv[2:])
        else:
            from common import canonical
            for name in argv[2:]:
                service = canonical(name)
                if service is None:
                    raise LabError(f"no such service: {name}")
                {"start": start, "stop": stop, "restart": restart}[cmd](lab, service)
    except (LabError, subprocess.CalledProcessError, OSError) as e:
        sys.stderr.write(f"lab: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
