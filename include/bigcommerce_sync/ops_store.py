"""The operations tables of the batch store: health series, alert state, daily reports; and the batch
facts operations read (stuck, pending, recent, last completed).

Batches are only read here: :mod:`bigcommerce_sync.batches` is the one writer of ``sync_batches``.
This module is the only writer of ``store_health``, ``ops_alerts`` and ``ops_reports``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from airflow.providers.common.sql.hooks.handlers import fetch_all_handler, fetch_one_handler

from bigcommerce_sync.batches import BATCH_DB_CONN_ID
from bigcommerce_sync.migrations import migrate

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from bigcommerce_sync.health import StoreHealth

# What operations read of a batch (its counts and progress included).
_FACT_COLUMNS = (
    "id, store_hash, sync_type, mode, status, created_at, started_at, finished_at, dag_id, run_id, "
    "error_summary, coalesce(products_count, 0) + coalesce(categories_count, 0) "
    "+ coalesce(pages_count, 0) + coalesce(blog_posts_count, 0), progress, pause_requested_at, paused_at, "
    "resumed_at"
)
# error_summary of the batches the reaper failed starts with this.
STUCK_PREFIX = "stuck: "


@dataclass(frozen=True)
class BatchFact:
    """A batch as operations see it."""

    id: int
    store_hash: str
    sync_type: str
    mode: str
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    dag_id: str | None
    run_id: str | None
    error_summary: str | None
    documents: int
    progress: dict[str, Any] | None
    pause_requested_at: datetime | None = None  # a pause was asked for (still Processing until its run ends)
    paused_at: datetime | None = None
    resumed_at: datetime | None = None  # a run resumed it: its time as Processing counts from then

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class Alert:
    """One alert of a store's condition; open while ``cleared_at`` is empty."""

    id: int
    store_hash: str
    condition: str
    message: str
    opened_at: datetime
    sent_at: datetime | None
    cleared_at: datetime | None


_ALERT_COLUMNS = "id, store_hash, condition, message, opened_at, sent_at, cleared_at"


