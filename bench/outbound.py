"""How fast the outbox drains: N booking confirmations are planned through the project's own
code (`bot.services.records.create_record` with the default rules, one customer each, for one
business whose sender's pace `sms_per_second` is 1 000, so pacing is not the limit) while no
worker runs; then the Procfile's own `worker` (`--workers K` copies) and `clock` commands start
against a throwaway Redis and the fake Twilio API (tests/fakes/twilio_api.py), and the script
polls the database until every notice is sent, printing notices per second and the duplicates
(messages the fake received more than once for one notice; must be 0); the baseline, in the
same run, is a plain twilio-SDK loop (`twilio.rest.Client` configured as
`outbound.transports.twilio` configures it) sending N messages to the same fake."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select  # noqa: E402

from bot.models import Notification  # noqa: E402
from outbound.policy.vocabulary import Notice, NotificationStatus  # noqa: E402
from tests.fakes.postgres_server import PostgresServer  # noqa: E402
from tests.fakes.redis_server import RedisServer  # noqa: E402
from tests.fakes.twilio_api import FakeTwilio  # noqa: E402
from tests.support.procfile import procfile_command  # noqa: E402

BIN = Path(sys.executable).parent
TWILIO_SID = "AC" + "b" * 32
TWILIO_TOKEN = "bench-token"
SENDER = "+4930555010"
PUBLIC_BASE_URL = "http://127.0.0.1:9"  # status callbacks are only named, never called
SENT = (NotificationStatus.SENT, NotificationStatus.DELIVERED)
DONE = (*SENT, NotificationStatus.FAILED, NotificationStatus.SKIPPED, NotificationStatus.CANCELLED)
POLL_SECONDS = 0.25


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--notices", type=int, default=300, help="notices to drain (300)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (1)")
    parser.add_argument(
        "--timeout", type=float, default=300, help="give up draining after this many seconds"
    )
    parser.add_argument("--sdk-loop", nargs=2, metavar=("BASE_URL", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sdk_loop:  # the baseline, in a process of its own (see sdk_baseline)
        print(sdk_loop(args.sdk_loop[0], int(args.sdk_loop[1])))
        return 0

    # Ctrl-C or SIGTERM: unwind through the `finally` blocks that stop what was started.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    started: list[subprocess.Popen] = []
    servers: list = []
    folder = tempfile.TemporaryDirectory(prefix="replydesk-bench-outbound-")
    try:
        redis = RedisServer()
        servers.append(redis)
        fake = FakeTwilio(TWILIO_SID, TWILIO_TOKEN).start()
        servers.append(fake)
        if args.database == "postgresql":
            postgres = PostgresServer()
            servers.append(postgres)
            database_url = postgres.url(postgres.create_database())
        else:
            database_url = f"sqlite:///{folder.name}/bench.sqlite3"
        env = {
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "SECRET_KEY": "bench-secret",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_API_BASE_URL": fake.base_url,
            "SMS_TRANSPORT": "twilio",
            "EMAIL_TRANSPORT": "simulator",
            "PYTHONUNBUFFERED": "1",
        }

        print(f"database: {args.database}; notices: {args.notices}; workers: {args.workers}")
        baseline = sdk_baseline(fake.base_url, args.notices, env)
        fake.reset()

        setup_started = time.perf_counter()
        planned = plan_notices(env, args.notices)
        print(f"planned {planned} due notices in {time.perf_counter() - setup_started:.1f} s")

        log_path = Path(folder.name) / "processes.log"
        with open(log_path, "w") as log:
            launched = time.perf_counter()
            for _ in range(args.workers):
                started.append(start(procfile_command("worker"), env, log))
            started.append(start(procfile_command("clock"), env, log))
            result = drain(database_url, planned, launched, args.timeout)
        stop_all(started)
        result["duplicates"] = duplicates(fake)
        result["requests"] = len(fake.messages)
        report(result, baseline, planned, fake)
        if result["pending"]:
            print(f"processes' log (last lines, {log_path}):")
            print("\n".join(log_path.read_text(errors="replace").splitlines()[-30:]))
    except KeyboardInterrupt:
        print("interrupted; stopping everything this run started", file=sys.stderr)
    finally:
        stop_all(started)
        for server in reversed(servers):
            server.stop()
        folder.cleanup()
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


# --- the stack ---------------------------------------------------------------


def start(command: str, env: dict, log) -> subprocess.Popen:
    # A session of its own, so the whole group can be ended; `exec`, so the shell becomes the
    # process and waiting for it waits for RQ's warm shutdown, not just the shell's end.
    return subprocess.Popen(
        ["/bin/sh", "-c", f"exec {command}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_all(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to each process group started here (warm shutdown), SIGKILL after 15 s."""
    for process in processes:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
    processes.clear()


# --- planning ----------------------------------------------------------------


