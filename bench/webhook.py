"""What the inbound webhook costs: signed Twilio posts (`POST /webhooks/twilio/messages`,
a unique MessageSid each, realistic customer texts from a set of known customers with an
appointment each) to the project served by the Procfile's own `web` command, against a
bare Flask app whose one endpoint only checks the Twilio signature and answers an empty
TwiML, served by the same gunicorn command line; for both, requests per second over 8
keep-alive connections, p50/p99 latency at a steady offered 100 requests a second (open
loop, timed from each request's scheduled moment, so falling behind shows), and one
request at a time, with the ratio project/bare and the load generator's own ceiling
against a stub server that answers from memory (bench/README.md)."""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MESSAGES_PATH = "/webhooks/twilio/messages"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "bench-auth-token-0123456789abcdef"
SALON_NUMBER = "+4930555010"
# What customers of a salon text back; no STOP, so every customer stays reachable.
TEXTS = (
    "ja",
    "Kann ich Freitag um 15 Uhr kommen?",
    "Danke, bis dann!",
    "Ja, ich komme",
    "Ich verspäte mich etwa 10 Minuten",
    "Geht es auch eine Stunde später?",
    "Wo finde ich euch?",
    "ok",
)
STARTUP_SECONDS = 60


# --- the bare endpoint (served by gunicorn as 'bench.webhook:bare_app()') -------------


def bare_app():
    """A Flask app whose one endpoint checks the Twilio signature as the project does
    (over PUBLIC_BASE_URL and the path) and answers an empty TwiML."""
    from flask import Flask, Response, request
    from twilio.request_validator import RequestValidator
    from twilio.twiml.messaging_response import MessagingResponse

    app = Flask("bare_webhook")
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    base_url = os.environ["PUBLIC_BASE_URL"]

    @app.post(MESSAGES_PATH)
    def messages():
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(base_url + request.path, request.form, signature):
            return Response("invalid signature", status=403)
        return Response(str(MessagingResponse()), mimetype="text/xml")

    return app


# --- the stub that measures the load generator itself ---------------------------------


