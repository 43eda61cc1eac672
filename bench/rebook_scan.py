"""How long one rebook scan (`outbound.rebook_scan.plan_rebook_nudges`) takes on a big salon.

    python bench/rebook_scan.py [--customers 5000] [--appointments 50000] [--rounds 5]
                                [--save FILE.json] [--baseline FILE.json]

Builds a fresh SQLite database per case (a temporary file) holding one
business with `--customers` customers and `--appointments` appointments over
the last three years: each customer keeps their own rhythm (three to thirteen
weeks), most have lapsed, one in five has booked ahead, one in ten has no SMS
consent, one in twenty of the appointments was cancelled or a no-show. The
same seed gives the same data on every run. Two cases, each with one enabled
rebook rule: `after_visit` (2 days after the visit) and `predicted` (5 days
before the customer is at risk). For each it times the first scan (which
plans the nudges) and `--rounds` scans after it (the steady state of the
scan the clock runs every ten minutes: median and slowest), counts the SQL
statements of one steady scan, and prints the nudges stored by status and a
digest of every stored nudge (key, visit, customer, channel, status, reason,
due time), which must not change from one commit to the next.

`--save` writes the figures as JSON; `--baseline` reads such a file, written
by a run on another commit (copy this script into that checkout), and prints
both side by side with the ratio. Exits 0: this is a measurement.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select  # noqa: E402

from bot import create_app  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.models import Customer, Notification, NotificationRule, Record, Service  # noqa: E402
from bot.services.businesses import create_business  # noqa: E402
from outbound.rebook_scan import plan_rebook_nudges  # noqa: E402

NOW = datetime(2031, 3, 12, 17, 0, tzinfo=UTC)  # a Wednesday evening in Berlin
HISTORY_DAYS = 3 * 365
RHYTHMS = (21, 28, 35, 42, 56, 70, 91)  # days between a customer's visits
SERVICES = (
    ("Damenhaarschnitt", "Haare", 42),
    ("Herrenhaarschnitt", "Haare", 28),
    ("Farbe", "Haare", None),
    ("Maniküre", "Nägel", 21),
    ("Gesichtsbehandlung", "Kosmetik", 56),
)
CASES = {
    "after_visit": {"rebook_mode": "after_visit", "rebook_days": 2},
    "predicted": {"rebook_mode": "predicted", "rebook_days": 5},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--appointments", type=int, default=50000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="a --save file to compare with")
    args = parser.parse_args(argv)

    figures = {
        case: measure(rule, args.customers, args.appointments, args.rounds)
        for case, rule in CASES.items()
    }
    baseline = json.loads(args.baseline.read_text("utf-8")) if args.baseline else None
    report(figures, baseline, args)
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2), "utf-8")
    return 0


def measure(rule: dict, customers: int, appointments: int, rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                "SECRET_KEY": "bench",
                "SMS_TRANSPORT": "simulator",
                "EMAIL_TRANSPORT": "simulator",
            }
        )
        with app.app_context():
            db.create_all()
            business_id = populate(customers, appointments, rule)
            session = db.session
            started = time.perf_counter()
            plan_rebook_nudges(session, now=NOW)
            session.commit()
            first = time.perf_counter() - started

            steady, statements = [], []
            count = lambda *_: statements.append(1)  # noqa: E731
            for round_ in range(rounds):
                session.expunge_all()
                if round_ == 0:
                    event.listen(db.engine, "before_cursor_execute", count)
                started = time.perf_counter()
                plan_rebook_nudges(session, now=NOW)
                session.commit()
                steady.append(time.perf_counter() - started)
                if round_ == 0:
                    event.remove(db.engine, "before_cursor_execute", count)
            stored = Counter(
                dict(
                    session.execute(
                        select(Notification.status, func.count())
                        .where(Notification.business_id == business_id)
                        .group_by(Notification.status)
                    ).all()
                )
            )
            digest = nudges_digest(session, business_id)
            db.session.remove()
            db.engine.dispose()
    return {
        "first_s": first,
        "steady_median_s": statistics.median(steady),
        "steady_max_s": max(steady),
        "statements": len(statements),
        "nudges": {str(status): number for status, number in sorted(stored.items())},
        "nudges_digest": digest,
    }


def nudges_digest(session, business_id: int) -> str:
    """A fingerprint of every stored nudge (key, visit, customer, channel, status, reason,
    due time), in key order: the same nudges give the same digest on every commit,
    whatever order they were stored in and whichever ids they got."""
    rows = session.execute(
        select(
            Notification.idempotency_key,
            Notification.record_id,
            Notification.customer_id,
            Notification.channel,
            Notification.status,
            Notification.reason,
            Notification.due_at,
        )
        .where(Notification.business_id == business_id)
        .order_by(Notification.idempotency_key)
    ).all()
    text = "\n".join("|".join(str(value) for value in row) for row in rows)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def populate(customers: int, appointments: int, rule: dict) -> int:
    """One business with its default notices off and one rebook rule; returns its id."""
    session = db.session
    business = create_business(session, name="Salon Sonnenschein", sms_from="+4930123456").business
    for default in session.scalars(select(NotificationRule)):
        default.enabled = False
    session.add(
        NotificationRule(
            business_id=business.id,
            name="Rebook",
            kind="appointment",
            trigger="rebook",
            notice="rebook",
            channel="auto",
            send_time=clock(9, 30),
            **rule,
        )
    )
    services = [
        Service(business_id=business.id, name=name, category=category, rebook_interval_days=days)
        for name, category, days in SERVICES
    ]
    session.add_all(services)
    session.flush()
    rng = random.Random(2031)
    customer_ids = session.scalars(
        insert(Customer).returning(Customer.id),
        [
            {
                "business_id": business.id,
                "name": f"Kundin {number}",
                "phone": f"+49151{number:08d}",
                "phone_is_mobile": True,
                "sms_consent": rng.random() >= 0.1,
            }
            for number in range(customers)
        ],
    ).all()
    rows = []
    per_customer = appointments // customers
    for customer_id in customer_ids:
        rhythm = rng.choice(RHYTHMS)
        last = NOW - timedelta(days=rng.uniform(0, HISTORY_DAYS - per_customer * rhythm / 3))
        last = last.replace(hour=rng.choice((9, 11, 14, 16)), minute=0, second=0, microsecond=0)
        for back in range(per_customer):
            status = "completed" if rng.random() >= 0.05 else rng.choice(("cancelled", "no_show"))
            starts_at = last - timedelta(days=back * rhythm + rng.randint(-3, 3) * (back > 0))
            rows.append(appointment(business.id, customer_id, starts_at, status, rng, services))
        if rng.random() < 0.2:  # booked ahead (R2.5)
            ahead = NOW + timedelta(days=rng.randint(3, 60))
            rows.append(appointment(business.id, customer_id, ahead, "confirmed", rng, services))
    session.execute(insert(Record), rows)
    session.commit()
    return business.id


def appointment(business_id, customer_id, starts_at, status, rng, services) -> dict:
    return {
        "business_id": business_id,
        "kind": "appointment",
        "customer_id": customer_id,
        "service_id": rng.choice(services).id,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=45),
        "status": status,
        "source": "calendar",
        "version": 1,
    }


def report(figures: dict, baseline: dict | None, args) -> None:
    print(
        f"one business, {args.customers} customers, {args.appointments} past appointments "
        f"(+ bookings ahead), scans as of {NOW.isoformat()}, {args.rounds} steady rounds"
    )
    columns = ("first_s", "steady_median_s", "steady_max_s", "statements")
    for case, now_figures in figures.items():
        print(f"\n{case} rule:")
        before = (baseline or {}).get(case)
        for column in columns:
            print(_row(column, now_figures[column], before[column] if before else None))
        print(f"  {'nudges stored':<16} {now_figures['nudges']}")
        print(f"  {'nudges digest':<16} {now_figures['nudges_digest']}")
        if before:
            same = "same" if before["nudges"] == now_figures["nudges"] else "DIFFERENT"
            print(f"  {'baseline nudges':<16} {before['nudges']} ({same})")
            if "nudges_digest" in before:
                same = (
                    "same"
                    if before["nudges_digest"] == now_figures["nudges_digest"]
                    else "DIFFERENT"
                )
                print(f"  {'baseline digest':<16} {before['nudges_digest']} ({same})")


def _row(column: str, value: float, before: float | None) -> str:
    shown = f"{value * 1000:9.1f} ms" if column.endswith("_s") else f"{value:9d}   "
    if before is None:
        return f"  {column:<16} {shown}"
    was = f"{before * 1000:9.1f} ms" if column.endswith("_s") else f"{before:9d}   "
    ratio = before / value if value else float("inf")
    return f"  {column:<16} {shown}   baseline {was}   baseline / now {ratio:6.1f}x"


if __name__ == "__main__":
    sys.exit(main())
