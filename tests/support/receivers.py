"""A webhook receiver on loopback for the outgoing-webhook tests: a real HTTP server (or HTTPS,
given a TLS context) in a background thread that keeps every request it gets (headers and raw
body) and answers with the status codes it is told, in turn (then 204); it can run a step of
the test while it holds a request, and trickle its first answers a byte a second."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# How long a trickling receiver waits between two bytes of its answer.
TRICKLE_INTERVAL_SECONDS = 1


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
    hung_up_on: int = 0  # trickled answers the client hung up on before their end


@contextmanager
def webhook_receiver(
    answers: Iterable[int] = (),
    path: str = "/hooks",
    *,
    address: str = "127.0.0.1",
    tls: ssl.SSLContext | None = None,
    while_holding: Callable[[Received], None] | None = None,
    trickled: int = 0,
) -> Iterator[Receiver]:
    """A receiver at `http://127.0.0.1:<port><path>` answering `answers` in turn, then 204;
    on another loopback `address` (such as "::1"), and over HTTPS with the server context
    `tls` (then `url` still names the address, which the certificate may not carry).
    `while_holding` runs with each request before it is answered (in the server's thread);
    the first `trickled` answers go out a byte every TRICKLE_INTERVAL_SECONDS, until the
    client hangs up (counted in `hung_up_on`; the receiver ends once they have)."""
    receiver = Receiver(url="", answers=list(answers))
    lock = threading.Lock()
    trickles: list[threading.Event] = []  # one per trickled answer, set once it ended

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received = Received(self.path, dict(self.headers.items()), body)
            with lock:
                receiver.requests.append(received)
                status = receiver.answers.pop(0) if receiver.answers else 204
                trickle = len(receiver.requests) <= trickled
            if while_holding is not None:
                while_holding(received)
            if trickle:
                self._trickle(f"HTTP/1.1 {status} Trickled\r\nContent-Length: 0\r\n\r\n")
                return
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _trickle(self, answer: str) -> None:
            self.close_connection = True
            done = threading.Event()
            with lock:
                trickles.append(done)
            try:
                for byte in answer.encode():
                    self.wfile.write(bytes([byte]))
                    time.sleep(TRICKLE_INTERVAL_SECONDS)
            except OSError:  # the client hung up
                with lock:
                    receiver.hung_up_on += 1
            finally:
                done.set()

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
        for done in trickles:  # its handler thread is a daemon: the server would not wait
            done.wait()
        server.shutdown()
        server.server_close()
        thread.join()
