"""The event trigger behind the applier's asset: fires when webhook events are waiting.

It runs in Airflow's triggerer, as the ``AssetWatcher`` of the applier DAG's asset: every
``poll_interval`` seconds one indexed query asks the batch store for the newest pending
event. It fires when that is newer than what it last fired for, and again every
``refire_after`` seconds while events stay pending (an application that failed leaves
them so). Each firing is an asset event; Airflow queues at most one applier run behind
the running one, so a burst of callbacks becomes one or two runs.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from bigcommerce_sync.batches import BATCH_DB_CONN_ID

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import psycopg

NEWEST_PENDING_SQL = "SELECT max(id) FROM webhook_events WHERE applied_at IS NULL"


class PendingWebhookEventsTrigger(BaseEventTrigger):
    """Fires while the batch store holds webhook events not applied yet.

    :param postgres_conn_id: the batch store's connection.
    :param poll_interval: seconds between two looks.
    :param refire_after: seconds after which events still pending fire again.
    """

    def __init__(
        self,
        *,
        postgres_conn_id: str = BATCH_DB_CONN_ID,
        poll_interval: float = 2.0,
        refire_after: float = 60.0,
    ) -> None:
        super().__init__()
        self.postgres_conn_id = postgres_conn_id
        self.poll_interval = poll_interval
        self.refire_after = refire_after

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "postgres_conn_id": self.postgres_conn_id,
                "poll_interval": self.poll_interval,
                "refire_after": self.refire_after,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        fired_for, fired_at = 0, -math.inf
        database: psycopg.AsyncConnection | None = None
        try:
            while True:
                database, newest = await self._newest_pending(database)
                now = time.monotonic()
                if newest is not None and (newest > fired_for or now - fired_at >= self.refire_after):
                    self.log.info("Webhook events pending, up to event %d", newest)
                    yield TriggerEvent({"newest_pending_event": newest})
                    fired_for, fired_at = newest, now
                await asyncio.sleep(self.poll_interval)
        finally:
            if database is not None:
                await database.close()

    async def _newest_pending(
        self, database: psycopg.AsyncConnection | None
    ) -> tuple[psycopg.AsyncConnection | None, int | None]:
        """The newest pending event's id (``None`` if none), on a connection kept between looks."""
        import psycopg

        try:
            database = database or await self._connect()
            cursor = await database.execute(NEWEST_PENDING_SQL)
            row = await cursor.fetchone()
            return database, row[0] if row else None
        except psycopg.errors.UndefinedTable:
            return database, None  # no event was ever received: the receiver creates the table
        except psycopg.Error as error:
            self.log.warning("Cannot look for webhook events (%s); trying again", type(error).__name__)
            if database is not None:
                await database.close()
            return None, None

    async def _connect(self) -> psycopg.AsyncConnection:
        import psycopg
        from airflow.sdk import BaseHook

        connection = await BaseHook.aget_connection(self.postgres_conn_id)
        return await psycopg.AsyncConnection.connect(
            host=connection.host,
            port=connection.port or 5432,
            user=connection.login,
            password=connection.password,
            dbname=connection.schema,
            autocommit=True,
            connect_timeout=10,
        )
