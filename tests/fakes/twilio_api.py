"""A real HTTP server standing in for Twilio's REST API (the Messages resource).

Tests point `TWILIO_API_BASE_URL` at it. It checks HTTP basic auth like
Twilio, records every message request, and answers with Twilio-shaped JSON;
a test can queue error answers (429, 500, a 400 with a Twilio error code) to
exercise retries and permanent failures.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


@dataclass
class SentMessage:
    sid: str
    account_sid: str
    params: dict[str, str]

    @property
    def to(self) -> str:
        return self.params.get("To", "")

    @property
    def body(self) -> str:
        return self.params.get("Body", "")


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    messages: list[SentMessage] = field(default_factory=list)
    queued_errors: list[tuple[int, dict, dict]] = field(default_factory=list)
    requests_seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, status: int, code: int | None = None, headers: dict | None = None) -> None:
        """Answer the next message request with `status` (and a Twilio error `code`)."""
        body = {"status": status, "message": f"fake error {code or status}"}
        if code is not None:
            body["code"] = code
        self.queued_errors.append((status, body, headers or {}))

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.queued_errors.clear()
            self.requests_seen = 0

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                match = MESSAGES_PATH.match(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if not match:
                    return self._json(404, {"status": 404, "message": "not found", "code": 20404})
                if not fake._authorised(self.headers.get("Authorization", ""), match["sid"]):
                    return self._json(401, {"status": 401, "message": "auth", "code": 20003})
                with fake.lock:
                    fake.requests_seen += 1
                    if fake.queued_errors:
                        status, body, headers = fake.queued_errors.pop(0)
                        return self._json(status, body, headers)
                    sid = "SM" + secrets.token_hex(16)
                    fake.messages.append(SentMessage(sid, match["sid"], form))
                self._json(
                    201,
                    {
                        "sid": sid,
                        "account_sid": match["sid"],
                        "status": "queued",
                        "to": form.get("To"),
                        "from": form.get("From"),
                        "messaging_service_sid": form.get("MessagingServiceSid"),
                        "body": form.get("Body"),
                        "num_segments": "1",
                        "direction": "outbound-api",
                        "error_code": None,
                        "error_message": None,
                        "api_version": "2010-04-01",
                        "uri": f"/2010-04-01/Accounts/{match['sid']}/Messages/{sid}.json",
                    },
                )

            def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _authorised(self, header: str, sid: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}" and sid == self.account_sid
