"""The searchable-values jobs in the batch store: runs, one job per store and field, their values.

A job moves Pending -> Processing -> Completed | Failed, each transition one SQL
statement whose ``WHERE`` names the states it may leave from. A completed job keeps
the values it collected; the field's latest completed job is what the next run
compares with (values new, unchanged, removed) and what a failed job's field
falls back on when the values index is rebuilt. This module is the only writer of
``value_runs``, ``value_jobs`` and ``value_job_values``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow.providers.common.sql.hooks.handlers import fetch_all_handler, fetch_one_handler

from bigcommerce_sync.batches import BATCH_DB_CONN_ID
from bigcommerce_sync.migrations import migrate
from bigcommerce_sync.searchable_fields import FieldValue

_JOB_COLUMNS = (
    "id, value_run_id, store_hash, field, status, attempts, values_processed, values_new, "
    "values_unchanged, values_removed, error, created_at, started_at, finished_at"
)


class ValueJobError(RuntimeError):
    """A job is not in a state this step may move it from; nothing was changed."""


@dataclass(frozen=True)
class ValueRun:
    """One run of the values DAG."""

    id: int
    dag_id: str
    run_id: str
    started_at: datetime
    finished_at: datetime | None
    report: dict[str, Any] | None


@dataclass(frozen=True)
class ValueJob:
    """One row of ``value_jobs``: a store's field in one run."""

    id: int
    value_run_id: int
    store_hash: str
    field: str
    status: str
    attempts: int
    values_processed: int | None
    values_new: int | None
    values_unchanged: int | None
    values_removed: int | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def skipped(self) -> bool:
        """Failed without ever starting (its task never ran)."""
        return self.status == "failed" and self.started_at is None


@dataclass(frozen=True)
class ValueChanges:
    """A job's values against the field's last completed job: processed = new + unchanged + recounted."""

    processed: int
    new: int
    unchanged: int
    removed: int

    @classmethod
    def between(cls, previous: Mapping[str, int], current: Sequence[FieldValue]) -> ValueChanges:
        """Compare by value key; unchanged means the same value with the same product count."""
        keys = {v.key for v in current}
        return cls(
            processed=len(current),
            new=sum(v.key not in previous for v in current),
            unchanged=sum(previous.get(v.key) == v.product_count for v in current),
            removed=sum(key not in keys for key in previous),
        )


