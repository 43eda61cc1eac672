"""`make run`: start ReplyDesk's processes (a private Redis when none answers, the
migrations, the demo, the Procfile's processes under honcho) and stop every one it started
on Ctrl-C."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import AuthenticationError, RedisError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PROBE_KEY = "replydesk:make-run:write-probe"
REDIS_START_SECONDS = 10
# honcho gives its processes 5 s after SIGTERM before it kills them.
HONCHO_STOP_SECONDS = 15
REDIS_STOP_SECONDS = 10
PR_SET_PDEATHSIG = 1
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PRIVATE_REDIS = "the private Redis"


class Failure(Exception):
    """Something `make run` cannot start with, said in words for the terminal."""


class Interrupted(Exception):
    """Ctrl-C, SIGTERM or SIGHUP: stop everything and leave."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def say(text: str) -> None:
    print(f"make run: {text}", flush=True)


def main() -> int:
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    port = os.environ.get("PORT") or "5000"
    redis_dir = Path(os.environ.get("REDIS_DIR") or ROOT / "instance" / "redis").absolute()
    started = Started()
    _catch_signals()
    try:
        prepare_redis(url, redis_dir, started)
        flask = [str(BIN / "flask"), "--app", "bot"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, check=True)
        demo = subprocess.run(
            [*flask, "demo"], cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True
        ).stdout
        subprocess.run(
            [str(BIN / "python"), "scripts/banner.py"], cwd=ROOT, check=True, input=demo, text=True
        )
        honcho = started.start("honcho", [str(BIN / "honcho"), "start", "--port", port])
        code = honcho.wait()
        say(f"honcho ended (exit status {code}); stopping the rest")
        return code
    except Interrupted as signal_:
        say(f"{signal_} received; stopping everything make run started")
        return 128 + signal_.signum
    except Failure as failure:
        print(f"make run: {failure}", file=sys.stderr, flush=True)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"make run: {' '.join(error.cmd)} failed", file=sys.stderr, flush=True)
        return error.returncode or 1
    finally:
        started.stop_all()  # honcho's processes first, then the private Redis


# --- Redis -------------------------------------------------------------------


def prepare_redis(url: str, redis_dir: Path, started: Started) -> None:
    """Make sure a Redis that can write answers at `url`, starting a private
    redis-server (kept in `started`) when none answers and `url` is on this machine."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    pidfile = redis_dir / "redis.pid"
    try:
        if _answers(client):
            # A private Redis left by an earlier run (an old daemonized one, or one whose
            # run was killed) is never reused but shut down and replaced: once its data
            # folder is deleted it refuses writes. A Redis the user runs is never stopped.
            if _is_ours(client, redis_dir, pidfile):
                _replace_leftover(client, url)
            else:
                problem = _cannot_write(client)
                if problem:
                    raise Failure(
                        f"the Redis at {url} answers but refuses writes ({problem}). "
                        f"It is not the private Redis make run starts (that one keeps its "
                        f"pidfile in {pidfile}), so it is left alone: repair or restart it, "
                        f"or point REDIS_URL at another Redis, and run make run again."
                    )
                say(f"using the Redis that answers at {url} (yours: it is left running)")
                return
        if not _is_local(host):
            raise Failure(
                f"no Redis answers at {url} and it is not on this machine; start it there."
            )
        _forget_stale_pidfile(pidfile, port)
        process = _start_private(host, port, redis_dir, pidfile, started)
        _wait_for_ping(client, process, redis_dir / "redis.log")
        problem = _cannot_write(client)
        if problem:
            raise Failure(f"the private Redis refuses writes: {problem}")
        say(f"started a private Redis at {url} (data in {redis_dir}; Ctrl-C stops it)")
    finally:
        client.close()


def _answers(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except AuthenticationError as error:
        raise Failure(f"the Redis at REDIS_URL wants a password: {error}") from None
    except RedisConnectionError:
        return False
    except ResponseError:  # e.g. MISCONF: a Redis that cannot save refuses even PING
        return True


def _is_ours(client: Redis, redis_dir: Path, pidfile: Path) -> bool:
    """Whether the answering Redis is a private one `make run` started: it was told
    our pidfile (a setting it keeps even when its folder was deleted) or our folder."""
    try:
        settings = {**client.config_get("pidfile"), **client.config_get("dir")}
    except ResponseError:  # CONFIG disabled or not allowed: not ours
        return False
    ours = {os.path.realpath(pidfile), os.path.realpath(redis_dir)}
    named = {settings.get("pidfile"), settings.get("dir")} - {None, ""}
    return any(os.path.realpath(path) in ours for path in named)


def _replace_leftover(client: Redis, url: str) -> None:
    """Shut down a private Redis left by an earlier run, unless a live run owns it."""
    pid = int(client.info("server")["process_id"])
    owner = _parent_of(pid)
    if owner not in (None, 1) and "scripts/run.py" in _command_line(owner):
        raise Failure(
            f"the private Redis at {url} belongs to another make run (pid {owner}); "
            f"stop that one first, or give this one another REDIS_URL and PORT."
        )
    problem = _cannot_write(client)
    say(
        f"stopping the private Redis (pid {pid}) left by an earlier run"
        + (f"; it refuses writes ({problem})" if problem else "")
    )
    try:
        # A Redis that cannot save (its folder is gone) refuses a plain SHUTDOWN.
        client.shutdown(nosave=bool(problem))
    except ResponseError:
        client.shutdown(nosave=True)
    except RedisConnectionError:
        pass
    # Killed only when the pid is still that redis-server on this machine.
    if not _wait_until_gone(pid, REDIS_STOP_SECONDS) and "redis-server" in _command_line(pid):
        os.kill(pid, signal.SIGKILL)
        _wait_until_gone(pid, REDIS_STOP_SECONDS)


def _cannot_write(client: Redis) -> str | None:
    """Why this Redis refuses a write (MISCONF after a failed snapshot, a read-only
    replica, …), or None when it takes one."""
    try:
        client.set(PROBE_KEY, "1", ex=10)
    except ResponseError as error:
        return str(error).split(". ")[0]
    return None


def _forget_stale_pidfile(pidfile: Path, port: int) -> None:
    """Remove a pidfile whose Redis is gone. Its pid may belong to another process by
    now, so only a redis-server serving our port is ever signalled (it was found
    not answering: hung)."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        pidfile.unlink(missing_ok=True)
        return
    command = _command_line(pid)
    if "redis-server" in command and f":{port}" in command:
        say(f"stopping the private Redis (pid {pid}) that no longer answers")
        os.kill(pid, signal.SIGKILL)
        _wait_until_gone(pid, REDIS_STOP_SECONDS)
    pidfile.unlink(missing_ok=True)


