"""The lab's application processes: `api`, `worker`, `scheduler`, `web`, `prometheus`.

Usage: services.py NAME --lab LAB_DIR   (started by control.py, never by hand)

Every answer comes from the real servers: job counts from "IntegrationJob" rows,
queue depths from `bull:*` lists, rate limits from Redis counters. What a real
process would keep in memory (a secret read at start, a wedged state) is kept in
memory here too, so only a restart clears it.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from clients import PgUnavailable, RedisUnavailable, ServerError, Unavailable, quote
from common import LAB_HOME, Lab, Logger, iso

ANCLORA_QUEUE = "anclora-whatsapp"
IDENT = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")


# ---------------------------------------------------------------- shared helpers


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


# ---------------------------------------------------------------- api


class ApiState:
    def __init__(self, apps):
        self.apps = apps
        self.mode_503 = False
        self.metrics_enabled = True
        self.extra_latency = 0.0
        self.ballast = b""
        self.webhook_secret = apps.setting("WHATSAPP_APP_SECRET", "")
        self.durations = deque(maxlen=2000)
        self.slow_requests = 0
        self.requests_total = 0
        self.started = time.time()
        self.lock = threading.Lock()
        self.lab_key = open(apps.lab.state("lab-key")).read().strip()

    def record(self, ms):
        with self.lock:
            self.durations.append(ms)
            self.requests_total += 1
            if ms > 2000:
                self.slow_requests += 1


class Reply(Exception):
    """Raised by handlers to answer early (auth failures, bad input)."""

    def __init__(self, status, body, headers=None):
        self.status, self.body, self.headers = status, body, headers or {}


ROUTES = []


def route(method, pattern):
    def wrap(fn):
        ROUTES.append((method, re.compile("^" + pattern + "$"), fn))
        return fn
    return wrap


class ApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lab-api/1.0"
    state = None  # ApiState, set by serve_api

    def log_message(self, *_):
        pass

    # -- plumbing
    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body, headers=None, started=None):
        if isinstance(body, (dict, list)):
            data, ctype = json.dumps(body).encode(), "application/json; charset=utf-8"
        elif isinstance(body, bytes):
            data, ctype = body, "text/html; charset=utf-8"
        else:
            data, ctype = str(body).encode(), "text/plain; charset=utf-8"
        headers = dict(headers or {})
        headers.setdefault("Content-Type", ctype)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if started is not None:
            ms = (time.monotonic() - started) * 1000
            self.state.record(ms)
            path = urlparse(self.path).path
            if not path.startswith("/__lab"):
                self.state.apps.log.info(f"{self.command} {path} {status} {ms:.0f}ms")

    def _dispatch(self):
        started = time.monotonic()
        st = self.state
        url = urlparse(self.path)
        self.query = parse_qs(url.query)
        if st.extra_latency and not url.path.startswith("/__lab"):
            time.sleep(st.extra_latency)
        if st.mode_503 and not url.path.startswith("/__lab"):
            return self._send(503, {"statusCode": 503, "message": "Service Unavailable"},
                              {"Retry-After": "30"}, started)
        for method, pattern, fn in ROUTES:
            m = pattern.match(url.path)
            if m and method == self.command:
                try:
                    status, body, *rest = fn(self, *m.groups())
                    return self._send(status, body, rest[0] if rest else None, started)
                except Reply as r:
                    return self._send(r.status, r.body, r.headers, started)
                except Unavailable as e:
                    st.apps.report_down(e)
                    return self._send(503, {"statusCode": 503, "message": f"Service Unavailable: {e}"}, None, started)
                except ServerError as e:
                    st.apps.log.error(f"{url.path}: {e}")
                    return self._send(500, {"statusCode": 500, "message": "Internal server error"}, None, started)
        if self.command == "OPTIONS":
            return self._send(204, "", self._cors(), started)
        return self._send(404, {"statusCode": 404, "message": f"Cannot {self.command} {url.path}"}, None, started)

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_OPTIONS(self):
        self._dispatch()

    def do_HEAD(self):
        self.command = "GET"
        self._dispatch()

    # -- auth
    def _cors(self):
        origin = self.headers.get("Origin", "")
        allowed = [o.strip() for o in self.state.apps.setting("CORS_ORIGINS", "").split(",") if o.strip()]
        if origin and origin in allowed:
            return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
                    "Access-Control-Allow-Methods": "GET,POST,PUT,DELETE,OPTIONS",
                    "Access-Control-Allow-Headers": "Authorization,Content-Type", "Vary": "Origin"}
        return {}

    def bearer(self):
        auth = self.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        claims = verify_jwt(self.state.apps.setting("JWT_SECRET", ""), token) if token else None
        if claims is None:
            raise Reply(401, {"statusCode": 401, "message": "Unauthorized", "detail": "Invalid or expired token"},
                        {"WWW-Authenticate": "Bearer"})
        return claims

    def admin(self):
        key = self.headers.get("X-Admin-Key", "")
        if not key or not hmac.compare_digest(key, self.state.apps.setting("ADMIN_KEY", "")):
            raise Reply(401, {"statusCode": 401, "message": "Invalid admin key"})

    def json_body(self):
        raw = self._body()
        try:
            return raw, (json.loads(raw) if raw.strip() else {})
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise Reply(400, {"statusCode": 400, "message": "Body is not valid JSON"}) from None


def probe(fn):
    t = time.monotonic()
    try:
        fn()
        return {"status": "up", "latencyMs": round((time.monotonic() - t) * 1000, 1)}
    except (Unavailable, ServerError, OSError) as e:
        return {"status": "down", "error": str(e)}


def check_db(apps):
    r = probe(lambda: apps.rm.query("SELECT 1"))
    if r["status"] == "down":
        apps.report_down(PgUnavailable(r["error"]))
    return r


def check_redis(apps):
    r = probe(lambda: apps.redis.call("PING"))
    if r["status"] == "down":
        apps.report_down(RedisUnavailable(r["error"]))
    return r


def memory_check(st):
    limit_mb = st.apps.int_setting("TASK_MEMORY_MB", 160)
    rss = rss_bytes()
    pct = round(rss / (limit_mb * 1024 * 1024) * 100, 1)
    status = "critical" if pct >= 90 else "warning" if pct >= 75 else "ok"
    return {"status": status, "usedPercent": pct, "rssMb": round(rss / 1048576, 1), "limitMb": limit_mb,
            "details": {"rss": rss, "heapUsed": rss // 2, "heapTotal": rss * 2 // 3, "external": len(st.ballast)}}


def event_loop_check(st):
    t = time.monotonic()
    time.sleep(0)
    lag = (time.monotonic() - t) * 1000 + st.extra_latency * 1000
    return {"status": "ok" if lag < 50 else "degraded", "lagMs": round(lag, 2)}


@route("GET", r"/(?:api/)?health")
def health(h):
    st, apps = h.state, h.state.apps
    db, redis = check_db(apps), check_redis(apps)
    up = db["status"] == "up" and redis["status"] == "up"
    body = {"status": "ok" if up else "error", "timestamp": iso(), "uptimeSeconds": int(time.time() - st.started),
            "checks": {"database": db, "redis": redis, "memory": memory_check(st), "eventLoop": event_loop_check(st)}}
    return (200 if up else 503), body


@route("GET", r"/(?:api/)?health/db")
def health_db(h):
    r = check_db(h.state.apps)
    return (200 if r["status"] == "up" else 503), {"status": "ok" if r["status"] == "up" else "error", "database": r}


@route("GET", r"/(?:api/)?health/redis")
def health_redis(h):
    r = check_redis(h.state.apps)
    return (200 if r["status"] == "up" else 503), {"status": "ok" if r["status"] == "up" else "error", "redis": r}


@route("GET", r"/healthz")
def healthz(h):
    apps = h.state.apps
    db = probe(lambda: apps.chat.query("SELECT 1"))
    if db["status"] == "down":
        apps.report_down(PgUnavailable(db["error"]))
    redis = check_redis(apps)
    up = db["status"] == "up" and redis["status"] == "up"
    body = {"status": "ok" if up else "unhealthy", "db": "ok" if db["status"] == "up" else db.get("error"),
            "redis": "ok" if redis["status"] == "up" else redis.get("error")}
    return (200 if up else 503), body


# -- Prometheus


def metric_lines(st):
    apps, out = st.apps, []

    def fam(name, kind, help_text, samples):
        out.append(f"# HELP {name} {help_text}")
        out.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            out.append(f"{name}{labels} {value}")

    try:
        rows = apps.rm.query('SELECT status, count(*) FROM "IntegrationJob" GROUP BY status')
        counts = {s: int(n) for s, n in rows}
        fam("integration_jobs_pending_count", "gauge", "Integration jobs waiting to run", [("", counts.get("PENDING", 0))])
        fam("integration_jobs_processing_count", "gauge", "Integration jobs being processed", [("", counts.get("PROCESSING", 0))])
        fam("integration_jobs_failed_count", "gauge", "Integration jobs that failed", [("", counts.get("FAILED", 0))])
        lat = apps.rm.query(
            'SELECT extract(epoch FROM ("finishedAt" - "createdAt")) * 1000 FROM "IntegrationJob" '
            "WHERE status = 'DONE' AND \"finishedAt\" > LOCALTIMESTAMP - interval '15 minutes'")
        q = quantiles([float(v) for (v,) in lat])
        fam("integration_job_latency_ms", "summary", "Time from enqueue to completion",
            [(f'{{quantile="{k}"}}', round(v, 1)) for k, v in q.items()] + [("_count", len(lat))])
        rows = apps.rm.query('SELECT provider, lower(status), count(*) FROM "WebhookEvent" GROUP BY 1, 2 ORDER BY 1, 2')
        by_status = {}
        for provider, status, n in rows:
            by_status[status] = by_status.get(status, 0) + int(n)
        samples = [(f'{{status="{s}"}}', n) for s, n in sorted(by_status.items())]
        samples += [(f'{{provider="{p}",status="{s}"}}', n) for p, s, n in rows]
        if "error" not in by_status:
            samples.insert(0, ('{status="error"}', 0))
        fam("webhook_events_total", "counter", "Webhook events received, by outcome", samples)
        dur = apps.rm.query('SELECT "processingMs" FROM "WebhookEvent" WHERE "processingMs" IS NOT NULL '
                            'ORDER BY "createdAt" DESC LIMIT 500')
        q = quantiles([float(v) for (v,) in dur])
        fam("webhook_processing_duration_ms", "summary", "Webhook processing time",
            [(f'{{quantile="{k}"}}', v) for k, v in q.items()])
        rows = apps.rm.query('SELECT lower(status), count(*) FROM "MessageLog" GROUP BY 1 ORDER BY 1')
        seen = {s: n for s, n in rows}
        seen.setdefault("failed", 0)
        fam("message_status_transitions_total", "counter", "Message status transitions",
            [(f'{{to_status="{s}"}}', n) for s, n in sorted(seen.items())])
    except (Unavailable, ServerError) as e:
        apps.report_down(e)
        out.append(f"# postgres metrics unavailable: {e}")

    try:
        keys = ["rate_limit_metrics:hits:auth.login", "rate_limit_metrics:rejected:auth.login",
                "anclora:metrics:messages_total", "anclora:metrics:processed_total", "anclora:metrics:failed_total"]
        replies = apps.redis.pipeline([("MGET", *keys), ("LRANGE", "anclora:metrics:durations", 0, 199),
                                       ("INFO", "stats")] +
                                      [("LLEN", f"bull:{ANCLORA_QUEUE}:{s}") for s in ("wait", "active", "completed", "failed")])
        hits, rejected, total, processed, failed = [int(v or 0) for v in replies[0]]
        fam("rate_limit_hits_total", "counter", "Requests counted by the rate limiter", [('{action="auth.login"}', hits)])
        fam("rate_limit_rejected_total", "counter", "Requests rejected by the rate limiter",
            [('{action="auth.login"}', rejected)])
        fam("anclora_queue_messages_total", "counter", "Messages enqueued", [(f'{{queue="{ANCLORA_QUEUE}"}}', total)])
        fam("anclora_queue_messages_processed_total", "counter", "Messages processed",
            [(f'{{queue="{ANCLORA_QUEUE}"}}', processed)])
        fam("anclora_queue_messages_failed_total", "counter", "Messages that failed",
            [(f'{{queue="{ANCLORA_QUEUE}"}}', failed)])
        q = quantiles([float(v) for v in replies[1] or []])
        fam("anclora_queue_processing_duration_seconds", "summary", "Per-message processing time",
            [(f'{{quantile="{k}"}}', round(v, 4)) for k, v in q.items()])
        wait, active, completed, failed_n = replies[3:7]
        fam("anclora_queue_depth", "gauge", "Jobs waiting in the queue", [("", wait)])
        stats = dict(line.split(":", 1) for line in str(replies[2]).splitlines() if ":" in line)
        h_, m_ = int(stats.get("keyspace_hits", 0)), int(stats.get("keyspace_misses", 0))
        fam("cache_hit_rate", "gauge", "Redis keyspace hit rate", [("", round(h_ / (h_ + m_), 4) if h_ + m_ else 1)])
        queues = sorted({k.split(":")[1] for k in scan(apps.redis, "bull:*:*") if k.count(":") == 2})
        samples = []
        for queue in queues:
            lens = apps.redis.pipeline([("LLEN", f"bull:{queue}:{s}") for s in ("wait", "active", "completed", "failed")])
            for s, n in zip(("wait", "active", "completed", "failed"), lens):
                samples.append((f'{{queue="{queue}",state="{s}"}}', n if isinstance(n, int) else 0))
        fam("bull_queue_jobs", "gauge", "Jobs per Bull queue and state", samples)
    except (Unavailable, ServerError) as e:
        apps.report_down(e)
        out.append(f"# redis metrics unavailable: {e}")

    with st.lock:
        durations = list(st.durations)
        total_requests, slow = st.requests_total, st.slow_requests
    q = quantiles(durations)
    fam("http_request_duration_ms", "summary", "HTTP request duration",
        [(f'{{quantile="{k}"}}', round(v, 1)) for k, v in q.items()] + [("_count", total_requests)])
    fam("http_request_duration_seconds", "summary", "HTTP request duration",
        [(f'{{quantile="{k}"}}', round(v / 1000, 4)) for k, v in q.items()] + [("_count", total_requests)])
    fam("slow_requests_total", "counter", "Requests slower than 2 s", [("", slow)])
    fam("process_resident_memory_bytes", "gauge", "Resident memory", [("", rss_bytes())])
    return "\n".join(out) + "\n"


def scan(redis, pattern):
    cursor, keys = "0", []
    while True:
        cursor, batch = redis.call("SCAN", cursor, "MATCH", pattern, "COUNT", 500)
        keys.extend(batch)
        if str(cursor) == "0":
            return keys


def metrics_reply(h):
    if not h.state.metrics_enabled:
        raise Reply(404, {"statusCode": 404, "message": "Cannot GET /metrics"})
    return 200, metric_lines(h.state), {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}


@route("GET", r"/metrics")
def metrics_open(h):
    return metrics_reply(h)


@route("GET", r"/api/metrics")
def metrics_token(h):
    token = h.headers.get("X-Metrics-Token", "")
    if not token or not hmac.compare_digest(token, h.state.apps.setting("METRICS_TOKEN", "")):
        raise Reply(401, {"statusCode": 401, "message": "Invalid metrics token"})
    return metrics_reply(h)


# -- Remember Me


@route("GET", r"/api/integrations/jobs/metrics")
def jobs_metrics(h):
    h.bearer()
    row = h.state.apps.rm.query(
        "SELECT count(*) FILTER (WHERE status = 'PENDING'), count(*) FILTER (WHERE status = 'PROCESSING'), "
        "count(*) FILTER (WHERE status = 'FAILED'), count(*) FILTER (WHERE status = 'DONE'), "
        "floor(extract(epoch FROM LOCALTIMESTAMP - min(\"createdAt\") FILTER (WHERE status = 'PENDING')) * 1000), "
        "floor(extract(epoch FROM LOCALTIMESTAMP - min(\"updatedAt\") FILTER (WHERE status = 'PROCESSING')) * 1000), "
        "to_char(max(\"finishedAt\"), 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM \"IntegrationJob\"")[0]
    n = [int(v) if v is not None else None for v in row[:6]]
    return 200, {"pendingCount": n[0], "processingCount": n[1], "failedCount": n[2], "doneCount": n[3],
                 "oldestPendingAgeMs": n[4] or 0, "oldestProcessingAgeMs": n[5] or 0, "lastRunAt": row[6]}


@route("GET", r"/api/integrations/messages")
def messages_list(h):
    h.bearer()
    status = (h.query.get("status") or [""])[0].upper()
    where = ""
    if status:
        if not re.match(r"^[A-Z_]{1,20}$", status):
            raise Reply(400, {"statusCode": 400, "message": "invalid status"})
        where = f"WHERE status = {quote(status)}"
    text = h.state.apps.rm.scalar(
        "SELECT coalesce(json_agg(t), '[]') FROM (SELECT id, direction, status, channel, \"contactPhone\", "
        f"\"jobId\", \"metaJson\", \"createdAt\" FROM \"MessageLog\" {where} ORDER BY \"createdAt\" DESC LIMIT 100) t",
        "[]")
    items = json.loads(text)
    return 200, {"items": items, "total": len(items)}


@route("POST", r"/api/inbox/messages/([^/]+)/retry")
def message_retry(h, message_id):
    h.bearer()
    if not IDENT.match(message_id):
        raise Reply(400, {"statusCode": 400, "message": "invalid id"})
    row = h.state.apps.rm.query(
        f"WITH orig AS (SELECT * FROM \"MessageLog\" WHERE id = {quote(message_id)}), "
        "job AS (INSERT INTO \"IntegrationJob\" (type, payload) SELECT 'send_message', "
        "json_build_object('retryOf', id)::jsonb FROM orig RETURNING id), "
        "msg AS (INSERT INTO \"MessageLog\" (direction, status, channel, \"contactPhone\", body, \"jobId\", \"metaJson\") "
        "SELECT 'OUTBOUND', 'QUEUED', o.channel, o.\"contactPhone\", o.body, (SELECT id FROM job), "
        "json_build_object('retryOf', o.id)::jsonb FROM orig o RETURNING id) "
        "SELECT (SELECT id FROM msg), (SELECT id FROM job)")
    if not row or row[0][0] is None:
        raise Reply(404, {"statusCode": 404, "message": f"MessageLog {message_id} not found"})
    h.state.apps.log.info(f"[InboxService] retry of message {message_id}: new message {row[0][0]}, job {row[0][1]}")
    return 201, {"id": row[0][0], "jobId": row[0][1], "retryOf": message_id, "status": "QUEUED"}


def rate_limit(h, action, org):
    """Headers for the response; raises Reply(429) past the limit. Fails open without Redis."""
    apps = h.state.apps
    if apps.setting("RATE_LIMIT_ENABLED", "true").lower() == "false":
        return {}
    limit = apps.int_setting("RATE_LIMIT_LOGIN_LIMIT", 10)
    window = apps.int_setting("RATE_LIMIT_WINDOW_SEC", 60)
    key = f"rate_limit:{action}:{org}"
    try:
        count, ttl = apps.redis.pipeline([("INCR", key), ("TTL", key)])
        if isinstance(count, ServerError):
            raise count
        if not isinstance(ttl, int) or ttl < 0:
            apps.redis.call("EXPIRE", key, window)
            ttl = window
        remaining = max(0, limit - count)
        headers = {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": remaining,
                   "X-RateLimit-Reset": int(time.time()) + ttl}
        if count > limit:
            apps.redis.call("INCR", f"rate_limit_metrics:rejected:{action}")
            apps.log.warn(f"[RateLimitService] rate limit exceeded action={action} org={org} count={count} limit={limit}")
            headers["Retry-After"] = ttl
            raise Reply(429, {"statusCode": 429, "message": "Too Many Requests"}, headers)
        apps.redis.call("INCR", f"rate_limit_metrics:hits:{action}")
        return headers
    except Unavailable as e:
        apps.report_down(e)
        return {}


@route("POST", r"/api/auth/login")
def login(h):
    apps = h.state.apps
    _, body = h.json_body()
    body = body if isinstance(body, dict) else {}
    org = str(body.get("organizationId") or "org-123")
    if not IDENT.match(org):
        raise Reply(400, {"statusCode": 400, "message": "invalid organizationId"})
    headers = rate_limit(h, "auth.login", org)
    email = str(body.get("email") or body.get("username") or "")[:120]
    password = str(body.get("password") or "")
    if email in ("admin@example.com", "admin") and hmac.compare_digest(password, apps.setting("ADMIN_PASSWORD", "")):
        token = make_jwt(apps.setting("JWT_SECRET", ""), {"sub": "admin", "role": "admin", "exp": int(time.time()) + 3600})
        return 200, {"accessToken": token, "access_token": token, "token_type": "bearer"}, headers
    safe = re.sub(r"[^A-Za-z0-9@._+-]", "?", email)
    apps.log.warn(f"SECURITY_LOGIN_FAILED email={safe} ip={h.client_address[0]} reason=invalid_credentials")
    try:
        fails = apps.redis.call("INCR", f"login_failed:{safe}")
        apps.redis.call("EXPIRE", f"login_failed:{safe}", 900)
        if fails >= 5:
            apps.log.warn(f"SECURITY_LOGIN_LOCKOUT email={safe} lockout for 15m after {fails} failed attempts")
    except Unavailable as e:
        apps.report_down(e)
    return 401, {"statusCode": 401, "message": "Invalid credentials"}, headers


def record_webhook(apps, provider, status, error, request_id, ms, payload):
    apps.rm.query(
        'INSERT INTO "WebhookEvent" (provider, status, error, "requestId", "processingMs", payload) VALUES '
        f"({quote(provider)}, {quote(status)}, {quote(error) if error else 'NULL'}, {quote(request_id)}, {int(ms)}, "
        f"{quote(json.dumps(payload))}::jsonb)")


@route("POST", r"/(?:api/)?webhooks?/(whatsapp|instagram|meta)")
def webhook(h, provider):
    st, apps = h.state, h.state.apps
    t = time.monotonic()
    raw = h._body()
    request_id = h.headers.get("X-Request-Id") or os.urandom(6).hex()
    sig = h.headers.get("X-Hub-Signature-256", "")
    if not raw:
        apps.log.error(f"[WebhookController] Missing raw body (provider={provider}, requestId={request_id})")
        raise Reply(400, {"statusCode": 400, "message": "Missing raw body"})
    if not sig or not hmac.compare_digest(sig, sign_body(st.webhook_secret, raw)):
        reason = "Invalid signature" if sig else "Missing signature header"
        apps.log.warn(f"[WebhookController] {reason} for {provider} webhook (requestId={request_id})")
        record_webhook(apps, provider, "ERROR", reason, request_id, (time.monotonic() - t) * 1000, {})
        raise Reply(401, {"statusCode": 401, "message": reason})
    try:
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        payload = {}
    phone = str(payload.get("from", "+34600000000"))[:20] if isinstance(payload, dict) else "+34600000000"
    text = str(payload.get("text", ""))[:500] if isinstance(payload, dict) else ""
    apps.rm.query(f'INSERT INTO "MessageLog" (direction, status, channel, "contactPhone", body) VALUES '
                  f"('INBOUND', 'RECEIVED', {quote(provider.upper())}, {quote(phone)}, {quote(text)})")
    ms = (time.monotonic() - t) * 1000
    record_webhook(apps, provider, "PROCESSED", None, request_id, ms, payload if isinstance(payload, dict) else {})
    apps.log.info(f"[WebhookController] {provider} webhook processed (requestId={request_id}, {ms:.0f}ms)")
    return 200, {"received": True, "requestId": request_id}


@route("GET", r"/(?:api/)?webhooks?/(whatsapp|instagram|meta)")
def webhook_verify(h, provider):
    apps = h.state.apps
    mode = (h.query.get("hub.mode") or [""])[0]
    token = (h.query.get("hub.verify_token") or [""])[0]
    challenge = (h.query.get("hub.challenge") or [""])[0]
    expected = apps.setting("WHATSAPP_VERIFY_TOKEN", "")
    if mode == "subscribe" and token and hmac.compare_digest(token, expected):
        return 200, challenge
    apps.log.warn(f"[WebhookController] Webhook verification failed for {provider} (hub.mode={mode[:20]})")
    return 403, {"statusCode": 403, "message": "Webhook verification failed"}


# -- Chatbot


@route("GET", r"/api/auth/me")
def me(h):
    claims = h.bearer()
    row = h.state.apps.chat.query(
        f"SELECT id, username, email, role FROM users WHERE username = {quote(str(claims.get('sub', '')))}")
    if not row:
        raise Reply(401, {"detail": "User not found"})
    uid, username, email, role = row[0]
    return 200, {"id": int(uid), "username": username, "email": email, "role": role}, h._cors()


@route("POST", r"/api/auth/ws-token")
def ws_token(h):
    claims = h.bearer()
    token = make_jwt(h.state.apps.setting("JWT_SECRET", ""),
                     {"sub": claims.get("sub"), "scope": "ws:metrics", "exp": int(time.time()) + 60})
    audit(h.state.apps, "WS_TOKEN_ISSUED", claims.get("sub"), "scope ws:metrics")
    return 200, {"ws_token": token, "expires_in": 60, "scope": "ws:metrics"}


def runtime_state(apps):
    try:
        flag = apps.redis.call("GET", "whatsapp:runtime") or "running"
    except Unavailable:
        flag = "unknown"
    worker_up = pid_alive(apps.lab.pidfile("worker"))
    return "running" if flag == "running" and worker_up else "stopped", worker_up


@route("GET", r"/api/whatsapp/status")
def whatsapp_status(h):
    h.bearer()
    runtime, worker_up = runtime_state(h.state.apps)
    return 200, {"runtime": runtime, "mode": h.state.apps.setting("WHATSAPP_MODE", "web"),
                 "worker_web": "up" if worker_up else "down"}


@route("POST", r"/api/whatsapp/runtime/start")
def whatsapp_runtime_start(h):
    h.bearer()
    h.state.apps.redis.call("SET", "whatsapp:runtime", "running")
    h.state.apps.log.info("WhatsApp runtime start requested via admin endpoint")
    runtime, worker_up = runtime_state(h.state.apps)
    return 200, {"runtime": runtime, "worker_web": "up" if worker_up else "down"}


@route("POST", r"/api/whatsapp/send")
def whatsapp_send(h):
    _, body = h.json_body()
    body = body if isinstance(body, dict) else {}
    phone = re.sub(r"[^0-9+]", "", str(body.get("to") or body.get("phone") or ""))[:20]
    if not phone:
        raise Reply(422, {"detail": "field 'to' is required"})
    text = str(body.get("text") or body.get("message") or "")[:1000]
    claims = h.bearer()
    mid = h.state.apps.chat.scalar(
        f"INSERT INTO messages (phone, direction, status, body) VALUES ({quote(phone)}, 'out', 'queued', {quote(text)}) "
        "RETURNING id")
    audit(h.state.apps, "MESSAGE_SENT", claims.get("sub"), f"message {mid} to {phone}")
    return 202, {"id": int(mid), "status": "queued"}


def audit(apps, event, actor, detail):
    """An audit_events row (chatbot), as the real app's audit system writes."""
    apps.chat.query("INSERT INTO audit_events (event_type, actor, detail) VALUES "
                    f"({quote(event)}, {quote(str(actor or ''))}, {quote(detail)})")


