"""The pinned connection of outgoing webhook deliveries: it reaches the address it is given,
never resolving the URL's name, while it speaks to the name: the Host header, over plain HTTP
and over HTTPS, where the certificate must carry the name (made by trustme) and SNI sends it;
on IPv6 too, past a proxy from the environment, and on to the next checked address when one
refuses (but not when one took the request and hung up); an answer trickled a byte at a time
is cut at the deadline of `http_deadline.within`, over HTTP and HTTPS. DNS is the outside world, so
`socket.getaddrinfo` is replaced; the receivers are real HTTP(S) servers on loopback."""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import ssl
import threading

import pytest
import requests
import trustme

from outbound import http_deadline, pinned_http
from tests.support.receivers import webhook_receiver

PINNED_NAME = "hooks.pinned.example"
LOOPBACK = ipaddress.ip_address("127.0.0.1")
_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture
def unresolvable_pinned_name(monkeypatch):
    """DNS knows no PINNED_NAME: a request that reaches its receiver was never resolved."""

    def getaddrinfo(host, *args, **kwargs):
        if host == PINNED_NAME:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return _real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def trusted_ca(tmp_path, monkeypatch):
    """A test CA, trusted the way an operator trusts a CA: a bundle named in the environment."""
    ca = trustme.CA()
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(path))
    return ca


