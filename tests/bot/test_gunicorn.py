"""The `web` process as the Procfile runs it: real gunicorn on 127.0.0.1, real sockets.

A body the app answers without reading (a 401, a 403, a 404) must not cost
the client its next request on the same keep-alive connection; a body over
MAX_CONTENT_LENGTH gets its 413 with `Connection: close`; a request gunicorn
cannot parse (a control byte in a header) gets the JSON error shape.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import create_app
from bot.extensions import db
from bot.services.businesses import create_api_key, create_business
from tests.support.procfile import procfile_command
from tests.support.servers import stop_process_group

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LIMIT = 1024 * 1024  # MAX_CONTENT_LENGTH's default


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, redis_server):
    """gunicorn started with the Procfile's `web` command; yields (port, API key)."""
    directory = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "BIND_ADDRESS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{directory / 'web.sqlite3'}",
        "REDIS_URL": redis_server.url.rsplit("/", 1)[0] + "/6",
        "SECRET_KEY": "gunicorn-test-secret",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "SMS_TRANSPORT": "simulator",
        "EMAIL_TRANSPORT": "simulator",
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": "",
    }
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "REDIS_URL": env["REDIS_URL"]})
    with app.app_context():
        db.create_all()
        business = create_business(db.session, name="Salon", sms_from="+4930555099").business
        key = create_api_key(db.session, business)
        db.session.commit()
        db.engine.dispose()
    log = open(directory / "gunicorn.log", "w")
    process = subprocess.Popen(
        ["bash", "-c", "exec " + procfile_command("web")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            assert process.poll() is None, (directory / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
            time.sleep(0.2)
        yield port, key, directory / "gunicorn.log"
    finally:
        stop_process_group(process)
        log.close()


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/api/v1/openapi.json")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def raw_exchange(port: int, request: bytes) -> tuple[bytes, bytes]:
    """Send `request` as is and read until the server closes: (head, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/api/v1/customers", {"Content-Type": "application/json"}, 401),  # no key: unread
        ("/webhooks/twilio/messages", {"X-Twilio-Signature": "forged"}, 403),
        ("/no-such-page", {}, 404),
        ("/api/v1/no-such-resource", {"Content-Type": "application/json"}, 404),
    ],
)
@pytest.mark.parametrize("size", [10, 70_000, LIMIT])
def test_an_unread_body_does_not_drop_the_next_request(server, path, headers, status, size):
    port, key, _ = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    body = b"{" + b" " * (size - 2) + b"}"
    if path.startswith("/webhooks"):
        body = b"Body=" + b"x" * (size - 5)
        headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}

    connection.request("POST", path, body=body, headers=headers)
    first = connection.getresponse()
    first.read()
    sock = connection.sock
    connection.request("GET", "/api/v1/customers", headers={"Authorization": f"Bearer {key}"})
    second = connection.getresponse()

    assert first.status == status
    assert first.getheader("Connection") == "keep-alive"
    assert second.status == 200, second.read()
    assert json.loads(second.read()) == {"items": [], "next_cursor": None}
    assert connection.sock is sock  # the same connection carried both
    connection.close()


def test_a_body_over_the_limit_gets_413_and_connection_close(server):
    port, key, _ = server
    # Only the head and a little of the body: the answer must not wait for the rest.
    request = (
        b"POST /api/v1/customers HTTP/1.1\r\nHost: x\r\n"
        + f"Authorization: Bearer {key}\r\n".encode()
        + b"Content-Type: application/json\r\n"
        + f"Content-Length: {LIMIT + 1}\r\n\r\n".encode()
        + b'{"name": "'
    )

    head, body = raw_exchange(port, request)

    assert head.startswith(b"HTTP/1.1 413 ")
    assert re.search(rb"(?im)^connection: close\r?$", head)
    error = json.loads(body)["error"]
    assert error["code"] == "too_large" and str(LIMIT) in error["message"]


def test_a_chunked_body_closes_the_connection_after_the_answer(server):
    port, _, _ = server
    request = (
        b"POST /api/v1/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\n5\r\n{}   \r\n0\r\n\r\n"
    )

    head, body = raw_exchange(port, request)

    assert head.startswith(b"HTTP/1.1 401 ")
    assert re.search(rb"(?im)^connection: close\r?$", head)
    assert json.loads(body)["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("header", "status", "code", "field"),
    [
        (b"Authorization: Bearer rd_ab\x01cd", 400, "bad_request", "Authorization"),
        (b"Authorization: Bearer rd_ab\x7fcd", 400, "bad_request", "Authorization"),
        (b"X-Bad\x01Name: 1", 400, "bad_request", None),
        (b"X-Long: " + b"a" * 9000, 431, "headers_too_large", None),
    ],
)
def test_a_request_gunicorn_cannot_parse_gets_the_json_error_shape(
    server, header, status, code, field
):
    port, _, log = server
    head, body = raw_exchange(
        port, b"GET /api/v1/customers HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n\r\n"
    )

    assert head.startswith(f"HTTP/1.1 {status} ".encode())
    assert re.search(rb"(?im)^content-type: application/json\r?$", head)
    error = json.loads(body)["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert "not a valid HTTP request" in error["message"]
    assert b"rd_ab" not in body  # the header's value is not echoed
    assert "Traceback" not in log.read_text()
    assert _answers(port)
