"""How the dispatcher and the planner cost grows with the outbox: one business's
`notification` table is filled with a small and a large number of scheduled notices
(10 000 and 1 000 000 by default, bulk-inserted, all due months ahead), and at each size the
script times the dispatcher's claim (`outbound.dispatcher.claim_due`, called as
`outbound.jobs.dispatch_tick` calls it) and the whole tick (`dispatch_tick` itself, against a
throwaway Redis) with nothing due and with 200 rows due, and planning one appointment's notices
(`bot.services.records.create_record` with the default rules, committed); it prints the
median of a few rounds at both sizes and the ratio large/small."""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import current_app  # noqa: E402
from sqlalchemy import insert, text, update  # noqa: E402

from bot import create_app  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.models import Business, Customer, Notification, Record  # noqa: E402
from bot.services.businesses import create_business  # noqa: E402
from bot.services.commands import CustomerChanges, RecordChanges  # noqa: E402
from bot.services.customers import create_customer  # noqa: E402
from bot.services.records import create_record  # noqa: E402
from outbound.dispatcher import claim_due, send_lease  # noqa: E402
from outbound.jobs import dispatch_tick  # noqa: E402
from outbound.policy.vocabulary import (  # noqa: E402
    Audience,
    Channel,
    Notice,
    NotificationStatus,
)
from outbound.queueing import redis_connection  # noqa: E402
from tests.fakes.postgres_server import PostgresServer  # noqa: E402
from tests.fakes.redis_server import RedisServer  # noqa: E402

DUE = 200  # rows due in the "claiming 200" case: one tick's claim limit
CUSTOMERS = 1000
NOTICES_PER_RECORD = 100  # the bulk rows hang off a record each, 100 to a record
CHUNK = 20_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--small", type=int, default=10_000, help="scheduled rows (10 000)")
    parser.add_argument("--large", type=int, default=1_000_000, help="scheduled rows (1 000 000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per figure, median (5)")
    args = parser.parse_args(argv)

    # Ctrl-C or SIGTERM: unwind through the `finally` that stops the servers.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    servers: list = []
    folder = tempfile.TemporaryDirectory(prefix="replydesk-bench-dispatch-")
    try:
        redis = RedisServer()
        servers.append(redis)
        postgres = None
        if args.database == "postgresql":
            postgres = PostgresServer()
            servers.append(postgres)
        print(f"database: {args.database}; rounds: {args.rounds} (median, milliseconds)")
        figures = {}
        for size in (args.small, args.large):
            if postgres is not None:
                url = postgres.url(postgres.create_database())
            else:
                url = f"sqlite:///{folder.name}/bench-{size}.sqlite3"
            figures[size] = measure(url, redis.url, size, args.rounds, args.database)
        report(figures, args.small, args.large)
    except KeyboardInterrupt:
        print("interrupted; stopping everything this run started", file=sys.stderr)
    finally:
        for server in reversed(servers):
            server.stop()
        folder.cleanup()
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def measure(url: str, redis_url: str, size: int, rounds: int, database: str) -> dict:
    app = create_app(
        {
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "bench",
            "SMS_TRANSPORT": "simulator",
            "EMAIL_TRANSPORT": "simulator",
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        session = db.session
        started = time.perf_counter()
        business_id, customer_id = populate(size)
        if database == "postgresql":
            session.commit()
            session.execute(text("ANALYZE"))  # what autovacuum does after a bulk load
            session.commit()
        built = time.perf_counter() - started
        print(f"{size:>9,} scheduled rows built in {built:.1f} s", flush=True)

        figures = {
            "claim, nothing due": timed(rounds, lambda: claim(expect=0)),
            "tick, nothing due": timed(rounds, lambda: tick(redis_url, expect=0)),
        }
        due_ids = add_due(business_id, customer_id)
        figures["claim, 200 due"] = timed(rounds, lambda: claim(expect=DUE))
        figures["tick, 200 due"] = timed(
            rounds, lambda: tick(redis_url, expect=DUE), after=lambda: put_back(due_ids, redis_url)
        )
        figures["plan one appointment"] = timed(
            rounds, lambda: plan_one(business_id, customer_id), before=session.expunge_all
        )
        session.remove()
        db.engine.dispose()
    return figures


def timed(rounds: int, work, before=None, after=None) -> float:
    """The median of `rounds` timings of `work()`, in milliseconds, with one warm-up."""
    times = []
    for round_ in range(rounds + 1):
        if before:
            before()
        started = time.perf_counter()
        work()
        elapsed = time.perf_counter() - started
        if after:
            after()
        if round_:  # the first round warms the caches and the connection
            times.append(elapsed * 1000)
    return statistics.median(times)


# --- what is timed -----------------------------------------------------------


def claim(expect: int) -> None:
    """The tick's claim, as `dispatch_tick` calls it, rolled back so the rows stay due."""
    session = db.session
    claimed = claim_due(session, now=datetime.now(UTC), lease=send_lease(current_app.config))
    session.rollback()
    assert len(claimed) == expect, (len(claimed), expect)


def tick(redis_url: str, expect: int) -> None:
    """The whole tick: claim, commit, enqueue the send jobs, the stale-message query."""
    claimed = dispatch_tick()
    assert claimed == expect, (claimed, expect)


def put_back(ids: list[int], redis_url: str) -> None:
    """Undo a tick: the rows due again, their jobs gone from Redis."""
    session = db.session
    session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(status=NotificationStatus.SCHEDULED, lease_until=None)
    )
    session.commit()
    redis_connection(redis_url).flushdb()


def plan_one(business_id: int, customer_id: int) -> None:
    """One new appointment through the record service, with the default rules, committed."""
    session = db.session
    starts_at = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=5)
    create_record(
        session,
        session.get(Business, business_id),
        RecordChanges(
            customer_id=customer_id,
            kind="appointment",
            starts_at=starts_at,
            duration_minutes=45,
            source="calendar",
        ),
        now=datetime.now(UTC),
    )
    session.commit()