class ValueJobRepository:
    """Reads and moves searchable-values runs and jobs in the batch store.

    :param postgres_conn_id: the Airflow connection of the batch store.
    """

    def __init__(self, postgres_conn_id: str = BATCH_DB_CONN_ID) -> None:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        self.hook: PostgresHook = PostgresHook(postgres_conn_id=postgres_conn_id)

    def migrate(self) -> list[str]:
        return migrate(self.hook)

    def start_run(self, *, dag_id: str, run_id: str, started_at: datetime) -> ValueRun:
        """Record the run (a retried call gets the same row back)."""
        row = self.hook.run(
            "INSERT INTO value_runs (dag_id, run_id, started_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (dag_id, run_id) DO UPDATE SET dag_id = EXCLUDED.dag_id "
            "RETURNING id, dag_id, run_id, started_at, finished_at, report",
            parameters=(dag_id, run_id, started_at),
            handler=fetch_one_handler,
        )
        return ValueRun(*row)

    def find_run(self, dag_id: str, run_id: str) -> ValueRun | None:
        row = self.hook.run(
            "SELECT id, dag_id, run_id, started_at, finished_at, report FROM value_runs "
            "WHERE dag_id = %s AND run_id = %s",
            parameters=(dag_id, run_id),
            handler=fetch_one_handler,
        )
        return ValueRun(*row) if row else None

    def finish_run(self, value_run_id: int, *, finished_at: datetime, report: Mapping[str, Any]) -> None:
        self.hook.run(
            "UPDATE value_runs SET finished_at = %s, report = %s WHERE id = %s",
            parameters=(finished_at, json.dumps(report), value_run_id),
        )

    def plan(self, value_run_id: int, store_hash: str, fields: Sequence[str]) -> list[ValueJob]:
        """Create the Pending jobs of a store's fields (a retried plan gets the same rows back)."""
        if not fields:
            return []
        return self._jobs(
            "INSERT INTO value_jobs (value_run_id, store_hash, field) "
            "SELECT %s, %s, unnest(%s::text[]) "
            "ON CONFLICT (value_run_id, store_hash, field) DO UPDATE SET field = EXCLUDED.field "
            f"RETURNING {_JOB_COLUMNS}",
            (value_run_id, store_hash, list(fields)),
        )

    def start(self, job_id: int) -> ValueJob:
        """Pending (or Processing, on a retry) -> Processing, counting the attempt.

        :raises ValueJobError: the job does not exist or has already ended.
        """
        jobs = self._jobs(
            "UPDATE value_jobs SET status = 'processing', attempts = attempts + 1, "
            "started_at = coalesce(started_at, now()) "
            f"WHERE id = %s AND status IN ('pending', 'processing') RETURNING {_JOB_COLUMNS}",
            (job_id,),
        )
        if not jobs:
            found = self.get(job_id)
            state = f"is {found.status}" if found else "does not exist"
            raise ValueJobError(f"value job {job_id} {state}; it cannot start")
        return jobs[0]

    def get(self, job_id: int) -> ValueJob | None:
        jobs = self._jobs(f"SELECT {_JOB_COLUMNS} FROM value_jobs WHERE id = %s", (job_id,))
        return jobs[0] if jobs else None

    def previous_counts(self, job: ValueJob) -> dict[str, int]:
        """Product counts by value key of the field's last completed job before ``job``."""
        rows = self.hook.run(
            "SELECT v.key, v.product_count FROM value_job_values v WHERE v.job_id = ("
            "  SELECT id FROM value_jobs WHERE store_hash = %s AND field = %s AND status = 'completed' "
            "  AND id < %s ORDER BY id DESC LIMIT 1)",
            parameters=(job.store_hash, job.field, job.id),
            handler=fetch_all_handler,
        )
        return {key: count for key, count in rows or []}

    def complete(self, job_id: int, values: Sequence[FieldValue], changes: ValueChanges) -> None:
        """Processing -> Completed with the values and their counts, in one transaction.

        :raises ValueJobError: the job is not Processing (nothing was changed).
        """
        with closing(self.hook.get_conn()) as conn, conn.cursor() as cursor:
            cursor.execute(
                "UPDATE value_jobs SET status = 'completed', finished_at = now(), error = NULL, "
                "values_processed = %s, values_new = %s, values_unchanged = %s, values_removed = %s "
                "WHERE id = %s AND status = 'processing'",
                (changes.processed, changes.new, changes.unchanged, changes.removed, job_id),
            )
            if cursor.rowcount != 1:
                conn.rollback()
                raise ValueJobError(f"value job {job_id} is not processing; its values were not recorded")
            cursor.execute("DELETE FROM value_job_values WHERE job_id = %s", (job_id,))
            cursor.executemany(
                "INSERT INTO value_job_values (job_id, position, key, value, path, product_count) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [(job_id, i, v.key, v.value, v.path, v.product_count) for i, v in enumerate(values)],
            )
            conn.commit()

    def note_error(self, job_id: int, error: str) -> None:
        """Keep a failed attempt's error on a job that Airflow will retry (it stays Processing)."""
        self.hook.run(
            "UPDATE value_jobs SET error = %s WHERE id = %s AND status = 'processing'",
            parameters=(error, job_id),
        )

    def fail(self, job_id: int, error: str) -> None:
        """Pending or Processing -> Failed with the error."""
        self.hook.run(
            "UPDATE value_jobs SET status = 'failed', finished_at = now(), error = %s "
            "WHERE id = %s AND status IN ('pending', 'processing')",
            parameters=(error, job_id),
        )

    def fail_unfinished(self, value_run_id: int, reason: str) -> int:
        """Fail every job of the run still Pending or Processing; return how many."""
        return len(
            self._jobs(
                "UPDATE value_jobs SET status = 'failed', finished_at = now(), "
                "error = coalesce(error || '; ', '') || %s "
                f"WHERE value_run_id = %s AND status IN ('pending', 'processing') RETURNING {_JOB_COLUMNS}",
                (reason, value_run_id),
            )
        )

    def jobs(self, value_run_id: int, store_hash: str | None = None) -> list[ValueJob]:
        """The run's jobs (of one store, if given), in the order they were planned."""
        return self._jobs(
            f"SELECT {_JOB_COLUMNS} FROM value_jobs WHERE value_run_id = %s "
            "AND (%s::text IS NULL OR store_hash = %s) ORDER BY id",
            (value_run_id, store_hash, store_hash),
        )

    def latest_values(self, store_hash: str, fields: Sequence[str]) -> dict[str, list[FieldValue]]:
        """The values of each field's latest completed job, most frequent first."""
        rows = self.hook.run(
            "SELECT j.field, v.key, v.value, v.product_count, v.path FROM value_job_values v "
            "JOIN (SELECT DISTINCT ON (field) id, field FROM value_jobs "
            "      WHERE store_hash = %s AND field = ANY(%s) AND status = 'completed' "
            "      ORDER BY field, id DESC) j ON j.id = v.job_id "
            "ORDER BY j.field, v.position",
            parameters=(store_hash, list(fields)),
            handler=fetch_all_handler,
        )
        values: dict[str, list[FieldValue]] = {}
        for field, *value in rows or []:
            values.setdefault(field, []).append(FieldValue(*value))
        return values

    def prune_values(self) -> None:
        """Drop the values of every job that is no longer its field's latest completed one."""
        self.hook.run(
            "DELETE FROM value_job_values v USING value_jobs j WHERE v.job_id = j.id AND EXISTS ("
            "  SELECT 1 FROM value_jobs k WHERE k.store_hash = j.store_hash AND k.field = j.field "
            "  AND k.status = 'completed' AND k.id > j.id)"
        )

    def _jobs(self, sql: str, parameters: Any) -> list[ValueJob]:
        rows = self.hook.run(sql, parameters=parameters, handler=fetch_all_handler)
        return [ValueJob(*row) for row in rows or []]
