"""A small client of the chatbot API, used by the lab's test suite (tests/)."""

import json
import os
import urllib.error
import urllib.request


def api_url():
    return os.environ.get("API_URL", "http://localhost:8003")


def request(method, path, token=None, body=None):
    """(status, parsed JSON or text) of one call to the API."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(api_url() + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")
