"""Versioned schema migrations for the batch store, applied idempotently.

Each ``migrations/NNNN_name.sql`` file runs once, in order, in its own
transaction, under an advisory lock so that concurrent callers do not race.
"""

from __future__ import annotations

from contextlib import closing
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

# Any constant works; it only has to be the same for every caller.
_ADVISORY_LOCK_KEY = 7_283_190_441


def migration_files() -> list[tuple[str, str]]:
    """Return ``(version, sql)`` for every bundled migration, oldest first."""
    folder = resources.files("bigcommerce_sync") / "migrations"
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".sql"))
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


def migrate(hook: PostgresHook) -> list[str]:
    """Apply the migrations this database lacks and return the versions applied.

    :param hook: a hook on the batch store's connection.
    """
    applied: list[str] = []
    with closing(hook.get_conn()) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK_KEY,))
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS sync_schema_migrations "
            "(version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        cursor.execute("SELECT version FROM sync_schema_migrations")
        done = {row[0] for row in cursor.fetchall()}
        for version, sql in migration_files():
            if version not in done:
                cursor.execute(sql)
                cursor.execute("INSERT INTO sync_schema_migrations (version) VALUES (%s)", (version,))
                applied.append(version)
        conn.commit()
    return applied