@route("GET", r"/docs")
def docs(h):
    return 200, b"<!doctype html><title>Chatbot API docs (lab)</title><h1>Swagger UI (runbook lab stand-in)</h1>"


@route("GET", r"/ui/([A-Za-z0-9_.-]+\.html)")
def ui(h, name):
    return static_file(name)


def static_file(name):
    path = os.path.join(LAB_HOME, "www", "ui", os.path.basename(name))
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        raise Reply(404, {"detail": "Not Found"}) from None
    return 200, data, security_headers()


def security_headers():
    return {"Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": "default-src 'self'; script-src 'self'; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer"}


# -- Anclora


@route("GET", r"/queue/metrics")
def queue_metrics(h):
    apps = h.state.apps
    states = ("wait", "active", "completed", "failed", "delayed")
    lens = apps.redis.pipeline([("LLEN", f"bull:{ANCLORA_QUEUE}:{s}") for s in states] +
                               [("GET", f"bull:{ANCLORA_QUEUE}:paused-priority")])
    n = {s: (v if isinstance(v, int) else 0) for s, v in zip(states, lens)}
    return 200, {"queue": ANCLORA_QUEUE, "waiting": n["wait"], "active": n["active"], "completed": n["completed"],
                 "failed": n["failed"], "delayed": n["delayed"], "pausedPriority": lens[-1],
                 "workers": apps.ecs_desired()}


