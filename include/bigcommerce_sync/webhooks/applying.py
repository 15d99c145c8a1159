"""Applying a store's pending webhook events: targeted writes into its live indexes.

Products named by events (product, SKU and inventory events) are read with ``id:in``
and written; those the store no longer has are deleted from the index (a deleted
product's event and an edited one's are the same work). Category events refresh the
categories: every category read, only changed ones written, vanished ones deleted,
within the deletion limit. One application takes every pending event of up to 250
products (or every category event) at once, so a burst of callbacks costs one
read; it loops until nothing is pending. Each application is a batch (mode
``targeted``), and its events are marked applied only once the documents are
written and refreshed: a failure leaves them pending for the next try, and applying
them again does no harm.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from bigcommerce_sync.batches import ErrorRecord, ImportCounts
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.sync_types import Entity, SyncMode, SyncType
from bigcommerce_sync.webhooks.callbacks import Target
from bigcommerce_sync.webhooks.event_store import MAX_PRODUCTS_PER_APPLICATION

if TYPE_CHECKING:
    from bigcommerce_sync.batches import Batch, BatchRepository, EntityCounts
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
    from bigcommerce_sync.hooks.search import SearchHook
    from bigcommerce_sync.importing import ImportSettings
    from bigcommerce_sync.incremental import DeletionGuard
    from bigcommerce_sync.webhooks.event_store import PendingEvents, WebhookEventRepository

log = logging.getLogger(__name__)

SYNC_TYPES = {Target.PRODUCT: SyncType.PRODUCT, Target.CATEGORY: SyncType.CATEGORY}
ENTITIES = {Target.PRODUCT: Entity.PRODUCTS, Target.CATEGORY: Entity.CATEGORIES}
# Targets one application takes at most: a targeted sync's products; every category event, since
# they all come down to one refresh of the categories.
BOUNDS = {Target.PRODUCT: MAX_PRODUCTS_PER_APPLICATION, Target.CATEGORY: 1_000_000}


@dataclass(frozen=True)
class RunKeys:
    """Who applies: the batch rows name the applier DAG, and their reason the Airflow run and try.

    A run makes several batches, so a batch's ``run_id`` column (one batch per run elsewhere) stays
    empty: nothing mistakes it for the only batch of a run, and a batch left Processing by a crash
    is judged stuck by its age alone.

    :param dag_id: the applier DAG.
    :param run_id: the Airflow run.
    :param task_id: recorded with failures.
    :param try_number: the task's try.
    """

    dag_id: str
    run_id: str
    task_id: str
    try_number: int

    def reason(self, pending: PendingEvents) -> str:
        return f"webhook events {pending.span} (run {self.run_id}, try {self.try_number})"


class StoreEventApplier:
    """Applies the pending events of one store until none is left.

    :param store_hash: the store.
    :param events: the events table.
    :param batches: the batch store.
    :param store: the store's API hook.
    :param search: the search hook.
    :param guard: how much a category refresh may delete.
    :param max_failed_ratio: the share of failed documents above which an application fails.
    :param keys: the run's keys, for the batch rows.
    """

    def __init__(
        self,
        *,
        store_hash: str,
        events: WebhookEventRepository,
        batches: BatchRepository,
        store: BigCommerceHook,
        search: SearchHook,
        guard: DeletionGuard,
        max_failed_ratio: float,
        keys: RunKeys,
    ) -> None:
        self.store_hash = store_hash
        self.events = events
        self.batches = batches
        self.store = store
        self.search = search
        self.guard = guard
        self.max_failed_ratio = max_failed_ratio
        self.keys = keys

    def apply_all(self) -> list[dict[str, Any]]:
        """Apply every pending event of the store; return one summary per batch."""
        applied = []
        for target, bound in BOUNDS.items():
            while (pending := self.events.take_pending(self.store_hash, target, bound)).event_ids:
                if self._live_alias(target) is None:
                    log.warning(
                        "%s: %d %s events wait: no live %s index yet (a full sync makes one)",
                        self.store_hash,
                        len(pending.event_ids),
                        target,
                        ENTITIES[target],
                    )
                    break
                applied.append(self.apply(target, pending))
        return applied

    def apply(self, target: Target, pending: PendingEvents) -> dict[str, Any]:
        """Write what ``pending`` names in one batch, then mark the events applied; on failure, fail it.

        :param target: products or categories.
        :param pending: the events and what they name.
        """
        batch = self._open_batch(target, pending)
        try:
            counts = self._write(target, pending, self._settings(batch))
        except Exception as error:
            failure = ErrorRecord(self.keys.task_id, str(error))
            self.batches.record_errors(batch.id, self.store_hash, [failure])
            self.batches.fail(batch.id, summary=str(error), counts=ImportCounts(), next_run_at=None)
            raise
        marked = self.events.mark_applied(pending.event_ids, batch.id)
        self.batches.complete(batch.id, counts=ImportCounts({ENTITIES[target]: counts}), next_run_at=None)
        log.info(
            "%s: events %s (%d, %d %s) applied by batch %d: %s",
            self.store_hash,
            pending.span,
            marked,
            len(pending.target_ids),
            target,
            batch.id,
            counts,
        )
        return {"batch_id": batch.id, "target": str(target), "events": marked, "span": pending.span}

    def _live_alias(self, target: Target) -> str | None:
        from bigcommerce_sync.index_lifecycle import IndexLifecycleError, live_alias

        try:
            return live_alias(self.search, store_hash=self.store_hash, entity=ENTITIES[target])
        except IndexLifecycleError:
            return None

    def _open_batch(self, target: Target, pending: PendingEvents) -> Batch:
        return self.batches.create_processing(
            store_hash=self.store_hash,
            sync_type=SYNC_TYPES[target],
            plan=ModePlan(SyncMode.TARGETED, self.keys.reason(pending)),
            is_scheduled=False,
            schedule=None,
            dag_id=self.keys.dag_id,
            run_id=None,
        )

    def _settings(self, batch: Batch) -> ImportSettings:
        from bigcommerce_sync.importing import ImportSettings

        record_errors = partial(self.batches.record_errors, batch.id, self.store_hash)
        return ImportSettings(self.keys.task_id, record_errors, self.max_failed_ratio)

    def _write(self, target: Target, pending: PendingEvents, settings: ImportSettings) -> EntityCounts:
        """Write the products named (deleting those the store lacks), or refresh the categories."""
        from bigcommerce_sync.extraction import entity_stream, product_stream_by_ids
        from bigcommerce_sync.importing import import_targeted
        from bigcommerce_sync.incremental import import_changed_content
        from bigcommerce_sync.index_lifecycle import live_alias

        alias = live_alias(self.search, store_hash=self.store_hash, entity=ENTITIES[target])
        if target is Target.CATEGORY:  # refreshes the alias itself
            stream = entity_stream(self.store, Entity.CATEGORIES)
            return import_changed_content(self.search, alias, stream, guard=self.guard, settings=settings)
        ids = list(pending.target_ids)
        stream = product_stream_by_ids(self.store, ids)
        counts = import_targeted(self.search, alias, stream, ids, **settings.as_kwargs())
        self.search.refresh(alias)  # searchable before the events count as applied
        return counts
