"""What every lab program shares: where the state lives, the env file, logging."""

import datetime
import os
import sys

from clients import Pg, Redis

LAB_HOME = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Service name → the names the seeds use for it.
ALIASES = {
    "api": ["api", "app", "anclora-app", "backend"],
    "worker": ["worker", "worker-web", "integration-worker"],
    "scheduler": ["scheduler"],
    "web": ["web", "frontend", "ui"],
    "prometheus": ["prometheus"],
    "redis": ["redis", "cache"],
    "postgres": ["postgres", "db", "database", "postgresql"],
}
SERVICES = list(ALIASES)


def canonical(name):
    """The lab service a seed's container/service name stands for, or None."""
    name = name.strip()
    for prefix in ("runbook-lab-", "lab-"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    if name.endswith("-1") or name.endswith("_1"):
        name = name[:-2]
    for service, names in ALIASES.items():
        if name in names:
            return service
    return None


def lab_dir():
    return os.path.abspath(os.environ.get("LAB_DIR") or "/tmp/runbook-lab")


def parse_dotenv(path):
    """KEY=VALUE lines; single or double quotes around the value are removed."""
    values = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return values
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export "):]
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def dotenv_line(key, value):
    """A line both dotenv and bash read the same way (values are simple or single-quoted)."""
    value = str(value)
    if all(c.isalnum() or c in "-_./:@%+,=" for c in value):
        return f"{key}={value}"
    return f"{key}='" + value.replace("'", "'\\''") + "'"


class Lab:
    """Paths and settings of one lab instance (one LAB_DIR)."""

    def __init__(self, root=None):
        self.root = os.path.abspath(root or lab_dir())
        self.env_file = os.path.join(self.root, "lab.env")
        self.app_env_file = os.path.join(self.root, ".env.docker")
        self.run_dir = os.path.join(self.root, "run")
        self.log_dir = os.path.join(self.root, "log")
        self.state_dir = os.path.join(self.root, "state")
        self.pg_data = os.path.join(self.root, "pg", "data")
        self.pg_socket_dir = os.path.join(self.root, "pg", "socket")
        self.redis_dir = os.path.join(self.root, "redis")
        self._env = None

    @property
    def env(self):
        if self._env is None:
            self._env = parse_dotenv(self.env_file)
        return self._env

    def app_config(self):
        return parse_dotenv(self.app_env_file)

    def pidfile(self, service):
        return os.path.join(self.run_dir, f"{service}.pid")

    def logfile(self, service):
        return os.path.join(self.log_dir, f"{service}.log")

    def state(self, name):
        return os.path.join(self.state_dir, name)

    def redis(self):
        e = self.env
        return Redis("127.0.0.1", e["REDIS_PORT"], e.get("REDIS_PASSWORD"))

    def pg(self, database, user="postgres", app="lab"):
        return Pg(self.pg_socket_dir, self.env["PGPORT"], user, database, app)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(ts=None):
    ts = ts or now()
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class Logger:
    """Application log lines: `2025-01-01T12:00:00.000Z LEVEL [component] message`."""

    def __init__(self, component, stream=None):
        self.component = component
        self.stream = stream or sys.stdout

    def __call__(self, level, message):
        try:
            self.stream.write(f"{iso()} {level:<5} [{self.component}] {message}\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def info(self, message):
        self("INFO", message)

    def warn(self, message):
        self("WARN", message)

    def error(self, message):
        self("ERROR", message)
