"""The operations transitions of the batch state machine against a real PostgreSQL server."""

from __future__ import annotations

import pytest

from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.sync_types import SyncMode


@pytest.fixture
def repo(batch_db_url) -> BatchRepository:
    repository = BatchRepository()
    repository.migrate()
    return repository


def processing(repo: BatchRepository, run_id: str):
    return repo.create_processing(
        store_hash="ops1",
        sync_type="all",
        plan=ModePlan(SyncMode.FULL, "asked for"),
        is_scheduled=False,
        schedule=None,
        dag_id="bigcommerce_sync_ops1",
        run_id=run_id,
    )


def progress_of(repo: BatchRepository, batch_id: int):
    return repo.hook.get_first("SELECT progress FROM sync_batches WHERE id = %s", parameters=(batch_id,))[0]


def test_fail_stuck_fails_only_a_processing_batch(repo):
    batch = processing(repo, "stuck-run")

    failed = repo.fail_stuck(batch.id, reason="stuck: its run ended")

    assert (failed.status, failed.error_summary) == ("failed", "stuck: its run ended")
    assert failed.finished_at is not None
    assert repo.fail_stuck(batch.id, reason="again") is None
    assert repo.get(batch.id).error_summary == "stuck: its run ended"


def test_progress_is_kept_per_entity_while_processing(repo):
    batch = processing(repo, "progress-run")

    repo.record_progress(batch.id, "products", {"done": 250, "total": 600})
    repo.record_progress(batch.id, "categories", {"done": 24, "total": 24})
    repo.record_progress(batch.id, "products", {"done": 500, "total": 600})

    assert progress_of(repo, batch.id) == {
        "products": {"done": 500, "total": 600},
        "categories": {"done": 24, "total": 24},
    }
    repo.fail_stuck(batch.id, reason="stuck")
    repo.record_progress(batch.id, "products", {"done": 600, "total": 600})
    assert progress_of(repo, batch.id)["products"] == {"done": 500, "total": 600}
