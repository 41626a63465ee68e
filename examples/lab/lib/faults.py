"""Fault injection: each fault breaks something real (a process, rows, keys, a wedged api).

Rows and keys a fault creates carry the tag `labFault` so `clear` can take them away.
"""

import json
import os
import shutil
import sys
import time
import urllib.error
import urllib.request

import control
from clients import ServerError, Unavailable, quote
from apps import ANCLORA_QUEUE, sign_body

USAGE = """usage: examples/lab/fault NAME [ARGS]
  redis-down | pg-down | worker-down | api-down | api-503 | stuck-jobs | backlog [N]
  bull-backlog [N] [QUEUE] | webhook-secret | rate-limit | failed-messages | queue-errors
  payments-failing | instance-disconnected | metrics-missing | memory-high | slow | vulnerable-dep | clear"""


def api_fault(lab, fault):
    """Puts the running api process into a bad state that only a restart clears."""
    key = open(lab.state("lab-key")).read().strip()
    req = urllib.request.Request(lab.env["API_URL"] + "/__lab/fault", data=json.dumps({"fault": fault}).encode(),
                                 method="POST", headers={"Content-Type": "application/json", "X-Lab-Key": key})
    try:
        urllib.request.urlopen(req, timeout=5).read()
    except (urllib.error.URLError, OSError) as e:
        raise control.LabError(f"the api did not take the fault {fault!r}: {e}") from None


def post(url, body, headers):
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def pending_jobs(lab, count, fault, min_age_s=120, max_age_s=360):
    """`count` PENDING jobs created between min_age and max_age ago: the pile-up of an outage."""
    span = max(1, max_age_s - min_age_s)
    lab.pg("remember_me").query(
        "INSERT INTO \"IntegrationJob\" (type, payload, \"createdAt\", \"updatedAt\", \"runAt\") "
        f"SELECT (ARRAY['send_message','sync_contacts'])[1 + g % 2], jsonb_build_object('labFault', {quote(fault)}), "
        f"t, t, t FROM generate_series(1, {int(count)}) g, "
        f"LATERAL (SELECT LOCALTIMESTAMP - make_interval(secs => {max_age_s} - g * {span}.0 / {int(count)})) AS x(t)")


def redis_down(lab, _args):
    control.stop(lab, "redis")
    return "redis-server stopped"


def pg_down(lab, _args):
    control.stop(lab, "postgres")
    return "PostgreSQL stopped"


def worker_down(lab, _args):
    control.stop(lab, "worker")
    pending_jobs(lab, 40, "worker-down")
    lab.pg("chatbot", "chatbot").query(
        "INSERT INTO messages (phone, direction, status, body, created_at) SELECT '+34611112222', 'out', 'queued', "
        "'labFault worker-down', now() - make_interval(secs => g * 5) FROM generate_series(1, 30) g")
    return "worker stopped; 40 PENDING jobs and 30 queued chatbot messages from the last minutes are waiting"


def api_down(lab, _args):
    control.stop(lab, "api")
    ecs_stopped_task(lab, "Essential container in task exited", "Exited with code 137")
    return "api stopped"


def ecs_stopped_task(lab, reason, container_reason):
    path = lab.state("ecs.json")
    with open(path) as f:
        ecs = json.load(f)
    task = f"arn:aws:ecs:eu-west-1:000000000000:task/anclora-production/{os.urandom(16).hex()}"
    ecs.setdefault("stoppedTasks", []).insert(0, {"taskArn": task, "stopReason": reason, "containerReason": container_reason,
                                                  "stoppedAt": time.time()})
    ecs["stoppedTasks"] = ecs["stoppedTasks"][:10]
    with open(path, "w") as f:
        json.dump(ecs, f)


def api_503(lab, _args):
    api_fault(lab, "503")
    ecs_stopped_task(lab, "Task failed ELB health checks in (target-group anclora-whatsapp-tg)",
                     "Health check returned 503")
    return "api answers 503 to every request until it is restarted"


def stuck_jobs(lab, _args):
    lab.pg("remember_me").query(
        "INSERT INTO \"IntegrationJob\" (type, status, attempts, \"lockedBy\", payload, \"createdAt\", \"updatedAt\") "
        "SELECT 'send_message', 'PROCESSING', 1, 'worker-dead', '{\"labFault\": \"stuck-jobs\"}', "
        "LOCALTIMESTAMP - interval '12 minutes', LOCALTIMESTAMP - make_interval(mins => 10, secs => g) "
        "FROM generate_series(1, 12) g")
    return "12 jobs stuck in PROCESSING since 10 minutes ago"


