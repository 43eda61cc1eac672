"""How soon the bot's reply leaves: the Procfile's own `web`, `worker` and `clock` commands
against a throwaway Redis, the fake Twilio API (tests/fakes/twilio_api.py, run in this
process, which notes when each message arrives) and a migrated SQLite or throwaway
PostgreSQL; one business with an SMS sender and customers with an appointment tomorrow, made
as bench/webhook.py makes them. (a) idle: texts the bot answers, signed as Twilio signs them,
sent one at a time, each waiting for its reply; (b) a burst of texts from many customers
posted over 8 connections as fast as they are answered. Latency is the moment the fake Twilio
received the bot's reply minus the moment the webhook POST was sent; the reference printed
beside it is the target (1 s) and the webhook's own response time, and RQ's own timestamps of
each reply's send job split the rest into the wait in the queue and the job (bench/README.md)."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.webhook import (  # noqa: E402
    BIN,
    SALON_NUMBER,
    TEXTS,
    TWILIO_SID,
    TWILIO_TOKEN,
    Client,
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

TARGET_SECONDS = 1.0
REPLY_TIMEOUT_SECONDS = 30.0  # one idle reply
POLL_SECONDS = 0.002
SETTLE_TIMEOUT_SECONDS = 60.0
# Texts the bot answers: "ja" confirms the appointment; the question hands the conversation
# to staff with a short reply, after which the bot answers that customer no more, so in the
# burst each customer's question comes after their "ja", len(customers) texts later.
IDLE_TEXT = "ja"
BURST_TEXTS = ("ja", "Kann ich Freitag um 15 Uhr kommen?")


def signed_text(target: Target, customers: list[str], customer: int, text: str):
    """bench.webhook's signed inbound SMS, from customers[customer] saying `text`
    (Target.request picks TEXTS[sequence % 8] from customers[sequence // 8])."""
    return target.request(len(TEXTS) * customer + TEXTS.index(text), customers)


def sid_of(body: bytes) -> str:
    return parse_qs(body.decode())["MessageSid"][0]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def message_id(sent) -> int | None:
    """Our message id, from the status callback the send named (`…/status?message=ID`)."""
    callback = sent.params.get("StatusCallback", "")
    values = parse_qs(urlsplit(callback).query).get("message")
    return int(values[0]) if values else None


@dataclass
class Sent:
    """One inbound text: who sent it, when its POST left, how long the webhook took."""

    phone: str
    sid: str  # the MessageSid
    sent_at: float  # time.monotonic()
    response_seconds: float = float("nan")
    status: int | str = 0


@dataclass
class Reply:
    text: Sent
    received_at: float  # time.monotonic() at the fake Twilio
    message_id: int | None

    @property
    def latency(self) -> float:
        return self.received_at - self.text.sent_at


@dataclass
class Phase:
    name: str
    texts: list[Sent] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    unanswered: list[Sent] = field(default_factory=list)
    began: float = 0.0
    posted: float = 0.0  # when the last POST was answered


# --- the stack -----------------------------------------------------------------------


class Stack:
    """The processes and servers of one run, and what the bench reads from them."""

    def __init__(self, args, stack: ExitStack) -> None:
        from tests.fakes.postgres_server import PostgresServer
        from tests.fakes.redis_server import RedisServer
        from tests.fakes.twilio_api import FakeTwilio

        self.workdir = Path(tempfile.mkdtemp(prefix="bench-bot-reply-"))
        if not args.keep_logs:
            stack.callback(shutil.rmtree, self.workdir, ignore_errors=True)
        self.redis = RedisServer()
        stack.callback(self.redis.stop)
        self.twilio = FakeTwilio(TWILIO_SID, TWILIO_TOKEN).start()
        stack.callback(self.twilio.stop)
        if args.database == "postgresql":
            postgres = PostgresServer()
            stack.callback(postgres.stop)
            self.database_url = postgres.url(postgres.create_database())
            self.version = subprocess.run(
                ["psql", "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
        else:
            import sqlite3

            self.database_url = f"sqlite:///{self.workdir / 'replydesk.sqlite3'}"
            self.version = f"SQLite {sqlite3.sqlite_version}"
        self.port = free_port()
        self.env = {
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "SECRET_KEY": "bench-secret",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_API_BASE_URL": self.twilio.base_url,
            "SMS_TRANSPORT": "twilio",
            "EMAIL_TRANSPORT": "simulator",
            "PYTHONUNBUFFERED": "1",
        }
        self.stack = stack
        from sqlalchemy import create_engine

        self.engine = create_engine(self.database_url)
        stack.callback(self.engine.dispose)
        self.target = Target("project", self.port, self.env["PUBLIC_BASE_URL"])

    def start(self, name: str, command: list[str]) -> None:
        start_process(self.stack, command, self.env, self.workdir / f"{name}.log")

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def bot_replies(self) -> set[int]:
        """Ids of the bot's outbound messages stored so far."""
        return set(self.answered_texts())

    def answered_texts(self) -> dict[int, str]:
        """For each of the bot's replies (its message id), the MessageSid of the inbound
        text it answers: the one stored last before it in its conversation."""
        from sqlalchemy import or_, select

        from bot.models import Author, Direction, Message

        last_inbound: dict[int, str] = {}
        answered: dict[int, str] = {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(Message.id, Message.conversation_id, Message.direction, Message.provider_sid)
                .where(or_(Message.direction == Direction.INBOUND, Message.author == Author.BOT))
                .order_by(Message.id)
            )
            for message, conversation, direction, sid in rows:
                if direction == Direction.INBOUND:
                    last_inbound[conversation] = sid
                elif conversation in last_inbound:
                    answered[message] = last_inbound.pop(conversation)
        return answered

    def outbox_busy(self) -> int:
        """Notifications due now that have not left yet, and outbound messages still queued."""
        from sqlalchemy import func, select

        from bot.models import Message, Notification, utcnow
        from outbound.policy.vocabulary import MessageStatus, NotificationStatus

        waiting = (
            NotificationStatus.SCHEDULED,
            NotificationStatus.QUEUED,
            NotificationStatus.SENDING,
        )
        with self.engine.connect() as connection:
            notices = connection.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.status.in_(waiting), Notification.due_at <= utcnow())
            )
            messages = connection.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.status == MessageStatus.QUEUED)
            )
        return notices + messages