@route("POST", r"/admin/heap-snapshot")
def heap_snapshot(h):
    h.admin()
    name = f"heap-{int(time.time())}.heapsnapshot"
    path = os.path.join(h.state.apps.lab.root, "snapshots")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "w") as f:
        json.dump({"rss": rss_bytes(), "ballast": len(h.state.ballast), "taken": iso()}, f)
    return 202, {"status": "ok", "location": f"s3://anclora-lab-snapshots/{name}", "localPath": os.path.join(path, name)}


@route("POST", r"/admin/profile/cpu")
def profile_cpu(h):
    h.admin()
    _, body = h.json_body()
    duration = body.get("duration", 30000) if isinstance(body, dict) else 30000
    return 202, {"status": "started", "durationMs": duration, "location": f"s3://anclora-lab-profiles/cpu-{int(time.time())}.cpuprofile"}


@route("POST", r"/admin/queue/pause-priority")
def pause_priority(h):
    h.admin()
    _, body = h.json_body()
    prio = str(body.get("priority", "low"))[:20] if isinstance(body, dict) else "low"
    h.state.apps.redis.call("SET", f"bull:{ANCLORA_QUEUE}:paused-priority", prio)
    h.state.apps.log.info(f"[QueueManager] paused priority={prio}")
    return 200, {"paused": prio}


