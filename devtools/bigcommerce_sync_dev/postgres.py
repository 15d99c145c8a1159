"""A PostgreSQL server for the batch store (and a local Airflow's metadata), and its databases.

In order: ``$SYNC_DB_URL``; a server on 127.0.0.1:5432 that lets user ``postgres`` in;
else a throwaway cluster on a free port, started with ``pg_ctl`` and removed on exit
(Debian's ``postgresql`` is installed first when it is missing and we are root).
:class:`PostgresCluster` is that throwaway cluster, which can also be stopped and started again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from types import TracebackType
from urllib.parse import urlparse, urlunparse

import psycopg
from psycopg import sql

from bigcommerce_sync_dev.system import (
    StackError,
    as_user,
    install_debian_packages,
    private_dir,
    service_user,
)

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEBIAN_PACKAGE = "postgresql"


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a Postgres server where databases may be created; stop it if we started it."""
    if os.environ.get("SYNC_DB_URL"):
        yield os.environ["SYNC_DB_URL"]
    elif accepts_connections(DEFAULT_SERVER_URL):
        yield DEFAULT_SERVER_URL
    else:
        with throwaway_cluster() as url:
            yield url


def accepts_connections(url: str) -> bool:
    try:
        with closing(psycopg.connect(url, connect_timeout=3)):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Run a new cluster (trust auth, loopback only) on a free port until the block ends."""
    with PostgresCluster() as cluster:
        yield cluster.url


class PostgresCluster:
    """A new cluster (trust auth, loopback only) on a free port, in a folder removed on exit.

    Besides starting and stopping, it can be stopped and started again on the same port and
    data (:meth:`stop` with ``keep_data``, then :meth:`start`), as an outage would: the chaos tests
    restart the batch store's server under a running sync.
    """

    def __init__(self) -> None:
        from bigcommerce_sync_dev.connections import free_port

        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._user = service_user("postgres")
        self._bindir: Path | None = None
        self._data_dir: Path | None = None

    def __enter__(self) -> PostgresCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server, creating its cluster the first time; return once it accepts connections."""
        if self._data_dir is None:
            self._bindir = _bindir()
            self._data_dir = private_dir("bigcommerce-sync-pg-", self._user)
            self._pg(["initdb", "-D", self._data_dir, "-U", "postgres", "--auth=trust"])
        data_dir = self._data_dir
        options = f"-p {self.port} -k {data_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._pg(["pg_ctl", "-D", data_dir, "-l", data_dir / "server.log", "-o", options, "-w", "start"])

    def stop(self, *, keep_data: bool = False) -> None:
        """Stop the server (fast shutdown: sessions are disconnected); remove its data unless asked."""
        data_dir = self._data_dir
        if data_dir is None:
            return
        try:
            if (data_dir / "postmaster.pid").exists():
                self._pg(["pg_ctl", "-D", data_dir, "-m", "fast", "-w", "stop"])
        finally:
            if not keep_data:
                shutil.rmtree(data_dir, ignore_errors=True)
                self._data_dir = None

    def _pg(self, command: list) -> None:
        assert self._bindir is not None
        _run_as(self._user, [self._bindir / command[0], *command[1:]])


def _run_as(user, command: list) -> None:
    done = subprocess.run(as_user(command, user), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StackError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _bindir() -> Path:
    found = _installed_bindir()
    if found is None:
        install_debian_packages(
            [DEBIAN_PACKAGE], "a throwaway PostgreSQL server for the batch store (or set SYNC_DB_URL)"
        )
        found = _installed_bindir()
    if found is None:
        raise StackError("PostgreSQL was installed but no pg_ctl was found under /usr/lib/postgresql")
    return found


def _installed_bindir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if versions:
        return versions[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


def create_database(server_url: str, name: str, *, recreate: bool = False) -> str:
    """Create database ``name`` on the server (dropping it first if asked); return its URL."""
    with closing(psycopg.connect(server_url, autocommit=True)) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if not exists or recreate:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    with closing(psycopg.connect(server_url, autocommit=True)) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_url(server_url: str, name: str) -> str:
    return urlunparse(urlparse(server_url)._replace(path=f"/{name}"))
