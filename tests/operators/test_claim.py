"""The claim takes a scheduled run's mode from the cron that fired (real batch store and engine)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bigcommerce_sync.batches import BatchRepository, EntityCounts, ImportCounts
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.index_lifecycle import alias_name, publish, version_name
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.operators.batch import ClaimBatchOperator
from bigcommerce_sync.sync_types import Entity, SyncMode

STORE = "clm"
FULL_WEEKLY, EVERY_15_MINUTES = "0 3 * * 0", "*/15 * * * *"
SUNDAY_3AM = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
WATERMARK = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def live_store(sync_stack) -> BatchRepository:
    """A store whose every entity is live and whose last completed product read has a watermark."""
    search = SearchHook()
    for entity in Entity:
        index = version_name(STORE, entity, 1)
        search.delete_indexes([index])
        search.create_index(index, {"mappings": {"dynamic": "false", "properties": {}}})
        publish(search, {alias_name(STORE, entity): index})
    repo = BatchRepository()
    repo.migrate()
    done = repo.create_processing(
        store_hash=STORE,
        sync_type="all",
        plan=ModePlan(SyncMode.FULL, "asked for"),
        is_scheduled=False,
        schedule=None,
        dag_id="d-claim",
        run_id="first-full",
    )
    repo.complete(
        done.id, counts=ImportCounts({Entity.PRODUCTS: EntityCounts(1, 1)}, WATERMARK), next_run_at=None
    )
    yield repo
    search.delete_indexes(search.indexes_matching(f"bc_{STORE}_*"))


def scheduled_claim(run_at: datetime) -> dict:
    operator = ClaimBatchOperator(
        task_id="claim_batch",
        store_hash=STORE,
        schedule=FULL_WEEKLY,
        incremental_schedule=EVERY_15_MINUTES,
        incremental_overlap=timedelta(minutes=2),
        search_conn_id="elasticsearch_default",
    )
    dag_run = SimpleNamespace(
        conf={},
        run_type="scheduled",
        logical_date=run_at,
        run_after=run_at,
        dag_id="d-claim",
        run_id=f"scheduled__{run_at.isoformat()}",
    )
    params = {"sync_type": "all", "mode": "full", "batch_id": None, "product_ids": None}
    return operator.execute({"dag_run": dag_run, "params": params})


def test_a_scheduled_run_on_the_incremental_cron_claims_an_incremental_batch(live_store):
    run_at = SUNDAY_3AM + timedelta(minutes=45)

    claimed = scheduled_claim(run_at)

    assert (claimed["mode"], claimed["is_scheduled"]) == ("incremental", True)
    assert claimed["changed_since"] == (WATERMARK - timedelta(minutes=2)).isoformat()
    batch = live_store.get(claimed["batch_id"])
    assert (batch.mode, batch.status) == ("incremental", "processing")
    assert batch.mode_reason.startswith(
        "scheduled run at 2026-12-06 03:45 UTC (incremental schedule '*/15 * * * *'); products changed since"
    )


def test_a_scheduled_run_on_the_full_cron_claims_a_full_batch(live_store):
    claimed = scheduled_claim(SUNDAY_3AM)

    assert (claimed["mode"], claimed["changed_since"]) == ("full", None)
    reason = live_store.get(claimed["batch_id"]).mode_reason
    assert reason == "scheduled run at 2026-12-06 03:00 UTC (full schedule '0 3 * * 0')"