def move_list(redis, src, dst):
    items = redis.call("LRANGE", src, 0, -1) or []
    for i in range(0, len(items), 1000):
        redis.call("RPUSH", dst, *items[i:i + 1000])
    redis.call("DEL", src)
    return len(items)


@route("POST", r"/admin/queue/retry-failed")
def retry_failed(h):
    h.admin()
    n = move_list(h.state.apps.redis, f"bull:{ANCLORA_QUEUE}:failed", f"bull:{ANCLORA_QUEUE}:wait")
    h.state.apps.log.info(f"[QueueManager] retried {n} failed jobs")
    return 200, {"retried": n}


@route("GET", r"/api/whatsapp/instances")
def instances(h):
    apps = h.state.apps
    name = apps.env.get("INSTANCE_NAME", "anclora-main")
    state = apps.redis.call("HGET", f"evolution:instance:{name}", "state") or "open"
    return 200, {"instances": [{"name": name, "status": "connected" if state == "open" else "disconnected",
                                "provider": "evolution"}], "active": 1 if state == "open" else 0}


def evolution_auth(h, name):
    if not hmac.compare_digest(h.headers.get("apikey", ""), h.state.apps.setting("EVOLUTION_API_KEY", "")):
        raise Reply(401, {"status": 401, "error": "Unauthorized", "response": {"message": "Unauthorized"}})
    if not IDENT.match(name):
        raise Reply(404, {"status": 404, "error": "Not Found"})
    return f"evolution:instance:{name}"