def _start_private(
    host: str, port: int, redis_dir: Path, pidfile: Path, started: Started
) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if binary is None:
        raise Failure("redis-server is not installed (make run installs Debian's redis-server)")
    redis_dir.mkdir(parents=True, exist_ok=True)
    return started.start(
        PRIVATE_REDIS,
        [
            binary,
            "--bind",
            "::1" if host == "::1" else "127.0.0.1",
            "--port",
            str(port),
            "--daemonize",
            "no",
            "--dir",
            str(redis_dir),
            "--pidfile",
            str(pidfile),
            "--logfile",
            str(redis_dir / "redis.log"),
            # Stop on a signal even when the last snapshot cannot be written.
            "--shutdown-on-sigterm",
            "force",
            "--shutdown-on-sigint",
            "force",
        ],  # fmt: skip
        stop_seconds=REDIS_STOP_SECONDS,
    )


def _wait_for_ping(client: Redis, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + REDIS_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if client.ping():
                return
        except RedisError:
            time.sleep(0.05)
    tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
    raise Failure("redis-server did not come up; its log ends:\n  " + "\n  ".join(tail))


def _is_local(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


# --- processes ---------------------------------------------------------------


def _catch_signals() -> None:
    def interrupt(signum, frame):
        # Only the first signal interrupts; a second Ctrl-C must not cut the clean-up short.
        for name in HANDLED_SIGNALS:
            signal.signal(name, signal.SIG_IGN)
        raise Interrupted(signum)

    for name in HANDLED_SIGNALS:
        signal.signal(name, interrupt)


class Started:
    """The processes this script started, stopped in the reverse order: honcho's
    before the Redis they use."""

    def __init__(self) -> None:
        self._processes: list[tuple[str, subprocess.Popen, float]] = []

    def start(
        self, name: str, command: list[str], stop_seconds: float = HONCHO_STOP_SECONDS
    ) -> subprocess.Popen:
        """Start `command` in its own session, so a terminal's Ctrl-C reaches only this
        script, which then stops the processes in order; each also gets SIGTERM if this
        script is killed outright (Linux's parent-death signal)."""
        parent = os.getpid()

        def in_child():
            # The child inherits the mask that blocks signals around its start.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED_SIGNALS)
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != parent:  # the parent died before the signal was armed
                os._exit(1)

        # No signal between the start and the record: a process not recorded is not stopped.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED_SIGNALS)
        try:
            process = subprocess.Popen(
                command, cwd=ROOT, start_new_session=True, preexec_fn=in_child
            )
            self._processes.append((name, process, stop_seconds))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return process

    def stop_all(self) -> None:
        while self._processes:
            name, process, seconds = self._processes.pop()
            if process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within {seconds:.0f} s; killing it")
                # honcho starts each process in a session of its own: kill them by kinship.
                for pid in [*_descendants(process.pid), process.pid]:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                process.wait()
            say(f"stopped {name}")


def _wait_until_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or _state(pid) == "Z":
            return True
        time.sleep(0.05)
    return False


def _descendants(pid: int) -> list[int]:
    """The processes below `pid`, children first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], list(children.get(pid, []))
    while queue:
        child = queue.pop(0)
        found.append(child)
        queue.extend(children.get(child, []))
    return found


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # after "pid (comm) "


def _state(pid: int) -> str | None:
    fields = _proc_stat(pid)
    return fields[0] if fields else None


def _parent_of(pid: int) -> int | None:
    fields = _proc_stat(pid)
    return int(fields[1]) if fields else None


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(main())
