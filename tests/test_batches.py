"""The batch state machine against a real PostgreSQL server."""

from __future__ import annotations

import pytest

from bigcommerce_sync.batches import (
    COUNT_COLUMNS,
    BatchClaimError,
    BatchRepository,
    ErrorRecord,
    ImportCounts,
    UnrunnableBatchError,
)
from bigcommerce_sync.sync_types import Entity


@pytest.fixture
def repo(batch_db_url) -> BatchRepository:
    repository = BatchRepository()
    repository.migrate()
    return repository


def claim(repo: BatchRepository, batch_id: int, store: str = "s1", run: str = "run-1", **kw):
    return repo.claim(batch_id=batch_id, store_hash=store, is_scheduled=False, dag_id="d", run_id=run, **kw)


def test_migrations_apply_once(repo):
    assert repo.migrate() == []


def test_pending_batch_is_claimed_once(repo):
    batch = repo.create_pending(store_hash="s1", sync_type="all", mode="full")

    claimed = claim(repo, batch.id, run="run-a")

    assert (batch.status, claimed.status) == ("pending", "processing")
    assert claimed.started_at is not None and claimed.run_id == "run-a"
    # The same run retrying its claim gets the batch back; another run does not.
    assert claim(repo, batch.id, run="run-a").id == batch.id
    with pytest.raises(BatchClaimError, match="is processing, not pending"):
        claim(repo, batch.id, run="run-b")


@pytest.mark.parametrize(
    ("store", "expect", "message"),
    [
        ("other", {}, "belongs to store 's1', not 'other'"),
        ("s1", {"sync_type": "blog"}, "is a 'all' sync, but the run asked for 'blog'"),
        ("s1", {"mode": "incremental"}, "asked for mode 'incremental'"),
    ],
)
def test_unclaimable_batch_is_left_untouched(repo, store, expect, message):
    batch = repo.create_pending(store_hash="s1", sync_type="all", mode="full")

    with pytest.raises(BatchClaimError, match=message):
        claim(repo, batch.id, store=store, **expect)

    assert repo.get(batch.id) == batch


def test_missing_batch(repo):
    with pytest.raises(BatchClaimError, match="batch 987654 does not exist"):
        claim(repo, 987654)


def test_created_batch_is_processing_and_a_retry_returns_it(repo):
    run = {"dag_id": "d", "run_id": "r9", "is_scheduled": True, "schedule": "0 3 * * *"}

    first = repo.create_processing(store_hash="s1", sync_type="blog", mode="full", **run)
    again = repo.create_processing(store_hash="s1", sync_type="blog", mode="full", **run)

    assert first.id == again.id
    assert first.status == "processing" and first.is_scheduled is True
    assert repo.find_by_run("d", "r9") == first


def test_complete_and_fail_only_leave_processing(repo):
    batch = claim(repo, repo.create_pending(store_hash="s1", sync_type="all", mode="full").id, run="r-c")

    done = repo.complete(batch.id, counts={"products_count": 5, "failed_documents": 1}, next_run_at=None)

    assert (done.status, done.products_count, done.failed_documents) == ("completed", 5, 1)
    assert done.finished_at is not None
    with pytest.raises(LookupError):
        repo.fail(batch.id, summary="late", counts={}, next_run_at=None)
    assert repo.get(batch.id).status == "completed"


def test_errors_are_recorded_in_order(repo):
    batch = repo.create_pending(store_hash="s1", sync_type="all", mode="full")

    repo.record_errors(
        batch.id, "s1", [ErrorRecord("import.products", "bad", "products", "12"), ErrorRecord("t", "x")]
    )

    rows = repo.errors(batch.id)
    assert [(r["task_id"], r["entity"], r["item_id"], r["message"]) for r in rows] == [
        ("import.products", "products", "12", "bad"),
        ("t", None, None, "x"),
    ]
    assert all(r["store_hash"] == "s1" and r["created_at"] for r in rows)


