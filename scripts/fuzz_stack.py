"""The long fuzz run: thousands of generated and hostile inputs sent over HTTP to the real
processes on throwaway parts, exiting 1 on any 5xx, traceback, 4xx outside the error shape,
schema violation, unanswered request or dropped connection (docs/RELIABILITY.md explains the
run and its output)."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))  # the fakes and the fuzz inputs live in the test package

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

from tests.fakes.postgres_server import PostgresServer  # noqa: E402
from tests.fakes.redis_server import RedisServer  # noqa: E402
from tests.fakes.smtp_sink import SmtpSink  # noqa: E402
from tests.fakes.twilio_api import FakeTwilio  # noqa: E402
from tests.fuzz.inputs import (  # noqa: E402
    HOSTILE_JSON_BODIES,
    INBOUND_PATH,
    LONG_RUN_JSON_BODIES,
    SIGNATURE_HEADER,
    inbound_forms,
    known_inbound_forms,
    known_status_callbacks,
    signature,
    status_callbacks,
)
from tests.fuzz.shape import error_shape, error_shape_problem  # noqa: E402
from tests.support.servers import stop_process_group  # noqa: E402
from tests.support.settings import TWILIO_SID, TWILIO_TOKEN  # noqa: E402

SALON_NUMBER = "+4930555010"  # the business the webhooks write to
WORKSHOP_NUMBER = "+4930555020"  # the business whose key the API fuzzing uses
CUSTOMER_PHONES = ["+4915112345678", "+4915112345679", "+4917612345670"]
API_CHECKS = [
    not_a_server_error,
    error_shape,
    response_schema_conformance,
    content_type_conformance,
]
LONG_RUN_TARGETS = [("POST", "/api/v1/customers"), ("PATCH", "/api/v1/business")]
ID_PARAMETERS = ("customer_id", "record_id", "row_id", "rule_id", "status_id", "template_id")
REQUEST_TIMEOUT = 120  # seconds; an input that takes longer counts as unanswered
TRACEBACK = "Traceback (most recent call last)"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(: |$)")  # "ValueError: …" ends a traceback


@dataclass
class Tally:
    """What one phase sent and what came back."""

    sent: int = 0
    by_class: Counter = field(default_factory=Counter)  # "2xx" … "5xx", "none"
    bad_shape: int = 0
    schema: int = 0  # other schemathesis check failures (response schema, content type)
    slowest: list[tuple[float, str]] = field(default_factory=list)


class Run:
    """Counts, and keeps one example input per kind of failure."""

    def __init__(self, directory: Path) -> None:
        self.tallies: dict[str, Tally] = defaultdict(Tally)
        self.examples: dict[tuple, dict] = {}  # (phase, kind, group) -> first entry
        self.counts: Counter = Counter()  # (phase, kind, group) -> failures
        self.failures = open(directory / "failures.jsonl", "w")  # noqa: SIM115

    def record(
        self,
        phase: str,
        label: str,
        request: dict,
        status: int | None,
        body: bytes,
        seconds: float,
        check_failure: str | None = None,
    ) -> None:
        tally = self.tallies[phase]
        tally.sent += 1
        tally.by_class["none" if status is None else f"{status // 100}xx"] += 1
        tally.slowest = sorted([*tally.slowest, (seconds, label)], reverse=True)[:3]
        problems = []
        if status is None:
            problems.append(("no answer", body.decode("utf-8", "replace")[:200]))
        elif status >= 500:
            problems.append((f"{status}", body.decode("utf-8", "replace")[:200]))
        else:
            shape = error_shape_problem(status, body)
            if shape is not None:
                tally.bad_shape += 1
                problems.append(("4xx outside the error shape", shape))
        if check_failure and status is not None and status < 500 and not problems:
            tally.schema += 1
            problems.append(("schema check", check_failure[:300]))
        # A hostile body fails the same way on every operation: group by the body.
        group = label.split(" <- ")[-1]
        for kind, detail in problems:
            entry = {"phase": phase, "operation": label, "kind": kind, "status": status,
                     "detail": detail, "request": request}  # fmt: skip
            self.failures.write(json.dumps(entry, default=str) + "\n")
            self.examples.setdefault((phase, kind, group), entry)
            self.counts[phase, kind, group] += 1


# --- the stack ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Stack:
    """The Procfile's processes on a private Redis, fake Twilio, SMTP sink and SQLite
    (or, with `database="postgresql"`, a throwaway PostgreSQL cluster)."""

    def __init__(self, directory: Path, database: str = "sqlite") -> None:
        self.directory = directory
        (directory / "fuzz.sqlite3").unlink(missing_ok=True)  # every run starts empty
        self.postgres = PostgresServer() if database == "postgresql" else None
        database_url = (
            self.postgres.url(self.postgres.create_database())
            if self.postgres is not None
            else f"sqlite:///{directory / 'fuzz.sqlite3'}"
        )
        self.redis = RedisServer()
        self.twilio = FakeTwilio(TWILIO_SID, TWILIO_TOKEN).start()
        self.smtp = SmtpSink().start()
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis.url,
            "PUBLIC_BASE_URL": self.base_url,
            "SECRET_KEY": "fuzz-secret",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_API_BASE_URL": self.twilio.base_url,
            "SMS_TRANSPORT": "twilio",
            "EMAIL_TRANSPORT": "smtp",
            "SMTP_URL": self.smtp.url,
            "SMS_PER_SECOND": "1000",
            # The abuse limits stay on (their code runs for every request) but
            # above what one fuzz run sends, so 429s do not hide the operations.
            "RATELIMIT_API_PER_KEY": "1000000 per minute",
            "RATELIMIT_API_BAD_KEY_PER_ADDRESS": "1000000 per minute",
            "PYTHONUNBUFFERED": "1",
        }
        self.flask("db", "upgrade")
        # Two businesses: the API fuzzing changes its own business's settings at
        # random (its number, its SMS switch), so the webhooks go to the other one,
        # whose customers and number stay as seeded.
        self.salon_key = self.create_business("Salon Sonnenschein", SALON_NUMBER)
        self.api_key = self.create_business("Fahrradwerkstatt Kette", WORKSHOP_NUMBER)
        self.log_path = directory / "processes.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115
        self.processes = subprocess.Popen(
            [str(BIN / "honcho"), "start", "--port", str(port)],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self._wait_until_up()

    def create_business(self, name: str, number: str) -> str:
        """A business made with the CLI, as an operator would; returns its API key."""
        created = self.flask("create-business", "--name", name, "--timezone", "Europe/Berlin",
                             "--locale", "de", "--region", "DE", "--sms-from", number)  # fmt: skip
        return json.loads(created)["api_key"]

    def flask(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "bot", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base_url}/api/v1/openapi.json", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def stop(self) -> None:
        stop_process_group(self.processes, timeout=30)
        self._log.close()
        self.twilio.stop()
        self.smtp.stop()
        self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()


# --- sending --------------------------------------------------------------------


def send(run: Run, phase: str, label: str, session, method: str, url: str, **kwargs):
    started = time.monotonic()
    request = {"method": method, "url": url, **_printable(kwargs)}
    try:
        response = session.request(method, url, timeout=REQUEST_TIMEOUT, **kwargs)
    except requests.RequestException as error:
        run.record(phase, label, request, None, str(error).encode(), time.monotonic() - started)
        return None
    run.record(phase, label, request, response.status_code, response.content,
               time.monotonic() - started)  # fmt: skip
    return response


def _printable(kwargs: dict, limit: int = 10_000) -> dict:
    """The request as JSON can hold it; very long values are cut (failures.jsonl keeps
    enough of each to see the cause)."""
    shown = {}
    for key, value in kwargs.items():
        if isinstance(value, bytes):
            cut = " …" if len(value) > limit else ""
            value = value[:limit].decode("utf-8", "replace") + cut
        elif isinstance(value, dict):
            value = {k: (v[:limit] if isinstance(v, str) else v) for k, v in value.items()}
        shown[key] = value
    return shown


def seed_rows(stack: Stack, api: requests.Session) -> None:
    """Customers with appointments, so replies have a conversation and confirmations go
    out through the worker; the first send fails at Twilio, leaving a message without
    a SID for the status callbacks to name."""
    stack.twilio.fail_next(400, 21211)
    starts = time.strftime("%Y-%m-%dT14:00:00+01:00", time.gmtime(time.time() + 3 * 86400))
    for index, phone in enumerate(CUSTOMER_PHONES):
        customer = api.post(
            f"{stack.base_url}/api/v1/customers",
            json={"name": f"Kundin {index}", "phone": phone, "sms_consent": True},
            timeout=30,
        )
        customer.raise_for_status()
        record = api.post(
            f"{stack.base_url}/api/v1/records",
            json={"kind": "appointment", "customer_id": customer.json()["id"],
                  "starts_at": starts, "duration_minutes": 30, "source": "onsite"},
            timeout=30,
        )  # fmt: skip
        record.raise_for_status()
    deadline = time.monotonic() + 60
    while len(stack.twilio.messages) < len(CUSTOMER_PHONES) - 1 and time.monotonic() < deadline:
        time.sleep(0.3)


def fuzz_api(run: Run, stack: Stack, api: requests.Session, total: int, run_seed: int) -> None:
    """schemathesis over every operation, about `total` requests spread evenly."""
    config = schemathesis.Config.from_dict({"seed": run_seed})
    schema = schemathesis.openapi.from_url(f"{stack.base_url}/api/v1/openapi.json", config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    per_operation = max(1, -(-total // len(operations)))
    for operation in operations:
        strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
        try:
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
        except Exception:  # nothing to negate, e.g. no parameters and no body
            pass
        ids = {p.name: 1 for p in operation.path_parameters if p.name in ID_PARAMETERS}
        if ids:  # the same, aimed at rows that exist
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=ids))
        _run_operation(run, api, operation, st.one_of(strategies), per_operation, run_seed)


def _run_operation(run, api, operation, strategy, examples: int, run_seed: int) -> None:
    @seed(run_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # every input counts once; no shrinking of failures
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def exercise(case) -> None:
        started = time.monotonic()
        request = {"method": case.method, "path": case.formatted_path, "query": case.query,
                   "headers": case.headers, "body": case.body}  # fmt: skip
        try:
            response = case.call(session=api, timeout=REQUEST_TIMEOUT)
        except Exception as error:
            run.record("API (schemathesis)", operation.label, request, None,
                       str(error).encode(), time.monotonic() - started)  # fmt: skip
            return
        failure = None
        try:
            case.validate_response(response, checks=API_CHECKS)
        except Exception as error:
            failure = str(error)
        run.record("API (schemathesis)", operation.label, request, response.status_code,
                   response.content, time.monotonic() - started, failure)  # fmt: skip

    exercise()


def fuzz_bodies(run: Run, stack: Stack, api: requests.Session) -> None:
    """Every hostile JSON body to every write operation; the slow long-run bodies to
    two of them (on today's code one such request keeps a worker thread busy for
    many seconds)."""
    document = api.get(f"{stack.base_url}/api/v1/openapi.json", timeout=30).json()
    targets = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method == "parameters":
                continue  # the path's own parameters, not an operation
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                targets.append((method.upper(), path))
    sends = [(target, name) for target in targets for name in HOSTILE_JSON_BODIES]
    sends += [(target, name) for target in LONG_RUN_TARGETS for name in LONG_RUN_JSON_BODIES]
    bodies = {**HOSTILE_JSON_BODIES, **LONG_RUN_JSON_BODIES}
    for (method, path), name in sends:
        url = stack.base_url + re.sub(r"\{[^}]+\}", "1", path)
        send(run, "API (hostile bodies)", f"{method} {path} <- {name}", api, method, url,
             data=bodies[name], headers={"Content-Type": "application/json"})  # fmt: skip


def probe_connections(run: Run, stack: Stack) -> None:
    """Hostile headers, and a request whose body the app never reads followed by a
    second request on the same keep-alive connection, which must get its answer."""
    headers = {
        "control byte in the key": {"Authorization": "Bearer \x01" + stack.api_key},
        "DEL in the key": {"Authorization": "Bearer " + stack.api_key + "\x7f"},
        "8 KB key": {"Authorization": "Bearer " + "k" * 8_000},
        "non-ASCII key": {"Authorization": "Bearer ключ".encode().decode("latin-1")},
        "no scheme": {"Authorization": stack.api_key},
    }
    plain = requests.Session()
    for name, extra in headers.items():
        send(run, "connection probes", f"GET /api/v1/business <- {name}", plain, "GET",
             f"{stack.base_url}/api/v1/business", headers=extra)  # fmt: skip
    host, port = urlsplit(stack.base_url).hostname, urlsplit(stack.base_url).port
    for size in (10, 100_000):
        label = f"unread {size}-byte body, then a second request on the connection"
        started = time.monotonic()
        connection = http.client.HTTPConnection(host, port, timeout=30)
        statuses, body, first_body = [], b"", b""
        try:
            # Without a key the API answers 401 before it reads the body.
            connection.request("POST", "/api/v1/customers", body=b"x" * size,
                               headers={"Content-Type": "application/json"})  # fmt: skip
            first = connection.getresponse()
            first_body = first.read()
            statuses.append(first.status)
            connection.request("GET", "/api/v1/openapi.json")
            second = connection.getresponse()
            body = second.read()
            statuses.append(second.status)
        except (OSError, http.client.HTTPException) as error:
            body = f"{type(error).__name__}: {error}".encode()
        finally:
            connection.close()
        answered = len(statuses) == 2 and statuses[1] == 200
        run.record("connection probes", label, {"statuses": statuses},
                   statuses[0] if answered else None, first_body if answered else body,
                   time.monotonic() - started)  # fmt: skip


def _messages(stack: Stack) -> tuple[list[int], list[int], list[str]]:
    """The message ids to name in status callbacks (those Twilio accepted and the ones
    around them, which never got a SID), the ids among them still without a SID, and
    the SIDs Twilio gave."""
    accepted, sids = set(), []
    for message in list(stack.twilio.messages):
        sids.append(message.sid)
        callback = message.params.get("StatusCallback", "")
        for value in parse_qs(urlsplit(callback).query).get("message", []):
            if value.isdigit():
                accepted.add(int(value))
    ids = list(range(1, max(accepted, default=3) + 3))
    return ids, [i for i in ids if i not in accepted], sids


def fuzz_webhooks(run: Run, stack: Stack, total: int, run_seed: int) -> None:
    """Signed inbound messages and status callbacks, half each, in batches so status
    callbacks meet the messages the run itself made the worker send."""
    session = requests.Session()

    def post(phase: str, path: str, form: dict) -> None:
        url = stack.base_url + path
        headers = {SIGNATURE_HEADER: signature(TWILIO_TOKEN, url, form)}
        send(run, phase, "POST " + path.split("?")[0], session, "POST", url,
             data=form, headers=headers)  # fmt: skip

    # First the inputs known to have crashed these webhooks, whatever is drawn later.
    for form in known_inbound_forms(CUSTOMER_PHONES[0], SALON_NUMBER):
        form["MessageSid"] += uuid.uuid4().hex[:8]
        post("webhooks: inbound", INBOUND_PATH, form)
    _, waiting, sids = _messages(stack)
    for waiting_id in waiting[:3]:
        for path, form in known_status_callbacks(waiting_id, sids[0] if sids else "SM" + "0" * 32):
            post("webhooks: status", path, form)

    batches = 4
    for batch in range(batches):
        inbound_count = total // 2 // batches
        status_count = (total - total // 2) // batches

        @seed(run_seed + batch)
        @settings(max_examples=inbound_count, deadline=None, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(form=inbound_forms(CUSTOMER_PHONES, [SALON_NUMBER]))
        def inbound(form: dict) -> None:
            if "MessageSid" in form:
                form["MessageSid"] += uuid.uuid4().hex[:8]  # a new message, not a retry
            post("webhooks: inbound", INBOUND_PATH, form)

        ids, _, sids = _messages(stack)

        @seed(run_seed + batch)
        @settings(max_examples=status_count, deadline=None, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(callback=status_callbacks(ids, sids))
        def status(callback: tuple[str, dict]) -> None:
            post("webhooks: status", *callback)

        inbound()
        status()


# --- the report -----------------------------------------------------------------


def tracebacks(log_path: Path) -> Counter:
    """Each traceback in the log, by its last line (the exception), without the
    honcho prefix."""
    found: Counter = Counter()
    lines = [re.sub(r"^\S+ \S+\s*\| ", "", line) for line in log_path.read_text().splitlines()]
    for index, line in enumerate(lines):
        if TRACEBACK not in line:
            continue
        for following in lines[index + 1 : index + 400]:
            if EXCEPTION_LINE.match(following):
                found[following.strip()[:200]] += 1
                break
        else:
            found["(traceback without an exception line)"] += 1
    return found


def report(run: Run, stack: Stack, seconds: float, run_seed: int) -> int:
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text)
        lines.extend(text.split("\n"))

    classes = ("2xx", "3xx", "4xx", "5xx", "none")
    header = f"{'phase':<24}{'inputs':>8}" + "".join(f"{c:>7}" for c in classes)
    header += f"{'bad 4xx':>9}{'schema':>8}"
    say(f"\nReplyDesk fuzz run, seed {run_seed}, against {stack.base_url}\n")
    say(header)
    say("-" * len(header))
    total = Tally()
    for phase, tally in run.tallies.items():
        cells = "".join(f"{tally.by_class[c]:>7}" for c in classes)
        say(f"{phase:<24}{tally.sent:>8}{cells}{tally.bad_shape:>9}{tally.schema:>8}")
        total.sent += tally.sent
        total.by_class.update(tally.by_class)
        total.bad_shape += tally.bad_shape
        total.schema += tally.schema
        total.slowest = sorted([*total.slowest, *tally.slowest], reverse=True)[:5]
    say("-" * len(header))
    cells = "".join(f"{total.by_class[c]:>7}" for c in classes)
    say(f"{'total':<24}{total.sent:>8}{cells}{total.bad_shape:>9}{total.schema:>8}")

    found = tracebacks(stack.log_path)
    say(f"\n5xx answers:              {total.by_class['5xx']}")
    say(f"tracebacks in the logs:   {sum(found.values())}")
    say(f"unanswered (no response): {total.by_class['none']}")
    say(f"duration:                 {seconds:.0f} s ({total.sent / seconds:.0f} inputs/s)")
    say(
        "slowest answers:          " + "; ".join(f"{s:.2f} s {label}" for s, label in total.slowest)
    )
    if found:
        say("\nTracebacks by exception:")
        for line, count in found.most_common():
            say(f"  {count:>6} × {line}")
    if run.examples:
        say("\nFailures, one example input each (all of them in failures.jsonl):")
        for key, entry in sorted(run.examples.items()):
            phase, kind, group = key
            request = json.dumps(entry["request"], default=str, ensure_ascii=True)
            detail = " ".join(str(entry["detail"]).split())[:160]
            say(f"  {run.counts[key]:>5} × [{phase}] {group}: {kind}: {detail}")
            say(f"          e.g. {entry['operation']}: {request[:300]}")
    say(f"\nLog, this summary and failures.jsonl: {stack.directory}")
    (stack.directory / "summary.txt").write_text("\n".join(lines) + "\n")
    failed = total.by_class["5xx"] or total.by_class["none"] or total.bad_shape or total.schema
    return 1 if failed or found else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--api-examples",
        type=int,
        default=8000,
        help="generated API requests, spread over every operation",
    )
    parser.add_argument(
        "--webhook-examples",
        type=int,
        default=4000,
        help="signed webhooks, half inbound messages, half status callbacks",
    )
    parser.add_argument("--seed", type=int, default=20_260_801)
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the database the processes use (postgresql: a throwaway cluster)",
    )
    parser.add_argument(
        "--directory",
        type=Path,
        default=None,
        help="where the log and failures.jsonl go (default: a new temp dir)",
    )
    args = parser.parse_args()
    directory = args.directory or Path(tempfile.mkdtemp(prefix="replydesk-fuzz-"))
    directory.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("ignore")  # schemathesis's and hypothesis's notes are not findings

    run = Run(directory)
    started = time.monotonic()
    stack = Stack(directory, args.database)
    try:
        salon = requests.Session()
        salon.headers["Authorization"] = f"Bearer {stack.salon_key}"
        seed_rows(stack, salon)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {stack.api_key}"
        print(f"stack up at {stack.base_url} ({time.monotonic() - started:.0f} s)", flush=True)
        for name, phase in (
            ("API (schemathesis)", lambda: fuzz_api(run, stack, api, args.api_examples, args.seed)),
            ("API (hostile bodies)", lambda: fuzz_bodies(run, stack, api)),
            ("connection probes", lambda: probe_connections(run, stack)),
            ("webhooks", lambda: fuzz_webhooks(run, stack, args.webhook_examples, args.seed)),
        ):
            phase_started = time.monotonic()
            phase()
            print(f"{name}: done in {time.monotonic() - phase_started:.0f} s", flush=True)
        time.sleep(2)  # let the worker finish what the last requests queued
    finally:
        stack.stop()
        run.failures.close()
    return report(run, stack, time.monotonic() - started, args.seed)


if __name__ == "__main__":
    sys.exit(main())
