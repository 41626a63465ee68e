"""The worker process: drains "IntegrationJob" rows, queued messages and `bull:*:wait`
lists while Redis (its locks) and PostgreSQL answer."""

import json
import os
import signal
import time

from apps import ANCLORA_QUEUE, Apps, Throttle, scan
from clients import ServerError, Unavailable, quote


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