def test_a_pending_batch_of_a_mode_this_code_cannot_run_is_refused_before_any_change(repo):
    batch = repo.create_pending(store_hash="s1", sync_type="all", mode="incremental")

    with pytest.raises(
        UnrunnableBatchError, match=f"batch {batch.id} has mode 'incremental', which this DAG cannot run"
    ):
        claim(repo, batch.id)

    assert repo.get(batch.id) == batch


@pytest.mark.parametrize("sync_type", ["all", "blog", "stop_words"])
def test_a_pending_targeted_batch_of_another_type_than_product_is_refused_before_any_change(repo, sync_type):
    batch = repo.create_pending(store_hash="s1", sync_type=sync_type, mode="targeted")

    with pytest.raises(
        UnrunnableBatchError,
        match=f"batch {batch.id} is a '{sync_type}' sync in mode 'targeted', which this DAG cannot run "
        r"\(mode 'targeted' runs sync type 'product' only\)",
    ):
        claim(repo, batch.id)

    assert repo.get(batch.id) == batch


def test_a_pending_targeted_product_batch_can_be_claimed(repo):
    batch = repo.create_pending(store_hash="s1", sync_type="product", mode="targeted")

    claimed = claim(repo, batch.id)

    assert (claimed.status, claimed.mode) == ("processing", "targeted")


def test_fail_pending_moves_only_a_pending_batch_of_the_store_and_of_the_type_asked(repo):
    batch = repo.create_pending(store_hash="s1", sync_type="blog", mode="incremental")
    ids = {"dag_id": "d", "run_id": "run-f", "summary": "claim_batch: mode 'incremental'"}

    assert repo.fail_pending(batch.id, store_hash="other", **ids) is None
    assert repo.fail_pending(batch.id, store_hash="s1", sync_type="all", **ids) is None
    assert repo.get(batch.id) == batch
    failed = repo.fail_pending(batch.id, store_hash="s1", sync_type="blog", **ids)
    again = repo.fail_pending(batch.id, store_hash="s1", **ids)

    assert (failed.status, failed.error_summary) == ("failed", "claim_batch: mode 'incremental'")
    assert (failed.dag_id, failed.run_id) == ("d", "run-f")
    assert failed.started_at is not None and failed.finished_at is not None
    assert again is None and repo.get(batch.id) == failed  # only Pending leaves


def test_import_counts_add_up_into_the_batch_columns_and_survive_xcom():
    products = ImportCounts.from_xcom({"products": 5, "failed_documents": 1})
    category = ImportCounts({Entity.CATEGORIES: 2, Entity.PAGES: 1})

    total = products + category + ImportCounts({Entity.PRODUCTS: 3})

    assert ImportCounts.from_xcom(category.to_xcom()) == category
    assert total.columns() == {
        "products_count": 8,
        "categories_count": 2,
        "pages_count": 1,
        "failed_documents": 1,
    }
    assert set(total.columns()) <= set(COUNT_COLUMNS)
    with pytest.raises(ValueError, match="'widgets'"):
        ImportCounts.from_xcom({"widgets": 1})


def test_deleted_documents_are_counted_only_by_imports_that_delete(repo):
    targeted = ImportCounts({Entity.PRODUCTS: 2}, failed=0, deleted=1)

    assert ImportCounts.from_xcom(targeted.to_xcom()) == targeted
    assert "deleted_documents" not in ImportCounts({Entity.PRODUCTS: 2}).to_xcom()
    assert (targeted + ImportCounts()).columns() == {
        "products_count": 2,
        "failed_documents": 0,
        "deleted_documents": 1,
    }
    assert "deleted_documents" not in (ImportCounts() + ImportCounts()).columns()
    batch = repo.create_processing(
        store_hash="s1",
        sync_type="product",
        mode="targeted",
        is_scheduled=False,
        schedule=None,
        dag_id="d",
        run_id="run-deleted",
    )
    done = repo.complete(batch.id, counts=targeted.columns(), next_run_at=None)
    assert (done.mode, done.products_count, done.deleted_documents) == ("targeted", 2, 1)
