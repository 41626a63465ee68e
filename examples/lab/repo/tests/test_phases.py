"""The chatbot's smoke suite, run against the live API (`pytest -q -k "phase1 or ..."`)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
from chatbot.client import request  # noqa: E402

TOKEN = os.environ.get("JWT", "")


class Phases(unittest.TestCase):
    def test_phase1_healthz(self):
        status, body = request("GET", "/healthz")
        self.assertEqual(status, 200, body)

    def test_phase2_auth_me(self):
        status, body = request("GET", "/api/auth/me", TOKEN)
        self.assertEqual(status, 200, body)
        self.assertIn("username", body)

    def test_phase3_ws_token(self):
        status, body = request("POST", "/api/auth/ws-token", TOKEN)
        self.assertEqual(status, 200, body)
        self.assertIn("ws_token", body)

    def test_phase4_rejects_bad_token(self):
        status, _ = request("GET", "/api/auth/me", "not-a-token")
        self.assertEqual(status, 401)

    def test_phase5_whatsapp_runtime(self):
        status, body = request("GET", "/api/whatsapp/status", TOKEN)
        self.assertEqual(status, 200, body)
        self.assertEqual(body.get("runtime"), "running", body)

    def test_phase6_ui_headers(self):
        status, body = request("GET", "/ui/index.html")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