@route("GET", r"/instance/status/([^/]+)")
def evolution_status(h, name):
    key = evolution_auth(h, name)
    state = h.state.apps.redis.call("HGET", key, "state") or "open"
    return 200, {"instance": {"instanceName": name, "state": state}}


@route("GET", r"/instance/connectionState/([^/]+)")
def evolution_connection_state(h, name):
    return evolution_status(h, name)


@route("POST", r"/instance/restart/([^/]+)")
def evolution_restart(h, name):
    key = evolution_auth(h, name)
    h.state.apps.redis.call("HSET", key, "state", "open")
    h.state.apps.log.info(f"[EvolutionClient] instance {name} restarted: connected")
    return 200, {"instance": {"instanceName": name, "state": "open"}}


@route("GET", r"/instance/connect/([^/]+)")
def evolution_connect(h, name):
    key = evolution_auth(h, name)
    h.state.apps.redis.call("HSET", key, "state", "open")
    return 200, {"pairingCode": None, "code": "2@lab" + os.urandom(8).hex(),
                 "qrcode": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAcCBlCwAAAABJRU5ErkJggg=="}


# -- Pedidos


@route("GET", r"/admin/queues/payments")
def payments_queue(h):
    apps = h.state.apps
    states = ("wait", "active", "completed", "failed")
    replies = apps.redis.pipeline([("LLEN", f"bull:payments:{s}") for s in states] +
                                  [("LRANGE", "bull:payments:failed", 0, 9)])
    jobs = []
    for item in replies[-1] or []:
        try:
            jobs.append(json.loads(item))
        except json.JSONDecodeError:
            jobs.append({"raw": item})
    n = dict(zip(states, replies[:4]))
    return 200, {"queue": "payments", "waiting": n["wait"], "active": n["active"], "completed": n["completed"],
                 "failed": n["failed"], "failedJobs": jobs}


@route("POST", r"/admin/queues/payments/retry")
def payments_retry(h):
    n = move_list(h.state.apps.redis, "bull:payments:failed", "bull:payments:wait")
    h.state.apps.log.info(f"[BullBoard] retried {n} failed jobs in queue payments")
    return 200, {"retried": n}


# -- lab control (used by control.py to inject in-process faults)


@route("POST", r"/__lab/fault")
def lab_fault(h):
    st = h.state
    if not hmac.compare_digest(h.headers.get("X-Lab-Key", ""), st.lab_key):
        raise Reply(403, {"message": "lab key required"})
    _, body = h.json_body()
    fault = body.get("fault") if isinstance(body, dict) else None
    if fault == "503":
        st.mode_503 = True
        st.apps.log.error("Unhandled error in request pipeline: connection pool exhausted; answering 503")
    elif fault == "webhook-secret":
        st.webhook_secret = "stale-" + os.urandom(8).hex()
    elif fault == "metrics-missing":
        st.metrics_enabled = False
        st.apps.log.warn("Metrics exporter disabled: /metrics not registered")
    elif fault == "slow":
        st.extra_latency = 0.8
    elif fault == "memory-high":
        target = int(st.apps.int_setting("TASK_MEMORY_MB", 160) * 1048576 * 0.95) - rss_bytes()
        st.ballast = b"\x01" * max(0, target)
        st.apps.log.warn(f"Memory usage high: rss={rss_bytes() // 1048576}MB")
    else:
        raise Reply(400, {"message": f"unknown fault {fault!r}"})
    return 200, {"fault": fault}


def serve_api():
    apps = Apps("api")
    ApiHandler.state = ApiState(apps)
    port = int(apps.env["API_PORT"])
    server = ThreadingHTTPServer(("127.0.0.1", port), ApiHandler)
    server.daemon_threads = True
    apps.log.info(f"API listening on http://127.0.0.1:{port} (pid {os.getpid()})")
    check_db(apps)
    check_redis(apps)
    serve_until_signal(server, apps.log, "API")


def serve_until_signal(server, log, what):
    def stop(signum, _frame):
        log.info(f"{what} shutting down ({signal.Signals(signum).name})")
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.2)