def _server_context(ca: trustme.CA, name: str, seen_names: list[str]) -> ssl.SSLContext:
    """A receiver's TLS context with a certificate for `name` only, noting each SNI name."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(name).configure_cert(context)
    context.sni_callback = lambda _socket, server_name, _context: seen_names.append(server_name)
    return context


def _post(url, addresses):
    return pinned_http.post(
        url,
        addresses,
        body=b'{"type":"ping"}',
        headers={"Content-Type": "application/json"},
        timeout=5,
    )


def test_the_pinned_address_is_reached_with_the_name_as_host(unresolvable_pinned_name):
    with webhook_receiver() as receiver:
        url = f"http://{PINNED_NAME}:{receiver.port}/hooks?x=1"
        assert _post(url, [LOOPBACK]) == 204

    (request,) = receiver.requests
    assert request.headers["Host"] == f"{PINNED_NAME}:{receiver.port}"
    assert request.path == "/hooks?x=1"
    assert request.body == b'{"type":"ping"}'


def test_an_ipv6_address_is_reached_too(unresolvable_pinned_name):
    with webhook_receiver(address="::1") as receiver:
        url = f"http://{PINNED_NAME}:{receiver.port}/hooks"
        assert _post(url, [ipaddress.ip_address("::1")]) == 204

    (request,) = receiver.requests
    assert request.headers["Host"] == f"{PINNED_NAME}:{receiver.port}"


def test_https_verifies_the_certificate_against_the_name_and_sends_it_for_sni(
    unresolvable_pinned_name, trusted_ca
):
    sni_names: list[str] = []
    with webhook_receiver(tls=_server_context(trusted_ca, PINNED_NAME, sni_names)) as receiver:
        url = f"https://{PINNED_NAME}:{receiver.port}/hooks"
        assert _post(url, [LOOPBACK]) == 204

    (request,) = receiver.requests
    assert request.headers["Host"] == f"{PINNED_NAME}:{receiver.port}"
    assert sni_names == [PINNED_NAME]


def test_https_refuses_a_certificate_for_another_name(unresolvable_pinned_name, trusted_ca):
    sni_names: list[str] = []
    with webhook_receiver(tls=_server_context(trusted_ca, "other.example", sni_names)) as receiver:
        url = f"https://{PINNED_NAME}:{receiver.port}/hooks"
        with pytest.raises(requests.exceptions.SSLError, match="Hostname mismatch"):
            _post(url, [LOOPBACK])

    assert receiver.requests == []


def test_https_refuses_a_certificate_for_the_address_only(unresolvable_pinned_name, trusted_ca):
    """The address the connection goes to is not the name the certificate must carry."""
    sni_names: list[str] = []
    with webhook_receiver(tls=_server_context(trusted_ca, "127.0.0.1", sni_names)) as receiver:
        url = f"https://{PINNED_NAME}:{receiver.port}/hooks"
        with pytest.raises(requests.exceptions.SSLError, match="Hostname mismatch"):
            _post(url, [LOOPBACK])

    assert receiver.requests == []


def test_a_proxy_from_the_environment_is_not_used(unresolvable_pinned_name, monkeypatch):
    """A proxy would resolve the name itself; the pinned request goes straight to the address."""
    with socket.socket() as closed:  # a proxy that is not there
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(variable, raising=False)
    for variable in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(variable, proxy)
    with webhook_receiver() as receiver:
        url = f"http://{PINNED_NAME}:{receiver.port}/hooks"
        assert _post(url, [LOOPBACK]) == 204

    assert len(receiver.requests) == 1


def test_the_next_checked_address_is_tried_when_one_refuses(unresolvable_pinned_name):
    with webhook_receiver(answers=[503]) as receiver:  # it listens on 127.0.0.1 only
        url = f"http://{PINNED_NAME}:{receiver.port}/hooks"
        refusing = ipaddress.ip_address("127.0.0.2")
        assert _post(url, [refusing, LOOPBACK]) == 503

    assert len(receiver.requests) == 1


def test_an_address_that_refuses_is_a_connection_error(unresolvable_pinned_name):
    with webhook_receiver() as receiver:
        url = f"http://{PINNED_NAME}:{receiver.port}/hooks"
        with pytest.raises(requests.ConnectionError):
            _post(url, [ipaddress.ip_address("127.0.0.2")])

    assert receiver.requests == []


def test_an_address_that_took_the_request_and_hung_up_is_not_left_for_the_next(
    unresolvable_pinned_name,
):
    """The request may have arrived: sending it again is the delivery's next try, not this."""
    connections: list[bytes] = []

    class HangUp(socketserver.BaseRequestHandler):
        def handle(self) -> None:  # reads what comes first, then closes without an answer
            connections.append(self.request.recv(65536))

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), HangUp) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://{PINNED_NAME}:{server.server_address[1]}/hooks"
            with pytest.raises(requests.ConnectionError):
                _post(url, [LOOPBACK, LOOPBACK])
        finally:
            server.shutdown()
            thread.join()

    assert len(connections) == 1
    assert connections[0].startswith(b"POST /hooks HTTP/1.1")


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_receiver_that_trickles_its_answer_is_cut_at_the_deadline(
    unresolvable_pinned_name, trusted_ca, scheme
):
    # A byte a second, each well within the read timeout: only the deadline ends it.
    tls = _server_context(trusted_ca, PINNED_NAME, []) if scheme == "https" else None
    with webhook_receiver(tls=tls, trickled=1) as receiver:
        url = f"{scheme}://{PINNED_NAME}:{receiver.port}/hooks"
        with pytest.raises(http_deadline.DeadlinePassed, match="within 2 seconds"):
            with http_deadline.within(2):
                _post(url, [LOOPBACK])
        with http_deadline.within(30):
            assert _post(url, [LOOPBACK]) == 204  # an answer in time is not cut

    assert len(receiver.requests) == 2
    assert receiver.hung_up_on == 1  # cut off, not waited out


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://hooks.example/x", "hooks.example"),
        ("https://hooks.example:443/x", "hooks.example"),
        ("http://hooks.example:8080/x", "hooks.example:8080"),
        ("http://[2001:db8::1]:8080/x", "[2001:db8::1]:8080"),
        ("http://HOOKS.Example/x", "hooks.example"),
    ],
)
def test_the_host_header_is_the_urls_host_and_port(url, host):
    assert pinned_http.host_header(url) == host