def serve_stub(port: int) -> None:
    """Answer every request on keep-alive connections with a canned empty TwiML, as
    cheaply as Python can: what is left of the time is the load generator's."""
    import asyncio

    body = b'<?xml version="1.0" encoding="UTF-8"?><Response />'
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                writer.write(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- the load generator ----------------------------------------------------------------


@dataclass
class Target:
    name: str
    port: int
    base_url: str
    token: str = TWILIO_TOKEN

    def request(self, sequence: int, customers: list[str]) -> tuple[bytes, dict]:
        """One signed inbound SMS as Twilio posts it, with a MessageSid never used before."""
        from twilio.request_validator import RequestValidator

        sid = "SM" + uuid.uuid4().hex
        form = {
            "ToCountry": "DE",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "SmsSid": sid,
            "SmsStatus": "received",
            "Body": TEXTS[sequence % len(TEXTS)],
            "To": SALON_NUMBER,
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": TWILIO_SID,
            "From": customers[(sequence // len(TEXTS)) % len(customers)],
            "FromCountry": "DE",
            "ApiVersion": "2010-04-01",
        }
        signature = RequestValidator(self.token).compute_signature(
            self.base_url + MESSAGES_PATH, form
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
            "User-Agent": "TwilioProxy/1.1",
        }
        return urlencode(form).encode(), headers


@dataclass
class Run:
    """What one load run saw: latencies in seconds, statuses, wall and generator CPU time."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def done(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def cpu_per_request(self) -> float:
        return self.cpu_seconds / self.done if self.done else float("nan")


class Client:
    """One keep-alive connection; reconnects after an error (counted as status 'error')."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.connection: http.client.HTTPConnection | None = None

    def post(self, body: bytes, headers: dict) -> int | str:
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.target.port, 30)
            self.connection.request("POST", MESSAGES_PATH, body, headers)
            response = self.connection.getresponse()
            response.read()
            if response.will_close:
                self.close()
            return response.status
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return f"error: {type(error).__name__}"

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def closed_loop(target: Target, customers, connections: int, seconds: float, start=0) -> Run:
    """`connections` threads, each sending the next request as soon as the last is answered."""
    run = Run()
    sequence = itertools.count(start)
    began = time.perf_counter()
    deadline = began + seconds

    def loop() -> None:
        client = Client(target)
        latencies, statuses = [], Counter()
        while time.perf_counter() < deadline:
            body, headers = target.request(next(sequence), customers)
            sent = time.perf_counter()
            status = client.post(body, headers)
            latencies.append(time.perf_counter() - sent)
            statuses[status] += 1
        client.close()
        with run.lock:
            run.latencies.extend(latencies)
            run.statuses.update(statuses)

    cpu = time.process_time()
    _in_threads(loop, connections)
    run.seconds = time.perf_counter() - began
    run.cpu_seconds = time.process_time() - cpu
    return run


def open_loop(target: Target, customers, rate: float, seconds: float, connections: int) -> Run:
    """Request i is due at start + i/rate whatever happened before; its latency counts from
    that moment, so a server that falls behind shows it (no coordinated omission). Up to
    `connections` requests are in flight; beyond that the next ones wait, and their wait
    counts too."""
    run = Run()
    total = int(rate * seconds)
    sequence = itertools.count()
    began = time.perf_counter() + 0.2  # every thread ready before the first is due

    def loop() -> None:
        client = Client(target)
        latencies, statuses = [], Counter()
        while (index := next(sequence)) < total:
            due = began + index / rate
            body, headers = target.request(index, customers)
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            status = client.post(body, headers)
            latencies.append(time.perf_counter() - due)
            statuses[status] += 1
        client.close()
        with run.lock:
            run.latencies.extend(latencies)
            run.statuses.update(statuses)

    cpu = time.process_time()
    _in_threads(loop, connections)
    run.seconds = time.perf_counter() - began
    run.cpu_seconds = time.process_time() - cpu
    return run


def one_at_a_time(target: Target, customers, count: int) -> Run:
    run = Run()
    client = Client(target)
    began, cpu = time.perf_counter(), time.process_time()
    for index in range(count):
        body, headers = target.request(index, customers)
        sent = time.perf_counter()
        run.statuses[client.post(body, headers)] += 1
        run.latencies.append(time.perf_counter() - sent)
    client.close()
    run.seconds = time.perf_counter() - began
    run.cpu_seconds = time.process_time() - cpu
    return run


def _in_threads(work, count: int) -> None:
    threads = [threading.Thread(target=work, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# --- the servers ---------------------------------------------------------------------


class Interrupted(Exception):
    pass


def _on_signal(signum, frame) -> None:
    raise Interrupted(signal.Signals(signum).name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_sizes() -> str:
    """The web process's workers and threads, as `bot.gunicorn_config` sets them here."""
    from bot import gunicorn_config

    return f"{gunicorn_config.workers} workers of {gunicorn_config.threads} threads"


def procfile_web_command(port: int, app_spec: str) -> list[str]:
    """The Procfile's `web` line with its bind address and port filled in, serving
    `app_spec` instead of the project's app when asked to."""
    from tests.support.procfile import procfile_command

    line = (
        procfile_command("web")
        .replace("${BIND_ADDRESS:-127.0.0.1}", "127.0.0.1")
        .replace("$PORT", str(port))
    )
    words = shlex.split(line)
    return [app_spec if word == "bot:create_app()" else word for word in words]


def start_process(stack: ExitStack, command: list[str], env: dict, log: Path) -> None:
    from tests.support.servers import stop_process_group

    output = stack.enter_context(open(log, "wb"))
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    stack.callback(stop_process_group, process)


def wait_until_answering(port: int, log: Path) -> None:
    """Until the server on `port` answers HTTP at all (a 403 for an unsigned post is fine)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("POST", MESSAGES_PATH, b"", {"Content-Length": "0"})
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not answer; its log:\n{log.read_text()}")


def flask_cli(env: dict, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "bot", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def create_customers(port: int, api_key: str, count: int, first: int = 0) -> list[str]:
    """`count` customers with SMS consent and an appointment tomorrow each, through the
    project's REST API, numbered from `first`; returns their phone numbers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}

    def post(path: str, data: dict) -> dict:
        connection.request("POST", f"/api/v1{path}", json.dumps(data).encode(), headers)
        response = connection.getresponse()
        answer = response.read()
        if response.status != 201:
            raise RuntimeError(f"POST {path}: {response.status} {answer[:300]!r}")
        return json.loads(answer)

    berlin = ZoneInfo("Europe/Berlin")
    tomorrow = (datetime.now(berlin) + timedelta(days=1)).date()
    phones = []
    for index in range(first, first + count):
        phone = f"+49151{20000000 + index}"
        customer = post(
            "/customers",
            {"name": f"Kundin {index}", "phone": phone, "sms_consent": True},
        )
        starts_at = datetime.combine(tomorrow, datetime.min.time(), berlin).replace(
            hour=9 + index % 9, minute=(index // 9 % 4) * 15
        )
        post(
            "/records",
            {
                "kind": "appointment",
                "customer_id": customer["id"],
                "starts_at": starts_at.isoformat(),
                "duration_minutes": 45,
                "source": "onsite",
            },
        )
        phones.append(customer["phone"])
    connection.close()
    return phones


def stored_counts(database_url: str, redis_url: str) -> tuple[int, int, int]:
    """Inbound messages the project stored (processed MessageSids, inbound message rows) and
    the send jobs waiting in Redis (the bot's replies, on the reply queue)."""
    from redis import Redis
    from sqlalchemy import create_engine, text

    from outbound.queueing import REPLY_QUEUE

    engine = create_engine(database_url)
    with engine.connect() as connection:
        processed = connection.scalar(text("SELECT count(*) FROM processed_webhook"))
        inbound = connection.scalar(
            text("SELECT count(*) FROM message WHERE direction = 'inbound'")
        )
    engine.dispose()
    redis = Redis.from_url(redis_url)
    waiting = redis.llen(f"rq:queue:{REPLY_QUEUE}")
    redis.close()
    return processed, inbound, waiting


# --- the report ----------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def per_second(rate: float) -> str:
    return f"{rate:.1f}"


def ratio(project: float, bare: float) -> str:
    return f"{project / bare:.3f}" if bare else "n/a"


def statuses(run: Run) -> str:
    counted = sorted(run.statuses.items(), key=str)
    return ", ".join(f"{status}: {count}" for status, count in counted)


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print(
            "  "
            + row[0].ljust(widths[0])
            + "  "
            + "  ".join(cell.rjust(widths[i + 1]) for i, cell in enumerate(row[1:]))
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each timed run")
    parser.add_argument("--connections", type=int, default=8, help="for the throughput run")
    parser.add_argument("--rate", type=float, default=100.0, help="offered requests a second")
    parser.add_argument(
        "--open-connections",
        type=int,
        default=32,
        help="most requests in flight in the steady-rate run (Twilio opens many)",
    )
    parser.add_argument("--serial", type=int, default=200, help="requests sent one at a time")
    parser.add_argument("--customers", type=int, default=40, help="customers texting in")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per server")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    parser.add_argument("--stub-server-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stub_server_port:
        serve_stub(args.stub_server_port)
        return 0
    return run_cleaning_up(run_bench, args)


def run_cleaning_up(run, args) -> int:
    """`run(args, stack)`, then close the stack, which stops every process the run put on it,
    also after Ctrl-C, SIGTERM or SIGHUP; a second signal cannot cut the clean-up short."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    stack = ExitStack()
    try:
        run(args, stack)
    except (Interrupted, KeyboardInterrupt) as stop:
        print(f"\nstopped ({stop}); stopping every process the bench started", flush=True)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stack.close()
    return 0


def run_bench(args, stack: ExitStack) -> None:
    from tests.fakes.postgres_server import PostgresServer
    from tests.fakes.redis_server import RedisServer
    from tests.fakes.twilio_api import FakeTwilio

    workdir = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    if not args.keep_logs:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
    redis = RedisServer()
    stack.callback(redis.stop)
    twilio = FakeTwilio(TWILIO_SID, TWILIO_TOKEN).start()
    stack.callback(twilio.stop)
    if args.database == "postgresql":
        postgres = PostgresServer()
        stack.callback(postgres.stop)
        database_url = postgres.url(postgres.create_database())
        version = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    else:
        database_url = f"sqlite:///{workdir / 'replydesk.sqlite3'}"
        import sqlite3

        version = f"SQLite {sqlite3.sqlite_version}"

    ports = {"project": free_port(), "bare": free_port()}
    base_env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "SECRET_KEY": "bench-secret",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_API_BASE_URL": twilio.base_url,
        "SMS_TRANSPORT": "twilio",
        "PYTHONUNBUFFERED": "1",
    }
    env = {name: {**base_env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
           for name, port in ports.items()}  # fmt: skip

    print(f"database: {args.database} ({version}); Redis: {redis.url}", flush=True)
    flask_cli(env["project"], "db", "upgrade")
    created = json.loads(
        flask_cli(env["project"], "create-business", "--name", "Salon Sonnenschein",
                  "--timezone", "Europe/Berlin", "--locale", "de", "--region", "DE",
                  "--sms-from", SALON_NUMBER)
    )  # fmt: skip
    commands = {
        "project": procfile_web_command(ports["project"], "bot:create_app()"),
        "bare": procfile_web_command(ports["bare"], "bench.webhook:bare_app()"),
    }
    for name in ("project", "bare"):
        log = workdir / f"{name}.log"
        start_process(stack, commands[name], env[name], log)
    for name in ("project", "bare"):
        wait_until_answering(ports[name], workdir / f"{name}.log")
    print("web command (Procfile):", shlex.join(commands["project"]))
    print("bare:                  ", shlex.join(commands["bare"]))
    customers = create_customers(ports["project"], created["api_key"], args.customers)
    print(
        f"{len(customers)} customers with an appointment tomorrow each, texting "
        f"{len(TEXTS)} different texts to {SALON_NUMBER}",
        flush=True,
    )
    targets = {name: Target(name, port, f"http://127.0.0.1:{port}") for name, port in ports.items()}
    for target in targets.values():
        warm = closed_loop(target, customers, args.connections, args.warmup, start=10**6)
        if warm.ok != warm.done:
            print(f"  warm-up of {target.name}: {statuses(warm)}")

    # The generator's own ceiling: the same requests to a server that answers from memory.
    stub_port = free_port()
    start_process(
        stack,
        [sys.executable, str(Path(__file__).resolve()), "--stub-server-port", str(stub_port)],
        base_env,
        workdir / "stub.log",
    )
    wait_until_answering(stub_port, workdir / "stub.log")
    stub = Target("stub", stub_port, f"http://127.0.0.1:{stub_port}")
    ceiling = closed_loop(stub, customers, args.connections, min(args.seconds, 5.0))

    results: dict[str, dict[str, Run]] = {name: {} for name in targets}
    for name, target in targets.items():
        print(f"throughput, {name} …", flush=True)
        results[name]["closed"] = closed_loop(
            target, customers, args.connections, args.seconds, start=2 * 10**6
        )
    for name, target in targets.items():
        print(f"steady {args.rate:g} req/s, {name} …", flush=True)
        results[name]["open"] = open_loop(
            target, customers, args.rate, args.seconds, args.open_connections
        )
    for name, target in targets.items():
        print(f"one at a time, {name} …", flush=True)
        results[name]["serial"] = one_at_a_time(target, customers, args.serial)

    processed, inbound, waiting = stored_counts(database_url, redis.url)
    project, bare = results["project"], results["bare"]
    print()
    print(
        f"inbound webhook, {args.database}, {os.cpu_count()} cores; "
        f"both servers under the Procfile's gunicorn command line ({gunicorn_sizes()})"
    )
    rows = [("", "project", "bare", "project/bare")]

    def compare(label: str, runs: tuple[Run, Run], measure, shown=ms) -> None:
        values = [measure(run) for run in runs]
        rows.append((label, shown(values[0]), shown(values[1]), ratio(*values)))

    def percentiles(label: str, runs: tuple[Run, Run]) -> None:
        for p in (50, 99):
            compare(label.format(p=p), runs, lambda run, p=p: run.percentile(p))

    def rate(run: Run) -> float:
        return run.rate()

    closed = (project["closed"], bare["closed"])
    compare(
        f"(a) {args.connections} connections, {args.seconds:g} s: req/s", closed, rate, per_second
    )
    percentiles("    latency p{p}, ms", closed)
    steady = (project["open"], bare["open"])
    compare(
        f"(b) offered {args.rate:g} req/s for {args.seconds:g} s: achieved req/s",
        steady,
        rate,
        per_second,
    )
    percentiles("    latency from the scheduled send p{p}, ms", steady)
    compare("    slowest, ms", steady, lambda run: max(run.latencies, default=0))
    serial = (project["serial"], bare["serial"])
    rows.append((f"(c) one at a time, {args.serial} requests", "", "", ""))
    percentiles("    latency p{p}, ms", serial)
    print_table(rows)
    print()
    for name in targets:
        for kind, run in results[name].items():
            if run.ok != run.done:
                print(f"  not 200: {name} {kind}: {statuses(run)}")
    sent = sum(run.ok for run in project.values())
    print(
        f"  the project answered 200 to {sent} measured requests (and the warm-up); it stored "
        f"{processed} MessageSids and {inbound} inbound messages in all; {waiting} send jobs "
        f"(the bot's replies) wait in Redis, since no worker runs"
    )
    print(
        f"  load generator: {ceiling.rate():.0f} req/s over {args.connections} connections to "
        f"a stub that answers from memory (its ceiling on this machine, the stub sharing the "
        f"cores); {ceiling.cpu_per_request() * 1e6:.0f} µs of its CPU per request there, "
        f"{bare['closed'].cpu_per_request() * 1e6:.0f} µs in the bare run"
    )
    if args.keep_logs:
        print(f"  logs in {workdir}")


if __name__ == "__main__":
    sys.exit(main())