def api(port: int, api_key: str, method: str, path: str, data: dict) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    connection.request(method, f"/api/v1{path}", json.dumps(data).encode(), headers)
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {answer[:300]!r}")
    return json.loads(answer)


def worker_command(name: str) -> list[str]:
    """The Procfile's `worker` or `clock` line, run by a shell as honcho runs it."""
    return ["/bin/sh", "-c", f"exec {procfile_command(name)}"]


def wait_for_worker(stack: Stack) -> None:
    """Until the worker has built the app and listens on its queues (RQ registers it)."""
    from redis import Redis
    from rq import Worker

    redis = Redis.from_url(stack.redis.url)
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    try:
        while time.monotonic() < deadline:
            if Worker.all(connection=redis):
                return
            time.sleep(0.1)
    finally:
        redis.close()
    raise RuntimeError(f"the worker did not start; its log:\n{stack.log('worker').read_text()}")


def wait_for_quiet_outbox(stack: Stack) -> int:
    """Until the booking confirmations the new appointments planned have left; returns
    how many messages the fake received meanwhile."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while (busy := stack.outbox_busy()) and time.monotonic() < deadline:
        time.sleep(0.25)
    if busy:
        print(f"  the outbox still had {busy} due notices or queued messages after "
              f"{SETTLE_TIMEOUT_SECONDS:g} s")  # fmt: skip
    time.sleep(1.0)  # the last send job records Twilio's answer
    return len(stack.twilio.messages)


# --- the two runs --------------------------------------------------------------------


def wait_for_message(twilio, phone: str, after: float, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        messages = twilio.messages
        for message in messages[seen:]:
            if message.to == phone and message.received_at >= after:
                return True
        seen = len(messages)
        time.sleep(POLL_SECONDS)
    return False


def run_idle(stack: Stack, customers: list[str], count: int, pause: float) -> Phase:
    """`count` texts one at a time, each from a customer of its own, each waiting for a
    message to that customer at the fake Twilio (which reply it was is settled later)."""
    phase = Phase("idle")
    client = Client(stack.target)
    phase.began = time.monotonic()
    for index in range(count):
        body, headers = signed_text(stack.target, customers, index, IDLE_TEXT)
        text = Sent(customers[index], sid_of(body), time.monotonic())
        text.status = client.post(body, headers)
        text.response_seconds = time.monotonic() - text.sent_at
        phase.texts.append(text)
        wait_for_message(stack.twilio, text.phone, text.sent_at, REPLY_TIMEOUT_SECONDS)
        time.sleep(pause)  # let the worker finish the send job: the sender is free again
    phase.posted = time.monotonic()
    client.close()
    return phase


def run_burst(
    stack: Stack, customers: list[str], count: int, connections: int, timeout: float
) -> Phase:
    """`count` texts from `customers` in turn (one customer's next text comes len(customers)
    texts later), posted over `connections` keep-alive connections as fast as answered;
    then wait until the fake has had a bot reply for each, or `timeout`."""
    phase = Phase("burst")
    plan = [
        (index % len(customers), BURST_TEXTS[index // len(customers) % len(BURST_TEXTS)])
        for index in range(count)
    ]
    requests = [signed_text(stack.target, customers, who, text) for who, text in plan]
    texts: list[Sent | None] = [None] * count
    next_index = iter(range(count))
    lock = threading.Lock()

    def loop() -> None:
        client = Client(stack.target)
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                break
            body, headers = requests[index]
            text = Sent(customers[plan[index][0]], sid_of(body), time.monotonic())
            text.status = client.post(body, headers)
            text.response_seconds = time.monotonic() - text.sent_at
            texts[index] = text
        client.close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(connections)]
    phase.began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.posted = time.monotonic()
    phase.texts = [text for text in texts if text is not None]
    answered = sum(1 for text in phase.texts if text.status == 200)
    phones = set(customers)
    deadline = time.monotonic() + timeout
    before = -1
    while time.monotonic() < deadline:
        # The fake's count first (no load on the database); when it reaches the texts, or
        # stands still, whether the replies are all there or nothing is left to send (the
        # bot does not answer a text that reaches a conversation already handed to staff).
        arrived = sum(
            1
            for message in list(stack.twilio.messages)
            if message.received_at >= phase.began and message.to in phones
        )
        if arrived >= answered:
            if len(replies_since(stack, phase.began, stack.bot_replies())) >= answered:
                break
        elif arrived == before and not stack.outbox_busy():
            break
        before = arrived
        time.sleep(0.1)
    return phase


def replies_since(stack: Stack, since: float, bot_ids: set[int]) -> list:
    return [
        message
        for message in list(stack.twilio.messages)
        if message.received_at >= since and message_id(message) in bot_ids
    ]


def match(stack: Stack, phase: Phase) -> None:
    """Pair each text with the bot's reply to it. The reply goes to the number the text came
    from (To of the reply is From of the text); among that customer's texts it answers the
    one stored just before it in the conversation, found by its MessageSid. (The order the
    bench sent them in is not enough: a slow request can be stored after the same customer's
    next text, which may hand the conversation to staff, so the bot answers only one.)"""
    answered = stack.answered_texts()
    by_sid = {text.sid: text for text in phase.texts if text.status == 200}
    replied = set()
    for message in replies_since(stack, phase.began, set(answered)):
        text = by_sid.get(answered[message_id(message)])
        if text is None or text.phone != message.to:
            continue
        phase.replies.append(Reply(text, message.received_at, message_id(message)))
        replied.add(text.sid)
    phase.unanswered = [text for sid, text in by_sid.items() if sid not in replied]


# --- where the time goes: RQ's timestamps of the send jobs ---------------------------


@dataclass
class JobTimes:
    job_id: str
    func: str
    enqueued: float  # time.monotonic() of this process
    started: float
    ended: float


def finished_jobs(stack: Stack) -> dict[str, JobTimes]:
    """Every job RQ still has in its finished registries (the worker's queues), with its
    enqueue, start and end moments turned into this process's monotonic clock."""
    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    from outbound.queueing import QUEUES

    offset = time.time() - time.monotonic()
    redis = Redis.from_url(stack.redis.url)
    try:
        ids = []
        for name in QUEUES:
            ids += FinishedJobRegistry(queue=Queue(name, connection=redis)).get_job_ids()
        jobs = {}
        for job in Job.fetch_many(ids, connection=redis):
            if job is None or not (job.enqueued_at and job.started_at and job.ended_at):
                continue
            jobs[job.id] = JobTimes(
                job.id,
                job.func_name.rsplit(".", 1)[-1],
                *(
                    moment.timestamp() - offset
                    for moment in (job.enqueued_at, job.started_at, job.ended_at)
                ),
            )
        return jobs
    finally:
        redis.close()


def breakdown(phase: Phase, jobs: dict[str, JobTimes]) -> list[str]:
    """Per reply: POST → enqueued (the webhook), enqueued → started (the queue), started →
    at the fake (the job until Twilio has it); and what the worker ran while replies waited."""
    parts = defaultdict(list)
    behind = Counter()
    waited = 0.0
    for reply in phase.replies:
        job = jobs.get(f"message-{reply.message_id}")
        if job is None:
            continue
        parts["POST sent → send job enqueued (web)"].append(job.enqueued - reply.text.sent_at)
        parts["enqueued → started (waiting in the queue)"].append(job.started - job.enqueued)
        parts["started → at the fake Twilio (the send job)"].append(reply.received_at - job.started)
        parts["at the fake → job ended (storing Twilio's answer)"].append(
            job.ended - reply.received_at
        )
        waited += job.started - job.enqueued
        for other in jobs.values():
            overlap = min(other.ended, job.started) - max(other.started, job.enqueued)
            if other is not job and overlap > 0:
                behind[other.func] += overlap
    if not parts:
        return ["  (RQ kept no timestamps for these replies' jobs)"]
    lines = [f"  {'':48}{'p50':>7}{'p99':>7}{'max':>7}  ms"]
    for label, values in parts.items():
        lines.append(
            f"  {label:48}{ms(percentile(values, 50)):>7}{ms(percentile(values, 99)):>7}"
            f"{ms(max(values)):>7}"
        )
    counted = len(parts["enqueued → started (waiting in the queue)"])
    busy = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in behind.most_common())
    lines.append(
        f"  {counted} replies waited {waited:.2f} s in the queue in all; the worker ran meanwhile "
        f"(summed over the replies): {busy or 'nothing'}"
    )
    if phase.name == "burst":
        lines += worker_pace(phase, jobs)
    ticks = [job for job in jobs.values() if job.func == "dispatch_tick"]
    in_phase = [job for job in ticks if job.started >= phase.began]
    if in_phase:
        lengths = [job.ended - job.started for job in in_phase]
        lines.append(
            f"  dispatcher ticks during the run: {len(in_phase)}, each "
            f"{ms(statistics.median(lengths))} ms (median), {ms(max(lengths))} ms at most"
        )
    return lines


