"""The scheduler process: periodic tasks, and the steady traffic of a live system."""

import json
import signal
import time
import urllib.error
import urllib.request

from apps import ANCLORA_QUEUE, Apps, sign_body
from clients import ServerError, Unavailable, quote


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
