"""How long `GET /api/v1/conversations` takes on a busy business, per filter and search:
builds one business with many conversations in a fresh SQLite file, asks the API for the
first page of several lists and prints the median and slowest answer, the SQL statements of
one request and the items that came back (bench/README.md)."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert  # noqa: E402

from bot import create_app  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.models import Conversation, Customer, Message  # noqa: E402
from bot.services.businesses import create_business  # noqa: E402

NOW = datetime(2031, 3, 12, 17, 0, tzinfo=UTC)
CASES = {
    "all": {},
    "open": {"status": "open"},
    "unassigned open": {"status": "open", "assignee_id": "none"},
    "one customer": {"customer_id": "17"},
    "q name": {"q": "Hoffmann 42"},
    "q number": {"q": "0151 1000 0042"},
    "q text": {"q": "Parkplatz"},
    "q nothing": {"q": "zzz kein Treffer"},
}
WORDS = ("Hallo", "Termin", "Danke", "geht auch später?", "Uhrzeit", "ja", "nein", "Frage")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                "SECRET_KEY": "bench",
                "SMS_TRANSPORT": "simulator",
                "EMAIL_TRANSPORT": "simulator",
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            db.create_all()
            key = populate(args.conversations, args.messages)
            client = app.test_client()
            headers = {"Authorization": f"Bearer {key}"}
            print(
                f"{args.conversations} conversations, {args.conversations * args.messages} "
                f"messages; first page of 100, {args.rounds} rounds"
            )
            print(f"{'list':<18} {'median ms':>10} {'max ms':>8} {'statements':>11} {'items':>6}")
            statements: list[str] = []

            def count(conn, cursor, statement, *rest) -> None:
                statements.append(statement)

            for name, query in CASES.items():
                times, items = [], 0
                statements.clear()
                for round_ in range(args.rounds):
                    if round_ == 0:
                        event.listen(db.engine, "before_cursor_execute", count)
                    started = time.perf_counter()
                    response = client.get(
                        "/api/v1/conversations", query_string=query, headers=headers
                    )
                    times.append(time.perf_counter() - started)
                    if round_ == 0:
                        event.remove(db.engine, "before_cursor_execute", count)
                        assert response.status_code == 200, response.get_data(as_text=True)
                        items = len(response.get_json()["items"])
                print(
                    f"{name:<18} {statistics.median(times) * 1000:>10.1f} "
                    f"{max(times) * 1000:>8.1f} {len(statements):>11} {items:>6}"
                )
            db.session.remove()
            db.engine.dispose()
    return 0


def populate(conversations: int, messages: int) -> str:
    random.seed(9)
    created = create_business(
        db.session,
        name="Salon Sonnenschein",
        timezone="Europe/Berlin",
        locale="de",
        region="DE",
        sms_from="+4930555010",
    )
    business = created.business
    db.session.commit()
    phones = [f"+4915110{n:06d}" for n in range(conversations)]
    db.session.execute(
        insert(Customer),
        [
            {
                "business_id": business.id,
                "name": f"Kundin {n} Hoffmann {n}" if n % 50 == 42 else f"Kundin {n}",
                "phone": phone,
                "sms_consent": True,
                "created_at": NOW,
            }
            for n, phone in enumerate(phones)
        ],
    )
    statuses = ["open"] * 4 + ["pending"] * 2 + ["snoozed"] + ["bot"] * 13
    db.session.execute(
        insert(Conversation),
        [
            {
                "business_id": business.id,
                "customer_id": n + 1,
                "channel": "sms",
                "address": phone,
                "state": "idle",
                "context": {},
                "inbox_status": random.choice(statuses),
                "unread_count": random.randint(0, 3),
                "last_activity_at": NOW - timedelta(minutes=random.randint(0, 90 * 24 * 60)),
            }
            for n, phone in enumerate(phones)
        ],
    )
    rows = []
    for n, phone in enumerate(phones):
        for m in range(messages):
            inbound = m % 2 == 0
            rows.append(
                {
                    "business_id": business.id,
                    "conversation_id": n + 1,
                    "customer_id": n + 1,
                    "direction": "inbound" if inbound else "outbound",
                    "channel": "sms",
                    "from_address": phone if inbound else "+4930555010",
                    "to_address": "+4930555010" if inbound else phone,
                    "body": " ".join(random.choices(WORDS, k=4))
                    if n % 100 or m
                    else "Gibt es einen Parkplatz?",
                    "status": "received" if inbound else "delivered",
                    "author": "customer" if inbound else "bot",
                    "note": False,
                    "created_at": NOW - timedelta(hours=messages - m),
                }
            )
    db.session.execute(insert(Message), rows)
    db.session.commit()
    return created.api_key


if __name__ == "__main__":
    raise SystemExit(main())
