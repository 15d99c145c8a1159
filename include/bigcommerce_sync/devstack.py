"""Local stand-ins for the demo and the tests: Postgres, the search server, connections.

Production uses real Airflow Connections; these helpers only build the same
connections for processes started on one machine.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
from psycopg import sql

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
THROWAWAY_PORT = 55432


class StackError(RuntimeError):
    """A stand-in could not be started; the message says what to install or set."""


def postgres_server_url(workdir: Path) -> str:
    """Return a URL of a Postgres server to hold the batch store.

    ``$SYNC_DB_URL`` if set; else a server on 127.0.0.1:5432; else a throwaway
    cluster in ``workdir`` started with ``pg_ctl`` if PostgreSQL is installed.
    """
    if os.environ.get("SYNC_DB_URL"):
        return os.environ["SYNC_DB_URL"]
    if _accepts_connections(DEFAULT_POSTGRES_URL):
        return DEFAULT_POSTGRES_URL
    return _throwaway_cluster(workdir / "pgdata")


def _accepts_connections(url: str) -> bool:
    try:
        with closing(psycopg.connect(url, connect_timeout=3)):
            return True
    except psycopg.OperationalError:
        return False


def _throwaway_cluster(data_dir: Path) -> str:
    bindir = _postgres_bindir()
    url = f"postgresql://postgres@127.0.0.1:{THROWAWAY_PORT}/postgres"
    if _accepts_connections(url):
        return url
    if not (data_dir / "PG_VERSION").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([bindir / "initdb", "-D", data_dir, "-U", "postgres", "--auth=trust"], check=True)
    log = data_dir / "server.log"
    options = f"-p {THROWAWAY_PORT} -k {data_dir} -c listen_addresses=127.0.0.1"
    subprocess.run([bindir / "pg_ctl", "-D", data_dir, "-l", log, "-o", options, "-w", "start"], check=True)
    return url


def _postgres_bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if versions:
        return versions[-1].parent
    raise StackError(
        "No PostgreSQL found: set SYNC_DB_URL to a server you can create databases on, "
        "run one on 127.0.0.1:5432 (trust auth, user postgres), or install PostgreSQL "
        "(e.g. 'apt-get install postgresql') so a throwaway cluster can be started."
    )


def create_database(server_url: str, name: str, *, recreate: bool = False) -> str:
    """Create database ``name`` on the server (dropping it first if asked); return its URL."""
    with closing(psycopg.connect(server_url, autocommit=True)) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if not exists or recreate:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunparse(urlparse(server_url)._replace(path=f"/{name}"))


def drop_database(server_url: str, name: str) -> None:
    with closing(psycopg.connect(server_url, autocommit=True)) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def search_stand_in() -> Iterator[str]:
    """Run the in-memory search server (osmem-server) and yield its URL."""
    from osmem_server import OsmemServer

    with OsmemServer.start() as server:
        yield server.url


def search_connection(url: str) -> str:
    """Connection JSON for the stand-in: plain JSON media types, synonyms inline, no replicas."""
    parsed = urlparse(url)
    extra = {"plain_media_types": True, "synonyms_mode": "inline", "number_of_replicas": 0}
    return json.dumps(
        {
            "conn_type": "elasticsearch",
            "host": parsed.hostname,
            "port": parsed.port,
            "schema": parsed.scheme,
            "extra": extra,
        }
    )


def bigcommerce_connection(api_url: str, store_hash: str, token: str, **extra: object) -> str:
    """Connection JSON for a store served at ``api_url`` (the simulator or a real API root)."""
    return json.dumps(
        {
            "conn_type": "http",
            "host": api_url,
            "password": token,
            "extra": {"store_hash": store_hash, **extra},
        }
    )


def postgres_connection(url: str) -> str:
    parsed = urlparse(url)
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": parsed.hostname,
            "port": parsed.port or 5432,
            "login": parsed.username or "postgres",
            "password": parsed.password or "",
            "schema": parsed.path.lstrip("/"),
        }
    )


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