def worker_pace(phase: Phase, jobs: dict[str, JobTimes]) -> list[str]:
    """The reply jobs the worker ran while the texts were still being posted, and after:
    how many, and how long each took before and after the fake Twilio had the message."""
    lines = []
    windows = (
        ("while the texts were posted", phase.began, phase.posted),
        ("after", phase.posted, float("inf")),
    )
    for label, start, end in windows:
        done = []
        for reply in phase.replies:
            job = jobs.get(f"message-{reply.message_id}")
            if job is not None and start <= job.started < end:
                done.append((job, reply))
        if not done:
            lines.append(f"  {label}: the worker started no reply job")
            continue
        first = min(job.started for job, _ in done)
        last = max(job.ended for job, _ in done)
        length = [job.ended - job.started for job, _ in done]
        before = [reply.received_at - job.started for job, reply in done]
        after = [job.ended - reply.received_at for job, reply in done]
        lines.append(
            f"  {label}: the worker ran {len(done)} reply jobs in {last - first:.2f} s "
            f"({len(done) / max(last - first, 1e-9):.0f}/s), each {ms(statistics.median(length))}"
            f" ms (median: {ms(statistics.median(before))} until the fake had it, "
            f"{ms(statistics.median(after))} after), {ms(max(length))} ms at most; "
            f"{sum(after):.2f} s in all after the fake had them"
        )
    return lines


