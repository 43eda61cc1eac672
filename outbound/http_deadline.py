"""A wall-clock deadline for an HTTP exchange made with requests. Its timeouts, and urllib3's
`Timeout(total=...)` too, bound each wait for the next bytes, not the exchange: a receiver
that trickles its answer a byte at a time holds the request for as long as it likes. Inside
`within(seconds)`, the connections a `DeadlineAdapter` opens are watched, and when the time
is up a watcher thread (urllib3's own advice for a wall-clock limit) shuts them down: the
blocked read or write returns at once, and the exchange raises `DeadlinePassed`, a
requests.Timeout. A name is resolved before its socket exists, so a slow DNS answer is
bounded by the resolver alone."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError


class DeadlinePassed(requests.Timeout):
    """The exchange was cut off at its deadline."""


class Deadline:
    """One exchange's deadline: the connections opened under it, cut together once it
    has passed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.passed = False
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()

    def watch(self, connection: HTTPConnection) -> None:
        with self._lock:
            self._connections.append(connection)

    def cut(self) -> None:
        """The time is up: shut down every watched connection's socket."""
        with self._lock:
            self.passed = True
            connections = list(self._connections)
        for connection in connections:
            _shut_down(connection)


_CURRENT: ContextVar[Deadline | None] = ContextVar("http_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[Deadline]:
    """Cut the exchanges made inside the block through a DeadlineAdapter after `seconds`;
    an exchange cut off (or finished only after the deadline) raises DeadlinePassed."""
    deadline = Deadline(seconds)
    token = _CURRENT.set(deadline)
    timer = threading.Timer(seconds, deadline.cut)
    timer.daemon = True
    timer.start()
    try:
        yield deadline
    except requests.RequestException as error:
        if deadline.passed:
            raise DeadlinePassed(f"no complete answer within {seconds:g} seconds") from error
        raise
    finally:
        timer.cancel()
        _CURRENT.reset(token)
    # Cut while the headers came in, http.client takes the end of the stream for the end
    # of the headers: an answer that came in only by the deadline does not count.
    if deadline.passed:
        raise DeadlinePassed(f"no complete answer within {seconds:g} seconds")


def session() -> requests.Session:
    """A requests session whose exchanges inside `within` keep its deadline."""
    http = requests.Session()
    http.mount("http://", DeadlineAdapter())
    http.mount("https://", DeadlineAdapter())
    return http


class _Watched:
    """A urllib3 connection that the deadline of the exchange opening it watches."""

    sock: Any

    def connect(self) -> None:
        deadline = _CURRENT.get()
        if deadline is None:
            super().connect()  # type: ignore[misc]
            return
        if deadline.passed:  # e.g. the next address of a name, tried after the deadline
            raise ConnectTimeoutError(self, "the deadline of the exchange has passed")
        deadline.watch(self)  # type: ignore[arg-type]
        super().connect()  # type: ignore[misc]
        if deadline.passed:  # cut while connecting, before the socket was there to shut
            _shut_down(self)  # type: ignore[arg-type]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, whose connections (direct or through an HTTP proxy) keep the
    deadline of the `within` block they are opened in; outside one it is requests' own."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS has pools of its own
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


def _shut_down(connection: HTTPConnection) -> None:
    sock = connection.sock
    if sock is None:
        return
    try:
        # The plain socket's shutdown, also under TLS: SSLSocket.shutdown would drop its
        # TLS state under the read that another thread is blocked in.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # closed already, or never connected
