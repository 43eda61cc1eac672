"""`make run`'s script (scripts/run.py) for real: it starts a private redis-server,
migrates, loads the demo and runs the Procfile's processes under honcho; a Ctrl-C
(SIGINT to its process group, as a terminal sends it) stops every one of them.

A private Redis left by an earlier run whose folder was deleted (it then refuses
writes with MISCONF) is replaced, and the worker stays up; a Redis the user runs
is used and left alone, and when it refuses writes the script says so and stops.
Each test has its own ports, database and Redis folder (REDIS_DIR), so the
developer's instance/ is never touched.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest
import requests
from redis import Redis
from redis.exceptions import ResponseError
from rq import Worker
from rq.registry import FinishedJobRegistry

from tests.test_end_to_end import BIN, ROOT, free_port, wait_for

pytestmark = pytest.mark.e2e

# Settings of the developer's shell that would send the demo's texts elsewhere.
OUTSIDE_SETTINGS = (
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE_URL", "SMS_TRANSPORT",
    "EMAIL_TRANSPORT", "SMTP_URL", "RATELIMIT_STORAGE_URI", "DATABASE_URL",
)  # fmt: skip
KINDS = {
    "redis-server": "redis-server",
    "gunicorn": "bin/gunicorn",
    "rq worker": "bin/rq worker",
    "rq cron": "bin/rq cron",
}


class Run:
    """scripts/run.py started as `make run` starts it, in a session of its own."""

    def __init__(self, tmp_path: Path, redis_port: int | None = None, redis_db: int = 0) -> None:
        self.redis_port = redis_port or free_port()
        self.redis_db = redis_db
        self.web_port = free_port()
        self.redis_dir = tmp_path / "redis"
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.log_path = tmp_path / "run.log"
        env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_SETTINGS}
        self.env = {
            **env,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/{redis_db}",
            "REDIS_DIR": str(self.redis_dir),
            "PORT": str(self.web_port),
            "PUBLIC_BASE_URL": self.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
            "SECRET_KEY": "run-script-secret",
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> Run:
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [str(BIN / "python"), "scripts/run.py"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def web_is_up(self) -> bool:
        try:
            return requests.get(f"{self.base_url}/api/v1/openapi.json", timeout=1).ok
        except requests.RequestException:
            return False

    def wait_until_serving(self) -> None:
        def up():
            assert self.process.poll() is None, self.log
            return self.web_is_up()

        wait_for(up, 45, "the web process to answer")

    def ctrl_c(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=40)

    def close(self) -> None:
        """Leave nothing behind even when a test failed half-way."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if hasattr(self, "_log"):
            self._log.close()
        print(self.log[-4000:] if self.log_path.exists() else "")

    def redis(self) -> Redis:
        return Redis(port=self.redis_port, db=self.redis_db, socket_timeout=5)


@pytest.fixture
def runs(tmp_path):
    started: list[Run] = []

    def make(**kwargs) -> Run:
        run = Run(tmp_path, **kwargs)
        started.append(run)
        return run

    yield make
    for run in started:
        run.close()