def backlog(lab, args):
    n = int(args[0]) if args else 40
    pending_jobs(lab, n, "backlog")
    return f"{n} PENDING jobs created 2-6 min ago"


def bull_backlog(lab, args):
    n = int(args[0]) if args else 20000
    queue = args[1] if len(args) > 1 else ANCLORA_QUEUE
    r = lab.redis()
    stamp = int(time.time() * 1000)
    for start in range(0, n, 2000):
        batch = [json.dumps({"id": f"bk{start + i}", "name": "send-message", "timestamp": stamp,
                             "data": {"to": "+34600000000", "labFault": "bull-backlog"}})
                 for i in range(min(2000, n - start))]
        r.call("RPUSH", f"bull:{queue}:wait", *batch)
    if queue == ANCLORA_QUEUE:
        r.call("INCRBY", "anclora:metrics:messages_total", n)
    depth = r.call("LLEN", f"bull:{queue}:wait")
    r.close()
    return f"{n} jobs pushed to bull:{queue}:wait (depth now {depth})"


def webhook_secret(lab, _args):
    api_fault(lab, "webhook-secret")
    secret = lab.env["WHATSAPP_APP_SECRET"]
    failures = 0
    for i in range(3):
        body = json.dumps({"object": "whatsapp_business_account", "from": "+34600999000", "text": f"hola {i}"}).encode()
        status = post(lab.env["API_URL"] + "/api/webhooks/whatsapp", body,
                      {"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(secret, body)})
        failures += status == 401
    return f"the api verifies webhooks with a stale secret; {failures}/3 signed webhooks rejected (Invalid signature)"


def rate_limit(lab, _args):
    limit = int(lab.app_config().get("RATE_LIMIT_LOGIN_LIMIT", 10))
    codes = []
    body = json.dumps({"email": "spam@example.com", "password": "wrong", "organizationId": "org-123"}).encode()
    for _ in range(limit + 15):
        codes.append(post(lab.env["API_URL"] + "/api/auth/login", body, {"Content-Type": "application/json"}))
    r = lab.redis()
    r.call("EXPIRE", "rate_limit:auth.login:org-123", 900)
    r.close()
    return f"{len(codes)} logins for org-123: {codes.count(429)} answered 429; the window now lasts 15 min"


def failed_messages(lab, _args):
    rm = lab.pg("remember_me")
    rm.query(
        "WITH j AS (INSERT INTO \"IntegrationJob\" (type, payload) SELECT 'send_message', "
        "'{\"simulate\": \"whatsapp_error\", \"labFault\": \"failed-messages\"}' FROM generate_series(1, 5) RETURNING id) "
        "INSERT INTO \"MessageLog\" (direction, status, \"contactPhone\", body, \"jobId\", \"metaJson\") "
        "SELECT 'OUTBOUND', 'QUEUED', '+34600555000', 'recordatorio de cita', id, '{\"labFault\": \"failed-messages\"}' "
        "FROM j")
    deadline = time.monotonic() + 15
    failed = 0
    while time.monotonic() < deadline and control.is_running(lab, "worker"):
        failed = int(rm.scalar("SELECT count(*) FROM \"MessageLog\" WHERE status = 'FAILED' "
                               "AND \"metaJson\" ? 'labFault'", 0))
        if failed >= 5:
            break
        time.sleep(0.2)
    return f"5 outbound messages sent to a failing WhatsApp API ({failed} FAILED so far)"


def queue_errors(lab, _args):
    r = lab.redis()
    items = [json.dumps({"id": f"err{i}", "name": "send-message", "failedReason": "Evolution API error: 500 Internal Server Error",
                         "attemptsMade": 3, "data": {"labFault": "queue-errors"}}) for i in range(150)]
    r.pipeline([("RPUSH", f"bull:{ANCLORA_QUEUE}:failed", *items), ("INCRBY", "anclora:metrics:failed_total", 150)])
    r.close()
    return f"150 jobs in bull:{ANCLORA_QUEUE}:failed"


def payments_failing(lab, _args):
    ids = lab.pg("pedidos", "pedidos").query(
        "WITH o AS (INSERT INTO orders (tenant_id, status, total) SELECT 'abc123', 'PENDING_PAYMENT', 20 + g "
        "FROM generate_series(1, 30) g RETURNING id, total) "
        "INSERT INTO payments (order_id, status, amount) SELECT id, 'PENDING', total FROM o RETURNING order_id")
    items = [json.dumps({"id": f"pay-{oid}", "name": "payment.confirmed", "attemptsMade": 3,
                         "failedReason": "PaymentProviderError: ETIMEDOUT api.stripe.com:443",
                         "data": {"orderId": int(oid), "labFault": "payments-failing"}}) for (oid,) in ids]
    r = lab.redis()
    r.call("RPUSH", "bull:payments:failed", *items)
    r.close()
    return f"{len(items)} payment jobs failed (provider timeout); their orders stay PENDING_PAYMENT"


def instance_disconnected(lab, _args):
    r = lab.redis()
    r.call("HSET", f"evolution:instance:{lab.env['INSTANCE_NAME']}", "state", "close")
    r.close()
    return f"Evolution instance {lab.env['INSTANCE_NAME']} disconnected (state close)"


def metrics_missing(lab, _args):
    api_fault(lab, "metrics-missing")
    return "the api no longer serves /metrics"


def memory_high(lab, _args):
    api_fault(lab, "memory-high")
    return "the api holds memory up to ~95% of TASK_MEMORY_MB"


def slow(lab, _args):
    api_fault(lab, "slow")
    return "the api adds 800 ms to every request"


def vulnerable_dep(lab, _args):
    path = os.path.join(lab.env["REPO_DIR"], "requirements.txt")
    with open(path, "a") as f:
        f.write("urllib3==1.26.4\n")
    return "requirements.txt now pins urllib3==1.26.4 (CVE-2021-33503, HIGH)"


def clear(lab, _args):
    shutil.copy(lab.state("env.docker.orig"), lab.app_env_file)
    repo = lab.env.get("REPO_DIR")
    if repo and os.path.isdir(repo):
        shutil.copy(os.path.join(control.LAB_HOME, "repo", "requirements.txt"), os.path.join(repo, "requirements.txt"))
    with open(lab.state("ecs.json")) as f:
        ecs = json.load(f)
    ecs["desiredCount"] = 2
    with open(lab.state("ecs.json"), "w") as f:
        json.dump(ecs, f)
    for service in ("redis", "postgres"):
        control.start(lab, service)
    for service in control.APP_SERVICES:
        control.stop(lab, service)
    r = lab.redis()
    for pattern in ("rate_limit:*", "login_failed:*"):
        keys = r.call("KEYS", pattern)
        if keys:
            r.call("DEL", *keys)
    r.call("DEL", f"bull:{ANCLORA_QUEUE}:wait", f"bull:{ANCLORA_QUEUE}:failed", f"bull:{ANCLORA_QUEUE}:paused-priority")
    items = r.call("LRANGE", "bull:payments:failed", 0, -1) or []
    if items:
        r.call("RPUSH", "bull:payments:wait", *items)
        r.call("DEL", "bull:payments:failed")
    r.call("HSET", f"evolution:instance:{lab.env['INSTANCE_NAME']}", "state", "open")
    r.call("SET", "whatsapp:runtime", "running")
    r.close()
    rm = lab.pg("remember_me")
    rm.query("DELETE FROM \"MessageLog\" WHERE \"metaJson\" ? 'labFault'; "
             "DELETE FROM \"IntegrationJob\" WHERE payload ? 'labFault'; "
             "UPDATE \"WebhookEvent\" SET status = 'PROCESSED', error = NULL WHERE status = 'ERROR'")
    lab.pg("chatbot", "chatbot").query("DELETE FROM messages WHERE body LIKE 'labFault%'")
    control.archive_logs(lab)
    for service in control.APP_SERVICES:
        control.start(lab, service)
    control.wait_healthy(lab)
    return "lab back to healthy"


FAULTS = {
    "redis-down": redis_down, "pg-down": pg_down, "worker-down": worker_down, "api-down": api_down,
    "api-503": api_503, "stuck-jobs": stuck_jobs, "backlog": backlog, "bull-backlog": bull_backlog,
    "webhook-secret": webhook_secret, "rate-limit": rate_limit, "failed-messages": failed_messages,
    "queue-errors": queue_errors, "payments-failing": payments_failing,
    "instance-disconnected": instance_disconnected, "metrics-missing": metrics_missing,
    "memory-high": memory_high, "slow": slow, "vulnerable-dep": vulnerable_dep, "clear": clear,
}


def main(lab, args):
    if not args or args[0] not in FAULTS:
        sys.stderr.write(USAGE + "\n")
        return 2
    if not os.path.exists(lab.env_file):
        sys.stderr.write(f"lab: no lab at {lab.root} (run examples/lab/up)\n")
        return 1
    try:
        print(f"fault {args[0]}: {FAULTS[args[0]](lab, args[1:])}")
    except (Unavailable, ServerError, ValueError) as e:
        sys.stderr.write(f"lab: fault {args[0]} failed: {e}\n")
        return 1
    return 0