# --- the data ----------------------------------------------------------------


def populate(size: int):
    """One business with the default rules, CUSTOMERS customers, a record per
    NOTICES_PER_RECORD notices, and `size` scheduled reminders due 30–400 days ahead."""
    session = db.session
    business = create_business(session, name="Salon Sonnenschein", sms_from="+4930555010").business
    business.sms_per_second = 1000.0
    customer = create_customer(
        session,
        business,
        CustomerChanges.from_fields(
            {"name": "Ursula Hoffmann", "phone": "+4915112345678", "sms_consent": True}
        ),
    )
    session.commit()
    now = datetime.now(UTC).replace(microsecond=0)
    customer_ids = session.scalars(
        insert(Customer).returning(Customer.id),
        [
            {
                "business_id": business.id,
                "name": f"Kundin {number}",
                "phone": f"+49151{number:08d}",
                "phone_is_mobile": True,
                "sms_consent": True,
            }
            for number in range(CUSTOMERS)
        ],
    ).all()
    records = max(1, size // NOTICES_PER_RECORD)
    record_rows = [
        {
            "business_id": business.id,
            "kind": "appointment",
            "customer_id": customer_ids[number % CUSTOMERS],
            "status": "confirmed",
            "source": "calendar",
            "starts_at": now + timedelta(days=31 + number % 370, hours=number % 9),
            "ends_at": now + timedelta(days=31 + number % 370, hours=number % 9, minutes=45),
            "version": 1,
        }
        for number in range(records)
    ]
    record_ids = session.scalars(insert(Record).returning(Record.id), record_rows).all()
    session.commit()
    connection = session.connection()
    table = Notification.__table__
    for offset in range(0, size, CHUNK):
        rows = []
        for number in range(offset, min(size, offset + CHUNK)):
            record_index = number % records
            rows.append(
                {
                    "business_id": business.id,
                    "record_id": record_ids[record_index],
                    "customer_id": customer_ids[record_index % CUSTOMERS],
                    "audience": Audience.CUSTOMER,
                    "notice": Notice.REMINDER,
                    "channel": Channel.SMS,
                    "due_at": now + timedelta(days=30 + number % 370, minutes=number % 1440),
                    "status": NotificationStatus.SCHEDULED,
                    "attempts": 0,
                    "idempotency_key": f"bench:{number}",
                    "record_version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        connection.execute(insert(table), rows)
    session.commit()
    return business.id, customer.id


def add_due(business_id: int, customer_id: int) -> list[int]:
    """DUE confirmations due a minute ago, for the claiming case."""
    session = db.session
    now = datetime.now(UTC).replace(microsecond=0)
    ids = session.scalars(
        insert(Notification).returning(Notification.id),
        [
            {
                "business_id": business_id,
                "customer_id": customer_id,
                "audience": Audience.CUSTOMER,
                "notice": Notice.CONFIRMATION,
                "channel": Channel.SMS,
                "due_at": now - timedelta(minutes=1),
                "status": NotificationStatus.SCHEDULED,
                "attempts": 0,
                "idempotency_key": f"bench-due:{number}",
            }
            for number in range(DUE)
        ],
    ).all()
    session.commit()
    return list(ids)


# --- the report --------------------------------------------------------------


def report(figures: dict, small: int, large: int) -> None:
    print()
    print(f"{'milliseconds (median)':<24}{small:>12,}{large:>12,}   ratio")
    for name in figures[small]:
        a, b = figures[small][name], figures[large][name]
        print(f"{name:<24}{a:>12.2f}{b:>12.2f}{b / a:>8.1f}x")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
