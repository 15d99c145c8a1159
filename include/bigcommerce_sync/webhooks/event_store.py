"""The webhook events table: what the receiver stored and the applier has or has not applied yet.

This module is the only place that writes ``webhook_events``. An event is pending
until a batch has written and refreshed its documents; then ``applied_at`` and
``batch_id`` say when and by which batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow.providers.common.sql.hooks.handlers import fetch_all_handler, fetch_one_handler

from bigcommerce_sync.batches import BATCH_DB_CONN_ID
from bigcommerce_sync.migrations import migrate
from bigcommerce_sync.webhooks.callbacks import Target

if TYPE_CHECKING:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    from bigcommerce_sync.webhooks.callbacks import Callback

# Products one application refreshes at most: what a targeted sync accepts.
MAX_PRODUCTS_PER_APPLICATION = 250


@dataclass(frozen=True)
class PendingEvents:
    """Pending events of one store and target, taken together.

    :param event_ids: the events, oldest first.
    :param target_ids: the distinct products or categories they name, in order of first event.
    """

    event_ids: tuple[int, ...]
    target_ids: tuple[int, ...]

    @property
    def span(self) -> str:
        """``17-42``: the range of event ids, as a batch's reason names it."""
        return f"{self.event_ids[0]}-{self.event_ids[-1]}" if self.event_ids else "none"


class WebhookEventRepository:
    """Stores callbacks and tracks which are applied, in the batch store.

    :param postgres_conn_id: the Airflow connection of the batch store.
    :param log_sql: whether the hook logs each statement (the receiver's would fill the api-server log).
    """

    def __init__(self, postgres_conn_id: str = BATCH_DB_CONN_ID, *, log_sql: bool = True) -> None:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        self.hook: PostgresHook = PostgresHook(postgres_conn_id=postgres_conn_id, log_sql=log_sql)

    def migrate(self) -> list[str]:
        """Bring the batch store's schema up to date; return the migrations applied."""
        return migrate(self.hook)

    def record(self, callback: Callback, payload: str) -> int | None:
        """Store a callback as a pending event; return its id, or ``None`` for a duplicate.

        :param callback: the validated callback.
        :param payload: its JSON text, kept as received.
        """
        target, target_id = callback.target
        row = self.hook.run(
            "INSERT INTO webhook_events "
            "(store_hash, event_hash, scope, target, target_id, payload, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s) "
            "ON CONFLICT (store_hash, event_hash) DO NOTHING RETURNING id",
            parameters=(
                callback.store_hash,
                callback.hash,
                callback.scope,
                target.value,
                target_id,
                payload,
                callback.created,
            ),
            handler=fetch_one_handler,
        )
        return row[0] if row else None

    def stores_with_pending(self) -> list[str]:
        """The stores that have pending events, in order."""
        rows = self.hook.run(
            "SELECT DISTINCT store_hash FROM webhook_events WHERE applied_at IS NULL ORDER BY store_hash",
            handler=fetch_all_handler,
        )
        return [row[0] for row in rows or []]

    def take_pending(
        self, store_hash: str, target: Target, max_targets: int = MAX_PRODUCTS_PER_APPLICATION
    ) -> PendingEvents:
        """The pending events of the first ``max_targets`` targets (by their oldest event) of a store.

        Every pending event of a target taken comes along, so a burst on one product is one refresh.

        :param store_hash: the store.
        :param target: products or categories.
        :param max_targets: the most distinct targets to take.
        """
        rows = self.hook.run(
            "WITH taken AS (SELECT target_id, min(id) AS first_id FROM webhook_events "
            "  WHERE store_hash = %(store)s AND target = %(target)s AND applied_at IS NULL "
            "  GROUP BY target_id ORDER BY first_id LIMIT %(limit)s) "
            "SELECT e.id, e.target_id FROM webhook_events e JOIN taken USING (target_id) "
            "WHERE e.store_hash = %(store)s AND e.target = %(target)s AND e.applied_at IS NULL "
            "ORDER BY taken.first_id, e.id",
            parameters={"store": store_hash, "target": target.value, "limit": max_targets},
            handler=fetch_all_handler,
        )
        rows = rows or []
        return PendingEvents(
            event_ids=tuple(sorted(row[0] for row in rows)),
            target_ids=tuple(dict.fromkeys(row[1] for row in rows)),
        )

    def mark_applied(self, event_ids: tuple[int, ...], batch_id: int) -> int:
        """Mark events applied by a batch (their documents are written and refreshed); return how many.

        :param event_ids: the events.
        :param batch_id: the batch that applied them.
        """
        row = self.hook.run(
            "WITH done AS (UPDATE webhook_events SET applied_at = now(), batch_id = %s "
            "WHERE id = ANY(%s) AND applied_at IS NULL RETURNING 1) SELECT count(*) FROM done",
            parameters=(batch_id, list(event_ids)),
            handler=fetch_one_handler,
        )
        return row[0] if row else 0