# ---------------------------------------------------------------- worker


class Worker:
    def __init__(self):
        self.apps = Apps("worker")
        self.id = f"worker-{os.getpid()}"
        self.stop = False
        self.last_tick = time.monotonic()
        self.drained = {}
        self.drain_log = Throttle(5.0)

    def run(self):
        apps = self.apps
        concurrency = apps.int_setting("INTEGRATION_WORKER_CONCURRENCY", 5)
        apps.log.info(f"Worker started (id={self.id}, concurrency={concurrency})")
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        while not self.stop:
            dt = min(0.5, time.monotonic() - self.last_tick)
            self.last_tick = time.monotonic()
            try:
                self.tick(concurrency, dt)
            except Unavailable as e:
                apps.report_down(e)
                self.reset_connections()
                time.sleep(1)
            except ServerError as e:
                apps.log.error(f"Job processing error: {e}")
            time.sleep(0.2)
        self.release_lock()
        apps.log.info(f"Worker shutting down (id={self.id})")

    def release_lock(self):
        try:
            if self.apps.redis.call("GET", "lock:integration-worker") == self.id:
                self.apps.redis.call("DEL", "lock:integration-worker")
        except (Unavailable, ServerError):
            pass

    def _stop(self, *_):
        self.stop = True

    def reset_connections(self):
        for c in (self.apps.redis, self.apps.rm, self.apps.chat, self.apps.ped):
            c.close()

    def tick(self, concurrency, dt):
        apps = self.apps
        apps.redis.call("PING")  # no Redis, no locks: nothing is processed
        if not self.lock():
            return
        self.integration_jobs(concurrency)
        self.chatbot_messages()
        self.bull_queues(dt)

    def lock(self):
        key = "lock:integration-worker"
        _, holder = self.apps.redis.pipeline([("SET", key, self.id, "NX", "PX", 3000), ("GET", key)])
        if holder != self.id:
            if self.apps.throttle.ok("lock"):
                self.apps.log.warn(f"Lock not acquired (held by {holder})")
            return False
        self.apps.redis.call("PEXPIRE", key, 3000)
        return True

    def integration_jobs(self, concurrency):
        rm, log = self.apps.rm, self.apps.log
        claimed = rm.query(
            f"UPDATE \"IntegrationJob\" SET status = 'PROCESSING', \"lockedBy\" = {quote(self.id)}, "
            "attempts = attempts + 1, \"updatedAt\" = CURRENT_TIMESTAMP WHERE id IN (SELECT id FROM \"IntegrationJob\" "
            "WHERE status = 'PENDING' AND \"runAt\" <= CURRENT_TIMESTAMP ORDER BY \"createdAt\" "
            f"LIMIT {int(concurrency)} FOR UPDATE SKIP LOCKED) RETURNING id, type, payload->>'simulate'")
        if claimed:
            ok = [i for i, _, sim in claimed if sim != "whatsapp_error"]
            bad = [i for i, _, sim in claimed if sim == "whatsapp_error"]
            if ok:
                ids = ",".join(quote(i) for i in ok)
                rm.query(f"UPDATE \"IntegrationJob\" SET status = 'DONE', \"lockedBy\" = NULL, "
                         f"\"finishedAt\" = CURRENT_TIMESTAMP, \"updatedAt\" = CURRENT_TIMESTAMP WHERE id IN ({ids}); "
                         f"UPDATE \"MessageLog\" SET status = 'SENT', \"updatedAt\" = CURRENT_TIMESTAMP "
                         f"WHERE \"jobId\" IN ({ids}) AND status = 'QUEUED'")
                types = sorted({t for i, t, _ in claimed if i in ok})
                log.info(f"Processed {len(ok)} integration job(s) ({', '.join(types)})")
            for job in bad:
                err = "WhatsApp API error: (#131026) Message undeliverable"
                rm.query(f"UPDATE \"IntegrationJob\" SET status = 'FAILED', \"lockedBy\" = NULL, \"lastError\" = {quote(err)}, "
                         f"\"updatedAt\" = CURRENT_TIMESTAMP WHERE id = {quote(job)}; "
                         f"UPDATE \"MessageLog\" SET status = 'FAILED', \"metaJson\" = \"metaJson\" || jsonb_build_object('error', {quote(err)}), "
                         f"\"updatedAt\" = CURRENT_TIMESTAMP WHERE \"jobId\" = {quote(job)}")
                log.error(f"{err} (job={job})")
        # Messages put back to QUEUED without a job (bulk retry) are sent directly.
        sent = rm.query(
            "UPDATE \"MessageLog\" SET status = 'SENT', \"updatedAt\" = CURRENT_TIMESTAMP WHERE id IN (SELECT m.id FROM "
            "\"MessageLog\" m LEFT JOIN \"IntegrationJob\" j ON j.id = m.\"jobId\" WHERE m.status = 'QUEUED' AND "
            "m.direction = 'OUTBOUND' AND (j.id IS NULL OR j.status IN ('DONE', 'FAILED')) LIMIT 50) RETURNING id")
        if sent:
            log.info(f"Sent {len(sent)} queued outbound message(s)")

    def chatbot_messages(self):
        sent = self.apps.chat.query(
            "UPDATE messages SET status = 'sent' WHERE id IN "
            "(SELECT id FROM messages WHERE status = 'queued' ORDER BY id LIMIT 20) RETURNING id")
        if sent:
            self.apps.log.info(f"[worker-web] sent {len(sent)} WhatsApp message(s)")

    def bull_queues(self, dt):
        apps = self.apps
        per_task = apps.int_setting("BULL_RATE_PER_TASK", 150)
        budget = max(1, int(per_task * max(1, apps.ecs_desired()) * dt))
        for key in scan(apps.redis, "bull:*:wait"):
            queue = key.split(":")[1]
            t = time.monotonic()
            items = apps.redis.call("LPOP", key, budget) or []
            if not items:
                continue
            failed = self.process_bull(queue, items)
            done = [i for i in items if i not in failed]
            cmds = []
            if done:
                cmds += [("RPUSH", f"bull:{queue}:completed", *done), ("LTRIM", f"bull:{queue}:completed", -1000, -1)]
            if failed:
                cmds.append(("RPUSH", f"bull:{queue}:failed", *failed))
            if queue == ANCLORA_QUEUE:
                per_item = (time.monotonic() - t) / len(items) + 0.004
                cmds += [("INCRBY", "anclora:metrics:processed_total", len(done)),
                         ("INCRBY", "anclora:metrics:failed_total", len(failed)),
                         ("LPUSH", "anclora:metrics:durations", round(per_item, 4)),
                         ("LTRIM", "anclora:metrics:durations", 0, 199)]
            cmds.append(("LLEN", key))
            left = apps.redis.pipeline(cmds)[-1]
            self.drained[queue] = self.drained.get(queue, 0) + len(items)
            if self.drain_log.ok(queue) or not left:
                apps.log.info(f"Queue {queue}: processed {self.drained.pop(queue)} job(s), {left} waiting")

    def process_bull(self, queue, items):
        """Payments update real orders; other queues only move jobs along. Returns the failed items."""
        if queue != "payments":
            return []
        ids = []
        for item in items:
            try:
                ids.append(int(json.loads(item)["data"]["orderId"]))
            except (ValueError, KeyError, TypeError, json.JSONDecodeError):
                pass
        if ids:
            id_list = ",".join(str(i) for i in ids)
            self.apps.ped.query(
                f"UPDATE orders SET status = 'PAID', updated_at = now() WHERE id IN ({id_list}); "
                f"UPDATE payments SET status = 'SUCCEEDED', updated_at = now() WHERE order_id IN ({id_list})")
            self.apps.log.info(f"[PaymentsProcessor] {len(ids)} payment(s) confirmed")
        return []


