"""Checkpoints on the batch row, and the pause, resume and cancel transitions, on a real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bigcommerce_sync.batches import BatchRepository, Checkpoint, ImportCounts
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.sync_types import Entity, SyncMode

FULL = ModePlan(SyncMode.FULL, "asked for")
STORE = "s-resume"


@pytest.fixture
def repo(batch_db_url) -> BatchRepository:
    repository = BatchRepository()
    repository.migrate()
    return repository


def processing(repo: BatchRepository, run: str, sync_type: str = "all", plan: ModePlan = FULL):
    return repo.create_processing(
        store_hash=STORE,
        sync_type=sync_type,
        plan=plan,
        is_scheduled=False,
        schedule=None,
        dag_id="d",
        run_id=run,
    )


def test_checkpoints_ride_the_progress_write_and_merge_per_entity(repo):
    batch = processing(repo, "run-cp")
    watermark = datetime(2026, 12, 3, 11, 40, tzinfo=UTC)
    products = Checkpoint({"after_id": 4812}, 2250, 2249, 1, 0, index="bc_s_products_v1", watermark=watermark)

    asked_to_pause = repo.record_progress(batch.id, "products", {"done": 2250}, products)
    repo.record_progress(batch.id, "categories", {"done": 10})  # progress alone leaves checkpoints be
    repo.record_checkpoint(batch.id, "blog_posts", Checkpoint({"page": 1}, 7, 7, done=True))

    row = repo.get(batch.id)
    assert asked_to_pause is False
    assert row.checkpoint(Entity.PRODUCTS) == products
    assert row.checkpoint(Entity.BLOG_POSTS).done and row.checkpoint(Entity.CATEGORIES) is None
    assert Checkpoint.from_json(products.to_json()) == products
    assert (products.where, Checkpoint({"page": 3}).where, Checkpoint().where) == (
        "after id 4812",
        "after page 3",
        "from the start",
    )

    repo.drop_checkpoints(batch.id, ["products"])
    assert set(repo.get(batch.id).checkpoints) == {"blog_posts"}


def test_a_finished_batch_takes_no_checkpoint(repo):
    batch = processing(repo, "run-cp-done")
    repo.complete(batch.id, counts=ImportCounts(), next_run_at=None)

    assert repo.record_progress(batch.id, "products", {"done": 1}, Checkpoint({"after_id": 1}, 1, 1)) is False
    repo.record_checkpoint(batch.id, "products", Checkpoint(done=True))
    assert repo.get(batch.id).checkpoints is None
