"""The batch state machine against a real PostgreSQL server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bigcommerce_sync.batches import (
    COUNT_COLUMNS,
    BatchClaimError,
    BatchRepository,
    EntityCounts,
    ErrorRecord,
    ImportCounts,
    UnrunnableBatchError,
)
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.sync_types import Entity, SyncMode


@pytest.fixture
def repo(batch_db_url) -> BatchRepository:
    repository = BatchRepository()
    repository.migrate()
    return repository


AS_ASKED = ModePlan(SyncMode.FULL, "asked for")


def claim(repo: BatchRepository, batch_id: int, store: str = "s1", run: str = "run-1", plan=AS_ASKED, **kw):
    return repo.claim(
        batch_id=batch_id, store_hash=store, is_scheduled=False, dag_id="d", run_id=run, plan=plan, **kw
    )


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

    first = repo.create_processing(store_hash="s1", sync_type="blog", plan=AS_ASKED, **run)
    again = repo.create_processing(store_hash="s1", sync_type="blog", plan=AS_ASKED, **run)

    assert first.id == again.id
    assert first.status == "processing" and first.is_scheduled is True
    assert repo.find_by_run("d", "r9") == first


def test_complete_and_fail_only_leave_processing(repo):
    batch = claim(repo, repo.create_pending(store_hash="s1", sync_type="all", mode="full").id, run="r-c")

    counts = ImportCounts({Entity.PRODUCTS: EntityCounts(fetched=6, indexed=5, failed=1)})
    done = repo.complete(batch.id, counts=counts, next_run_at=None)

    assert (done.status, done.products_count, done.failed_documents) == ("completed", 5, 1)
    assert done.finished_at is not None
    with pytest.raises(LookupError):
        repo.fail(batch.id, summary="late", counts=ImportCounts(), next_run_at=None)
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


@pytest.mark.parametrize(
    ("mode", "sync_type", "accepted"),
    [
        *(
            ("incremental", t, "'all' or 'product' or 'category' or 'blog'")
            for t in ("stop_words", "synonyms")
        ),
        *(("targeted", t, "'product'") for t in ("all", "blog", "stop_words")),
    ],
)
def test_a_pending_batch_of_a_combination_no_run_can_do_is_refused_before_any_change(
    repo, mode, sync_type, accepted
):
    batch = repo.create_pending(store_hash="s1", sync_type=sync_type, mode=mode)

    with pytest.raises(
        UnrunnableBatchError,
        match=f"batch {batch.id} is a '{sync_type}' sync in mode '{mode}', which this DAG cannot run "
        rf"\(mode '{mode}' runs sync type {accepted} only\)",
    ):
        claim(repo, batch.id)

    assert repo.get(batch.id) == batch


def test_a_pending_targeted_product_batch_can_be_claimed(repo):
    batch = repo.create_pending(store_hash="s1", sync_type="product", mode="targeted")

    claimed = claim(repo, batch.id, plan=ModePlan(SyncMode.TARGETED, "asked for"))

    assert (claimed.status, claimed.mode) == ("processing", "targeted")


def test_a_claim_records_the_mode_the_batch_runs_in_and_why(repo):
    batch = repo.create_pending(store_hash="s1", sync_type="product", mode="incremental")
    fallback = ModePlan(
        SyncMode.FULL, "pending batch's mode; ran full: no completed product sync to start from"
    )

    claimed = claim(repo, batch.id, plan=fallback, mode="incremental", run="run-fallback")
    retried = claim(repo, batch.id, plan=fallback, mode="incremental", run="run-fallback")

    assert (claimed.status, claimed.mode, claimed.mode_reason) == ("processing", "full", fallback.reason)
    # A retried claim of the same run gets its batch back, though its mode is no longer the one asked for.
    assert (retried.id, retried.mode, retried.mode_reason) == (claimed.id, "full", fallback.reason)


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


def test_import_counts_add_up_per_entity_and_survive_xcom():
    at = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    products = ImportCounts.from_xcom(
        {
            "entities": {"products": {"fetched": 6, "indexed": 5, "deleted": 2, "failed": 1}},
            "watermark": at.isoformat(),
        }
    )
    category = ImportCounts({Entity.CATEGORIES: EntityCounts(2, 2), Entity.PAGES: EntityCounts(1, 1)})

    total = products + category + ImportCounts({Entity.PRODUCTS: EntityCounts(3, 3, 1)})

    assert ImportCounts.from_xcom(category.to_xcom()) == category
    assert total.watermark == at
    assert total.entities[Entity.PRODUCTS] == EntityCounts(fetched=9, indexed=8, deleted=3, failed=1)
    columns = total.columns()
    assert {key: columns[key] for key in columns if key != "entity_counts"} == {
        "products_count": 8,
        "categories_count": 2,
        "pages_count": 1,
        "failed_documents": 1,
        "deleted_documents": 3,
    }
    assert json.loads(columns["entity_counts"])["pages"] == {
        "fetched": 1,
        "indexed": 1,
        "deleted": 0,
        "failed": 0,
    }
    assert set(columns) <= set(COUNT_COLUMNS)
    assert ImportCounts().columns() == {}  # nothing imported: the count columns stay empty
    with pytest.raises(ValueError, match="'widgets'"):
        ImportCounts.from_xcom({"entities": {"widgets": {}}})


def test_a_completed_batch_records_counts_per_entity_and_its_watermark(repo):
    earlier, later = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)
    assert repo.last_watermark("s-wm") is None
    for at, finish in ((later, repo.complete), (earlier, repo.complete)):
        batch = repo.create_processing(
            store_hash="s-wm",
            sync_type="product",
            plan=ModePlan(SyncMode.INCREMENTAL, "scheduled", changed_since=at - timedelta(minutes=5)),
            is_scheduled=False,
            schedule=None,
            dag_id="d",
            run_id=f"run-wm-{at:%d}",
        )
        counts = ImportCounts({Entity.PRODUCTS: EntityCounts(4, 3, 1, 1)}, watermark=at)
        done = finish(batch.id, counts=counts, next_run_at=None)
    failed = repo.create_processing(
        store_hash="s-wm",
        sync_type="product",
        plan=AS_ASKED,
        is_scheduled=False,
        schedule=None,
        dag_id="d",
        run_id="run-wm-failed",
    )
    repo.fail(
        failed.id, summary="x", counts=ImportCounts(watermark=later + timedelta(days=1)), next_run_at=None
    )

    assert (done.mode, done.mode_reason, done.changed_since) == (
        "incremental",
        "scheduled",
        earlier - timedelta(minutes=5),
    )
    assert done.entity_counts == {"products": {"fetched": 4, "indexed": 3, "deleted": 1, "failed": 1}}
    assert (done.products_count, done.deleted_documents, done.failed_documents) == (3, 1, 1)
    # The newest watermark of a completed batch, whatever order they finished in; a failed one's never.
    assert repo.last_watermark("s-wm") == later
    assert repo.get(failed.id).watermark is None
