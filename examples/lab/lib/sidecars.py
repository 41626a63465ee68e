"""The web UI and the Prometheus stand-in (scrapes the api's /metrics on demand)."""

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from api import Reply, static_file
from apps import serve_until_signal
from common import Lab, Logger, iso


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
