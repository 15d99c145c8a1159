"""The webhook applier's tasks: which stores have pending events, and applying one store's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from bigcommerce_sync.batches import BATCH_DB_CONN_ID

if TYPE_CHECKING:
    from airflow.sdk import Context

    from bigcommerce_sync.stores import StoreConfig


def applier_store(store: StoreConfig) -> dict[str, Any]:
    """What applying a store's events needs of its registry entry (the mapped task's argument)."""
    return {
        "store_hash": store.store_hash,
        "bigcommerce_conn_id": store.connection_id,
        "search_conn_id": store.search_connection_id,
        "api_concurrency": store.api_concurrency,
        "max_failed_ratio": store.max_failed_ratio,
        "max_deletion_ratio": store.max_deletion_ratio,
        "deletion_allowance": store.deletion_allowance,
    }


class PendingStoresOperator(BaseOperator):
    """Return the stores, of those given, that have webhook events waiting to be applied.

    :param stores: the webhook-enabled stores, as :func:`applier_store` gives them.
    :param batch_db_conn_id: the batch store's Postgres connection.
    """

    def __init__(
        self, *, stores: list[dict[str, Any]], batch_db_conn_id: str = BATCH_DB_CONN_ID, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.stores = stores
        self.batch_db_conn_id = batch_db_conn_id

    def execute(self, context: Context) -> list[dict[str, Any]]:
        from bigcommerce_sync.webhooks.event_store import WebhookEventRepository

        events = WebhookEventRepository(self.batch_db_conn_id)
        events.migrate()
        pending = set(events.stores_with_pending())
        known = {store["store_hash"] for store in self.stores}
        for store_hash in sorted(pending - known):
            self.log.warning("Store %s has pending events but takes no webhooks now: left so", store_hash)
        chosen = [store for store in self.stores if store["store_hash"] in pending]
        self.log.info("Stores with pending webhook events: %s", [s["store_hash"] for s in chosen] or "none")
        return chosen


class ApplyWebhookEventsOperator(BaseOperator):
    """Apply one store's pending webhook events as targeted batches; return the batches.

    :param store: the store, as :func:`applier_store` gives it.
    :param batch_db_conn_id: the batch store's Postgres connection.
    """

    def __init__(
        self, *, store: dict[str, Any], batch_db_conn_id: str = BATCH_DB_CONN_ID, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.batch_db_conn_id = batch_db_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        from bigcommerce_sync.batches import BatchRepository
        from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.incremental import DeletionGuard
        from bigcommerce_sync.webhooks.applying import RunKeys, StoreEventApplier
        from bigcommerce_sync.webhooks.event_store import WebhookEventRepository

        store = self.store
        concurrency = store["api_concurrency"]
        applier = StoreEventApplier(
            store_hash=store["store_hash"],
            events=WebhookEventRepository(self.batch_db_conn_id),
            batches=BatchRepository(self.batch_db_conn_id),
            store=BigCommerceHook(store["bigcommerce_conn_id"], max_concurrency=concurrency),
            search=SearchHook(store["search_conn_id"]),
            guard=DeletionGuard(store["max_deletion_ratio"], store["deletion_allowance"]),
            max_failed_ratio=store["max_failed_ratio"],
            keys=RunKeys(context["dag"].dag_id, context["run_id"], self.task_id, context["ti"].try_number),
        )
        applied = applier.apply_all()
        return {"store_hash": store["store_hash"], "batches": applied}


class EnsureWebhooksOperator(BaseOperator):
    """Make one store's hooks on BigCommerce right (:mod:`bigcommerce_sync.webhooks.registration`).

    Returns what was created, updated, left unchanged, and found deactivated; never the secret.

    :param store_hash: the store, whose registry entry has webhooks enabled.
    """

    def __init__(self, *, store_hash: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store_hash = store_hash

    def execute(self, context: Context) -> dict[str, Any]:
        from dataclasses import asdict

        from bigcommerce_sync.stores import load_registry
        from bigcommerce_sync.webhooks.registration import ensure_store

        (store,) = load_registry(only_store=self.store_hash).stores
        report = ensure_store(store)
        for line in report.lines():
            (self.log.warning if "deactivated" in line else self.log.info)("%s", line)
        return asdict(report)
