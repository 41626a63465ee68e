"""Pedidos (seed 004): the Bull Board data of the payments queue."""

import json

from api import route
from apps import move_list


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
