"""A PostgreSQL server for the batch store (and a local Airflow's metadata), and its databases.

In order: ``$SYNC_DB_URL``; a server on 127.0.0.1:5432 that lets user ``postgres`` in;
else a throwaway cluster on a free port, started with ``pg_ctl`` and removed on exit
(Debian's ``postgresql`` is installed first when it is missing and we are root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
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
    from bigcommerce_sync_dev.connections import free_port

    bindir = _bindir()
    user = service_user("postgres")
    data_dir = private_dir("bigcommerce-sync-pg-", user)
    port = free_port()
    try:
        _run_as(user, [bindir / "initdb", "-D", data_dir, "-U", "postgres", "--auth=trust"])
        options = f"-p {port} -k {data_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        _run_as(
            user,
            [bindir / "pg_ctl", "-D", data_dir, "-l", data_dir / "server.log", "-o", options, "-w", "start"],
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            _run_as(user, [bindir / "pg_ctl", "-D", data_dir, "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


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
