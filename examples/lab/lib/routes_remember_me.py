"""Remember Me (seed 000): job metrics, messages, retries, login rate limit, Meta webhooks."""

import hmac
import json
import os
import re
import time

from api import Reply, route
from apps import IDENT, make_jwt, sign_body
from clients import ServerError, Unavailable, quote


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
