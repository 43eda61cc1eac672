"""Start a throwaway PostgreSQL cluster on a free loopback port for the test run.

Debian's `postgresql` package (installed by `make test`) provides the
binaries; the cluster lives in a temporary directory, listens on 127.0.0.1
only with trust authentication and no Unix socket, and skips fsync, since
nothing in it has to survive the run. PostgreSQL refuses to run as root, so
when the tests run as root the server runs as the package's `postgres` user.
Each test that asks for PostgreSQL gets a database of its own
(`create_database`), dropped again afterwards, however many connections a
killed worker left behind.
"""

from __future__ import annotations

import glob
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import psycopg

SYSTEM_USER = "postgres"  # created by Debian's postgresql package
SUPERUSER = "postgres"  # the role initdb creates; trust auth, no password


class PostgresServer:
    def __init__(self) -> None:
        bindir = binaries()
        self.port = _free_port()
        self._dir = tempfile.mkdtemp(prefix="replydesk-postgres-")
        self._log = os.path.join(self._dir, "server.log")
        self._names = itertools.count(1)
        run_as = {}
        if os.geteuid() == 0:
            shutil.chown(self._dir, SYSTEM_USER, SYSTEM_USER)
            run_as = {"user": SYSTEM_USER, "group": SYSTEM_USER, "extra_groups": []}
        data = os.path.join(self._dir, "data")
        initdb = subprocess.run(
            [
                os.path.join(bindir, "initdb"),
                "--pgdata", data,
                "--username", SUPERUSER,
                "--auth", "trust",
                "--encoding", "UTF8",
                "--locale", "C",
                "--no-sync",
            ],
            cwd=self._dir,
            capture_output=True,
            text=True,
            **run_as,
        )  # fmt: skip
        if initdb.returncode != 0:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise RuntimeError(f"initdb failed: {initdb.stderr.strip()}")
        with open(self._log, "wb") as log:
            self._process = subprocess.Popen(
                [
                    os.path.join(bindir, "postgres"),
                    "-D", data,
                    "-p", str(self.port),
                    "-c", "listen_addresses=127.0.0.1",
                    "-c", "unix_socket_directories=",
                    "-c", "fsync=off",
                    "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off",
                    "-c", "max_connections=200",
                ],
                cwd=self._dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                **run_as,
            )  # fmt: skip
        self._wait_until_ready()

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL for `database` on this server, through psycopg 3."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """Create an empty database for one test and return its name."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with self._admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop `name`, ending whatever connections still use it."""
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')

    def stop(self) -> None:
        # SIGINT is PostgreSQL's "fast" shutdown: it ends client sessions instead
        # of waiting for them.
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        shutil.rmtree(self._dir, ignore_errors=True)

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with self._admin():
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    with open(self._log, errors="replace") as log:
                        output = log.read()[-2000:]
                    self.stop()
                    raise RuntimeError(f"postgres did not start:\n{output}") from None
                time.sleep(0.05)


def _checked(name: str) -> str:
    if not re.fullmatch(r"\w+", name):
        raise ValueError(f"not a test database name: {name!r}")
    return name


def binaries() -> str:
    """The folder of the newest installed PostgreSQL's programs (initdb, pg_dump …)."""
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not candidates:
        raise RuntimeError("PostgreSQL is not installed; `make test` installs Debian's postgresql")
    newest = max(candidates, key=lambda path: int(path.split("/")[4]))
    return os.path.dirname(newest)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
