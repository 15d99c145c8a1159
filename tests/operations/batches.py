"""Batches with known outcomes, made through the batch state machine itself."""

from __future__ import annotations

import uuid

from bigcommerce_sync.batches import BatchRepository, EntityCounts, ErrorRecord, ImportCounts
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.sync_types import Entity, SyncMode


def processing(
    repo: BatchRepository, store_hash: str, *, dag_id: str | None = None, run_id: str | None = None
):
    return repo.create_processing(
        store_hash=store_hash,
        sync_type="all",
        plan=ModePlan(SyncMode.FULL, "asked for"),
        is_scheduled=False,
        schedule=None,
        dag_id=dag_id or f"bigcommerce_sync_{store_hash}",
        run_id=run_id or f"manual__{uuid.uuid4()}",
    )


def completed(repo: BatchRepository, store_hash: str, products: int = 0):
    batch = processing(repo, store_hash)
    counts = ImportCounts({Entity.PRODUCTS: EntityCounts(fetched=products, indexed=products)})
    return repo.complete(batch.id, counts=counts, next_run_at=None)


def failed(repo: BatchRepository, store_hash: str, error: str = "boom"):
    batch = processing(repo, store_hash)
    repo.record_errors(batch.id, store_hash, [ErrorRecord("import.products", f"first: {error}")])
    repo.record_errors(batch.id, store_hash, [ErrorRecord("finalize", "second error")])
    return repo.fail(batch.id, summary=f"summary: {error}", counts=ImportCounts(), next_run_at=None)
