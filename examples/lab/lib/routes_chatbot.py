"""Chatbot WhatsApp (seeds 002/003): auth, WebSocket tokens, WhatsApp runtime, audit, UI."""

import re
import time

from api import Reply, route, static_file
from apps import make_jwt, pid_alive
from clients import Unavailable, quote


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
