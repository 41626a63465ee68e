"""What the lab's application processes share: configuration and connections of one
process, tokens and signatures, small helpers."""

import base64
import hashlib
import hmac
import json
import re
import signal
import threading
import time

from clients import RedisUnavailable
from common import Lab, Logger


ANCLORA_QUEUE = "anclora-whatsapp"

IDENT = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")

class Throttle:
    """Lets a repeated log line through at most once per `seconds`."""

    def __init__(self, seconds):
        self.seconds, self.last = seconds, {}

    def ok(self, key):
        t = time.monotonic()
        if t - self.last.get(key, -1e9) >= self.seconds:
            self.last[key] = t
            return True
        return False

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def make_jwt(secret, claims):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"

def verify_jwt(secret, token):
    """The claims of a valid, unexpired HS256 token, or None."""
    try:
        head, body, sig = token.split(".")
        want = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(b64url(want), sig):
            return None
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if claims.get("exp", 0) < time.time():
            return None
        return claims
    except (ValueError, TypeError, json.JSONDecodeError):
        return None

def sign_body(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

def quantiles(values, qs=(0.5, 0.95, 0.99)):
    if not values:
        return {q: 0 for q in qs}
    ordered = sorted(values)
    return {q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in qs}

def rss_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0

def pid_alive(pidfile):
    try:
        with open(pidfile) as f:
            pid = int(f.read().split()[0])
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, ValueError, IndexError):
        return False

class Apps:
    """Connections and configuration of one application process."""

    def __init__(self, component):
        self.lab = Lab()
        self.env = self.lab.env
        self.cfg = self.lab.app_config()  # read once at start, like a real process
        self.log = Logger(component)
        self.redis = self.lab.redis()
        self.rm = self.lab.pg("remember_me", "postgres", f"remember-me-{component}")
        self.chat = self.lab.pg("chatbot", "chatbot", f"chatbot-{component}")
        self.ped = self.lab.pg("pedidos", "pedidos", f"pedidos-{component}")
        self.throttle = Throttle(2.0)

    def setting(self, key, default):
        return self.cfg.get(key, default)

    def int_setting(self, key, default):
        try:
            return int(self.cfg.get(key, default))
        except ValueError:
            return default

    def ecs_desired(self):
        try:
            with open(self.lab.state("ecs.json")) as f:
                return max(0, int(json.load(f).get("desiredCount", 2)))
        except (OSError, ValueError):
            return 2

    def report_down(self, err):
        """One log line per outage kind every 2 s, in the words the seeds grep for."""
        if isinstance(err, RedisUnavailable):
            if self.throttle.ok("redis"):
                self.log.error(f"Redis connection failed: {err}")
        elif self.throttle.ok("db"):
            self.log.error(f"Database connection failed: {err}")

def scan(redis, pattern):
    cursor, keys = "0", []
    while True:
        cursor, batch = redis.call("SCAN", cursor, "MATCH", pattern, "COUNT", 500)
        keys.extend(batch)
        if str(cursor) == "0":
            return keys

def move_list(redis, src, dst):
    items = redis.call("LRANGE", src, 0, -1) or []
    for i in range(0, len(items), 1000):
        redis.call("RPUSH", dst, *items[i:i + 1000])
    redis.call("DEL", src)
    return len(items)

def serve_until_signal(server, log, what):
    def stop(signum, _frame):
        log.info(f"{what} shutting down ({signal.Signals(signum).name})")
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.2)