# ---------------------------------------------------------------- scheduler


class Scheduler:
    """Periodic tasks, plus the traffic a live system sees (jobs, webhooks, messages)."""

    def __init__(self):
        self.apps = Apps("scheduler")
        self.stop = False
        self.n = 0

    def run(self):
        apps = self.apps
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stop", True))
        signal.signal(signal.SIGINT, lambda *_: setattr(self, "stop", True))
        apps.log.info("Scheduler started: periodic tasks every 2 s")
        while not self.stop:
            self.n += 1
            for task in self.tasks():
                try:
                    task()
                except Unavailable as e:
                    apps.report_down(e)
                    for c in (apps.redis, apps.rm, apps.chat, apps.ped):
                        c.close()
                except (ServerError, OSError) as e:
                    apps.log.error(f"Periodic task failed: {e}")
            for _ in range(10):
                if self.stop:
                    break
                time.sleep(0.2)
        apps.log.info("Scheduler shutting down")

    def tasks(self):
        tasks = [self.enqueue_job]
        if self.n % 2 == 0:
            tasks.append(self.meta_webhook)
        if self.n % 3 == 0:
            tasks += [self.bull_traffic, self.chatbot_message]
        if self.n % 5 == 0:
            tasks += [self.payment, self.housekeeping]
        return tasks

    def enqueue_job(self):
        kind = ("sync_contacts", "send_message", "fetch_media")[self.n % 3]
        self.apps.rm.query(f"INSERT INTO \"IntegrationJob\" (type) VALUES ({quote(kind)})")

    def meta_webhook(self):
        """What Meta sends: signed with the app secret configured on the Meta side."""
        secret = self.apps.env.get("WHATSAPP_APP_SECRET", "")
        body = json.dumps({"object": "whatsapp_business_account", "from": "+34600123456",
                           "text": f"mensaje {self.n}"}).encode()
        req = urllib.request.Request(self.apps.env["API_URL"] + "/api/webhooks/whatsapp", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "X-Hub-Signature-256": sign_body(secret, body)})
        try:
            urllib.request.urlopen(req, timeout=3).read()
        except (urllib.error.URLError, OSError):
            pass  # a failing API is visible in its own log and in "WebhookEvent"

    def bull_traffic(self):
        items = [json.dumps({"id": f"t{self.n}-{i}", "name": "send-message", "data": {"to": "+34600000000"}})
                 for i in range(3)]
        self.apps.redis.pipeline([("RPUSH", f"bull:{ANCLORA_QUEUE}:wait", *items),
                                  ("INCRBY", "anclora:metrics:messages_total", len(items))])

    def chatbot_message(self):
        self.apps.chat.query("INSERT INTO messages (phone, direction, status, body) "
                             f"VALUES ('+34611110000', 'out', 'queued', 'recordatorio {self.n}')")

    def payment(self):
        oid = self.apps.ped.scalar(
            "WITH o AS (INSERT INTO orders (tenant_id, status, total) VALUES ('abc123', 'PENDING_PAYMENT', 42.50) "
            "RETURNING id, total) INSERT INTO payments (order_id, amount) SELECT id, total FROM o RETURNING order_id")
        job = json.dumps({"id": f"pay-{oid}", "name": "payment.confirmed", "data": {"orderId": int(oid)}})
        self.apps.redis.call("RPUSH", "bull:payments:wait", job)

    def housekeeping(self):
        self.apps.rm.query("DELETE FROM \"IntegrationJob\" WHERE status = 'DONE' "
                           "AND \"finishedAt\" < LOCALTIMESTAMP - interval '1 hour'")
        if self.n % 30 == 0:
            self.apps.log.info("Periodic tasks ok: cleanup, metrics rollup")


