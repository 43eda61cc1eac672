"""A rehearsal, on one machine, of the layout docs/DEPLOY.md describes: a throwaway PostgreSQL
and Redis, the fake Twilio API, the schema from `flask db upgrade`, TWO web processes (each the
Procfile's web command on a port of its own, as two machines behind a TLS proxy run it, with
PUBLIC_BASE_URL the proxy's public address and TRUSTED_PROXIES=1), TWO worker processes and ONE
clock, all with LOG_FORMAT=json; then an integrator's and the customers' traffic spread over
both web processes: customers and appointments through the REST API, their confirmations sent
by the workers, a signed "ja" from each customer (Twilio signs for the public address, the web
process sees its own), each answered. It prints what it saw: each web process's /healthz, every
confirmation and reply sent exactly once, which worker sent how many; last, the backup and
restore docs/DEPLOY.md describes (pg_dump of the live database, pg_restore into an empty one,
`flask db upgrade`), compared in what no process changes any more. It fails (exit 1) when
something did not hold. Every process it started is stopped at the end and on Ctrl-C."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.webhook import (  # noqa: E402
    BIN,
    MESSAGES_PATH,
    SALON_NUMBER,
    TWILIO_SID,
    TWILIO_TOKEN,
    Target,
    create_customers,
    flask_cli,
    free_port,
    procfile_web_command,
    run_cleaning_up,
    start_process,
    wait_until_answering,
)
from tests.support.procfile import procfile_command  # noqa: E402

PUBLIC_BASE_URL = "https://replydesk.example"  # the proxy's address; nothing listens there
DEADLINE_SECONDS = 120


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=60, help="customers booked (60)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    args = parser.parse_args()
    failures: list[str] = []
    run_cleaning_up(lambda args, stack: rehearse(args, stack, failures), args)
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


def rehearse(args, stack: ExitStack, failures: list[str]) -> None:
    from sqlalchemy import create_engine, func, select

    from bot.models import Author, Direction, Message, Notification
    from outbound.policy.vocabulary import Notice, NotificationStatus
    from tests.fakes.postgres_server import PostgresServer
    from tests.fakes.redis_server import RedisServer
    from tests.fakes.twilio_api import FakeTwilio

    workdir = Path(tempfile.mkdtemp(prefix="replydesk-rehearsal-"))
    if not args.keep_logs:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
    redis = RedisServer()
    stack.callback(redis.stop)
    twilio = FakeTwilio(TWILIO_SID, TWILIO_TOKEN).start()
    stack.callback(twilio.stop)
    postgres = PostgresServer()
    stack.callback(postgres.stop)
    database_url = postgres.url(postgres.create_database())
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "SECRET_KEY": "rehearsal-secret",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TRUSTED_PROXIES": "1",
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "2",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_API_BASE_URL": twilio.base_url,
        "SMS_TRANSPORT": "twilio",
        "EMAIL_TRANSPORT": "simulator",
        "PYTHONUNBUFFERED": "1",
    }
    print(f"PostgreSQL {database_url.rsplit('/', 1)[-1]}, Redis {redis.url}; logs in {workdir}")
    print(flask_cli(env, "db", "upgrade").strip() or "flask db upgrade: done")
    created = json.loads(
        flask_cli(env, "create-business", "--name", "Salon Sonnenschein",
                  "--timezone", "Europe/Berlin", "--locale", "de", "--region", "DE",
                  "--sms-from", SALON_NUMBER)
    )  # fmt: skip

    webs = [free_port(), free_port()]
    for number, port in enumerate(webs, 1):
        start_process(
            stack, procfile_web_command(port, "bot:create_app()"), env, workdir / f"web{number}.log"
        )
    for number in (1, 2):
        start_process(
            stack,
            ["/bin/sh", "-c", f"exec {procfile_command('worker')}"],
            env,
            workdir / f"worker{number}.log",
        )
    start_process(
        stack, ["/bin/sh", "-c", f"exec {procfile_command('clock')}"], env, workdir / "clock.log"
    )
    for number, port in enumerate(webs, 1):
        wait_until_answering(port, workdir / f"web{number}.log")
    print("started: web ×2 (ports " + ", ".join(map(str, webs)) + "), worker ×2, clock ×1")
    for port in webs:
        status, body = get(port, "/healthz")
        print(f"  GET /healthz on {port}: {status} {body}")
        if status != 200:
            failures.append(f"/healthz on {port} answered {status}")

    half = args.customers // 2
    phones = create_customers(webs[0], created["api_key"], half)
    phones += create_customers(webs[1], created["api_key"], half, first=half)
    print(f"{len(phones)} customers with an appointment tomorrow, half through each web process")

    engine = create_engine(database_url)
    stack.callback(engine.dispose)

    def confirmations_sent() -> int:
        with engine.connect() as connection:
            return connection.scalar(
                select(func.count())
                .select_from(Notification)
                .where(
                    Notification.notice == Notice.CONFIRMATION,
                    Notification.status.in_(
                        [NotificationStatus.SENT, NotificationStatus.DELIVERED]
                    ),
                )
            )

    wait(lambda: confirmations_sent() >= len(phones), "every confirmation sent")
    print(f"confirmations sent: {confirmations_sent()} of {len(phones)}")

    for index, phone in enumerate(phones):
        port = webs[index % 2]
        target = Target("web", port, PUBLIC_BASE_URL)
        body, headers = target.request(0, [phone])  # TEXTS[0] is "ja"
        headers["X-Forwarded-For"] = f"198.51.100.{index % 250 + 1}"
        status = post(port, MESSAGES_PATH, body, headers)
        if status != 200:
            failures.append(f"the webhook on {port} answered {status} to {phone}")

    def bot_replies() -> int:
        with engine.connect() as connection:
            return connection.scalar(
                select(func.count())
                .select_from(Message)
                .where(
                    Message.direction == Direction.OUTBOUND,
                    Message.author == Author.BOT,
                    Message.provider_sid.is_not(None),
                )
            )

    wait(lambda: bot_replies() >= len(phones), "every reply sent")
    texts = Counter((message.to, message.body) for message in twilio.messages)
    repeated = {key: n for key, n in texts.items() if n > 1}
    answered = {message.to for message in twilio.messages if message.body.startswith("Danke")}
    print(
        f"replies sent: {bot_replies()}; messages at the fake Twilio: {len(twilio.messages)} "
        f"(a confirmation and a reply to each customer, and the reminders that fell due meanwhile)"
    )
    print(f"texts sent more than once: {len(repeated)}; customers answered: {len(answered)}")
    if repeated:
        failures.append(f"{len(repeated)} texts went twice: {list(repeated)[:3]}")
    if len(answered) != len(phones):
        failures.append(f"{len(phones) - len(answered)} customers got no answer to their ja")
    sends = Counter()
    for number in (1, 2):
        for line in (workdir / f"worker{number}.log").read_text().splitlines():
            sent = '"message": "notification ' in line or '"message": "message ' in line
            if sent and line.rstrip('"}').endswith(("sent", "accepted", "delivered")):
                sends[f"worker {number}"] += 1
    print("texts sent per worker:", dict(sends))
    if len(sends) < 2:
        failures.append("one worker did all the sending")
    for number in (1, 2):
        lines = (workdir / f"web{number}.log").read_text().splitlines()
        access = [json.loads(line) for line in lines if '"gunicorn.access"' in line]
        clients = {
            entry["http"]["client"] for entry in access if entry["http"]["path"] == MESSAGES_PATH
        }
        print(
            f"web {number}: {len(access)} requests logged as JSON; "
            f"webhook clients seen: {len(clients)}"
        )
    back_up_and_restore(env, postgres, database_url, workdir, failures)


def back_up_and_restore(env, postgres, database_url, workdir, failures: list[str]) -> None:
    """DEPLOY's "Backups and restores", as written: pg_dump the live database, pg_restore
    the dump into an empty one, `flask db upgrade` on it (nothing to do), and compare what
    no process changes any more (customers, records, the customers' texts)."""
    from sqlalchemy import create_engine, func, select

    from bot.models import Customer, Direction, Message, Record
    from tests.fakes.postgres_server import binaries

    def libpq(url: str) -> str:
        return url.replace("postgresql+psycopg://", "postgresql://", 1)

    def counts(url: str) -> dict[str, int]:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                return {
                    "customers": connection.scalar(select(func.count(Customer.id))),
                    "records": connection.scalar(select(func.count(Record.id))),
                    "customers' texts": connection.scalar(
                        select(func.count(Message.id)).where(Message.direction == Direction.INBOUND)
                    ),
                }
        finally:
            engine.dispose()

    dump = workdir / "replydesk.dump"
    programs = binaries()
    subprocess.run(
        [f"{programs}/pg_dump", "--format=custom", f"--file={dump}", libpq(database_url)],
        check=True,
    )
    restored_url = postgres.url(postgres.create_database())
    subprocess.run(
        [f"{programs}/pg_restore", "--no-owner", f"--dbname={libpq(restored_url)}", str(dump)],
        check=True,
    )
    flask_cli({**env, "DATABASE_URL": restored_url}, "db", "upgrade")
    live, restored = counts(database_url), counts(restored_url)
    size = dump.stat().st_size // 1024
    print(f"pg_dump: {size} KiB; pg_restore and db upgrade: done; restored {restored}")
    if restored != live:
        failures.append(f"the restored database holds {restored}, the live one {live}")


def get(port: int, path: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"{}")
    finally:
        connection.close()


def post(port: int, path: str, body: bytes, headers: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body, headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def wait(predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise SystemExit(f"gave up after {DEADLINE_SECONDS} s waiting for {what}")


if __name__ == "__main__":
    sys.exit(main())
