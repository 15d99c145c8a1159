"""The webhook DAGs' tasks: which stores have pending events, applying them, and registering hooks.

The per-store tasks take their stores in groups (:mod:`bigcommerce_sync.spread`), each store of a
group on its own: one store's failure never stops the others'.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from bigcommerce_sync.batches import BATCH_DB_CONN_ID
from bigcommerce_sync.spread import each_on_its_own, spread

if TYPE_CHECKING:
    from airflow.sdk import Context

    from bigcommerce_sync.batches import BatchRepository
    from bigcommerce_sync.stores import StoreConfig
    from bigcommerce_sync.webhooks.applying import RunKeys
    from bigcommerce_sync.webhooks.event_store import WebhookEventRepository


def applier_store(store: StoreConfig) -> dict[str, Any]:
    """What applying a store's events needs of its registry entry (an item of the mapped task's group)."""
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
    """Return the stores, of those given, that have webhook events waiting, in groups (:func:`spread`).

    One store a group while they fit in ``[bigcommerce_sync] max_mapped_tasks``; beyond, contiguous
    groups, so the mapped task applying them never exceeds Airflow's ``[core] max_map_length``.

    :param stores: the webhook-enabled stores, as :func:`applier_store` gives them.
    :param batch_db_conn_id: the batch store's Postgres connection.
    """

    def __init__(
        self, *, stores: list[dict[str, Any]], batch_db_conn_id: str = BATCH_DB_CONN_ID, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.stores = stores
        self.batch_db_conn_id = batch_db_conn_id

    def execute(self, context: Context) -> list[list[dict[str, Any]]]:
        from bigcommerce_sync.webhooks.event_store import WebhookEventRepository

        events = WebhookEventRepository(self.batch_db_conn_id)
        events.migrate()
        pending = set(events.stores_with_pending())
        known = {store["store_hash"] for store in self.stores}
        for store_hash in sorted(pending - known):
            self.log.warning("Store %s has pending events but takes no webhooks now: left so", store_hash)
        chosen = [store for store in self.stores if store["store_hash"] in pending]
        groups = spread(chosen)
        self.log.info(
            "Stores with pending webhook events: %d, in %d groups: %s",
            len(chosen),
            len(groups),
            [s["store_hash"] for s in chosen] or "none",
        )
        return groups


class ApplyWebhookEventsOperator(BaseOperator):
    """Apply the pending webhook events of a group of stores, each as targeted batches.

    Each store is applied on its own (:func:`each_on_its_own`): a store whose application fails
    keeps its events pending and the next store goes on; the task then fails naming the failed
    stores, and a retry applies only what is still pending (events are marked applied once their
    documents are written). Returns ``{"store_hash", "batches"}`` per store.

    :param stores: the group, each store as :func:`applier_store` gives it.
    :param batch_db_conn_id: the batch store's Postgres connection.
    """

    def __init__(
        self, *, stores: list[dict[str, Any]], batch_db_conn_id: str = BATCH_DB_CONN_ID, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.stores = stores
        self.batch_db_conn_id = batch_db_conn_id

    def execute(self, context: Context) -> list[dict[str, Any]]:
        from bigcommerce_sync.batches import BatchRepository
        from bigcommerce_sync.webhooks.applying import RunKeys
        from bigcommerce_sync.webhooks.event_store import WebhookEventRepository

        events = WebhookEventRepository(self.batch_db_conn_id)
        batches = BatchRepository(self.batch_db_conn_id)
        keys = RunKeys(context["dag"].dag_id, context["run_id"], self.task_id, context["ti"].try_number)
        return each_on_its_own(
            self.stores,
            lambda store: self._apply(store, events, batches, keys),
            name=itemgetter("store_hash"),
            log=self.log,
        )

    @staticmethod
    def _apply(
        store: dict[str, Any], events: WebhookEventRepository, batches: BatchRepository, keys: RunKeys
    ) -> dict[str, Any]:
        """Apply one store's pending events; return its batches."""
        from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.incremental import DeletionGuard
        from bigcommerce_sync.webhooks.applying import StoreEventApplier

        applier = StoreEventApplier(
            store_hash=store["store_hash"],
            events=events,
            batches=batches,
            store=BigCommerceHook(store["bigcommerce_conn_id"], max_concurrency=store["api_concurrency"]),
            search=SearchHook(store["search_conn_id"]),
            guard=DeletionGuard(store["max_deletion_ratio"], store["deletion_allowance"]),
            max_failed_ratio=store["max_failed_ratio"],
            keys=keys,
        )
        return {"store_hash": store["store_hash"], "batches": applier.apply_all()}


class EnsureWebhooksOperator(BaseOperator):
    """Make a group of stores' hooks on BigCommerce right (:mod:`bigcommerce_sync.webhooks.registration`).

    The registry is read once for the group; each store is ensured on its own
    (:func:`each_on_its_own`), so one store's failure never stops the others' and the task fails at
    the end naming the failed stores. A store whose webhooks are off now (or that left the registry
    since the DAG was parsed) is left so, with a warning. Returns, per store ensured, what was
    created, updated, left unchanged, and found deactivated; never the secret.

    :param store_hashes: the group of stores, whose registry entries have webhooks enabled.
    """

    def __init__(self, *, store_hashes: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store_hashes = store_hashes

    def execute(self, context: Context) -> list[dict[str, Any]]:
        from bigcommerce_sync.stores import load_registry

        hooked = {store.store_hash: store for store in load_registry().stores if store.webhooks.enabled}
        for store_hash in self.store_hashes:
            if store_hash not in hooked:
                self.log.warning("Store %s takes no webhooks now: left so", store_hash)
        stores = [hooked[store_hash] for store_hash in self.store_hashes if store_hash in hooked]
        return each_on_its_own(stores, self._ensure, name=lambda store: store.store_hash, log=self.log)

    def _ensure(self, store: StoreConfig) -> dict[str, Any]:
        """Ensure one store's hooks; log what was done, deactivated hooks as warnings."""
        from dataclasses import asdict

        from bigcommerce_sync.webhooks.registration import ensure_store

        report = ensure_store(store)
        for line in report.lines():
            (self.log.warning if "deactivated" in line else self.log.info)("%s", line)
        return asdict(report)
