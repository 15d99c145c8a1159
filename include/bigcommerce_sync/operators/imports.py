"""The import tasks: stream one kind of content from the store into search, as the batch's mode says."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from bigcommerce_sync.batches import BatchRepository, Checkpoint, EntityCounts, ImportCounts
from bigcommerce_sync.index_lifecycle import IndexLifecycleError, live_alias, seal, version_name
from bigcommerce_sync.operators.base import BatchTaskOperator, ClaimedBatch
from bigcommerce_sync.sync_types import Entity, ImportJob, SyncMode, import_jobs

if TYPE_CHECKING:
    from airflow.sdk import Context

    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
    from bigcommerce_sync.hooks.search import SearchHook
    from bigcommerce_sync.importing import ImportSettings


class ImportOperator(BatchTaskOperator):
    """Import one job's entities (products; categories and web pages; blog posts).

    A full sync fills the new index versions. An incremental sync writes what changed
    into the live indexes and deletes what the store lost, within the deletion limit
    (:mod:`bigcommerce_sync.incremental`). A targeted sync writes the batch's products
    into the live index and deletes those the store no longer has. Returns, per entity,
    the items fetched and the documents indexed, deleted and failed, and the store
    time at which a product read began (:class:`ImportCounts`).

    Each import keeps ``api_concurrency`` requests in flight and leaves, in every
    quota window, room for the requests all of the sync's parallel imports may
    have in flight, so together they never overdraw the store's quota.

    A full import saves a checkpoint per entity on the batch row with its progress (every few
    seconds, and when it stops): the last page whose every document the cluster acknowledged. A
    retry of the task, or a run resuming a paused batch, continues after it into the same
    version and logs where (``products: resuming after id 4812 (2,250 documents already in
    bc_s_products_v42)``); an entity done before is not read again. When ops ask for a pause,
    the import stops at the next page boundary with its checkpoint saved and the task is skipped.
    Incremental and targeted syncs are short and write idempotently: a retry runs them again.

    :param job: which import this task runs.
    :param bigcommerce_conn_id: the store's API connection.
    :param api_concurrency: requests in flight per import task.
    :param search_conn_id: the search cluster's connection.
    :param max_failed_ratio: the share of failed documents above which the import fails.
    :param max_deletion_ratio: the share of a live index an incremental sync may delete.
    :param deletion_allowance: deletions an incremental sync may always make, whatever the share.
    """

    def __init__(
        self,
        *,
        job: ImportJob,
        bigcommerce_conn_id: str,
        api_concurrency: int,
        search_conn_id: str,
        max_failed_ratio: float,
        max_deletion_ratio: float,
        deletion_allowance: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.api_concurrency = api_concurrency
        self.search_conn_id = search_conn_id
        self.max_failed_ratio = max_failed_ratio
        self.max_deletion_ratio = max_deletion_ratio
        self.deletion_allowance = deletion_allowance

    def execute(self, context: Context) -> dict[str, int]:
        batch = self.claimed_batch_or_skip(
            context,
            applies=lambda sync_type, mode: self.job in import_jobs(sync_type, mode),
            reason=f"does not import {self.job}",
        )
        # The store client loads only when a task runs, not at parse time.
        from bigcommerce_sync.hooks.bigcommerce import BigCommercePermanentError
        from bigcommerce_sync.incremental import DeletionRefusedError

        imports = {
            SyncMode.FULL: self._import,
            SyncMode.INCREMENTAL: self._import_incremental,
            SyncMode.TARGETED: self._import_targeted,
        }
        from bigcommerce_sync.importing import ImportPausedError

        try:
            return imports[batch.mode](batch).to_xcom()
        except ImportPausedError as paused:
            # Not a failure: finalize moves the batch to Paused; a run with its batch_id resumes it.
            raise AirflowSkipException(f"batch {batch.batch_id} is pausing: {paused}") from None
        except (BigCommercePermanentError, IndexLifecycleError, DeletionRefusedError) as error:
            # Bad credentials, a missing scope or resource, a bad request, no live index to update,
            # deletions beyond the limit: no Airflow retry can fix them, and retrying would only
            # hold the batch Processing for minutes.
            raise AirflowFailException(str(error)) from error

    def _store(self, batch: ClaimedBatch) -> BigCommerceHook:
        from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook

        return BigCommerceHook(
            self.bigcommerce_conn_id,
            max_concurrency=self.api_concurrency,
            # Room for every import of this sync running at once (a product sync has only this one).
            quota_reserve=self.api_concurrency * len(import_jobs(batch.sync_type, batch.mode)),
        )

    def _settings(self, batch: ClaimedBatch) -> ImportSettings:
        """Failures go to the batch's ``sync_errors``, up to the store's limit; progress to its row."""
        from bigcommerce_sync.importing import ImportSettings

        batches = BatchRepository(self.batch_db_conn_id)
        record_errors = partial(batches.record_errors, batch.batch_id, batch.store_hash)
        progress = partial(batches.record_progress, batch.batch_id)
        return ImportSettings(self.task_id, record_errors, self.max_failed_ratio, progress)

    def _import_incremental(self, batch: ClaimedBatch) -> ImportCounts:
        """Bring the live indexes up to date with the store's changes (no new version, no alias move)."""
        from bigcommerce_sync.extraction import entity_stream
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.incremental import (
            DeletionGuard,
            import_changed_content,
            import_changed_products,
        )

        store, search = self._store(batch), SearchHook(self.search_conn_id)
        guard = DeletionGuard(self.max_deletion_ratio, self.deletion_allowance)
        settings = self._settings(batch)
        counts: dict[Entity, EntityCounts] = {}
        watermark = None
        for entity in self.job.entities:
            alias = live_alias(search, store_hash=batch.store_hash, entity=entity)
            if entity is Entity.PRODUCTS:
                watermark = store.server_time()
                counts[entity] = import_changed_products(
                    store, search, alias, batch.changed_since, guard=guard, settings=settings
                )
            else:
                stream = entity_stream(store, entity)
                counts[entity] = import_changed_content(search, alias, stream, guard=guard, settings=settings)
            self.log.info("%s: %s", entity, counts[entity])
        return ImportCounts(counts, watermark)

    def _import_targeted(self, batch: ClaimedBatch) -> ImportCounts:
        """Bring the batch's products up to date in the live index (no new version, no alias move)."""
        from bigcommerce_sync.extraction import product_stream_by_ids
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.importing import import_targeted

        search = SearchHook(self.search_conn_id)
        alias = live_alias(search, store_hash=batch.store_hash, entity=Entity.PRODUCTS)
        counts = import_targeted(
            search,
            alias,
            product_stream_by_ids(self._store(batch), batch.product_ids),
            batch.product_ids,
            **self._settings(batch).as_kwargs(),
        )
        search.refresh(alias)  # the batch's counts are visible in search when it completes
        self.log.info("%d products asked for: %s", len(set(batch.product_ids)), counts)
        return ImportCounts({Entity.PRODUCTS: counts})

    def _import(self, batch: ClaimedBatch) -> ImportCounts:
        """Fill the batch's new versions, each entity from its checkpoint (the start, on a first try)."""
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.importing import ImportPausedError

        store = self._store(batch)
        search = SearchHook(self.search_conn_id)
        batches = BatchRepository(self.batch_db_conn_id)
        counts: dict[Entity, EntityCounts] = {}
        watermark = None
        for entity in self.job.entities:
            index = version_name(batch.store_hash, entity, batch.batch_id)
            row = batches.get(batch.batch_id)
            saved = row.checkpoint(entity) if row is not None else None
            if saved is not None and saved.done:
                counts[entity] = saved.counts()
                watermark = watermark or saved.watermark
                self.log.info(
                    "%s: done before, not read again (%d documents in %s)", entity, saved.indexed, index
                )
                continue
            if row is not None and row.pause_requested_at is not None:
                raise ImportPausedError(entity, saved or Checkpoint(index=index), started=False)
            if entity is Entity.PRODUCTS:
                # The next incremental sync reads the products changed since this read began: a
                # resumed read keeps the time its first part began.
                watermark = saved.watermark if saved and saved.watermark else store.server_time()
            start = saved or Checkpoint(
                index=index, watermark=watermark if entity is Entity.PRODUCTS else None
            )
            counts[entity] = self._import_entity(
                batch, store, search, batches, entity, start, resumed=bool(saved)
            )
        return ImportCounts(counts, watermark)

    def _import_entity(
        self,
        batch: ClaimedBatch,
        store: BigCommerceHook,
        search: SearchHook,
        batches: BatchRepository,
        entity: Entity,
        start: Checkpoint,
        *,
        resumed: bool,
    ) -> EntityCounts:
        """Fill one entity's version from ``start``, seal it, and record it done."""
        from bigcommerce_sync.extraction import entity_stream
        from bigcommerce_sync.importing import Resumable, import_entity

        index = start.index or version_name(batch.store_hash, entity, batch.batch_id)
        if not search.index_exists(index):
            raise IndexLifecycleError(f"{index} does not exist (create_index makes it): nothing to fill")
        if resumed:
            self.log.info(
                "%s: resuming %s (%s documents already in %s)",
                entity,
                start.where,
                f"{start.indexed:,}",
                index,
            )
        result = import_entity(
            search,
            index,
            entity_stream(store, entity, start),
            **self._settings(batch).as_kwargs(),
            resumable=Resumable(start, partial(batches.record_progress, batch.batch_id)),
        )
        counts = EntityCounts(fetched=result.fetched, indexed=seal(search, index), failed=result.failed)
        done = replace(result.checkpoint or start, done=True, indexed=counts.indexed)
        batches.record_checkpoint(batch.batch_id, entity, done)
        self.log.info(
            "%s: %d documents in %s (%d failed, %d repeated items skipped) in %.1fs",
            entity,
            counts.indexed,
            index,
            result.failed,
            result.duplicates,
            result.seconds,
        )
        return counts