def processes_under(pid: int) -> dict[int, str]:
    """Every live process below `pid`, with its command line."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (parent := _parent(int(entry.name))) is not None:
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = {}, list(children.get(pid, []))
    while queue:
        child = queue.pop()
        found[child] = command_line(child)
        queue.extend(children.get(child, []))
    return found


def _parent(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2 :].split()[1])


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left


def by_kind(processes: dict[int, str]) -> dict[str, list[int]]:
    return {
        kind: [pid for pid, command in processes.items() if marker in command]
        for kind, marker in KINDS.items()
    }


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            return True
    return False


def test_ctrl_c_stops_everything_make_run_started_its_private_redis_included(runs):
    run = runs()
    # A pidfile left by a Redis that is gone; its pid now belongs to another process.
    bystander = subprocess.Popen(["sleep", "60"])
    run.redis_dir.mkdir(parents=True)
    (run.redis_dir / "redis.pid").write_text(f"{bystander.pid}\n")
    try:
        run.start().wait_until_serving()
        assert bystander.poll() is None  # not ours to stop
    finally:
        bystander.kill()
        bystander.wait()
    started = processes_under(run.process.pid)
    kinds = by_kind(started)
    assert len(kinds["redis-server"]) == 1, started
    assert len(kinds["gunicorn"]) >= 2, started  # the master and its workers
    assert kinds["rq worker"] and kinds["rq cron"], started
    assert f"127.0.0.1:{run.redis_port}" in started[kinds["redis-server"][0]]
    assert "started a private Redis" in run.log
    assert "Demo login:" in run.log and "/inbox (2 open, 1 pending)" in run.log

    assert run.ctrl_c() == 128 + signal.SIGINT

    assert [pid for pid in started if alive(pid)] == []
    assert port_is_free(run.web_port) and port_is_free(run.redis_port)
    assert "stopped honcho" in run.log and "stopped the private Redis" in run.log
    assert not (run.redis_dir / "redis.pid").exists()


def stale_private_redis(run: Run) -> int:
    """What the old `make run` left: a daemonized private Redis in the run's folder,
    which then was deleted; its next snapshot fails and it refuses writes."""
    run.redis_dir.mkdir(parents=True)
    subprocess.run(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(run.redis_port),
         "--daemonize", "yes", "--dir", str(run.redis_dir),
         "--pidfile", str(run.redis_dir / "redis.pid"),
         "--logfile", str(run.redis_dir / "redis.log")],
        check=True, timeout=10,
    )  # fmt: skip
    client = run.redis()
    wait_for(lambda: _pings(client), 10, "the stale Redis to answer")
    pid = int(client.info("server")["process_id"])
    for path in run.redis_dir.iterdir():
        path.unlink()
    run.redis_dir.rmdir()
    client.bgsave()
    wait_for(
        lambda: client.info("persistence")["rdb_last_bgsave_status"] == "err",
        10,
        "the snapshot to fail",
    )
    with pytest.raises(ResponseError, match="MISCONF"):
        client.set("probe", "1")
    client.close()
    return pid


def _pings(client: Redis) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


def test_a_stale_private_redis_whose_folder_was_deleted_is_replaced(runs):
    run = runs()
    stale = stale_private_redis(run)
    try:
        run.start()
        run.wait_until_serving()
        assert not alive(stale)
        assert f"stopping the private Redis (pid {stale}) left by an earlier run" in run.log
        assert "MISCONF" in run.log

        client = run.redis()
        fresh = int(client.info("server")["process_id"])
        assert fresh != stale and fresh in processes_under(run.process.pid)
        assert client.set("probe", "1")
        # the worker stays up and works: it runs the clock's dispatch ticks
        wait_for(lambda: Worker.all(connection=client), 20, "the worker to register")
        wait_for(
            lambda: FinishedJobRegistry("dispatch", connection=client).get_job_count(),
            30,
            "a dispatch tick run by the worker",
        )
        worker = by_kind(processes_under(run.process.pid))["rq worker"]
        assert worker and all(alive(pid) for pid in worker)
        client.close()

        assert run.ctrl_c() == 128 + signal.SIGINT
        assert not alive(fresh) and port_is_free(run.redis_port)
    finally:
        if alive(stale):
            os.kill(stale, signal.SIGKILL)


def test_a_redis_of_the_user_is_used_and_left_running(runs, redis_server):
    # The test run's Redis stands for the user's; a database of its own keeps the
    # demo's jobs away from the other tests.
    run = runs(redis_port=redis_server.port, redis_db=6)
    try:
        run.start().wait_until_serving()
        assert "using the Redis that answers" in run.log
        assert by_kind(processes_under(run.process.pid))["redis-server"] == []

        assert run.ctrl_c() == 128 + signal.SIGINT

        assert run.redis().ping()  # still there
        assert port_is_free(run.web_port)
    finally:
        run.redis().flushdb()


def test_a_redis_of_the_user_that_refuses_writes_is_named_and_left_alone(runs, tmp_path):
    theirs = tmp_path / "their-redis"
    theirs.mkdir()
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(theirs),
         "--replicaof", "127.0.0.1", str(free_port())],  # a replica refuses writes
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        client = Redis(port=port)
        wait_for(lambda: _pings(client), 10, "their Redis to answer")
        run = runs(redis_port=port).start()
        assert run.process.wait(timeout=30) == 1
        assert "answers but refuses writes (You can't write against a read only replica" in run.log
        assert "left alone" in run.log
        assert client.ping() and server.poll() is None
        assert not run.redis_dir.exists()  # nothing of ours was started
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