# --- the report ----------------------------------------------------------------------


def report(phase: Phase, label: str, jobs: dict[str, JobTimes]) -> None:
    latencies = [reply.latency for reply in phase.replies]
    responses = [text.response_seconds for text in phase.texts if text.status == 200]
    statuses = Counter(text.status for text in phase.texts)
    print(f"\n{label}")
    answers = ", ".join(f"{status}: {number}" for status, number in statuses.items())
    print(
        f"  texts posted: {len(phase.texts)} ({answers}); "
        f"replies matched: {len(phase.replies)}; without a reply: {len(phase.unanswered)}"
    )
    if latencies:
        under = sum(1 for latency in latencies if latency < TARGET_SECONDS)
        print(f"  {'':40}{'p50':>8}{'p99':>8}{'max':>8}  ms")
        print(
            f"  {'text → reply at the fake Twilio':40}{ms(percentile(latencies, 50)):>8}"
            f"{ms(percentile(latencies, 99)):>8}{ms(max(latencies)):>8}"
        )
        print(
            f"  {'webhook response (the POST alone)':40}{ms(percentile(responses, 50)):>8}"
            f"{ms(percentile(responses, 99)):>8}{ms(max(responses)):>8}"
        )
        print(f"  {'target':40}{ms(TARGET_SECONDS):>8}")
        print(
            f"  under {TARGET_SECONDS:g} s: {under} of {len(latencies)}; median reply / target: "
            f"{percentile(latencies, 50) / TARGET_SECONDS:.2f}; median webhook response / "
            f"median reply: {percentile(responses, 50) / percentile(latencies, 50):.3f}"
        )
    if phase.name == "burst" and phase.replies:
        last = max(reply.received_at for reply in phase.replies)
        first = min(reply.received_at for reply in phase.replies)
        print(
            f"  posted in {phase.posted - phase.began:.2f} s "
            f"({len(phase.texts) / (phase.posted - phase.began):.0f} texts/s); last reply "
            f"{last - phase.began:.2f} s after the first POST; "
            f"{len(phase.replies) / (last - phase.began):.1f} replies/s over that time "
            f"({(len(phase.replies) - 1) / max(last - first, 1e-9):.1f}/s from the first reply "
            f"to the last)"
        )
    print("  where the time goes (RQ's timestamps of each reply's send job):")
    for line in breakdown(phase, jobs):
        print(line)