def plan_notices(env: dict, count: int) -> int:
    """Migrate, then create one business (SMS at 1 000/s) with `count` customers and one
    appointment each, three days ahead, through `create_record`: the default rules plan a
    confirmation due now and a reminder two days on. Returns how many notices are due now.
    Runs in this process with the processes' settings; no worker is running yet."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from flask_migrate import upgrade

        from bot import create_app
        from bot.extensions import db
        from bot.services.businesses import create_business
        from tests.support.bookings import book_appointments

        app = create_app()
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            session = db.session
            business = create_business(session, name="Salon Sonnenschein", sms_from=SENDER).business
            business.sms_per_second = 1000.0
            session.commit()
            now = datetime.now(UTC).replace(microsecond=0)
            book_appointments(session, business, count, now=now, starts_in=timedelta(days=3))
            due = session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(
                    Notification.status == NotificationStatus.SCHEDULED,
                    Notification.notice == Notice.CONFIRMATION,
                    Notification.due_at <= datetime.now(UTC),
                )
            )
            session.remove()
            db.engine.dispose()
        return due
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --- draining ----------------------------------------------------------------


def drain(database_url: str, planned: int, launched: float, timeout: float) -> dict:
    """Poll the outbox until every confirmation has left (sent, or failed/skipped)."""
    engine = create_engine(database_url)
    confirmations = Notification.notice == Notice.CONFIRMATION
    done = pending = planned
    first_sent = None
    try:
        while True:
            with engine.connect() as connection:
                counts = dict(
                    connection.execute(
                        select(Notification.status, func.count())
                        .where(confirmations)
                        .group_by(Notification.status)
                    ).all()
                )
            now = time.perf_counter()
            sent = sum(counts.get(status, 0) for status in SENT)
            done = sum(counts.get(status, 0) for status in DONE)
            pending = planned - done
            if sent and first_sent is None:
                first_sent = now
            if pending <= 0 or now - launched > timeout:
                break
            time.sleep(POLL_SECONDS)
    finally:
        engine.dispose()
    return {
        "elapsed": now - launched,
        "first_sent": (first_sent - launched) if first_sent else None,
        "sent": sent,
        "done": done,
        "pending": max(pending, 0),
        "statuses": {str(status): number for status, number in counts.items()},
    }


def duplicates(fake: FakeTwilio) -> dict[str, int]:
    """Recipients the fake received more than one message for (each customer has one
    notice due), with how many it received."""
    per_recipient = Counter(message.to for message in fake.messages)
    return {to: number for to, number in per_recipient.items() if number > 1}


# --- the baseline ------------------------------------------------------------


def sdk_baseline(base_url: str, count: int, env: dict) -> dict:
    """Run `sdk_loop` in a fresh Python process (like a worker, not sharing this
    process's interpreter with the fake's server threads); returns its figures."""
    done = subprocess.run(
        [sys.executable, __file__, "--sdk-loop", base_url, str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    seconds = float(done.stdout.strip().splitlines()[-1])
    return {"seconds": seconds, "rate": count / seconds}


def sdk_loop(base_url: str, count: int) -> float:
    """Send `count` messages to the fake with one SDK client configured as the
    transport configures it; returns the seconds the loop took."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    from outbound.transports.twilio import HTTP_TIMEOUT_SECONDS

    client = Client(
        TWILIO_SID, TWILIO_TOKEN, http_client=TwilioHttpClient(timeout=HTTP_TIMEOUT_SECONDS)
    )
    client.api.base_url = base_url.rstrip("/")
    body = (
        "Salon Sonnenschein: Ihr Termin am Montag, 7. Dezember um 14:00 Uhr ist bestätigt. "
        "Absagen: http://127.0.0.1:9/c/abcdefghijklmnop"
    )
    started = time.perf_counter()
    for number in range(count):
        client.messages.create(
            to=f"+49152{number:08d}",
            from_=SENDER,
            body=body,
            status_callback=f"{PUBLIC_BASE_URL}/webhooks/twilio/status?message={number}",
        )
    return time.perf_counter() - started


# --- the report --------------------------------------------------------------


def report(result: dict, baseline: dict, planned: int, fake: FakeTwilio) -> None:
    sent, elapsed = result["sent"], result["elapsed"]
    rate = sent / elapsed if elapsed else 0.0
    print(f"statuses after draining: {result['statuses']}")
    if result["pending"]:
        print(f"NOT DRAINED: {result['pending']} of {planned} still pending after {elapsed:.1f} s")
    first = f"{result['first_sent']:.1f} s" if result["first_sent"] is not None else "never"
    print(
        f"outbox → fake Twilio: {sent} sent in {elapsed:.1f} s from the processes' start "
        f"(first seen sent after {first}): {rate:.1f} notices/s"
    )
    steady = None
    if result["first_sent"] is not None and sent > 1 and elapsed > result["first_sent"]:
        steady = (sent - 1) / (elapsed - result["first_sent"])
        print(f"  after the first send (start-up left out): {steady:.1f} notices/s")
    print(
        f"plain SDK loop → fake Twilio: {planned} in {baseline['seconds']:.2f} s: "
        f"{baseline['rate']:.0f} messages/s"
    )
    print(f"ratio outbox / SDK loop: {rate / baseline['rate']:.3f}", end="")
    print(f" (after the first send: {steady / baseline['rate']:.3f})" if steady else "")
    dupes = result["duplicates"]
    extra = sum(dupes.values()) - len(dupes)
    print(f"messages at the fake: {result['requests']}; duplicates: {extra}")
    for to, number in sorted(dupes.items()):
        print(f"  {to}: {number} messages")


if __name__ == "__main__":
    sys.exit(main())
