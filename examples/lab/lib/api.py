"""The api process: one HTTP server standing in for every seed system's API.

This module holds the plumbing (routing, replies, auth), health, metrics and the lab's
own fault hook; the systems' endpoints live in routes_*.py and register themselves
with `route`.
"""

import hmac
import json
import os
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from apps import ANCLORA_QUEUE, Apps, quantiles, rss_bytes, scan, serve_until_signal, verify_jwt
from clients import PgUnavailable, RedisUnavailable, ServerError, Unavailable
from common import LAB_HOME, iso


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
