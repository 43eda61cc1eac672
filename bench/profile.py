"""Where the time of one webhook and of one send goes: the project's own code run in this
process (no gunicorn, no RQ worker) under pyinstrument, against a throwaway Redis and the
fake Twilio API, on SQLite or a throwaway PostgreSQL. `webhook` posts signed inbound texts
through Flask's test client (as bench/webhook.py sends them); `send` plans booking
confirmations and sends each with `outbound.jobs.send_notification`, as a worker's job does;
`worker` lets the Procfile's worker class (`bot.worker.AppWorker`, in burst mode) run the send
jobs a dispatcher tick enqueued, RQ's own work per job included.
Prints the milliseconds and SQL statements per operation, then pyinstrument's call tree."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.webhook import TEXTS  # noqa: E402  (the texts bench/webhook.py posts)

TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "bench-auth-token-0123456789abcdef"
SALON_NUMBER = "+4930555010"
PUBLIC_BASE_URL = "http://127.0.0.1:9"
MESSAGES_PATH = "/webhooks/twilio/messages"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", choices=("webhook", "send", "worker"))
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--count", type=int, default=300, help="operations profiled (300)")
    parser.add_argument("--customers", type=int, default=40, help="customers (40)")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument(
        "--sql",
        action="store_true",
        help="print the SQL statements of the last operation (for `worker`, of the whole run)",
    )
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        app = build_app(stack, args.database)
        if args.path == "webhook":
            profile_webhook(app, args)
        elif args.path == "send":
            profile_send(app, args)
        else:
            profile_worker(app, args)
    return 0


def build_app(stack: ExitStack, database: str):
    """The app, migrated, with a throwaway Redis and the fake Twilio behind it."""
    from tests.fakes.postgres_server import PostgresServer
    from tests.fakes.redis_server import RedisServer
    from tests.fakes.twilio_api import FakeTwilio

    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="replydesk-profile-"))
    redis = RedisServer()
    stack.callback(redis.stop)
    fake = FakeTwilio(TWILIO_SID, TWILIO_TOKEN).start()
    stack.callback(fake.stop)
    if database == "postgresql":
        postgres = PostgresServer()
        stack.callback(postgres.stop)
        database_url = postgres.url(postgres.create_database())
    else:
        database_url = f"sqlite:///{folder}/profile.sqlite3"
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis.url,
        SECRET_KEY="profile-secret",
        TWILIO_ACCOUNT_SID=TWILIO_SID,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        TWILIO_API_BASE_URL=fake.base_url,
        PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        SMS_TRANSPORT="twilio",
    )
    from flask_migrate import upgrade

    from bot import create_app
    from conversations import warm_up

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    warm_up()
    return app


def make_customers(app, count: int, *, starts_in: timedelta) -> list[str]:
    """One business (SMS at 1 000/s) and `count` customers with one appointment each;
    returns their phone numbers."""
    from bot.extensions import db
    from bot.services.businesses import create_business
    from tests.support.bookings import book_appointments

    with app.app_context():
        session = db.session
        business = create_business(
            session, name="Salon Sonnenschein", sms_from=SALON_NUMBER
        ).business
        business.sms_per_second = 1000.0
        session.commit()
        now = datetime.now(UTC).replace(microsecond=0)
        booked = book_appointments(session, business, count, now=now, starts_in=starts_in)
    return list(booked.values())


class Statements:
    """Counts the SQL statements the engine runs while `counting` is on."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count = 0
        self.counting = False
        self.last: list[str] = []  # the statements since `last` was last emptied
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, connection, cursor, statement, *args) -> None:
        if self.counting:
            self.count += 1
            self.last.append(" ".join(statement.split()))


def profile_webhook(app, args) -> None:
    from twilio.request_validator import RequestValidator

    from bot.extensions import db

    phones = make_customers(app, args.customers, starts_in=timedelta(days=1))
    validator = RequestValidator(TWILIO_TOKEN)
    client = app.test_client()

    def post(sequence: int) -> None:
        sid = "SM" + uuid.uuid4().hex
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": TWILIO_SID,
            "From": phones[(sequence // len(TEXTS)) % len(phones)],
            "To": SALON_NUMBER,
            "Body": TEXTS[sequence % len(TEXTS)],
            "NumMedia": "0",
            "NumSegments": "1",
        }
        signature = validator.compute_signature(PUBLIC_BASE_URL + MESSAGES_PATH, form)
        answer = client.post(
            MESSAGES_PATH,
            data=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
            base_url=PUBLIC_BASE_URL,
        )
        if answer.status_code != 200:
            raise RuntimeError(f"webhook answered {answer.status_code}: {answer.data[:300]!r}")

    for sequence in range(20):  # warm-up
        post(sequence)
    with app.app_context():
        statements = Statements(db.engine)
    run_profiled("webhook", args, statements, lambda index: post(20 + index))


def profile_send(app, args) -> None:
    from bot.extensions import db
    from outbound.dispatcher import claim_due, send_lease
    from outbound.jobs import send_notification

    make_customers(app, args.count + 20, starts_in=timedelta(days=3))
    with app.app_context():
        claimed: list[int] = []
        while batch := claim_due(
            db.session, now=datetime.now(UTC), lease=send_lease(app.config), limit=1000
        ):
            claimed.extend(batch)
        db.session.commit()
        statements = Statements(db.engine)

    def send(index: int) -> None:
        with app.app_context():
            outcome = send_notification(claimed[index])
        if outcome not in ("sent", "delivered"):
            raise RuntimeError(f"notification {claimed[index]}: {outcome}")

    for index in range(20):  # warm-up
        send(index)
    run_profiled("send", args, statements, lambda index: send(20 + index))


def profile_worker(app, args) -> None:
    from bot.extensions import db
    from bot.worker import AppWorker
    from outbound.jobs import dispatch_tick
    from outbound.queueing import QUEUES, get_queue, redis_connection

    make_customers(app, args.count, starts_in=timedelta(days=3))
    redis_url = app.config["REDIS_URL"]
    with app.app_context():
        claimed = 0
        while claimed < args.count and (handed_out := dispatch_tick()):
            claimed += handed_out
        statements = Statements(db.engine)
    get_queue("dispatch", redis_url).empty()  # the wake-up ticks: nothing is left to claim
    worker = AppWorker(
        [get_queue(name, redis_url) for name in QUEUES], connection=redis_connection(redis_url)
    )
    worker.app = app
    run_profiled(
        "worker",
        args,
        statements,
        lambda index: worker.work(burst=True, logging_level="WARNING"),
        runs=1,
    )


def run_profiled(name: str, args, statements: Statements, operation, runs=None) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    statements.count = 0
    statements.counting = True
    profiler.start()
    started = time.perf_counter()
    for index in range(runs or args.count):
        statements.last = []
        operation(index)
    elapsed = time.perf_counter() - started
    profiler.stop()
    statements.counting = False
    print(
        f"{name} on {args.database}: {args.count} in {elapsed:.2f} s, "
        f"{1000 * elapsed / args.count:.2f} ms and "
        f"{statements.count / args.count:.1f} SQL statements each (profiler running)"
    )
    if args.sql:
        for number, sql in enumerate(statements.last, 1):
            print(f"  {number}. {sql[:160]}")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    sys.exit(main())
