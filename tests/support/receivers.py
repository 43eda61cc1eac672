"""A webhook receiver on loopback for the outgoing-webhook tests: a real HTTP server (or HTTPS,
given a TLS context) in a background thread that keeps every request it gets (headers and raw
body) and answers with the status codes it is told, in turn (then 204)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    answers: list[int]
    port: int = 0
    requests: list[Received] = field(default_factory=list)


@contextmanager
def webhook_receiver(
    answers: Iterable[int] = (),
    path: str = "/hooks",
    *,
    address: str = "127.0.0.1",
    tls: ssl.SSLContext | None = None,
) -> Iterator[Receiver]:
    """A receiver at `http://127.0.0.1:<port><path>` answering `answers` in turn, then 204;
    on another loopback `address` (such as "::1"), and over HTTPS with the server context
    `tls` (then `url` still names the address, which the certificate may not carry)."""
    receiver = Receiver(url="", answers=list(answers))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                status = receiver.answers.pop(0) if receiver.answers else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's name
            pass

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in address else socket.AF_INET

    server = Server((address, 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_port
    host = f"[{address}]" if ":" in address else address
    scheme = "http" if tls is None else "https"
    receiver.url = f"{scheme}://{host}:{receiver.port}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
