"""What the web inbox's live updates cost the server: one poll of `/inbox/updates`,
against reloading the whole page, in milliseconds, requests per second and SQL statements
per request on a business with thousands of conversations, and what 50 polling tabs cost
one core (bench/README.md)."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from bot import create_app  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.models import Conversation, Customer, Message, User, UserRole  # noqa: E402
from bot.services.businesses import create_business  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)
POLL_SECONDS = 4
TABS = 50
STATUSES = (["resolved"] * 60) + (["bot"] * 15) + (["open"] * 10) + (["pending"] * 10)
STATUSES += ["snoozed"] * 5


def build(conversations: int, messages: int, seed: int = 7) -> tuple[object, int, int]:
    """The app on a fresh database with the data; returns (app, user id, an open id)."""
    path = Path(tempfile.mkdtemp(prefix="inbox-poll-")) / "bench.sqlite3"
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{path}",
            "SECRET_KEY": "bench",
            "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": False,
            "SMS_TRANSPORT": "simulator",
            "EMAIL_TRANSPORT": "simulator",
        }
    )
    rng = random.Random(seed)
    with app.app_context():
        db.create_all()
        session = db.session
        login = ""  # the first business's user, as Flask-Login keeps it in the session
        # The measured business, and a second of the same size the queries must not read.
        for index, name in enumerate(("Salon Sonnenschein", "Other Salon")):
            business = create_business(
                session, name=name, sms_from=f"+49305550{10 + index}"
            ).business
            user = User(
                business_id=business.id,
                email=f"staff{index}@salon.test",
                password_hash=generate_password_hash("x"),
                name="Anna",
                role=UserRole.OWNER,
                locale="en",
            )
            session.add(user)
            session.flush()
            login = login or user.get_id()
            customer_rows = [
                {
                    "business_id": business.id,
                    "name": f"Kundin {n}",
                    "phone": f"+49151{index}{n:07d}",
                    "sms_consent": True,
                }
                for n in range(conversations)
            ]
            session.execute(insert(Customer), customer_rows)
            customer_ids = session.scalars(
                select(Customer.id).where(Customer.business_id == business.id)
            ).all()
            conversation_rows = []
            for n, customer_id in enumerate(customer_ids):
                status = rng.choice(STATUSES)
                conversation_rows.append(
                    {
                        "business_id": business.id,
                        "customer_id": customer_id,
                        "channel": "sms",
                        "address": f"+49151{index}{n:07d}",
                        "state": "idle",
                        "context": {},
                        "inbox_status": status,
                        "assignee_id": user.id if status == "open" and n % 3 == 0 else None,
                        "unread_count": rng.randint(0, 3) if status == "open" else 0,
                        "last_activity_at": NOW - timedelta(minutes=rng.randint(1, 60 * 24 * 90)),
                        "snoozed_until": NOW + timedelta(days=1) if status == "snoozed" else None,
                        "handover_reason": "not_understood" if status == "open" else None,
                    }
                )
            session.execute(insert(Conversation), conversation_rows)
            ids = session.scalars(
                select(Conversation.id).where(Conversation.business_id == business.id)
            ).all()
            message_rows = []
            for m in range(messages):
                conversation_id = ids[m % len(ids)]
                inbound = m % 2 == 0
                message_rows.append(
                    {
                        "business_id": business.id,
                        "conversation_id": conversation_id,
                        "direction": "inbound" if inbound else "outbound",
                        "channel": "sms",
                        "from_address": "+4915100000000",
                        "to_address": "+4930555010",
                        "body": f"Nachricht {m}: Kann ich den Termin am Freitag verschieben?",
                        "segments": 1,
                        "status": "received" if inbound else rng.choice(["sent", "delivered"]),
                        "author": "customer" if inbound else rng.choice(["bot", "staff"]),
                        "note": False,
                        "created_at": NOW - timedelta(minutes=(messages - m)),
                    }
                )
            session.execute(insert(Message), message_rows)
        session.commit()
        open_id = session.scalar(
            select(Conversation.id)
            .where(Conversation.business_id == 1, Conversation.inbox_status == "open")
            .limit(1)
        )
        session.remove()
    return app, login, open_id


def measure(app, login: str, open_id: int, requests: int) -> dict[str, dict]:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login
        session["_fresh"] = True
    list_cursor = client.get("/inbox/updates").json["cursor"]
    thread_cursor = client.get(f"/inbox/updates?conversation={open_id}").json["cursor"]
    # What an open list page and an open thread ask every 4 seconds when nothing changed,
    # the fragment fetched only after a change, and the baselines: what a page without the
    # fingerprints would do to stay live, reload itself every 4 seconds.
    cases = {
        "poll list": f"/inbox/updates?since={list_cursor}",
        "poll thread": f"/inbox/updates?conversation={open_id}&since={thread_cursor}",
        "fragment list": "/inbox/fragments/list",
        "baseline: reload list page": "/inbox",
        "baseline: reload thread page": f"/inbox/{open_id}",
    }
    statements = [0]
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args) -> None:
        statements[0] += 1

    figures = {}
    for name, path in cases.items():
        for _ in range(10):  # warm-up: caches, compiled templates, statement cache
            assert client.get(path).status_code == 200, path
        if name.startswith("poll"):
            assert client.get(path).json["list"] is False, "the cursor should be unchanged"
        statements[0] = 0
        client.get(path)
        per_request = statements[0]
        timings = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        timings.sort()
        median = statistics.median(timings)
        figures[name] = {
            "ms_median": round(median, 3),
            "ms_p95": round(timings[int(len(timings) * 0.95) - 1], 3),
            "requests_per_second": round(1000 / median, 1),
            "sql_statements": per_request,
            "bytes": len(response.data),
        }
    event.remove(engine, "before_cursor_execute", _count)
    return figures


def report(figures: dict[str, dict], baseline: dict[str, dict] | None) -> None:
    header = f"{'case':30} {'ms median':>9} {'ms p95':>8} {'req/s':>8} {'SQL':>4} {'bytes':>7}"
    if baseline:
        header += f"  {'baseline ms':>11} {'ratio':>6}"
    print(header)
    for name, row in figures.items():
        line = (
            f"{name:30} {row['ms_median']:9.2f} {row['ms_p95']:8.2f} "
            f"{row['requests_per_second']:8.0f} {row['sql_statements']:4d} {row['bytes']:7d}"
        )
        if baseline and name in baseline:
            before = baseline[name]["ms_median"]
            line += f"  {before:11.2f} {row['ms_median'] / before:6.2f}"
        print(line)
    poll = (figures["poll list"]["ms_median"] + figures["poll thread"]["ms_median"]) / 2
    reload = (
        figures["baseline: reload list page"]["ms_median"]
        + figures["baseline: reload thread page"]["ms_median"]
    ) / 2
    for label, ms in (("polling /inbox/updates", poll), ("baseline: reloading pages", reload)):
        share = TABS * ms / (POLL_SECONDS * 1000) * 100
        print(f"{TABS} tabs every {POLL_SECONDS} s, {label}: {share:.1f} % of one core")
    print(f"polling is {reload / poll:.1f}x cheaper than reloading")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=50000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    app, login, open_id = build(args.conversations, args.messages)
    print(
        f"{args.conversations} conversations and {args.messages} messages per business, "
        f"two businesses, built in {time.perf_counter() - started:.1f} s; "
        f"{args.requests} requests per case"
    )
    figures = measure(app, login, open_id, args.requests)
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    report(figures, baseline)
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
