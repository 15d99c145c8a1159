"""The import tasks: stream one kind of content from the store into its new index versions."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException

from bigcommerce_sync.batches import BatchRepository, ImportCounts
from bigcommerce_sync.index_lifecycle import IndexLifecycleError, live_alias, seal, version_name
from bigcommerce_sync.operators.base import BatchTaskOperator, ClaimedBatch
from bigcommerce_sync.sync_types import Entity, ImportJob, SyncMode, import_jobs

if TYPE_CHECKING:
    from airflow.sdk import Context

    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook


class ImportOperator(BatchTaskOperator):
    """Import one job's entities (products; categories and web pages; blog posts).

    Returns the documents now in each new index version, and how many failed
    (:class:`ImportCounts`, e.g. ``{"products": 1200, "failed_documents": 0}``).
    In a targeted sync the products task writes the batch's products into the live
    index instead, deletes those the store no longer has, and returns the products
    written and the documents deleted.

    Each import keeps ``api_concurrency`` requests in flight and leaves, in every
    quota window, room for the requests all of the sync's parallel imports may
    have in flight, so together they never overdraw the store's quota.

    :param job: which import this task runs.
    :param bigcommerce_conn_id: the store's API connection.
    :param api_concurrency: requests in flight per import task.
    :param search_conn_id: the search cluster's connection.
    :param max_failed_ratio: the share of failed documents above which the import fails.
    """

    def __init__(
        self,
        *,
        job: ImportJob,
        bigcommerce_conn_id: str,
        api_concurrency: int,
        search_conn_id: str,
        max_failed_ratio: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.api_concurrency = api_concurrency
        self.search_conn_id = search_conn_id
        self.max_failed_ratio = max_failed_ratio

    def execute(self, context: Context) -> dict[str, int]:
        batch = self.claimed_batch_or_skip(
            context,
            applies=lambda sync_type, mode: self.job in import_jobs(sync_type, mode),
            reason=f"does not import {self.job}",
        )
        # The store client loads only when a task runs, not at parse time.
        from bigcommerce_sync.hooks.bigcommerce import BigCommercePermanentError

        try:
            if batch.mode is SyncMode.TARGETED:
                return self._import_targeted(batch).to_xcom()
            return self._import(batch).to_xcom()
        except (BigCommercePermanentError, IndexLifecycleError) as error:
            # Bad credentials, a missing scope or resource, a bad request, no live index to update:
            # no Airflow retry can fix them, and retrying would only hold the batch Processing for minutes.
            raise AirflowFailException(str(error)) from error

    def _store(self, batch: ClaimedBatch) -> BigCommerceHook:
        from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook

        return BigCommerceHook(
            self.bigcommerce_conn_id,
            max_concurrency=self.api_concurrency,
            # Room for every import of this sync running at once (a product sync has only this one).
            quota_reserve=self.api_concurrency * len(import_jobs(batch.sync_type, batch.mode)),
        )

    def _record_errors(self, batch: ClaimedBatch) -> partial[int]:
        """Stores a chunk of :class:`ErrorRecord` in the batch's ``sync_errors``."""
        return partial(BatchRepository(self.batch_db_conn_id).record_errors, batch.batch_id, batch.store_hash)

    def _import_targeted(self, batch: ClaimedBatch) -> ImportCounts:
        """Bring the batch's products up to date in the live index (no new version, no alias move)."""
        from bigcommerce_sync.extraction import product_stream_by_ids
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.importing import import_targeted

        search = SearchHook(self.search_conn_id)
        alias = live_alias(search, store_hash=batch.store_hash, entity=Entity.PRODUCTS)
        result = import_targeted(
            search,
            alias,
            product_stream_by_ids(self._store(batch), batch.product_ids),
            batch.product_ids,
            task_id=self.task_id,
            record_errors=self._record_errors(batch),
            max_failed_ratio=self.max_failed_ratio,
        )
        search.refresh(alias)  # the batch's counts are visible in search when it completes
        self.log.info(
            "%d of %d products written to %s, %d deleted, %d in neither the store nor the index, %d failed",
            result.indexed,
            len(set(batch.product_ids)),
            alias,
            result.deleted,
            result.absent,
            result.failed,
        )
        return ImportCounts({Entity.PRODUCTS: result.indexed}, result.failed, result.deleted)

    def _import(self, batch: ClaimedBatch) -> ImportCounts:
        from bigcommerce_sync.extraction import entity_stream
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.importing import import_entity

        store = self._store(batch)
        search = SearchHook(self.search_conn_id)
        record_errors = self._record_errors(batch)
        documents: dict[Entity, int] = {}
        failed = 0
        for entity in self.job.entities:
            index = version_name(batch.store_hash, entity, batch.batch_id)
            result = import_entity(
                search,
                index,
                entity_stream(store, entity),
                task_id=self.task_id,
                record_errors=record_errors,
                max_failed_ratio=self.max_failed_ratio,
            )
            documents[entity] = seal(search, index)
            failed += result.failed
            self.log.info(
                "%s: %d documents in %s (%d failed, %d repeated items skipped) in %.1fs",
                entity,
                documents[entity],
                index,
                result.failed,
                result.duplicates,
                result.seconds,
            )
        return ImportCounts(documents, failed)