def dump(path: Path, phases: dict) -> None:
    """Every reply of each phase (seconds from the phase's start): text sent, webhook
    answered, job enqueued, started, ended, reply at the fake; and every job RQ kept."""
    out = {}
    for name, (phase, jobs) in phases.items():
        zero = phase.began

        def rel(moment, zero=zero):
            return None if moment is None else round(moment - zero, 4)

        rows = []
        for reply in sorted(phase.replies, key=lambda reply: reply.text.sent_at):
            job = jobs.get(f"message-{reply.message_id}")
            rows.append(
                {
                    "to": reply.text.phone,
                    "message": reply.message_id,
                    "sent": rel(reply.text.sent_at),
                    "answered": rel(reply.text.sent_at + reply.text.response_seconds),
                    "enqueued": rel(job.enqueued) if job else None,
                    "started": rel(job.started) if job else None,
                    "ended": rel(job.ended) if job else None,
                    "at_fake": rel(reply.received_at),
                }
            )
        out[name] = {
            "replies": rows,
            "jobs": sorted(
                (
                    [job.job_id, job.func, rel(job.enqueued), rel(job.started), rel(job.ended)]
                    for job in jobs.values()
                    if job.ended >= zero
                ),
                key=lambda row: row[3],
            ),
        }
    path.write_text(json.dumps(out, indent=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--idle", type=int, default=30, help="texts sent one at a time")
    parser.add_argument(
        "--pause", type=float, default=0.2, help="seconds between a reply and the next idle text"
    )
    parser.add_argument("--burst", type=int, default=300, help="texts in the burst")
    parser.add_argument(
        "--burst-customers", type=int, default=150, help="customers the burst comes from"
    )
    parser.add_argument("--connections", type=int, default=8, help="for the burst")
    parser.add_argument(
        "--pace",
        type=float,
        default=1000.0,
        help="the sender's sms_per_second (1000: pacing never holds a reply back)",
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for the burst's replies"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    parser.add_argument(
        "--dump", type=Path, help="write every reply's moments and its job's to this JSON file"
    )
    args = parser.parse_args()
    return run_cleaning_up(run_bench, args)


def run_bench(args, exit_stack: ExitStack) -> None:
    began = time.monotonic()
    stack = Stack(args, exit_stack)
    print(f"database: {args.database} ({stack.version}); Redis: {stack.redis.url}", flush=True)
    flask_cli(stack.env, "db", "upgrade")
    created = json.loads(
        flask_cli(stack.env, "create-business", "--name", "Salon Sonnenschein",
                  "--timezone", "Europe/Berlin", "--locale", "de", "--region", "DE",
                  "--sms-from", SALON_NUMBER)
    )  # fmt: skip
    web = procfile_web_command(stack.port, "bot:create_app()")
    stack.start("web", web)
    wait_until_answering(stack.port, stack.log("web"))
    api(stack.port, created["api_key"], "PATCH", "/business", {"sms_per_second": args.pace})
    customers = create_customers(stack.port, created["api_key"], args.idle + args.burst_customers)
    for name in ("worker", "clock"):
        stack.start(name, worker_command(name))
    wait_for_worker(stack)
    settled = wait_for_quiet_outbox(stack)
    print("web (Procfile):   ", shlex.join(web))
    print("worker (Procfile):", procfile_command("worker"))
    print("clock (Procfile): ", procfile_command("clock"))
    print(
        f"{len(customers)} customers with an appointment tomorrow each; sender {SALON_NUMBER} "
        f"at {args.pace:g} SMS/s; {settled} booking confirmations sent before the runs; "
        f"set up in {time.monotonic() - began:.0f} s",
        flush=True,
    )

    print(f"(a) {args.idle} texts one at a time … ({time.monotonic() - began:.0f} s)", flush=True)
    idle = run_idle(stack, customers[: args.idle], args.idle, args.pause)
    wait_for_quiet_outbox(stack)
    match(stack, idle)
    idle_jobs = finished_jobs(stack)
    print(
        f"(b) a burst of {args.burst} texts over {args.connections} connections … "
        f"({time.monotonic() - began:.0f} s)",
        flush=True,
    )
    burst = run_burst(stack, customers[args.idle :], args.burst, args.connections, args.timeout)
    time.sleep(0.5)  # the last jobs end
    match(stack, burst)
    burst_jobs = finished_jobs(stack)

    print(
        f"\nbot replies, {args.database}, {os.cpu_count()} cores; target: a reply leaves "
        f"within {TARGET_SECONDS:g} s of the customer's text when its sender is free"
    )
    report(idle, f'(a) idle: {args.idle} texts "{IDLE_TEXT}" one at a time', idle_jobs)
    texts = " / ".join(f'"{text}"' for text in BURST_TEXTS)
    report(
        burst,
        f"(b) burst: {args.burst} texts ({texts}) from {args.burst_customers} customers, "
        f"{args.connections} connections",
        burst_jobs,
    )
    if args.dump:
        dump(args.dump, {"idle": (idle, idle_jobs), "burst": (burst, burst_jobs)})
    print(f"\nwhole run: {time.monotonic() - began:.0f} s")
    if args.keep_logs:
        print(f"logs in {stack.workdir}")


if __name__ == "__main__":
    sys.exit(main())
