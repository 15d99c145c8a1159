"""``make clean``: drop the databases the commands created on a server that outlives them.

A throwaway cluster is removed with its data when its command ends; ``$SYNC_DB_URL``
or a server on 127.0.0.1:5432 keeps what ``make demo`` and ``make airflow`` created.
"""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import closing

import psycopg

from bigcommerce_sync_dev.elasticsearch import UNPACKED_DIR
from bigcommerce_sync_dev.postgres import DEFAULT_SERVER_URL, accepts_connections, drop_database

# The demo's, make airflow's and the benchmark's databases, and what a killed test run leaves.
PROJECT_PREFIXES = ("bigcommerce_sync_", "bcsync_")


def main() -> int:
    shutil.rmtree(UNPACKED_DIR, ignore_errors=True)
    server = os.environ.get("SYNC_DB_URL") or DEFAULT_SERVER_URL
    if not accepts_connections(server):
        print(f"No PostgreSQL at {server}: no databases to drop.")
        return 0
    for name in _project_databases(server):
        drop_database(server, name)
    print(f"Dropped the project's databases on {server}.")
    return 0


def _project_databases(server: str) -> list[str]:
    with closing(psycopg.connect(server)) as conn:
        names = [row[0] for row in conn.execute("SELECT datname FROM pg_database")]
    return [name for name in names if name.startswith(PROJECT_PREFIXES)]


if __name__ == "__main__":
    sys.exit(main())