# ---------------------------------------------------------------- web and prometheus


class WebHandler(BaseHTTPRequestHandler):
    server_version = "lab-web/1.0"
    log = None

    def log_message(self, fmt, *args):
        self.log.info(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}")

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = urlparse(self.path).path
        name = "index.html" if path in ("/", "/ui", "/ui/") else path.rsplit("/", 1)[-1]
        try:
            status, data, headers = static_file(name)
        except Reply as r:
            status, data, headers = r.status, json.dumps(r.body).encode(), {"Content-Type": "application/json"}
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def serve_web():
    lab = Lab()
    WebHandler.log = Logger("web")
    server = ThreadingHTTPServer(("127.0.0.1", int(lab.env["WEB_PORT"])), WebHandler)
    WebHandler.log.info(f"Web UI listening on {lab.env['WEB_URL']}")
    serve_until_signal(server, WebHandler.log, "Web UI")


class PromHandler(BaseHTTPRequestHandler):
    lab = None
    log = None
    last = {}

    def log_message(self, *_):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urlparse(self.path).path
        if path == "/api/v1/targets":
            return self.reply(200, {"status": "success", "data": {"activeTargets": [scrape(self.lab, self.log)],
                                                                   "droppedTargets": []}})
        if path in ("/-/healthy", "/-/ready"):
            return self.reply(200, "Prometheus Server is Healthy.\n")
        return self.reply(404, {"status": "error", "error": "not found"})

    def do_POST(self):
        if urlparse(self.path).path == "/-/reload":
            self.log("INFO", 'msg="Loading configuration file" filename=prometheus.yml')
            self.log("INFO", 'msg="Completed loading of configuration file"')
            return self.reply(200, "")
        return self.reply(404, {"status": "error", "error": "not found"})


def scrape(lab, log):
    url = lab.env["API_URL"] + "/metrics"
    target = {"labels": {"job": "anclora-app", "instance": url.split("//")[1].split("/")[0]},
              "scrapeUrl": url, "lastScrape": iso(), "health": "up", "lastError": ""}
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            text = r.read().decode(errors="replace")
        if "anclora_" not in text:
            raise ValueError("no anclora_ series in the scrape")
    except urllib.error.HTTPError as e:
        target.update(health="down", lastError=f"server returned HTTP status {e.code} {e.reason}")
    except (urllib.error.URLError, OSError, ValueError) as e:
        target.update(health="down", lastError=str(getattr(e, "reason", e)))
    if target["health"] == "down":
        log("WARN", f'msg="Scrape failed" job=anclora-app target={url} err="{target["lastError"]}"')
    return target


def serve_prometheus():
    lab = Lab()
    log = Logger("prometheus")
    PromHandler.lab, PromHandler.log = lab, log
    server = ThreadingHTTPServer(("127.0.0.1", int(lab.env["PROMETHEUS_PORT"])), PromHandler)
    log("INFO", f'msg="Server is ready to receive web requests." url={lab.env["PROMETHEUS_URL"]}')

    def scraper():
        while True:
            time.sleep(15)
            scrape(lab, log)
    threading.Thread(target=scraper, daemon=True).start()
    serve_until_signal(server, log, "Prometheus")


def main(argv):
    name = argv[1] if len(argv) > 1 else ""
    programs = {"api": serve_api, "worker": lambda: Worker().run(), "scheduler": lambda: Scheduler().run(),
                "web": serve_web, "prometheus": serve_prometheus}
    if name not in programs:
        sys.stderr.write(f"usage: services.py {{{'|'.join(programs)}}} --lab LAB_DIR\n")
        return 2
    programs[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