class OperationsRepository:
    """Reads the batch facts and keeps the operations tables.

    :param postgres_conn_id: the Airflow connection of the batch store.
    """

    def __init__(self, postgres_conn_id: str = BATCH_DB_CONN_ID) -> None:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        self.hook: PostgresHook = PostgresHook(postgres_conn_id=postgres_conn_id)

    def migrate(self) -> list[str]:
        return migrate(self.hook)

    def processing(self) -> list[BatchFact]:
        """Every Processing batch, oldest first."""
        return self._facts("WHERE status = 'processing' ORDER BY id", ())

    def paused(self) -> list[BatchFact]:
        """Every Paused batch (waiting for a run to resume it, or a cancel), oldest first."""
        return self._facts("WHERE status = 'paused' ORDER BY id", ())

    def pending_since(self, before: datetime) -> list[BatchFact]:
        """Pending batches created before ``before``: nobody claimed them."""
        return self._facts("WHERE status = 'pending' AND created_at < %s ORDER BY id", (before,))

    def batches(
        self, *, since: datetime, until: datetime | None = None, store_hash: str | None = None
    ) -> list[BatchFact]:
        """Batches created in ``[since, until)``, of one store or all, oldest first."""
        return self._facts(
            "WHERE created_at >= %s AND (%s::timestamptz IS NULL OR created_at < %s) "
            "AND (%s::text IS NULL OR store_hash = %s) ORDER BY id",
            (since, until, until, store_hash, store_hash),
        )

    def latest_finished(self, store_hash: str, limit: int) -> list[BatchFact]:
        """The store's last ``limit`` finished batches, newest first."""
        return self._facts(
            "WHERE store_hash = %s AND status IN ('completed', 'failed') "
            "ORDER BY finished_at DESC, id DESC LIMIT %s",
            (store_hash, limit),
        )

    def last_completed(self, store_hash: str) -> BatchFact | None:
        facts = self._facts(
            "WHERE store_hash = %s AND status = 'completed' ORDER BY finished_at DESC LIMIT 1", (store_hash,)
        )
        return facts[0] if facts else None

    def stores_with_batches_since(self, stores: Sequence[str], since: datetime) -> set[str]:
        """Of ``stores``, those that completed a sync ever, or have any batch created since ``since``."""
        rows = self.hook.run(
            "SELECT DISTINCT store_hash FROM sync_batches WHERE store_hash = ANY(%s) "
            "AND (status = 'completed' OR created_at >= %s)",
            parameters=(list(stores), since),
            handler=fetch_all_handler,
        )
        return {row[0] for row in rows or []}

    def first_errors(self, batch_ids: Sequence[int]) -> dict[int, str]:
        """Each batch's first ``sync_errors`` message."""
        rows = self.hook.run(
            "SELECT DISTINCT ON (batch_id) batch_id, message FROM sync_errors "
            "WHERE batch_id = ANY(%s) ORDER BY batch_id, id",
            parameters=(list(batch_ids),),
            handler=fetch_all_handler,
        )
        return {row[0]: row[1] for row in rows or []}

    def recent_errors(self, limit: int) -> list[dict[str, Any]]:
        """The latest ``sync_errors`` rows, newest first."""
        rows = self.hook.run(
            "SELECT batch_id, store_hash, task_id, entity, item_id, message, created_at FROM sync_errors "
            "ORDER BY id DESC LIMIT %s",
            parameters=(limit,),
            handler=fetch_all_handler,
        )
        keys = ("batch_id", "store_hash", "task_id", "entity", "item_id", "message", "created_at")
        return [dict(zip(keys, row, strict=True)) for row in rows or []]

    def record_health(self, health: StoreHealth) -> None:
        self.hook.run(
            "INSERT INTO store_health (store_hash, measured_at, score, level, freshness_seconds, freshness, "
            "coverage, quality, failure_rate, details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            parameters=(
                health.store_hash,
                health.measured_at,
                health.score,
                health.level,
                health.freshness_seconds,
                health.freshness,
                health.coverage,
                health.quality,
                health.failure_rate,
                json.dumps(health.details),
            ),
        )

    def latest_health(self, stores: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Each store's latest health row."""
        rows = self.hook.run(
            "SELECT DISTINCT ON (store_hash) store_hash, measured_at, score, level, freshness_seconds, "
            "freshness, coverage, quality, failure_rate, details FROM store_health "
            "WHERE store_hash = ANY(%s) ORDER BY store_hash, measured_at DESC, id DESC",
            parameters=(list(stores),),
            handler=fetch_all_handler,
        )
        keys = (
            "store_hash, measured_at, score, level, freshness_seconds, freshness, coverage, quality, "
            "failure_rate, details"
        ).split(", ")
        return {row[0]: dict(zip(keys, row, strict=True)) for row in rows or []}

    def open_alert(self, store_hash: str, condition: str, message: str) -> bool:
        """Open the store's alert of ``condition`` unless one is open; whether a new one was opened."""
        row = self.hook.run(
            "INSERT INTO ops_alerts (store_hash, condition, message) VALUES (%s, %s, %s) "
            "ON CONFLICT (store_hash, condition) WHERE cleared_at IS NULL DO NOTHING RETURNING id",
            parameters=(store_hash, condition, message),
            handler=fetch_one_handler,
        )
        return row is not None

    def clear_alerts(self, store_hash: str, still_true: Iterable[str]) -> list[Alert]:
        """Clear the store's open alerts whose condition no longer holds; return them."""
        return self._alerts(
            "UPDATE ops_alerts SET cleared_at = now() WHERE store_hash = %s AND cleared_at IS NULL "
            f"AND NOT (condition = ANY(%s)) RETURNING {_ALERT_COLUMNS}",
            (store_hash, list(still_true)),
        )

    def unsent_alerts(self, store_hash: str) -> list[Alert]:
        return self._alerts(
            f"SELECT {_ALERT_COLUMNS} FROM ops_alerts WHERE store_hash = %s AND cleared_at IS NULL "
            "AND sent_at IS NULL ORDER BY id",
            (store_hash,),
        )

    def mark_sent(self, alert_id: int) -> None:
        self.hook.run("UPDATE ops_alerts SET sent_at = now() WHERE id = %s", parameters=(alert_id,))

    def alerts(self, *, open_only: bool = True) -> list[Alert]:
        return self._alerts(
            f"SELECT {_ALERT_COLUMNS} FROM ops_alerts WHERE NOT %s OR cleared_at IS NULL ORDER BY id",
            (open_only,),
        )

    def save_report(self, report_date: date, report: Mapping[str, Any]) -> None:
        self.hook.run(
            "INSERT INTO ops_reports (report_date, report) VALUES (%s, %s) "
            "ON CONFLICT (report_date) DO UPDATE SET report = EXCLUDED.report, created_at = now()",
            parameters=(report_date, json.dumps(report, default=str)),
        )

    def report(self, report_date: date) -> dict[str, Any] | None:
        row = self.hook.run(
            "SELECT report FROM ops_reports WHERE report_date = %s",
            parameters=(report_date,),
            handler=fetch_one_handler,
        )
        return row[0] if row else None

    def latest_values_report(self, before: datetime) -> dict[str, Any] | None:
        """The report of the last searchable-values run finished before ``before``, if any."""
        row = self.hook.run(
            "SELECT report FROM value_runs WHERE report IS NOT NULL AND finished_at < %s "
            "ORDER BY finished_at DESC LIMIT 1",
            parameters=(before,),
            handler=fetch_one_handler,
        )
        return row[0] if row else None

    def _facts(self, where: str, parameters: Any) -> list[BatchFact]:
        rows = self.hook.run(
            f"SELECT {_FACT_COLUMNS} FROM sync_batches {where}",
            parameters=parameters,
            handler=fetch_all_handler,
        )
        return [BatchFact(*row) for row in rows or []]

    def _alerts(self, sql: str, parameters: Any) -> list[Alert]:
        rows = self.hook.run(sql, parameters=parameters, handler=fetch_all_handler)
        return [Alert(*row) for row in rows or []]
