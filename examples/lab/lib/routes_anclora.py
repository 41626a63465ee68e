"""Anclora (seed 001): Bull queue metrics, admin endpoints, WhatsApp instances, and the
Evolution API stand-in (no local counterpart)."""

import hmac
import json
import os
import time

from api import Reply, route
from apps import ANCLORA_QUEUE, IDENT, move_list, rss_bytes
from common import iso


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
