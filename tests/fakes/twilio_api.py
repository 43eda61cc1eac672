"""A real HTTP server standing in for Twilio's REST API (the Messages resource).

Tests point `TWILIO_API_BASE_URL` at it. It checks HTTP basic auth like
Twilio, refuses a message without a body or Content SID (21619) and a
malformed Content SID (21655), records every message request, and answers
with Twilio-shaped JSON;
a test can queue error answers (429, 500, a 400 with a Twilio error code) to
exercise retries and permanent failures. For the fault and pacing tests it
can also hold the next request until the test releases it (a send caught in
flight), enforce a per-sender rate the way Twilio answers a burst (429,
error 20429), and it notes when each accepted message arrived and on which
connection: like Twilio it speaks HTTP/1.1 and keeps a connection open for
the client's next request.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")
CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")


# GSM 03.38: the basic table, and the extension table whose characters take two units.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")


def _num_segments(body: str) -> int:
    """How many segments Twilio reports for `body`: GSM-7 160/153, else UCS-2 70/67."""
    if set(body) <= GSM_BASIC | GSM_EXTENSION:
        units, single, part = len(body) + sum(c in GSM_EXTENSION for c in body), 160, 153
    else:
        units, single, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else -(-units // part)


def _refusal(form: dict[str, str]) -> dict | None:
    """Twilio's 400 for a message it cannot create, or None: a message needs a
    body, media or a Content SID (21619), and a Content SID must be one (21655)."""
    if "ContentSid" in form:
        if not CONTENT_SID.match(form["ContentSid"]):
            return {"status": 400, "message": "The ContentSid is Invalid.", "code": 21655}
        return None
    if not form.get("Body") and not form.get("MediaUrl"):
        message = "A text message body or media url must be specified."
        return {"status": 400, "message": message, "code": 21619}
    return None


@dataclass
class SentMessage:
    sid: str
    account_sid: str
    params: dict[str, str]
    received_at: float = 0.0  # time.monotonic() when the request arrived
    connection: tuple[str, int] | None = None  # the client's address and port

    @property
    def sender(self) -> str:
        return self.params.get("From") or self.params.get("MessagingServiceSid", "")

    @property
    def to(self) -> str:
        return self.params.get("To", "")

    @property
    def body(self) -> str:
        return self.params.get("Body", "")

    @property
    def num_segments(self) -> str:
        return str(_num_segments(self.body))

    @property
    def content_sid(self) -> str | None:
        return self.params.get("ContentSid")

    @property
    def content_variables(self) -> dict[str, str]:
        return json.loads(self.params.get("ContentVariables") or "{}")


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    messages: list[SentMessage] = field(default_factory=list)
    queued_errors: list[tuple[int, dict, dict]] = field(default_factory=list)
    requests_seen: int = 0
    rate_limited: int = 0  # requests answered 429 by `limit_rate`
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    _per_second: int | None = None
    _recent: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    _hold_next: bool = False
    _hang_up_after_next: bool = False
    _held: threading.Event = field(default_factory=threading.Event)
    _release: threading.Event = field(default_factory=threading.Event)
    _accept_held: bool = True

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

    def limit_rate(self, per_second: int | None) -> None:
        """Answer 429 (error 20429) to a request that would make more than
        `per_second` from one sender within any second; None lifts the limit."""
        with self.lock:
            self._per_second = per_second
            self._recent.clear()

    def hold_next(self) -> None:
        """Keep the next message request waiting, unanswered, until `release`."""
        with self.lock:
            self._hold_next = True
            self._held.clear()
            self._release.clear()

    def hang_up_after_next(self) -> None:
        """Close the connection after answering the next message request, without saying
        so in the answer, as a server does with a connection it finds idle too long."""
        with self.lock:
            self._hang_up_after_next = True

    def wait_until_held(self, timeout: float) -> bool:
        """True once a request is being held (False if none came within `timeout`)."""
        return self._held.wait(timeout)

    def release(self, *, accept: bool = True) -> None:
        """Let the held request go on: `accept` records the message as Twilio
        would have (its sender may never learn the SID), else it is dropped."""
        self._accept_held = accept
        self._release.set()

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.queued_errors.clear()
            self.requests_seen = 0
            self.rate_limited = 0
            self._per_second = None
            self._recent.clear()
            self._hold_next = False
            self._hang_up_after_next = False
        self._release.set()  # a request still held from an earlier test goes on

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API does
            # An answer leaves in one piece: headers and body written apart on a kept-alive
            # connection would wait for the client's delayed ACK (Nagle), 40 ms each.
            wbufsize = -1
            disable_nagle_algorithm = True

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
                refusal = _refusal(form)
                if refusal is not None:
                    return self._json(400, refusal)
                received_at = time.monotonic()
                with fake.lock:
                    held, fake._hold_next = fake._hold_next, False
                if held:
                    fake._held.set()
                    fake._release.wait(timeout=60)
                    if not fake._accept_held:
                        return self._json(503, {"status": 503, "message": "dropped", "code": None})
                message = SentMessage(
                    "SM" + secrets.token_hex(16),
                    match["sid"],
                    form,
                    received_at,
                    self.client_address,
                )
                with fake.lock:
                    fake.requests_seen += 1
                    if fake.queued_errors:
                        status, body, headers = fake.queued_errors.pop(0)
                        return self._json(status, body, headers)
                    if fake._over_rate(message.sender, received_at):
                        fake.rate_limited += 1
                        too_many = {"status": 429, "message": "Too Many Requests", "code": 20429}
                        return self._json(429, too_many, {"Retry-After": "1"})
                    fake.messages.append(message)
                with fake.lock:
                    hang_up, fake._hang_up_after_next = fake._hang_up_after_next, False
                if hang_up:
                    self.close_connection = True
                sid = message.sid
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
                        "num_segments": message.num_segments,
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
                try:
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client is gone (a killed worker); Twilio would not notice either

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _over_rate(self, sender: str, received_at: float) -> bool:
        if self._per_second is None:
            return False
        recent = self._recent[sender]
        while recent and recent[0] <= received_at - 1.0:
            recent.popleft()
        if len(recent) >= self._per_second:
            return True
        recent.append(received_at)
        return False

    def _authorised(self, header: str, sid: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}" and sid == self.account_sid
